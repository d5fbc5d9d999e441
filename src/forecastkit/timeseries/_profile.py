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

Every panel-level quantity (``P_d``, its shrinkage, ``tau2_d``) is a function
of sums over series, so :class:`ProfileEstimate` computes the profile in
rounds of such sums (:class:`PanelSums`, exact and mergeable):
:func:`pooled_profile` runs them on one panel, and disjoint groups of whole
series of a panel that merge their sums at every round get the whole
panel's profile (:mod:`forecastkit.timeseries._partition`).

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

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from forecastkit.errors import InvalidParameterError

__all__ = [
    "PanelSums",
    "ProfileEstimate",
    "SeasonalProfile",
    "estimate_alone",
    "merge_sums",
    "period_numbers",
    "pooled_profile",
]

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


# ------------------------------------------------------------ mergeable sums
_SCALE = 1127  # x * 2**1127 is an integer for every finite float64 x (2**-1074 * 2**53)


@dataclass(frozen=True)
class _ExactSums:
    """Exact column sums of a float array: ``ints[c] * 2**(shift - _SCALE)``.

    Every finite float is an integer multiple of ``2**-1127``, so the sum of
    any of them is an integer too: held here as Python ints, added exactly,
    and rounded once (correctly) by :meth:`value`. Sums of partitions of the
    rows therefore give the whole array's sums to the last bit, whatever the
    partition and order. Non-finite entries are summed apart (``special``).
    """

    shift: int
    ints: tuple[int, ...]
    special: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> _ExactSums:
        """Column sums of ``x`` ``(n, c)``: each value split as ``M 2**(e - 53)``, ``M``
        into two 26-bit halves whose per-exponent sums are exact in float64
        (below ``2**53`` for up to ``2**26`` rows), then combined as integers."""
        finite = np.isfinite(x)
        special = np.where(finite, 0.0, x).sum(axis=0)
        fraction, exponent = np.frexp(np.where(finite, x, 0.0))
        mantissa = fraction * 2.0**53  # an integer below 2**53 in magnitude
        high = np.floor(mantissa * 2.0**-26)
        low = mantissa - high * 2.0**26
        n_columns = x.shape[1]
        lowest = int(exponent.min()) if exponent.size else 0
        span = int(exponent.max()) - lowest + 1 if exponent.size else 1
        keys = ((exponent - lowest) + (np.arange(n_columns) * span)[None, :]).ravel()
        size = n_columns * span
        high_sums = np.bincount(keys, weights=high.ravel(), minlength=size)
        low_sums = np.bincount(keys, weights=low.ravel(), minlength=size)
        used = np.flatnonzero((high_sums != 0) | (low_sums != 0))
        column, offset = np.divmod(used, span)
        shift = lowest + 1074  # of the lowest exponent: 2**(e - 53) * 2**1127 = 2**(e + 1074)
        ints = [0] * n_columns
        pairs = zip(
            column.tolist(),
            offset.tolist(),
            high_sums[used].tolist(),
            low_sums[used].tolist(),
            strict=True,
        )
        for c, k, h, lo in pairs:
            ints[c] += ((int(h) << 26) + int(lo)) << k
        return cls(shift, tuple(ints), special)

    def __add__(self, other: _ExactSums) -> _ExactSums:
        shift = min(self.shift, other.shift)
        a, b = self.shift - shift, other.shift - shift
        ints = tuple((x << a) + (y << b) for x, y in zip(self.ints, other.ints, strict=True))
        return _ExactSums(shift, ints, self.special + other.special)

    def value(self) -> np.ndarray:
        """The correctly rounded sums (Python's int division rounds correctly)."""
        exponent = _SCALE - self.shift
        out = np.empty(len(self.ints))
        for c, v in enumerate(self.ints):
            try:
                out[c] = v / (1 << exponent) if exponent >= 0 else float(v << -exponent)
            except OverflowError:
                out[c] = np.inf if v > 0 else -np.inf
        return np.where(self.special == 0, out, self.special)


