"""who is a worker: terms of office of elected posts, community validity dates and the
earlier holders of reused division codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)
ELECTED = {"committee_director", "deputy_director", "committee_member"}
PARTY = {"party_secretary", "deputy_secretary"}
FIVE_YEAR_TERMS_FROM = date(2018, 12, 29)  # 居民委员会组织法 as amended that day


def upgrade() -> None:
    op.add_column("communities", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("communities", sa.Column("valid_to", sa.Date(), nullable=True))
    op.create_table(
        "community_vintages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("urban_rural_code", sa.String(3), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_vintages")),
    )
    op.create_index("ix_community_vintages_code", "community_vintages", ["code", "valid_to"])
    terms = op.create_table(
        "post_terms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("body", sa.String(24), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("due_end", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_post_terms_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_terms")),
    )
    op.create_index("ix_post_terms_worker_id", "post_terms", ["worker_id", "term_start"])
    _open_terms_of_current_workers(terms)


def _open_terms_of_current_workers(terms: sa.Table) -> None:
    """Current holders of elected posts get their open term, from the post's start."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT id, community_code, position, position_since, concurrent_posts "
            "FROM workers WHERE status != 'exited'"
        )
    )
    now = datetime.now(UTC)
    new = []
    for r in rows:
        extra = r.concurrent_posts
        extra = json.loads(extra) if isinstance(extra, str) else (extra or [])
        since = r.position_since
        since = date.fromisoformat(since) if isinstance(since, str) else since
        held = [
            (r.position, since),
            *((p["position"], date.fromisoformat(p["since"])) for p in extra),
        ]
        for position, start in held:
            body = "residents_committee" if position in ELECTED else None
            body = "party_organisation" if position in PARTY else body
            if body is None:
                continue
            years = 5 if start >= FIVE_YEAR_TERMS_FROM else 3
            try:
                due = start.replace(year=start.year + years)
            except ValueError:
                due = start.replace(year=start.year + years, day=28)
            worker_id = r.id if isinstance(r.id, uuid.UUID) else uuid.UUID(str(r.id))
            new.append(
                {
                    "id": uuid.uuid4(),
                    "worker_id": worker_id,
                    "community_code": r.community_code,
                    "position": position,
                    "body": body,
                    "term_start": start,
                    "due_end": due,
                    "created_at": now,
                }
            )
    if new:
        op.bulk_insert(terms, new)


def downgrade() -> None:
    op.drop_index("ix_post_terms_worker_id", table_name="post_terms")
    op.drop_table("post_terms")
    op.drop_index("ix_community_vintages_code", table_name="community_vintages")
    op.drop_table("community_vintages")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("valid_to")
        batch.drop_column("valid_from")
