"""Logging set-up that keeps the bot token and the provider key out of every log line.

httpx logs request URLs, and Telegram URLs contain the bot token; PTB logs the API URL at DEBUG;
tracebacks can quote URLs. Redaction therefore happens when a record is created (a log record
factory), so every handler, including ones added later by a library or a test, sees clean text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return _TOKEN_SHAPE.sub("<redacted>", text)

    def apply(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; let logging report it as usual
            return
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)


# Request lines carry the token in the URL and add nothing at INFO; the job queue's heartbeat would
# log two lines every 30 s.
NOISY_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "apscheduler")

_redactor = Redactor()
_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    _redactor.apply(record)
    return record


def install_redaction(secrets: Iterable[str]) -> None:
    global _redactor
    _redactor = Redactor(secrets)
    logging.setLogRecordFactory(_redacting_factory)


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    install_redaction(secrets)
    root = logging.getLogger()
    if not any(getattr(h, "_mjbot", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._mjbot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
