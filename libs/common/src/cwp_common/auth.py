"""Access tokens: the claims the gateway issues, and how every service verifies them.

The gateway signs with its Ed25519 private key and names it in the token's header
(`kid`, cwp_common.keys); services hold only public keys: the current one and, during a
rotation, the previous or next one, so a new signing key signs nobody out.
A disabled account (or one whose roles, region or password changed) stops working on
every service within seconds: see cwp_common.revocation.
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

from cwp_common.keys import private_key_id, public_key_id
from cwp_common.problems import Forbidden, Unauthorized
from cwp_common.revocation import RevocationList

ALGORITHM = "EdDSA"


class Role(StrEnum):
    ADMIN = "admin"  # everything within the scope, including accounts and policies
    OPERATOR = "operator"  # reads and writes records within the scope
    VIEWER = "viewer"  # reads within the scope
    PII = "pii"  # may see personal data (resident ID numbers) unmasked
    # A community worker using the self-service app: reads only their own records. The
    # token carries `worker_id`, and its region is the worker's community; every
    # Repository then keeps only rows whose `worker_column` is that worker (a repository
    # without one shows a worker nothing).
    WORKER = "worker"


# Readers include workers on purpose: what a worker may see is decided where every read
# is, in Repository.scope(), not endpoint by endpoint.
READ_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.VIEWER, Role.WORKER})
STAFF_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.VIEWER})
WRITE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    kind: str  # "user" or "client"
    roles: frozenset[str]
    region: str  # a prefix of the 12-digit division code; "" is national
    token_id: str = ""
    issued_at: int = 0  # the token's `iat`, checked against revocations
    worker_id: str | None = None  # set only for a worker's own account (role `worker`)

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def sees_pii(self) -> bool:
        return Role.PII in self.roles

    def covers(self, code: str) -> bool:
        """True when a division code lies inside this principal's region."""
        return code.startswith(self.region)


# Fixed texts for refused tokens: a 401 never echoes the JWT library's message, which
# would tell a forger which check failed and how.
EXPIRED = "The access token has expired / 令牌已过期"
REVOKED = "The access token was revoked; sign in again / 令牌已被撤销，请重新登录"
TOO_LONG = "The access token lives longer than the platform allows / 令牌有效期超出上限"
INVALID = "The access token is not valid / 令牌无效"
NOT_A_WORKER = (
    "A worker's access token needs a worker id and a community as its region / "
    "工作者令牌缺少工作者编号或社区"
)


def worker_claim(roles: frozenset[str], claims: dict[str, Any], region: str) -> str | None:
    """The `worker_id` of a worker's token (a UUID, region a 12-digit community code);
    None for staff and clients. A token naming a worker without the role, or the role
    without a valid worker, is refused rather than read as either."""
    value = claims.get("worker_id")
    if Role.WORKER not in roles and value is None:
        return None
    if Role.WORKER not in roles or not isinstance(value, str) or len(region) != 12:
        raise Unauthorized(NOT_A_WORKER)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Unauthorized(NOT_A_WORKER) from None


