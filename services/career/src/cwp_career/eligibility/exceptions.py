"""Eligibility problems."""

from __future__ import annotations

from cwp_common.problems import NotFound


class CriterionNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("Eligibility criterion", key)
