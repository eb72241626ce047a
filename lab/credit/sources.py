"""Where profiles come from: each mapped credit input's published dataset, opened for one refresh.

The source mapping in force (``lab.credit.mapping_store``) says which dataset feeds each input.
Restricted sources (T3/T4) are read only here, decrypted into sealed in-memory files for the
length of one refresh; open sources (T1) add the items already public to a report. An input
whose dataset is missing or published at a tier it may not come from is left out, and its scope
says "no data held" (``datalab credit sources check`` says why; a refresh refuses to run then).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from classification import Tier
from lab.catalogue.versions.datasets import current_version
from lab.credit.inputs import LABELS
from lab.credit.mapping import Binding, SourceMapping
from lab.credit.mapping_check import allowed_tier
from lab.credit.mapping_store import current_mapping
from lab.db.models import Dataset
from lab.services import LabServices

__all__ = ["LABELS", "BoundSource", "opened_sources", "source_files"]
DATA_OBJECT = "data.parquet"


@dataclass(frozen=True)
class BoundSource:
    """A readable file of one input's dataset, with the binding that says how to read it."""

    binding: Binding
    path: str


SourceFiles = Mapping[str, BoundSource]
"""The opened sources by input name (``lab.credit.inputs``)."""


def source_files(mapping: SourceMapping, files: Mapping[str, str]) -> dict[str, BoundSource]:
    """The inputs ``mapping`` binds to one of ``files`` (paths by dataset slug)."""
    return {
        name: BoundSource(binding, files[binding.dataset])
        for name, binding in mapping.bindings.items()
        if binding.dataset in files
    }


def _published(lab: LabServices, binding: Binding) -> str | None:
    """The object key of the dataset's served version, if at a tier the input may come from."""
    with lab.sessions() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.slug == binding.dataset))
        version = current_version(session, dataset) if dataset else None
        if version is None or version.tier is None or DATA_OBJECT not in version.objects:
            return None
        if not allowed_tier(binding, Tier(version.tier)):
            return None
        return version.objects[DATA_OBJECT]


@contextmanager
def opened_sources(
    lab: LabServices, mapping: SourceMapping | None = None
) -> Iterator[dict[str, BoundSource]]:
    """Every mapped input's published source (``mapping`` or the one in force), open inside
    the block only."""
    if mapping is None:
        with lab.sessions() as session:
            mapping = current_mapping(session)
    with ExitStack() as stack:
        opened = {}
        for name, binding in mapping.bindings.items():
            key = _published(lab, binding)
            if key is None:
                continue
            if binding.spec.open:
                path = _open_path(lab, key, stack)
            else:
                handle = stack.enter_context(lab.sealed.open_plaintext_memfd(key))
                path = f"/proc/self/fd/{handle.fileno()}"
            opened[name] = BoundSource(binding, path)
        yield opened


def _open_path(lab: LabServices, key: str, stack: ExitStack) -> str:
    """A readable path for an open object: copied into an anonymous in-memory file."""
    descriptor = os.memfd_create("datalab-open-source", os.MFD_CLOEXEC)
    handle = stack.enter_context(open(descriptor, "w+b"))  # noqa: SIM115 (the stack closes it)
    for chunk in lab.store.get(key):
        handle.write(chunk)
    handle.flush()
    return f"/proc/self/fd/{handle.fileno()}"
