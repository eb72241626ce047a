"""The stream format of a sealed object: AES-256-GCM over fixed-size chunks (STREAM construction).

Layout::

    header   = magic "CDLE" | format version (1 byte) | chunk size (4 bytes, big-endian)
               | object id (16 random bytes) | nonce prefix (7 random bytes)        — 32 bytes
    record i = AES-256-GCM(data key, nonce i, plaintext i, associated data = header)
               = ciphertext i | tag (16 bytes)
    nonce i  = nonce prefix (7 bytes) | i (4 bytes, big-endian) | final flag (1 byte)

Every chunk but the last holds exactly ``chunk size`` plaintext bytes and the last holds fewer,
possibly none (so a plaintext that fills whole chunks ends with an empty final chunk). A reader
therefore knows the final record by its length alone and never needs to look ahead; the final
flag in the nonce then binds that same fact cryptographically, so the end of the stream does not
rest on framing alone.

Why each attack fails:

* a flipped bit in a record's ciphertext or tag: that record's GCM tag check fails;
* a flipped bit in the header: the header is the associated data of every record, so record 0
  fails (a corrupt magic, version or an out-of-range chunk size is refused even before that);
* a dropped, repeated or reordered record: record j read at position i != j is opened with the
  nonce of position i and fails;
* truncation: the record left last is opened as final (flag 1) but was sealed with flag 0 and
  fails; a cut exactly at a record boundary leaves no final record at all, which is refused;
* bytes appended after the final record: the short final record now reads as a full-length
  record opened as non-final, and fails;
* a record spliced in from another object: that object has another header (object id, nonce
  prefix) and its own data key, so both the nonce and the associated data differ;
* a wrong data key: record 0 fails.

A reader yields each chunk's plaintext as soon as that chunk is proven authentic, but only an
iteration that ends without an error proves the object whole: a consumer must discard what it
received if the iteration raises.
"""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import count

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lab.errors import IntegrityError, InvalidInput

MAGIC = b"CDLE"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024  # bounds what a reader buffers before its first tag check
DATA_KEY_SIZE = 32
TAG_SIZE = 16
_HEADER = struct.Struct(">4sBI16s7s")
_POSITION = struct.Struct(">IB")
HEADER_SIZE = _HEADER.size
MAX_CHUNKS = 2**32  # the 4-byte chunk index of the nonce

Bytes = bytes | bytearray | memoryview


def new_data_key() -> bytes:
    """A fresh random AES-256 data key; one per object version, never reused."""
    return os.urandom(DATA_KEY_SIZE)


