"""Tests of the target features (lags, rolling and expanding statistics) on the flat layout."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.errors import InvalidParameterError
from forecastkit.ml._target import (
    TargetSpec,
    prefix_sums,
    target_features,
    target_features_at,
)

SPEC = TargetSpec(lags=[1, 2, 7], windows=[1, 3, 5], shift=1)


def _naive(y: np.ndarray, starts: np.ndarray, spec: TargetSpec) -> dict[str, np.ndarray]:
    """Per-series, per-row loop: the definition the kernels must reproduce."""
    out = {name: np.full(y.size, np.nan) for name in spec.names()}
    for i in range(starts.size - 1):
        a, b = int(starts[i]), int(starts[i + 1])
        for r in range(a, b):
            for lag in spec.lags:
                if r - lag >= a:
                    out[f"y_lag{lag}"][r] = y[r - lag]
            end = r - spec.shift + 1  # exclusive
            for w in spec.windows:
                vals = y[max(a, end - w) : max(a, end)]
                vals = vals[~np.isnan(vals)]
                if vals.size:
                    out[f"y_mean{w}"][r] = vals.mean()
                    out[f"y_zero{w}"][r] = np.mean(vals == 0)
                if vals.size > 1:
                    out[f"y_std{w}"][r] = vals.std(ddof=1)
            vals = y[a : max(a, end)]
            vals = vals[~np.isnan(vals)]
            if vals.size:
                out["y_mean_all"][r] = vals.mean()
    return out


def _panel(seed: int, n_series: int = 12, max_len: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, max_len, n_series)
    starts = np.r_[0, np.cumsum(lengths)]
    y = rng.poisson(2.0, starts[-1]).astype(float) * rng.choice([1.0, 7.0, 40.0], starts[-1])
    y[rng.random(y.size) < 0.1] = np.nan
    return y, starts


# --------------------------------------------------------------------------- hand-checked
def test_hand_example_two_series():
    # series A: 4, 0, 2, 6 ; series B: 1, 3
    y = np.array([4.0, 0.0, 2.0, 6.0, 1.0, 3.0])
    starts = np.array([0, 4, 6])
    spec = TargetSpec(lags=[1, 2], windows=[2], shift=1)
    out = target_features(y, starts, spec)
    nan = np.nan
    np.testing.assert_array_equal(out["y_lag1"], [nan, 4, 0, 2, nan, 1])
    np.testing.assert_array_equal(out["y_lag2"], [nan, nan, 4, 0, nan, nan])
    # window of 2 ending one row back: (4), (4, 0), (0, 2) ; B: (1)
    np.testing.assert_array_equal(out["y_mean2"], [nan, 4, 2, 1, nan, 1])
    np.testing.assert_array_equal(out["y_zero2"], [nan, 0, 0.5, 0.5, nan, 0])
    # sd of (4, 0) = sqrt(8) = 2.8284; of (0, 2) = sqrt(2) = 1.4142; one value: NaN
    np.testing.assert_allclose(out["y_std2"], [nan, nan, 8**0.5, 2**0.5, nan, nan], rtol=1e-6)
    # expanding: 4 ; (4 + 0) / 2 ; (4 + 0 + 2) / 3 ; B: 1
    np.testing.assert_allclose(out["y_mean_all"], [nan, 4, 2, 2, nan, 1], rtol=1e-6)


def test_hand_example_shift_three_direct_band():
    y = np.arange(1.0, 7.0)  # one series 1..6
    spec = TargetSpec(lags=[3, 4], windows=[2], stats=["mean"], shift=3)
    out = target_features(y, np.array([0, 6]), spec)
    nan = np.nan
    np.testing.assert_array_equal(out["y_lag3"], [nan, nan, nan, 1, 2, 3])
    # rows r - 4 .. r - 3: row 3 -> (1), row 4 -> (1, 2), row 5 -> (2, 3)
    np.testing.assert_array_equal(out["y_mean2"], [nan, nan, nan, 1, 1.5, 2.5])
    np.testing.assert_array_equal(out["y_mean_all"], [nan, nan, nan, 1, 1.5, 2])


def test_nan_targets_are_skipped_not_counted():
    y = np.array([2.0, np.nan, 0.0, 5.0])
    spec = TargetSpec(lags=[1], windows=[3], shift=1)
    out = target_features(y, np.array([0, 4]), spec)
    # row 3 sees (2, NaN, 0): mean 1, one zero of two values
    assert out["y_mean3"][3] == 1.0
    assert out["y_zero3"][3] == 0.5
    assert np.isnan(out["y_lag1"][2])  # the lag is the missing value itself


def test_names_and_float32():
    spec = TargetSpec(lags=[7, 1], windows=[28, 7], stats=["zero", "mean"])
    assert spec.names() == [
        "y_lag1",
        "y_lag7",
        "y_mean7",
        "y_zero7",
        "y_mean28",
        "y_zero28",
        "y_mean_all",
    ]
    assert spec.lookback == 28
    y, starts = _panel(0)
    out = target_features(y, starts, spec)
    assert list(out) == spec.names()
    assert all(col.dtype == np.float32 and col.size == y.size for col in out.values())


# --------------------------------------------------------------------------- oracle
@pytest.mark.parametrize("shift", [1, 4])
def test_vectorized_kernels_match_per_series_loop(shift):
    y, starts = _panel(shift)
    spec = TargetSpec(lags=[shift, 6, 9], windows=[1, 3, 8], shift=shift)
    expected = _naive(y, starts, spec)
    every = target_features(y, starts, spec)
    some = target_features_at(y, starts, np.arange(y.size), spec)
    for name in spec.names():
        np.testing.assert_allclose(every[name], expected[name], rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(some[name], expected[name], rtol=1e-5, err_msg=name)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=5),
    st.integers(0, 2**16),
    st.integers(1, 3),
)
def test_gathered_rows_equal_full_kernel(lengths, seed, shift):
    rng = np.random.default_rng(seed)
    starts = np.r_[0, np.cumsum(lengths)]
    y = rng.integers(0, 4, starts[-1]).astype(float)
    y[rng.random(y.size) < 0.15] = np.nan
    spec = TargetSpec(lags=[shift, shift + 2], windows=[2, 5], shift=shift)
    rows = rng.permutation(y.size)[: max(1, y.size // 2)] if y.size else np.zeros(0, int)
    full = target_features(y, starts, spec)
    part = target_features_at(y, starts, rows, spec)
    for name in spec.names():
        np.testing.assert_allclose(part[name], full[name][rows], rtol=1e-6, err_msg=name)


# --------------------------------------------------------------------------- no leakage
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 4), st.data())
def test_perturbing_later_values_never_changes_features(seed, shift, data):
    y, starts = _panel(seed, n_series=4, max_len=20)
    if y.size == 0:
        return
    spec = TargetSpec(lags=[shift, shift + 3], windows=[2, 6], shift=shift)
    r = data.draw(st.integers(0, y.size - 1))
    changed = y.copy()
    changed[r:] = np.where(np.isnan(y[r:]), 3.0, y[r:] * 10 + 1)  # every value from r on
    before = target_features(y, starts, spec)
    after = target_features(changed, starts, spec)
    # features of rows < r + shift read only rows < r (rows of other series: also < r)
    same_series = np.searchsorted(starts, np.arange(y.size), side="right") - 1
    code_r = np.searchsorted(starts, r, side="right") - 1
    keep = np.arange(y.size) < r + shift
    keep &= (same_series == code_r) | (np.arange(y.size) < r)
    for name in spec.names():
        np.testing.assert_array_equal(after[name][keep], before[name][keep], err_msg=name)
    # and the lag-`shift` feature of row r + shift does see the change, when it exists
    if r + shift < starts[code_r + 1]:
        assert after[f"y_lag{shift}"][r + shift] != before[f"y_lag{shift}"][r + shift]


def test_series_boundaries_are_respected():
    y, starts = _panel(3, n_series=5, max_len=15)
    spec = TargetSpec(lags=[1, 5], windows=[3, 10], shift=1)
    before = target_features(y, starts, spec)
    for i in range(starts.size - 1):
        changed = y.copy()
        rows = slice(starts[i], starts[i + 1])
        changed[rows] = 1000.0 + np.arange(starts[i + 1] - starts[i])
        after = target_features(changed, starts, spec)
        others = np.ones(y.size, dtype=bool)
        others[rows] = False
        for name in spec.names():
            # integer-valued targets: running sums are exact, so other series are unchanged
            np.testing.assert_array_equal(after[name][others], before[name][others])


# --------------------------------------------------------------------------- recursion
def test_prefix_sums_serve_every_recursive_step():
    # history of two series then h = 4 forecast rows each, filled one step at a time
    rng = np.random.default_rng(7)
    hist = [9, 6]
    h = 4
    starts = np.r_[0, np.cumsum(np.array(hist) + h)]
    y = np.full(starts[-1], np.nan)
    future = np.stack([starts[1:] - h + k for k in range(h)], axis=1)
    for i, n in enumerate(hist):
        y[starts[i] : starts[i] + n] = rng.integers(0, 5, n)
    spec = TargetSpec(lags=[1, 3], windows=[2, 5], shift=1)
    prefix = prefix_sums(y, starts, starts[1:] - 1 - h)
    seen = {}
    for k in range(h):
        rows = future[:, k]
        seen[k] = target_features_at(y, starts, rows, spec, prefix=prefix)
        y[rows] = rng.uniform(0, 5, rows.size)  # the step's forecasts
    final = target_features(y, starts, spec)  # nothing after a row is read, so same values
    for k in range(h):
        for name in spec.names():
            np.testing.assert_allclose(seen[k][name], final[name][future[:, k]], rtol=1e-6)


# --------------------------------------------------------------------------- errors
def test_spec_rejects_lags_below_shift():
    with pytest.raises(InvalidParameterError, match="below shift=3"):
        TargetSpec(lags=[1, 7], windows=[7], shift=3)


def test_spec_rejects_unknown_stat_and_bad_lag():
    with pytest.raises(InvalidParameterError, match="median"):
        TargetSpec(stats=["mean", "median"])
    with pytest.raises(InvalidParameterError, match="positive integers"):
        TargetSpec(lags=[0, 7])
