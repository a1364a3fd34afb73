"""Payroll settings (prefix ``PAYROLL_``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cwp_common.settings import DEV_DEFAULT


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAYROLL_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/payroll.db"
    host: str = "127.0.0.1"
    port: int = 8003
    # Run the durable consumers (registry, career, training events) in this process.
    # Turn off for replicas that only compute chunks or serve the API.
    consume_events: bool = True
    # Take payroll chunks from the JetStream work queue. Any number of replicas may.
    work_chunks: bool = True
    # Chunks one replica computes at once (each in its own transaction).
    chunk_concurrency: int = Field(default=1, ge=1, le=16)
    # How long a taken chunk stays with its replica before JetStream hands it to
    # another: a replica that dies mid-chunk loses it after this long.
    chunk_ack_wait_seconds: float = Field(default=60.0, ge=1.0, le=3600.0)
    # A chunk that raises (a bug, bad data outside one worker) is tried this many times
    # (waiting chunk_retry_seconds × the try's number between them), then marked failed
    # in its run with the reason; the run finishes as failed once every chunk is settled.
    chunk_max_deliveries: int = Field(default=5, ge=1, le=100)
    chunk_retry_seconds: float = Field(default=2.0, ge=0.0, le=600.0)
    # The demo region (division-code prefix) where example pay data may be paid (the
    # national example coefficients, the shipped demo policy, which is loaded for it at
    # start). Empty: nowhere. Shanghai (31) under `make run`; a deployment names its own
    # or "" (a development default, refused outside dev).
    demo_region: Annotated[str, DEV_DEFAULT] = Field(default="31", pattern=r"^\d{0,12}$")
