"""Key-encryption keys: wrapping, DATALAB_KEK parsing, and the private keyring file."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from lab.crypto.keyring import (
    Keyring,
    WrappedKey,
    add_active_key,
    init_keyring_file,
    load_keyring,
    parse_kek_setting,
    read_keyring_file,
)
from lab.errors import ConfigurationError, Conflict, IntegrityError
from lab.settings import LabSettings

K1 = bytes(range(32))
K2 = bytes(range(100, 132))
DATA_KEY = os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def secret_forms(key: bytes) -> list[str]:
    """Every way a key could leak into a message."""
    return [b64(key), key.hex(), repr(key)]


def test_wrap_round_trip_under_the_active_key() -> None:
    """A data key wrapped under the active KEK unwraps to itself."""
    keyring = Keyring("k1", {"k1": K1, "k2": K2})
    wrapped = keyring.wrap(DATA_KEY, b"objects/a")
    assert wrapped.kek_id == "k1" and DATA_KEY not in wrapped.ciphertext
    assert keyring.unwrap(wrapped, b"objects/a") == DATA_KEY


def test_a_wrap_bound_to_one_object_does_not_open_for_another() -> None:
    """A wrapped key moved to another object's binding fails."""
    keyring = Keyring("k1", {"k1": K1})
    wrapped = keyring.wrap(DATA_KEY, b"objects/a")
    with pytest.raises(IntegrityError, match="failed authentication"):
        keyring.unwrap(wrapped, b"objects/b")


def test_a_wrong_kek_under_the_same_id_fails_without_leaking_it() -> None:
    """Another key under the id that wrapped the data key is refused; no key in the message."""
    wrapped = Keyring("k1", {"k1": K1}).wrap(DATA_KEY, b"a")
    with pytest.raises(IntegrityError) as caught:
        Keyring("k1", {"k1": K2}).unwrap(wrapped, b"a")
    for form in secret_forms(K1) + secret_forms(K2) + secret_forms(DATA_KEY):
        assert form not in caught.value.message


def test_the_kek_id_is_bound_into_the_wrap() -> None:
    """Relabelling a wrapped key with another id that holds the same bytes still fails."""
    keyring = Keyring("k1", {"k1": K1, "k1b": K1})
    wrapped = keyring.wrap(DATA_KEY, b"a")
    with pytest.raises(IntegrityError):
        keyring.unwrap(WrappedKey("k1b", wrapped.nonce, wrapped.ciphertext), b"a")


def test_an_unknown_kek_id_is_named() -> None:
    """A data key wrapped under a KEK the keyring lacks says which id is missing."""
    wrapped = Keyring("old", {"old": K1}).wrap(DATA_KEY, b"a")
    with pytest.raises(IntegrityError, match=r"'old'.*does not hold"):
        Keyring("new", {"new": K2}).unwrap(wrapped, b"a")


def test_repr_shows_ids_never_keys() -> None:
    """Printing or logging a keyring reveals no key."""
    shown = repr(Keyring("k1", {"k1": K1, "k2": K2}))
    assert "k1" in shown and "k2" in shown
    for form in secret_forms(K1) + secret_forms(K2):
        assert form not in shown


def test_the_active_id_must_be_in_the_keyring() -> None:
    """A keyring cannot name an active key it does not hold."""
    with pytest.raises(ConfigurationError, match="active key id"):
        Keyring("k3", {"k1": K1})


def test_kek_setting_first_entry_is_active() -> None:
    """DATALAB_KEK lists keys, the first one active, the others kept for reading."""
    keyring = parse_kek_setting(f"new:{b64(K2)}, old:{b64(K1)}")
    assert keyring.active_id == "new" and dict(keyring.keys) == {"new": K2, "old": K1}


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        (b64(K1), 1),  # no id
        (f"k1:{b64(K1)[:-4]}", 1),  # too short
        (f"k1:{b64(K1 + b'x')}", 1),  # too long
        (f"k1:{b64(K1)[:-1]}!", 1),  # not base64
        (f"k1:{b64(K1)},:{b64(K2)}", 2),  # empty id
        (f"k1:{b64(K1)},k 2:{b64(K2)}", 2),  # bad id
        (f"k1:{b64(K1)},", 2),  # trailing comma
    ],
    ids=["no-id", "short", "long", "not-base64", "empty-id", "bad-id", "trailing-comma"],
)
def test_kek_setting_errors_name_the_setting_and_entry_but_not_the_key(
    value: str, entry: int
) -> None:
    """Malformed DATALAB_KEK values say where and what form is expected, never the key."""
    with pytest.raises(ConfigurationError) as caught:
        parse_kek_setting(value)
    message = caught.value.message
    assert f"DATALAB_KEK entry {entry}" in message and "base64" in message
    for form in secret_forms(K1) + secret_forms(K2) + [b64(K1)[:-4], b64(K1)[:-1]]:
        assert form not in message


