from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DDL, Boolean, Integer, String, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_gateway.db import Base


class RequestAudit(Base):
    """One write, or one read of full ID numbers, as the gateway passed it on: who (the
    token's subject, kind and region), when, what (method, path, status), from where (the
    client address) and the request id that ties it to every service's log lines.
    Append-only: the database itself refuses UPDATE and DELETE (migration 0005)."""

    __tablename__ = "request_audit"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_region: Mapped[str] = mapped_column(String(12), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))  # no query string: it may hold values
    status: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(128))
    full_id_read: Mapped[bool] = mapped_column(Boolean, default=False)


# The same refusal as migration 0005, for schemas made with create_all (tests).
_PG_FUNCTION = DDL(  # type: ignore[no-untyped-call]
    "CREATE OR REPLACE FUNCTION request_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'request_audit is append-only'; END; $$ LANGUAGE plpgsql"
)
_PG_TRIGGER = DDL(  # type: ignore[no-untyped-call]
    "CREATE TRIGGER request_audit_append_only BEFORE UPDATE OR DELETE ON request_audit "
    "FOR EACH ROW EXECUTE FUNCTION request_audit_append_only()"
)
for _ddl in (_PG_FUNCTION, _PG_TRIGGER):
    event.listen(RequestAudit.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
for _event in ("UPDATE", "DELETE"):
    event.listen(
        RequestAudit.__table__,
        "after_create",
        DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER request_audit_no_{_event.lower()} BEFORE {_event} ON request_audit "
            "BEGIN SELECT RAISE(ABORT, 'request_audit is append-only'); END"
        ).execute_if(dialect="sqlite"),
    )
