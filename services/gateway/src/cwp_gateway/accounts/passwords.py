"""Argon2id hashing of passwords and client secrets, off the event loop.

One hash costs ~0.1 s of CPU and 64 MiB (argon2-cffi's RFC 9106 low-memory profile), so
hashes run in worker threads (cffi releases the GIL) and a semaphore bounds how many run
at once: a burst of sign-ins must not starve the proxy or exhaust memory.
"""

from __future__ import annotations

import asyncio
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(os.cpu_count() or 2)
        # Verified against when the account does not exist, so an unknown name costs the
        # same time as a wrong password.
        self._decoy = self._hasher.hash("decoy-secret-never-matches")

    async def hash(self, secret: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, secret)

    async def verify(self, stored: str | None, secret: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, secret)

    def _verify(self, stored: str | None, secret: str) -> bool:
        try:
            return self._hasher.verify(stored or self._decoy, secret) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
