"""Request audit queries: scoped by the actor's region, read only. There is no update or
delete here, nor anywhere else: the table is append-only (and the database says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_gateway.audit.models import RequestAudit


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    method: str | None = None
    path_prefix: str | None = None
    full_id_read: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


class RequestAuditRepository(Repository[RequestAudit]):
    model = RequestAudit
    key = RequestAudit.id  # UUIDv7: also the time order
    label = "Audit entry"

    def scope(self, stmt: AnySelect) -> AnySelect:
        """Entries of actors within the caller's region (regions are prefixes)."""
        region = self.principal.region
        if not region:
            return stmt
        return stmt.where(RequestAudit.actor_region.startswith(region, autoescape=True))

    def search(self, f: AuditFilter) -> AnySelect:
        stmt = self.where_given(
            self.scoped(),
            (RequestAudit.actor, f.actor),
            (RequestAudit.method, f.method),
            (RequestAudit.full_id_read, f.full_id_read),
        )
        if f.path_prefix:
            stmt = stmt.where(RequestAudit.path.startswith(f.path_prefix, autoescape=True))
        if f.since is not None:
            stmt = stmt.where(RequestAudit.at >= f.since)
        if f.until is not None:
            stmt = stmt.where(RequestAudit.at < f.until)
        return stmt
