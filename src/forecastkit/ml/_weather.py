"""Weather features of the LightGBM forecaster: raw values and seasonal anomalies.

Rows follow the shared layout of :mod:`forecastkit.ml` (``codes``, ``starts``,
``dates``, sorted by series then date). Weather belongs to a place, not to a
product, so values are pooled per location (a store, a city) and date before
the seasonal normal is computed on a dense ``location x distinct date`` grid
with prefix sums: one pass per past year, whatever the number of series.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._grid import _DAY
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.ml._dates import _date_index
from forecastkit.ml._layout import _check_layout, _numeric

__all__ = ["pooled_normals", "weather_features"]

logger = logging.getLogger(__name__)

_YEAR_DAYS = 365.2425  # mean Gregorian year
_MAX_HALF_WINDOW = 182  # keeps every window of a past year strictly before the date
_CHUNK_CELLS = 1 << 22  # location x date cells per chunk


def _location_codes(location: Any, codes: np.ndarray, starts: np.ndarray, ids: Any) -> np.ndarray:
    """Location code of every row; per-row labels must be constant within a series."""
    n_series = len(starts) - 1
    if location is None:
        return codes
    labels = np.asarray(location, dtype=object)
    if labels.ndim != 1 or len(labels) not in (len(codes), n_series):
        raise DataValidationError(
            f"location must have one label per row ({len(codes)}) or per series ({n_series}), "
            f"got shape {labels.shape}."
        )
    found = pd.factorize(labels)[0]
    if (found < 0).any():
        raise DataValidationError(
            f"location has {int((found < 0).sum())} missing labels; give every series a "
            "location, or pass location=None to treat each series as its own location."
        )
    if len(labels) != len(codes):
        return found[codes]
    firsts = found[starts[:-1][codes]]
    moving = np.unique(codes[found != firsts])
    if len(moving):
        names = moving.tolist() if ids is None else np.asarray(ids, dtype=object)[moving].tolist()
        raise DataValidationError(
            f"location changes within {len(moving)} series {format_values(names)}; each "
            "series must stay at one location. Split such series or pass one label per series."
        )
    return found


def _past_years(uniq: np.ndarray, half_window: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Index bounds ``[lo, hi)`` into ``uniq`` of the window one, two... years back."""
    span = int(uniq[-1] - uniq[0]) if len(uniq) else 0
    half = half_window * _DAY
    k = 1
    while round(_YEAR_DAYS * k) * _DAY - half <= span:
        center = uniq - round(_YEAR_DAYS * k) * _DAY
        lo = np.searchsorted(uniq, center - half, side="left")
        hi = np.searchsorted(uniq, center + half, side="right")
        yield lo, hi
        k += 1


def _normals(
    values: np.ndarray,
    loc: np.ndarray,
    day: np.ndarray,
    uniq: np.ndarray,
    n_loc: int,
    half_window: int,
) -> np.ndarray:
    """Seasonal normal of each row: its location's mean around the same date in past years.

    Rows of one location and date are first averaged into one value per date.
    Falls back to the mean of all the location's earlier values when no past
    year has a value in the window; NaN when there is no earlier value.
    """
    n_days = len(uniq)
    keys = loc.astype(np.int64) * n_days + day
    known = ~np.isnan(values)
    size = n_loc * n_days
    sums = np.bincount(keys[known], weights=values[known], minlength=size)
    counts = np.bincount(keys[known], minlength=size).astype(np.float64)
    shape = (n_loc, n_days)
    return pooled_normals(sums.reshape(shape), counts.reshape(shape), uniq, half_window)[loc, day]