def ciphertext_length(plain_length: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """The exact size of the sealed stream of ``plain_length`` plaintext bytes."""
    records = plain_length // chunk_size + 1
    return HEADER_SIZE + plain_length + records * TAG_SIZE


@dataclass(frozen=True)
class StreamHeader:
    """The public first bytes of a sealed stream; they are the associated data of every record."""

    chunk_size: int
    object_id: bytes
    nonce_prefix: bytes

    @classmethod
    def fresh(cls, chunk_size: int) -> StreamHeader:
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise InvalidInput(f"chunk size must be 1 to {MAX_CHUNK_SIZE} bytes, got {chunk_size}")
        return cls(chunk_size, os.urandom(16), os.urandom(7))

    @classmethod
    def parse(cls, raw: Bytes) -> StreamHeader:
        """Read a header, refusing anything this version cannot have written (IntegrityError)."""
        if len(raw) < HEADER_SIZE:
            raise IntegrityError("the sealed stream is shorter than its header (truncated)")
        magic, version, chunk_size, object_id, prefix = _HEADER.unpack(raw)
        if magic != MAGIC:
            raise IntegrityError("the data is not a sealed stream (its header magic is wrong)")
        if version != FORMAT_VERSION:
            raise IntegrityError(f"sealed stream format version {version} is not supported")
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise IntegrityError(f"the sealed stream's header has a bad chunk size {chunk_size}")
        return cls(chunk_size, object_id, prefix)

    def to_bytes(self) -> bytes:
        fields = (MAGIC, FORMAT_VERSION, self.chunk_size, self.object_id, self.nonce_prefix)
        return _HEADER.pack(*fields)


class _RecordCipher:
    """Seals and opens the records of one stream: one data key, one header."""

    def __init__(self, data_key: bytes, header: StreamHeader) -> None:
        if len(data_key) != DATA_KEY_SIZE:
            raise InvalidInput(f"a data key must be {DATA_KEY_SIZE} bytes")
        self._aead = AESGCM(data_key)
        self._header = header.to_bytes()
        self._prefix = header.nonce_prefix

    def seal(self, index: int, plaintext: Bytes, *, final: bool) -> bytes:
        return self._aead.encrypt(self._nonce(index, final), plaintext, self._header)

    def open(self, index: int, record: Bytes, *, final: bool) -> bytes:
        try:
            return self._aead.decrypt(self._nonce(index, final), record, self._header)
        except InvalidTag:
            raise IntegrityError(
                f"chunk {index} failed authentication: the object was altered, reordered or "
                "truncated, or the data key is wrong"
            ) from None

    def _nonce(self, index: int, final: bool) -> bytes:
        if index >= MAX_CHUNKS:
            raise IntegrityError(f"a sealed stream holds at most {MAX_CHUNKS} chunks")
        return self._prefix + _POSITION.pack(index, final)


def encrypt_stream(
    chunks: Iterable[Bytes], data_key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """Seal ``chunks`` (any sizes) under ``data_key``: the header, then one record per chunk.

    Holds at most one chunk of plaintext besides the piece being read. The key and chunk size
    are checked at once (InvalidInput); the input is read only as the result is iterated.
    """
    header = StreamHeader.fresh(chunk_size)
    cipher = _RecordCipher(data_key, header)
    return _sealed_records(header, cipher, _exact_chunks(chunks, chunk_size))


def _sealed_records(
    header: StreamHeader, cipher: _RecordCipher, chunks: Iterator[tuple[Bytes, bool]]
) -> Iterator[bytes]:
    yield header.to_bytes()
    for index, (plaintext, final) in enumerate(chunks):
        yield cipher.seal(index, plaintext, final=final)


def _exact_chunks(pieces: Iterable[Bytes], size: int) -> Iterator[tuple[Bytes, bool]]:
    """Cut ``pieces`` into chunks of exactly ``size`` bytes, then one shorter final chunk.

    Each chunk is sealed before the next piece is read, so views into a piece are safe.
    """
    pending = bytearray()
    for piece in pieces:
        view = memoryview(piece)
        if pending:
            taken = size - len(pending)
            pending += view[:taken]
            view = view[taken:]
            if len(pending) < size:
                continue
            yield pending, False
            pending = bytearray()
        while len(view) >= size:
            yield view[:size], False
            view = view[size:]
        pending += view
    yield pending, True


def decrypt_stream(chunks: Iterable[Bytes], data_key: bytes) -> Iterator[bytes]:
    """Open a sealed stream, yielding each chunk's plaintext once it is proven authentic.

    Raises IntegrityError, naming the chunk, on any alteration, reordering, truncation or
    extension, or a wrong key; the error never carries key or plaintext bytes.
    """
    framer = _Framer(chunks)
    header = StreamHeader.parse(framer.read(HEADER_SIZE))
    cipher = _RecordCipher(data_key, header)
    record_size = header.chunk_size + TAG_SIZE
    for index in count():
        record = framer.read(record_size)
        final = len(record) < record_size
        if final and len(record) < TAG_SIZE:
            raise IntegrityError(f"the sealed stream ends before its final chunk {index}")
        yield cipher.open(index, record, final=final)
        if final:
            return


class _Framer:
    """Cuts pieces of any sizes into reads of exact sizes, copying each byte at most once."""

    def __init__(self, pieces: Iterable[Bytes]) -> None:
        self._pieces = iter(pieces)
        self._held: deque[memoryview] = deque()
        self._held_size = 0

    def read(self, size: int) -> Bytes:
        """The next ``size`` bytes; fewer only at the end of the input."""
        while self._held_size < size and (piece := next(self._pieces, None)) is not None:
            self._held.append(memoryview(piece))
            self._held_size += len(piece)
        taken: list[memoryview] = []
        wanted = size
        while wanted and self._held:
            view = self._held.popleft()
            if len(view) > wanted:
                self._held.appendleft(view[wanted:])
                view = view[:wanted]
            taken.append(view)
            wanted -= len(view)
        self._held_size -= size - wanted
        return taken[0] if len(taken) == 1 else b"".join(taken)
