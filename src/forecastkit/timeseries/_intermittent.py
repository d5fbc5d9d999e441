"""Intermittent demand kernels: Croston, SBA, TSB, ADIDA and demand classes (private).

Every kernel takes the right-aligned, NaN-left-padded panel ``Y`` of shape
``(n_series, T)`` (:mod:`forecastkit.timeseries._panel`) and returns one
:class:`~forecastkit.timeseries._base.KernelFit`. Recursions loop over time
columns only, all series at once (in row blocks that bound the temporaries);
a grid of smoothing constants is an extra array axis that keeps only the
current states and accumulates the sum of squared errors.

Conventions shared by all kernels
---------------------------------
* A period is a demand when ``y > 0``. NaN periods are skipped (no update,
  no residual). Initialisation follows statsforecast: the size level starts
  at the first demand, the interval level at its interval counted from the
  series start (1 for a demand in the first period), TSB's probability at
  the first period's demand indicator.
* ``residuals``: one-step in-sample errors of the per-period forecast, NaN
  before the model has a forecast (first demand for Croston, first period
  for TSB, first complete bucket for ADIDA).
* ``variance(h)``: ``sigma^2`` at every step, the mean squared one-step
  residual. These methods have no consistent stochastic model (Shenstone &
  Hyndman 2005), so the per-period variance is empirical and steps are
  independent (lead-time variance ``L sigma^2``). Without any residual (one
  sale in the last period, length 1) it is ``max(var(y), mean(y))`` of the
  observed values, a Poisson floor.
* ``simulate`` is None: additive errors give negative, fractional paths for
  intermittent demand. :func:`sample_intermittent` draws compound Bernoulli
  paths from ``params["demand_probability"]``, ``params["demand_size"]``
  (their product is the forecast) and ``params["size_variance"]``.
* All-zero and empty rows forecast 0 with variance 0; forecasts are never
  negative. ``notes`` holds row indices: ``"no_demand"`` (observed, all
  zero), ``"single_demand"``, ``"no_residuals"`` (variance from the
  fallback) and ``"empty"`` (no observation).

References
----------
Croston (1972), Operational Research Quarterly 23(3), 289-303.
Syntetos & Boylan (2005), International Journal of Forecasting 21(2), 303-314.
Syntetos, Boylan & Croston (2005), J. Operational Research Society 56, 495-503.
Teunter, Syntetos & Babai (2011), European J. Operational Research 214(3), 606-615.
Nikolopoulos, Syntetos, Boylan, Petropoulos & Assimakopoulos (2011), JORS 62(3), 544-554.
Shenstone & Hyndman (2005), Journal of Forecasting 24, 389-402.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forecastkit._validation import positive_int
from forecastkit.errors import InsufficientDataError, InvalidParameterError
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._panel import check_panel

__all__ = [
    "DEMAND_CATEGORIES",
    "adida",
    "classify_demand",
    "croston_classic",
    "croston_optimized",
    "croston_sba",
    "sample_intermittent",
    "tsb",
]

logger = logging.getLogger(__name__)

DEMAND_CATEGORIES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand", "too_short")
"""Categories of :func:`classify_demand`, in the order of its categorical dtype."""

_DEFAULT_GRID = (0.05, 0.1, 0.2, 0.3)
_BLOCK = 2048  # rows per block: bounds the (T, block) transposed copy and the grid states


# ------------------------------------------------------------------ validation
def _check_panel(Y: np.ndarray) -> np.ndarray:
    values = check_panel(Y)
    if values.shape[1] == 0:
        raise InsufficientDataError(
            "the panel has no time column; every series needs at least one period "
            "(hold out fewer periods than the history holds)."
        )
    return values


def _check_alpha(value: float, name: str) -> float:
    alpha = float(value)
    if not 0.0 < alpha <= 1.0:
        raise InvalidParameterError(f"{name}={value!r} is outside (0, 1]; pass e.g. {name}=0.1.")
    return alpha


def _check_grid(values: Sequence[float], name: str) -> np.ndarray:
    grid = np.asarray(values, dtype=float).ravel()
    if grid.size == 0 or np.any(~(grid > 0.0) | (grid > 1.0)):
        raise InvalidParameterError(
            f"{name} must be a non-empty sequence of smoothing constants in (0, 1], "
            f"got {list(values)!r}."
        )
    return grid


# ------------------------------------------------------------- per-series facts
@dataclass(frozen=True)
class _Stats:
    """Per-series counts and moments of a panel (one pass, row blocks)."""

    n_obs: np.ndarray
    n_demands: np.ndarray
    start: np.ndarray  # first observed column (T when none)
    last_demand: np.ndarray  # column of the last demand (-1 when none)
    obs_mean: np.ndarray
    obs_var: np.ndarray
    size_mean: np.ndarray  # mean non-zero size (0 when none)
    size_var: np.ndarray  # population variance of the non-zero sizes (0 when < 2)

    @property
    def adi(self) -> np.ndarray:
        """Mean inter-demand interval, first interval counted from the series start."""
        span = (self.last_demand - self.start + 1).astype(float)
        return np.divide(
            span, self.n_demands, out=np.full(span.shape, np.nan), where=self.n_demands > 0
        )


def _moments(total: np.ndarray, squares: np.ndarray, count: np.ndarray) -> tuple:
    mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    second = np.divide(squares, count, out=np.zeros_like(total), where=count > 0)
    return mean, np.clip(second - mean**2, 0.0, None)


def _demand_stats(Y: np.ndarray) -> _Stats:
    n, T = Y.shape
    parts: list[list[np.ndarray]] = [[] for _ in range(8)]
    for r0 in range(0, max(n, 1), _BLOCK):
        block = Y[r0 : r0 + _BLOCK]
        obs = ~np.isnan(block)
        dem = block > 0
        n_obs, n_dem = obs.sum(axis=1), dem.sum(axis=1)
        start = np.where(n_obs > 0, np.argmax(obs, axis=1), T)
        last = np.where(n_dem > 0, T - 1 - np.argmax(dem[:, ::-1], axis=1), -1)
        y_obs = np.where(obs, block, 0.0)
        y_dem = np.where(dem, block, 0.0)
        obs_m = _moments(y_obs.sum(axis=1), (y_obs**2).sum(axis=1), n_obs)
        dem_m = _moments(y_dem.sum(axis=1), (y_dem**2).sum(axis=1), n_dem)
        for part, value in zip(parts, (n_obs, n_dem, start, last, *obs_m, *dem_m), strict=True):
            part.append(value)
    return _Stats(*(np.concatenate(p) for p in parts))


# ------------------------------------------------------------------ recursions
@dataclass(frozen=True)
class _Pass:
    """Result of one pass of the Croston / TSB recursion over a panel."""

    size: np.ndarray  # (n, g1) final size level z
    second: np.ndarray  # (n, g2) final interval level p (Croston) or probability (TSB)
    sse: np.ndarray  # (n, g1, g2) sum of squared one-step errors of the per-period forecast
    count: np.ndarray  # (n,) number of one-step errors
    residuals: np.ndarray | None  # (n, T) when g1 == g2 == 1 and asked for


def _rows(alpha: np.ndarray, r0: int, r1: int) -> np.ndarray:
    return alpha if alpha.shape[0] == 1 else alpha[r0:r1]


def _block_masks(YT: np.ndarray, anchor: Literal["demand", "observation"]) -> tuple:
    """Precomputed per-block arrays so that the time loop does arithmetic only.

    Returns the zero-filled values, the demand mask, each column's first
    observation and first demand (``T`` when none), the mask of one-step
    forecasts (``valid``: after the anchor and observed) and ``bad``, the cells
    whose error would not vanish by itself without a forecast (the anchor
    period, gaps) and is zeroed instead of masking every row.
    """
    T = YT.shape[0]
    obs = ~np.isnan(YT)
    Y0 = np.where(obs, YT, 0.0)
    dem = Y0 > 0
    first_obs = np.where(obs.any(axis=0), obs.argmax(axis=0), T)
    first_dem = np.where(dem.any(axis=0), dem.argmax(axis=0), T)
    after = np.arange(T)[:, None] > (first_dem if anchor == "demand" else first_obs)
    valid = after & obs
    bad = np.where(after, ~obs, Y0 != 0)
    return Y0, obs, dem, first_obs, first_dem, valid, bad


def _events(first: np.ndarray, T: int) -> np.ndarray:
    """Boolean ``(T,)``: periods in which some column has its first event."""
    return np.bincount(first[first < T], minlength=T).astype(bool)


def _score(y0, fcst, bad_t, sse, resT, t) -> None:
    """Add the squared one-step errors ``(y - fcst)^2`` to ``sse`` (``fcst`` is overwritten)."""
    err = np.subtract(y0[:, None, None], fcst, out=fcst)
    if resT is not None:
        resT[t] = err[:, 0, 0]
    np.multiply(err, err, out=err)
    if bad_t is not None:
        err[bad_t] = 0.0
    sse += err


def _croston_block(YT, a_size, a_interval, factor, resT) -> tuple:
    """Croston recursion over the columns of one row block (see :func:`croston_classic`)."""
    T, B = YT.shape
    Y0, _, dem, first_obs, first_dem, valid, bad = _block_masks(YT, "demand")
    any_dem, any_bad, any_first = dem.any(axis=1), bad.any(axis=1), _events(first_dem, T)
    z, p = np.zeros((B, a_size.shape[1])), np.ones((B, a_interval.shape[1]))
    scale = factor / p  # the per-period forecast is z * scale
    sse = np.zeros((B, z.shape[1], p.shape[1]))
    buf = np.empty_like(sse)
    last = first_obs - 1.0  # the first interval counts from the series start
    for t in range(T):
        y0 = Y0[t]
        np.multiply(z[:, :, None], scale[:, None, :], out=buf)
        _score(y0, buf, bad[t] if any_bad[t] else None, sse, resT, t)
        if not any_dem[t]:
            continue
        d = dem[t]
        interval = t - last
        z += (a_size * d[:, None]) * (y0[:, None] - z)
        p += (a_interval * d[:, None]) * (interval[:, None] - p)
        if any_first[t]:  # levels start at the first demand and its interval
            first = first_dem == t
            z[first], p[first] = y0[first, None], interval[first, None]
        np.divide(factor, p, out=scale)
        np.copyto(last, t, where=d)
    return z, p, sse, valid


def _tsb_block(YT, a_size, a_prob, factor, resT) -> tuple:
    """TSB recursion over the columns of one row block (see :func:`tsb`)."""
    T, B = YT.shape
    Y0, obs, dem, first_obs, first_dem, valid, bad = _block_masks(YT, "observation")
    any_dem, any_bad = dem.any(axis=1), bad.any(axis=1)
    any_new, any_first = _events(first_obs, T), _events(first_dem, T)
    z, prob = np.zeros((B, a_size.shape[1])), np.zeros((B, a_prob.shape[1]))
    sse = np.zeros((B, z.shape[1], prob.shape[1]))
    buf = np.empty_like(sse)
    for t in range(T):
        y0, d = Y0[t], dem[t]
        np.multiply(z[:, :, None], prob[:, None, :], out=buf)
        _score(y0, buf, bad[t] if any_bad[t] else None, sse, resT, t)
        prob += (a_prob * obs[t][:, None]) * (d[:, None] - prob)
        if any_new[t]:  # the probability starts at the first period's indicator
            new = first_obs == t
            prob[new] = d[new, None]
        if any_dem[t]:
            z += (a_size * d[:, None]) * (y0[:, None] - z)
            if any_first[t]:  # the size starts at the first demand
                first = first_dem == t
                z[first] = y0[first, None]
    return z, prob, sse, valid


def _recurse(Y, a_size, a_second, *, kind: str, factor=1.0, residuals=False) -> _Pass:
    """Run a recursion over row blocks; alphas are ``(1 or n, grid)`` arrays."""
    n, T = Y.shape
    g1, g2 = a_size.shape[1], a_second.shape[1]
    size, second = np.zeros((n, g1)), np.zeros((n, g2))
    sse, count = np.zeros((n, g1, g2)), np.zeros(n)
    res = np.empty((n, T)) if residuals else None
    block_fn = _croston_block if kind == "croston" else _tsb_block
    for r0 in range(0, n, _BLOCK):
        r1 = min(n, r0 + _BLOCK)
        YT = np.ascontiguousarray(Y[r0:r1].T)
        resT = np.empty_like(YT) if res is not None else None
        out = block_fn(YT, _rows(a_size, r0, r1), _rows(a_second, r0, r1), factor, resT)
        size[r0:r1], second[r0:r1], sse[r0:r1] = out[:3]
        count[r0:r1] = out[3].sum(axis=0)
        if res is not None and resT is not None:
            resT[~out[3]] = np.nan
            res[r0:r1] = resT.T
    return _Pass(size, second, sse, count, res)


def _ses_block(XT: np.ndarray, alpha: np.ndarray, fittedT: np.ndarray | None) -> tuple:
    """Simple exponential smoothing of the columns of one block (level starts at x_0)."""
    K, B = XT.shape
    X0, obs, _, first_obs, _, valid, _ = _block_masks(XT, "observation")
    gap = valid ^ (np.arange(K)[:, None] > first_obs) if not obs.all() else None
    any_new = _events(first_obs, K)
    level = np.zeros((B, alpha.shape[1]))
    sse, err, sq = np.zeros_like(level), np.empty_like(level), np.empty_like(level)
    for k in range(K):
        x0 = X0[k]
        if any_new[k]:  # the level starts at the first value: no error there
            new = first_obs == k
            level[new] = x0[new, None]
        if fittedT is not None:
            fittedT[k] = level[:, 0]
        np.subtract(x0[:, None], level, out=err)
        if gap is not None and gap[k].any():
            err[gap[k]] = 0.0
        sse += np.multiply(err, err, out=sq)
        err *= alpha
        level += err
    if fittedT is not None:
        fittedT[~valid] = np.nan
    return level, sse, valid.sum(axis=0)


# ------------------------------------------------------------------ assembling
def _build(name: str, forecast, run: tuple, stats: _Stats, params: dict, n_params: int):
    """Wrap a final pass: ``run`` is (residuals, sse, count) per series."""
    residuals, sse, count = run
    level = np.where(stats.n_demands > 0, np.clip(forecast, 0.0, None), 0.0)
    fallback = np.maximum(stats.obs_var, stats.obs_mean)
    sigma2 = np.where(count > 0, sse / np.maximum(count, 1), fallback)
    sigma2 = np.where(stats.n_demands > 0, sigma2, 0.0)

    def mean(h: int) -> np.ndarray:
        return np.repeat(level[:, None], h, axis=1)

    def variance(h: int) -> np.ndarray:
        return np.repeat(sigma2[:, None], h, axis=1)

    has = stats.n_demands > 0
    notes = {
        "no_demand": np.flatnonzero((stats.n_obs > 0) & ~has),
        "single_demand": np.flatnonzero(stats.n_demands == 1),
        "no_residuals": np.flatnonzero((count == 0) & has),
        "empty": np.flatnonzero(stats.n_obs == 0),
    }
    zero = notes["no_demand"].size + notes["empty"].size
    if zero:
        logger.debug("%s: %d all-zero or empty series forecast 0", name, zero)
    return KernelFit(
        name=name,
        mean=mean,
        residuals=residuals,
        params={**params, "size_variance": stats.size_var},
        variance=variance,
        simulate=None,
        n_params=np.full(forecast.shape[0], n_params, dtype=np.int64),
        notes=notes,
    )


def _croston_fit(
    Y: np.ndarray, name: str, a_size: np.ndarray, a_interval: np.ndarray, factor: float, k: int
) -> KernelFit:
    """Final Croston pass with common ``(1,)`` or per-series ``(n,)`` alphas."""
    a_size, a_interval = a_size.reshape(-1, 1), a_interval.reshape(-1, 1)
    run = _recurse(Y, a_size, a_interval, kind="croston", factor=factor, residuals=True)
    z, p = run.size[:, 0], run.second[:, 0]
    stats = _demand_stats(Y)
    z, p = np.where(stats.n_demands > 0, z, 0.0), np.where(stats.n_demands > 0, p, 0.0)
    prob = np.divide(1.0, p, out=np.zeros_like(p), where=p > 0)
    params = {
        "alpha_size": np.broadcast_to(a_size[:, 0], z.shape).copy(),
        "alpha_interval": np.broadcast_to(a_interval[:, 0], z.shape).copy(),
        "size": z,
        "interval": p,
        "demand_probability": prob,
        "demand_size": factor * z,
    }
    fitted = (run.residuals, run.sse[:, 0, 0], run.count)
    return _build(name, factor * z * prob, fitted, stats, params, k)


# ---------------------------------------------------------------------- kernels
def croston_classic(Y: np.ndarray, *, alpha: float = 0.1) -> KernelFit:
    """Croston's method: SES on non-zero sizes and on inter-demand intervals.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel (NaN left padding).
    alpha : float, default=0.1
        Smoothing constant of both the sizes and the intervals.

    Returns
    -------
    KernelFit
        ``name="croston_classic"``; the flat forecast ``z / p``.

    Notes
    -----
    At a demand ``y_t > 0`` with interval ``q_t`` periods since the previous
    one, ``z <- z + alpha (y_t - z)`` and ``p <- p + alpha (q_t - p)``; both
    stay unchanged in zero periods. The per-period forecast is ``z / p``
    (Croston 1972, eqs. 8-9). Initial ``z`` is the first non-zero demand and
    ``p`` its interval from the series start (statsforecast's convention).
    A series with a single sale forecasts ``size / interval`` forever.

    Examples
    --------
    >>> Y = np.array([[0.0, 3, 0, 0, 6, 0]])
    >>> fit = croston_classic(Y, alpha=0.5)
    >>> # z = 3 + 0.5 (6 - 3) = 4.5, p = 2 + 0.5 (3 - 2) = 2.5: 4.5 / 2.5 = 1.8
    >>> fit.mean(2).round(3).tolist()
    [[1.8, 1.8]]
    """
    alpha = _check_alpha(alpha, "alpha")
    a = np.array([alpha])
    return _croston_fit(_check_panel(Y), "croston_classic", a, a, factor=1.0, k=0)


def croston_sba(Y: np.ndarray, *, alpha: float = 0.1) -> KernelFit:
    """Syntetos-Boylan approximation: Croston's forecast times ``1 - alpha / 2``.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    alpha : float, default=0.1
        Smoothing constant of the sizes and intervals; the bias correction
        uses it as the interval constant.

    Returns
    -------
    KernelFit
        ``name="croston_sba"``; forecast ``(1 - alpha / 2) z / p``.

    Notes
    -----
    Croston's ratio ``z / p`` is biased upwards; Syntetos & Boylan (2005,
    eq. 13) multiply it by ``1 - alpha / 2`` (0.95 for alpha = 0.1). The
    in-sample forecasts and residuals carry the same factor.

    Examples
    --------
    >>> fit = croston_sba(np.array([[0.0, 3, 0, 0, 6, 0]]), alpha=0.5)
    >>> round(float(fit.mean(1)[0, 0]), 4)  # 0.75 * 4.5 / 2.5
    1.35
    """
    alpha = _check_alpha(alpha, "alpha")
    a = np.array([alpha])
    return _croston_fit(_check_panel(Y), "croston_sba", a, a, factor=1.0 - alpha / 2, k=0)


def _pick(sse: np.ndarray, count: np.ndarray, g1: np.ndarray, g2: np.ndarray, default: tuple):
    """Per-series grid point with the lowest SSE (the first on ties); default when none."""
    best = np.argmin(sse.reshape(sse.shape[0], g1.size * g2.size), axis=1)
    i, j = np.unravel_index(best, (g1.size, g2.size))
    none = count == 0
    return np.where(none, default[0], g1[i]), np.where(none, default[1], g2[j])


def croston_optimized(Y: np.ndarray, *, alphas: Sequence[float] = _DEFAULT_GRID) -> KernelFit:
    """Croston's method with per-series smoothing constants chosen from a grid.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    alphas : sequence of float, default=(0.05, 0.1, 0.2, 0.3)
        Candidate constants; every pair (size alpha, interval alpha) is tried
        (16 pairs by default; the cost grows with the number of pairs).

    Returns
    -------
    KernelFit
        ``name="croston_optimized"``; ``params`` include ``alpha_size`` and
        ``alpha_interval``.

    Notes
    -----
    The pair minimises the in-sample mean squared one-step error of the
    per-period forecast ``z / p`` (one pass with a ``(grid, grid)`` axis; only
    the current states per grid point are kept). statsforecast's
    ``CrostonOptimized`` instead optimises each SES separately on the sizes
    and on the intervals (golden section in [0.1, 0.3]); forecasts differ
    accordingly. Series without any one-step error get alpha = 0.1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.poisson(0.3, size=(2, 200)).astype(float)
    >>> fit = croston_optimized(Y)
    >>> bool(np.isin(fit.params["alpha_size"], [0.05, 0.1, 0.2, 0.3]).all())
    True
    >>> bool((fit.mean(3) > 0).all())
    True
    """
    values = _check_panel(Y)
    grid = _check_grid(alphas, "alphas")
    scan = _recurse(values, grid[None, :], grid[None, :], kind="croston")
    a_size, a_interval = _pick(scan.sse, scan.count, grid, grid, (0.1, 0.1))
    return _croston_fit(values, "croston_optimized", a_size, a_interval, factor=1.0, k=2)


def tsb(
    Y: np.ndarray,
    *,
    alpha_d: float = 0.1,
    alpha_p: float = 0.1,
    alphas: Sequence[float] | None = None,
) -> KernelFit:
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed size.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    alpha_d : float, default=0.1
        Smoothing constant of the non-zero demand sizes.
    alpha_p : float, default=0.1
        Smoothing constant of the demand probability.
    alphas : sequence of float, optional
        Grid: when given, ``(alpha_d, alpha_p)`` are chosen per series among
        all pairs by in-sample one-step MSE (the defaults serve series
        without errors).

    Returns
    -------
    KernelFit
        ``name="tsb"``; forecast ``prob * z``.

    Notes
    -----
    Every period ``prob <- prob + alpha_p (1{y_t > 0} - prob)``; at demands
    ``z <- z + alpha_d (y_t - z)`` (Teunter et al. 2011, eqs. 4-6). Unlike
    Croston's, the forecast decays through runs of zeros (obsolescence).
    ``prob`` starts at the first period's indicator, ``z`` at the first
    demand; the forecast is 0 until the first demand.

    Examples
    --------
    >>> fit = tsb(np.array([[0.0, 4, 0, 2]]), alpha_d=0.5, alpha_p=0.5)
    >>> # prob: 0 -> 0.5 -> 0.25 -> 0.625; z: 4 -> 3; forecast 0.625 * 3
    >>> round(float(fit.mean(1)[0, 0]), 4)
    1.875
    """
    values = _check_panel(Y)
    a_d = np.array([_check_alpha(alpha_d, "alpha_d")])
    a_p = np.array([_check_alpha(alpha_p, "alpha_p")])
    k = 0
    if alphas is not None:
        grid = _check_grid(alphas, "alphas")
        scan = _recurse(values, grid[None, :], grid[None, :], kind="tsb")
        a_d, a_p = _pick(scan.sse, scan.count, grid, grid, (a_d[0], a_p[0]))
        k = 2
    run = _recurse(values, a_d.reshape(-1, 1), a_p.reshape(-1, 1), kind="tsb", residuals=True)
    z, prob = run.size[:, 0], run.second[:, 0]
    params = {
        "alpha_size": np.broadcast_to(a_d, z.shape).copy(),
        "alpha_probability": np.broadcast_to(a_p, z.shape).copy(),
        "size": z,
        "probability": prob,
        "demand_probability": prob,
        "demand_size": z,
    }
    fitted = (run.residuals, run.sse[:, 0, 0], run.count)
    return _build("tsb", prob * z, fitted, _demand_stats(values), params, k)


