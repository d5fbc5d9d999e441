"""Intermittent demand kernels against per-series loops and hand-computed values.

References: Croston (1972); Syntetos & Boylan (2005) for SBA's ``1 - alpha/2``;
Teunter, Syntetos & Babai (2011) for TSB; Nikolopoulos et al. (2011) for ADIDA;
Syntetos, Boylan & Croston (2005) for the ADI 1.32 / CV² 0.49 categories.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.errors import InsufficientDataError, InvalidParameterError
from forecastkit.timeseries import _intermittent as ki

NAN = np.nan


def _panel(rows: list[list[float]]) -> np.ndarray:
    """Right-align ragged series, NaN on the left (the layout of ``to_panel``)."""
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        if r:
            out[i, width - len(r) :] = r
    return out


# ----------------------------------------------------------- per-series oracles
def croston_loop(y, alpha_size, alpha_interval, factor=1.0):
    """Textbook Croston (1972) on one series; returns (forecast, residuals)."""
    z = p = None
    q = 0
    res = [math.nan] * len(y)
    for t, v in enumerate(y):
        q += 1
        if z is not None:
            res[t] = v - factor * z / p
        if v > 0:
            if z is None:
                z, p = v, q
            else:
                z += alpha_size * (v - z)
                p += alpha_interval * (q - p)
            q = 0
    return (factor * z / p if z is not None else 0.0), res


def tsb_loop(y, alpha_d, alpha_p):
    """Teunter et al. (2011) on one series; returns (forecast, residuals)."""
    prob, z = None, 0.0
    seen_demand = False
    res = [math.nan] * len(y)
    for t, v in enumerate(y):
        if prob is not None:
            res[t] = v - prob * z
        d = 1.0 if v > 0 else 0.0
        prob = d if prob is None else prob + alpha_p * (d - prob)
        if v > 0:
            z = v if not seen_demand else z + alpha_d * (v - z)
            seen_demand = True
    return (prob * z if prob is not None else 0.0), res


def adida_loop(y, alpha):
    """Nikolopoulos et al. (2011) with fixed alpha; returns (forecast, residuals, bucket)."""
    demands = [t for t, v in enumerate(y) if v > 0]
    if not demands:
        return 0.0, [math.nan] * len(y), 0
    b = max(1, round((demands[-1] + 1) / len(demands)))  # round half to even
    n_buckets = len(y) // b
    lost = len(y) - n_buckets * b
    sums = [sum(y[lost + k * b : lost + (k + 1) * b]) for k in range(n_buckets)]
    res = [math.nan] * len(y)
    level = sums[0]
    for k in range(1, n_buckets):
        for j in range(b):
            res[lost + k * b + j] = y[lost + k * b + j] - level / b
        level += alpha * (sums[k] - level)
    return level / b, res, b


def ses_sse_loop(x, alpha):
    level, sse = x[0], 0.0
    for v in x[1:]:
        sse += (v - level) ** 2
        level += alpha * (v - level)
    return sse


def _mse(res):
    vals = [r for r in res if not math.isnan(r)]
    return sum(r * r for r in vals) / len(vals) if vals else math.nan


def _ragged(seed: int, n: int = 14) -> list[list[float]]:
    """Mixed panel: intermittent, smooth, short, late-starting, all-zero and one-sale rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        length = int(rng.integers(1, 40))
        occur = rng.random(length) < rng.uniform(0.15, 0.95)
        sizes = rng.integers(1, 12, length)
        rows.append((occur * sizes).astype(float).tolist())
    rows += [[0.0] * 9, [0.0, 0, 0, 6], [6.0, 0, 0, 0, 0], [4.0], [0.0], [2.0, 2, 2, 2, 2, 2]]
    return rows


def _assert_residuals(fit_res, oracle_rows):
    expected = _panel(oracle_rows)
    np.testing.assert_allclose(fit_res, expected, rtol=1e-12, atol=1e-12, equal_nan=True)


