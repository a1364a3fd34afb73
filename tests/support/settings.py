"""The platform settings a test's apps run with."""

from __future__ import annotations

from cwp_common.settings import PlatformSettings
from tests.support.nats_server import NatsServer
from tests.support.tokens import AUDIENCE, ISSUER, Tokens


def settings_on(server: NatsServer, tokens: Tokens) -> PlatformSettings:
    """The platform settings of a test that talks to `server`."""
    return PlatformSettings(
        env="dev",
        nats_url=server.url,
        nats_credentials_dir=server.credentials_dir,
        jwt_public_key_path=tokens.public_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
    )
