"""Resident ID numbers at rest: AES-256-GCM ciphertext with a key-version prefix, and a
keyed HMAC-SHA256 digest for exact lookups and uniqueness (a plain hash of an 18-digit
number with a known structure could be brute-forced)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cwp_registry.config import Settings, decode_key, parse_old_keys

NONCE_BYTES = 12


class PiiCipher:
    def __init__(self, version: int, keys: dict[int, bytes], hash_key: bytes) -> None:
        self._version = version
        self._aead = {v: AESGCM(k) for v, k in keys.items()}
        self._hash_key = hash_key

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiCipher:
        keys = parse_old_keys(settings.pii_old_keys.get_secret_value())
        keys[settings.pii_key_version] = decode_key(
            settings.pii_key.get_secret_value(), "REGISTRY_PII_KEY"
        )
        hash_key = decode_key(settings.pii_hash_key.get_secret_value(), "REGISTRY_PII_HASH_KEY")
        return cls(settings.pii_key_version, keys, hash_key)

    def encrypt(self, plain: str, context: bytes) -> str:
        """`context` (the row id) is authenticated, so a ciphertext copied onto another
        row does not decrypt."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._version].encrypt(nonce, plain.encode(), context)
        return f"v{self._version}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: bytes) -> str:
        prefix, _, body = token.partition(":")
        aead = self._aead.get(int(prefix[1:])) if prefix[1:].isdigit() else None
        if aead is None:
            raise LookupError(f"no PII key for version {prefix!r}")
        raw = base64.b64decode(body)
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
        except InvalidTag:
            raise ValueError("PII ciphertext failed authentication") from None

    def digest(self, plain: str) -> str:
        return hmac.new(self._hash_key, plain.encode(), hashlib.sha256).hexdigest()