# ------------------------------------------------------------------- oracles
@pytest.mark.parametrize("block", [3, 2048])
def test_croston_and_sba_match_loop(monkeypatch, block):
    monkeypatch.setattr(ki, "_BLOCK", block)  # 3: exercises several row blocks
    rows = _ragged(1)
    Y = _panel(rows)
    for fit, factor in (
        (ki.croston_classic(Y, alpha=0.2), 1.0),
        (ki.croston_sba(Y, alpha=0.2), 0.9),
    ):
        out = [croston_loop(r, 0.2, 0.2, factor) for r in rows]
        np.testing.assert_allclose(fit.mean(3), np.repeat([[o[0]] for o in out], 3, 1), rtol=1e-12)
        _assert_residuals(fit.residuals, [o[1] for o in out])
        # variance = mean squared one-step residual where there is one
        for i, (_, res) in enumerate(out):
            if not math.isnan(_mse(res)):
                assert fit.variance(2)[i, 1] == pytest.approx(_mse(res), rel=1e-12)


@pytest.mark.parametrize("block", [4, 2048])
def test_tsb_matches_loop(monkeypatch, block):
    monkeypatch.setattr(ki, "_BLOCK", block)
    rows = _ragged(2)
    fit = ki.tsb(_panel(rows), alpha_d=0.3, alpha_p=0.15)
    out = [tsb_loop(r, 0.3, 0.15) for r in rows]
    np.testing.assert_allclose(fit.mean(1)[:, 0], [o[0] for o in out], rtol=1e-12, atol=1e-15)
    _assert_residuals(fit.residuals, [o[1] for o in out])


@pytest.mark.parametrize("block", [2, 2048])
def test_adida_fixed_alpha_matches_loop(monkeypatch, block):
    monkeypatch.setattr(ki, "_BLOCK", block)
    rows = _ragged(3) + [[0.0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 7, 0, 0]]  # ADI 5.5 -> b = 6
    fit = ki.adida(_panel(rows), alpha=0.25)
    out = [adida_loop(r, 0.25) for r in rows]
    assert fit.params["bucket"].tolist() == [o[2] for o in out]
    assert len(set(fit.params["bucket"].tolist())) >= 3  # several bucket groups
    np.testing.assert_allclose(fit.mean(1)[:, 0], [o[0] for o in out], rtol=1e-12)
    _assert_residuals(fit.residuals, [o[1] for o in out])


def test_croston_optimized_picks_the_grid_pair_with_lowest_mse():
    rows = _ragged(4)
    grid = (0.05, 0.1, 0.2, 0.3)
    fit = ki.croston_optimized(_panel(rows), alphas=grid)
    for i, r in enumerate(rows):
        scores = {(a, b): _mse(croston_loop(r, a, b)[1]) for a in grid for b in grid}
        a, b = fit.params["alpha_size"][i], fit.params["alpha_interval"][i]
        if all(math.isnan(s) for s in scores.values()):  # no one-step error: default
            assert (a, b) == (0.1, 0.1)
            continue
        assert scores[(a, b)] <= min(scores.values()) * (1 + 1e-12)
        assert fit.mean(1)[i, 0] == pytest.approx(croston_loop(r, a, b)[0], rel=1e-12)
    assert fit.n_params.tolist() == [2] * len(rows)


def test_tsb_grid_picks_the_pair_with_lowest_mse():
    rows = _ragged(5)
    grid = (0.1, 0.3, 0.5)
    fit = ki.tsb(_panel(rows), alphas=grid)
    for i, r in enumerate(rows):
        scores = {(a, b): _mse(tsb_loop(r, a, b)[1]) for a in grid for b in grid}
        a, b = fit.params["alpha_size"][i], fit.params["alpha_probability"][i]
        if not all(math.isnan(s) for s in scores.values()):
            assert scores[(a, b)] <= min(scores.values()) * (1 + 1e-12)
        assert fit.mean(1)[i, 0] == pytest.approx(tsb_loop(r, a, b)[0], rel=1e-12, abs=1e-15)


