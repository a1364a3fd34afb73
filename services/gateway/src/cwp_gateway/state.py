"""What the gateway's own endpoints need besides the service runtime."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cwp_common.auth import TokenSigner
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.config import Settings


@dataclass
class GatewayState:
    settings: Settings
    passwords: Passwords
    signer: TokenSigner | None = None  # loaded at start, once the key pair exists


def gateway_state(request: Request) -> GatewayState:
    return request.app.state.gateway  # type: ignore[no-any-return]
