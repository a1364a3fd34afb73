"""CloudEvents 1.0 envelope around a JSON `data` object."""

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

    @classmethod
    def new(cls, source: str, type: str, data: dict[str, Any], subject: str | None) -> CloudEvent:
        return cls(
            id=str(new_id()), source=source, type=type, time=utcnow(), subject=subject, data=data
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)


def stream_name(service: str) -> str:
    """One stream per producing service: REGISTRY holds registry.>"""
    return service.upper()


def service_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]