def test_adida_optimised_alpha_minimises_aggregate_sse():
    rng = np.random.default_rng(6)
    rows = [
        ((rng.random(120) < 0.4) * rng.integers(1, 20, 120)).astype(float).tolist()
        for _ in range(6)
    ]
    fit = ki.adida(_panel(rows))
    dense = np.linspace(0.1, 0.3, 2001)
    for i, r in enumerate(rows):
        b = int(fit.params["bucket"][i])
        lost = len(r) % b
        sums = [sum(r[lost + k * b : lost + (k + 1) * b]) for k in range(len(r) // b)]
        best = min(ses_sse_loop(sums, a) for a in dense)
        assert ses_sse_loop(sums, fit.params["alpha"][i]) <= best * (1 + 1e-7)
        assert 0.1 <= fit.params["alpha"][i] <= 0.3


# ------------------------------------------------------------ hand computations
def test_croston_hand_computed():
    # y = 0 3 0 0 6 0, alpha 0.5. First demand 3 at the 2nd period: z = 3, p = 2.
    # Next demand 6 after q = 3 periods: z = 3 + 0.5 (6 - 3) = 4.5, p = 2 + 0.5 (3 - 2) = 2.5.
    fit = ki.croston_classic(np.array([[0.0, 3, 0, 0, 6, 0]]), alpha=0.5)
    assert fit.mean(2).tolist() == [[1.8, 1.8]]  # 4.5 / 2.5
    # one-step forecasts 3/2 = 1.5 until the update, then 1.8
    np.testing.assert_allclose(fit.residuals[0], [NAN, NAN, -1.5, -1.5, 4.5, -1.8], equal_nan=True)
    # sigma^2 = (2.25 + 2.25 + 20.25 + 3.24) / 4
    assert fit.variance(1)[0, 0] == pytest.approx(27.99 / 4)
    assert fit.params["demand_probability"][0] == pytest.approx(1 / 2.5)
    sba = ki.croston_sba(np.array([[0.0, 3, 0, 0, 6, 0]]), alpha=0.5)
    assert sba.mean(1)[0, 0] == pytest.approx((1 - 0.5 / 2) * 1.8)  # Syntetos & Boylan eq. 13
    assert ki.croston_sba(np.array([[0.0, 3, 0, 0, 6, 0]])).mean(1)[0, 0] == pytest.approx(
        0.95 * (3 + 0.1 * 3) / (2 + 0.1 * 1)  # default alpha = 0.1: factor 0.95
    )


def test_tsb_hand_computed():
    # y = 0 4 0 2, alpha_d = alpha_p = 0.5. prob: 0 (first indicator), 0.5, 0.25, 0.625.
    # z: 4 at the first demand, then 4 + 0.5 (2 - 4) = 3. Forecast 0.625 * 3 = 1.875.
    fit = ki.tsb(np.array([[0.0, 4, 0, 2]]), alpha_d=0.5, alpha_p=0.5)
    assert fit.mean(1)[0, 0] == pytest.approx(1.875)
    # one-step forecasts 0 * 0, 0.5 * 4, 0.25 * 4 -> residuals 4, -2, 1
    np.testing.assert_allclose(fit.residuals[0], [NAN, 4.0, -2.0, 1.0], equal_nan=True)
    assert fit.variance(3)[0].tolist() == pytest.approx([7.0] * 3)  # (16 + 4 + 1) / 3


def test_adida_hand_computed():
    # demands at periods 2, 4, 8 (1-based): intervals 2, 2, 4, ADI = 8/3, b = round(2.67) = 3.
    # The last 6 periods form buckets (0+4+0) = 4 and (0+0+6) = 6; SES alpha 0.5: 4 -> 5.
    fit = ki.adida(np.array([[0.0, 2, 0, 4, 0, 0, 0, 6]]), alpha=0.5)
    assert fit.params["bucket"].tolist() == [3]
    assert fit.mean(1)[0, 0] == pytest.approx(5 / 3)
    # periods of the second bucket are forecast by the first bucket's level 4 / 3
    np.testing.assert_allclose(
        fit.residuals[0], [NAN] * 5 + [-4 / 3, -4 / 3, 6 - 4 / 3], equal_nan=True
    )


def test_adida_two_buckets_use_mid_alpha_like_golden_section():
    # With two buckets the SSE (x1 - x0)^2 does not depend on alpha: alpha = (0.1 + 0.3) / 2.
    fit = ki.adida(np.array([[3.0, 5.0]]))
    assert fit.params["alpha"][0] == pytest.approx(0.2)
    assert fit.mean(1)[0, 0] == pytest.approx(3 + 0.2 * 2)


# ------------------------------------------------------------------ robustness
EDGE_ROWS = [[0.0] * 6, [0.0, 0, 0, 6], [6.0, 0, 0, 0], [4.0], [0.0], []]
KERNELS = [
    ki.croston_classic,
    ki.croston_sba,
    ki.croston_optimized,
    ki.tsb,
    lambda Y: ki.tsb(Y, alphas=(0.1, 0.2)),
    ki.adida,
]


@pytest.mark.parametrize("kernel", KERNELS)
def test_edge_series_never_nan_and_are_noted(kernel):
    fit = kernel(_panel(EDGE_ROWS))
    mean, var = fit.mean(4), fit.variance(4)
    assert np.isfinite(mean).all() and np.isfinite(var).all()
    assert (mean >= 0).all() and (var >= 0).all()
    # all-zero (observed) rows forecast 0 with variance 0
    assert mean[[0, 4]].tolist() == [[0.0] * 4] * 2 and var[[0, 4], 0].tolist() == [0.0, 0.0]
    assert mean[5].tolist() == [0.0] * 4  # empty row
    assert fit.notes["no_demand"].tolist() == [0, 4]
    assert fit.notes["single_demand"].tolist() == [1, 2, 3]
    assert fit.notes["empty"].tolist() == [5]
    # single sale in the last period: no one-step residual, variance fallback
    # max(var(y), mean(y)) of 0 0 0 6 = max(36/4 - 1.5^2, 1.5) = 6.75
    if fit.name != "tsb":
        assert 1 in fit.notes["no_residuals"].tolist()
        assert var[1, 0] == pytest.approx(6.75)
    assert var[3, 0] == pytest.approx(4.0)  # length 1 [4]: max(0, 4)


def test_documented_single_sale_forecasts():
    Y = _panel(EDGE_ROWS)
    croston = ki.croston_classic(Y).mean(1)[:, 0]
    assert croston[1] == pytest.approx(6 / 4)  # size / interval from the series start
    assert croston[2] == pytest.approx(6.0)  # interval 1, never updated: Croston's flaw
    assert croston[3] == pytest.approx(4.0)
    tsb = ki.tsb(Y).mean(1)[:, 0]
    assert tsb[2] == pytest.approx(0.9**3 * 6)  # prob 1 -> 0.9 -> 0.81 -> 0.729, TSB decays
    assert tsb[1] == pytest.approx(0.1 * 6)  # prob 0, 0, 0 -> 0.1 at the sale
    adida = ki.adida(Y)
    assert adida.params["bucket"][1] == 4 and adida.mean(1)[1, 0] == pytest.approx(6 / 4)


def test_interior_gap_is_skipped():
    with_gap = ki.croston_classic(np.array([[0.0, 3, NAN, 0, 6, 0]]), alpha=0.5)
    # the gap counts in the interval (3) but yields no residual
    assert with_gap.mean(1)[0, 0] == pytest.approx(1.8)
    assert np.isnan(with_gap.residuals[0, 2]) and with_gap.residuals[0, 3] == pytest.approx(-1.5)
    tsb_gap = ki.tsb(np.array([[0.0, 4, NAN, 2]]), alpha_d=0.5, alpha_p=0.5)
    # prob 0 -> 0.5 (gap: unchanged) -> 0.75; z 4 -> 3
    assert tsb_gap.mean(1)[0, 0] == pytest.approx(0.75 * 3)
    # ADIDA, b = 1 (ADI 5/4 = 1.25): SES 2 -> 3 -> (gap) -> 4.5 -> 6.25
    adida_gap = ki.adida(np.array([[2.0, 4, NAN, 6, 8]]), alpha=0.5)
    assert adida_gap.mean(1)[0, 0] == pytest.approx(6.25)
    np.testing.assert_allclose(adida_gap.residuals[0], [NAN, 2, NAN, 3, 3.5], equal_nan=True)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.just(0.0), st.floats(0, 1e4), st.floats(-5, 0)), min_size=0, max_size=25
        ),
        min_size=1,
        max_size=6,
    )
)
def test_forecasts_never_negative_or_nan(rows):
    Y = _panel(rows) if any(rows) else np.full((len(rows), 1), np.nan)
    for kernel in KERNELS:
        fit = kernel(Y)
        mean, var = fit.mean(2), fit.variance(2)
        assert np.isfinite(mean).all() and (mean >= 0).all()
        assert np.isfinite(var).all() and (var >= 0).all()


