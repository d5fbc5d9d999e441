"""Cross-series exogenous features when the series are split (private).

Two exogenous features of :class:`~forecastkit.ml.LGBMForecaster` read other
series than the row's own:

* ``price_rel_category``: the price over the mean known price of the
  category's series on the same date (:func:`forecastkit.ml._promo.price_features`);
* ``weather_<name>_dev`` with ``location_col``: the value minus the seasonal
  normal of the location, which pools the location's series
  (:func:`forecastkit.ml._weather.weather_features`).

On one machine both are computed from every row at once. When the series
are split across partitions (the Dask backend, :mod:`forecastkit.ml._dask`),
each partition sends the sums and counts of the known values per (label,
date) (:func:`panel_sums`: categories x dates, a few thousand numbers), the
driver adds them up (:meth:`PanelSums.merge`), and every partition reads its
category means and seasonal normals from the panel's totals
(:func:`category_mean`, :func:`weather_normals`). The features then equal the
one-machine ones up to the order of the floating-point additions (a relative
difference of about 1e-16 in the sums).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.ml._dates import _date_index
from forecastkit.ml._weather import pooled_normals

__all__ = ["GroupSums", "PanelSums", "category_mean", "panel_sums", "weather_normals"]


@dataclass(frozen=True, eq=False)
class GroupSums:
    """Sums and counts of known values per (label, date), on a dense grid.

    Attributes
    ----------
    labels : numpy.ndarray
        ``(n_labels,)`` distinct labels (object).
    dates : numpy.ndarray
        ``(n_dates,)`` sorted distinct int64 ns dates: every date of the rows
        summed, known value or not.
    sums, counts : dict of str to numpy.ndarray
        Per column, ``(n_labels, n_dates)`` float64 sums and counts.
    """

    labels: np.ndarray
    dates: np.ndarray
    sums: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        labels: Any,
        codes: np.ndarray,
        stamps: np.ndarray,
        columns: Mapping[str, np.ndarray],
    ) -> GroupSums:
        """Sums of the ``columns`` (per row) by label and date.

        ``labels`` holds one label per series, ``codes`` each row's series.
        """
        series_codes, uniques = pd.factorize(pd.Index(np.asarray(labels, dtype=object)))
        label = series_codes[codes]
        dates, day = _date_index(stamps)
        n_dates = len(dates)
        shape = (len(uniques), n_dates)
        keys = label.astype(np.int64) * n_dates + day
        sums, counts = {}, {}
        for name, column in columns.items():
            values = np.asarray(column, dtype=np.float64)
            known = ~np.isnan(values) & (label >= 0)
            size = shape[0] * shape[1]
            sums[name] = np.bincount(keys[known], values[known], size).reshape(shape)
            counts[name] = np.bincount(keys[known], minlength=size).astype(float).reshape(shape)
        return cls(np.asarray(uniques, dtype=object), dates, sums, counts)

    @classmethod
    def merge(cls, parts: Sequence[GroupSums]) -> GroupSums:
        """The sums over every part (labels and dates united)."""
        labels = pd.Index(np.concatenate([p.labels for p in parts]), dtype=object).unique()
        dates = np.unique(np.concatenate([p.dates for p in parts]))
        shape = (len(labels), len(dates))
        sums = {name: np.zeros(shape) for name in parts[0].sums}
        counts = {name: np.zeros(shape) for name in parts[0].sums}
        for part in parts:
            cell = np.ix_(labels.get_indexer(part.labels), np.searchsorted(dates, part.dates))
            for name in sums:
                sums[name][cell] += part.sums[name]
                counts[name][cell] += part.counts[name]
        return cls(np.asarray(labels, dtype=object), dates, sums, counts)

    def locate(
        self, labels: Any, codes: np.ndarray, stamps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Grid row and column of each row (its series' label, its date); -1 when absent."""
        index = pd.Index(self.labels, dtype=object)
        per_series = index.get_indexer(pd.Index(np.asarray(labels, dtype=object)))
        col = np.searchsorted(self.dates, stamps)
        last = max(len(self.dates) - 1, 0)
        found = (col < len(self.dates)) & (self.dates[np.minimum(col, last)] == stamps)
        return per_series[codes], np.where(found, col, -1)


@dataclass(frozen=True, eq=False)
class PanelSums:
    """The cross-series sums of a panel: prices by category, weather by location."""

    category: GroupSums | None = None
    location: GroupSums | None = None

    @classmethod
    def merge(cls, parts: Sequence[PanelSums]) -> PanelSums:
        """Sums over the partitions of a panel (or its history and its future)."""
        merged = {}
        for field in ("category", "location"):
            found = [getattr(p, field) for p in parts if getattr(p, field) is not None]
            merged[field] = GroupSums.merge(found) if found else None
        return cls(**merged)


def _stamps(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates).astype("datetime64[ns]").view(np.int64)


def panel_sums(
    design: Any, codes: np.ndarray, dates: np.ndarray, values: Mapping[str, np.ndarray]
) -> PanelSums:
    """The cross-series sums of some rows (a partition, or the future of a panel).

    ``design`` is the :class:`~forecastkit.ml._exog.ExogDesign` of the rows'
    series (``category`` and ``location`` per series, in ``codes`` order);
    ``values`` the raw column values (:func:`~forecastkit.ml._exog.raw_columns`).
    """
    stamps = _stamps(dates)
    price = design.roles.get("price")
    category = None
    if price is not None and design.category is not None:
        category = GroupSums.build(design.category, codes, stamps, {"price": values[price]})
    location = None
    if design.weather and design.location is not None:
        columns = {name: values[name] for name in design.weather}
        location = GroupSums.build(design.location, codes, stamps, columns)
    return PanelSums(category, location)


def category_mean(
    panel: PanelSums, design: Any, codes: np.ndarray, dates: np.ndarray
) -> np.ndarray:
    """Per row, the mean known price of its category on its date over the whole panel."""
    grid = panel.category
    if grid is None:
        return np.full(len(codes), np.nan)
    row, col = grid.locate(design.category, codes, _stamps(dates))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = grid.sums["price"] / grid.counts["price"]
    mean[~np.isfinite(mean)] = np.nan
    ok = (row >= 0) & (col >= 0)
    return np.where(ok, mean[np.maximum(row, 0), np.maximum(col, 0)], np.nan)


def weather_normals(
    panel: PanelSums, design: Any, codes: np.ndarray, dates: np.ndarray, *, half_window: int = 15
) -> dict[str, np.ndarray]:
    """Per weather column and row, the seasonal normal of its location over the whole panel."""
    grid = panel.location
    if grid is None:
        return {name: np.full(len(codes), np.nan) for name in design.weather}
    row, col = grid.locate(design.location, codes, _stamps(dates))
    ok = (row >= 0) & (col >= 0)
    out = {}
    for name in design.weather:
        normal = pooled_normals(grid.sums[name], grid.counts[name], grid.dates, half_window)
        out[name] = np.where(ok, normal[np.maximum(row, 0), np.maximum(col, 0)], np.nan)
    return out
