"""Touch history: which source touched which prospect in which week.

Sources are the marketing channels (by index), then word of mouth, then sales. Recording
is optional (``simulation.record_touches``) because it grows with the market; attribution
(:mod:`gtmsim.experiments.attribution`) reads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class TouchLog:
    """Append-only log of touches, stored as numpy chunks (prospect, week, source)."""

    def __init__(self, channel_names: list[str]) -> None:
        self.sources = [*channel_names, "word_of_mouth", "sales"]
        self.word_of_mouth = len(channel_names)
        self.sales = len(channel_names) + 1
        self._chunks: list[np.ndarray] = []
        self._single: list[tuple[int, int, int]] = []

    def add(self, prospects: np.ndarray, week: int, source: int) -> None:
        """Record that ``source`` touched each of ``prospects`` in ``week``."""
        if len(prospects):
            chunk = np.empty((len(prospects), 3), dtype=np.int32)
            chunk[:, 0] = prospects
            chunk[:, 1] = week
            chunk[:, 2] = source
            self._chunks.append(chunk)

    def add_one(self, prospect: int, week: int, source: int) -> None:
        """Record a single touch (a rep's call)."""
        self._single.append((prospect, week, source))

    def table(self) -> pd.DataFrame:
        """All touches as a table with columns prospect, week, source (name), ordered by week."""
        parts = [*self._chunks]
        if self._single:
            parts.append(np.array(self._single, dtype=np.int32))
        data = np.concatenate(parts) if parts else np.empty((0, 3), dtype=np.int32)
        frame = pd.DataFrame(data, columns=["prospect", "week", "source"])
        frame["source"] = pd.Categorical.from_codes(frame["source"], categories=self.sources)
        return frame.sort_values(["week", "prospect"], kind="stable").reset_index(drop=True)
