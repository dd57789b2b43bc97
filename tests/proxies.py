"""Two small proxies for tests: SOCKS5 (CONNECT, no auth, RFC 1928) and a plain HTTP forward proxy.

Each resolves host names from its own table (`names`), so a bot configured with a name only the proxy knows
can reach that host through the proxy and no other way. `connections` counts what went through.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import ipaddress
import struct


class Proxy(abc.ABC):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.connections = 0
        self.targets: list[str] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def _resolve(self, host: str) -> str:
        return self.names.get(host, host)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            writer.close()

    @abc.abstractmethod
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Speak the proxy's protocol with one client."""

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _splice(
        self,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        first: bytes = b"",
    ) -> None:
        if first:
            upstream[1].write(first)
        await asyncio.gather(self._pipe(client[0], upstream[1]), self._pipe(upstream[0], client[1]))


class Socks5Proxy(Proxy):
    scheme = "socks5h"  # names are resolved by the proxy

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, methods = await reader.readexactly(2)
        await reader.readexactly(methods)
        if version != 5:
            return
        writer.write(b"\x05\x00")  # no authentication
        _, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1:
            writer.write(b"\x05\x07\x00\x01" + b"\x00" * 6)
            return
        upstream = await asyncio.open_connection(self._resolve(host), port)
        self.connections += 1
        self.targets.append(f"{host}:{port}")
        writer.write(b"\x05\x00\x00\x01" + b"\x00" * 6)
        await self._splice((reader, writer), upstream)


class HttpProxy(Proxy):
    """Forwards absolute-form requests (`GET http://host:port/path`) and tunnels CONNECT."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        method, target, version = line.decode().split(" ", 2)
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            upstream = await asyncio.open_connection(self._resolve(host), int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            first = b""
        else:
            rest = target.split("://", 1)[1]
            authority, _, path = rest.partition("/")
            host, _, port = authority.partition(":")
            upstream = await asyncio.open_connection(self._resolve(host), int(port or 80))
            first = f"{method} /{path} {version}".encode()
        self.connections += 1
        self.targets.append(target)
        await self._splice((reader, writer), upstream, first)
