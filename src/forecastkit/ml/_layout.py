"""Flat row layout shared by the feature builders of :mod:`forecastkit.ml` (private).

Every feature family works on one flat array per column, rows sorted by series
then date. When forecasting, each series' history rows are followed by its
future rows::

    row:       0   1   2   3 | 4   5 | 6   7   8 | 9   10
    codes:     0   0   0   0 | 0   0 | 1   1   1 | 1   1
    position:  0   1   2   3 | 4   5 | 0   1   2 | 3   4
    is_future: F   F   F   F | T   T | F   F   F | T   T
    starts:    [0, 6, 11]

so that ``starts[i]:starts[i + 1]`` are the rows of series ``i`` and a value
``k`` rows back in the same series is at ``row - k`` whenever ``position >= k``.
Feature kernels use these group boundaries (cumulative sums, offsets) instead
of per-series Python loops or pandas groupbys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._grid import future_frame
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values

__all__ = ["Layout", "extend_layout", "layout_from_frame", "series_codes"]


@dataclass(frozen=True, eq=False)
class Layout:
    """Rows of many series, sorted by series then date.

    Attributes
    ----------
    codes : numpy.ndarray
        ``(n_rows,)`` int32 series index of each row (index into ``ids``).
    starts : numpy.ndarray
        ``(n_series + 1,)`` int64 row offsets: series ``i`` owns rows
        ``starts[i]:starts[i + 1]``.
    dates : numpy.ndarray
        ``(n_rows,)`` ``datetime64[ns]`` period of each row.
    position : numpy.ndarray
        ``(n_rows,)`` int64 position of the row within its series (0 first).
    is_future : numpy.ndarray
        ``(n_rows,)`` bool, True for forecast rows (after the history).
    ids : numpy.ndarray
        ``(n_series,)`` series ids, in code order.
    """

    codes: np.ndarray
    starts: np.ndarray
    dates: np.ndarray
    position: np.ndarray
    is_future: np.ndarray
    ids: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.codes.size)

    @property
    def n_series(self) -> int:
        """Number of series."""
        return int(self.starts.size - 1)

    @property
    def lengths(self) -> np.ndarray:
        """``(n_series,)`` rows per series."""
        return np.diff(self.starts)

    @property
    def n_future(self) -> np.ndarray:
        """``(n_series,)`` future rows per series."""
        return np.bincount(self.codes[self.is_future], minlength=self.n_series)

    @property
    def last_history(self) -> np.ndarray:
        """``(n_series,)`` row of each series' last history row."""
        return self.starts[1:] - 1 - self.n_future

    def last_dates(self) -> pd.Series:
        """Last history date of each series, indexed by id (the forecast origin)."""
        return pd.Series(self.dates[self.last_history], index=pd.Index(self.ids))


def series_codes(starts: np.ndarray) -> np.ndarray:
    """``(n_rows,)`` int32 series index of each row from the row offsets.

    Examples
    --------
    >>> series_codes(np.array([0, 3, 3, 5])).tolist()
    [0, 0, 0, 2, 2]
    """
    return np.repeat(np.arange(starts.size - 1, dtype=np.int32), np.diff(starts))


def _positions(starts: np.ndarray, n_rows: int) -> np.ndarray:
    """Position of each row within its series (0 at each series' first row)."""
    lengths = np.diff(starts)
    return np.arange(n_rows, dtype=np.int64) - np.repeat(starts[:-1], lengths)


def layout_from_frame(df: pd.DataFrame, *, id_col: str, time_col: str) -> Layout:
    """Layout of a frame sorted by (id, date), such as ``prepare(...).df``.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of each series contiguous and in date order (all history).
    id_col, time_col : str
        Column names.

    Returns
    -------
    Layout
        ``is_future`` is all False.

    Raises
    ------
    ValueError
        If the rows of a series are not contiguous or not in date order.

    Examples
    --------
    >>> df = pd.DataFrame({"item": ["b", "b", "a"],
    ...                    "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"])})
    >>> lay = layout_from_frame(df, id_col="item", time_col="ds")
    >>> lay.codes.tolist(), lay.starts.tolist(), lay.position.tolist(), lay.ids.tolist()
    ([0, 0, 1], [0, 2, 3], [0, 1, 0], ['b', 'a'])
    """
    codes, uniques = pd.factorize(df[id_col], sort=False)
    dates = df[time_col].to_numpy(dtype="datetime64[ns]")
    n = codes.size
    step = np.diff(codes)
    same = step == 0
    if n and ((step < 0).any() or (step > 1).any()):
        raise ValueError(
            f"the rows of each series must be contiguous; sort by [{id_col!r}, {time_col!r}] "
            "(forecastkit.prepare does)."
        )
    if n and (np.diff(dates.view(np.int64))[same] <= 0).any():
        raise ValueError(f"dates must increase within each series; sort by {time_col!r} first.")
    counts = np.bincount(codes, minlength=len(uniques)) if n else np.zeros(0, np.int64)
    starts = np.r_[0, np.cumsum(counts)].astype(np.int64)
    return Layout(
        codes=codes.astype(np.int32),
        starts=starts,
        dates=dates,
        position=_positions(starts, n),
        is_future=np.zeros(n, dtype=bool),
        ids=np.asarray(uniques),
    )


