"""initial: worker projection, catalogue, classes and the hours ledger, requirements and
obligations, exams, qualifications, skill levels, and the event tables every service keeps

Revision ID: 0001
Revises:
Create Date: 2026-12-02 10:59:03.240775
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cwp_common.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint(
            "class_id", "worker_id", "day", "kind", name=op.f("uq_attendance_class_id")
        ),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_worker_day", ["worker_id", "day", "minutes"], unique=False
        )
        batch_op.create_index("ix_attendance_day", ["day", "worker_id", "minutes"], unique=False)

    op.create_table(
        "bases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("location_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bases")),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("topics", sa.String(length=300), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index("ix_courses_jurisdiction", ["jurisdiction", "id"], unique=False)

    op.create_table(
        "dead_letters",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "exam_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=False),
        sa.Column("exam_year", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_results")),
        sa.UniqueConstraint(
            "worker_id", "level", "subject", "exam_year", name=op.f("uq_exam_results_worker_id")
        ),
    )
    with op.batch_alter_table("exam_results", schema=None) as batch_op:
        batch_op.create_index("ix_exam_results_worker", ["worker_id", "level"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("processed_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "obligations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("qualification_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("hours_due", sa.Integer(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index("ix_obligations_end", ["period_end"], unique=False)
        batch_op.create_index("ix_obligations_worker", ["worker_id", "period_start"], unique=False)

    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", cwp_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["published_at", "seq"], unique=False)

    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("jurisdiction", "year", "title", name=op.f("uq_plans_jurisdiction")),
    )
    op.create_table(
        "qualifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("obtained_on", sa.Date(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_qualifications_certificate_no")),
        sa.UniqueConstraint("worker_id", "level", name=op.f("uq_qualifications_worker_id")),
    )
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.create_index("ix_qualifications_level", ["level", "worker_id"], unique=False)

    op.create_table(
        "requirements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("cycle_start_year", sa.Integer(), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirements")),
        sa.UniqueConstraint(
            "jurisdiction",
            "position",
            "period",
            "effective_from",
            name=op.f("uq_requirements_jurisdiction"),
        ),
    )
    op.create_table(
        "resources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topics", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_table(
        "shortfall_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortfall_notices")),
        sa.UniqueConstraint(
            "worker_id", "kind", "period_start", name=op.f("uq_shortfall_notices_worker_id")
        ),
    )
    op.create_table(
        "skill_levels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("occupation", sa.String(length=100), nullable=False),
        sa.Column("obtained_on", sa.Date(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_levels")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_skill_levels_certificate_no")),
        sa.UniqueConstraint("worker_id", "level", name=op.f("uq_skill_levels_worker_id")),
    )
    op.create_table(
        "trainer_ratings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trainer_id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainer_ratings")),
        sa.UniqueConstraint(
            "trainer_id", "class_id", "worker_id", name=op.f("uq_trainer_ratings_trainer_id")
        ),
    )
    op.create_table(
        "trainers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("expertise", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainers")),
    )
    op.create_table(
        "workers",
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hire_date", sa.Date(), nullable=False),
        sa.Column("updated_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_workers")),
    )
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workers_community_code", ["community_code", "worker_id"], unique=False
        )
        batch_op.create_index("ix_workers_position", ["position", "community_code"], unique=False)

    op.create_table(
        "classes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("base_id", sa.Uuid(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Boolean(), nullable=False),
        sa.Column("trainer_ids", sa.String(length=400), nullable=False),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["base_id"], ["bases.id"], name=op.f("fk_classes_base_id_bases")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_classes_course_id_courses")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_classes_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
    )
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.create_index("ix_classes_jurisdiction", ["jurisdiction", "id"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("minutes_studied", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("created_at", cwp_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_enrolments_class_id_classes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("class_id", "worker_id", name=op.f("uq_enrolments_class_id")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrolments_class_status", ["class_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_enrolments_worker", ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_worker")
        batch_op.drop_index("ix_enrolments_class_status")

    op.drop_table("enrolments")
    with op.batch_alter_table("classes", schema=None) as batch_op:
        batch_op.drop_index("ix_classes_jurisdiction")

    op.drop_table("classes")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_index("ix_workers_position")
        batch_op.drop_index("ix_workers_community_code")

    op.drop_table("workers")
    op.drop_table("trainers")
    op.drop_table("trainer_ratings")
    op.drop_table("skill_levels")
    op.drop_table("shortfall_notices")
    op.drop_table("resources")
    op.drop_table("requirements")
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.drop_index("ix_qualifications_level")

    op.drop_table("qualifications")
    op.drop_table("plans")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_worker")
        batch_op.drop_index("ix_obligations_end")

    op.drop_table("obligations")
    op.drop_table("inbox")
    with op.batch_alter_table("exam_results", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_results_worker")

    op.drop_table("exam_results")
    op.drop_table("dead_letters")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_jurisdiction")

    op.drop_table("courses")
    op.drop_table("bases")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_worker_day")
        batch_op.drop_index("ix_attendance_day")

    op.drop_table("attendance")
