"""Gateway settings (prefix ``GATEWAY_``) and the bootstrap administrator (``CWP_ADMIN_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cwp_common.settings import DEV_DEFAULT

DEV_ADMIN_PASSWORD = "cwp-dev-password"
MIN_PASSWORD_LENGTH = 12


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Development defaults (refused unless CWP_ENV=dev): where `make run` keeps the dev
    # signing key, and the bootstrap administrator's well-known password.
    jwt_private_key_path: Annotated[Path, DEV_DEFAULT] = Path("var/keys/jwt-private.pem")
    access_token_ttl_seconds: int = Field(default=3600, gt=0)
    # Brute-force protection on the token endpoint: this many failed attempts in a row for
    # one username or client_id lock that name for login_lockout_seconds (429 meanwhile).
    login_max_failures: int = Field(default=5, gt=0)
    login_lockout_seconds: int = Field(default=900, gt=0)

    registry_url: str = "http://127.0.0.1:8001"
    career_url: str = "http://127.0.0.1:8002"
    payroll_url: str = "http://127.0.0.1:8003"
    training_url: str = "http://127.0.0.1:8004"
    # Longest wait for an upstream connection, or for the next bytes of its answer; past
    # it the client gets a 504 (or, once the body has started, a cut connection).
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    # Open connections to all upstreams together; more requests wait for a free one.
    upstream_pool_size: int = Field(default=256, gt=0)

    # The platform-wide names (no GATEWAY_ prefix): deployment tooling sets them once.
    admin_username: str = Field(
        default="admin", validation_alias=AliasChoices("CWP_ADMIN_USERNAME", "admin_username")
    )
    admin_password: Annotated[str, DEV_DEFAULT] = Field(
        default=DEV_ADMIN_PASSWORD,
        validation_alias=AliasChoices("CWP_ADMIN_PASSWORD", "admin_password"),
        repr=False,
    )

    def upstreams(self) -> dict[str, str]:
        """Service name (the path segment after /api/v1/) -> base URL."""
        return {
            "registry": self.registry_url,
            "career": self.career_url,
            "payroll": self.payroll_url,
            "training": self.training_url,
        }