class PanelSums:
    """Sums over the series (rows) of a panel, mergeable across partitions of its series.

    The panel-level estimates (the pooled profile here, the event ratios of
    :mod:`forecastkit.timeseries._events`) depend on the series only through
    such sums. Float sums are exact until read (:class:`_ExactSums`), so the
    sums of disjoint groups of whole series, added up with ``+`` in any
    order, give the whole panel's sums to the last bit; integer sums are
    exact anyway; ``maxima`` are combined by maximum.

    Parameters
    ----------
    terms : dict of str to numpy.ndarray
        Per-row terms ``(n_series, ...)``, summed over the rows.
    maxima : dict of str to numpy.ndarray, optional
        Per-row values whose maximum over the rows is kept.
    """

    def __init__(
        self, terms: dict[str, np.ndarray], maxima: dict[str, np.ndarray] | None = None
    ) -> None:
        self._sums: dict[str, _ExactSums | np.ndarray] = {}
        for key, term in terms.items():
            wide = _rows(term)
            if np.issubdtype(wide.dtype, np.floating):
                self._sums[key] = _ExactSums.of(wide.astype(np.float64, copy=False))
            else:
                self._sums[key] = wide.sum(axis=0, dtype=np.int64)
        self._maxima = {key: _rows(v).max(axis=0, initial=0) for key, v in (maxima or {}).items()}
        self._shapes = {key: np.shape(v)[1:] for key, v in {**terms, **(maxima or {})}.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self._maxima:
            return self._maxima[key].reshape(self._shapes[key])
        total = self._sums[key]
        value = total.value() if isinstance(total, _ExactSums) else total
        return value.reshape(self._shapes[key])

    def __add__(self, other: PanelSums) -> PanelSums:
        if self._shapes != other._shapes:
            raise InvalidParameterError(f"cannot merge sums of {self._shapes} and {other._shapes}")
        out = PanelSums({})
        out._sums = {key: total + other._sums[key] for key, total in self._sums.items()}
        out._maxima = {key: np.maximum(v, other._maxima[key]) for key, v in self._maxima.items()}
        out._shapes = dict(self._shapes)
        return out


def _rows(values: np.ndarray) -> np.ndarray:
    """``values`` as ``(n_rows, n_columns)``."""
    arr = np.asarray(values)
    return arr.reshape(arr.shape[0], int(np.prod(arr.shape[1:], dtype=np.int64)))


def merge_sums(parts: Sequence[PanelSums | None]) -> PanelSums | None:
    """The sums of all ``parts`` (None when every part is None: nothing estimated)."""
    present = [part for part in parts if part is not None]
    if not present:
        return None
    if len(present) < len(parts):
        raise InvalidParameterError(
            "some partitions sent statistics for this round and others did not"
        )
    return functools.reduce(operator.add, present)


class Staged(Protocol):
    """An estimate computed in rounds of mergeable sums (see :func:`estimate_alone`)."""

    n_rounds: int

    def statistics(self, r: int, merged: Sequence[PanelSums]) -> PanelSums: ...


def estimate_alone(estimate: Staged) -> list[PanelSums]:
    """Run every round on one panel, as if it were the only partition: the merged sums."""
    merged: list[PanelSums] = []
    for r in range(estimate.n_rounds):
        merged.append(estimate.statistics(r, merged))
    return merged


# ------------------------------------------------------------ DerSimonian-Laird
def _dl_terms(r: np.ndarray, v: np.ndarray, ok: np.ndarray) -> dict[str, np.ndarray]:
    """Per row: the weight ``1 / v``, weighted ratio, squared weight and count of usable cells."""
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    return {"sw": w, "swr": w * np.where(ok, r, 0.0), "sw2": w**2, "k": ok.astype(np.int64)}


def _dl_mean(sums: PanelSums | dict[str, np.ndarray]) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums["swr"] / sums["sw"]


def _dl_q(r: np.ndarray, v: np.ndarray, ok: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per row: terms of Cochran's ``Q``, weighted squared deviations from the weighted mean."""
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    return w * np.where(ok, r - mean, 0.0) ** 2


def _dl_tau2(sums: PanelSums | dict[str, np.ndarray], q: np.ndarray) -> np.ndarray:
    """DerSimonian-Laird between-row variance from the sums and ``Q``."""
    sw, k = sums["sw"], sums["k"]
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = sw - sums["sw2"] / sw
        tau2 = (q - (k - 1)) / denom
    # one series, or no spread to estimate: trust the series' own ratios
    return np.where((k > 1) & (denom > 0), np.clip(np.nan_to_num(tau2), 0.0, None), np.inf)


def _tau2(r: np.ndarray, v: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """DerSimonian-Laird between-series variance of each phase's ratio."""
    sums = {key: term.sum(axis=0) for key, term in _dl_terms(r, v, ok).items()}
    return _dl_tau2(sums, _dl_q(r, v, ok, _dl_mean(sums)).sum(axis=0))


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


def _shrink_panel(raw: np.ndarray, noise: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The panel profile shrunk toward flat by its own sampling noise.

    ``Var(O_d) = sum_i N_id sigma2_i (ybar_i P_d)^2`` (``noise`` is the sum
    without ``P_d^2``), so the sampling variance of ``P_d`` is that over
    ``(sum_i N_id ybar_i)^2`` (``expected``); the spread of the true
    profile around 1 is the DerSimonian-Laird ``tau^2`` over phases. One
    noisy series gets a nearly flat profile; hundreds of series keep theirs.
    """
    v = np.divide(noise * raw**2, expected**2, out=np.full(raw.size, np.inf), where=expected > 0)
    ok = np.isfinite(v)
    if not ok.any():
        return np.ones(raw.size)
    tau2 = float(_tau2(raw[:, None], np.maximum(v, 1e-12)[:, None], ok[:, None])[0])
    if np.isinf(tau2):  # one phase observed: nothing to compare
        return raw
    w = np.where(ok, tau2 / (tau2 + np.where(ok, np.maximum(v, 1e-12), 1.0)), 0.0)
    panel = np.clip(1.0 + w * (raw - 1.0), *_CLIP)
    return panel / panel.mean()


def _raw_profile(totals: PanelSums) -> np.ndarray:
    """``P_d`` before shrinkage: demand over expected demand per phase, mean 1."""
    expected = totals["expected"]
    raw = np.divide(totals["sums"], expected, out=np.ones(expected.size), where=expected > 0)
    return raw / raw.mean() if raw.mean() > 0 else np.ones(raw.size)


class ProfileEstimate:
    """:func:`pooled_profile` in four rounds of sums over series.

    Round 0 sums each phase's demand and expected demand over the series
    (the raw panel profile), round 1 the noise ``N_id sigma2_i ybar_i^2``
    (the panel profile, shrunk toward flat), rounds 2 and 3 the
    DerSimonian-Laird sums and ``Q`` of the series' ratios (``tau2_d``);
    :meth:`result` gives every row's index from the merged sums. Run alone
    (:func:`estimate_alone`) it is :func:`pooled_profile`; run on disjoint
    groups of whole series of a panel, with each round's sums merged across
    the groups (:func:`merge_sums`) before the next, every group gets its
    rows of the whole panel's profile.

    Parameters
    ----------
    Y, season_length, last_period, window
        As :func:`pooled_profile`.
    """

    n_rounds = 4

    def __init__(
        self,
        Y: np.ndarray,
        season_length: int,
        *,
        last_period: np.ndarray | None = None,
        window: int | None = None,
    ) -> None:
        Y = np.asarray(Y, dtype=float)
        n, T = Y.shape
        m = self.m = int(season_length)
        window = min(T, 52 * m if window is None else int(window))
        self.last_phase = (
            np.full(n, m - 1, dtype=np.int64)
            if last_period is None
            else np.asarray(last_period, dtype=np.int64) % m
        )
        self.Z = Y[:, T - window :]
        self.phases = (self.last_phase[:, None] + np.arange(window)[None, :] - (window - 1)) % m
        self.sums, self.counts = _phase_sums(self.Z, self.phases, m)
        self.total = self.counts.sum(axis=1)
        self.ybar = np.divide(
            self.sums.sum(axis=1), self.total, out=np.zeros(n), where=self.total > 0
        )
        self._sigma2: np.ndarray | None = None

    def _noise(self, raw: np.ndarray) -> np.ndarray:
        if self._sigma2 is None:
            self._sigma2 = _noise(
                self.Z, self.phases, self.counts, self.sums, self.ybar, raw, self.total
            )
        return self._sigma2

    def _ratios(
        self, panel: np.ndarray, sigma2: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's ratio to the panel profile ``r_id``, its variance ``v_id``, usable cells."""
        expected = self.counts * self.ybar[:, None] * panel[None, :]
        ok = (expected > 0) & (self.counts > 1)
        r = np.divide(self.sums, expected, out=np.ones_like(self.sums), where=ok)
        v = np.divide(
            sigma2[:, None], self.counts, out=np.full_like(r, np.inf), where=self.counts > 0
        )
        return r, np.maximum(v, 1e-12), ok

    def _panel(self, merged: Sequence[PanelSums]) -> tuple[np.ndarray, np.ndarray]:
        raw = _raw_profile(merged[0])
        sigma2 = self._noise(raw)
        return _shrink_panel(raw, merged[1]["v"], merged[0]["expected"]), sigma2

    def statistics(self, r: int, merged: Sequence[PanelSums]) -> PanelSums:
        """This panel's sums of round ``r`` given the merged sums of rounds ``0 .. r - 1``."""
        if r == 0:
            return PanelSums({"sums": self.sums, "expected": self.counts * self.ybar[:, None]})
        if r == 1:
            sigma2 = self._noise(_raw_profile(merged[0]))
            return PanelSums({"v": self.counts * (sigma2 * self.ybar**2)[:, None]})
        ratio, v, ok = self._ratios(*self._panel(merged))
        if r == 2:
            return PanelSums(_dl_terms(ratio, v, ok))
        if r == 3:
            return PanelSums({"q": _dl_q(ratio, v, ok, _dl_mean(merged[2]))})
        raise InvalidParameterError(f"round {r} is not one of 0..{self.n_rounds - 1}")

    def result(self, merged: Sequence[PanelSums]) -> SeasonalProfile:
        """Every row's seasonal index from the merged sums of the four rounds."""
        panel, sigma2 = self._panel(merged)
        ratio, v, ok = self._ratios(panel, sigma2)
        tau2 = _dl_tau2(merged[2], merged[3]["q"])
        with np.errstate(invalid="ignore"):
            # a phase whose spread cannot be estimated (one series) keeps the panel profile
            weight = np.where(ok & np.isfinite(tau2), tau2 / (tau2 + v), 0.0)
        index = np.clip(panel[None, :] * (1.0 + weight * (ratio - 1.0)), *_CLIP)
        index /= index.mean(axis=1, keepdims=True)
        index = np.where((self.ybar > 0)[:, None], index, 1.0)
        return SeasonalProfile(index, self.last_phase, panel)


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

    See Also
    --------
    ProfileEstimate : the same estimate in rounds of sums over series, for
        partitions of a panel.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> week = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5])
    >>> Y = rng.poisson(20 * np.tile(week, 20), size=(30, 140)).astype(float)
    >>> prof = pooled_profile(Y, 7)
    >>> np.round(prof.panel, 1).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 0.5]
    """
    estimate = ProfileEstimate(Y, season_length, last_period=last_period, window=window)
    return estimate.result(estimate_alone(estimate))