def extend_layout(history: Layout, h: int, freq: str) -> tuple[Layout, np.ndarray, np.ndarray]:
    """Append ``h`` future periods of ``freq`` after each series' last row.

    Parameters
    ----------
    history : Layout
        History rows only.
    h : int
        Future periods per series.
    freq : str
        pandas offset alias of the grid.

    Returns
    -------
    layout : Layout
        History rows of each series followed by its ``h`` future rows.
    history_rows : numpy.ndarray
        ``(history.n_rows,)`` row of each history row in ``layout``.
    future_rows : numpy.ndarray
        ``(n_series, h)`` rows of the future periods in ``layout``, step by step.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b"],
    ...                    "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"])})
    >>> hist = layout_from_frame(df, id_col="unique_id", time_col="ds")
    >>> lay, old, new = extend_layout(hist, 2, "D")
    >>> lay.starts.tolist(), old.tolist(), new.tolist()
    ([0, 4, 7], [0, 1, 4], [[2, 3], [5, 6]])
    >>> lay.position.tolist(), lay.is_future.astype(int).tolist()
    ([0, 1, 2, 3, 0, 1, 2], [0, 0, 1, 1, 0, 1, 1])
    >>> [str(d)[:10] for d in lay.dates[lay.is_future]]
    ['2024-01-03', '2024-01-04', '2024-01-02', '2024-01-03']
    """
    if history.is_future.any():
        raise ValueError("extend_layout expects a layout of history rows only.")
    n_series = history.n_series
    future = future_frame(history.last_dates(), h, freq)
    starts = history.starts + h * np.arange(n_series + 1, dtype=np.int64)
    n_rows = int(starts[-1])
    history_rows = np.arange(history.n_rows, dtype=np.int64) + h * history.codes.astype(np.int64)
    future_rows = (starts[1:, None] - h + np.arange(h, dtype=np.int64)).reshape(n_series, h)
    dates = np.empty(n_rows, dtype="datetime64[ns]")
    dates[history_rows] = history.dates
    dates[future_rows.ravel()] = future["ds"].to_numpy(dtype="datetime64[ns]")
    is_future = np.ones(n_rows, dtype=bool)
    is_future[history_rows] = False
    layout = Layout(
        codes=series_codes(starts),
        starts=starts,
        dates=dates,
        position=_positions(starts, n_rows),
        is_future=is_future,
        ids=history.ids,
    )
    return layout, history_rows, future_rows