class TokenVerifier:
    """Verifies signature, issuer, audience, expiry, lifetime and revocation.

    - `leeway_seconds` forgives clock skew between the gateway and a service, on `exp` and
      on an `iat` slightly in the future.
    - `max_lifetime_seconds` caps `exp - iat`: a token signed for longer (a leaked key, a
      misconfigured gateway) is refused, and the cap bounds how long a revocation must be
      remembered (see cwp_common.revocation).
    - `revocations`: a token issued before its account's `not_before` is refused. The check
      runs on every call, cache hit or not, so the cache never keeps a revoked token alive.

    Recent good tokens are cached so the hot path does not re-check the same signature.
    """

    def __init__(
        self,
        public_key_pem: bytes | list[bytes],
        issuer: str,
        audience: str,
        cache_size: int = 4096,
        *,
        leeway_seconds: int = 30,
        max_lifetime_seconds: int = 3600,
        revocations: RevocationList | None = None,
    ):
        pems = public_key_pem if isinstance(public_key_pem, list) else [public_key_pem]
        # kid -> key; a token without a kid (signed before kids) is tried against each.
        self._keys = {public_key_id(pem): pem for pem in pems}
        self._issuer = issuer
        self._audience = audience
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._cache_size = cache_size
        self.leeway = leeway_seconds
        self.max_lifetime = max_lifetime_seconds
        self.revocations = revocations

    @classmethod
    def from_file(cls, path: Path, issuer: str, audience: str, **options: Any) -> TokenVerifier:
        """`options`: the keyword arguments of the constructor."""
        return cls(path.read_bytes(), issuer, audience, **options)

    @classmethod
    def from_files(
        cls, paths: list[Path], issuer: str, audience: str, **options: Any
    ) -> TokenVerifier:
        """Every public key a token may be signed with (PlatformSettings.jwt_public_key_paths)."""
        return cls([p.read_bytes() for p in paths], issuer, audience, **options)

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def _candidates(self, token: str) -> list[bytes]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise Unauthorized(INVALID) from None
        if kid is None:
            return list(self._keys.values())
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:  # a key this service does not (or no longer) accept
            raise Unauthorized(INVALID)
        return [key]

    def verify(self, token: str) -> Principal:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None and hit[0] + self.leeway > now:
            principal = hit[1]
        else:
            principal, expires = self._decode(token)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[token] = (expires, principal)
        if self.revocations is not None and self.revocations.refuses(
            principal.kind, principal.subject, principal.issued_at
        ):
            raise Unauthorized(REVOKED)
        return principal

    def _claims(self, token: str) -> dict[str, Any]:
        candidates = self._candidates(token)
        for i, key in enumerate(candidates):
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    issuer=self._issuer,
                    audience=self._audience,
                    leeway=self.leeway,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
                return claims
            except jwt.InvalidSignatureError:
                if i + 1 < len(candidates):
                    continue
                raise Unauthorized(INVALID) from None
            except jwt.ExpiredSignatureError:
                raise Unauthorized(EXPIRED) from None
            except jwt.PyJWTError:
                raise Unauthorized(INVALID) from None
        raise Unauthorized(INVALID)

    def _decode(self, token: str) -> tuple[Principal, float]:
        claims = self._claims(token)
        issued, expires = claims["iat"], claims["exp"]
        if not all(isinstance(v, int | float) for v in (issued, expires)):
            raise Unauthorized(INVALID)
        if expires - issued > self.max_lifetime:
            raise Unauthorized(TOO_LONG)
        region = claims.get("region")
        roles = claims.get("roles")
        kind = claims.get("typ", "user")
        if not isinstance(region, str) or (not region.isdigit() and region != ""):
            raise Unauthorized(
                "The access token has no valid region scope / 令牌缺少有效的区域范围"
            )
        if not isinstance(roles, list) or not isinstance(kind, str):
            raise Unauthorized(INVALID)
        role_set = frozenset(str(r) for r in roles)
        principal = Principal(
            subject=str(claims["sub"]),
            kind=kind,
            roles=role_set,
            region=region,
            token_id=str(claims.get("jti", "")),
            issued_at=int(issued),
            worker_id=worker_claim(role_set, claims, region),
        )
        return principal, float(expires)


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
    # One dependency that reads the token itself, not one depending on current_principal:
    # each level of FastAPI's dependency solving costs on every request.
    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if not principal.has_any(roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(roles))}")
        return principal

    return Depends(dependency)


# Reads are staff's unless an endpoint says otherwise: an endpoint that never thought of
# workers (an aggregate, a policy table, an export) refuses a worker's token.
Reader = Annotated[Principal, require_roles(STAFF_ROLES)]
# The few reads a worker makes of their own records (the /api/v1/me parts); the
# repository's worker_column keeps a worker to their own rows.
SelfReader = Annotated[Principal, require_roles(READ_ROLES)]
Writer = Annotated[Principal, require_roles(WRITE_ROLES)]
Admin = Annotated[Principal, require_roles(frozenset({Role.ADMIN}))]


class TokenSigner:
    """Issues access tokens (the gateway's side). Claims: iss, aud, sub, typ (user or
    client), roles, region, iat, exp, jti, and worker_id for a worker's account."""

    def __init__(self, private_key_pem: bytes, issuer: str, audience: str) -> None:
        self._key = private_key_pem
        self.key_id = private_key_id(private_key_pem)
        self._issuer = issuer
        self._audience = audience

    @classmethod
    def from_file(cls, path: Path, issuer: str, audience: str) -> TokenSigner:
        return cls(path.read_bytes(), issuer, audience)

    def issue(
        self,
        subject: str,
        kind: str,
        roles: list[str],
        region: str,
        ttl_seconds: int,
        not_before: int = 0,
        worker_id: str | None = None,
    ) -> str:
        """`not_before`: the account's latest revocation (whole seconds, rounded up). A
        token signed in the same second as a revocation but after it would otherwise carry
        an `iat` below it and be refused; it gets `iat = not_before` instead, less than a
        second ahead, which the services' leeway absorbs."""
        now = max(int(time.time()), not_before)
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
        if worker_id is not None:
            claims["worker_id"] = worker_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})
