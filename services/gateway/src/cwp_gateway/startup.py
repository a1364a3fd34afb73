"""What the gateway does before it serves: refuse unsafe production settings, make dev
keys, load the signer and create the bootstrap administrator.

Development defaults (the admin password, the key paths) are refused by the shared
rule in cwp_common.settings; the checks here are the gateway's own."""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from cwp_common.auth import TokenSigner
from cwp_common.keys import ensure_keypair, public_key_id
from cwp_common.service import Runtime
from cwp_common.settings import InsecureConfiguration, PlatformSettings
from cwp_gateway.accounts.models import Account, Kind
from cwp_gateway.accounts.repository import AccountRepository
from cwp_gateway.accounts.service import ensure_admin
from cwp_gateway.config import DEV_ADMIN_PASSWORD, MIN_PASSWORD_LENGTH, Settings
from cwp_gateway.state import GatewayState

log = logging.getLogger("cwp.gateway.startup")

# One exception for every refused configuration, shared or the gateway's own.
UnsafeConfiguration = InsecureConfiguration


class SchemaMissing(RuntimeError):
    pass


async def require_schema(engine: AsyncEngine) -> None:
    """Fail with the fix in the message rather than on the first query."""
    async with engine.connect() as conn:
        present = await conn.run_sync(lambda c: inspect(c).has_table(Account.__tablename__))
    if not present:
        raise SchemaMissing(
            "The gateway database has no tables: run "
            "`alembic -c services/gateway/alembic.ini upgrade head` (GATEWAY_DATABASE_URL)"
        )


def check_production(settings: Settings, platform: PlatformSettings) -> None:
    if platform.is_dev:
        return
    if len(settings.admin_password) < MIN_PASSWORD_LENGTH:
        raise UnsafeConfiguration(
            "CWP_ENV=prod: set CWP_ADMIN_PASSWORD to a secret of at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
    missing = [
        str(p)
        for p in (settings.jwt_private_key_path, platform.jwt_public_key_path)
        if not p.is_file()
    ]
    if missing:
        raise UnsafeConfiguration(
            f"CWP_ENV=prod: the signing key files are missing ({', '.join(missing)}); "
            "mount them (GATEWAY_JWT_PRIVATE_KEY_PATH, CWP_JWT_PUBLIC_KEY_PATH), "
            "keys are generated only in dev mode"
        )


def check_token_lifetime(settings: Settings, platform: PlatformSettings) -> None:
    """Tokens the services would refuse as too long-lived must never be issued."""
    cap = platform.token_max_lifetime_seconds
    if settings.access_token_ttl_seconds > cap:
        raise UnsafeConfiguration(
            f"GATEWAY_ACCESS_TOKEN_TTL_SECONDS ({settings.access_token_ttl_seconds}) is above "
            f"the services' cap CWP_TOKEN_MAX_LIFETIME_SECONDS ({cap})"
        )


def check_signing_key_is_verifiable(signer: TokenSigner, platform: PlatformSettings) -> None:
    """The gateway verifies its own tokens with the same settings as every service: a
    signing key whose public half is not among them would sign tokens nobody accepts
    (a rotation step done in the wrong order)."""
    accepted = {public_key_id(p.read_bytes()) for p in platform.jwt_public_key_paths}
    if signer.key_id not in accepted:
        raise UnsafeConfiguration(
            f"the signing key (kid {signer.key_id}) has no public key among "
            "CWP_JWT_PUBLIC_KEY_PATH and CWP_JWT_OTHER_PUBLIC_KEY_PATHS: give every service "
            "the new public key first (deploy/README.md, key rotation)"
        )


async def start_gateway(state: GatewayState, platform: PlatformSettings, rt: Runtime) -> None:
    settings = state.settings
    check_token_lifetime(settings, platform)
    check_production(settings, platform)
    if platform.is_dev:
        ensure_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    state.signer = TokenSigner.from_file(
        settings.jwt_private_key_path, platform.jwt_issuer, platform.jwt_audience
    )
    check_signing_key_is_verifiable(state.signer, platform)
    await require_schema(rt.engine)
    await ensure_admin(
        rt.sessions, state.passwords, settings.admin_username, settings.admin_password
    )
    if not platform.is_dev:
        await retire_dev_admin_password(state, rt)


async def retire_dev_admin_password(state: GatewayState, rt: Runtime) -> None:
    """A database made in dev keeps the administrator on the well-known password; outside
    dev that password must not sign in, so it is replaced by CWP_ADMIN_PASSWORD (which
    the settings rule has already checked is not the default)."""
    settings = state.settings
    async with rt.sessions() as session, session.begin():
        admin = await AccountRepository.as_platform(session).by_login(
            Kind.USER, settings.admin_username
        )
        if admin is None or not await state.passwords.verify(admin.secret_hash, DEV_ADMIN_PASSWORD):
            return
        admin.secret_hash = await state.passwords.hash(settings.admin_password)
    log.warning(
        "the administrator %s still had the development password; it is now CWP_ADMIN_PASSWORD",
        settings.admin_username,
    )
