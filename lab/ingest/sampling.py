"""A seeded uniform sample of rows (reservoir sampling), kept while a table streams past.

The sample feeds the column detectors; it is seeded from the file's checksum so that the same
file always gets the same sample and the same classification.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAMPLE_ROWS = 20_000


class TableSampler:
    """Keeps at most ``size`` rows, each row of the stream equally likely to be kept."""

    def __init__(self, *, seed: int, size: int = SAMPLE_ROWS) -> None:
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.kept: pd.DataFrame | None = None
        self.seen = 0

    def add(self, chunk: pd.DataFrame) -> None:
        chunk = chunk.reset_index(drop=True)
        if self.kept is None:
            self.kept = chunk.iloc[: self.size].copy().reset_index(drop=True)
            self.seen = len(self.kept)
            chunk = chunk.iloc[self.size :].reset_index(drop=True)
        if chunk.empty:
            return
        # Row t of the stream (1-based) replaces slot j ~ U[0, t) when j < size; a later row
        # replacing the same slot wins, exactly as the one-at-a-time algorithm would.
        stream_positions = np.arange(self.seen + 1, self.seen + len(chunk) + 1)
        slots = self.rng.integers(0, stream_positions)
        self.seen += len(chunk)
        taken = pd.Series(np.flatnonzero(slots < self.size))
        replacements = pd.DataFrame({"slot": slots[taken], "row": taken})
        last = replacements.drop_duplicates("slot", keep="last")
        if not last.empty:
            self.kept.iloc[last["slot"].to_numpy()] = chunk.iloc[last["row"].to_numpy()].to_numpy()

    def result(self) -> pd.DataFrame:
        return self.kept.reset_index(drop=True) if self.kept is not None else pd.DataFrame()
