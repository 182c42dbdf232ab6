"""How `python -m bot` writes its log: readable lines (the default), or with
LOG_FORMAT=json one JSON object per line for a log collector: `time` (UTC, ISO 8601),
`level`, `logger`, `message`, and `exception` (the traceback) or `stack` when there is one.

Either way the redaction filter (`bot.logging_setup`) sits on the handler and rewrites a
record before it is formatted, so no secret reaches either format.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Give the root logger one handler (stderr) writing `log_format` ("text" or "json"),
    as `logging.basicConfig` does: nothing changes if it has handlers already."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level, handlers=[handler])
