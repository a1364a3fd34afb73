"""Settings shared by every service (prefix ``CWP_``), and the one rule on development
defaults.

Each service adds its own settings class with its own prefix (``REGISTRY_``, ...);
these are the values that every process of the platform must agree on.

Development defaults (public keys, well-known passwords, files that `make run` creates
under var/) let a fresh machine start with nothing configured. A field declares itself
one with ``Annotated[..., DEV_DEFAULT]``; outside ``CWP_ENV=dev`` a process refuses to
start while any such field still holds its default (`refuse_development_defaults`,
called once for every service by `cwp_common.service.create_service_app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cwp_common.events.access import read_password


class DevDefault:
    """Marker: this field's default is for development only."""

    def __repr__(self) -> str:
        return "DEV_DEFAULT"


DEV_DEFAULT = DevDefault()


class InsecureConfiguration(RuntimeError):
    """A process outside dev would run on a development default."""


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CWP_", env_file=".env", extra="ignore")

    # Production unless the environment says dev: a forgotten variable fails closed.
    env: Literal["dev", "prod"] = "prod"
    nats_url: str = "nats://127.0.0.1:14222"
    # Where this process finds its NATS password: the file named after the service
    # (`<dir>/registry`), whose user is the service's name. `make run` writes them here.
    nats_credentials_dir: Annotated[Path, DEV_DEFAULT] = Path("var/nats-credentials")
    jwt_public_key_path: Annotated[Path, DEV_DEFAULT] = Path("var/keys/jwt-public.pem")
    # More public keys a token may be signed with, besides the current one: during a key
    # rotation the next key (before the gateway signs with it) or the previous one (until
    # the tokens it signed have expired). A JSON list of files:
    # CWP_JWT_OTHER_PUBLIC_KEY_PATHS='["/run/secrets/jwt-public-previous.pem"]'.
    jwt_other_public_key_paths: list[Path] = Field(default_factory=list)
    jwt_issuer: str = "cwp-gateway"
    jwt_audience: str = "cwp"
    log_level: str = "INFO"
    # One JSON object per log line (request id, trace id), or text for a terminal.
    log_format: Literal["json", "text"] = "json"
    # OTLP/HTTP collector base URL (e.g. http://otel-collector:4318): tracing is on when
    # set, off (and free) when not.
    otlp_endpoint: str | None = None
    max_body_bytes: int = 1_048_576
    # Routes that take a file upload (POST, exact path) get their own limit instead, on
    # the service and on the gateway in front of it (which streams them through rather
    # than buffering). The default fits an import of 1,000,000 workers: a CSV of every
    # template column runs to about 160 bytes a row, an .xlsx less.
    upload_paths: tuple[str, ...] = ("/api/v1/registry/imports",)
    upload_max_body_bytes: int = Field(default=256 * 1_048_576, gt=0)
    # Token checks on every service: clock skew forgiven between gateway and service, and
    # the longest lifetime (exp - iat) a token may have. The cap also bounds how far back
    # a starting service replays revocations (cwp_common.revocation).
    token_leeway_seconds: int = Field(default=30, ge=0, le=300)
    token_max_lifetime_seconds: int = Field(default=3600, gt=0, le=86_400)
    # Published outbox rows are kept this long, then deleted (events.outbox.OutboxPrune).
    outbox_keep_days: int = Field(default=7, ge=1, le=365)

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @property
    def jwt_public_key_paths(self) -> list[Path]:
        """Every public key a token may be signed with: the current one first."""
        return [self.jwt_public_key_path, *self.jwt_other_public_key_paths]

    def nats_credentials(self, service: str) -> tuple[str, str] | None:
        """(user, password) of the service, or None in dev when there is no file (an
        unauthenticated local nats-server)."""
        password = read_password(self.nats_credentials_dir, service)
        if password:
            return service, password
        if self.is_dev:
            return None
        raise InsecureConfiguration(
            f"no NATS password for {service}: put it in the file {service} under "
            "CWP_NATS_CREDENTIALS_DIR (mounted from a Secret)"
        )


def setting_name(settings: BaseModel, field: str) -> str:
    """The environment variable that sets a field (never its value)."""
    info = type(settings).model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    if isinstance(alias, str):
        return alias
    prefix = str(settings.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def development_defaults_in_use(settings: BaseModel) -> list[str]:
    return [
        setting_name(settings, name)
        for name, info in type(settings).model_fields.items()
        if any(isinstance(m, DevDefault) for m in info.metadata)
        and _same(getattr(settings, name), info.default)
    ]


def _same(value: object, default: object) -> bool:
    if isinstance(value, SecretStr) and isinstance(default, SecretStr):
        return value.get_secret_value() == default.get_secret_value()
    return value == default


def refuse_development_defaults(platform: PlatformSettings, *settings: BaseModel) -> None:
    """Outside dev, refuse every development default still in use, naming the settings."""
    if platform.is_dev:
        return
    names = [name for s in settings for name in development_defaults_in_use(s)]
    if names:
        raise InsecureConfiguration(
            f"{', '.join(names)} still hold development defaults, which are refused "
            f"unless CWP_ENV=dev; set real values (CWP_ENV={platform.env})"
        )