@pytest.mark.parametrize("kernel", KERNELS)
def test_panel_without_series(kernel):
    fit = kernel(np.empty((0, 5)))
    assert fit.mean(3).shape == (0, 3) and fit.residuals.shape == (0, 5)


def test_rows_are_independent_of_their_order():
    rows = _ragged(7)
    Y = _panel(rows)
    order = np.random.default_rng(0).permutation(len(rows))
    for kernel in KERNELS:
        np.testing.assert_allclose(kernel(Y).mean(1)[order], kernel(Y[order]).mean(1), rtol=1e-12)


# -------------------------------------------------------------- classification
def test_classify_demand_categories():
    rows = [
        [5.0, 6, 5, 6, 5, 6],  # ADI 1, CV2 0.008: smooth
        [1.0, 9, 1, 9],  # ADI 1, sizes mean 5, var 16: CV2 0.64 > 0.49: erratic
        [0.0, 5, 0, 6, 0, 5],  # ADI 6/3 = 2 > 1.32, CV2 0.008: intermittent
        [0.0, 1, 0, 9, 0, 1, 0, 9],  # ADI 2, CV2 0.64: lumpy
        [0.0, 0, 0],  # no_demand
        [5.0],  # 1 observation < min_length = 2: too_short
        [],  # no observation: too_short
    ]
    table = ki.classify_demand(_panel(rows))
    assert table["category"].tolist() == [
        "smooth",
        "erratic",
        "intermittent",
        "lumpy",
        "no_demand",
        "too_short",
        "too_short",
    ]
    assert list(table["category"].cat.categories) == list(ki.DEMAND_CATEGORIES)
    assert table["adi"].iloc[2] == 2.0 and table["cv2"].iloc[1] == pytest.approx(16 / 25)
    assert table["n_demands"].tolist() == [6, 4, 3, 4, 0, 1, 0]
    assert np.isnan(table["adi"].iloc[4]) and np.isnan(table["cv2"].iloc[4])
    assert isinstance(table.index, pd.RangeIndex)


