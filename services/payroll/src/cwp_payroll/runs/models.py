"""Payroll runs, their chunks, the payslips they write and the workers they could not
pay (with the reason).

Payslips are partitioned by period on PostgreSQL (declarative range partitioning, one
partition a month, made when a run of that month starts), so a national month is written
into its own table and can be dropped or archived whole. The key (worker, period) makes
paying a worker twice in a month impossible, whichever run tries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cwp_common.db import UTCDateTime
from cwp_payroll.db import Base


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    period: Mapped[int] = mapped_column(Integer)  # yyyymm
    state: Mapped[str] = mapped_column(String(12))  # draft | approved | locked
    # running | completed | failed (a chunk kept failing: the others are paid, the run
    # cannot be approved until a rerun completes it)
    status: Mapped[str] = mapped_column(String(12))
    # Bumped by each rerun; jobs of an earlier attempt are dropped when they arrive.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    dispatched_attempt: Mapped[int] = mapped_column(Integer, default=0)
    annual_bonus: Mapped[bool] = mapped_column(Boolean, default=False)
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    payslips: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    net: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    employer_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    locked_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_runs_period", "period", "jurisdiction"),)


class RunChunk(Base):
    """One job of a run: the workers of one street (a 9-digit division prefix)."""

    __tablename__ = "run_chunks"

    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))  # pending | done | failed
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # the run attempt it is done for
    # Why it failed after its last try (the error's type, never its values), and how
    # many times the work queue delivered it.
    reason: Mapped[str | None] = mapped_column(String(200))
    deliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    payslips: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[int] = mapped_column(BigInteger, default=0)
    net: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    employer_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunFailure(Base):
    """A worker the run could not pay, and why (a fixed reason code)."""

    __tablename__ = "run_failures"

    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    chunk: Mapped[str] = mapped_column(String(12))
    community_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(40))


class Payslip(Base):
    __tablename__ = "payslips"

    worker_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # yyyymm
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    chunk: Mapped[str] = mapped_column(String(12))
    community_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int] = mapped_column(Integer)
    coefficient_e4: Mapped[int] = mapped_column(Integer)
    example: Mapped[bool] = mapped_column(Boolean)
    # Every amount below in fen.
    base: Mapped[int] = mapped_column(BigInteger)  # the standard's base before the coefficient
    basic: Mapped[int] = mapped_column(BigInteger)
    performance: Mapped[int] = mapped_column(BigInteger)
    qualification_allowance: Mapped[int] = mapped_column(BigInteger)
    seniority_allowance: Mapped[int] = mapped_column(BigInteger)
    post_allowance: Mapped[int] = mapped_column(BigInteger)
    other_allowances: Mapped[int] = mapped_column(BigInteger)
    arrears: Mapped[int] = mapped_column(BigInteger)  # 补发 (+) or recovery (−)
    bonus: Mapped[int] = mapped_column(BigInteger)  # annual one-off bonus
    gross: Mapped[int] = mapped_column(BigInteger)
    contribution_base: Mapped[int] = mapped_column(BigInteger)
    housing_base: Mapped[int] = mapped_column(BigInteger)
    pension_employee: Mapped[int] = mapped_column(BigInteger)
    medical_employee: Mapped[int] = mapped_column(BigInteger)
    unemployment_employee: Mapped[int] = mapped_column(BigInteger)
    housing_employee: Mapped[int] = mapped_column(BigInteger)
    pension_employer: Mapped[int] = mapped_column(BigInteger)
    medical_employer: Mapped[int] = mapped_column(BigInteger)
    unemployment_employer: Mapped[int] = mapped_column(BigInteger)
    injury_employer: Mapped[int] = mapped_column(BigInteger)
    housing_employer: Mapped[int] = mapped_column(BigInteger)
    # What this month adds to the cumulative withholding (the bonus is left out when it
    # is taxed separately), and the deductions counted with it.
    tax_income: Mapped[int] = mapped_column(BigInteger)
    special_deductions: Mapped[int] = mapped_column(BigInteger)
    additional_deductions: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    bonus_tax: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    employer_cost: Mapped[int] = mapped_column(BigInteger)
    # Named lines (other allowances, arrears per period) as JSON: [[label, fen], ...].
    lines: Mapped[str] = mapped_column(Text)
    # The pay the contribution bases were set from, before the floor and cap: the
    # previous year's average monthly pay, or a new hire's first month's pay (kept for
    # the year: later months read it from here).
    pay_basis: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_payslips_run_id", "run_id", "chunk", "worker_id"),
        {"postgresql_partition_by": "RANGE (period)"},
    )
