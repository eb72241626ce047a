"""Sealed objects on the local store: round trips, tampering, rotation, publication, memfd."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from lab.crypto.envelope import HEADER_SIZE, ciphertext_length
from lab.crypto.keyring import Keyring
from lab.crypto.sealed_store import SIDECAR_SUFFIX, RotationReport, SealedObjectStore
from lab.errors import IntegrityError, InvalidInput, NotFound
from lab.storage import LocalObjectStore

K1 = bytes(range(32))
K2 = bytes(range(50, 82))
CHUNK = 256


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects")


def sealed_over(store: LocalObjectStore, keyring: Keyring) -> SealedObjectStore:
    return SealedObjectStore(store, keyring, chunk_size=CHUNK)


@pytest.fixture
def sealed(store: LocalObjectStore) -> SealedObjectStore:
    return sealed_over(store, Keyring("k1", {"k1": K1}))


def read(sealed: SealedObjectStore, key: str) -> bytes:
    return b"".join(sealed.get(key))


def edit_object(store: LocalObjectStore, key: str, edit) -> None:
    """Replace ``key`` in the raw store by ``edit(old bytes)``."""
    store.put(key, [edit(store.read_bytes(key))])


def edit_sidecar(store: LocalObjectStore, key: str, **changes: object) -> None:
    def rewrite(raw: bytes) -> bytes:
        return json.dumps({**json.loads(raw), **changes}).encode()

    edit_object(store, key + SIDECAR_SUFFIX, rewrite)


@pytest.mark.parametrize("size", [0, 1, CHUNK, 5 * CHUNK + 17])
def test_round_trip_from_a_file_object(sealed: SealedObjectStore, size: int) -> None:
    """A file streamed in comes back byte for byte; the info reports the plaintext size."""
    plaintext = os.urandom(size)
    info = sealed.put("restricted/a.parquet", io.BytesIO(plaintext), length=size)
    assert info.size == size and info.key == "restricted/a.parquet"
    assert read(sealed, "restricted/a.parquet") == plaintext


def test_round_trip_from_chunks_of_any_size(sealed: SealedObjectStore) -> None:
    """An iterable of odd-sized pieces is sealed and read back whole."""
    plaintext = os.urandom(3000)
    sealed.put("r/b.csv", (plaintext[i : i + 77] for i in range(0, 3000, 77)))
    assert read(sealed, "r/b.csv") == plaintext


def test_no_plaintext_is_stored(sealed: SealedObjectStore, store: LocalObjectStore) -> None:
    """The stored object is ciphertext of the expected length; the sidecar holds no data key."""
    plaintext = b"enterprise 91350200MA2Y secret turnover 1234567 " * 40
    sealed.put("r/c.csv", [plaintext])
    stored = store.read_bytes("r/c.csv")
    assert len(stored) == ciphertext_length(len(plaintext), CHUNK)
    assert b"turnover" not in stored and b"turnover" not in store.read_bytes("r/c.csv.envelope")


def test_the_sidecar_describes_the_plaintext(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """The envelope records format, KEK id, chunk size, length and sha256 of the plaintext."""
    sealed.put("r/d", [b"hello"])
    sidecar = json.loads(store.read_bytes("r/d.envelope"))
    assert sidecar["format"] == "cdl-envelope/1" and sidecar["kek_id"] == "k1"
    assert sidecar["chunk_size"] == CHUNK and sidecar["plaintext_length"] == 5
    assert sidecar["plaintext_sha256"] == (
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    )


def test_each_version_gets_a_fresh_data_key(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """Writing the same object twice wraps two different data keys."""
    sealed.put("r/e", [b"same"])
    first = json.loads(store.read_bytes("r/e.envelope"))["wrapped_key"]
    sealed.put("r/e", [b"same"])
    assert json.loads(store.read_bytes("r/e.envelope"))["wrapped_key"] != first
    assert read(sealed, "r/e") == b"same"


def test_a_declared_length_that_does_not_match_stores_nothing(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """A short input with a declared length fails in plaintext terms and leaves no object."""
    with pytest.raises(InvalidInput, match="not the declared 10"):
        sealed.put("r/f", [b"12345"], length=10)
    assert list(store.list("r/")) == []


def test_keys_ending_like_a_sidecar_are_refused(sealed: SealedObjectStore) -> None:
    """A data object can never collide with another object's envelope."""
    with pytest.raises(InvalidInput, match="kept for envelopes"):
        sealed.put("r/g.envelope", [b"x"])