# --------------------------------------------------------------------------- checks of a layout given as arrays
def _check_groups(codes: Any, starts: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``codes`` and ``starts`` of the shared row layout.

    ``starts`` must be non-decreasing offsets from 0 to ``n_rows`` and
    ``codes`` must agree with them.
    """
    codes = np.asarray(codes)
    starts = np.asarray(starts)
    if codes.ndim != 1 or codes.dtype.kind not in "iu":
        raise InvalidParameterError(f"codes must be a 1-D integer array, got {codes.dtype}.")
    if starts.ndim != 1 or starts.dtype.kind not in "iu" or len(starts) == 0:
        raise InvalidParameterError("starts must be a non-empty 1-D integer array of row offsets.")
    starts = starts.astype(np.int64, copy=False)
    n_rows = len(codes)
    if starts[0] != 0 or starts[-1] != n_rows or (np.diff(starts) < 0).any():
        raise InvalidParameterError(
            f"starts must rise from 0 to the number of rows ({n_rows}); got "
            f"{format_values(starts.tolist())}. Build it from the series lengths with "
            "np.r_[0, np.cumsum(lengths)]."
        )
    seg = np.flatnonzero(np.diff(starts) > 0)
    bad = n_rows and (
        (np.diff(codes) < 0).any()
        or (codes[starts[seg]] != seg).any()
        or (codes[starts[seg + 1] - 1] != seg).any()
    )
    if bad:
        raise InvalidParameterError(
            "codes must give each row's series index and agree with starts (rows sorted by "
            "series, series i at rows starts[i]:starts[i + 1])."
        )
    return codes, starts


def _check_layout(codes: Any, starts: Any, dates: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the shared row layout; return ``codes``, ``starts`` and int64 ns dates.

    On top of :func:`_check_groups`, dates must increase within each series.
    """
    codes, starts = _check_groups(codes, starts)
    stamps = _as_ns(dates, len(codes))
    unsorted = (np.diff(stamps) <= 0) & (codes[1:] == codes[:-1])
    if unsorted.any():
        where = np.unique(codes[1:][unsorted])
        raise DataValidationError(
            f"dates must increase strictly within each series; {len(where)} series break it "
            f"(series indices {format_values(where.tolist())}). Sort rows by series then date "
            "and drop duplicated dates, as forecastkit.prepare does."
        )
    return codes, starts, stamps


def _as_ns(dates: Any, n_rows: int) -> np.ndarray:
    """``dates`` as int64 nanoseconds, checked for type, length and NaT."""
    values = np.asarray(dates)
    if values.ndim != 1 or values.dtype.kind != "M":
        raise DataValidationError(
            f"dates must be a 1-D datetime64 array, got dtype {values.dtype} with shape "
            f"{values.shape}; pass df['ds'].to_numpy() after forecastkit.prepare."
        )
    if len(values) != n_rows:
        raise DataValidationError(f"dates has {len(values)} values but there are {n_rows} rows.")
    missing = np.isnat(values)
    if missing.any():
        raise DataValidationError(
            f"dates has {int(missing.sum())} missing values (NaT) at rows "
            f"{format_values(np.flatnonzero(missing).tolist())}; every row needs a date."
        )
    return values.astype("datetime64[ns]").view(np.int64)


def _describe_rows(mask: np.ndarray, codes: np.ndarray, stamps: np.ndarray | None, ids: Any) -> str:
    """``"2 series ['A', 'B'] (first at dates ['2024-01-03'])"`` for an error message.

    Without ``ids`` the series are named by index, without dates by row.
    """
    rows = np.flatnonzero(mask)
    series = np.unique(codes[rows])
    if ids is None:
        head = f"{len(series)} series (indices {format_values(series.tolist())})"
    else:
        names = np.asarray(ids, dtype=object)[series[:6]]
        head = f"{len(series)} series {format_values(names.tolist())}"
    if stamps is None:
        return f"{head} (first at rows {format_values(rows.tolist())})"
    days = stamps[rows[:6]].view("datetime64[ns]").astype("datetime64[D]").astype(str)
    return f"{head} (first at dates {format_values(days.tolist())})"


def _numeric(
    values: Any,
    name: str,
    layout: tuple[np.ndarray, np.ndarray | None],
    ids: Any,
    *,
    negative: bool = True,
) -> np.ndarray:
    """A per-row input as float64 (NaN kept), checked for length, type and infinities."""
    codes, stamps = layout
    dtype = getattr(values, "dtype", None)
    if isinstance(values, (pd.Series, pd.Index)):
        numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        values = values.to_numpy(dtype=float, na_value=np.nan) if numeric else values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != len(codes):
        raise DataValidationError(
            f"{name} must be 1-D with one value per row ({len(codes)}), got shape {array.shape}."
        )
    if array.dtype.kind not in "biuf":
        raise DataValidationError(
            f"{name} must be numeric, got dtype {dtype or array.dtype}; convert it with "
            "pd.to_numeric (and encode text labels as numbers or pass them as a category)."
        )
    out = array.astype(np.float64)
    checks = [(np.isinf(out), "infinite values", "replace them with NaN or a finite value")]
    if not negative:
        checks.append((out < 0, "negative values", "prices must be >= 0; fix or drop them"))
    for mask, what, fix in checks:
        if mask.any():
            raise DataValidationError(
                f"{name} has {int(mask.sum())} {what} in "
                f"{_describe_rows(mask, codes, stamps, ids)}; {fix}."
            )
    return out
