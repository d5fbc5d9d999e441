"""Benchmark forecasts as vectorized kernels: naive, seasonal naive, moving average, mean (private).

Every function takes the right-aligned panel values ``Y`` of shape
``(n_series, T)`` (NaN left of each series' first observation, see
:mod:`forecastkit.timeseries._panel`) and returns one
:class:`~forecastkit.timeseries._base.KernelFit` for all rows, computed with
whole-array operations (no loop over series).

Forecast variances follow Hyndman & Athanasopoulos, *Forecasting: Principles
and Practice*, 3rd ed. (FPP3), section 5.5, Table 5.2, with ``sigma`` the
root mean squared one-step residual (:meth:`KernelFit.sigma`). ``simulate``
takes errors in the units of ``y`` (for instance standard normal draws times
``KernelFit.sigma()``) and adds them through each method's own recursion.

Rows without any observation get NaN forecasts and are listed in
``notes["empty"]``; every row with at least one observation gets finite
forecasts and variances.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np

from forecastkit._validation import positive_int
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._panel import check_panel as _check_panel

__all__ = ["fit_mean", "fit_moving_average", "fit_naive", "fit_seasonal_naive"]

logger = logging.getLogger(__name__)

_ROW_CHUNK = 4096


# ---------------------------------------------------------------------- shared helpers
def _row_chunks(n: int, size: int = _ROW_CHUNK) -> Iterator[slice]:
    """Slices of at most ``size`` consecutive rows (bounds temporary memory)."""
    for lo in range(0, n, size):
        yield slice(lo, min(lo + size, n))


def _lengths(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: column of the first observation and span to the last column (0 if empty)."""
    if Y.shape[1] == 0:
        return np.zeros(Y.shape[0], np.int64), np.zeros(Y.shape[0], np.int64)
    observed = ~np.isnan(Y)
    any_obs = observed.any(axis=1)
    first = np.where(any_obs, np.argmax(observed, axis=1), Y.shape[1])
    return first.astype(np.int64), (Y.shape[1] - first).astype(np.int64)


def _rms(residuals: np.ndarray) -> np.ndarray:
    """Root mean squared residual per row, 0 when a row has none (as ``KernelFit.sigma``)."""
    out = np.zeros(residuals.shape[0])
    for rows in _row_chunks(residuals.shape[0]):
        block = residuals[rows]
        count = np.sum(~np.isnan(block), axis=1)
        with np.errstate(over="ignore"):
            ss = np.nansum(block**2, axis=1)
        out[rows] = np.sqrt(np.divide(ss, count, out=np.zeros_like(ss), where=count > 0))
    return out


def _nanmean_rows(Y: np.ndarray) -> np.ndarray:
    """Row means ignoring NaN; NaN for rows without observations, without a warning."""
    out = np.full(Y.shape[0], np.nan)
    for rows in _row_chunks(Y.shape[0]):
        count = np.sum(~np.isnan(Y[rows]), axis=1)
        total = np.nansum(Y[rows], axis=1)
        np.divide(total, count, out=out[rows], where=count > 0)
    return out


def _last_observed(Y: np.ndarray) -> np.ndarray:
    """Last non-NaN value of each row (NaN for empty rows)."""
    if Y.shape[1] == 0:
        return np.full(Y.shape[0], np.nan)
    observed = ~np.isnan(Y)
    last = Y.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    values = Y[np.arange(Y.shape[0]), last]
    return np.where(observed.any(axis=1), values, np.nan)


def _empty_notes(lengths: np.ndarray) -> dict:
    empty = np.flatnonzero(lengths == 0)
    return {"empty": empty} if empty.size else {}