def test_a_flipped_byte_in_the_stored_object_fails_naming_it(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """Tampering with the ciphertext at rest fails loudly, naming the object and chunk."""
    sealed.put("r/h", [os.urandom(3 * CHUNK)])
    edit_object(store, "r/h", lambda raw: raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:])
    with pytest.raises(IntegrityError, match=r"'r/h': chunk 2"):
        read(sealed, "r/h")


def test_a_truncated_stored_object_fails(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """A stored object cut at a chunk boundary does not read as a shorter plaintext."""
    sealed.put("r/i", [os.urandom(2 * CHUNK + 3)])
    edit_object(store, "r/i", lambda raw: raw[: HEADER_SIZE + CHUNK + 16])
    with pytest.raises(IntegrityError, match="final chunk"):
        read(sealed, "r/i")


@pytest.mark.parametrize(
    "changes",
    [
        {"plaintext_length": 4},
        {"plaintext_sha256": "00" * 32},
        {"chunk_size": 128},
        {"kek_id": "k2"},
        {"format": "cdl-envelope/2"},
        {"wrapped_key": "AAAA"},
    ],
    ids=["length", "digest", "chunk-size", "kek-id", "format", "wrapped-key"],
)
def test_sidecar_tampering_is_detected(
    sealed: SealedObjectStore, store: LocalObjectStore, changes: dict[str, object]
) -> None:
    """Every field of the envelope is authenticated: any edit makes the read fail."""
    sealed.put("r/j", [b"hello"])
    edit_sidecar(store, "r/j", **changes)
    with pytest.raises(IntegrityError):
        read(sealed, "r/j")


def test_swapping_objects_and_sidecars_between_keys_fails(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """A sealed pair copied to another key does not open there: the wrap is bound to the key."""
    sealed.put("r/k", [b"k data"])
    sealed.put("r/l", [b"l data"])
    store.put("r/l", [store.read_bytes("r/k")])
    store.put("r/l.envelope", [store.read_bytes("r/k.envelope")])
    with pytest.raises(IntegrityError, match="failed authentication"):
        read(sealed, "r/l")


def test_a_data_object_swapped_under_a_sidecar_fails(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """Another object's ciphertext under this sidecar's data key fails at chunk 0."""
    sealed.put("r/m", [b"m data"])
    sealed.put("r/n", [b"n data"])
    store.put("r/n", [store.read_bytes("r/m")])
    with pytest.raises(IntegrityError, match="chunk 0"):
        read(sealed, "r/n")


def test_a_wrong_kek_fails_without_leaking_keys(store: LocalObjectStore) -> None:
    """Reading with a KEK that did not wrap the data key fails; the message holds no key."""
    sealed_over(store, Keyring("k1", {"k1": K1})).put("r/o", [b"x" * 100])
    with pytest.raises(IntegrityError) as caught:
        read(sealed_over(store, Keyring("k1", {"k1": K2})), "r/o")
    for key in (K1, K2):
        assert key.hex() not in caught.value.message and repr(key) not in caught.value.message


def test_missing_objects(sealed: SealedObjectStore, store: LocalObjectStore) -> None:
    """No object is NotFound; data without an envelope is an integrity failure, not plaintext."""
    with pytest.raises(NotFound):
        sealed.get("r/none")
    store.put("r/plain", [b"not sealed"])
    with pytest.raises(IntegrityError, match="no envelope"):
        sealed.get("r/plain")


def write_under_k1(store: LocalObjectStore) -> dict[str, bytes]:
    """Seal a few objects under k1 and return their plaintexts."""
    old = sealed_over(store, Keyring("k1", {"k1": K1}))
    plaintexts = {f"d/{n}.bin": os.urandom(n * 100) for n in range(4)}
    for key, plaintext in plaintexts.items():
        old.put(key, [plaintext])
    return plaintexts


def test_rotation_rewraps_without_touching_the_data(store: LocalObjectStore) -> None:
    """After rotating to k2, every object reads with k2 alone and its ciphertext is unchanged."""
    plaintexts = write_under_k1(store)
    before = {key: (store.stat(key).etag, store.read_bytes(key)) for key in plaintexts}
    report = sealed_over(store, Keyring("k2", {"k1": K1, "k2": K2})).rotate()
    assert report == RotationReport(rewrapped=4, already_current=0)
    only_k2 = sealed_over(store, Keyring("k2", {"k2": K2}))
    for key, plaintext in plaintexts.items():
        assert (store.stat(key).etag, store.read_bytes(key)) == before[key]
        assert read(only_k2, key) == plaintext


def test_a_second_rotation_rewraps_nothing(store: LocalObjectStore) -> None:
    """Rotation is idempotent: objects already under the active key are left alone."""
    write_under_k1(store)
    rotating = sealed_over(store, Keyring("k2", {"k1": K1, "k2": K2}))
    rotating.rotate()
    sidecar_bytes = store.read_bytes("d/1.bin.envelope")
    assert rotating.rotate() == RotationReport(rewrapped=0, already_current=4)
    assert store.read_bytes("d/1.bin.envelope") == sidecar_bytes


def test_rotation_respects_the_prefix(store: LocalObjectStore) -> None:
    """Only sidecars under the prefix are re-wrapped; the others keep their old KEK."""
    write_under_k1(store)
    sealed_over(store, Keyring("k1", {"k1": K1})).put("other/x", [b"x"])
    rotating = sealed_over(store, Keyring("k2", {"k1": K1, "k2": K2}))
    assert rotating.rotate("d/") == RotationReport(rewrapped=4, already_current=0)
    assert rotating.kek_usage() == {"k2": 4, "k1": 1}


def test_rotation_without_the_old_key_fails_and_changes_nothing(store: LocalObjectStore) -> None:
    """A keyring that lost the old KEK cannot rotate; the error names the missing id."""
    write_under_k1(store)
    sidecar_bytes = store.read_bytes("d/0.bin.envelope")
    with pytest.raises(IntegrityError, match="'k1'"):
        sealed_over(store, Keyring("k2", {"k2": K2})).rotate()
    assert store.read_bytes("d/0.bin.envelope") == sidecar_bytes


def test_seal_into_a_publication_commits_data_and_envelopes_together(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """A sealed set becomes visible only on commit, and each member reads back through it."""
    tables = {"a.parquet": os.urandom(700), "b.parquet": b""}
    with store.publication("datasets/credit") as publication:
        for name, plaintext in tables.items():
            sealed.seal_into(publication, name, [plaintext])
        with pytest.raises(NotFound):
            store.current("datasets/credit")
    version = store.current("datasets/credit")
    assert set(version.objects) == {
        "a.parquet",
        "a.parquet.envelope",
        "b.parquet",
        "b.parquet.envelope",
    }
    for name, plaintext in tables.items():
        assert read(sealed, version.key_of(name)) == plaintext


def test_memfd_holds_the_plaintext_read_only(sealed: SealedObjectStore) -> None:
    """The in-memory file gives the plaintext from offset 0 and refuses writes."""
    plaintext = os.urandom(4 * CHUNK + 1)
    sealed.put("r/p.parquet", [plaintext])
    with sealed.open_plaintext_memfd("r/p.parquet") as memfile:
        assert memfile.read() == plaintext
        link = os.readlink(f"/proc/self/fd/{memfile.fileno()}")
        assert link.startswith("/memfd:")
        with pytest.raises(OSError), open(f"/proc/self/fd/{memfile.fileno()}", "r+b") as writer:
            writer.write(b"x")


def test_memfd_of_a_tampered_object_fails_and_leaks_no_descriptor(
    sealed: SealedObjectStore, store: LocalObjectStore
) -> None:
    """A failed decryption raises and closes the half-filled memory file."""
    sealed.put("r/q", [os.urandom(3 * CHUNK)])
    edit_object(store, "r/q", lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]))
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(IntegrityError):
        sealed.open_plaintext_memfd("r/q")
    assert len(os.listdir("/proc/self/fd")) == open_before
