"""The ObjectStore contract, run against every backend: the local directory and real S3."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lab.api.routes import objects
from lab.errors import Conflict, InvalidInput, NotFound
from lab.http.errors import install_error_handlers
from lab.storage import LocalObjectStore, ObjectStore, ObjectUrlSigner
from lab.storage.base import CHUNK_SIZE
from lab.storage.local import TEMP_PREFIX

MIB = 1024 * 1024
SIGNER = ObjectUrlSigner(b"contract-test-secret-0123456789", "http://testserver")


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def chunks_of(data: bytes, size: int) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


def read(store: ObjectStore, key: str, **span: int | None) -> bytes:
    return b"".join(store.get(key, **span))


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects", url_signer=SIGNER)
    return request.getfixturevalue("s3_store")


@pytest.fixture
def local_store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", url_signer=SIGNER)


def download(store: ObjectStore, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """GET a presigned URL: S3's straight from the server, the local one through the lab route."""
    if not isinstance(store, LocalObjectStore):
        assert url.startswith("http://127.0.0.1:")
        return httpx.get(url, headers=headers)
    app = FastAPI()
    install_error_handlers(app)
    app.state.object_store, app.state.url_signer = store, store.url_signer
    app.include_router(objects.router)
    with TestClient(app) as client:
        return client.get(url, headers=headers)


def test_file_object_round_trip(store: ObjectStore) -> None:
    """A multi-MiB object put from a file object reads back byte for byte."""
    data = payload(3 * MIB + 123)
    info = store.put("data/file.bin", io.BytesIO(data))
    assert (info.key, info.size) == ("data/file.bin", len(data))
    assert read(store, "data/file.bin") == data


def test_chunk_iterator_round_trip_streams(store: ObjectStore) -> None:
    """An object larger than one upload part, put from chunks, streams back in bounded chunks."""
    data = payload(17 * MIB + 5)
    store.put("data/chunks.bin", chunks_of(data, 256 * 1024), length=len(data))
    received = list(store.get("data/chunks.bin"))
    assert b"".join(received) == data
    assert max(len(chunk) for chunk in received) <= CHUNK_SIZE


def test_length_mismatch_leaves_no_object(store: ObjectStore) -> None:
    """Data shorter or longer than declared is refused and nothing half-written appears."""
    for declared in (4, 6):
        with pytest.raises(InvalidInput):
            store.put("data/short.bin", [b"ab", b"cde"], length=declared)
    assert not store.exists("data/short.bin")
    assert list(store.list("data/")) == []


def test_put_replaces_existing_object(store: ObjectStore) -> None:
    """A second put of a key replaces the whole object."""
    store.put("data/x", [b"first version, longer"])
    store.put("data/x", [b"second"])
    assert read(store, "data/x") == b"second"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(100, None, slice(100, None)), (100, 200, slice(100, 200)), (999, None, slice(999, None))],
    ids=["from-start", "start-to-end", "last-byte"],
)
def test_ranged_get(store: ObjectStore, start: int, end: int | None, expected: slice) -> None:
    """A ranged get returns exactly the bytes [start, end)."""
    data = payload(1000)
    store.put("data/r.bin", [data])
    assert read(store, "data/r.bin", start=start, end=end) == data[expected]


def test_failed_put_keeps_previous_object(store: ObjectStore) -> None:
    """A put whose data source fails midway leaves the previous object whole and nothing else."""
    store.put("data/x", [b"previous"])

    def broken_source() -> Iterator[bytes]:
        yield payload(MIB)
        raise OSError("source disk went away")

    with pytest.raises(OSError, match="went away"):
        store.put("data/x", broken_source())
    assert read(store, "data/x") == b"previous"
    assert [o.key for o in store.list()] == ["data/x"]


def test_range_end_past_object_is_cut(store: ObjectStore) -> None:
    """An end past the last byte is cut to the object's end, as HTTP does."""
    store.put("data/r.bin", [b"0123456789"])
    assert read(store, "data/r.bin", start=7, end=50) == b"789"


@pytest.mark.parametrize(("start", "end"), [(10, None), (11, 20), (-1, None), (4, 4), (5, 2)])
def test_unsatisfiable_range_is_invalid_input(
    store: ObjectStore, start: int, end: int | None
) -> None:
    """A range that is malformed or starts past the last byte raises InvalidInput."""
    store.put("data/r.bin", [b"0123456789"])
    with pytest.raises(InvalidInput):
        read(store, "data/r.bin", start=start, end=end)


def test_empty_object_reads_back_empty(store: ObjectStore) -> None:
    """An empty object can be written, described and read whole."""
    info = store.put("data/empty", [])
    assert info.size == 0
    assert read(store, "data/empty") == b""


