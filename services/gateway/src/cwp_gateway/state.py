"""What the gateway's own endpoints need besides the service runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request

from cwp_common.auth import TokenSigner
from cwp_common.db import utcnow
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.accounts.rules import Network, Throttle, client_address, parse_networks
from cwp_gateway.config import Settings
from cwp_gateway.proxy.forward import Upstreams


@dataclass
class GatewayState:
    settings: Settings
    passwords: Passwords
    signer: TokenSigner | None = None  # loaded at start, once the key pair exists
    upstreams: Upstreams | None = None  # the services behind the gateway (set by the app)
    clock: Callable[[], datetime] = utcnow  # the sign-in throttle's notion of now
    throttle: Throttle = field(init=False)
    trusted_proxies: tuple[Network, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = self.settings.throttle()
        self.trusted_proxies = parse_networks(self.settings.trusted_proxies)

    @property
    def token_signer(self) -> TokenSigner:
        if self.signer is None:
            raise RuntimeError("the gateway has not started: no signing key loaded")
        return self.signer

    @property
    def services(self) -> Upstreams:
        if self.upstreams is None:
            raise RuntimeError("the gateway has no upstreams")
        return self.upstreams

    def address_of(self, request: Request) -> str:
        peer = request.client.host if request.client is not None else "unknown"
        return client_address(peer, request.headers.get("x-forwarded-for"), self.trusted_proxies)


def gateway_state(request: Request) -> GatewayState:
    return request.app.state.gateway  # type: ignore[no-any-return]
