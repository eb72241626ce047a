"""``datalab keys rotate`` and ``datalab keys status`` from the shell, keys never printed.

The commands run in a subprocess against a fresh data directory, as an operator would run them;
they are invoked through ``keys_app`` itself so these tests do not depend on the main CLI.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from lab.catalogue.versions.staged import open_staged, seal, staging_root
from lab.crypto import SealedObjectStore, init_keyring_file
from lab.crypto.keyring import Keyring, read_keyring_file
from lab.private_files import make_private_dir
from lab.storage import LocalObjectStore

RUN_KEYS_APP = "from lab.cli.keys import keys_app; keys_app(prog_name='datalab keys')"
K_OLD = bytes(range(32))
K_NEW = bytes(range(40, 72))


def datalab_keys(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATALAB_")}
    environment.update({"DATALAB_HOME": str(home), **env})
    return subprocess.run(
        [sys.executable, "-c", RUN_KEYS_APP, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def seal_objects(home: Path, keyring: Keyring) -> dict[str, bytes]:
    sealed = SealedObjectStore(LocalObjectStore(home / "objects"), keyring)
    plaintexts = {f"restricted/t{n}.parquet": os.urandom(1000 + n) for n in range(3)}
    for key, plaintext in plaintexts.items():
        sealed.put(key, [plaintext])
    return plaintexts


def readable_with(home: Path, keyring: Keyring, plaintexts: dict[str, bytes]) -> bool:
    sealed = SealedObjectStore(LocalObjectStore(home / "objects"), keyring)
    return all(b"".join(sealed.get(key)) == text for key, text in plaintexts.items())


def printed_no_key(result: subprocess.CompletedProcess, keyring: Keyring) -> bool:
    shown = result.stdout + result.stderr
    return not any(base64.b64encode(key).decode() in shown for key in keyring.keys.values())


def test_rotate_adds_a_key_to_the_file_and_rewraps_everything(tmp_path: Path) -> None:
    """Rotation makes a new file key active, is audited, and leaves every object readable."""
    keyring_file = tmp_path / "secrets" / "keyring.json"
    old_id = init_keyring_file(keyring_file)
    plaintexts = seal_objects(tmp_path, read_keyring_file(keyring_file))
    result = datalab_keys(tmp_path, "rotate")
    assert result.returncode == 0, result.stderr
    keyring = read_keyring_file(keyring_file)
    assert keyring.active_id != old_id and old_id in keyring.keys
    assert f"active key {keyring.active_id}: re-wrapped 3 objects, 0 already" in result.stdout
    only_new = Keyring(keyring.active_id, {keyring.active_id: keyring.keys[keyring.active_id]})
    assert readable_with(tmp_path, only_new, plaintexts)
    assert printed_no_key(result, keyring)
    with sqlite3.connect(tmp_path / "lab.db") as db:
        audited = db.execute("SELECT actor, action, target FROM audit_entries").fetchall()
    assert audited == [("cli", "keys.rotate", "*")]


def test_rotate_with_the_kek_setting_rewraps_under_its_first_key(tmp_path: Path) -> None:
    """With DATALAB_KEK, no key is generated: objects move to its first key."""
    plaintexts = seal_objects(tmp_path, Keyring("old", {"old": K_OLD}))
    setting = f"new:{base64.b64encode(K_NEW).decode()},old:{base64.b64encode(K_OLD).decode()}"
    result = datalab_keys(tmp_path, "rotate", "--prefix", "restricted/", DATALAB_KEK=setting)
    assert result.returncode == 0, result.stderr
    assert "active key new: re-wrapped 3 objects" in result.stdout
    assert not (tmp_path / "secrets" / "keyring.json").exists()
    assert readable_with(tmp_path, Keyring("new", {"new": K_NEW}), plaintexts)
    assert printed_no_key(result, Keyring("new", {"new": K_NEW, "old": K_OLD}))


def test_status_counts_objects_per_key_and_flags_missing_keys(tmp_path: Path) -> None:
    """Status shows each key id's objects and warns about objects under a key no longer held."""
    seal_objects(tmp_path, Keyring("gone", {"gone": K_OLD}))
    setting = f"new:{base64.b64encode(K_NEW).decode()}"
    result = datalab_keys(tmp_path, "status", DATALAB_KEK=setting)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "active key new (keys from DATALAB_KEK)"
    assert "gone\t3 objects (NOT in the keyring: these objects cannot be read)" in lines
    assert "new\t0 objects (active)" in lines
    assert setting.split(":")[1] not in result.stdout


def test_a_malformed_kek_setting_is_one_line_without_the_key(tmp_path: Path) -> None:
    """A bad DATALAB_KEK stops the command with one line naming the setting, never the value."""
    bad_value = base64.b64encode(K_NEW).decode()[:-4]
    result = datalab_keys(tmp_path, "rotate", DATALAB_KEK=f"k1:{bad_value}")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "DATALAB_KEK entry 1" in result.stderr
    assert bad_value not in result.stderr and "Traceback" not in result.stderr


def test_rotate_and_status_cover_staged_tables(tmp_path: Path) -> None:
    """A staged table awaiting a decision is re-wrapped too and counted by status."""
    keyring_file = tmp_path / "secrets" / "keyring.json"
    init_keyring_file(keyring_file)
    folder = staging_root(tmp_path) / "abc"
    make_private_dir(folder)  # as the lab makes it: a start refuses a staging area others can read
    (folder / "table.parquet").write_bytes(b"staged plaintext")
    seal(folder, read_keyring_file(keyring_file))
    result = datalab_keys(tmp_path, "rotate")
    assert "re-wrapped 1 objects" in result.stdout, result.stderr
    keyring = read_keyring_file(keyring_file)
    only_new = Keyring(keyring.active_id, {keyring.active_id: keyring.keys[keyring.active_id]})
    with open_staged(folder, only_new) as plaintext:
        assert plaintext.read() == b"staged plaintext"
    status = datalab_keys(tmp_path, "status").stdout
    assert f"{keyring.active_id}\t1 objects (active)" in status
