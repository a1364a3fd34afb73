from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cwp_common.auth import Principal
from cwp_registry.changes.models import Change

# Derived from or equal to the birth date: shown only to callers holding `pii`.
_BIRTH = ("birth_date", "retirement_date")
_LEFT = ("worker_id", "from_community_code", "effective_date")


class ChangeOut(BaseModel):
    event_id: str
    type: str
    time: datetime
    subject: str | None
    left_scope: bool = Field(
        False, description="a transfer out of your region: only who left, from where, when"
    )
    data: dict[str, Any]

    @classmethod
    def from_model(cls, row: Change, principal: Principal) -> ChangeOut:
        data = dict(row.data)
        left = not principal.covers(row.community_code)
        if left:
            data = {k: data[k] for k in _LEFT if k in data}
        elif not principal.sees_pii:
            data = {k: v for k, v in data.items() if k not in _BIRTH}
        return cls(
            event_id=row.event_id,
            type=row.type,
            time=row.at,
            subject=row.subject,
            left_scope=left,
            data=data,
        )


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None = Field(
        description="where to resume: send it back to get what changed since (null only "
        "before the first change)"
    )
