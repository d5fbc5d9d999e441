"""Future date grids for forecasts (private helper shared by the forecasters)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["future_frame"]


def future_frame(
    last_dates: pd.Series,
    h: int,
    freq: str,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
) -> pd.DataFrame:
    """Build the ``h`` future periods after each series' last date.

    Parameters
    ----------
    last_dates : pandas.Series
        Last observed date of each series, indexed by series id.
    h : int
        Number of future periods.
    freq : str
        pandas offset alias of the series (``"D"``, ``"W-FRI"``, ``"MS"``...).
    id_col, time_col : str
        Names of the output columns.

    Returns
    -------
    pandas.DataFrame
        ``id_col``, ``time_col`` and ``step`` (1..h), series in the order of
        ``last_dates`` and dates ascending within each series.

    Examples
    --------
    >>> last = pd.Series(pd.to_datetime(["2024-01-31", "2024-02-29"]), index=["a", "b"])
    >>> future_frame(last, 2, "MS")["ds"].dt.strftime("%Y-%m-%d").tolist()
    ['2024-02-01', '2024-03-01', '2024-03-01', '2024-04-01']
    """
    if int(h) != h or h < 1:
        raise ValueError(f"h must be a positive integer number of periods, got {h!r}.")
    h = int(h)
    n = len(last_dates)
    last = pd.DatetimeIndex(last_dates.to_numpy())
    dates = np.empty((n, h), dtype="datetime64[ns]")
    # Series usually share a handful of end dates: build each grid once.
    codes, uniques = pd.factorize(last)
    for k, start in enumerate(uniques):
        grid = pd.date_range(start, periods=h + 1, freq=freq)
        if grid[0] != start:  # start not on the grid: the first anchored date is the next one
            grid = pd.date_range(start, periods=h, freq=freq)
        else:
            grid = grid[1:]
        dates[codes == k] = grid.to_numpy(dtype="datetime64[ns]")
    return pd.DataFrame(
        {
            id_col: np.repeat(last_dates.index.to_numpy(), h),
            time_col: dates.ravel(),
            "step": np.tile(np.arange(1, h + 1), n),
        }
    )