def pooled_normals(
    sums: np.ndarray, counts: np.ndarray, uniq: np.ndarray, half_window: int
) -> np.ndarray:
    """``(n_loc, n_dates)`` seasonal normals from the sums and counts of each location and date.

    ``uniq`` holds the sorted int64 ns dates of the columns. The normal of a
    cell uses the dates strictly before it only (see :func:`weather_features`).
    The sums may come from several partitions of a panel
    (:mod:`forecastkit.ml._panel`).
    """
    n_loc, n_days = sums.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / counts, 0.0)  # one mean value per location and date
    present = np.minimum(counts, 1.0)
    cum_sum = np.zeros((n_loc, n_days + 1))
    cum_count = np.zeros((n_loc, n_days + 1))
    np.cumsum(means, axis=1, out=cum_sum[:, 1:])
    np.cumsum(present, axis=1, out=cum_count[:, 1:])
    num = np.zeros((n_loc, n_days))
    den = np.zeros((n_loc, n_days))
    for lo, hi in _past_years(uniq, half_window):
        num += cum_sum[:, hi] - cum_sum[:, lo]
        den += cum_count[:, hi] - cum_count[:, lo]
    seasonal = den > 0
    num[~seasonal] = cum_sum[:, :-1][~seasonal]  # strictly before the date
    den[~seasonal] = cum_count[:, :-1][~seasonal]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _chunks(loc: np.ndarray, n_loc: int, n_days: int) -> Iterator[tuple[Any, int, int]]:
    """``(rows, first location, n locations)`` chunks of at most ``_CHUNK_CELLS`` cells."""
    per_chunk = max(1, _CHUNK_CELLS // max(n_days, 1))
    if n_loc <= per_chunk:
        yield slice(None), 0, n_loc
        return
    ordered = bool((np.diff(loc) >= 0).all())
    order = np.arange(len(loc)) if ordered else np.argsort(loc, kind="stable")
    bounds = np.searchsorted(loc[order], np.arange(0, n_loc + per_chunk, per_chunk))
    for i, first in enumerate(range(0, n_loc, per_chunk)):
        rows = order[bounds[i] : bounds[i + 1]]
        yield rows, first, min(per_chunk, n_loc - first)


def weather_features(
    codes: np.ndarray,
    starts: np.ndarray,
    dates: np.ndarray,
    columns: Mapping[str, Any],
    *,
    location: Any = None,
    normal_window_days: int = 15,
    ids: Any = None,
    normals: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Weather values and their deviation from the location's seasonal normal.

    Parameters
    ----------
    codes, starts, dates : numpy.ndarray
        Shared row layout: series index of each row, row offsets of the
        series, ``datetime64`` date of each row (increasing within a series).
    columns : mapping of str to array-like
        Numeric weather columns, ``(n_rows,)`` each (temperature,
        precipitation...), NaN when unknown; future rows hold the weather
        forecast.
    location : array-like, optional
        Location label per series ``(n_series,)`` or per row ``(n_rows,)``
        (constant within a series). Series of one location share its
        normal. None: each series is its own location.
    normal_window_days : int, default=15
        Half-width in days of the window around the same date in past years.
    ids : array-like, optional
        ``(n_series,)`` series ids, used in error messages only.
    normals : mapping of str to numpy.ndarray, optional
        Per column, the ``(n_rows,)`` seasonal normals computed elsewhere:
        from the sums of a panel whose series are split across partitions
        (:mod:`forecastkit.ml._panel`, :func:`pooled_normals`). By default
        they are computed from the given rows.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 arrays of length ``n_rows``, per column ``name``:

        * ``weather_<name>``: the value as given;
        * ``weather_<name>_dev``: value minus the location's seasonal
          normal, NaN when either is unknown.

    Raises
    ------
    DataValidationError
        On a weather column that is not numeric, has the wrong length or
        holds infinite values; on missing or moving locations.
    InvalidParameterError
        On a malformed layout, column name or ``normal_window_days``.

    Notes
    -----
    The normal of a row on date ``d`` is the mean of the known values of its
    location on dates within ``normal_window_days`` days of
    ``d - round(365.2425 k)`` days, over every past year ``k >= 1``. When no
    past year has a value there (the first year of data), it is the mean of
    all the location's values before ``d``, and NaN on the first date.
    Values of several series at one location and date are averaged. Only
    dates strictly before ``d`` enter the normal, so no feature reads later
    rows; the raw value of a future row is the weather forecast the user
    supplies.

    Examples
    --------
    The 2023 values are compared with the 2022 values within a day of the same
    date (mean 22); the first 2022 value has no past, the second is compared
    with the first.

    >>> dates = np.array(["2022-07-01", "2022-07-02", "2023-07-01", "2023-07-02"],
    ...                  dtype="datetime64[ns]")
    >>> codes, starts = np.zeros(4, dtype=np.int32), np.array([0, 4])
    >>> X = weather_features(codes, starts, dates, {"temp": [20.0, 24.0, 30.0, 21.0]},
    ...                      normal_window_days=1)
    >>> X["weather_temp_dev"]
    array([nan,  4.,  8., -1.], dtype=float32)
    """
    codes, starts, stamps = _check_layout(codes, starts, dates)
    if not isinstance(columns, Mapping):
        raise InvalidParameterError(
            f"columns must map names to arrays, e.g. {{'temp': df['temp']}}, got "
            f"{type(columns).__name__}."
        )
    half = normal_window_days
    if isinstance(half, bool) or not isinstance(half, (int, np.integer)):
        half = -1
    if not 0 <= half <= _MAX_HALF_WINDOW:
        raise InvalidParameterError(
            f"normal_window_days must be an int in [0, {_MAX_HALF_WINDOW}], got "
            f"{normal_window_days!r}; 15 compares each date with the month around it."
        )
    loc = _location_codes(location, codes, starts, ids)
    n_loc = int(loc.max()) + 1 if len(loc) else 0
    uniq, day = _date_index(stamps)
    out: dict[str, np.ndarray] = {}
    for name, raw in columns.items():
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"weather column names must be strings, got {name!r}.")
        values = _numeric(raw, f"weather column {name!r}", (codes, stamps), ids)
        if normals is not None:
            normal = np.asarray(normals[name], dtype=np.float64)
        else:
            normal = np.empty(len(values))
            for rows, first, count in _chunks(loc, n_loc, len(uniq)):
                normal[rows] = _normals(
                    values[rows], loc[rows] - first, day[rows], uniq, count, int(half)
                )
        out[f"weather_{name}"] = values.astype(np.float32)
        out[f"weather_{name}_dev"] = (values - normal).astype(np.float32)
    return out