def _ses_select(XT: np.ndarray, lo: float, hi: float, n_grid: int) -> np.ndarray:
    """Per-column SES constant minimising the SSE in ``[lo, hi]``.

    Two grid rounds (the second ``n_grid`` points within one step of the first
    round's best), then a parabola through the best point and its neighbours.
    Series whose SSE does not depend on alpha (one or two values) get the
    middle of the range, where a golden-section search would stop at once.
    """
    rows = np.arange(XT.shape[1])
    left, right = np.full(rows.size, lo), np.full(rows.size, hi)
    for round_ in range(2):
        grid = left[:, None] + (right - left)[:, None] * np.linspace(0.0, 1.0, n_grid)
        _, sse, _ = _ses_block(XT, grid, None)
        if round_ == 0:
            flat = np.ptp(sse, axis=1) <= 1e-12 * np.maximum(sse.max(axis=1), 1.0)
        best = np.argmin(sse, axis=1)
        width = (right - left) / (n_grid - 1)
        left = np.clip(grid[rows, best] - width, lo, hi)
        right = np.clip(grid[rows, best] + width, lo, hi)
    inner = np.clip(best, 1, n_grid - 2)
    s0, s1, s2 = (sse[rows, inner + d] for d in (-1, 0, 1))
    curvature = s0 - 2.0 * s1 + s2
    step = np.divide(0.5 * (s0 - s2), curvature, out=np.zeros_like(s0), where=curvature > 0)
    vertex = grid[rows, inner] + np.clip(step, -1.0, 1.0) * (grid[:, 1] - grid[:, 0])
    alpha = np.where(curvature > 0, np.clip(vertex, lo, hi), grid[rows, best])
    return np.where(flat, 0.5 * (lo + hi), alpha)


