"""ID numbers at rest: AES-GCM with a key-version prefix (so keys can rotate), a keyed
lookup hash, key validation, and the refusal to run in prod on the public dev keys."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from cwp_common.settings import PlatformSettings
from cwp_registry.app import InsecureConfiguration, create_app
from cwp_registry.config import Settings
from cwp_registry.pii import PiiCipher
from tests.support.tokens import Tokens

NUMBER = "11010519491231002X"
CONTEXT = b"row-1"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def settings(**kw: object) -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///:memory:", **kw)  # type: ignore[arg-type]


def test_round_trip_hides_the_number_and_uses_fresh_nonces() -> None:
    pii = PiiCipher.from_settings(settings(pii_key=new_key()))
    a, b = pii.encrypt(NUMBER, CONTEXT), pii.encrypt(NUMBER, CONTEXT)
    assert a.startswith("v1:")
    assert b.startswith("v1:")
    assert a != b
    assert NUMBER not in a
    assert NUMBER[6:14] not in base64.b64decode(a[3:]).decode("latin-1")
    assert pii.decrypt(a, CONTEXT) == NUMBER


def test_ciphertext_is_bound_to_its_row() -> None:
    pii = PiiCipher.from_settings(settings(pii_key=new_key()))
    token = pii.encrypt(NUMBER, CONTEXT)
    with pytest.raises(ValueError, match="authentication"):
        pii.decrypt(token, b"row-2")


def test_rotation_reads_old_rows_and_writes_with_the_new_version() -> None:
    old_key, new = new_key(), new_key()
    before = PiiCipher.from_settings(settings(pii_key=old_key))
    old_token = before.encrypt(NUMBER, CONTEXT)
    after = PiiCipher.from_settings(
        settings(pii_key=new, pii_key_version=2, pii_old_keys=f"1:{old_key}")
    )
    assert after.decrypt(old_token, CONTEXT) == NUMBER
    assert after.encrypt(NUMBER, CONTEXT).startswith("v2:")
    forgot_old = PiiCipher.from_settings(settings(pii_key=new, pii_key_version=2))
    with pytest.raises(LookupError):
        forgot_old.decrypt(old_token, CONTEXT)


def test_lookup_hash_is_keyed_and_stable() -> None:
    one = PiiCipher.from_settings(settings(pii_hash_key=new_key()))
    other = PiiCipher.from_settings(settings(pii_hash_key=new_key()))
    assert one.digest(NUMBER) == one.digest(NUMBER)
    assert len(one.digest(NUMBER)) == 64
    assert one.digest(NUMBER) != other.digest(NUMBER)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pii_key", "not base64!", "must be base64"),
        ("pii_key", base64.b64encode(b"short").decode(), "32 bytes"),
        ("pii_hash_key", base64.b64encode(bytes(16)).decode(), "32 bytes"),
        ("pii_old_keys", "no-version-here", "<version>:<base64 key>"),
        ("pii_old_keys", "1:abc", "must be base64"),
    ],
)
def test_malformed_keys_stop_the_settings(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**{field: value})


def prod(tokens: Tokens) -> PlatformSettings:
    return PlatformSettings(
        env="prod",
        jwt_public_key_path=tokens.public_path,
        nats_credentials_dir=tokens.public_path.parent,  # not the dev default
    )


def test_prod_refuses_the_dev_keys(tokens: Tokens) -> None:
    with pytest.raises(InsecureConfiguration, match="REGISTRY_PII_KEY, REGISTRY_PII_HASH_KEY"):
        create_app(settings(), prod(tokens))
    with pytest.raises(InsecureConfiguration, match="REGISTRY_PII_HASH_KEY") as caught:
        create_app(settings(pii_key=new_key()), prod(tokens))
    assert "REGISTRY_PII_KEY," not in str(caught.value)


def test_prod_starts_with_real_keys_and_dev_with_defaults(tokens: Tokens) -> None:
    app = create_app(settings(pii_key=new_key(), pii_hash_key=new_key()), prod(tokens))
    assert isinstance(app.state.pii, PiiCipher)
    dev = PlatformSettings(env="dev", jwt_public_key_path=tokens.public_path)
    assert isinstance(create_app(settings(), dev).state.pii, PiiCipher)


def test_env_vars_configure_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_key()
    monkeypatch.setenv("REGISTRY_PII_KEY", key)
    monkeypatch.setenv("REGISTRY_PII_KEY_VERSION", "3")
    s = Settings()
    assert s.pii_key.get_secret_value() == key
    assert s.pii_key_version == 3
    assert key not in repr(s), "keys must not show in logs or tracebacks"
