"""The standard Theta method for many series at once (private).

Assimakopoulos & Nikolopoulos (2000) forecast with the average of two
"theta lines": the linear trend (theta = 0) and simple exponential smoothing
of the series with doubled curvature (theta = 2). Hyndman & Billah (2003)
showed the result equals simple exponential smoothing with drift::

    yhat[T+h] = l_T + (b0 / 2) * ((h - 1) + 1/alpha - (1 - alpha)**n / alpha)

where ``l_T`` and ``alpha`` come from SES fitted to the series,
``b0`` is the least-squares slope of the series on time and ``n`` the number
of observations. As in the M4 competition benchmark, series with a
significant seasonal autocorrelation are first divided by classical
multiplicative seasonal factors, and the forecasts multiplied back.

The SES step reuses :func:`forecastkit.timeseries._ets.fit_ets`, so the whole
method is vectorized across series.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from forecastkit._validation import positive_int
from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._ets import fit_ets
from forecastkit.timeseries._simple import _check_panel, _lengths, _row_chunks

__all__ = ["fit_theta", "seasonality_test"]

logger = logging.getLogger(__name__)

_Z90 = 1.645  # two-sided 90% normal critical value used by the M4 benchmarks


def _centered(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deviations from each row's mean with NaN set to 0, and observation counts."""
    count = np.sum(~np.isnan(Y), axis=1)
    total = np.nansum(Y, axis=1)
    mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    return np.nan_to_num(Y - mean[:, None], nan=0.0), count


def seasonality_test(Y: np.ndarray, *, season_length: int) -> np.ndarray:
    """90% autocorrelation test for seasonality at lag ``m``, per row (the M4 rule).

    Seasonal when ``|r_m| > 1.645 * sqrt((1 + 2 * sum_{k=1}^{m-1} r_k**2) / n)``,
    with ``r_k`` the lag-``k`` sample autocorrelation (Bartlett's variance of
    ``r_m`` under an MA(m-1) null) and ``n`` the number of observations.
    Rows with fewer than ``3 m`` observations, a constant value or ``m < 2``
    are not seasonal.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.
    season_length : int
        Season length ``m``.

    Returns
    -------
    numpy.ndarray
        ``(n_series,)`` bool.

    References
    ----------
    Makridakis, S., Spiliotis, E. & Assimakopoulos, V. (2020). The M4
    Competition: 100,000 time series and 61 forecasting methods. *IJF* 36(1),
    54-74 (benchmark methods: seasonality test and classical decomposition).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> weekly = np.tile([5.0, 1, 1, 1, 1, 1, 9], 8) + rng.normal(0, 0.5, 56)
    >>> noise = rng.normal(10, 1, 56)
    >>> seasonality_test(np.vstack([weekly, noise]), season_length=7).tolist()
    [True, False]
    """
    Y = _check_panel(Y)
    m = positive_int(season_length, "season_length")
    out = np.zeros(Y.shape[0], bool)
    if m < 2 or Y.shape[1] <= m:
        return out
    for rows in _row_chunks(Y.shape[0]):
        D, count = _centered(Y[rows])
        denom = np.sum(D**2, axis=1)
        acf = np.stack([np.sum(D[:, k:] * D[:, :-k], axis=1) for k in range(1, m + 1)], axis=1)
        r = np.divide(acf, denom[:, None], out=np.zeros_like(acf), where=denom[:, None] > 0)
        limit = _Z90 * np.sqrt((1 + 2 * np.sum(r[:, :-1] ** 2, axis=1)) / np.maximum(count, 1))
        out[rows] = (np.abs(r[:, -1]) > limit) & (count >= 3 * m) & (denom > 0)
    return out


def _classical_factors(Y: np.ndarray, m: int) -> np.ndarray:
    """Multiplicative seasonal factors ``(n, m)`` by column modulo ``m`` (classical decomposition).

    Centred moving average (``2 x m`` for even ``m``), ratios of the data to
    it, averaged per season position ignoring NaN, normalised to mean 1: as
    ``statsmodels.tsa.seasonal.seasonal_decompose(model="multiplicative")``.
    """
    weights = np.ones(m) / m if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5] / m
    width, T = weights.size, Y.shape[1]
    half = width // 2
    trend = np.full(Y.shape, np.nan)
    inner = np.zeros((Y.shape[0], T - width + 1))
    for k, w in enumerate(weights):
        inner += w * Y[:, k : T - width + 1 + k]
    trend[:, half : T - half] = inner
    ratio = Y / trend
    factors = np.empty((Y.shape[0], m))
    position = np.arange(T) % m
    for p in range(m):
        block = ratio[:, position == p]
        ok = ~np.isnan(block)
        factors[:, p] = np.where(ok, block, 0.0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)
    return factors / factors.mean(axis=1, keepdims=True)


