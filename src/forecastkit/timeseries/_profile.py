"""Seasonal profiles pooled across series (private).

Most retail series are too noisy for a model to learn their weekly pattern on
its own, yet the pattern is plain in their sum: the weekend peak of a store
shows in every product it sells. :func:`pooled_profile` estimates one
multiplicative seasonal index per series and phase (weekday on daily data),
shrunk toward the panel's common profile by how much evidence the series
has; the non-seasonal models (SES, damped trend, Theta, the Croston family)
are then fitted to the seasonally adjusted history and their forecasts are
multiplied back by the index of each future period. This is the *group
seasonal indices* idea (Withycombe 1989; Dekker, van Donselaar & Ouwehand
2004), with the amount of pooling chosen per series by empirical Bayes.

Estimator
---------
Over the last ``window`` periods of series ``i``, with ``O_id`` the sum of
its demand and ``N_id`` the number of observations at phase ``d``, and
``ybar_i`` its mean::

    P_d    = (sum_i O_id / sum_i N_id ybar_i), normalised to mean 1   (panel profile)
    E_id   = N_id ybar_i P_d                  (expected demand under the panel profile)
    r_id   = O_id / E_id                      (the series' own ratio to it)
    v_id   = sigma2_i / N_id                  (sampling variance of r_id)
    s_id   = P_d (1 + tau2_d / (tau2_d + v_id) (r_id - 1)),  normalised to mean 1

where ``sigma2_i`` is the variance of ``y / (ybar_i P_d)`` within phases and
``tau2_d`` the between-series variance of the true ratios, estimated by the
DerSimonian-Laird moment estimator (DerSimonian & Laird 1986). A series with
little demand gets the panel profile; a large series whose pattern differs
keeps its own. Indices are clipped to ``[0.05, 20]`` so that a phase with no
sales (a closed day) never divides by zero.

References
----------
Withycombe, R. (1989). Forecasting with combined seasonal indices.
*International Journal of Forecasting* 5(4), 547-552.
Dekker, M., van Donselaar, K. and Ouwehand, P. (2004). How to use aggregation
and combined forecasting to improve seasonal demand forecasts. *International
Journal of Production Economics* 90(2), 151-167.
DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials.
*Controlled Clinical Trials* 7(3), 177-188.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SeasonalProfile", "period_numbers", "pooled_profile"]

_CLIP = (0.05, 20.0)


def period_numbers(last_dates: pd.Series, freq: str) -> np.ndarray | None:
    """Integer period number of each series' last date, on one common clock.

    Days since 1970-01-01 for daily data, weeks for weekly, hours for
    hourly, months and quarters for monthly and quarterly data, counted in
    periods of the frequency's multiple (``"2D"``: two-day periods), so that
    consecutive periods differ by one; None for other frequencies (phases
    are then counted from each series' last period, right when the series
    end on the same date).

    Examples
    --------
    >>> last = pd.Series(pd.to_datetime(["1970-01-08", "1970-03-01"]))
    >>> period_numbers(last, "D").tolist(), period_numbers(last, "MS").tolist()
    ([7, 59], [23640, 23642])
    """
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(last_dates).reset_index(drop=True)))
    if stamps.tz is not None:
        stamps = stamps.tz_localize(None)
    stripped = freq.lstrip("0123456789")
    base = stripped.split("-")[0]
    step = int(freq[: len(freq) - len(stripped)] or 1)
    ns = stamps.asi8 if stamps.unit == "ns" else stamps.as_unit("ns").asi8
    day = 86_400 * 10**9
    if base == "D":
        return ns // (step * day)
    if base == "W":
        return ns // (step * 7 * day)
    if base in ("h", "H"):
        return ns // (step * 3_600 * 10**9)
    months = (stamps.year * 12 + stamps.month - 1).to_numpy(dtype=np.int64)
    if base in ("M", "MS", "ME"):
        return months // step
    if base in ("Q", "QS", "QE"):
        return months // (3 * step)
    return None


@dataclass(frozen=True)
class SeasonalProfile:
    """Multiplicative seasonal index of every series and phase.

    Attributes
    ----------
    index : numpy.ndarray
        ``(n_series, m)``; mean 1 over the phases of each row.
    last_phase : numpy.ndarray
        ``(n_series,)`` phase of each series' last history column.
    panel : numpy.ndarray
        ``(m,)`` the panel-wide profile the rows were shrunk toward.
    """

    index: np.ndarray
    last_phase: np.ndarray
    panel: np.ndarray

    def history(self, n_columns: int) -> np.ndarray:
        """Index of each history column of a right-aligned panel, ``(n, n_columns)``."""
        offsets = np.arange(n_columns) - (n_columns - 1)
        return self._take(offsets)

    def future(self, h: int) -> np.ndarray:
        """Index of future steps 1..h, ``(n, h)``."""
        return self._take(np.arange(1, h + 1))

    def _take(self, offsets: np.ndarray) -> np.ndarray:
        m = self.index.shape[1]
        phases = (self.last_phase[:, None] + offsets[None, :]) % m
        return np.take_along_axis(self.index, phases, axis=1)


def _phase_sums(Z: np.ndarray, phases: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row sums and counts of the observed cells of each phase (one bincount each)."""
    observed = ~np.isnan(Z)
    cells = (np.arange(Z.shape[0])[:, None] * m + phases).ravel()
    size = Z.shape[0] * m
    sums = np.bincount(cells, weights=np.where(observed, Z, 0.0).ravel(), minlength=size)
    counts = np.bincount(cells, weights=observed.ravel(), minlength=size)
    return sums.reshape(-1, m), counts.reshape(-1, m)


