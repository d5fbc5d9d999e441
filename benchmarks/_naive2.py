"""M4's Naive2 benchmark: the naive forecast of the seasonally adjusted series.

Naive2 is the yardstick of the M4 competition (OWA = 1 by definition). It
follows the M4 benchmark code (``Benchmarks()`` in the R script of the M4
repository, Makridakis et al., *M4 Competitors' Guide*, 2018):

1. a 90% autocorrelation test decides whether a series is seasonal at lag
   ``m``: ``|r_m| > 1.645 * sqrt((1 + 2 * sum_{k<m} r_k^2) / n)``, only for
   series with at least ``3 m`` values (and ``m`` within R's default
   ``acf`` lag range, ``floor(10 log10 n)``);
2. seasonal series are divided by the seasonal indices of a classical
   multiplicative decomposition (R's ``decompose``: centred ``2 x m`` moving
   average, mean ratio per season position, indices rescaled to mean 1);
3. the last adjusted value is carried forward and re-seasonalised with the
   indices of the forecast periods.

Non-seasonal series (and ``m = 1``, as M4 used for weekly data) get the plain
naive forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_T_CRIT = 1.645  # qnorm(0.95): a two-sided 90% limit, as in the M4 code


def acf(y: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelations ``r_1 .. r_max_lag`` (R's ``acf`` estimator)."""
    dev = y - y.mean()
    denom = float(dev @ dev)
    return np.array([float(dev[k:] @ dev[:-k]) / denom for k in range(1, max_lag + 1)])


def is_seasonal(y: np.ndarray, m: int) -> bool:
    """M4's 90% autocorrelation test for seasonality at lag ``m``."""
    n = len(y)
    if m <= 1 or n < 3 * m or m > int(np.floor(10 * np.log10(n))):
        return False
    r = acf(y, m)
    limit = _T_CRIT / np.sqrt(n) * np.sqrt(1 + 2 * np.sum(r[: m - 1] ** 2))
    return bool(abs(r[m - 1]) > limit)


def seasonal_indices(y: np.ndarray, m: int) -> np.ndarray:
    """Multiplicative seasonal indices of positions ``0 .. m-1`` (R's ``decompose``).

    Position ``i`` is the season of ``y[i], y[i + m], ...``; the indices have
    mean 1.
    """
    if m % 2 == 0:
        weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        weights = np.ones(m) / m
    half = len(weights) // 2
    trend = np.full(len(y), np.nan)
    trend[half : len(y) - half] = np.convolve(y, weights, mode="valid")
    ratio = y / trend
    padded = np.full(-(-len(y) // m) * m, np.nan)
    padded[: len(y)] = ratio
    figure = np.nanmean(padded.reshape(-1, m), axis=0)
    return figure / figure.mean()


def naive2_forecast(y: np.ndarray, m: int, h: int) -> np.ndarray:
    """Naive2 forecast of one series for steps ``1 .. h``."""
    y = np.asarray(y, dtype=float)
    if not is_seasonal(y, m):
        return np.full(h, y[-1])
    index = seasonal_indices(y, m)
    n = len(y)
    level = y[-1] / index[(n - 1) % m]
    return level * index[(n + np.arange(h)) % m]


def naive2(
    df: pd.DataFrame,
    *,
    h: int,
    season_length: int,
    freq: str,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Naive2 forecasts of every series of a long, regular, sorted-per-series frame.

    Returns ``id_col, time_col, yhat`` with ``h`` rows per series, the dates
    continuing each series at ``freq``.
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    parts = []
    for uid, group in df.sort_values([id_col, time_col]).groupby(id_col, sort=False):
        last = group[time_col].iloc[-1]
        parts.append(
            pd.DataFrame(
                {
                    id_col: uid,
                    time_col: pd.date_range(last + offset, periods=h, freq=offset),
                    "yhat": naive2_forecast(group[target_col].to_numpy(), season_length, h),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
