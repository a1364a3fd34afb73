"""request audit: every write and every read of full ID numbers, append-only

The database refuses UPDATE and DELETE on the table (a trigger on both PostgreSQL and
SQLite), so not even a bug or a hand-typed statement in the application's role can change
history; removing old entries is an operator's deliberate act (drop the trigger).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION request_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'request_audit is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "request_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_region", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("full_id_read", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_audit")),
    )
    for column in ("at", "actor", "actor_region"):
        op.create_index(op.f(f"ix_request_audit_{column}"), "request_audit", [column])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER request_audit_append_only BEFORE UPDATE OR DELETE ON request_audit "
            "FOR EACH ROW EXECUTE FUNCTION request_audit_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER request_audit_no_{event.lower()} BEFORE {event} ON request_audit "
                "BEGIN SELECT RAISE(ABORT, 'request_audit is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS request_audit_append_only ON request_audit")
        op.execute("DROP FUNCTION IF EXISTS request_audit_append_only()")
    op.drop_table("request_audit")
