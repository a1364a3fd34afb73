from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DDL, Boolean, Integer, String, Table, Uuid, event, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from cwp_common.db import UTCDateTime, new_id
from cwp_gateway.db import Base


class RequestAuditOutcome(Base):
    """The answer to an audited request: its status, when it went out. Apart from the
    request's row because that one is committed before the answer exists (recorder.py).
    No outcome: the gateway stopped before it could record the answer (or has not yet)."""

    __tablename__ = "request_audit_outcomes"

    audit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RequestAudit(Base):
    """One write, or one read of full ID numbers, as the gateway passed it on: who (the
    token's subject, kind and region), when, what (method, path), from where (the client
    address) and the request id that ties it to every service's log lines; the answer's
    status is its outcome's. Append-only, as its outcomes: the database itself refuses
    UPDATE and DELETE (migrations 0005 and 0007)."""

    __tablename__ = "request_audit"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_region: Mapped[str] = mapped_column(String(12), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))  # no query string: it may hold values
    address: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(128))
    full_id_read: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[int | None] = column_property(
        select(RequestAuditOutcome.status)
        .where(RequestAuditOutcome.audit_id == id)
        .correlate_except(RequestAuditOutcome)
        .scalar_subquery()
    )


# The same refusal as migrations 0005 and 0007, for schemas made with create_all (tests).
# DDL formats its text with %: "%%" is the function's own %.
_PG_FUNCTION = DDL(  # type: ignore[no-untyped-call]
    "CREATE OR REPLACE FUNCTION append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
)


def _append_only(table: Table) -> None:
    name = table.name
    pg_trigger = DDL(  # type: ignore[no-untyped-call]
        f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name} "
        "FOR EACH ROW EXECUTE FUNCTION append_only()"
    )
    for ddl in (_PG_FUNCTION, pg_trigger):
        event.listen(table, "after_create", ddl.execute_if(dialect="postgresql"))
    for statement in ("UPDATE", "DELETE"):
        sqlite_trigger = DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER {name}_no_{statement.lower()} BEFORE {statement} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END"
        )
        event.listen(table, "after_create", sqlite_trigger.execute_if(dialect="sqlite"))


for _table in (RequestAudit.__table__, RequestAuditOutcome.__table__):
    _append_only(_table)  # type: ignore[arg-type]
