"""Long frames of the retail demand generator: rows, weekly aggregation, tables.

Private to :mod:`forecastkit.datasets`: turns the simulated (days, series)
grids into the long ``unique_id, ds, ...`` frames (summing or averaging days
into weeks for weekly data) and the per-series and promotion truth tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastkit.datasets._params import CATEGORIES, _Arrays, _Timeline

_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


class _Periods:
    """Aggregate (days, columns) grids to output periods; the identity for daily data."""

    def __init__(self, active: np.ndarray, step: int) -> None:
        self.step, self.active = step, active
        # days active in each period (daily data: the activity grid itself)
        self.count: np.ndarray = active if step == 1 else self._fold(active).sum(axis=1)
        self.active_periods: np.ndarray = active if step == 1 else self.count > 0

    def _fold(self, grid: np.ndarray) -> np.ndarray:
        return grid.reshape(-1, self.step, grid.shape[1])

    def total(self, grid: np.ndarray) -> np.ndarray:
        """Period sums (of a grid that is zero on inactive days, or of store weather)."""
        return grid if self.step == 1 else self._fold(grid).sum(axis=1)

    def mean(self, grid: np.ndarray, *, over_active: bool = True) -> np.ndarray:
        """Period means, over the days the series is active."""
        if self.step == 1:
            return grid
        if not over_active:
            return self._fold(grid).mean(axis=1)
        total = self._fold(np.where(self.active, grid, 0)).sum(axis=1, dtype=np.float64)
        return (total / np.maximum(self.count, 1)).astype(grid.dtype)


@dataclass(frozen=True)
class _Rows:
    series: np.ndarray  # int32 series index of each row
    period: np.ndarray  # period index of each row
    cells: np.ndarray  # flat index of each row in a (periods, series) grid

    def take(self, grid: np.ndarray) -> np.ndarray:
        return np.take(grid, self.cells)


def _rows(active: np.ndarray, first_period: int, stop: int) -> _Rows:
    """Rows of periods ``first_period..stop-1``, series-major (each span is contiguous)."""
    block = active[first_period:stop]
    n = active.shape[1]
    counts = block.sum(axis=0)
    series = np.repeat(np.arange(n, dtype=np.int32), counts)
    offset = np.cumsum(counts) - counts - np.argmax(block, axis=0) - first_period
    period = np.arange(int(counts.sum()), dtype=np.int64)
    period -= np.repeat(offset, counts)
    cells = period * n
    cells += series
    return _Rows(series=series, period=period.astype(np.int32), cells=cells)


def _keys(rows: _Rows, labels: np.ndarray, ids: np.ndarray, id_dtype: str) -> dict[str, pd.Series]:
    """``unique_id`` and ``ds`` columns, built once and shared by the frames of a block."""
    if id_dtype == "category":
        uid = pd.Series(pd.Categorical.from_codes(rows.series, categories=pd.Index(ids)))
    else:
        uid = pd.Series(pd.Index(ids).take(rows.series))
    return {"unique_id": uid, "ds": pd.Series(labels[rows.period])}


def _frame(keys: dict[str, pd.Series], **columns: np.ndarray) -> pd.DataFrame:
    # pandas >= 3 copies on write, so frames can share the key columns safely.
    return pd.DataFrame({**keys, **columns}, copy=not _COPY_ON_WRITE)


def _exog_frames(
    sp: _Arrays, sim: dict, periods: _Periods, blocks: list[_Rows], keys: list[dict]
) -> list[pd.DataFrame]:
    cells = sim["promo"]["cells"]
    price = sim["regular"].copy()
    price.ravel()[cells] = sim["promo"]["price"]
    flag = np.zeros(price.shape, dtype=np.int8)
    flag.ravel()[cells] = 1
    grids = {"price": periods.mean(price), "regular_price": periods.mean(sim.pop("regular"))}
    del price
    promo_days = periods.total(flag)
    temperature = periods.mean(sim["temperature"], over_active=False)
    precipitation = periods.total(sim["precipitation"])
    frames = []
    for rows, block_keys in zip(blocks, keys, strict=True):
        cols = {name: rows.take(grid) for name, grid in grids.items()}
        days = rows.take(promo_days)
        cols["promo"] = (days > 0).astype(np.int8)
        cols["discount"] = 1.0 - cols["price"] / cols["regular_price"]
        store = sp["store"][rows.series]
        cols["temperature"] = temperature[rows.period, store]
        cols["precipitation"] = precipitation[rows.period, store]
        if periods.step > 1:
            cols["promo_days"] = days.astype(np.int8)
        frames.append(_frame(block_keys, **cols))
    return frames


def _component_frames(
    sim: dict, periods: _Periods, blocks: list[_Rows], keys: list[dict]
) -> list[pd.DataFrame]:
    order = ["level", "weekly", "yearly", "festival", "price", "promo", "temperature"]
    grids = {name: periods.mean(sim["factors"].pop(name)) for name in order}
    for name in ("mean", "mean_no_promo", "mean_no_event"):
        grids[name] = periods.total(np.where(periods.active, sim.pop(name), 0.0))
    return [
        _frame(block_keys, **{name: rows.take(grid) for name, grid in grids.items()})
        for rows, block_keys in zip(blocks, keys, strict=True)
    ]


def _series_table(sp: _Arrays, sim: dict, timeline: _Timeline) -> pd.DataFrame:
    lifecycle = np.where(sp["new"], "new", np.where(sp["discontinued"], "discontinued", "regular"))
    yearly = ["yearly_cos1", "yearly_sin1", "yearly_cos2", "yearly_sin2"]
    columns = {
        "unique_id": sp["unique_id"],
        "store": sim["stores"]["store"][sp["store"]],
        "category": np.asarray(CATEGORIES)[sp["category"]],
        "demand_class": np.where(sp["intermittent"], "intermittent", "smooth"),
        "lifecycle": lifecycle,
        **{
            k: sp[k] for k in ["base_level", "dispersion", "trend", "ramp_days", "weekly_amplitude"]
        },
        **dict(zip(yearly, sp["yearly"].T, strict=True)),
        **{k: sp[k] for k in ["price_elasticity", "temp_sensitivity", "festival_sensitivity"]},
        "promo_intensity": sp["promo_intensity"],
        "regular_price": sim["launch_price"],
        "launch": timeline.days[sp["launch"]].astype("datetime64[ns]"),
        "end": timeline.days[sp["end"]].astype("datetime64[ns]"),
    }
    return pd.DataFrame(columns)


def _promotion_table(promo: _Arrays, ids: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    order = np.lexsort((promo["start"], promo["series"]))
    table = {"unique_id": ids[promo["series"][order]]}
    for col in ("start", "end"):
        table[col] = days[promo[col][order]].astype("datetime64[ns]")
    return pd.DataFrame({**table, "depth": promo["depth"][order]})
