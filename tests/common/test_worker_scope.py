"""A worker's own account (role `worker`, claim `worker_id`) sees only their own rows, in
every Repository: by its `worker_column`, through a subclass's own `scope()` too, and
nothing at all of a repository without one. Checked against a real database."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import ForeignKey, String, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cwp_common.auth import ALGORITHM, Principal, TokenVerifier
from cwp_common.db import make_engine, new_metadata
from cwp_common.problems import Unauthorized
from cwp_common.repository import Repository
from cwp_common.scope import within_region
from tests.support.databases import fresh_database
from tests.support.tokens import AUDIENCE, ISSUER, Tokens

ME = uuid.UUID("01900000-0000-7000-8000-000000000001")
OTHER = uuid.UUID("01900000-0000-7000-8000-000000000002")
COMMUNITY = "310101002001"


class Base(DeclarativeBase):
    metadata = new_metadata()


class Person(Base):
    __tablename__ = "people"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_code: Mapped[str] = mapped_column(String(12))


class Slip(Base):
    __tablename__ = "slips"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))


class Place(Base):
    __tablename__ = "places"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)


class People(Repository[Person]):
    model = Person
    key = Person.id
    scope_column = Person.community_code
    worker_column = Person.id


class Slips(Repository[Slip]):
    """Scoped through another table, by its own scope(): still narrowed to the worker."""

    model = Slip
    key = Slip.id
    worker_column = Slip.person_id

    def scope(self, stmt: Any) -> Any:
        people = within_region(select(Person.id), Person.community_code, self.principal)
        return stmt.where(Slip.person_id.in_(people))


class Places(Repository[Place]):
    model = Place
    key = Place.code
    scope_column = Place.code


def worker(worker_id: uuid.UUID = ME) -> Principal:
    return Principal(
        subject="w",
        kind="user",
        roles=frozenset({"worker"}),
        region=COMMUNITY,
        worker_id=str(worker_id),
    )


STAFF = Principal(subject="s", kind="user", roles=frozenset({"viewer"}), region=COMMUNITY)


@pytest.fixture
async def sessions(backend: str, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(await fresh_database(backend, "workerscope", tmp_path))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as s, s.begin():
        s.add_all(
            [Person(id=ME, community_code=COMMUNITY), Person(id=OTHER, community_code=COMMUNITY)]
        )
        await s.flush()
        s.add_all([Slip(id=1, person_id=ME), Slip(id=2, person_id=OTHER), Slip(id=3, person_id=ME)])
        s.add(Place(code=COMMUNITY))
    yield factory
    await engine.dispose()


async def test_a_worker_sees_only_their_own_row(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        mine = (await s.scalars(People(s, worker()).scoped())).all()
        assert [p.id for p in mine] == [ME]
        assert await People(s, worker()).get(OTHER) is None
        staff = (await s.scalars(People(s, STAFF).scoped())).all()
        assert {p.id for p in staff} == {ME, OTHER}


async def test_a_subclass_scope_is_narrowed_to_the_worker_too(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as s:
        mine = (await s.scalars(Slips(s, worker()).scoped().order_by(Slip.id))).all()
        assert [x.id for x in mine] == [1, 3]
        theirs = (await s.scalars(Slips(s, worker(OTHER)).scoped())).all()
        assert [x.id for x in theirs] == [2]
        assert len((await s.scalars(Slips(s, STAFF).scoped())).all()) == 3


async def test_a_repository_without_a_worker_column_shows_a_worker_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as s:
        assert (await s.scalars(Places(s, worker()).scoped())).all() == []
        assert len((await s.scalars(Places(s, STAFF).scoped())).all()) == 1


def test_the_wrapper_is_applied_once_whatever_the_inheritance() -> None:
    class Deeper(Slips):
        pass

    assert Deeper.scope is Slips.scope
    assert getattr(Slips.scope, "keeps_workers_own", False)
    assert getattr(Repository.scope, "keeps_workers_own", False)


# -- the token side: worker_id is read, and only together with the role


@pytest.fixture
def sign(tokens: Tokens) -> Callable[..., str]:
    key = tokens.private_path.read_bytes()

    def signed(**claims: object) -> str:
        now = int(time.time())
        body: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "w",
            "typ": "user",
            "roles": ["worker"],
            "region": COMMUNITY,
            "iat": now,
            "exp": now + 600,
            "worker_id": str(ME),
            **claims,
        }
        return jwt.encode({k: v for k, v in body.items() if v is not None}, key, ALGORITHM)

    return signed


@pytest.fixture
def verifier(tokens: Tokens) -> TokenVerifier:
    return TokenVerifier.from_file(tokens.public_path, ISSUER, AUDIENCE)


def test_a_worker_token_carries_its_worker(
    verifier: TokenVerifier, sign: Callable[..., str]
) -> None:
    principal = verifier.verify(sign())
    assert principal.worker_id == str(ME)
    assert principal.region == COMMUNITY


def test_the_signer_issues_what_the_verifier_reads(tokens: Tokens, verifier: TokenVerifier) -> None:
    header = tokens.worker_headers(str(ME), COMMUNITY)["Authorization"]
    assert verifier.verify(header.removeprefix("Bearer ")).worker_id == str(ME)


@pytest.mark.parametrize(
    "claims",
    [
        {"worker_id": None},  # the role without a worker
        {"worker_id": "not-a-uuid"},
        {"worker_id": 12},
        {"region": "3101"},  # a worker's region is one community
        {"roles": ["viewer"]},  # a worker id without the role
    ],
)
def test_a_malformed_worker_token_is_refused(
    verifier: TokenVerifier, sign: Callable[..., str], claims: dict[str, object]
) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(sign(**claims))


def test_staff_tokens_have_no_worker(verifier: TokenVerifier, sign: Callable[..., str]) -> None:
    assert verifier.verify(sign(roles=["viewer"], worker_id=None, region="31")).worker_id is None
