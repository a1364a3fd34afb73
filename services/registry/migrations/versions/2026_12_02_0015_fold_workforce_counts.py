"""workforce counts folded: the community level keeps day rows only; the levels above it
keep month rows, and day rows only for the open month

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

# Self-contained on purpose: a revision must replay the same forever.
#
# Every change was recorded as a day row and a month row at each of the six levels, so
# the rows deleted here are copies: a community's figures as of any day are its day rows
# up to it, and an upper level's are its month rows before the month plus that month's
# days (from the community level's day rows once the month has closed).

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    first = today.year * 10000 + today.month * 100 + 1
    op.execute("DELETE FROM workforce_counts WHERE level = 12 AND grain = 'm'")
    op.execute(
        f"DELETE FROM workforce_counts WHERE level < 12 AND grain = 'd' AND period < {first}"  # noqa: S608
    )

    op.create_index(
        "ix_workforce_counts_days", "workforce_counts", ["level", "grain", "period", "region"]
    )


def downgrade() -> None:
    """The month rows of the community level and the upper levels' closed days again,
    summed from the community level's day rows (which hold every change)."""
    op.drop_index("ix_workforce_counts_days", table_name="workforce_counts")
    levels = " UNION ALL ".join(f"SELECT {lv} AS lv" for lv in (0, 2, 4, 6, 9))
    op.execute(
        "INSERT INTO workforce_counts (level, region, grain, period, dim, value, delta) "
        "SELECT 12, region, 'm', period / 100, dim, value, sum(delta) FROM workforce_counts "
        "WHERE level = 12 AND grain = 'd' GROUP BY region, period / 100, dim, value"
    )
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    first = today.year * 10000 + today.month * 100 + 1
    op.execute(
        "INSERT INTO workforce_counts (level, region, grain, period, dim, value, delta) "  # noqa: S608
        f"SELECT l.lv, substr(w.region, 1, l.lv), 'd', w.period, w.dim, w.value, sum(w.delta) "
        f"FROM workforce_counts w CROSS JOIN ({levels}) l "
        f"WHERE w.level = 12 AND w.grain = 'd' AND w.period < {first} "
        "GROUP BY l.lv, substr(w.region, 1, l.lv), w.period, w.dim, w.value"
    )