def _flat(values: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(np.asarray(values, dtype=float)[:, None], h, axis=1)


# ---------------------------------------------------------------------- naive
def fit_naive(Y: np.ndarray) -> KernelFit:
    """Naive (random walk) forecasts: every future value equals the last observation.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.

    Returns
    -------
    KernelFit
        ``name="naive"``; residuals ``y[t] - y[t-1]`` (NaN next to a missing
        value); ``variance(h) = sigma**2 * h`` (FPP3 Table 5.2); ``simulate``
        accumulates the errors as a random walk, ``y[T+j] = y[T] + e[1] + ... + e[j]``.

    Examples
    --------
    >>> Y = np.array([[1.0, 3.0, 2.0], [np.nan, np.nan, 5.0]])
    >>> fit = fit_naive(Y)
    >>> fit.mean(2).tolist()
    [[2.0, 2.0], [5.0, 5.0]]
    >>> np.round(fit.variance(2), 2).tolist()  # sigma**2 = (2**2 + 1**2) / 2
    [[2.5, 5.0], [0.0, 0.0]]
    """
    Y = _check_panel(Y)
    _, lengths = _lengths(Y)
    last = _last_observed(Y)
    residuals = np.empty(Y.shape)
    residuals[:, :1] = np.nan
    np.subtract(Y[:, 1:], Y[:, :-1], out=residuals[:, 1:])
    sigma2 = _rms(residuals) ** 2

    def mean(h: int) -> np.ndarray:
        return _flat(last, h)

    def variance(h: int) -> np.ndarray:
        return sigma2[:, None] * np.arange(1, h + 1)

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        return last[:, None, None] + np.cumsum(errors[:, :, :h], axis=2)

    return KernelFit(
        name="naive",
        mean=mean,
        residuals=residuals,
        params={},
        variance=variance,
        simulate=simulate,
        n_params=np.zeros(Y.shape[0]),
        notes=_empty_notes(lengths),
    )


# ---------------------------------------------------------------------- seasonal naive
def fit_seasonal_naive(Y: np.ndarray, *, season_length: int) -> KernelFit:
    """Seasonal naive forecasts: repeat the last observed season.

    ``yhat[T + j] = y[T + j - m * (k + 1)]`` with ``k = floor((j - 1) / m)``.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.
    season_length : int
        Season length ``m`` (1 gives the naive method).

    Returns
    -------
    KernelFit
        ``name="seasonal_naive"``; residuals ``y[t] - y[t-m]``;
        ``variance(h) = sigma**2 * (floor((h - 1) / m) + 1)`` (FPP3 Table 5.2);
        ``simulate`` adds to each season position the running sum of the
        errors at that position (a seasonal random walk).

    Notes
    -----
    Series with fewer than ``m`` observations cannot repeat a season: they
    get the mean method instead (forecast = their mean, residuals ``y - mean``,
    variance ``sigma**2 * (1 + 1/n)``), listed in ``notes["short_for_season"]``.
    A missing value inside the last season is replaced by the series mean
    (``notes["missing_in_last_season"]``).

    Examples
    --------
    >>> Y = np.array([[1.0, 2, 3, 4, 5, 6], [np.nan, np.nan, np.nan, np.nan, 2, 4]])
    >>> fit = fit_seasonal_naive(Y, season_length=3)
    >>> fit.mean(4).tolist()
    [[4.0, 5.0, 6.0, 4.0], [3.0, 3.0, 3.0, 3.0]]
    >>> fit.notes["short_for_season"].tolist()
    [1]
    """
    Y = _check_panel(Y)
    m = positive_int(season_length, "season_length")
    n, T = Y.shape
    _, lengths = _lengths(Y)
    means = _nanmean_rows(Y)
    short = (lengths < m) & (lengths > 0)
    width = min(m, T)
    last_season = np.full((n, m), np.nan)
    last_season[:, m - width :] = Y[:, T - width :]
    gaps = np.isnan(last_season).any(axis=1) & ~short & (lengths > 0)
    last_season = np.where(np.isnan(last_season), means[:, None], last_season)
    last_season[short] = means[short, None]
    residuals = np.empty(Y.shape)
    residuals[:, :m] = np.nan
    np.subtract(Y[:, m:], Y[:, : T - m], out=residuals[:, m:])
    residuals[short] = Y[short] - means[short, None]
    sigma2 = _rms(residuals) ** 2
    count = np.maximum(np.sum(~np.isnan(Y), axis=1), 1)

    def mean(h: int) -> np.ndarray:
        return last_season[:, np.arange(h) % m]

    def variance(h: int) -> np.ndarray:
        k = np.arange(h) // m + 1.0
        var = sigma2[:, None] * k
        var[short] = (sigma2[short] * (1 + 1 / count[short]))[:, None]
        return var

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        errors = errors[:, :, :h]
        seasons = -(-h // m)
        padded = np.zeros(errors.shape[:2] + (seasons * m,))
        padded[:, :, :h] = errors
        walk = np.cumsum(padded.reshape(errors.shape[:2] + (seasons, m)), axis=2)
        walk = walk.reshape(padded.shape)[:, :, :h]
        walk[short] = errors[short]
        return mean(h)[:, None, :] + walk

    notes = _empty_notes(lengths)
    if short.any():
        notes["short_for_season"] = np.flatnonzero(short)
    if gaps.any():
        notes["missing_in_last_season"] = np.flatnonzero(gaps)
    return KernelFit(
        name="seasonal_naive",
        mean=mean,
        residuals=residuals,
        params={},
        variance=variance,
        simulate=simulate,
        n_params=np.zeros(n),
        notes=notes,
    )


# ---------------------------------------------------------------------- moving average
def _trailing_means(Y: np.ndarray, window: int) -> np.ndarray:
    """Mean of the (up to) ``window`` observations before each column; NaN when none."""
    n, T = Y.shape
    observed = ~np.isnan(Y)
    # S[:, j] = sum of the first j columns; the window before column t sums
    # columns max(t - window, 0) .. t - 1, i.e. S[:, t] - S[:, max(t - window, 0)].
    total = np.zeros((n, T + 1))
    np.cumsum(np.where(observed, Y, 0.0), axis=1, out=total[:, 1:])
    count = np.zeros((n, T + 1))
    np.cumsum(observed, axis=1, out=count[:, 1:])
    k = min(window, T)
    total[:, k + 1 :] -= total[:, 1 : T + 1 - k].copy()
    count[:, k + 1 :] -= count[:, 1 : T + 1 - k].copy()
    total, count = total[:, :T], count[:, :T]
    return np.divide(total, count, out=np.full(Y.shape, np.nan), where=count > 0)


def fit_moving_average(
    Y: np.ndarray, *, window: int | None = None, season_length: int = 1
) -> KernelFit:
    """Moving average forecasts: the mean of the last ``window`` observations, for every step.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.
    window : int, optional
        Number of trailing observations ``k`` averaged; default
        ``season_length`` when it is above 1 (a whole season cancels the
        seasonal pattern), else 7. Shorter series average all they have.
    season_length : int, default=1
        Only used for the default window.

    Returns
    -------
    KernelFit
        ``name="moving_average"``, ``params["window"]``; residuals
        ``y[t] - mean(y[t-k], ..., y[t-1])`` (from the second observation on,
        using the observations available); ``variance(h) = sigma**2`` for
        every ``h``; ``simulate`` returns ``mean + errors``.

    Notes
    -----
    Under the model the method assumes (a locally constant level ``mu`` plus
    independent noise of variance ``s**2``), the forecast error at every
    horizon is ``y - mean of k values``, with variance ``s**2 * (1 + 1/k)``,
    which is exactly what the one-step residuals' mean square ``sigma**2``
    estimates; hence the constant variance. It ignores level drift, so
    intervals are too narrow for trending or random-walk series.

    Examples
    --------
    >>> Y = np.array([[1.0, 2, 3, 4, 5], [np.nan, np.nan, np.nan, 4, 6]])
    >>> fit_moving_average(Y, window=3).mean(2).tolist()
    [[4.0, 4.0], [5.0, 5.0]]
    """
    Y = _check_panel(Y)
    m = positive_int(season_length, "season_length")
    k = positive_int(window if window is not None else (m if m > 1 else 7), "window")
    _, lengths = _lengths(Y)
    level = _nanmean_rows(Y[:, -k:])
    level = np.where(np.isnan(level), _nanmean_rows(Y), level)
    residuals = np.full(Y.shape, np.nan)
    for rows in _row_chunks(Y.shape[0]):
        residuals[rows] = Y[rows] - _trailing_means(Y[rows], k)
    sigma2 = _rms(residuals) ** 2

    def mean(h: int) -> np.ndarray:
        return _flat(level, h)

    def variance(h: int) -> np.ndarray:
        return _flat(sigma2, h)

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        return level[:, None, None] + errors[:, :, :h]

    return KernelFit(
        name="moving_average",
        mean=mean,
        residuals=residuals,
        params={"window": np.full(Y.shape[0], k)},
        variance=variance,
        simulate=simulate,
        n_params=np.zeros(Y.shape[0]),
        notes=_empty_notes(lengths),
    )


# ---------------------------------------------------------------------- mean
def fit_mean(Y: np.ndarray) -> KernelFit:
    """Historical mean forecasts: every future value equals the mean of all observations.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.

    Returns
    -------
    KernelFit
        ``name="mean"``; residuals ``y - mean`` (FPP3 section 5.3: fitted
        values from the full-sample mean, not true one-step forecasts);
        ``variance(h) = sigma**2 * (1 + 1/n)`` with ``n`` the number of
        observations (FPP3 Table 5.2); ``simulate`` returns ``mean + errors``
        (the uncertainty of the mean itself is left out of the paths).

    Examples
    --------
    >>> Y = np.array([[1.0, 2, 6], [np.nan, 0, 0]])
    >>> fit = fit_mean(Y)
    >>> fit.mean(1).tolist()
    [[3.0], [0.0]]
    >>> np.round(fit.variance(1), 3).tolist()  # sigma**2 = (4 + 1 + 9) / 3, times 4/3
    [[6.222], [0.0]]
    """
    Y = _check_panel(Y)
    _, lengths = _lengths(Y)
    level = _nanmean_rows(Y)
    residuals = Y - level[:, None]
    sigma2 = _rms(residuals) ** 2
    count = np.maximum(np.sum(~np.isnan(Y), axis=1), 1)

    def mean(h: int) -> np.ndarray:
        return _flat(level, h)

    def variance(h: int) -> np.ndarray:
        return _flat(sigma2 * (1 + 1 / count), h)

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        return level[:, None, None] + errors[:, :, :h]

    return KernelFit(
        name="mean",
        mean=mean,
        residuals=residuals,
        params={"mean": level},
        variance=variance,
        simulate=simulate,
        n_params=np.ones(Y.shape[0]),
        notes=_empty_notes(lengths),
    )
