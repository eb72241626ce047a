"""Recognising an uploaded file: a safe name, a supported format, the text encoding of CSVs.

Formats are told by extension and confirmed by magic bytes, so a renamed file is refused with a
clear message rather than half-read. CSV encodings: a UTF-8 BOM means ``utf-8-sig``; otherwise
the first megabytes are tried as UTF-8, then GB18030 (a superset of GBK and GB2312).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from lab.errors import InvalidInput

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "json",
           ".ndjson": "json", ".parquet": "parquet"}  # fmt: skip
_MAGIC = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
SNIFF_BYTES = 4 * 1024 * 1024
# A valid UTF-8 encoding of a CJK ideograph (U+4E00–U+9FFF); GBK text rarely forms one by chance.
_ASCII = bytes(range(0x80))
_UTF8_CJK = re.compile(rb"[\xe4-\xe9][\x80-\xbf][\x80-\xbf]")


@dataclass(frozen=True)
class SourceFile:
    """A staged upload: where it is, its safe display name, format and (for CSV) encoding."""

    path: Path
    name: str
    format: str
    encoding: str | None
    size: int


def safe_file_name(name: str) -> str:
    """The name as given if it is a plain file name; path tricks are refused, not rewritten."""
    if not name or name in (".", "..") or _UNSAFE_NAME.search(name) or len(name) > 255:
        raise InvalidInput(
            f"file name {name!r} must be a plain name (no folders, '..' or control characters)"
        )
    return name


def detect_format(name: str, head: bytes) -> str:
    """The format implied by ``name``'s extension, checked against the file's first bytes."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        supported = ", ".join(sorted(set(FORMATS)))
        raise InvalidInput(f"unsupported format {suffix or '(none)'!r}; use one of: {supported}")
    kind = FORMATS[suffix]
    magic = _MAGIC.get(kind)
    if magic and not head.startswith(magic):
        raise InvalidInput(f"{name!r} does not look like a {kind} file (wrong leading bytes)")
    if not magic and head.startswith((b"PK\x03\x04", b"PAR1")):
        raise InvalidInput(f"{name!r} is a binary file, not {kind}; check its extension")
    return kind


def sniff_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` for a CSV, judged over the whole file.

    A file that holds real UTF-8 Chinese *and* bytes that are not UTF-8 mixes encodings and is
    refused (GB18030 would decode it without error, turning half of it into nonsense).
    """
    tally = _EncodingTally()
    with path.open("rb") as handle:
        while block := handle.read(SNIFF_BYTES):
            tally.add(block)
    return tally.verdict()


class _EncodingTally:
    """Follows, block by block, whether a file is UTF-8, GB18030, or a mix of the two.

    While the file decodes as UTF-8, only "has it held non-ASCII text yet" is noted (cheap).
    Once it stops decoding, blocks are weighed by how many of their high bytes form UTF-8
    Chinese: GB18030 text rarely does by chance (a few per cent), UTF-8 text always does.
    """

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.first = True
        self.bom = False
        self.utf8_valid = True
        self.utf8_text_seen = False
        self.high_bytes = 0
        self.utf8_cjk_bytes = 0

    def add(self, block: bytes) -> None:
        if self.first:
            self.bom, self.first = block.startswith(codecs.BOM_UTF8), False
            if b"\x00" in block[:8192]:
                raise InvalidInput("the file holds NUL bytes: it is binary, not CSV text")
        if self.utf8_valid:
            try:
                self.decoder.decode(block)
                self.utf8_text_seen = self.utf8_text_seen or len(block.translate(None, _ASCII)) > 0
                return
            except UnicodeDecodeError:
                self.utf8_valid = False
        self.high_bytes += len(block.translate(None, _ASCII))
        self.utf8_cjk_bytes += 3 * len(_UTF8_CJK.findall(block))

    def verdict(self) -> str:
        if self.utf8_valid:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_valid = False
        if self.utf8_valid:
            return "utf-8-sig" if self.bom else "utf-8"
        mostly_utf8 = self.high_bytes and self.utf8_cjk_bytes / self.high_bytes >= 0.2
        if self.bom or self.utf8_text_seen or mostly_utf8:
            raise InvalidInput(
                "the CSV mixes encodings (UTF-8 text next to bytes that are not UTF-8); "
                "re-save the whole file in one encoding"
            )
        return "gb18030"


def describe(path: Path, name: str) -> SourceFile:
    """Inspect a staged file and say what it is; refuses empty and unsupported files."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"{name!r} is empty")
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    kind = detect_format(name, head)
    encoding = sniff_encoding(path) if kind == "csv" else None
    return SourceFile(path, name, kind, encoding, size)
