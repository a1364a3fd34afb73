"""Training settings (prefix ``TRAINING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINING_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/training.db"
    host: str = "127.0.0.1"
    port: int = 8004
    # Run the durable consumer of registry worker events in this process. Turn off for
    # API-only replicas; at least one process must consume.
    consume_events: bool = True
    # Look once per China business day for periods ending within `shortfall_notice_days`
    # whose hours are not met, and publish training.requirement.shortfall.v1 for each.
    shortfall_job: bool = True
    shortfall_notice_days: int = Field(default=60, ge=1, le=366)
    # Fill an empty catalogue with the demo courses, bases, trainers and resources
    # (`make run` turns this on; a real deployment starts empty).
    demo_catalogue: bool = False
