"""CloudEvents 1.0 envelope around a JSON `data` object.

`traceparent` is the CloudEvents distributed-tracing extension: the W3C trace context of
the request that staged the event, present only when tracing is on (cwp_common.telemetry),
so the consumer's work joins the producer's trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from cwp_common.db import new_id, utcnow


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    type: str
    specversion: Literal["1.0"] = "1.0"
    time: datetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any] = Field(default_factory=dict)
    traceparent: str | None = Field(default=None, max_length=128)

    @classmethod
    def new(
        cls,
        source: str,
        type: str,
        data: dict[str, Any],
        subject: str | None,
        traceparent: str | None = None,
    ) -> CloudEvent:
        return cls(
            id=str(new_id()),
            source=source,
            type=type,
            time=utcnow(),
            subject=subject,
            data=data,
            traceparent=traceparent,
        )

    def to_bytes(self) -> bytes:
        untraced = {"traceparent"} if self.traceparent is None else None
        return orjson.dumps(self.model_dump(mode="json", exclude=untraced))

    @staticmethod
    def body(
        id: str,
        source: str,
        type: str,
        time: str,
        subject: str | None,
        data: dict[str, Any],
        traceparent: str | None = None,
    ) -> bytes:
        """The envelope's JSON built from parts that are JSON-ready already (`time` as
        json_time gives it, `data` as model_dump(mode="json") does), with no model round
        trip: the one layout of an outbox row, for single events and bulk batches alike."""
        document = {
            "id": id,
            "source": source,
            "type": type,
            "specversion": "1.0",
            "time": time,
            "subject": subject,
            "datacontenttype": "application/json",
            "data": data,
        }
        if traceparent is not None:
            document["traceparent"] = traceparent
        return orjson.dumps(document)

    @staticmethod
    def json_time(moment: datetime) -> str:
        """An aware time as the envelope writes it (UTC as Z, like pydantic's JSON)."""
        return moment.isoformat().replace("+00:00", "Z")

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)


_TRACEPARENT_KEY = b'"traceparent":"'


def traceparent_of(body: bytes) -> str | None:
    """The trace context in an envelope's JSON as body() writes it (its last member),
    found without parsing the document (the relay does this for every event)."""
    at = body.rfind(_TRACEPARENT_KEY)
    if at < 0:
        return None
    start = at + len(_TRACEPARENT_KEY)
    end = body.find(b'"', start)
    return body[start:end].decode("ascii", "replace") if end > start else None


def stream_name(service: str) -> str:
    """One stream per producing service: REGISTRY holds registry.>"""
    return service.upper()


def service_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]