def test_classify_cut_offs_are_strict():
    # 25 demands spanning 33 periods: ADI = 33 / 25 = 1.32, not above the cut-off
    on_adi = [1.0] * 25 + [0.0] * 8
    # sizes 3 and 17: mean 10, var 49, CV2 = 49 / 100 = 0.49, not above the cut-off
    on_cv2 = [3.0, 17.0]
    above = [3.0, 17.1]
    table = ki.classify_demand(_panel([on_adi[::-1], on_cv2, above]))
    assert table["adi"].iloc[0] == pytest.approx(1.32)
    assert table["category"].tolist() == ["smooth", "smooth", "erratic"]
    relaxed = ki.classify_demand(_panel([on_cv2]), cv2_threshold=0.4)
    assert relaxed["category"].tolist() == ["erratic"]


# -------------------------------------------------------------- sample paths
def test_sample_paths_match_the_fitted_mean_and_size_law():
    rows = [
        [0.0, 3, 0, 0, 9, 0, 1, 0, 14, 0],  # over-dispersed sizes: negative binomial part
        [1.0, 0, 1, 1, 0, 0, 1],  # unit sizes: SBA shrinks them below 1
        [0.0] * 5,
    ]
    fit = ki.croston_sba(_panel(rows))
    paths = ki.sample_intermittent(fit, 4, n_paths=40_000, rng=1)
    assert paths.shape == (3, 40_000, 4)
    assert (paths >= 0).all() and (paths == np.round(paths)).all()
    mean = fit.mean(1)[:, 0]
    sd = paths.reshape(3, -1).std(axis=1)
    se = sd / np.sqrt(paths[0].size)
    assert abs(paths[0].mean() - mean[0]) < 4 * se[0]
    assert abs(paths[1].mean() - mean[1]) < 4 * se[1]
    assert (paths[2] == 0).all()
    # compound law: E[Y^2] = pi (v + s^2) when the sizes are over-dispersed
    pi, s = fit.params["demand_probability"][0], fit.params["demand_size"][0]
    v = fit.params["size_variance"][0]
    assert v > s - 1
    assert np.mean(paths[0] ** 2) == pytest.approx(pi * (v + s**2), rel=0.05)


