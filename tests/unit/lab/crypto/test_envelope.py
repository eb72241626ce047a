"""The sealed stream format: round trips, and every alteration failing loudly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.crypto.envelope import (
    HEADER_SIZE,
    TAG_SIZE,
    StreamHeader,
    _RecordCipher,
    ciphertext_length,
    decrypt_stream,
    encrypt_stream,
    new_data_key,
)
from lab.errors import IntegrityError, InvalidInput

CHUNK = 64
RECORD = CHUNK + TAG_SIZE
KEY = bytes(range(32))


def seal(plaintext: bytes, key: bytes = KEY, chunk_size: int = CHUNK) -> bytes:
    return b"".join(encrypt_stream([plaintext], key, chunk_size))


def open_sealed(sealed: bytes, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_stream([sealed], key))


def records(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """Split a sealed stream into its header and records."""
    body = sealed[HEADER_SIZE:]
    return sealed[:HEADER_SIZE], [body[i : i + RECORD] for i in range(0, len(body), RECORD)]


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (any order, clipped), like a store streaming it."""
    bounds = sorted({0, len(data), *(min(c, len(data)) for c in cuts)})
    return [data[a:b] for a, b in pairwise(bounds)]


def expect_integrity_error(sealed: bytes, key: bytes = KEY) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        open_sealed(sealed, key)
    assert key.hex() not in caught.value.message and repr(key) not in caught.value.message
    return caught.value


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK, 3 * CHUNK + 5])
def test_round_trip_at_chunk_edges(size: int) -> None:
    """Empty, one byte, exact chunk multiples and ragged ends all come back byte for byte."""
    plaintext = os.urandom(size)
    sealed = seal(plaintext)
    assert len(sealed) == ciphertext_length(size, CHUNK)
    assert open_sealed(sealed) == plaintext


@settings(max_examples=60, deadline=None)
@given(
    plaintext=st.binary(max_size=700),
    chunk_size=st.integers(1, 130),
    in_cuts=st.lists(st.integers(0, 700), max_size=8),
    out_cuts=st.lists(st.integers(0, 2000), max_size=8),
)
def test_round_trip_whatever_the_piece_sizes(
    plaintext: bytes, chunk_size: int, in_cuts: list[int], out_cuts: list[int]
) -> None:
    """Re-chunking on both sides is exact, whatever sizes the input and the store stream in."""
    sealed = b"".join(encrypt_stream(pieces(plaintext, in_cuts), KEY, chunk_size))
    assert len(sealed) == ciphertext_length(len(plaintext), chunk_size)
    assert b"".join(decrypt_stream(pieces(sealed, out_cuts), KEY)) == plaintext


def test_every_chunk_but_the_last_is_full() -> None:
    """Only the final record is short, so readers find the end without looking ahead."""
    header, body = records(seal(os.urandom(3 * CHUNK)))
    assert [len(r) for r in body] == [RECORD, RECORD, RECORD, TAG_SIZE]
    assert len(header) == HEADER_SIZE


def test_same_plaintext_seals_differently() -> None:
    """A fresh object id and nonce prefix per stream: equal plaintexts give unrelated bytes."""
    plaintext = os.urandom(3 * CHUNK)
    first, second = seal(plaintext), seal(plaintext)
    assert first[HEADER_SIZE:] != second[HEADER_SIZE:]
    assert first[:9] == second[:9]  # magic, version and chunk size only


@pytest.mark.parametrize(
    "offset",
    [0, 4, 5, 8, 9, 25, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + CHUNK, HEADER_SIZE + RECORD],
    ids=[
        "magic",
        "version",
        "chunk-size-high",
        "chunk-size-low",
        "object-id",
        "nonce-prefix",
        "nonce-prefix-end",
        "chunk0",
        "tag0",
        "chunk1",
    ],
)
def test_a_flipped_bit_anywhere_fails(offset: int) -> None:
    """One flipped bit in the header, a chunk or a tag makes the read fail."""
    sealed = bytearray(seal(os.urandom(2 * CHUNK + 7)))
    sealed[offset] ^= 0x01
    expect_integrity_error(bytes(sealed))


def test_a_flipped_bit_in_the_final_tag_fails() -> None:
    """The last byte of the stream (the final tag) is protected too."""
    sealed = bytearray(seal(os.urandom(CHUNK + 7)))
    sealed[-1] ^= 0x80
    assert "chunk 1" in expect_integrity_error(bytes(sealed)).message


def test_the_error_names_the_chunk_and_no_key() -> None:
    """The message says which chunk failed and carries no key material."""
    sealed = bytearray(seal(os.urandom(3 * CHUNK + 1)))
    sealed[HEADER_SIZE + 2 * RECORD + 1] ^= 0x01
    error = expect_integrity_error(bytes(sealed))
    assert "chunk 2" in error.message


def test_good_chunks_before_a_bad_one_are_yielded_then_it_raises() -> None:
    """Streaming readers get authentic chunks, then the failure — never a silent short read."""
    plaintext = os.urandom(3 * CHUNK)
    sealed = bytearray(seal(plaintext))
    sealed[HEADER_SIZE + 2 * RECORD] ^= 0x01
    stream = decrypt_stream([bytes(sealed)], KEY)
    assert next(stream) + next(stream) == plaintext[: 2 * CHUNK]
    with pytest.raises(IntegrityError, match="chunk 2"):
        next(stream)


