"""Per-item demand samples on flat sorted arrays (private).

The optimizer evaluates expected sales, leftover and shortage of thousands of
items at one candidate stock level each, many times over. Samples are kept as
one flat array, sorted within each item, with item boundaries ``starts`` and a
running sum, so that every expectation is one vectorized binary search:

* ``E[min(D, y)] = (sum of samples below y + y * count at or above y) / n``;
* ``E[(y - D)+] = y - E[min(D, y)]`` and ``E[(D - y)+] = E[D] - E[min(D, y)]``;
* ``P(D <= y)`` counts the samples at or below ``y``.

Items may have different numbers of samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SampleDemand:
    """Sorted demand samples of ``n_items`` items, back to back."""

    values: np.ndarray  # float64, sorted within each item
    starts: np.ndarray  # int64, n_items + 1 boundaries
    cumsum: np.ndarray  # float64, len(values) + 1, cumsum[k] = values[:k].sum()

    @classmethod
    def from_codes(cls, codes: np.ndarray, values: np.ndarray, n_items: int) -> SampleDemand:
        """Build from item codes ``0..n_items-1`` and one demand value per sample."""
        order = np.lexsort((values, codes))
        counts = np.bincount(codes, minlength=n_items)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        sorted_values = np.asarray(values, dtype=float)[order]
        cumsum = np.concatenate([[0.0], np.cumsum(sorted_values)])
        return cls(sorted_values, starts, cumsum)

    @property
    def count(self) -> np.ndarray:
        return np.diff(self.starts)

    @property
    def mean(self) -> np.ndarray:
        return (self.cumsum[self.starts[1:]] - self.cumsum[self.starts[:-1]]) / self.count

    @property
    def maximum(self) -> np.ndarray:
        return self.values[self.starts[1:] - 1]

    def _search(self, y: np.ndarray, items: np.ndarray, *, right: bool) -> np.ndarray:
        """Index of the first sample of each item that is ``> y`` (right) or ``>= y``."""
        lo = self.starts[items].copy()
        hi = self.starts[items + 1].copy()
        last = len(self.values) - 1
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = (lo + hi) // 2
            v = self.values[np.minimum(mid, last)]
            below = (v <= y) if right else (v < y)
            lo = np.where(active & below, mid + 1, lo)
            hi = np.where(active & ~below, mid, hi)

    def expected(self, y: np.ndarray, items: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Expected sales, leftover, shortage and ``P(D <= y)`` at stock levels ``y``.

        ``items`` picks the item of each entry of ``y`` (default: one per item).
        """
        if items is None:
            items = np.arange(len(self.starts) - 1)
        y = np.asarray(y, dtype=float)
        start = self.starts[items]
        n = self.starts[items + 1] - start
        k = self._search(y, items, right=False)
        below = self.cumsum[k] - self.cumsum[start]
        sales = (below + y * (self.starts[items + 1] - k)) / n
        mean = (self.cumsum[self.starts[items + 1]] - self.cumsum[start]) / n
        k_le = self._search(y, items, right=True)
        return {
            "sales": sales,
            "leftover": y - sales,
            "shortage": mean - sales,
            "csl": (k_le - start) / n,
            "mean": mean,
        }
