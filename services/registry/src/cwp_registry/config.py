"""Registry settings (prefix ``REGISTRY_``).

The two PII keys have development defaults so `make run` works on a fresh machine; they
are declared DEV_DEFAULT, so a process outside CWP_ENV=dev refuses to start with them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cwp_common.settings import DEV_DEFAULT

KEY_BYTES = 32  # AES-256 and a 256-bit HMAC key

# Public, well-known values: fine for a laptop, refused in production.
DEV_PII_KEY = base64.b64encode(b"cwp-registry-dev-pii-key-32bytes").decode()
DEV_PII_HASH_KEY = base64.b64encode(b"cwp-registry-dev-hash-key-32byte").decode()


def decode_key(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} must be base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"{name} must decode to {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def parse_old_keys(value: str) -> dict[int, bytes]:
    """'1:<base64>,2:<base64>' -> {1: key, 2: key}: retired keys kept for decryption."""
    keys: dict[int, bytes] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        version, sep, key = item.partition(":")
        if not sep or not version.isdigit():
            raise ValueError("REGISTRY_PII_OLD_KEYS entries look like '<version>:<base64 key>'")
        keys[int(version)] = decode_key(key, f"REGISTRY_PII_OLD_KEYS version {version}")
    return keys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/registry.db"
    host: str = "127.0.0.1"
    port: int = 8001
    # AES-256-GCM key for resident ID numbers at rest (base64 of 32 bytes).
    pii_key: Annotated[SecretStr, DEV_DEFAULT] = SecretStr(DEV_PII_KEY)
    # Version stamped on every new ciphertext ("v<N>:..."); bump it when rotating pii_key.
    pii_key_version: int = Field(default=1, ge=1)
    # Retired keys that still decrypt older rows: "1:<base64>,2:<base64>".
    pii_old_keys: SecretStr = SecretStr("")
    # HMAC-SHA256 key for the lookup/uniqueness hash. Changing it means rehashing every row.
    pii_hash_key: Annotated[SecretStr, DEV_DEFAULT] = SecretStr(DEV_PII_HASH_KEY)
    # Checks of resident ID numbers per account (lookups, duplicates found at registration,
    # birth-date rules run for a caller without pii) in any sliding window of this length.
    id_check_limit: int = Field(default=100, ge=1)
    id_check_window_seconds: int = Field(default=3600, ge=1)
    # Consume other services' events (career's exit recommendations); tests that feed
    # the handler directly turn it off.
    consume_events: bool = True
    # The daily job announcing fixed-term contracts that end within this many days
    # (registry.contract.expiring.v1); off in tests that drive it by hand.
    contract_reminders: bool = True
    contract_reminder_days: int = Field(default=30, ge=1, le=366)
    # The daily job folding closed months of the workforce counts (statistics/jobs.py);
    # off in tests that move the business day by hand.
    count_fold: bool = True
    # Bulk import: uploaded files wait here for their job; rows per file and per chunk
    # (one transaction each). The upload itself is bounded by CWP_UPLOAD_MAX_BODY_BYTES
    # (the import is one of CWP_UPLOAD_PATHS; other requests keep CWP_MAX_BODY_BYTES).
    import_dir: str = "var/imports"
    import_max_rows: int = Field(default=200_000, ge=1)
    # 5,000: the statistics rows a chunk upserts grow far slower than its rows.
    import_chunk_rows: int = Field(default=5_000, ge=1)

    @field_validator("pii_key", "pii_hash_key")
    @classmethod
    def _key_shape(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        decode_key(value.get_secret_value(), f"REGISTRY_{(info.field_name or '').upper()}")
        return value

    @field_validator("pii_old_keys")
    @classmethod
    def _old_keys_shape(cls, value: SecretStr) -> SecretStr:
        parse_old_keys(value.get_secret_value())
        return value
