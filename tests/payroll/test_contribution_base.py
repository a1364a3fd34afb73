"""Contribution bases from the previous year's average monthly pay (REFERENCE §3.4),
through real runs: a worker paid in November and December 2024 has 2025's bases set
from those two months' average, whatever a raise in 2025 does to the month's pay; a new
hire of 2025 keeps the first month's pay as the basis for the year."""

from __future__ import annotations

from datetime import date

import httpx
from fastapi import FastAPI

from tests.payroll.helpers import GZ_1, grade, payslips, publish_policy, start_run, wait_run, worker


def fen(text: str) -> int:
    whole, cents = text.split(".")
    return int(whole) * 100 + int(cents)


async def test_the_bases_follow_last_years_average_and_a_new_hires_first_month(
    replica_app: FastAPI, replica: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await publish_policy(replica, admin, "44")
    veteran = await worker(replica_app, "3.0000")
    for period in ("2024-11", "2024-12"):
        await wait_run(replica, admin, (await start_run(replica, admin, "44", period))["id"])
    slips_2024 = await payslips(replica, admin, veteran)
    # 3,400 × 3.0 = 10,200 + seniority 6 years × 50 = 300 + 200 transport = 10,700.00 both
    # months (the seniority year turns in March).
    assert [s["gross"] for s in slips_2024] == ["10700.00", "10700.00"]

    # A raise from January 2025 and a new hire of January 2025.
    await grade(replica_app, veteran, "4.0000", effective=date(2025, 1, 1), previous=5, grade_no=6)
    hire = await worker(replica_app, "2.0000", service_start_date=date(2025, 1, 1))
    await wait_run(replica, admin, (await start_run(replica, admin, "44", "2025-01"))["id"])
    january = (await payslips(replica, admin, veteran))[0]
    assert january["gross"] == "14100.00"  # 13,600 + 300 + 200
    # Last year's average monthly pay, not January's: (10,700 + 10,700) / 2.
    assert january["pay_basis"] == "10700.00"
    assert (january["contribution_base"], january["housing_base"]) == ("10700.00", "10700.00")
    assert january["pension_employee"] == "856.00"  # 8% of 10,700
    assert january["housing_employee"] == "749.00"  # 7%
    first = (await payslips(replica, admin, hire))[0]
    # The new hire's first month: 6,800 + 0 seniority + 200 = 7,000 sets the basis.
    assert (first["gross"], first["pay_basis"]) == ("7000.00", "7000.00")
    assert first["contribution_base"] == "7000.00"

    # February: the new hire is raised, the basis stays the first month's.
    await grade(
        replica_app,
        hire,
        "3.0000",
        effective=date(2025, 2, 1),
        previous=5,
        grade_no=6,
        code=GZ_1,
    )
    await wait_run(replica, admin, (await start_run(replica, admin, "44", "2025-02"))["id"])
    february = (await payslips(replica, admin, hire))[0]
    assert february["period"] == "2025-02"
    assert february["gross"] == "10400.00"  # 10,200 + 200
    assert (february["pay_basis"], february["contribution_base"]) == ("7000.00", "7000.00")
    assert fen(february["pension_employee"]) == 56_000  # 8% of 7,000
    veteran_feb = (await payslips(replica, admin, veteran))[0]
    assert veteran_feb["pay_basis"] == "10700.00"