def test_sample_paths_reproducible_and_continuous_option():
    fit = ki.tsb(_panel([[0.0, 2.5, 0, 0, 4.0, 0, 1.5]]))
    a = ki.sample_intermittent(fit, 3, n_paths=50, rng=7)
    assert np.array_equal(a, ki.sample_intermittent(fit.params, 3, n_paths=50, rng=7))
    assert not np.array_equal(a, ki.sample_intermittent(fit, 3, n_paths=50, rng=8))
    cont = ki.sample_intermittent(fit, 5, n_paths=40_000, rng=0, integer=False)
    assert (cont >= 0).all() and (cont[cont > 0] != np.round(cont[cont > 0])).any()
    assert cont.mean() == pytest.approx(fit.mean(1)[0, 0], rel=0.03)


# ------------------------------------------------------------------ error paths
def test_invalid_arguments_raise():
    Y = _panel([[0.0, 1, 0, 2]])
    with pytest.raises(InvalidParameterError, match="alpha=0"):
        ki.croston_classic(Y, alpha=0)
    with pytest.raises(InvalidParameterError, match="alpha_p=1.5"):
        ki.tsb(Y, alpha_p=1.5)
    with pytest.raises(InvalidParameterError, match="alphas"):
        ki.croston_optimized(Y, alphas=[])
    with pytest.raises(InvalidParameterError, match="alphas"):
        ki.tsb(Y, alphas=[0.1, 1.2])
    with pytest.raises(InvalidParameterError, match="alpha_bounds"):
        ki.adida(Y, alpha_bounds=(0.3, 0.1))
    with pytest.raises(InvalidParameterError, match="n_grid"):
        ki.adida(Y, n_grid=2)
    with pytest.raises(InvalidParameterError, match="2-D"):
        ki.croston_sba(np.array([0.0, 1, 2]))
    with pytest.raises(InsufficientDataError, match="no time column"):
        ki.tsb(np.empty((3, 0)))
    with pytest.raises(InvalidParameterError, match="n_paths"):
        ki.sample_intermittent(ki.croston_classic(Y), 3, n_paths=0)


def test_fit_metadata():
    Y = _panel([[0.0, 1, 0, 2, 0, 0, 3]])
    names = {k.__name__: k(Y) for k in (ki.croston_classic, ki.croston_sba, ki.tsb, ki.adida)}
    assert {n: f.name for n, f in names.items()} == {
        "croston_classic": "croston_classic",
        "croston_sba": "croston_sba",
        "tsb": "tsb",
        "adida": "adida",
    }
    assert names["croston_classic"].simulate is None
    assert names["adida"].n_params.tolist() == [1]  # alpha chosen from the data
    assert ki.adida(Y, alpha=0.2).n_params.tolist() == [0]
    for fit in names.values():
        prob, size = fit.params["demand_probability"], fit.params["demand_size"]
        np.testing.assert_allclose(prob * size, fit.mean(1)[:, 0], rtol=1e-12)
