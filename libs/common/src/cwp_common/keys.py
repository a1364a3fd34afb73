"""Ed25519 signing keys for access tokens. In dev mode the gateway creates a pair under
var/keys/ on first start; in production the keys are mounted secrets.

A key is named by its `kid`, the RFC 7638 JWK thumbprint of its public half: the gateway
puts it in each token's header, and a service holding several public keys (the current
one and, during a rotation, the previous one) picks the one that signed it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class NotAnEd25519Key(ValueError):
    """A key file that is not an Ed25519 key of the expected kind."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _thumbprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # RFC 7638: the required members in lexicographic order, no whitespace.
    jwk = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}, separators=(",", ":"))
    return _b64(hashlib.sha256(jwk.encode("ascii")).digest())


def public_key_id(public_pem: bytes) -> str:
    """The kid of a PEM public key (SubjectPublicKeyInfo)."""
    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise NotAnEd25519Key("not an Ed25519 public key")
    return _thumbprint(key)


def private_key_id(private_pem: bytes) -> str:
    """The kid of a PEM private key: its public half's."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise NotAnEd25519Key("not an Ed25519 private key")
    return _thumbprint(key.public_key())


def generate_keypair(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def ensure_keypair(private_path: Path, public_path: Path) -> bool:
    """Create the pair when missing; returns True if it was created."""
    if private_path.exists() and public_path.exists():
        return False
    generate_keypair(private_path, public_path)
    return True
