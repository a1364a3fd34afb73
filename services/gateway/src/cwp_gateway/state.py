"""What the gateway's own endpoints need besides the service runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from cwp_common.auth import TokenSigner
from cwp_common.db import utcnow
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.config import Settings


@dataclass
class GatewayState:
    settings: Settings
    passwords: Passwords
    signer: TokenSigner | None = None  # loaded at start, once the key pair exists
    clock: Callable[[], datetime] = utcnow  # the sign-in lockout's notion of now


def gateway_state(request: Request) -> GatewayState:
    return request.app.state.gateway  # type: ignore[no-any-return]
