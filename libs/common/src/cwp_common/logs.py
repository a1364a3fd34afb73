"""How every process logs: one JSON object per line (what log collectors index), or text
for a terminal, each line with the request id and, when tracing is on, the trace and span
ids, so a line leads to its request and its trace.

Log messages never carry personal data (see cwp_common.redact); this module only frames
them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from cwp_common.telemetry import current_ids
from cwp_common.web import request_id_var


class ContextFilter(logging.Filter):
    """Puts the request id and the trace ids on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        ids = current_ids()
        record.trace_id, record.span_id = ids if ids is not None else ("-", "-")
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        trace_id = getattr(record, "trace_id", "-")
        if trace_id != "-":
            line["trace_id"] = trace_id
            line["span_id"] = getattr(record, "span_id", "-")
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(trace_id)s] %(message)s"


def configure_logging(level: str, format: str = "json", service: str = "cwp") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter(service) if format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
