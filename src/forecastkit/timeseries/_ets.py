"""Additive-error exponential smoothing (ETS) for many series at once (private).

One function, :func:`fit_ets`, fits one member of the family to every row of
a right-aligned panel (:mod:`forecastkit.timeseries._panel`):

=============================  ========  ============================
name                           ETS code  components
=============================  ========  ============================
``ses``                        A,N,N     level
``holt``                       A,A,N     level, trend
``holt_damped``                A,Ad,N    level, damped trend
``ses_seasonal``               A,N,A     level, additive season
``holt_winters``               A,A,A     + trend
``holt_winters_damped``        A,Ad,A    + damped trend
``ses_seasonal_mul``           A,N,M     level, multiplicative season
``holt_winters_mul``           A,A,M     + trend
``holt_winters_damped_mul``    A,Ad,M    + damped trend
=============================  ========  ============================

State-space form (Hyndman, Koehler, Ord & Snyder 2008, *Forecasting with
Exponential Smoothing*, Table 2.2, additive errors), with ``e_t = y_t - yhat_t``::

    yhat_t = (l + phi b) + s          (additive season; times s if multiplicative)
    l_t    = l + phi b + alpha e_t    (alpha e_t / s if multiplicative)
    b_t    = phi b + beta e_t         (beta e_t / s if multiplicative)
    s_t    = s + gamma e_t            (gamma e_t / (l + phi b) if multiplicative)

where ``l, b`` are the previous level and trend and ``s = s_{t-m}``
(``phi = 1`` for an undamped trend). These are the Holt-Winters equations of
FPP3 section 8.3 and of ``statsmodels.tsa.holtwinters`` with
``smoothing_trend = beta / alpha``.

Estimation, vectorized: the recursion runs once per time column over all
series of a chunk and over a small grid of parameter values held as an
extra array axis, accumulating the one-step sum of squared errors (SSE);
each series keeps its own best value. Coordinate search: ``alpha`` over a
coarse grid, then ``beta / alpha``, ``phi``, ``gamma / (1 - alpha)`` each in
turn (the current value always stays a candidate, so the SSE never
increases), then a finer per-series grid around the best ``alpha``.
Initial states are heuristics from the first observations (see
:func:`_initial_states`), not estimated.

Speed and memory: series are processed in blocks of up to 2,048 rows,
sorted by first observation and transposed so that a time column is
contiguous; a block's states for the whole grid stay in cache and nothing of
size ``(n_series, T, grid)`` is ever built. The search runs in float32 when
that keeps the errors accurate (:func:`_single_precision_is_safe`), the final
pass with the chosen parameters always in float64.

Rows without observations get NaN (``notes["empty"]``). Multiplicative
seasonality is only fitted to strictly positive series; the others get NaN
forecasts and residuals (``notes["not_positive"]``) so that a selection by
error never picks them, as do fits whose recursion overflowed
(``notes["unstable"]``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from forecastkit._validation import positive_int
from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._simple import _check_panel, _lengths

__all__ = ["ETS_MODELS", "fit_ets"]

logger = logging.getLogger(__name__)

TrendKind = Literal["add", "damped"] | None
SeasonKind = Literal["add", "mul"] | None

#: Model name -> (trend, season) arguments of :func:`fit_ets`.
ETS_MODELS: dict[str, tuple[str | None, str | None]] = {
    "ses": (None, None),
    "holt": ("add", None),
    "holt_damped": ("damped", None),
    "ses_seasonal": (None, "add"),
    "holt_winters": ("add", "add"),
    "holt_winters_damped": ("damped", "add"),
    "ses_seasonal_mul": (None, "mul"),
    "holt_winters_mul": ("add", "mul"),
    "holt_winters_damped_mul": ("damped", "mul"),
}
_NAMES = {value: key for key, value in ETS_MODELS.items()}

# search space: alpha, beta = alpha * beta_frac, phi, gamma = (1 - alpha) * gamma_frac
_DEFAULTS = {"alpha": 0.1, "beta_frac": 0.1, "phi": 0.98, "gamma_frac": 0.05}
_BOUNDS = {
    "alpha": (1e-3, 0.999),
    "beta_frac": (1e-3, 1.0),
    "phi": (0.5, 0.995),
    "gamma_frac": (1e-3, 0.999),
}
_ALPHAS = (0.005, 0.01, 0.02, 0.04, 0.07, 0.11, 0.17, 0.25, 0.35, 0.5, 0.7, 0.9)
_DEFAULT_PASSES = (
    ("alpha", "abs", _ALPHAS),
    ("beta_frac", "abs", (0.005, 0.02, 0.05, 0.2, 0.5)),
    ("phi", "abs", (0.8, 0.9, 0.95)),
    ("gamma_frac", "abs", (0.005, 0.02, 0.1, 0.25)),
    ("alpha", "rel", (0.7, 0.84, 1.19, 1.41)),
)
_PASSES = {
    "fast": (
        ("alpha", "abs", (0.01, 0.03, 0.08, 0.15, 0.3, 0.5, 0.8)),
        ("beta_frac", "abs", (0.02, 0.3)),
        ("phi", "abs", (0.8, 0.9)),
        ("gamma_frac", "abs", (0.01, 0.2)),
    ),
    "default": _DEFAULT_PASSES,
    "fine": _DEFAULT_PASSES
    + (
        ("beta_frac", "rel", (0.5, 0.75, 1.5, 2.0)),
        ("phi", "rel", (0.97, 0.985, 1.01)),
        ("gamma_frac", "rel", (0.5, 0.75, 1.5, 2.0)),
        ("alpha", "rel", (0.9, 0.95, 1.05, 1.1)),
    ),
}
_MAX_GRID = max(len(values) + 1 for passes in _PASSES.values() for _, _, values in passes)


@dataclass(frozen=True)
class _Spec:
    trend: str | None
    season: str | None
    m: int

    @property
    def has_trend(self) -> bool:
        return self.trend is not None

    @property
    def damped(self) -> bool:
        return self.trend == "damped"

    @property
    def seasonal(self) -> bool:
        return self.season is not None

    @property
    def mul(self) -> bool:
        return self.season == "mul"

    def uses(self, name: str) -> bool:
        """Whether the search parameter ``name`` belongs to this model."""
        return {
            "alpha": True,
            "beta_frac": self.has_trend,
            "phi": self.damped,
            "gamma_frac": self.seasonal,
        }[name]


@dataclass(frozen=True)
class _Chunk:
    """A block of panel rows, transposed so that one time column is contiguous."""

    rows: np.ndarray  # panel rows of the block
    t0: int  # first panel column covered
    Yt: np.ndarray  # (T - t0, c): values; padding filled so that it leaves the states alone
    keep: np.ndarray | None  # (T - t0, c) 0.0 at missing values inside a series, else None
    resets: dict  # local column -> (positions in block, level0, trend0, season block (m, k))


# ---------------------------------------------------------------------- initial states
def _masked_mean(values: np.ndarray, axis: int) -> np.ndarray:
    ok = ~np.isnan(values)
    count = ok.sum(axis=axis)
    total = np.where(ok, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def _first_values(Y: np.ndarray, starts: np.ndarray, used: np.ndarray, width: int) -> np.ndarray:
    """``(n, width)``: each row's first ``used`` observations from its start, NaN after."""
    cols = np.minimum(starts[:, None] + np.arange(width), Y.shape[1] - 1)
    values = Y[np.arange(Y.shape[0])[:, None], cols]
    return np.where(np.arange(width) < used[:, None], values, np.nan)


