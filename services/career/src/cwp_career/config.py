"""Career settings (prefix ``CAREER_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAREER_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/career.db"
    host: str = "127.0.0.1"
    port: int = 8002
    # Workers read, graded and written per transaction by a mass regrade (ladder publish,
    # yearly step job). Larger batches write faster and hold row locks longer.
    regrade_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # Run the durable consumers (registry workers, training qualifications) in this
    # process. Turn off for API-only replicas; at least one process must consume.
    consume_events: bool = True
    # Queue a national regrade once per China business day, so yearly steps and
    # future-dated ladders take effect on their day. One replica is enough; more are safe.
    daily_regrade: bool = True
