"""Long frames to right-aligned panels, the layout of the vectorized kernels (private).

A panel is a float64 array ``Y`` of shape ``(n_series, T)`` in which row
``i`` holds series ``i``'s last ``lengths[i]`` observations in its last
columns, and NaN before them (left padding). Every series' last observation
sits in column ``T - 1``, so

* a forecast origin is the same column for all series (each series keeps its
  own last date, from which its future dates are built);
* holding out the last ``k`` periods for validation is the slice
  ``Y[:, :-k]``.

Kernels recurse over the columns once, vectorized over series (and over a
grid of parameters), and start each series' recursion at its first
observed column ``T - lengths[i]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastkit.errors import InvalidParameterError

__all__ = ["Panel", "check_panel", "to_panel"]


@dataclass(frozen=True)
class Panel:
    """Right-aligned, NaN-padded matrix of many series.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_series, T)`` float64; NaN left of each series' first observation.
    lengths : numpy.ndarray
        ``(n_series,)`` int64 number of observations of each series.
    ids : numpy.ndarray
        Series ids in row order.
    last_dates : pandas.Series
        Last observed date of each series, indexed by id (row order).
    """

    values: np.ndarray
    lengths: np.ndarray
    ids: np.ndarray
    last_dates: pd.Series

    @property
    def starts(self) -> np.ndarray:
        """Column of each series' first observation."""
        return self.values.shape[1] - self.lengths

    def head(self, k: int) -> Panel:
        """The panel without its last ``k`` columns (each series loses its last ``k``)."""
        if k <= 0:
            return self
        lengths = np.maximum(self.lengths - k, 0)
        return Panel(self.values[:, :-k], lengths, self.ids, self.last_dates)


def to_panel(df: pd.DataFrame, *, id_col: str, time_col: str, target_col: str) -> Panel:
    """Right-align the target of a prepared long frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`forecastkit.data.prepare`: sorted by id and date,
        one row per period inside each series' range.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    Panel

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "a", "b"],
    ...                    "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                          "2024-01-05"]),
    ...                    "y": [1.0, 2.0, 3.0, 9.0]})
    >>> panel = to_panel(df, id_col="unique_id", time_col="ds", target_col="y")
    >>> panel.values
    array([[ 1.,  2.,  3.],
           [nan, nan,  9.]])
    >>> panel.lengths.tolist(), panel.last_dates.dt.day.tolist()
    ([3, 1], [3, 5])
    """
    codes, ids = pd.factorize(df[id_col], sort=False)
    lengths = np.bincount(codes, minlength=len(ids)).astype(np.int64)
    width = int(lengths.max()) if lengths.size else 0
    values = np.full((len(ids), width), np.nan)
    # position from the end of each series: 0 for its last row
    ends = np.cumsum(lengths)
    from_end = ends[codes] - 1 - np.arange(codes.size)
    values[codes, width - 1 - from_end] = df[target_col].to_numpy(dtype=float)
    last = df[time_col].to_numpy()[ends - 1] if codes.size else np.array([], "datetime64[ns]")
    id_values = np.asarray(ids)
    return Panel(values, lengths, id_values, pd.Series(last, index=pd.Index(id_values)))


def check_panel(Y: np.ndarray) -> np.ndarray:
    """``Y`` as a 2-D float64 array, or an :class:`InvalidParameterError`.

    Shared by every kernel: a panel is ``(n_series, T)``, NaN marks missing
    cells, infinite values are refused.
    """
    arr = np.asarray(Y, dtype=float)
    if arr.ndim != 2:
        raise InvalidParameterError(
            f"Y must be a 2-D panel (n_series, T); got an array with shape {arr.shape}. "
            "Build it with forecastkit.timeseries._panel.to_panel."
        )
    if np.isinf(arr).any():
        raise InvalidParameterError(
            "Y contains infinite values; replace them with NaN (missing) or finite numbers."
        )
    return arr
