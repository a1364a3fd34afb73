"""recruitment: rounds, posts, applications (ID numbers encrypted) and their steps

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever, so it repeats table
# shapes and header lines rather than share code that may change.

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recruitment_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("written_weight_pct", sa.Integer(), nullable=False),
        sa.Column("written_pass_mark", sa.Integer(), nullable=True),
        sa.Column("publicity_working_days", sa.Integer(), nullable=False),
        sa.Column("apply_from", sa.Date(), nullable=False),
        sa.Column("apply_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_rounds")),
    )
    op.create_index(
        "ix_recruitment_rounds_jurisdiction", "recruitment_rounds", ["jurisdiction", "year"]
    )
    op.create_table(
        "recruitment_posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["recruitment_rounds.id"],
            name=op.f("fk_recruitment_posts_round_id_recruitment_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_recruitment_posts_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_posts")),
    )
    op.create_index("ix_recruitment_posts_round", "recruitment_posts", ["round_id"])
    op.create_table(
        "recruitment_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("id_number_cipher", sa.String(200), nullable=False),
        sa.Column("id_number_hash", sa.String(64), nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(11), nullable=True),
        sa.Column("education", sa.String(32), nullable=False),
        sa.Column("degree", sa.String(16), nullable=True),
        sa.Column("political_status", sa.String(32), nullable=False),
        sa.Column("residence_code", sa.String(12), nullable=True),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("written_score", sa.Integer(), nullable=True),
        sa.Column("interview_score", sa.Integer(), nullable=True),
        sa.Column("total_score", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("publicity_start", sa.Date(), nullable=True),
        sa.Column("publicity_end", sa.Date(), nullable=True),
        sa.Column("open_objections", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=True),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["recruitment_rounds.id"],
            name=op.f("fk_recruitment_applications_round_id_recruitment_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["recruitment_posts.id"],
            name=op.f("fk_recruitment_applications_post_id_recruitment_posts"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["workers.id"],
            name=op.f("fk_recruitment_applications_worker_id_workers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_applications")),
    )
    op.create_index(
        "uq_recruitment_applications_person",
        "recruitment_applications",
        ["round_id", "id_number_hash"],
        unique=True,
    )
    op.create_index(
        "ix_recruitment_applications_post", "recruitment_applications", ["post_id", "state"]
    )
    op.create_index(
        "ix_recruitment_applications_community",
        "recruitment_applications",
        ["community_code", "id"],
    )
    op.create_table(
        "recruitment_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(24), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("decided_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["recruitment_applications.id"],
            name=op.f("fk_recruitment_steps_application_id_recruitment_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment_steps")),
    )
    op.create_index(
        "ix_recruitment_steps_application", "recruitment_steps", ["application_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_recruitment_steps_application", table_name="recruitment_steps")
    op.drop_table("recruitment_steps")
    for index in (
        "ix_recruitment_applications_community",
        "ix_recruitment_applications_post",
        "uq_recruitment_applications_person",
    ):
        op.drop_index(index, table_name="recruitment_applications")
    op.drop_table("recruitment_applications")
    op.drop_index("ix_recruitment_posts_round", table_name="recruitment_posts")
    op.drop_table("recruitment_posts")
    op.drop_index("ix_recruitment_rounds_jurisdiction", table_name="recruitment_rounds")
    op.drop_table("recruitment_rounds")