def _adida_group(
    values: np.ndarray, rows: np.ndarray, b: int, alpha: float | None, search: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ADIDA for rows sharing bucket size ``b``: (per-period level, alpha, residual tail)."""
    T = values.shape[1]
    n_buckets = T // b
    tail = values[rows, T - n_buckets * b :]
    sums = tail.reshape(rows.size, n_buckets, b).sum(axis=2)  # NaN when partly unobserved
    XT = np.ascontiguousarray(sums.T)
    a = _ses_select(XT, *search) if alpha is None else np.full(rows.size, alpha)
    fittedT = np.empty_like(XT)
    level, _, _ = _ses_block(XT, a[:, None], fittedT)
    per_period = np.repeat(fittedT.T / b, b, axis=1)
    return level[:, 0] / b, a, tail - per_period


def adida(
    Y: np.ndarray,
    *,
    alpha: float | None = None,
    alpha_bounds: tuple[float, float] = (0.1, 0.3),
    n_grid: int = 21,
) -> KernelFit:
    """Aggregate-disaggregate intermittent demand approach (ADIDA) with SES.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    alpha : float, optional
        SES constant on the aggregate series; chosen per series when omitted.
    alpha_bounds : tuple of float, default=(0.1, 0.3)
        Range searched when ``alpha`` is None (statsforecast's bounds).
    n_grid : int, default=21
        Grid points of each of two search rounds (``alpha_bounds``, then one
        step around the best point); a parabola through the final best point
        and its neighbours refines it.

    Returns
    -------
    KernelFit
        ``name="adida"``; ``params`` include ``bucket`` and ``alpha``.

    Notes
    -----
    Each series is summed into non-overlapping buckets of ``b = round(ADI)``
    periods (half to even, at least 1; ADI as in :func:`classify_demand`)
    ending at its last observation (the incomplete oldest bucket is dropped);
    SES, started at the first bucket, forecasts the next bucket, split equally
    as ``level / b`` per period (Nikolopoulos et al. 2011). The loop runs over
    the distinct bucket sizes. Residuals of bucket ``k`` use the level after
    bucket ``k - 1`` and the final ``b`` (statsforecast recomputes ``b`` on
    expanding windows). statsforecast's golden-section alpha agrees to ~1e-4.

    Examples
    --------
    >>> Y = np.array([[0.0, 2, 0, 4, 0, 0, 0, 6]])  # intervals 2, 2, 4: ADI 8/3, b = 3
    >>> fit = adida(Y, alpha=0.5)
    >>> # buckets (last 6 periods) 4 and 6: level 4 + 0.5 (6 - 4) = 5, per period 5 / 3
    >>> int(fit.params["bucket"][0]), round(float(fit.mean(1)[0, 0]), 4)
    (3, 1.6667)
    """
    values = _check_panel(Y)
    if alpha is not None:
        alpha = _check_alpha(alpha, "alpha")
    lo, hi = (_check_alpha(v, "alpha_bounds") for v in alpha_bounds)
    if lo >= hi or n_grid < 3:
        raise InvalidParameterError(
            f"alpha_bounds={alpha_bounds!r} with n_grid={n_grid!r} is not a search range; "
            "pass increasing bounds, e.g. (0.1, 0.3), and n_grid >= 3."
        )
    search = (lo, hi, n_grid)
    n, T = values.shape
    stats = _demand_stats(values)
    adi = stats.adi
    bucket = np.where(stats.n_demands > 0, np.maximum(np.rint(np.nan_to_num(adi)), 1), 0)
    bucket = bucket.astype(np.int64)
    level, a_used, sse, count = np.zeros(n), np.full(n, np.nan), np.zeros(n), np.zeros(n)
    residuals = np.full((n, T), np.nan)
    for b in np.unique(bucket[bucket > 0]):
        members = np.flatnonzero(bucket == b)
        for r0 in range(0, members.size, _BLOCK):
            rows = members[r0 : r0 + _BLOCK]
            level[rows], a_used[rows], res = _adida_group(values, rows, int(b), alpha, search)
            residuals[rows, T - res.shape[1] :] = res
            sse[rows], count[rows] = np.nansum(res**2, axis=1), np.sum(~np.isnan(res), axis=1)
    prob = np.divide(1.0, adi, out=np.zeros(n), where=stats.n_demands > 0)
    params = {
        "alpha": a_used,
        "bucket": bucket,
        "level": level * bucket,
        "demand_probability": prob,
        "demand_size": level * np.nan_to_num(adi),
    }
    return _build("adida", level, (residuals, sse, count), stats, params, int(alpha is None))


# ------------------------------------------------------------------ classification
def classify_demand(
    Y: np.ndarray,
    *,
    adi_threshold: float = 1.32,
    cv2_threshold: float = 0.49,
    min_length: int = 2,
) -> pd.DataFrame:
    """Syntetos-Boylan-Croston demand categories of every panel row.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    adi_threshold, cv2_threshold : float, default=1.32, 0.49
        Cut-offs of the ADI and of the sizes' squared coefficient of variation.
    min_length : int, default=2
        Series with fewer observations and some demand are ``"too_short"``.

    Returns
    -------
    pandas.DataFrame
        One row per panel row (RangeIndex): ``n_obs``, ``n_demands``, ``adi``
        (mean inter-demand interval, NaN without demand), ``cv2`` (NaN without
        demand) and ``category``, a categorical with the categories
        :data:`DEMAND_CATEGORIES`.

    Notes
    -----
    ADI is the mean interval between non-zero demands, the first counted
    from the series start (``(last demand - start + 1) / n_demands``, the
    interval Croston's method and ADIDA use); trailing zeros after the last
    demand do not count. CV² is ``var / mean²`` of the non-zero sizes with
    the population variance (0 for a single sale). With ``ADI > 1.32`` and
    ``CV² > 0.49`` strict (Syntetos, Boylan & Croston 2005, Fig. 4):
    smooth (neither), erratic (CV² only), intermittent (ADI only), lumpy
    (both). Rows without observations are ``"too_short"``; observed but
    all-zero rows are ``"no_demand"``.

    Examples
    --------
    >>> Y = np.array([[5.0, 6, 5, 6], [0, 5, 0, 6], [1, 9, 1, 9], [0, 0, 0, 0]])
    >>> classify_demand(Y)["category"].tolist()
    ['smooth', 'intermittent', 'erratic', 'no_demand']
    """
    stats = _demand_stats(_check_panel(Y))
    has = stats.n_demands > 0
    adi = stats.adi
    cv2 = np.divide(stats.size_var, stats.size_mean**2, out=np.full(adi.shape, np.nan), where=has)
    with np.errstate(invalid="ignore"):
        high_adi, high_cv2 = adi > adi_threshold, cv2 > cv2_threshold
    code = np.where(high_adi, np.where(high_cv2, 3, 2), np.where(high_cv2, 1, 0))
    code = np.where(stats.n_obs < min_length, 5, code)
    code = np.where((stats.n_obs > 0) & ~has, 4, code)
    return pd.DataFrame(
        {
            "n_obs": stats.n_obs,
            "n_demands": stats.n_demands,
            "adi": adi,
            "cv2": cv2,
            "category": pd.Categorical.from_codes(code, categories=list(DEMAND_CATEGORIES)),
        }
    )


# ------------------------------------------------------------------ sample paths
def sample_intermittent(
    fit: KernelFit | Mapping[str, np.ndarray],
    h: int,
    *,
    n_paths: int,
    rng: np.random.Generator | int | Sequence[np.random.Generator] | None = None,
    integer: bool = True,
) -> np.ndarray:
    """Demand paths of a compound Bernoulli process matching an intermittent fit.

    Parameters
    ----------
    fit : KernelFit or mapping
        A fit of this module, or its ``params`` (``demand_probability``,
        ``demand_size`` and ``size_variance``, one value per series).
    h : int
        Periods per path.
    n_paths : int
        Paths per series.
    rng : numpy.random.Generator, int or sequence of Generator, optional
        Generator or seed; or one generator per series, each drawing that
        series' paths only (so they do not depend on the other series).
    integer : bool, default=True
        Whole units; False draws Gamma sizes (continuous demand).

    Returns
    -------
    numpy.ndarray
        ``(n_series, n_paths, h)`` non-negative demands.

    Notes
    -----
    Each period independently has a demand with probability ``pi``
    (``1 / p`` for Croston, TSB's probability, ``1 / ADI`` for ADIDA) of size
    ``S = 1 + N`` where ``N`` is negative binomial (gamma-Poisson) with mean
    ``s - 1`` and variance ``max(v, s - 1)`` (``s``: fitted mean size, ``v``:
    in-sample variance of the sizes; Poisson when not over-dispersed). When
    ``s < 1`` (SBA shrinkage of unit sizes, fractional demand) every demand
    is one unit and ``pi`` becomes ``pi * s``. Either way the expected demand
    per period is ``pi * s``, the kernel's point forecast. With
    ``integer=False`` sizes are Gamma with mean ``s`` and variance ``v``.
    Periods are independent given the fit: smoothing-state and parameter
    uncertainty are not propagated.

    Examples
    --------
    >>> fit = croston_classic(np.array([[0.0, 3, 0, 0, 5, 0, 4, 0]]))
    >>> paths = sample_intermittent(fit, 7, n_paths=20_000, rng=0)
    >>> bool((paths >= 0).all()), bool((paths == np.round(paths)).all())
    (True, True)
    >>> round(float(paths.mean()) / float(fit.mean(1)[0, 0]), 2)
    1.0
    """
    params = fit.params if isinstance(fit, KernelFit) else fit
    h, n_paths = positive_int(h, "h"), positive_int(n_paths, "n_paths")
    law = _size_law(
        *(np.asarray(params[key], dtype=float) for key in _SAMPLE_KEYS), integer=integer
    )
    out = np.empty((law[0].size, n_paths, h))
    if isinstance(rng, Sequence):
        if len(rng) != law[0].size:
            raise InvalidParameterError(
                f"rng has {len(rng)} generators for {law[0].size} series; pass one per series."
            )
        for i, row in enumerate(rng):
            prob, fixed, mean, shape = (part[i : i + 1] for part in law)
            out[i] = _draw_block(row, prob, fixed, mean, shape, n_paths, h, integer)[0]
        return out
    gen = np.random.default_rng(rng)
    for r0 in range(0, law[0].size, _BLOCK):
        prob, fixed, mean, shape = (part[r0 : r0 + _BLOCK] for part in law)
        out[r0 : r0 + _BLOCK] = _draw_block(gen, prob, fixed, mean, shape, n_paths, h, integer)
    return out


_SAMPLE_KEYS = ("demand_probability", "demand_size", "size_variance")


def _size_law(
    prob, size, var, *, integer: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per series: occurrence probability, fixed part, mean and gamma shape of the size.

    The size is ``fixed + Poisson(rate)`` (integer) or ``rate`` (continuous),
    with ``rate`` Gamma-distributed of the given mean and shape (shape 0: the
    mean itself).
    """
    prob = np.clip(prob, 0.0, 1.0)
    size, var = np.clip(size, 0.0, None), np.clip(var, 0.0, None)
    if integer:
        below = size < 1.0
        prob = np.where(below, prob * size, prob)
        mean = np.where(below, 0.0, size - 1.0)
        over = (var > mean * (1.0 + 1e-9)) & (mean > 0)
        shape = np.divide(mean**2, var - mean, out=np.zeros_like(mean), where=over)
        return prob, np.ones_like(prob), mean, shape
    shape = np.divide(size**2, var, out=np.zeros_like(size), where=(var > 0) & (size > 0))
    return prob, np.zeros_like(prob), size, shape


def _draw_block(gen, prob, fixed, mean, shape, n_paths: int, h: int, integer: bool):
    dims = (prob.size, n_paths, h)
    occurs = gen.random(dims) < prob[:, None, None]
    rate = np.repeat(np.repeat(mean[:, None, None], n_paths, axis=1), h, axis=2)
    mixed = shape > 0
    if mixed.any():
        k = shape[mixed, None, None]
        rate[mixed] = gen.gamma(k, mean[mixed, None, None] / k, size=(int(mixed.sum()), n_paths, h))
    amount = fixed[:, None, None] + gen.poisson(rate) if integer else rate
    return np.where(occurs, amount, 0.0)
