"""The ladders shipped with the service, as data files validated by the same schema and
rules as a published ladder. 三岗十八级 is the national fallback."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from importlib import resources

from cwp_career.ladders.rules import Ladder, check_ladder, compile_ladder
from cwp_career.ladders.schemas import LadderBody

# Stable ids, so history rows graded under a template keep pointing at it.
TEMPLATE_NAMESPACE = uuid.UUID("6f1f2c1e-8a55-5b8e-9d0c-5a1f3c2b7e10")


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    national_fallback: bool
    ladder: Ladder

    @property
    def body(self) -> LadderBody:
        return self.ladder.body


class BrokenTemplate(RuntimeError):
    pass


def _load(filename: str) -> Template:
    raw = json.loads(resources.files(__package__).joinpath(filename).read_text("utf-8"))
    meta = raw["template"]
    body = LadderBody.model_validate(raw["ladder"])
    errors = check_ladder(body)
    if errors:
        raise BrokenTemplate(f"template {filename}: {errors}")
    ladder_id = uuid.uuid5(TEMPLATE_NAMESPACE, meta["name"])
    return Template(
        meta["name"],
        meta["description"],
        meta["national_fallback"],
        compile_ladder(ladder_id, body),
    )


@functools.cache
def templates() -> dict[str, Template]:
    loaded = [_load(f) for f in ("three_posts_18.json", "four_posts_24.json")]
    return {t.name: t for t in loaded}


def national_fallback() -> Ladder:
    return next(t.ladder for t in templates().values() if t.national_fallback)


def builtin(ladder_id: uuid.UUID) -> Template | None:
    return next((t for t in templates().values() if t.ladder.id == ladder_id), None)