def test_a_dropped_chunk_fails() -> None:
    """Removing a middle record shifts the later ones to positions they were not sealed at."""
    header, body = records(seal(os.urandom(3 * CHUNK + 9)))
    expect_integrity_error(header + b"".join(body[:1] + body[2:]))


def test_swapped_chunks_fail() -> None:
    """Two records exchanged fail at the first of them."""
    header, body = records(seal(os.urandom(3 * CHUNK + 9)))
    body[0], body[1] = body[1], body[0]
    assert "chunk 0" in expect_integrity_error(header + b"".join(body)).message


def test_a_repeated_chunk_fails() -> None:
    """Replaying a record at the next position fails."""
    header, body = records(seal(os.urandom(3 * CHUNK + 9)))
    expect_integrity_error(header + b"".join([body[0], body[0], *body[2:]]))


@pytest.mark.parametrize("size", [CHUNK + 9, 3 * CHUNK])
def test_dropping_the_final_chunk_fails(size: int) -> None:
    """A cut exactly at a record boundary (no final record) is refused, full last chunk or not."""
    header, body = records(seal(os.urandom(size)))
    error = expect_integrity_error(header + b"".join(body[:-1]))
    assert "ends before its final chunk" in error.message


def test_the_final_flag_is_authenticated() -> None:
    """A short last record sealed as non-final is refused: the end is bound by the key too."""
    header = StreamHeader.fresh(CHUNK)
    forged = header.to_bytes() + _RecordCipher(KEY, header).seal(0, b"short", final=False)
    assert "chunk 0" in expect_integrity_error(forged).message


@pytest.mark.parametrize("cut", [1, TAG_SIZE - 1, TAG_SIZE, RECORD - 1])
def test_truncation_inside_a_record_fails(cut: int) -> None:
    """Cutting bytes off the end fails whether or not a tag's worth is left."""
    sealed = seal(os.urandom(2 * CHUNK + 30))
    expect_integrity_error(sealed[:-cut])


def test_a_stream_shorter_than_its_header_fails() -> None:
    """Even the header is checked for truncation."""
    expect_integrity_error(seal(b"abc")[: HEADER_SIZE - 1])


@pytest.mark.parametrize("extra", [b"\x00", os.urandom(RECORD), os.urandom(TAG_SIZE)])
def test_bytes_after_the_final_chunk_fail(extra: bytes) -> None:
    """Anything appended after the final record is detected."""
    expect_integrity_error(seal(os.urandom(CHUNK + 5)) + extra)


def test_a_chunk_appended_from_the_same_stream_fails() -> None:
    """Appending a copy of a real record after the final one is detected."""
    sealed = seal(os.urandom(2 * CHUNK))
    _, body = records(sealed)
    expect_integrity_error(sealed + body[0])


def test_a_chunk_spliced_from_another_object_under_the_same_key_fails() -> None:
    """Same data key, different header: a record moved across objects does not authenticate."""
    header_a, body_a = records(seal(os.urandom(3 * CHUNK)))
    _, body_b = records(seal(os.urandom(3 * CHUNK)))
    expect_integrity_error(header_a + b"".join([body_a[0], body_b[1], *body_a[2:]]))


def test_a_header_swapped_from_another_object_fails() -> None:
    """The records are bound to their own header (object id and nonce prefix)."""
    header_b, _ = records(seal(b"other"))
    _, body_a = records(seal(os.urandom(CHUNK + 1)))
    expect_integrity_error(header_b + b"".join(body_a))


def test_a_wrong_data_key_fails() -> None:
    """Opening with another key fails at chunk 0, without a key in the message."""
    error = expect_integrity_error(seal(os.urandom(100)), key=new_data_key())
    assert "chunk 0" in error.message


def test_data_keys_are_fresh_and_aes_256() -> None:
    """Each data key is 32 random bytes, never repeated."""
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100 and {len(k) for k in keys} == {32}


@pytest.mark.parametrize("bad_key", [b"", bytes(16), bytes(33)])
def test_a_data_key_of_the_wrong_size_is_refused(bad_key: bytes) -> None:
    """Only AES-256 data keys are accepted, when the stream is set up."""
    with pytest.raises(InvalidInput, match="32 bytes"):
        encrypt_stream([b"x"], bad_key)


@pytest.mark.parametrize("chunk_size", [0, -1, 64 * 1024 * 1024 + 1])
def test_a_chunk_size_out_of_range_is_refused(chunk_size: int) -> None:
    """Chunk sizes are bounded so a reader never buffers more than 64 MiB before a tag check."""
    with pytest.raises(InvalidInput, match="chunk size"):
        encrypt_stream([b"x"], KEY, chunk_size)


def test_a_header_claiming_a_huge_chunk_size_is_refused_before_buffering() -> None:
    """A forged chunk size cannot make a reader buffer gigabytes."""
    sealed = bytearray(seal(b"abc"))
    sealed[5:9] = (2**32 - 1).to_bytes(4, "big")
    assert "chunk size" in expect_integrity_error(bytes(sealed)).message


def test_the_input_is_read_lazily_in_bounded_steps() -> None:
    """Encryption pulls input only as its output is consumed, so big objects stream."""
    pulled: list[int] = []

    def source() -> Iterator[bytes]:
        for index in range(1000):
            pulled.append(index)
            yield bytes(CHUNK)

    stream = encrypt_stream(source(), KEY, CHUNK)
    next(stream), next(stream), next(stream)
    assert len(pulled) <= 3
