"""Logging set-up that keeps the bot token and the provider key out of every log line.

httpx logs request URLs, and Telegram URLs contain the bot token; PTB logs the API URL at DEBUG;
tracebacks can quote URLs. Redaction therefore happens when a record is created (a log record
factory), so every handler, including ones added later by a library or a test, sees clean text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from types import TracebackType
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


def redact(text: str) -> str:
    """What the bot prints itself (start-up errors on stderr) goes through the same redaction as the log."""
    return _redactor.redact(text)


# Fields a log call may attach with `extra=` (one line per job outcome); the JSON format carries them.
JOB_FIELDS = ("job", "chat", "task", "kind", "state", "seconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the job fields, and a traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in JOB_FIELDS if hasattr(record, name)})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = _redactor.redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), *, form: str = "text") -> None:
    install_redaction(secrets)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_mjbot", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._mjbot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if form == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # library warnings go through the redacting log, not straight to stderr
    sys.excepthook = _redacted_excepthook


def _redacted_excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A crash's traceback quotes URLs and arguments: it is logged (redacted) instead of printed raw."""
    logging.getLogger("bot").critical("the bot crashed", exc_info=(kind, value, tb))
