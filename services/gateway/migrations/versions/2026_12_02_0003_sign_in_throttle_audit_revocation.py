"""sign-in throttle per name and address, audit log, token revocation, secret rotation,
refresh tokens

The per-name lock (login_failures) let a stranger lock any account out; it is replaced by
growing delays per (name, client address). Its rows are short-lived counters and are not
carried over.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:53:05.262131
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("family", sa.Uuid(), nullable=False),
        sa.Column("issued_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_tokens_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_refresh_tokens_family"), ["family"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_region"), ["region"], unique=False)

    op.create_table(
        "sign_in_failures",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "login_key", "address", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_failures_last_failure_at"), ["last_failure_at"], unique=False
        )

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_last_failure_at"))

    op.drop_table("login_failures")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tokens_not_before", cwp_common.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("previous_secret_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_secret_until", cwp_common.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret_hash")
        batch_op.drop_column("tokens_not_before")

    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "login_key", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_failures_last_failure_at"), ["last_failure_at"], unique=False
        )

    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failures_last_failure_at"))

    op.drop_table("sign_in_failures")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_region"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