def _seasonal_factors(
    Y: np.ndarray, lengths: np.ndarray, m: int, deseasonalize: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row factors ``(n, m)`` (ones when not adjusted) and the mask of adjusted rows."""
    n = Y.shape[0]
    factors = np.ones((n, m))
    if m < 2 or deseasonalize == "never":
        return factors, np.zeros(n, bool)
    positive = ~np.any(Y <= 0, axis=1) & (lengths >= (3 if deseasonalize == "test" else 2) * m)
    if deseasonalize == "test":
        candidates = np.flatnonzero(positive)
        positive[candidates] = seasonality_test(Y[candidates], season_length=m)
    rows = np.flatnonzero(positive)
    for part in _row_chunks(rows.size):
        sub = rows[part]
        found = _classical_factors(Y[sub], m)
        good = np.all(np.isfinite(found) & (found > 0), axis=1)
        factors[sub[good]] = found[good]
        positive[sub[~good]] = False
    return factors, positive


def _slopes(Y: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row on time (0 with fewer than two observations)."""
    out = np.zeros(Y.shape[0])
    t = np.arange(Y.shape[1], dtype=float) - Y.shape[1] / 2  # centred: smaller sums
    for rows in _row_chunks(Y.shape[0]):
        ok = ~np.isnan(Y[rows])
        filled = np.where(ok, Y[rows], 0.0)
        okf = ok.astype(float)
        count, st, stt = ok.sum(axis=1), okf @ t, okf @ t**2
        sy, sty = filled.sum(axis=1), filled @ t
        denom = count * stt - st**2
        good = (count >= 2) & (denom > 0)
        np.divide(count * sty - st * sy, denom, out=out[rows], where=good)
    return out


def fit_theta(
    Y: np.ndarray,
    *,
    season_length: int = 1,
    deseasonalize: Literal["test", "always", "never"] = "test",
    grid: Literal["fast", "default", "fine"] = "default",
    alpha: float | np.ndarray | None = None,
) -> KernelFit:
    """Fit the standard Theta method (SES with drift ``b0 / 2``) to every series.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``.
    season_length : int, default=1
        Season length ``m`` of the seasonal adjustment.
    deseasonalize : {"test", "always", "never"}, default="test"
        ``"test"``: divide by classical multiplicative seasonal factors the
        strictly positive series with at least ``3 m`` observations that pass
        :func:`seasonality_test` (the M4 benchmark rule); ``"always"``: every
        strictly positive series with at least ``2 m`` observations;
        ``"never"``: no adjustment.
    grid : {"fast", "default", "fine"}, default="default"
        Search grid of the SES smoothing parameter (see :func:`fit_ets`).
    alpha : float or numpy.ndarray, optional
        Fixed SES parameter instead of the search.

    Returns
    -------
    KernelFit
        ``name="theta"``; ``params`` ``alpha``, ``b0`` (the slope; the drift
        is ``b0 / 2``) and ``seasonal`` (1.0 where adjusted); residuals
        ``y_t`` minus the Theta forecast from origin ``t - 1`` (same ``b0``);
        ``variance(h) = f_h**2 * sigma**2 * (1 + alpha**2 (h - 1))``, the
        SES-with-drift state-space variance on the adjusted scale
        (``sigma``: root mean square of the adjusted residuals, ``f_h``: the
        seasonal factor); ``simulate`` adds ``f_h (e'_h + alpha * sum_{i<h}
        e'_i)`` with ``e'_i = errors_i / f_i`` to the forecast.

    References
    ----------
    Assimakopoulos, V. & Nikolopoulos, K. (2000). The theta model: a
    decomposition approach to forecasting. *IJF* 16(4), 521-530.
    Hyndman, R.J. & Billah, B. (2003). Unmasking the Theta method. *IJF*
    19(2), 287-290, eq. (3).

    Examples
    --------
    >>> Y = np.array([np.arange(1.0, 31.0)])  # a straight line, slope 1
    >>> fit = fit_theta(Y, alpha=0.5)
    >>> fit.params["b0"].round(6).tolist()
    [1.0]
    >>> # SES ends at 30 - (1 - a) / a = 29; drift b0 / 2 * (h - 1 + 1 / a) = 1, 1.5, 2
    >>> np.round(fit.mean(3), 3).tolist()
    [[30.0, 30.5, 31.0]]
    """
    Y = _check_panel(Y)
    m = positive_int(season_length, "season_length")
    if deseasonalize not in ("test", "always", "never"):
        raise InvalidParameterError(
            f"deseasonalize={deseasonalize!r} is not valid; choose 'test', 'always' or 'never'."
        )
    n, T = Y.shape
    starts, lengths = _lengths(Y)
    factors, adjusted = _seasonal_factors(Y, lengths, m, deseasonalize)
    adjusted_y = _divide_rows(Y, factors, np.flatnonzero(adjusted))
    b0 = _slopes(adjusted_y)
    ses = fit_ets(adjusted_y, grid=grid, params=None if alpha is None else {"alpha": alpha})
    del adjusted_y
    a = ses.params["alpha"]
    level = ses.mean(1)[:, 0]
    residuals, sigma2 = ses.residuals, np.zeros(n)  # SES residuals become Theta residuals
    log_q = np.log1p(-np.clip(a, None, 1.0 - 1e-12))
    for rows in _row_chunks(n):
        steps = np.maximum(np.arange(T) - starts[rows, None], 0)
        block = residuals[rows]  # a view: updated in place
        block -= b0[rows, None] / 2 * -np.expm1(steps * log_q[rows, None]) / a[rows, None]
        ok = ~np.isnan(block)
        sigma2[rows] = np.sum(np.where(ok, block, 0.0) ** 2, axis=1) / np.maximum(ok.sum(1), 1)
        block *= factors[rows][:, np.arange(T) % m]
    notes = {k: v for k, v in ses.notes.items() if k == "empty"}
    if adjusted.any():
        notes["seasonal_adjusted"] = np.flatnonzero(adjusted)
    short = (lengths > 0) & (np.sum(~np.isnan(Y), axis=1) < 2)
    if short.any():
        notes["short_for_trend"] = np.flatnonzero(short)
    return _assemble(level, a, b0, factors, adjusted, sigma2, residuals, lengths, notes, T)


def _divide_rows(Y: np.ndarray, factors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``Y`` with ``rows`` divided by their seasonal factors (``Y`` itself when no row is)."""
    if rows.size == 0:
        return Y
    out = Y.copy()
    cols = np.arange(Y.shape[1]) % factors.shape[1]
    for part in _row_chunks(rows.size):
        sub = rows[part]
        out[sub] = Y[sub] / factors[sub][:, cols]
    return out


def _assemble(
    level: np.ndarray,
    a: np.ndarray,
    b0: np.ndarray,
    factors: np.ndarray,
    adjusted: np.ndarray,
    sigma2: np.ndarray,
    residuals: np.ndarray,
    lengths: np.ndarray,
    notes: dict,
    width: int,
) -> KernelFit:
    m = factors.shape[1]

    def future_factors(h: int) -> np.ndarray:
        return factors[:, (width - 1 + np.arange(1, h + 1)) % m]

    def mean(h: int) -> np.ndarray:
        steps = np.arange(h)[None, :]
        drift = b0[:, None] / 2 * (steps + (1 - (1 - a[:, None]) ** lengths[:, None]) / a[:, None])
        return (level[:, None] + drift) * future_factors(h)

    def variance(h: int) -> np.ndarray:
        growth = 1 + a[:, None] ** 2 * np.arange(h)[None, :]
        return future_factors(h) ** 2 * sigma2[:, None] * growth

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        errors = np.asarray(errors, dtype=float)[:, :, :h]
        f = future_factors(h)[:, None, :]
        scaled = errors / f
        before = np.cumsum(scaled, axis=2) - scaled  # sum over i < j
        return mean(h)[:, None, :] + errors + a[:, None, None] * f * before

    return KernelFit(
        name="theta",
        mean=mean,
        residuals=residuals,
        params={"alpha": a, "b0": b0, "seasonal": adjusted.astype(float)},
        variance=variance,
        simulate=simulate,
        n_params=3.0 + (m - 1) * adjusted,
        notes=notes,
    )
