"""Target features on the flat row layout: lags, rolling and expanding statistics (private).

Every feature at row ``r`` uses only target values of the same series at rows
``<= r - shift`` (rolling and expanding statistics) or at ``r - lag`` (lags,
with ``lag >= shift``), so a model trained on them never sees the value it
predicts nor anything after it. ``shift = 1`` serves recursive forecasting
(one-step-ahead features); a direct model for horizon steps up to ``s`` uses
``shift = s``, so that every feature of a row ``s`` periods after the origin
is known at the origin.

Two kernels compute the same features:

* :func:`target_features` for every row at once (training), with cumulative
  sums restarted at the group boundaries: ``O(n_rows)`` per statistic;
* :func:`target_features_at` for a few rows (one forecast step of every
  series), by gathering the window values: ``O(len(rows) * window)``, and an
  expanding sum read from :class:`Prefix` sums taken once per forecast.

Missing targets (NaN) are skipped: statistics use the non-missing values of
the window (``min_periods=1``; the standard deviation needs 2) and are NaN
when there are none, which LightGBM treats as missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecastkit.errors import InvalidParameterError

__all__ = ["STATS", "Prefix", "TargetSpec", "prefix_sums", "target_features", "target_features_at"]

#: Rolling statistics: mean, sample standard deviation, share of zeros.
STATS = ("mean", "std", "zero")


def _positive_ints(values: Sequence[int], name: str) -> tuple[int, ...]:
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidParameterError(
                f"{name} must be positive integers (periods), got {list(values)!r}."
            )
        out.append(int(v))
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class TargetSpec:
    """Which target features to build.

    Parameters
    ----------
    lags : sequence of int
        Lags ``L``: feature ``y_lag{L}`` at row ``r`` is ``y[r - L]``. Each
        must be ``>= shift``.
    windows : sequence of int
        Rolling windows ``w``: statistics over the ``w`` rows
        ``r - shift - w + 1 .. r - shift``, named ``y_{stat}{w}``.
    shift : int, default=1
        Last row used by rolling and expanding statistics is ``r - shift``.
    stats : sequence of {"mean", "std", "zero"}, default=STATS
        Rolling statistics: mean, sample standard deviation, share of zeros.
    expanding : bool, default=True
        Add ``y_mean_all``: mean of every row of the series up to ``r - shift``.

    Examples
    --------
    >>> TargetSpec(lags=[7, 1], windows=[7], stats=["mean"]).names()
    ['y_lag1', 'y_lag7', 'y_mean7', 'y_mean_all']
    """

    lags: Sequence[int] = (1, 7, 14, 28)
    windows: Sequence[int] = (7, 28)
    shift: int = 1
    stats: Sequence[str] = STATS
    expanding: bool = True

    def __post_init__(self) -> None:
        shift = _positive_ints([self.shift], "shift")[0]
        lags = _positive_ints(self.lags, "lags")
        if lags and lags[0] < shift:
            raise InvalidParameterError(
                f"lags {list(lags)} include lags below shift={shift}: a model for steps up to "
                f"{shift} ahead cannot use them. Drop them or lower shift."
            )
        bad = [s for s in self.stats if s not in STATS]
        if bad:
            raise InvalidParameterError(f"stats {bad} are not known; choose among {STATS}.")
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "lags", lags)
        object.__setattr__(self, "windows", _positive_ints(self.windows, "windows"))
        object.__setattr__(self, "stats", tuple(s for s in STATS if s in self.stats))

    def names(self) -> list[str]:
        """Feature names, in the column order of the kernels' output."""
        names = [f"y_lag{lag}" for lag in self.lags]
        names += [f"y_{stat}{w}" for w in self.windows for stat in self.stats]
        return names + (["y_mean_all"] if self.expanding else [])

    @property
    def lookback(self) -> int:
        """Rows back from ``r`` that lags and rolling windows reach (not expanding)."""
        reach = [*self.lags, *(self.shift + w - 1 for w in self.windows), self.shift]
        return max(reach)


def _codes(starts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(starts.size - 1), np.diff(starts))


