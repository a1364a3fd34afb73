"""Gateway settings (prefix ``GATEWAY_``) and the bootstrap administrator (``CWP_ADMIN_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cwp_common.settings import DEV_DEFAULT
from cwp_gateway.accounts.rules import Throttle, parse_networks
from cwp_gateway.audit.recorder import GATHER_SECONDS
from cwp_gateway.proxy.forward import Protection
from cwp_gateway.proxy.resilience import RateLimiter, parse_route_timeouts
from cwp_gateway.webhooks.delivery import RetryPolicy

DEV_ADMIN_PASSWORD = "cwp-dev-password"
MIN_PASSWORD_LENGTH = 12


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Development default (refused unless CWP_ENV=dev): where `make run` keeps the dev
    # signing key.
    jwt_private_key_path: Annotated[Path, DEV_DEFAULT] = Path("var/keys/jwt-private.pem")
    # Short-lived on purpose: revocation events stop a token within seconds, and this
    # lifetime is the backstop when they cannot arrive. It must not exceed the services'
    # cap, CWP_TOKEN_MAX_LIFETIME_SECONDS (checked at start).
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    # People get a refresh token with each access token: used once, refused once the
    # account is disabled or changed. 0 turns refresh tokens off.
    refresh_token_ttl_seconds: int = Field(default=12 * 3600, ge=0, le=30 * 86_400)
    # Failed sign-ins, per (name, client address): the first few are free, then each one
    # doubles the wait (429 with Retry-After) up to the maximum; a streak is forgotten
    # after the window. Every `alarm_every` failures of one name raise an audit alarm.
    signin_free_failures: int = Field(default=3, ge=1, le=20)
    signin_base_delay_seconds: int = Field(default=1, ge=1, le=60)
    signin_max_delay_seconds: int = Field(default=900, ge=1, le=86_400)
    signin_window_seconds: int = Field(default=3600, ge=60, le=7 * 86_400)
    signin_alarm_every: int = Field(default=10, ge=1)
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, comma
    # separated). Empty: the TCP peer is the client address.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A worker's one-time activation code: how long it stays valid, and how many may be
    # issued for one worker in 24 hours.
    activation_code_ttl_seconds: int = Field(default=72 * 3600, ge=300, le=30 * 86_400)
    activation_codes_per_day: int = Field(default=5, ge=1, le=100)
    # Longest grace a caller may give a client's replaced secret.
    max_secret_grace_seconds: int = Field(default=7 * 86_400, ge=0, le=90 * 86_400)
    # /metrics is served only here, never on the public port. 0 turns it off.
    internal_host: str = "127.0.0.1"
    internal_port: int = Field(default=9100, ge=0, le=65_535)

    registry_url: str = "http://127.0.0.1:8001"
    career_url: str = "http://127.0.0.1:8002"
    payroll_url: str = "http://127.0.0.1:8003"
    training_url: str = "http://127.0.0.1:8004"
    # Longest wait for an upstream connection, or for the next bytes of its answer; past
    # it the client gets a 504 (or, once the body has started, a cut connection).
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    # Per-route upstream timeouts, longest prefix first: "/api/v1/career/regrade=60,...".
    route_timeouts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Retries: idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE) that got no answer at
    # all go once more; others never. Circuit breaker per upstream: after this many
    # failures in a row, calls are refused for the cooldown, then one tries again.
    breaker_failures: int = Field(default=5, ge=1, le=1000)
    breaker_cooldown_seconds: float = Field(default=10.0, gt=0, le=600)
    # Rate limits through the proxy (requests a second, and the burst allowed): per user,
    # per API client, and per address for calls whose token does not verify. 429 with
    # Retry-After beyond them.
    user_rate: float = Field(default=50, gt=0)
    user_burst: int = Field(default=100, ge=1)
    client_rate: float = Field(default=200, gt=0)
    client_burst: int = Field(default=400, ge=1)
    anonymous_rate: float = Field(default=20, gt=0)
    anonymous_burst: int = Field(default=40, ge=1)
    # The applicants' public path (no token; proxy/forward.py PUBLIC_PREFIXES), per address:
    # a form sent now and then, not a client's traffic.
    public_rate: float = Field(default=0.2, gt=0)
    public_burst: int = Field(default=10, ge=1)
    # The webhooks API counts against the account's rate above; subscribing and replaying
    # also against their own, per account (a replay reads up to 10,000 events): 1/60 is
    # one a minute.
    webhook_subscribe_rate: float = Field(default=0.1, gt=0)
    webhook_subscribe_burst: int = Field(default=10, ge=1)
    webhook_replay_rate: float = Field(default=1 / 60, gt=0)
    webhook_replay_burst: int = Field(default=3, ge=1)
    # Subscriptions an account may hold at once (deleted ones do not count): each one is
    # a copy of every matching event to deliver, so an account cannot multiply the work.
    webhook_max_subscriptions: int = Field(default=50, ge=1, le=10_000)
    # Origins of the mobile web app allowed to call the API from a browser (CORS), comma
    # separated; empty: none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Record every write and every read of full ID numbers (/api/v1/audit). Off only to
    # measure what it costs (bench/gateway.py).
    audit_requests: bool = True
    # Group commit: how long a batch of audited requests' rows waits after its first row
    # for others to share its commit. Hidden while it ends before the service answers.
    audit_gather_seconds: float = Field(default=GATHER_SECONDS, ge=0, le=0.1)
    # GET /api/v1/me answers within this, with whatever parts arrived in time.
    me_deadline_seconds: float = Field(default=1.5, gt=0, le=30)
    # Open connections to all upstreams together; more requests wait for a free one.
    upstream_pool_size: int = Field(default=256, gt=0)

    # Webhook deliveries: attempts before a delivery is given up, the wait after the first
    # failure (doubling after each next one, up to the maximum), and each attempt's limit.
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0, le=3600)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_poll_seconds: float = Field(default=0.5, gt=0, le=60)

    # The platform-wide names (no GATEWAY_ prefix): deployment tooling sets them once.
    admin_username: str = Field(
        default="admin", validation_alias=AliasChoices("CWP_ADMIN_USERNAME", "admin_username")
    )
    admin_password: Annotated[str, DEV_DEFAULT] = Field(
        default=DEV_ADMIN_PASSWORD,
        validation_alias=AliasChoices("CWP_ADMIN_PASSWORD", "admin_password"),
        repr=False,
    )

    @field_validator("trusted_proxies", "route_timeouts", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return (
            [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # raises ValueError naming the bad entry
        return value

    @model_validator(mode="after")
    def _wait_within_window(self) -> Settings:
        if self.signin_max_delay_seconds >= self.signin_window_seconds:
            raise ValueError("GATEWAY_SIGNIN_MAX_DELAY_SECONDS must be below the window")
        return self

    @field_validator("route_timeouts")
    @classmethod
    def _timeouts(cls, value: list[str]) -> list[str]:
        parse_route_timeouts(value)  # raises ValueError naming the bad entry
        return value

    def protection(self) -> Protection:
        return Protection(
            users=RateLimiter(self.user_rate, self.user_burst),
            clients=RateLimiter(self.client_rate, self.client_burst),
            anonymous=RateLimiter(self.anonymous_rate, self.anonymous_burst),
            public=RateLimiter(self.public_rate, self.public_burst),
            webhook_subscribes=RateLimiter(
                self.webhook_subscribe_rate, self.webhook_subscribe_burst
            ),
            webhook_replays=RateLimiter(self.webhook_replay_rate, self.webhook_replay_burst),
            breaker_threshold=self.breaker_failures,
            breaker_cooldown=self.breaker_cooldown_seconds,
            route_timeouts=parse_route_timeouts(self.route_timeouts),
        )

    def webhook_retries(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.webhook_max_attempts,
            base_seconds=self.webhook_retry_base_seconds,
            max_seconds=self.webhook_retry_max_seconds,
            timeout_seconds=self.webhook_timeout_seconds,
        )

    def throttle(self) -> Throttle:
        return Throttle(
            free_failures=self.signin_free_failures,
            base_delay=self.signin_base_delay_seconds,
            max_delay=self.signin_max_delay_seconds,
            window_seconds=self.signin_window_seconds,
            alarm_every=self.signin_alarm_every,
        )

    def upstreams(self) -> dict[str, str]:
        """Service name (the path segment after /api/v1/) -> base URL."""
        return {
            "registry": self.registry_url,
            "career": self.career_url,
            "payroll": self.payroll_url,
            "training": self.training_url,
        }
