"""Settings shared by every service (prefix ``CWP_``).

Each service adds its own settings class with its own prefix (``REGISTRY_``, ...);
these are the values that every process of the platform must agree on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CWP_", env_file=".env", extra="ignore")

    env: Literal["dev", "prod"] = "dev"
    nats_url: str = "nats://127.0.0.1:14222"
    jwt_public_key_path: Path = Path("var/keys/jwt-public.pem")
    jwt_issuer: str = "cwp-gateway"
    jwt_audience: str = "cwp"
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    # Token checks on every service: clock skew forgiven between gateway and service, and
    # the longest lifetime (exp - iat) a token may have. The cap also bounds how far back
    # a starting service replays revocations (cwp_common.revocation).
    token_leeway_seconds: int = Field(default=30, ge=0, le=300)
    token_max_lifetime_seconds: int = Field(default=3600, gt=0, le=86_400)

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"
