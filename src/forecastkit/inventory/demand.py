"""Demand over the protection interval, the optimizer's input.

A reorder decision covers the demand until the next order can arrive: the
lead time plus the review period (the *protection interval*). Forecasters give
per-period sample paths; :func:`protection_demand` sums each path over each
item's interval, keeping the dependence between periods that per-period
quantiles lose. :func:`demand_from_quantiles` turns quantiles of the interval
demand into equally weighted samples when only quantiles are at hand.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecastkit._values import per_id
from forecastkit.data import quantile_column
from forecastkit.errors import DataValidationError, format_values
from forecastkit.inventory._paths import path_values

__all__ = ["demand_from_quantiles", "protection_demand"]


def protection_demand(
    paths: pd.DataFrame,
    periods: int | Mapping | pd.Series,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    sample_col: str = "sample",
    target_col: str = "y",
) -> pd.DataFrame:
    """Sum sample paths over each series' first ``periods`` forecast periods.

    Parameters
    ----------
    paths : pandas.DataFrame
        Sample paths as returned by ``sample_paths`` of
        :class:`~forecastkit.StatsForecaster` or
        :class:`~forecastkit.LGBMForecaster`: ``id_col, sample_col, time_col,
        target_col``.
    periods : int, mapping or pandas.Series
        Protection interval in periods (lead time plus review period), one
        number for all series or one per id.
    id_col, time_col, sample_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``id_col, sample_col, "demand"``: one row per series and sample path,
        the input :meth:`forecastkit.ReorderOptimizer.optimize` takes.

    Raises
    ------
    DataValidationError
        If a series has fewer forecast periods than its interval, a path has
        a missing period, or a value is NaN or negative.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({
    ...     "unique_id": ["A"] * 6,
    ...     "sample": [0, 0, 0, 1, 1, 1],
    ...     "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"] * 2),
    ...     "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    ... })
    >>> protection_demand(paths, periods=2)
      unique_id  sample  demand
    0         A       0     3.0
    1         A       1     9.0
    """
    values = path_values(
        paths, id_col=id_col, sample_col=sample_col, time_col=time_col, target_col=target_col
    )
    dates = paths.groupby(id_col, sort=False)[time_col]
    rank = dates.rank(method="dense").to_numpy() - 1
    ids = pd.Index(pd.unique(paths[id_col]))
    span = per_id(
        periods,
        "periods",
        ids,
        minimum=1,
        integer=True,
        what="series",
        unit=" (lead time plus review period, in periods)",
    )
    have = dates.nunique().reindex(ids).to_numpy()
    short = have < span
    if short.any():
        raise DataValidationError(
            f"{int(short.sum())} series have fewer forecast periods than their protection "
            f"interval: {format_values(ids[short])}; forecast at least that many periods."
        )
    limit = span[ids.get_indexer(paths[id_col])]
    inside = paths.loc[rank < limit, [id_col, sample_col]].assign(demand=values[rank < limit])
    grouped = inside.groupby([id_col, sample_col], sort=True)["demand"]
    count = grouped.size().to_numpy()
    out = grouped.sum().reset_index()
    gaps = count != span[ids.get_indexer(out[id_col])]
    if gaps.any():
        raise DataValidationError(
            f"{int(gaps.sum())} sample path(s) miss periods of their protection interval, in "
            f"series {format_values(pd.unique(out[id_col][gaps]))}; every path needs every period."
        )
    return out


def demand_from_quantiles(
    quantiles: pd.DataFrame,
    *,
    n_samples: int = 200,
    id_col: str = "unique_id",
    sample_col: str = "sample",
) -> pd.DataFrame:
    """Equally weighted samples from quantiles of the protection-interval demand.

    The quantile function is interpolated linearly between the given levels
    and evaluated at the midpoints ``(j + 0.5) / n_samples``; beyond the
    outermost levels it is held flat, so the tails are no wider than the
    outermost quantiles (ask the forecaster for 0.01 and 0.99 when the tails
    matter). Quantiles must describe the *sum* over the interval: per-period
    quantiles do not add up.

    Parameters
    ----------
    quantiles : pandas.DataFrame
        ``id_col`` and quantile columns named as :func:`forecastkit.quantile_column`
        names them (``"q0.5"``...), one row per series.
    n_samples : int, default=200
        Samples per series.
    id_col, sample_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``id_col, sample_col, "demand"``.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"unique_id": ["A"], "q0.1": [10.0], "q0.5": [20.0], "q0.9": [40.0]})
    >>> demand_from_quantiles(q, n_samples=4)["demand"].tolist()
    [10.625, 16.875, 26.25, 38.75]
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise DataValidationError(f"n_samples must be a whole number >= 1, got {n_samples!r}.")
    if id_col not in quantiles.columns:
        raise DataValidationError(f"quantiles has no id column {id_col!r}.")
    n_samples = int(n_samples)
    levels: list[float] = []
    columns: list[str] = []
    for col in quantiles.columns:
        level = _level(col)
        if level is not None:
            levels.append(level)
            columns.append(col)
    if not levels:
        raise DataValidationError(
            "quantiles has no quantile columns; name them as forecastkit.quantile_column "
            f"does (e.g. {quantile_column(0.5)!r})."
        )
    if len(set(levels)) != len(levels):
        raise DataValidationError(
            f"quantiles has two columns for the same level among {format_values(columns)}; "
            "keep one per level."
        )
    order = np.argsort(levels)
    p = np.asarray(levels)[order]
    table = quantiles[[columns[i] for i in order]].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(table).all(axis=1) | (table < 0).any(axis=1)
    if bad.any():
        raise DataValidationError(
            f"quantiles has NaN or negative values for "
            f"{format_values(quantiles[id_col][bad])}; demand quantiles must be finite and >= 0."
        )
    table = np.maximum.accumulate(table, axis=1)  # crossing quantiles are made monotone
    grid = (np.arange(n_samples) + 0.5) / n_samples
    samples = np.stack([np.interp(grid, p, row) for row in table])
    return pd.DataFrame(
        {
            id_col: np.repeat(quantiles[id_col].to_numpy(), n_samples),
            sample_col: np.tile(np.arange(n_samples), len(table)),
            "demand": samples.ravel(),
        }
    )


def _level(column: object) -> float | None:
    """The level a quantile column stands for, or None."""
    name = str(column)
    if not name.startswith("q"):
        return None
    try:
        level = float(name[1:])
    except ValueError:
        return None
    return level if 0 < level < 1 else None
