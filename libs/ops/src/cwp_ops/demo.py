"""`cwp seed-demo`: a realistic demo data set of any size, written through the gateway's
API as a province's operators would write it, so every rule, event and projection runs
(career grades each worker from the registry's events).

Communities sit in real districts (12-digit division codes, 001-199 communities under
streets 001-020), with populations and households of real urban communities; each gets
workers at about the national target of 18 per 10,000 residents: a party secretary, a
committee director, deputies, members and full-time workers. People have common Chinese
names, valid resident ID numbers (real county address codes, birth date, sequence whose
parity gives the sex, GB 11643 check character), ages, hire dates and education spread
as in a real workforce. The same --seed gives the same data set."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from stdnum.cn import ric

# Real districts (county-level codes, known to the national code list): the address code
# of the ID numbers and the first six digits of the communities.
DISTRICTS = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "110101": "东城区",
    "110105": "朝阳区",
    "440104": "越秀区",
    "440106": "天河区",
    "330102": "上城区",
    "510104": "锦江区",
    "420102": "江岸区",
    "320102": "玄武区",
}
# The cities of those districts (GB/T 2260; a municipality's districts sit under 市辖区).
CITIES = {"3101": "市辖区", "1101": "市辖区", "4401": "广州市", "3301": "杭州市",
          "5101": "成都市", "4201": "武汉市", "3201": "南京市"}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰萍毅浩宇轩然子涵欣怡梓晨雨思佳博文宏建国华红梅海燕丹婷俊辉鹏飞亮晶慧颖琳倩雪晓东"
STREET_NAMES = ("东华门", "南京东", "外滩", "半淞园", "打浦桥", "五里桥", "老西门", "豫园", "小东门",
                "瑞金二", "天平", "湖南", "枫林", "长桥", "龙华", "田林", "康健", "虹梅")  # fmt: skip
# 学历 of community workers today: mostly junior college and bachelor.
EDUCATION = (("below_junior_college", 15), ("junior_college", 40), ("bachelor", 40),
             ("master", 5))  # fmt: skip
NATIONAL_TARGET_PER_10K = 18


def with_check(body17: str) -> str:
    """GB 11643-1999 MOD 11-2: the 17 digits and their check character (python-stdnum,
    the library the registry checks numbers with)."""
    return body17 + ric.calc_check_digit(body17 + "0")  # it ignores the last character


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    population: int
    households: int

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "population": self.population,
                "households": self.households, "urban_rural_code": "111"}  # fmt: skip


class DemoData:
    """The data set, drawn from one seeded generator."""

    def __init__(self, seed: int, today: date) -> None:
        self.random = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.today = today
        self._sequences: dict[tuple[str, date], int] = {}

    def communities(self, count: int) -> list[Community]:
        found: list[Community] = []
        districts = list(DISTRICTS)
        for i in range(count):
            district = districts[i % len(districts)]
            street = 1 + (i // len(districts)) // 199 % 20
            number = 1 + (i // len(districts)) % 199
            population = self.random.randint(3000, 12000)
            name = f"{DISTRICTS[district]}{STREET_NAMES[street % len(STREET_NAMES)]}第{number}社区"
            households = int(population / self.random.uniform(2.4, 2.9))
            code = f"{district}{street:03d}{number:03d}"
            found.append(Community(code, name, population, households))
        return found

    def divisions(self, communities: list[Community]) -> list[dict[str, str]]:
        """Names of the cities, districts and streets the communities lie in."""
        named: dict[str, str] = {}
        for c in communities:
            street = int(c.code[6:9])
            named[c.code[:4]] = CITIES[c.code[:4]]
            named[c.code[:6]] = DISTRICTS[c.code[:6]]
            named[c.code[:9]] = f"{STREET_NAMES[street % len(STREET_NAMES)]}街道"
        return [{"code": code, "name": name} for code, name in sorted(named.items())]

    def staff_size(self, community: Community) -> int:
        return max(3, round(community.population * NATIONAL_TARGET_PER_10K / 10_000))

    def name(self) -> str:
        given = "".join(self.random.choice(GIVEN) for _ in range(self.random.choice((1, 2, 2))))
        return self.random.choice(SURNAMES) + given

    def id_number(self, district: str, birth: date, female: bool) -> str:
        key = (district, birth)
        seq = self._sequences.get(key, self.random.randrange(0, 900))
        if seq % 2 != int(not female):  # odd for men, even for women
            seq += 1
        self._sequences[key] = seq + 2
        return with_check(f"{district}{birth:%Y%m%d}{seq % 1000:03d}")

    def worker(self, community: Community, position: str) -> dict[str, Any]:
        age = self.random.randint(24, 55)
        birth = self.today.replace(year=self.today.year - age) - timedelta(
            days=self.random.randint(1, 360)
        )
        years = self.random.randint(0, min(25, age - 22))
        hire = self.today - timedelta(days=365 * years + self.random.randint(1, 360))
        education = self.random.choices([e for e, _ in EDUCATION], [w for _, w in EDUCATION])[0]
        female = self.random.random() < 0.62  # most community workers are women
        return {
            "name": self.name(),
            "id_number": self.id_number(community.code[:6], birth, female),
            "community_code": community.code,
            "position": position,
            "education": education,
            "hire_date": hire.isoformat(),
            "political_status": self.random.choice(["masses", "cpc_member", "cpc_member"]),
        }

    def positions(self, size: int) -> list[str]:
        head = ["party_secretary", "committee_director", "deputy_secretary", "deputy_director"]
        members = ["committee_member"] * min(3, max(0, size - len(head)))
        rest = ["full_time_worker"] * max(0, size - len(head) - len(members))
        return (head + members + rest)[:size]


@dataclass
class Tally:
    communities: int = 0
    workers: int = 0
    existing: int = 0
    refused: int = 0


async def seed(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    data: DemoData,
    workers: int,
    concurrency: int = 16,
) -> Tally:
    """`workers` workers in as many communities as they fill at the national target."""
    tally = Tally()
    per_community = 12
    communities = data.communities(max(1, -(-workers // per_community)))
    slots = asyncio.Semaphore(concurrency)

    async def post(path: str, body: dict[str, Any]) -> int:
        async with slots:
            r = await client.post(path, headers=auth, json=body)
            return r.status_code

    r = await client.post(
        "/api/v1/registry/divisions/bulk", headers=auth, json={"items": data.divisions(communities)}
    )
    if r.status_code != 200:
        raise SystemExit(f"naming the divisions: the registry answered {r.status_code}")
    remaining = workers
    for community in communities:
        status = await post("/api/v1/registry/communities", community.body())
        if status == 201:
            tally.communities += 1
        elif status != 409:
            raise SystemExit(f"community {community.code}: the registry answered {status}")
        size = min(remaining, max(data.staff_size(community), per_community))
        bodies = [data.worker(community, p) for p in data.positions(size)]
        for status in await asyncio.gather(*(post("/api/v1/registry/workers", b) for b in bodies)):
            if status == 201:
                tally.workers += 1
            elif status == 409:
                tally.existing += 1
            else:
                tally.refused += 1
        remaining -= size
        if remaining <= 0:
            break
    return tally


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    if r.status_code != 200:
        raise SystemExit(f"sign-in refused ({r.status_code})")
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def main_async(args: argparse.Namespace, password: str) -> Tally:
    async with httpx.AsyncClient(base_url=args.gateway, timeout=30) as client:
        auth = await sign_in(client, args.username, password)
        return await seed(client, auth, DemoData(args.seed, date.today()), args.workers,
                          args.concurrency)  # fmt: skip


def run(args: argparse.Namespace) -> None:
    password = os.environ.get("CWP_ADMIN_PASSWORD") or getpass.getpass(
        f"password of {args.username}: "
    )
    started = time.monotonic()
    tally = asyncio.run(main_async(args, password))
    elapsed = time.monotonic() - started
    print(
        f"{tally.communities} communities and {tally.workers} workers created "
        f"({tally.existing} existed already, {tally.refused} refused) in {elapsed:.1f} s"
    )
    if tally.refused:
        raise SystemExit(1)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("seed-demo", help="write a realistic demo data set through the API")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=os.environ.get("CWP_ADMIN_USERNAME", "admin"))
    parser.add_argument("--workers", type=int, default=500, help="how many workers (any size)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.set_defaults(handler=run)