def test_stat_gives_size_and_etag(store: ObjectStore) -> None:
    """stat agrees with put on size and etag, and a new put of the object changes the etag."""
    data = b"hello, city data lab"
    written = store.put("data/hello.txt", [data])
    described = store.stat("data/hello.txt")
    assert (described.size, described.etag) == (len(data), written.etag)
    assert described.last_modified.tzinfo is not None
    assert store.put("data/hello.txt", [b"changed"]).etag != written.etag


def test_list_by_prefix_in_key_order(store: ObjectStore) -> None:
    """list yields exactly the keys under a prefix, in plain string order."""
    for key in ("a/b", "b", "a-c", "a/a/x", "ab", "a/c/d/e"):
        store.put(key, [key.encode()])
    assert [o.key for o in store.list()] == ["a-c", "a/a/x", "a/b", "a/c/d/e", "ab", "b"]
    assert [o.key for o in store.list("a")] == ["a-c", "a/a/x", "a/b", "a/c/d/e", "ab"]
    assert [o.key for o in store.list("a/")] == ["a/a/x", "a/b", "a/c/d/e"]
    assert [o.key for o in store.list("a/c")] == ["a/c/d/e"]
    assert list(store.list("zz")) == []
    assert [o.size for o in store.list("a/b")] == [3]


def test_delete_removes_and_tolerates_missing(store: ObjectStore) -> None:
    """delete removes an object; deleting a missing key is not an error."""
    store.put("data/gone", [b"x"])
    store.put("data/kept", [b"y"])
    store.delete("data/gone")
    store.delete("data/gone")
    store.delete("never/there")
    assert [o.key for o in store.list()] == ["data/kept"]


def test_missing_object_is_not_found(store: ObjectStore) -> None:
    """get and stat of a missing key raise NotFound."""
    with pytest.raises(NotFound):
        store.stat("data/missing")
    with pytest.raises(NotFound):
        read(store, "data/missing")


@pytest.mark.parametrize(
    "key", ["../x", "a/../../x", "/abs", "a//b", "a/./b", "a/", "", "a\x00b", "a\nb", "a\\b"]
)
def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    """Keys that could escape the store or confuse paths raise InvalidInput everywhere."""
    for attempt in (
        lambda: store.put(key, [b"x"]),
        lambda: read(store, key),
        lambda: store.stat(key),
        lambda: store.delete(key),
        lambda: store.presigned_get(key),
    ):
        with pytest.raises(InvalidInput):
            attempt()
    assert list(store.list()) == []


def test_presigned_get_downloads_the_bytes(store: ObjectStore) -> None:
    """A presigned URL (even of a key needing quoting) downloads the object over plain HTTP."""
    data = payload(2 * MIB + 1)
    key = "shared/air quality #3 – été.csv"
    store.put(key, [data])
    response = download(store, store.presigned_get(key, expires_seconds=60))
    assert response.status_code == 200
    assert response.content == data