def _window_stats(
    spec: TargetSpec, w: int, n: np.ndarray, s1: np.ndarray, s2: np.ndarray, z: np.ndarray
) -> dict[str, np.ndarray]:
    """Statistics of a window from its count, sum, sum of squares and zero count."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        if "mean" in spec.stats:
            out[f"y_mean{w}"] = np.where(n > 0, mean, np.nan)
        if "std" in spec.stats:
            var = (s2 - s1 * mean) / (n - 1)
            out[f"y_std{w}"] = np.where(n > 1, np.sqrt(np.clip(var, 0.0, None)), np.nan)
        if "zero" in spec.stats:
            out[f"y_zero{w}"] = np.where(n > 0, z / n, np.nan)
    return out


def _f32(features: dict[str, np.ndarray], spec: TargetSpec) -> dict[str, np.ndarray]:
    return {name: features[name].astype(np.float32) for name in spec.names()}


def target_features(y: np.ndarray, starts: np.ndarray, spec: TargetSpec) -> dict[str, np.ndarray]:
    """Target features of every row, vectorized over all series.

    Parameters
    ----------
    y : numpy.ndarray
        ``(n_rows,)`` target in layout order; NaN where unknown.
    starts : numpy.ndarray
        ``(n_series + 1,)`` row offsets of the series.
    spec : TargetSpec
        Features to build.

    Returns
    -------
    dict of str to numpy.ndarray
        One float32 ``(n_rows,)`` column per name of ``spec.names()``.

    Notes
    -----
    A window sum over rows ``lo .. hi - 1`` is ``C[hi] - C[lo]`` with ``C``
    the running sum; ``lo`` and ``hi`` are clipped to the series' first row,
    so windows never cross a series boundary. Values are taken relative to
    the series' first observation, which keeps the running sums small.

    Examples
    --------
    Two series, ``[1, 2, 3, 4]`` and ``[0, 5]``:

    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 5.0])
    >>> spec = TargetSpec(lags=[1], windows=[2], stats=["mean", "zero"])
    >>> out = target_features(y, np.array([0, 4, 6]), spec)
    >>> out["y_lag1"].tolist()
    [nan, 1.0, 2.0, 3.0, nan, 0.0]
    >>> out["y_mean2"].tolist()  # mean of the two rows before (1+2)/2, (2+3)/2
    [nan, 1.0, 1.5, 2.5, nan, 0.0]
    >>> out["y_zero2"].tolist(), out["y_mean_all"].tolist()
    ([nan, 0.0, 0.0, 0.0, nan, 1.0], [nan, 1.0, 1.5, 2.0, nan, 0.0])
    """
    y = np.asarray(y, dtype=np.float64)
    n_rows = y.size
    codes = _codes(starts)
    first = starts[:-1][codes]
    pos = np.arange(n_rows) - first
    out: dict[str, np.ndarray] = {}
    for lag in spec.lags:
        out[f"y_lag{lag}"] = np.where(pos >= lag, y[np.maximum(np.arange(n_rows) - lag, 0)], np.nan)
    valid = ~np.isnan(y)
    ref = _first_values(y, valid, starts)[codes]
    v = np.where(valid, y - ref, 0.0)
    run = {
        "n": _running(valid.astype(np.float64)),
        "s1": _running(v),
        "s2": _running(v * v),
        "z": _running((valid & (y == 0)).astype(np.float64)),
    }
    hi = np.maximum(np.arange(n_rows) - spec.shift + 1, first)  # window is rows lo .. hi - 1
    for w in spec.windows:
        lo = np.maximum(hi - w, first)
        parts = {k: c[hi] - c[lo] for k, c in run.items()}
        out.update(_shifted_stats(spec, w, parts, ref))
    if spec.expanding:
        parts = {k: run[k][hi] - run[k][first] for k in ("n", "s1")}
        with np.errstate(invalid="ignore", divide="ignore"):
            out["y_mean_all"] = np.where(parts["n"] > 0, parts["s1"] / parts["n"] + ref, np.nan)
    return _f32(out, spec)


def _running(values: np.ndarray) -> np.ndarray:
    """Running sum with a leading 0: ``out[k]`` sums ``values[:k]``."""
    out = np.empty(values.size + 1)
    out[0] = 0.0
    np.cumsum(values, out=out[1:])
    return out


def _first_values(y: np.ndarray, valid: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """First non-missing value of each series (0 when it has none)."""
    n_series = starts.size - 1
    rows = np.flatnonzero(valid)
    codes = _codes(starts)[rows]
    first_row = np.full(n_series, -1)
    keep = np.r_[True, codes[1:] != codes[:-1]] if rows.size else np.zeros(0, bool)
    first_row[codes[keep]] = rows[keep]
    if y.size == 0:
        return np.zeros(n_series)
    return np.where(first_row >= 0, y[np.maximum(first_row, 0)], 0.0)


def _shifted_stats(
    spec: TargetSpec, w: int, parts: dict[str, np.ndarray], ref: np.ndarray
) -> dict[str, np.ndarray]:
    """Window statistics from sums of values relative to ``ref``."""
    stats = _window_stats(spec, w, parts["n"], parts["s1"], parts["s2"], parts["z"])
    if f"y_mean{w}" in stats:
        stats[f"y_mean{w}"] = stats[f"y_mean{w}"] + ref
    return stats


@dataclass(frozen=True)
class Prefix:
    """Running sums of a target taken once per forecast (see :func:`prefix_sums`).

    ``total[k]`` and ``count[k]`` sum the known values of rows ``< k``;
    ``anchor[i]`` is series ``i``'s last row whose value was known then
    (its forecast origin).
    """

    total: np.ndarray
    count: np.ndarray
    anchor: np.ndarray


def prefix_sums(y: np.ndarray, starts: np.ndarray, anchor: np.ndarray) -> Prefix:
    """Running sums of ``y`` up to each series' ``anchor`` row (the origin).

    Rows after the anchors are ignored (they are forecast later), so the same
    ``Prefix`` serves every step of a recursive forecast.
    """
    y = np.asarray(y, dtype=np.float64)
    codes = _codes(starts)
    known = ~np.isnan(y) & (np.arange(y.size) <= np.asarray(anchor)[codes])
    return Prefix(
        total=_running(np.where(known, y, 0.0)),
        count=_running(known.astype(np.float64)),
        anchor=np.asarray(anchor, dtype=np.int64),
    )


def target_features_at(
    y: np.ndarray,
    starts: np.ndarray,
    rows: np.ndarray,
    spec: TargetSpec,
    *,
    prefix: Prefix | None = None,
) -> dict[str, np.ndarray]:
    """Target features of a few rows, by gathering their windows.

    Same values as :func:`target_features` at ``rows`` (up to rounding), at
    a cost proportional to ``len(rows)``: one forecast step of every series.

    Parameters
    ----------
    y : numpy.ndarray
        ``(n_rows,)`` target in layout order; forecasts written in as they
        are made.
    starts : numpy.ndarray
        ``(n_series + 1,)`` row offsets.
    rows : numpy.ndarray
        Rows to describe.
    spec : TargetSpec
        Features to build.
    prefix : Prefix, optional
        Running sums taken at the forecast origins, for the expanding mean;
        its rows after an anchor are read from ``y``. Computed from ``y``
        when omitted (every value of ``y`` then counts as known).

    Returns
    -------
    dict of str to numpy.ndarray
        One float32 ``(len(rows),)`` column per name of ``spec.names()``.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 5.0])
    >>> spec = TargetSpec(lags=[1], windows=[2], stats=["mean", "std"], expanding=False)
    >>> out = target_features_at(y, np.array([0, 4, 6]), np.array([3, 5]), spec)
    >>> out["y_lag1"].tolist(), out["y_mean2"].tolist()
    ([3.0, 0.0], [2.5, 0.0])
    >>> [round(float(v), 4) for v in out["y_std2"]]  # sd of (2, 3); one value: NaN
    [0.7071, nan]
    """
    y = np.asarray(y, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    code = np.searchsorted(starts, rows, side="right") - 1
    first = starts[code]
    pos = rows - first
    out: dict[str, np.ndarray] = {}
    for lag in spec.lags:
        out[f"y_lag{lag}"] = np.where(pos >= lag, y[np.maximum(rows - lag, 0)], np.nan)
    if spec.windows:
        out.update(_gathered_windows(y, rows, pos, spec))
    if spec.expanding:
        out["y_mean_all"] = _expanding_at(y, starts, rows, code, spec.shift, prefix)
    return _f32(out, spec)


def _gathered_windows(
    y: np.ndarray, rows: np.ndarray, pos: np.ndarray, spec: TargetSpec
) -> dict[str, np.ndarray]:
    """Rolling statistics at ``rows``: windows grown one row back at a time."""
    acc = {k: np.zeros(rows.size) for k in ("n", "s1", "s2", "z")}
    out: dict[str, np.ndarray] = {}
    widths = set(spec.windows)
    for j in range(max(spec.windows)):
        back = spec.shift + j
        value = np.where(pos >= back, y[np.maximum(rows - back, 0)], np.nan)
        ok = ~np.isnan(value)
        v = np.where(ok, value, 0.0)
        acc["n"] += ok
        acc["s1"] += v
        acc["s2"] += v * v
        acc["z"] += ok & (v == 0)
        if j + 1 in widths:
            out.update(_window_stats(spec, j + 1, acc["n"], acc["s1"], acc["s2"], acc["z"]))
    return out


def _expanding_at(
    y: np.ndarray,
    starts: np.ndarray,
    rows: np.ndarray,
    code: np.ndarray,
    shift: int,
    prefix: Prefix | None,
) -> np.ndarray:
    """Mean of each row's series up to ``row - shift``: prefix sums plus the forecasts since."""
    if prefix is None:
        prefix = prefix_sums(y, starts, starts[1:] - 1)
    first = starts[code]
    end = rows - shift  # last row of the mean
    anchor = prefix.anchor[code]
    cut = np.clip(np.minimum(end, anchor) + 1, first, None)
    total = prefix.total[cut] - prefix.total[first]
    count = prefix.count[cut] - prefix.count[first]
    extra = int(max(0, (end - anchor).max())) if rows.size else 0
    for j in range(1, extra + 1):  # forecast rows after the origin, up to end
        take = anchor + j <= end
        value = np.where(take, y[np.minimum(anchor + j, y.size - 1)], np.nan)
        ok = ~np.isnan(value)
        total += np.where(ok, value, 0.0)
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)
