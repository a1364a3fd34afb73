"""Signing keys and access tokens for tests, issued the same way the gateway does."""

from __future__ import annotations

from pathlib import Path

import httpx

from cwp_common.auth import TokenSigner
from cwp_common.keys import generate_keypair

ISSUER = "cwp-gateway"
AUDIENCE = "cwp"


class Tokens:
    def __init__(self, directory: Path) -> None:
        self.private_path = directory / "jwt-private.pem"
        self.public_path = directory / "jwt-public.pem"
        generate_keypair(self.private_path, self.public_path)
        self.signer = TokenSigner.from_file(self.private_path, ISSUER, AUDIENCE)

    def issue(
        self, roles: list[str], region: str = "", subject: str = "tester", ttl: int = 600
    ) -> str:
        return self.signer.issue(subject, "user", roles, region, ttl)

    def headers(
        self, roles: list[str], region: str = "", subject: str = "tester"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issue(roles, region, subject)}"}

    def worker_headers(self, worker_id: str, community_code: str) -> dict[str, str]:
        """A worker's own self-service token, as the gateway issues it."""
        token = self.signer.issue(
            f"worker-{worker_id}", "user", ["worker"], community_code, 600, worker_id=worker_id
        )
        return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """Authorization headers for a user, through the gateway's password grant."""
    r = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
