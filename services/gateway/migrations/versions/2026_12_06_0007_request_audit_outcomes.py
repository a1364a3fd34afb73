"""request audit outcomes: the answer's status apart from the request's row

The request's row (who, when, what, from where) is now committed while the service works,
before the answer may go out; the answer's status follows in `request_audit_outcomes`,
written in larger batches nobody waits for. Existing statuses move there, and
`request_audit.status` goes. Both tables refuse UPDATE and DELETE.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""

# Self-contained on purpose: a revision must replay the same forever.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
"""


def _sqlite_triggers(table: str) -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "request_audit_outcomes",
        sa.Column("audit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_request_audit_outcomes")),
    )
    op.execute(
        "INSERT INTO request_audit_outcomes (audit_id, status, at) "
        "SELECT id, status, at FROM request_audit"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.drop_column("request_audit", "status")
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER request_audit_outcomes_append_only BEFORE UPDATE OR DELETE "
            "ON request_audit_outcomes FOR EACH ROW EXECUTE FUNCTION append_only()"
        )
    else:
        # SQLite drops a column by copying the table: its triggers go with the old one
        # (the copy's INSERT and the DROP fire none) and are made again on the new one.
        with op.batch_alter_table("request_audit", recreate="always") as batch:
            batch.drop_column("status")
        _sqlite_triggers("request_audit")
        _sqlite_triggers("request_audit_outcomes")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # Nullable now: a request whose outcome never came (the gateway stopped first)
        # has no status to bring back.
        op.add_column("request_audit", sa.Column("status", sa.Integer(), nullable=True))
        # The append-only trigger refuses the UPDATE that brings the statuses back.
        op.execute("ALTER TABLE request_audit DISABLE TRIGGER request_audit_append_only")
        op.execute(
            "UPDATE request_audit SET status = o.status FROM request_audit_outcomes o "
            "WHERE o.audit_id = request_audit.id"
        )
        op.execute("ALTER TABLE request_audit ENABLE TRIGGER request_audit_append_only")
        op.execute(
            "DROP TRIGGER IF EXISTS request_audit_outcomes_append_only ON request_audit_outcomes"
        )
        op.execute("DROP FUNCTION IF EXISTS append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS request_audit_no_{event}")
        with op.batch_alter_table("request_audit", recreate="always") as batch:
            batch.add_column(sa.Column("status", sa.Integer(), nullable=True))
        op.execute(
            "UPDATE request_audit SET status = (SELECT status FROM request_audit_outcomes o "
            "WHERE o.audit_id = request_audit.id)"
        )
        _sqlite_triggers("request_audit")
    op.drop_table("request_audit_outcomes")