def _tau2(r: np.ndarray, v: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """DerSimonian-Laird between-series variance of each phase's ratio."""
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    sw = w.sum(axis=0)
    k = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * np.where(ok, r, 0.0)).sum(axis=0) / sw
        q = (w * np.where(ok, r - mean, 0.0) ** 2).sum(axis=0)
        denom = sw - (w**2).sum(axis=0) / sw
        tau2 = (q - (k - 1)) / denom
    # one series, or no spread to estimate: trust the series' own ratios
    return np.where((k > 1) & (denom > 0), np.clip(np.nan_to_num(tau2), 0.0, None), np.inf)


def _noise(
    Z: np.ndarray,
    phases: np.ndarray,
    counts: np.ndarray,
    sums: np.ndarray,
    ybar: np.ndarray,
    panel: np.ndarray,
    total: np.ndarray,
) -> np.ndarray:
    """Within-phase variance of ``y / (ybar P_d)`` per series: one period's noise."""
    scale = ybar[:, None] * panel[None, :]
    mean_u = np.divide(sums, counts * scale, out=np.ones_like(sums), where=(counts * scale) > 0)
    u = Z / np.maximum(np.take_along_axis(scale, phases, axis=1), 1e-12)
    dev = u - np.take_along_axis(mean_u, phases, axis=1)
    ss = np.nansum(np.where(ybar[:, None] > 0, dev**2, 0.0), axis=1)
    return ss / np.maximum(total - panel.size, 1)


def _shrink_panel(
    raw: np.ndarray,
    counts: np.ndarray,
    ybar: np.ndarray,
    sigma2: np.ndarray,
    expected0: np.ndarray,
) -> np.ndarray:
    """The panel profile shrunk toward flat by its own sampling noise.

    ``Var(O_d) = sum_i N_id sigma2_i (ybar_i P_d)^2``, so the sampling
    variance of ``P_d`` is that over ``(sum_i N_id ybar_i)^2``; the spread
    of the true profile around 1 is the DerSimonian-Laird ``tau^2`` over
    phases. One noisy series gets a nearly flat profile; hundreds of series
    keep theirs.
    """
    denom = expected0.sum(axis=0)
    var_o = (counts * (sigma2 * ybar**2)[:, None]).sum(axis=0) * raw**2
    v = np.divide(var_o, denom**2, out=np.full(raw.size, np.inf), where=denom > 0)
    ok = np.isfinite(v)
    if not ok.any():
        return np.ones(raw.size)
    tau2 = float(_tau2(raw[:, None], np.maximum(v, 1e-12)[:, None], ok[:, None])[0])
    if np.isinf(tau2):  # one phase observed: nothing to compare
        return raw
    w = np.where(ok, tau2 / (tau2 + np.where(ok, np.maximum(v, 1e-12), 1.0)), 0.0)
    panel = np.clip(1.0 + w * (raw - 1.0), *_CLIP)
    return panel / panel.mean()


def pooled_profile(
    Y: np.ndarray,
    season_length: int,
    *,
    last_period: np.ndarray | None = None,
    window: int | None = None,
) -> SeasonalProfile:
    """Seasonal indices of every row of a panel, pooled toward the panel profile.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel (NaN left padding).
    season_length : int
        Number of phases ``m`` (7 for days of the week).
    last_period : numpy.ndarray, optional
        Period number of each row's last column on a common clock
        (:func:`period_numbers`); phases are ``period % m``. When omitted,
        every row's last column is phase ``m - 1`` (series ending together).
    window : int, optional
        Periods used, counted back from each row's end; default 52 seasons
        (a year of weeks on daily data), at most ``T``.

    Returns
    -------
    SeasonalProfile

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> week = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5])
    >>> Y = rng.poisson(20 * np.tile(week, 20), size=(30, 140)).astype(float)
    >>> prof = pooled_profile(Y, 7)
    >>> np.round(prof.panel, 1).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5]
    """
    Y = np.asarray(Y, dtype=float)
    n, T = Y.shape
    m = int(season_length)
    window = min(T, 52 * m if window is None else int(window))
    last_phase = (
        np.full(n, m - 1, dtype=np.int64)
        if last_period is None
        else np.asarray(last_period, dtype=np.int64) % m
    )
    Z = Y[:, T - window :]
    phases = (last_phase[:, None] + np.arange(window)[None, :] - (window - 1)) % m
    sums, counts = _phase_sums(Z, phases, m)
    total = counts.sum(axis=1)
    ybar = np.divide(sums.sum(axis=1), total, out=np.zeros(n), where=total > 0)
    expected0 = counts * ybar[:, None]
    raw = np.divide(
        sums.sum(axis=0), expected0.sum(axis=0), out=np.ones(m), where=expected0.sum(axis=0) > 0
    )
    raw = raw / raw.mean() if raw.mean() > 0 else np.ones(m)
    sigma2 = _noise(Z, phases, counts, sums, ybar, raw, total)
    panel = _shrink_panel(raw, counts, ybar, sigma2, expected0)
    expected = expected0 * panel[None, :]
    ok = (expected > 0) & (counts > 1)
    r = np.divide(sums, expected, out=np.ones_like(sums), where=ok)
    v = np.divide(sigma2[:, None], counts, out=np.full_like(r, np.inf), where=counts > 0)
    v = np.maximum(v, 1e-12)
    tau2 = _tau2(r, v, ok)
    with np.errstate(invalid="ignore"):
        # a phase whose spread cannot be estimated (one series) keeps the panel profile
        weight = np.where(ok & np.isfinite(tau2), tau2 / (tau2 + v), 0.0)
    index = np.clip(panel[None, :] * (1.0 + weight * (r - 1.0)), *_CLIP)
    index /= index.mean(axis=1, keepdims=True)
    index = np.where((ybar > 0)[:, None], index, 1.0)
    return SeasonalProfile(index, last_phase, panel)
