"""Access tokens: the claims the gateway issues, and how every service verifies them.

The gateway signs with its Ed25519 private key; services hold only the public key.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from cwp_common.problems import Forbidden, Unauthorized

ALGORITHM = "EdDSA"


class Role(StrEnum):
    ADMIN = "admin"  # everything within the scope, including accounts and policies
    OPERATOR = "operator"  # reads and writes records within the scope
    VIEWER = "viewer"  # reads within the scope
    PII = "pii"  # may see personal data (resident ID numbers) unmasked


READ_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.VIEWER})
WRITE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    kind: str  # "user" or "client"
    roles: frozenset[str]
    region: str  # a prefix of the 12-digit division code; "" is national
    token_id: str = ""

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def sees_pii(self) -> bool:
        return Role.PII in self.roles

    def covers(self, code: str) -> bool:
        """True when a division code lies inside this principal's region."""
        return code.startswith(self.region)


class TokenVerifier:
    """Verifies signature, issuer, audience and expiry; remembers recent good tokens so the
    hot path does not re-check the same signature on every request."""

    def __init__(self, public_key_pem: bytes, issuer: str, audience: str, cache_size: int = 4096):
        self._key = public_key_pem
        self._issuer = issuer
        self._audience = audience
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._cache_size = cache_size

    @classmethod
    def from_file(cls, path: Path, issuer: str, audience: str) -> TokenVerifier:
        return cls(path.read_bytes(), issuer, audience)

    def verify(self, token: str) -> Principal:
        hit = self._cache.get(token)
        now = time.time()
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired / 令牌已过期") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is not valid / 令牌无效: {exc}") from None
        region = claims.get("region")
        roles = claims.get("roles")
        if not isinstance(region, str) or (not region.isdigit() and region != ""):
            raise Unauthorized("The access token has no valid region scope")
        if not isinstance(roles, list):
            raise Unauthorized("The access token has no roles")
        principal = Principal(
            subject=str(claims["sub"]),
            kind=str(claims.get("typ", "user")),
            roles=frozenset(str(r) for r in roles),
            region=region,
            token_id=str(claims.get("jti", "")),
        )
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), principal)
        return principal


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A bearer access token is required / 需要访问令牌")
    return token.strip()


# Dependencies are `async def` on purpose: FastAPI runs a plain `def` dependency in a
# thread pool, and those hops were most of a simple read's cost.
async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(bearer_token(request))


def require_roles(roles: frozenset[str]) -> Any:
    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(roles))}")
        return principal

    return Depends(dependency)


Reader = Annotated[Principal, require_roles(READ_ROLES)]
Writer = Annotated[Principal, require_roles(WRITE_ROLES)]
Admin = Annotated[Principal, require_roles(frozenset({Role.ADMIN}))]


class TokenSigner:
    """Issues access tokens (the gateway's side). Claims: iss, aud, sub, typ (user or
    client), roles, region, iat, exp, jti."""

    def __init__(self, private_key_pem: bytes, issuer: str, audience: str) -> None:
        self._key = private_key_pem
        self._issuer = issuer
        self._audience = audience

    @classmethod
    def from_file(cls, path: Path, issuer: str, audience: str) -> TokenSigner:
        return cls(path.read_bytes(), issuer, audience)

    def issue(
        self, subject: str, kind: str, roles: list[str], region: str, ttl_seconds: int
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "typ": kind,
            "roles": sorted(roles),
            "region": region,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)