def _initial_nonseasonal(
    Y: np.ndarray, starts: np.ndarray, lengths: np.ndarray, trend: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level and trend from the first (up to) 10 observations; mask of rows without a trend."""
    vals = _first_values(Y, starts, np.minimum(lengths, 10), 10)
    ok = ~np.isnan(vals)
    count = ok.sum(axis=1)
    ybar = _masked_mean(vals, axis=1)
    if not trend:
        return ybar, np.zeros(len(ybar)), np.zeros(len(ybar), bool)
    t = np.where(ok, np.arange(1.0, 11.0), np.nan)
    tbar = _masked_mean(t, axis=1)
    dt = np.where(ok, t - tbar[:, None], 0.0)
    stt = np.sum(dt**2, axis=1)
    sty = np.sum(dt * np.where(ok, vals - ybar[:, None], 0.0), axis=1)
    slope = np.divide(sty, stt, out=np.zeros_like(stt), where=stt > 0)
    return ybar - slope * np.nan_to_num(tbar), slope, (count < 2) & (lengths > 0)


def _initial_seasonal(
    Y: np.ndarray, starts: np.ndarray, lengths: np.ndarray, spec: _Spec
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Level, trend, seasonal states from up to three full seasons; short-row masks."""
    m, n = spec.m, Y.shape[0]
    seasons = np.minimum(lengths // m, 3)
    vals = _first_values(Y, starts, seasons * m, 3 * m)
    means = _masked_mean(vals.reshape(n, 3, m), axis=2)  # (n, 3), NaN beyond `seasons`
    last = np.take_along_axis(means, np.maximum(seasons - 1, 0)[:, None], axis=1)[:, 0]
    slope = np.zeros(n)
    if spec.has_trend:
        ok = (seasons >= 2) & np.isfinite(last) & np.isfinite(means[:, 0])
        slope[ok] = (last[ok] - means[ok, 0]) / ((seasons[ok] - 1) * m)
    level = means[:, 0] - slope * (m + 1) / 2
    line = level[:, None] + slope[:, None] * np.arange(1, 3 * m + 1)
    if spec.mul:
        bad = np.any((line <= 0) & ~np.isnan(vals), axis=1)
        slope[bad], level[bad] = 0.0, means[bad, 0]
        line[bad] = level[bad, None]
        dev = _masked_mean((vals / line).reshape(n, 3, m), axis=1)
        season = np.nan_to_num(dev, nan=1.0)
        season /= np.where(season.mean(axis=1) > 0, season.mean(axis=1), 1.0)[:, None]
    else:
        dev = _masked_mean((vals - line).reshape(n, 3, m), axis=1)
        season = np.nan_to_num(dev, nan=0.0)
        season -= season.mean(axis=1)[:, None]
    short = (seasons == 0) & (lengths > 0)
    if short.any():  # fewer than m observations: level = their mean, neutral season
        few = _first_values(Y[short], starts[short], lengths[short], m)
        level[short], slope[short] = _masked_mean(few, axis=1), 0.0
        season[short] = 1.0 if spec.mul else 0.0
    no_trend = (seasons < 2) & (lengths > 0) if spec.has_trend else np.zeros(n, bool)
    return level, slope, season, short, no_trend


def _initial_states(
    Y: np.ndarray, starts: np.ndarray, lengths: np.ndarray, spec: _Spec
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Heuristic initial states ``l_0, b_0, (s_{1-m}, ..., s_0)`` of every row.

    Following the spirit of Hyndman et al. (2008, section 2.6.1):

    * non-seasonal: ``l_0, b_0`` are the intercept and slope of a least
      squares line through the first (up to) ten observations against
      ``t = 1, 2, ...`` (``l_0`` = their mean and ``b_0 = 0`` without trend);
    * seasonal: with ``K`` = up to three full seasons and ``mu_k`` the mean
      of season ``k``, ``b_0 = (mu_{K-1} - mu_0) / ((K - 1) m)`` (0 without
      trend or when ``K < 2``), ``l_0 = mu_0 - b_0 (m + 1) / 2`` (the line
      through the season means, at ``t = 0``) and the seasonal states are
      the average over the ``K`` seasons of each position's deviation from
      (additive) or ratio to (multiplicative) that line, normalised to sum to
      0 / average 1. Rows with fewer than ``m`` observations get their mean as
      level and a neutral season (``"short_for_season"``).

    Returns ``level (n,)``, ``trend (n,)``, ``season (n, m)`` (the seasonal
    states of a series' first ``m`` observations, in order; zeros/ones when
    not seasonal) and masks ``{"short_for_season", "short_for_trend"}``.
    """
    n = Y.shape[0]
    if spec.seasonal:
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN rows of short series
            level, slope, season, short, no_trend = _initial_seasonal(Y, starts, lengths, spec)
    else:
        level, slope, no_trend = _initial_nonseasonal(Y, starts, lengths, spec.has_trend)
        season, short = np.zeros((n, 1)), np.zeros(n, bool)
    return level, slope, season, {"short_for_season": short, "short_for_trend": no_trend}


# ---------------------------------------------------------------------- recursion
_SINGLE_PRECISION_RATIO = 1000.0
_TILE = 128  # columns per block when transposing (cache-friendly copies)


def _transpose_rows(Y: np.ndarray, rows: np.ndarray, t0: int) -> np.ndarray:
    """``Y[rows, t0:].T`` as a C-contiguous array, copied tile by tile."""
    T = Y.shape[1]
    out = np.empty((T - t0, rows.size))
    for lo in range(t0, T, _TILE):
        out[lo - t0 : lo - t0 + _TILE] = Y[rows, lo : lo + _TILE].T
    return out


def _make_chunk(
    Y: np.ndarray, rows: np.ndarray, starts: np.ndarray, lengths: np.ndarray, spec: _Spec
) -> tuple[_Chunk, np.ndarray, dict[str, np.ndarray]]:
    """Transposed block of ``rows`` with its initial states; its observed mask and short masks."""
    T = Y.shape[1]
    st, ln = starts[rows], lengths[rows]
    width = 3 * spec.m if spec.seasonal else 10
    first = Y[rows[:, None], np.minimum(st[:, None] + np.arange(width), T - 1)]
    level, slope, season, masks = _initial_states(first, np.zeros(rows.size, int), ln, spec)
    t0 = int(st.min())
    Yt = _transpose_rows(Y, rows, t0)
    observed = ~np.isnan(Yt)
    gaps = ~observed & (np.arange(T - t0)[:, None] >= (st - t0)[None, :])
    keep = (~gaps).astype(float) if gaps.any() else None
    np.copyto(Yt, 1.0 if spec.mul else 0.0, where=~observed)
    resets = {}
    for start in np.unique(st):
        pos = np.flatnonzero(st == start)
        place = np.empty((spec.m, pos.size))
        place[(start + np.arange(spec.m)) % spec.m] = season[pos].T
        resets[int(start - t0)] = (pos, level[pos], slope[pos], place[:, None, :])
    return _Chunk(rows, t0, Yt, keep, resets), observed, masks


def _run(
    ck: _Chunk,
    spec: _Spec,
    grid: int,
    params: Mapping[str, np.ndarray],
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Run the recursion over the chunk for ``grid`` parameter sets at once.

    ``params`` holds ``alpha, beta, phi, gamma`` broadcastable to
    ``(grid, c)``. Returns the SSE ``(grid, c)`` and the final level, trend
    ``(grid, c)`` and seasonal states ``(m, grid, c)`` (indexed by column
    modulo ``m``); writes the first grid row's errors into ``out`` if given.
    """
    (steps, c), dt = ck.Yt.shape, ck.Yt.dtype
    shape, fill = (grid, c), (1.0 if spec.mul else 0.0)
    alpha, beta, phi, gamma = (
        np.asarray(params[k], dtype=dt) for k in ("alpha", "beta", "phi", "gamma")
    )
    level, trend = np.full(shape, fill, dtype=dt), np.zeros(shape, dtype=dt)
    season = np.full((spec.m, *shape), fill, dtype=dt) if spec.seasonal else None
    sse, err, tmp = np.zeros(shape, dtype=dt), np.empty(shape, dtype=dt), np.empty(shape, dtype=dt)
    pred = np.empty(shape, dtype=dt) if spec.has_trend else level
    scaled = np.empty(shape, dtype=dt) if spec.mul else err
    for t in range(steps):
        if t in ck.resets:
            pos, l0, b0, s0 = ck.resets[t]
            level[:, pos], trend[:, pos] = l0, b0
            if season is not None:
                season[:, :, pos] = s0
        if spec.has_trend:
            if spec.damped:
                np.multiply(trend, phi, out=trend)
            np.add(level, trend, out=pred)
        if season is None:
            np.subtract(ck.Yt[t], pred, out=err)
        else:
            s = season[(t + ck.t0) % spec.m]
            (np.multiply if spec.mul else np.add)(pred, s, out=tmp)
            np.subtract(ck.Yt[t], tmp, out=err)
        if ck.keep is not None:
            err *= ck.keep[t]
        if out is not None:
            out[t] = err[0]
        np.multiply(err, err, out=tmp)
        sse += tmp
        if season is not None:
            if spec.mul:
                np.divide(err, s, out=scaled)
                np.divide(err, pred, out=tmp)
                tmp *= gamma
            else:
                np.multiply(err, gamma, out=tmp)
            s += tmp
        np.multiply(scaled, alpha, out=tmp)
        if spec.has_trend:
            np.add(pred, tmp, out=level)
            np.multiply(scaled, beta, out=tmp)
            trend += tmp
        else:
            level += tmp
    return sse, level, trend, season


def _ets_params(search: Mapping[str, np.ndarray], spec: _Spec) -> dict[str, np.ndarray]:
    """Search parameters (fractions) to the state-space ``alpha, beta, phi, gamma``."""
    alpha = search["alpha"]
    return {
        "alpha": alpha,
        "beta": alpha * search["beta_frac"] if spec.has_trend else np.zeros_like(alpha),
        "phi": search["phi"] if spec.damped else np.ones_like(alpha),
        "gamma": (1 - alpha) * search["gamma_frac"] if spec.seasonal else np.zeros_like(alpha),
    }


def _candidates(
    current: np.ndarray, name: str, mode: str, values: tuple, first: bool
) -> np.ndarray:
    """``(G, c)`` candidate values of one parameter; the current value first unless ``first``."""
    if mode == "abs":
        cand = np.repeat(np.asarray(values, dtype=float)[:, None], current.size, axis=1)
    else:
        cand = np.asarray(values, dtype=float)[:, None] * current[None, :]
    if not first:
        cand = np.vstack([current[None, :], cand])
    return np.clip(cand, *_BOUNDS[name])


def _single_precision_is_safe(Yt: np.ndarray) -> bool:
    """Whether the search can run in float32 (a third faster) without losing the errors.

    float32 keeps about 7 digits, so one-step errors stay accurate to about
    1e-4 when the series' magnitude is below 1000 times its typical change:
    ``rms(y) < 1000 * mean |y_t - y_{t-1}|`` for every series of the block
    (constant series, whose errors are exactly 0, pass). Otherwise float64.
    """
    return bool(np.all(_single_precision_columns(Yt)))


def _single_precision_columns(Yt: np.ndarray, starts: np.ndarray | None = None) -> np.ndarray:
    """:func:`_single_precision_is_safe` per column, from each column's row ``starts``.

    Decided per series on its own values, so that a series is searched in
    the same precision whatever other series share its block.
    """
    steps, c = Yt.shape
    starts = np.zeros(c, dtype=np.int64) if starts is None else starts
    n = steps - starts
    inside = np.arange(steps)[:, None] >= starts[None, :]
    rms = np.sqrt(np.where(inside, Yt**2, 0.0).sum(axis=0) / np.maximum(n, 1))
    moves = np.where(inside[:-1], np.abs(np.diff(Yt, axis=0)), 0.0).sum(axis=0)  # both inside
    change = moves / np.maximum(n - 1, 1)
    return (n >= 2) & ((rms < _SINGLE_PRECISION_RATIO * change) | (change == 0))


def _search_rows(
    Y: np.ndarray,
    block: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    spec: _Spec,
    passes: tuple,
    ck: _Chunk,
) -> dict[str, np.ndarray]:
    """:func:`_search` of a block, each row in its own precision (float32 where safe).

    Decided per series, so that a series' parameters do not depend on the
    other series of its block; a mixed block is searched in two parts.
    """
    single = _single_precision_columns(ck.Yt, starts[block] - ck.t0)
    if single.all() or not single.any():
        return _search(ck, spec, passes, bool(single.all()))
    chosen: dict[str, np.ndarray] = {}
    for mask, precision in ((single, True), (~single, False)):
        part, _, _ = _make_chunk(Y, block[mask], starts, lengths, spec)
        for key, value in _search(part, spec, passes, precision).items():
            chosen.setdefault(key, np.empty(block.size))[mask] = value
    return chosen


def _search(ck: _Chunk, spec: _Spec, passes: tuple, single: bool) -> dict[str, np.ndarray]:
    """Coordinate grid search of the per-series parameters minimising the one-step SSE.

    ``single``: search in float32 (:func:`_single_precision_rows` of every row).
    """
    c = ck.Yt.shape[1]
    if single:
        keep = None if ck.keep is None else ck.keep.astype(np.float32)
        ck = _Chunk(ck.rows, ck.t0, ck.Yt.astype(np.float32), keep, ck.resets)
    current = {k: np.full(c, v) for k, v in _DEFAULTS.items()}
    first = True
    cols = np.arange(c)
    for name, mode, values in passes:
        if not spec.uses(name):
            continue
        cand = _candidates(current[name], name, mode, values, first)
        trial = {k: (cand if k == name else v[None, :]) for k, v in current.items()}
        sse = _run(ck, spec, cand.shape[0], _ets_params(trial, spec))[0]
        sse[~np.isfinite(sse)] = np.inf
        current[name] = cand[np.argmin(sse, axis=0), cols]
        first = False
    return _ets_params(current, spec)


# ---------------------------------------------------------------------- forecasts
def _trend_factor(phi: np.ndarray, steps: np.ndarray, spec: _Spec) -> np.ndarray:
    """``(n, len(steps))`` multiplier of the trend: ``j`` or ``phi + ... + phi**j``."""
    if not spec.has_trend:
        return np.zeros((phi.size, steps.size))
    if not spec.damped:
        return np.broadcast_to(steps.astype(float), (phi.size, steps.size)).copy()
    powers = phi[:, None] ** np.arange(1, int(steps.max(initial=0)) + 1)
    return np.cumsum(powers, axis=1)[:, steps - 1] if steps.size else powers[:, :0]


def _variance_weights(params: Mapping[str, np.ndarray], spec: _Spec, h: int) -> np.ndarray:
    """``c_j = w' F^(j-1) g`` for ``j = 1..h-1`` (Hyndman et al. 2008, Table 6.1, Ch. 6).

    ``c_j = alpha + beta * phi_j + gamma * [j mod m == 0]`` with ``phi_j = j``
    (undamped), ``phi + ... + phi**j`` (damped) or 0 (no trend).
    """
    steps = np.arange(1, h)
    weights = params["alpha"][:, None] + params["beta"][:, None] * _trend_factor(
        params["phi"], steps, spec
    )
    if spec.seasonal:
        weights = weights + params["gamma"][:, None] * (steps % spec.m == 0)
    return weights


def _simulate(
    states: tuple[np.ndarray, np.ndarray, np.ndarray],
    params: Mapping[str, np.ndarray],
    spec: _Spec,
    width: int,
    errors: np.ndarray,
) -> np.ndarray:
    """Paths ``(n, P, h)`` from the final states driven by the given errors."""
    n, paths, h = errors.shape
    level = np.repeat(states[0][:, None], paths, axis=1)
    trend = np.repeat(states[1][:, None], paths, axis=1)
    season = (
        np.repeat(states[2][:, None, :], paths, axis=1) if h > spec.m else states[2][:, None, :]
    )
    alpha, beta, phi, gamma = (params[k][:, None] for k in ("alpha", "beta", "phi", "gamma"))
    out = np.empty(errors.shape)
    with np.errstate(all="ignore"):
        for j in range(h):
            trend = trend * phi
            pred = level + trend
            s = season[:, :, (width + j) % spec.m]
            err = errors[:, :, j]
            out[:, :, j] = (pred * s if spec.mul else pred + s) + err
            scaled = err / s if spec.mul else err
            if spec.seasonal and h > spec.m:
                season[:, :, (width + j) % spec.m] = s + gamma * (err / pred if spec.mul else err)
            level = pred + alpha * scaled
            trend = trend + beta * scaled
    return out


# ---------------------------------------------------------------------- driver
def _check_options(trend: object, season: object, season_length: int, grid: str) -> _Spec:
    if trend not in (None, "add", "damped"):
        raise InvalidParameterError(
            f"trend={trend!r} is not valid; choose None, 'add' or 'damped'."
        )
    if season not in (None, "add", "mul"):
        raise InvalidParameterError(f"season={season!r} is not valid; choose None, 'add' or 'mul'.")
    if grid not in _PASSES:
        raise InvalidParameterError(f"grid={grid!r} is not valid; choose one of {sorted(_PASSES)}.")
    m = positive_int(season_length, "season_length")
    if season is not None and m < 2:
        raise InvalidParameterError(
            f"season={season!r} needs season_length >= 2; got {m}. Pass the number of periods "
            "per cycle (7 for daily data) or season=None."
        )
    return _Spec(trend, season, m if season is not None else 1)


def _fixed_params(params: Mapping[str, object], spec: _Spec, n: int) -> dict[str, np.ndarray]:
    """User-given ``alpha, beta, phi, gamma`` broadcast to ``(n,)``, checked."""
    needed = (
        ["alpha"] + ["beta"] * spec.has_trend + ["phi"] * spec.damped + ["gamma"] * spec.seasonal
    )
    unknown = sorted(set(params) - set(needed))
    missing = [k for k in needed if k not in params]
    if unknown or missing:
        raise InvalidParameterError(
            f"params for this model must have exactly the keys {needed}; missing {missing}, "
            f"unexpected {unknown}."
        )
    out = {k: np.broadcast_to(np.asarray(params[k], dtype=float), (n,)).copy() for k in needed}
    bad = [k for k, v in out.items() if not np.all(np.isfinite(v))]
    if bad or np.any(out["alpha"] <= 0) or np.any(out["alpha"] > 1):
        raise InvalidParameterError(
            f"params must be finite with 0 < alpha <= 1; check {bad or ['alpha']}."
        )
    out.setdefault("beta", np.zeros(n))
    out.setdefault("phi", np.ones(n))
    out.setdefault("gamma", np.zeros(n))
    return out


def _chunk_size(spec: _Spec) -> int:
    """Rows per block: keeps a grid of states (and the seasonal states) in cache."""
    return int(max(256, min(2048, 4_000_000 // (_MAX_GRID * (spec.m + 6)))))


def _fit_rows(
    Y: np.ndarray, rows: np.ndarray, spec: _Spec, passes: tuple, fixed: dict | None
) -> tuple[dict[str, np.ndarray], tuple, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Fit ``rows`` in blocks sorted by start.

    Returns parameters, final states ``(level, trend, season)``, residuals,
    the mean squared one-step error and the short-series masks (NaN or
    False for rows not fitted).
    """
    n, T = Y.shape
    starts, lengths = _lengths(Y)
    params = {k: np.full(n, np.nan) for k in ("alpha", "beta", "phi", "gamma")}
    level, trend, mse = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    season = np.full((n, spec.m), np.nan)
    residuals = np.full((n, T), np.nan)
    masks = {"short_for_season": np.zeros(n, bool), "short_for_trend": np.zeros(n, bool)}
    order = rows[np.argsort(starts[rows], kind="stable")]
    size = _chunk_size(spec)
    with np.errstate(all="ignore"):
        for lo in range(0, order.size, size):
            block = order[lo : lo + size]
            ck, observed, block_masks = _make_chunk(Y, block, starts, lengths, spec)
            if fixed is None:
                chosen = _search_rows(Y, block, starts, lengths, spec, passes, ck)
            else:
                chosen = {k: v[block] for k, v in fixed.items()}
            errors = np.empty(ck.Yt.shape)
            sse, lev, tr, seas = _run(
                ck, spec, 1, {k: v[None, :] for k, v in chosen.items()}, errors
            )
            for k, v in chosen.items():
                params[k][block] = v
            level[block], trend[block] = lev[0], tr[0]
            season[block] = 0.0 if seas is None else seas[:, 0, :].T
            mse[block] = sse[0] / np.maximum(observed.sum(axis=0), 1)
            np.copyto(errors, np.nan, where=~observed)
            for col in range(ck.t0, T, _TILE):
                residuals[block, col : col + _TILE] = errors[col - ck.t0 : col - ck.t0 + _TILE].T
            for k, v in block_masks.items():
                masks[k][block] = v
    return params, (level, trend, season), residuals, mse, masks


def fit_ets(
    Y: np.ndarray,
    *,
    trend: TrendKind = None,
    season: SeasonKind = None,
    season_length: int = 1,
    grid: Literal["fast", "default", "fine"] = "default",
    params: Mapping[str, float | np.ndarray] | None = None,
) -> KernelFit:
    """Fit one additive-error exponential smoothing model to every series of a panel.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``, NaN-padded on the left.
    trend : {None, "add", "damped"}, default=None
        Trend component (none, additive ``b``, damped ``phi * b``).
    season : {None, "add", "mul"}, default=None
        Seasonal component; ``"mul"`` is fitted to strictly positive series only.
    season_length : int, default=1
        Season length ``m`` (needed, >= 2, with a seasonal component).
    grid : {"fast", "default", "fine"}, default="default"
        Size of the parameter search. ``"default"`` evaluates 12 values of
        ``alpha``, 6 of ``beta / alpha``, 4 of ``phi``, 5 of ``gamma / (1 -
        alpha)`` in turn and 5 per-series values around the best ``alpha``;
        ``"fast"`` about half as many, no refinement; ``"fine"`` adds a second,
        finer round for every parameter.
    params : mapping, optional
        Fixed smoothing parameters in state-space form (``alpha``, and
        ``beta``, ``phi``, ``gamma`` as the model needs), scalars or one value
        per series; skips the search.

    Returns
    -------
    KernelFit
        ``name`` from :data:`ETS_MODELS`; ``params`` with ``alpha`` (and
        ``beta``, ``phi``, ``gamma``); ``residuals`` the one-step errors from
        each series' first observation; ``variance`` exact for the linear
        (non-multiplicative) models, ``sigma**2 * (1 + sum_{j<h} c_j**2)``,
        None for multiplicative seasonality; ``simulate`` runs the state
        recursion with the given errors (in units of ``y``); ``n_params``
        counts smoothing parameters and initial states (``m - 1`` free
        seasonal ones).

    Raises
    ------
    InvalidParameterError
        If ``trend``, ``season``, ``grid``, ``season_length`` or ``params``
        is not valid.

    References
    ----------
    Hyndman, R.J., Koehler, A.B., Ord, J.K. & Snyder, R.D. (2008).
    *Forecasting with Exponential Smoothing: The State Space Approach*.
    Springer. Table 2.2 (models), section 2.6.1 (initial states), Table 6.1
    and eq. (6.1) (forecast variance).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y = 10 + np.cumsum(rng.normal(0, 1, (2, 200)), axis=1)
    >>> fit = fit_ets(Y)
    >>> fit.name, np.round(fit.params["alpha"], 2).tolist()
    ('ses', [0.9, 0.9])
    >>> np.round(fit.mean(2), 2).tolist() == np.round(np.repeat(fit.mean(1), 2, axis=1), 2).tolist()
    True
    """
    Y = _check_panel(Y)
    spec = _check_options(trend, season, season_length, grid)
    n, T = Y.shape
    _, lengths = _lengths(Y)
    usable = lengths > 0
    notes: dict[str, np.ndarray] = {}
    if spec.mul:
        positive = ~np.any(Y <= 0, axis=1)
        if np.any(usable & ~positive):
            notes["not_positive"] = np.flatnonzero(usable & ~positive)
        usable &= positive
    fixed = None if params is None else _fixed_params(params, spec, n)
    fitted, states, residuals, mse, masks = _fit_rows(
        Y, np.flatnonzero(usable), spec, _PASSES[grid], fixed
    )
    finite = np.isfinite(states[0]) & np.isfinite(states[1]) & np.isfinite(states[2]).all(axis=1)
    unstable = usable & ~(finite & np.isfinite(mse))
    if unstable.any():
        notes["unstable"] = np.flatnonzero(unstable)
        residuals[unstable] = np.nan
        for arr in (*fitted.values(), *states, mse):
            arr[unstable] = np.nan
    for key, mask in masks.items():
        if mask.any():
            notes[key] = np.flatnonzero(mask)
    if np.any(lengths == 0):
        notes["empty"] = np.flatnonzero(lengths == 0)
    return _assemble(spec, fitted, states, residuals, np.nan_to_num(mse), notes, T)


def _assemble(
    spec: _Spec,
    fitted: dict[str, np.ndarray],
    states: tuple[np.ndarray, np.ndarray, np.ndarray],
    residuals: np.ndarray,
    sigma2: np.ndarray,
    notes: dict,
    width: int,
) -> KernelFit:
    """Wrap final states and parameters into a :class:`KernelFit`.

    ``sigma2`` is the mean squared one-step residual (``KernelFit.sigma() ** 2``).
    """
    level, trend, season = states

    def mean(h: int) -> np.ndarray:
        steps = np.arange(1, h + 1)
        point = level[:, None] + trend[:, None] * _trend_factor(fitted["phi"], steps, spec)
        seas = season[:, (width - 1 + steps) % spec.m]
        return point * seas if spec.mul else point + seas

    def variance(h: int) -> np.ndarray:
        weights = _variance_weights(fitted, spec, h)
        cum = np.concatenate([np.zeros((level.size, 1)), np.cumsum(weights**2, axis=1)], axis=1)
        return sigma2[:, None] * (1.0 + cum)

    def simulate(h: int, errors: np.ndarray) -> np.ndarray:
        return _simulate(states, fitted, spec, width, np.asarray(errors, dtype=float)[:, :, :h])

    keys = ["alpha"] + ["beta"] * spec.has_trend + ["phi"] * spec.damped + ["gamma"] * spec.seasonal
    n_params = 2 + 2 * spec.has_trend + spec.damped + (spec.m if spec.seasonal else 0)
    return KernelFit(
        name=_NAMES[(spec.trend, spec.season)],
        mean=mean,
        residuals=residuals,
        params={k: fitted[k] for k in keys},
        variance=None if spec.mul else variance,
        simulate=simulate,
        n_params=np.full(level.size, float(n_params)),
        notes=notes,
    )