def test_kek_setting_refuses_duplicate_ids() -> None:
    """Two keys under one id would make unwrapping ambiguous."""
    with pytest.raises(ConfigurationError, match="entry 2 repeats"):
        parse_kek_setting(f"k1:{b64(K1)},k1:{b64(K2)}")


def test_init_creates_a_private_file_in_private_folders(tmp_path: Path) -> None:
    """The keyring file is 0600 and every folder made for it 0700, whatever the umask."""
    path = tmp_path / "home" / "secrets" / "keyring.json"
    previous = os.umask(0o022)
    try:
        key_id = init_keyring_file(path)
    finally:
        os.umask(previous)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700 and mode_of(path.parent.parent) == 0o700
    keyring = read_keyring_file(path)
    assert keyring.active_id == key_id and len(keyring.keys[key_id]) == 32
    assert [p.name for p in path.parent.iterdir()] == ["keyring.json"]  # no temp file left


def test_init_never_overwrites_an_existing_keyring(tmp_path: Path) -> None:
    """Re-running init cannot destroy the only copy of keys that objects need."""
    path = tmp_path / "keyring.json"
    init_keyring_file(path)
    before = path.read_bytes()
    with pytest.raises(Conflict, match="never overwritten"):
        init_keyring_file(path)
    assert path.read_bytes() == before


def test_key_ids_look_like_the_date_and_a_tag(tmp_path: Path) -> None:
    """Generated ids such as k20261122-ab12 say when a key was made."""
    key_id = init_keyring_file(tmp_path / "keyring.json")
    assert key_id.startswith("k2") and len(key_id) == len("k20261122-ab12")


def test_add_active_key_keeps_the_old_keys(tmp_path: Path) -> None:
    """A new key becomes active; the previous ones stay to read older objects."""
    path = tmp_path / "keyring.json"
    first = init_keyring_file(path)
    old_key = read_keyring_file(path).keys[first]
    second = add_active_key(path)
    keyring = read_keyring_file(path)
    assert second != first and keyring.active_id == second
    assert keyring.keys[first] == old_key and keyring.keys[second] != old_key
    assert mode_of(path) == 0o600


def test_a_keyring_file_open_to_others_is_refused(tmp_path: Path) -> None:
    """Like ssh, a group- or world-readable keyring is an error that says how to fix it."""
    path = tmp_path / "keyring.json"
    init_keyring_file(path)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        read_keyring_file(path)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        json.dumps({"active": "k1"}).encode(),
        json.dumps({"active": "k1", "keys": {"k1": 5}}).encode(),
        json.dumps({"active": "k2", "keys": {"k1": b64(K1)}}).encode(),
        json.dumps({"active": "k1", "keys": {"k1": b64(K1)[:-4]}}).encode(),
    ],
    ids=["not-json", "not-object", "no-keys", "key-not-text", "active-missing", "short-key"],
)
def test_a_malformed_keyring_file_names_the_file_not_the_keys(
    tmp_path: Path, content: bytes
) -> None:
    """Errors about the keyring file name it and show none of its content."""
    path = tmp_path / "keyring.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as sink:
        sink.write(content)
    with pytest.raises(ConfigurationError) as caught:
        read_keyring_file(path)
    assert str(path) in caught.value.message
    assert b64(K1) not in caught.value.message and b64(K1)[:-4] not in caught.value.message


def test_load_keyring_prefers_the_kek_setting(tmp_path: Path) -> None:
    """DATALAB_KEK overrides the keyring file."""
    path = tmp_path / "keyring.json"
    init_keyring_file(path)
    settings = LabSettings(home=tmp_path, keyring_file=path, kek=f"env:{b64(K1)}")
    assert load_keyring(settings).active_id == "env"


def test_load_keyring_reads_the_file_without_the_setting(tmp_path: Path) -> None:
    """Without DATALAB_KEK the keyring file is used."""
    path = tmp_path / "keyring.json"
    key_id = init_keyring_file(path)
    assert load_keyring(LabSettings(home=tmp_path, keyring_file=path, kek="")).active_id == key_id


def test_no_key_configured_says_how_to_get_one(tmp_path: Path) -> None:
    """Without DATALAB_KEK or a keyring file the error says how to create one."""
    with pytest.raises(ConfigurationError, match=r"DATALAB_KEK.*datalab init"):
        load_keyring(LabSettings(home=tmp_path, kek=""))
