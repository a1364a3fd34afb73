"""Every list of the people areas hands out a cursor only when another row follows: a
last page exactly `limit` long has none (one record of each kind, limit 1)."""

from __future__ import annotations

from tests.registry.conftest import Registry
from tests.registry.helpers import SH_1, SH_2
from tests.registry.people import seed_people

API = "/api/v1/registry"


async def test_a_last_page_exactly_limit_long_has_no_cursor(registry: Registry) -> None:
    for code in (SH_1, SH_2):
        await registry.add_community(code)
    worker = (await registry.add_worker(SH_2))["id"]
    admin = registry.auth("admin", "operator", "pii")
    values, _ = await seed_people(registry.app, registry.client, admin, worker, SH_2)
    duty_rule = {
        "jurisdiction": SH_2[:6],
        "kind": "on_call",
        "title": "值班制度",
        "rule": "轮流值班",
        "effective_from": "2020-01-01",
    }
    assert (
        await registry.client.post(f"{API}/duty-rules", json=duty_rule, headers=admin)
    ).status_code == 201
    duty = {"kind": "on_call", "on": "2024-05-01", "hours": "8"}
    r = await registry.client.post(f"{API}/workers/{worker}/duties", json=duty, headers=admin)
    assert r.status_code == 201, r.text
    disclosure = {
        "community_code": SH_2,
        "kind": "residents_affairs",
        "title": "居务公开",
        "period_start": "2024-01-01",
        "period_end": "2024-03-31",
        "published_on": "2024-04-05",
        "channel": "notice_board",
    }
    assert (
        await registry.client.post(f"{API}/disclosures", json=disclosure, headers=admin)
    ).status_code == 201
    round_id = values["round_id"][0]
    lists = [
        f"{API}/workers/{worker}/contracts",
        f"{API}/contracts",
        f"{API}/workers/{worker}/social-insurance",
        f"{API}/recruitment/rounds",
        f"{API}/recruitment/rounds/{round_id}/applications",
        f"{API}/exit-cases",
        f"{API}/duty-rules",
        f"{API}/workers/{worker}/duties",
        f"{API}/workers/{worker}/conduct",
        f"{API}/disclosures",
        f"{API}/workers/{worker}/audits",
        f"{API}/workers/{worker}/care",
    ]
    for url in lists:
        r = await registry.client.get(url, params={"limit": 1}, headers=admin)
        assert r.status_code == 200, (url, r.text)
        page = r.json()
        assert len(page["items"]) == 1, url
        assert page["next_cursor"] is None, url
