"""A worker's own account reads their own registry record and nothing else: not a
colleague in the same community, not the community list, and it writes nothing."""

from __future__ import annotations

from tests.registry.conftest import Registry, assert_problem
from tests.registry.helpers import SH_1, id_number

WORKERS = "/api/v1/registry/workers"


async def test_a_worker_reads_only_their_own_record(registry: Registry) -> None:
    await registry.add_community(SH_1)
    me = await registry.add_worker(SH_1)
    colleague = await registry.add_worker(SH_1, id_number=id_number(seq=77))
    mine = registry.tokens.worker_headers(me["id"], SH_1)

    r = await registry.client.get(f"{WORKERS}/{me['id']}", headers=mine)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == me["id"]
    assert "*" in r.json()["id_number"]  # masked: a worker account has no pii role
    assert_problem(
        await registry.client.get(f"{WORKERS}/{colleague['id']}", headers=mine), 404, "not-found"
    )
    listed = (await registry.client.get(WORKERS, headers=mine)).json()
    assert [w["id"] for w in listed["items"]] == [me["id"]]
    assert (await registry.client.get(f"{WORKERS}/{me['id']}/transfers", headers=mine)).json() == []
    assert_problem(
        await registry.client.get(f"{WORKERS}/{colleague['id']}/transfers", headers=mine),
        404,
        "not-found",
    )
    # Reads are staff's unless an endpoint lets a worker in for their own records.
    for staff_read in ("/api/v1/registry/communities", "/api/v1/registry/statistics"):
        refused = await registry.client.get(staff_read, headers=mine)
        assert refused.status_code == 403, staff_read


async def test_a_worker_account_writes_nothing(registry: Registry) -> None:
    await registry.add_community(SH_1)
    me = await registry.add_worker(SH_1)
    mine = registry.tokens.worker_headers(me["id"], SH_1)
    before = await registry.counts()
    r = await registry.client.patch(f"{WORKERS}/{me['id']}", json={"phone": None}, headers=mine)
    assert_problem(r, 403, "forbidden")
    r = await registry.client.post(WORKERS, json=registry.worker_body(SH_1), headers=mine)
    assert_problem(r, 403, "forbidden")
    assert await registry.counts() == before