def test_presigned_get_honours_a_range(store: ObjectStore) -> None:
    """A Range request on a presigned URL gets 206 and exactly those bytes."""
    store.put("shared/digits", [b"0123456789"])
    url = store.presigned_get("shared/digits", expires_seconds=60)
    response = download(store, url, {"Range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.content == b"2345"
    assert response.headers["content-range"] == "bytes 2-5/10"


def test_tampered_presigned_url_is_refused(store: ObjectStore) -> None:
    """Changing one character of the signature turns the link into a 403."""
    store.put("shared/secret.csv", [b"a,b\n"])
    url = store.presigned_get("shared/secret.csv", expires_seconds=60)
    flipped = "0" if url[-1] != "0" else "1"
    response = download(store, url[:-1] + flipped)
    assert response.status_code == 403
    assert b"a,b" not in response.content


def test_expired_local_link_is_refused(local_store: LocalObjectStore) -> None:
    """A correctly signed local link whose expiry has passed is a 403."""
    local_store.put("shared/old.csv", [b"a,b\n"])
    expires = int(time.time()) - 1
    signature = SIGNER.sign("shared/old.csv", expires)
    url = f"/objects/shared/old.csv?expires={expires}&signature={signature}"
    response = download(local_store, url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_local_link_is_bound_to_its_key(local_store: LocalObjectStore) -> None:
    """A valid signature for one key does not open another key."""
    local_store.put("shared/a.csv", [b"a"])
    local_store.put("shared/b.csv", [b"b"])
    url = local_store.presigned_get("shared/a.csv").replace("a.csv", "b.csv")
    assert download(local_store, url).status_code == 403


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("bytes=7-", 206, b"789"),
        ("bytes=-2", 206, b"89"),
        ("bytes=8-99", 206, b"89"),
        ("bytes=10-12", 416, None),
        ("bytes=1-2,4-5", 200, b"0123456789"),
        ("items=1-2", 200, b"0123456789"),
    ],
)
def test_local_route_range_forms(
    local_store: LocalObjectStore, header: str, status: int, body: bytes | None
) -> None:
    """The route serves suffix and open ranges, 416s past the end, ignores other forms."""
    info = local_store.put("shared/digits", [b"0123456789"])
    response = download(local_store, local_store.presigned_get("shared/digits"), {"Range": header})
    assert response.status_code == status
    if body is not None:
        assert response.content == body
        assert response.headers["etag"] == f'"{info.etag}"'
    else:
        assert response.headers["content-range"] == "bytes */10"


def test_publication_is_invisible_until_commit(store: ObjectStore) -> None:
    """Objects written in a publication are not current until it commits, then all at once."""
    publication = store.publication("datasets/air")
    publication.put("data.csv", [b"a,b\n1,2\n"])
    publication.put("meta.json", [b"{}"])
    with pytest.raises(NotFound):
        store.current("datasets/air")
    committed = publication.commit()
    current = store.current("datasets/air")
    assert current == committed
    assert sorted(current.objects) == ["data.csv", "meta.json"]
    assert store.read_bytes(current.key_of("data.csv")) == b"a,b\n1,2\n"


def test_failed_publication_keeps_previous_version(store: ObjectStore) -> None:
    """An exception inside a publication block leaves the previous version current."""
    with store.publication("datasets/air") as first:
        first.put("data.csv", [b"v1"])
    with pytest.raises(RuntimeError), store.publication("datasets/air") as second:
        second.put("data.csv", [b"v2, half written"])
        raise RuntimeError("ingest failed")
    current = store.current("datasets/air")
    assert current.version == first.version
    assert store.read_bytes(current.key_of("data.csv")) == b"v1"


def test_publications_in_sequence_switch_whole(store: ObjectStore) -> None:
    """A second commit switches every name to the new version together."""
    for version in (b"v1", b"v2"):
        with store.publication("datasets/air") as publication:
            publication.put("data.csv", [version + b" data"])
            publication.put("meta.json", [version + b" meta"])
    current = store.current("datasets/air")
    assert current.version == publication.version
    assert store.read_bytes(current.key_of("data.csv")) == b"v2 data"
    assert store.read_bytes(current.key_of("meta.json")) == b"v2 meta"


def test_sweep_removes_only_unpublished_folders(store: ObjectStore) -> None:
    """sweep_unpublished deletes superseded and failed versions, never the live one or others."""
    for attempt in ("v1", "v2"):
        with store.publication("datasets/air") as publication:
            publication.put("data.csv", [attempt.encode()])
    with pytest.raises(RuntimeError), store.publication("datasets/air") as failed:
        failed.put("data.csv", [b"v3"])
        failed.put("extra.csv", [b"v3"])
        raise RuntimeError("ingest failed")
    with store.publication("datasets/water") as other:
        other.put("data.csv", [b"water"])
    assert store.sweep_unpublished("datasets/air") == 3
    assert [o.key for o in store.list("datasets/")] == [
        "datasets/air/_CURRENT",
        store.current("datasets/air").key_of("data.csv"),
        "datasets/water/_CURRENT",
        store.current("datasets/water").key_of("data.csv"),
    ]
    assert store.sweep_unpublished("datasets/air") == 0


def test_local_files_are_private_and_leave_no_temp(local_store: LocalObjectStore) -> None:
    """Local objects are 0600 in 0700 folders, and a failed put leaves no temp file behind."""
    local_store.put("deep/er/x.bin", [b"x"])
    with pytest.raises(InvalidInput):
        local_store.put("deep/er/y.bin", [b"too long"], length=2)
    root = local_store.root
    assert (root / "deep/er/x.bin").stat().st_mode & 0o777 == 0o600
    for folder in (root, root / "deep", root / "deep/er"):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (root / "deep/er").iterdir()] == ["x.bin"]


def test_local_symlink_cannot_lead_outside(local_store: LocalObjectStore, tmp_path: Path) -> None:
    """A symlinked folder pointing outside the root cannot be written or read through."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not yours")
    (local_store.root / "link").symlink_to(outside)
    with pytest.raises(InvalidInput):
        local_store.put("link/planted", [b"x"])
    with pytest.raises(InvalidInput):
        read(local_store, "link/secret")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert list(local_store.list()) == []


def test_local_key_cannot_be_object_and_folder(local_store: LocalObjectStore) -> None:
    """On disk a key is a file or a folder, never both: the clash is a Conflict, not a crash."""
    local_store.put("a", [b"file"])
    local_store.put("b/c", [b"nested"])
    with pytest.raises(Conflict):
        local_store.put("a/b", [b"x"])
    with pytest.raises(Conflict):
        local_store.put("b", [b"x"])
    assert [o.key for o in local_store.list()] == ["a", "b/c"]


def test_local_temp_names_are_reserved(local_store: LocalObjectStore) -> None:
    """Keys that look like in-flight temp files are refused, so listing can skip them safely."""
    with pytest.raises(InvalidInput):
        local_store.put(f"data/{TEMP_PREFIX}abc", [b"x"])
