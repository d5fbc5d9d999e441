"""Long-season (yearly Fourier) kernel: recovery, forecasts, phase, padding, oracles, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._ets import fit_ets
from forecastkit.timeseries._multiseason import (
    _design,
    _moments_explicit,
    _regress,
    fit_multiseason,
    long_season_curve,
)
from forecastkit.timeseries._simple import _lengths

P = 365.25
WEEK = np.array([4.0, 2.0, 0.0, -1.0, -2.0, -4.0, 1.0])  # weekly pattern, sums to 0
PEAK = 200.0  # day of the yearly maximum (absolute time modulo P)
H = 90


def _synthetic(n, T, *, amp=10.0, noise=2.0, t_end=20_000.0, seed=0, mode="add"):
    """Level 50 + yearly cosine peaking at PEAK + weekly pattern + N(0, noise) noise.

    Row ``i`` ends at absolute day ``t_end[i]``; ``mode="mul"`` makes the
    yearly swing ``50 * amp`` (amp a fraction). Returns the panel and ``t_end``.
    """
    rng = np.random.default_rng(seed)
    t_end = np.broadcast_to(np.asarray(t_end, dtype=float), (n,)).copy()
    t = t_end[:, None] - (T - 1 - np.arange(T))
    yearly = np.cos(2 * np.pi * (t - PEAK) / P)
    season = 50.0 * (1 + amp * yearly) if mode == "mul" else 50.0 + amp * yearly
    return season + WEEK[t.astype(int) % 7] + rng.normal(0, noise, (n, T)), t_end


def _first_pair(fit):
    return fit.params["fourier_cos_1"] + 1j * fit.params["fourier_sin_1"]


# ---------------------------------------------------------------------- recovery and accuracy
@pytest.mark.parametrize(("mode", "amp"), [("add", 10.0), ("mul", 0.2)])
def test_recovers_amplitude_and_phase_of_the_yearly_sinusoid(mode, amp):
    Y, t_end = _synthetic(20, 3 * 365, amp=amp, mode=mode, seed=1)
    fit = fit_multiseason(Y, 7, t_last=t_end, mode=mode)
    pair = _first_pair(fit)
    # amp * cos(w (t - PEAK)) = a cos(wt) + b sin(wt) with a + ib = amp * exp(i w PEAK)
    truth = amp * np.exp(2j * np.pi * PEAK / P)
    # least squares on n = 1095 days: each coefficient has standard error
    # sqrt(2 / n) * noise = 0.085 (units of y; / 50 in mode "mul"); the
    # tolerances are about 4.7 standard errors (max over 20 series measured:
    # 0.24 in amplitude, 0.018 rad in phase)
    scale = 1.0 if mode == "add" else 50.0
    assert np.max(np.abs(np.abs(pair) - amp)) * scale < 0.4
    assert np.max(np.abs(np.angle(pair / truth))) < 0.04
    # the higher harmonics stay at the noise level (SE 0.085; measured rms
    # 0.082): neither the weekly pattern nor the trend leaks into them
    rest = np.array([fit.params[f"fourier_cos_{k}"] for k in range(2, 21)]) * scale
    assert np.sqrt(np.mean(rest**2)) < 0.12


@pytest.mark.parametrize("mode", ["add", "mul"])
def test_forecast_beats_holt_winters_without_yearly_term(mode):
    Y, t_end = _synthetic(20, 3 * 365 + H, seed=1)
    train, future = Y[:, :-H], Y[:, -H:]
    fit = fit_multiseason(train, 7, t_last=t_end - H, mode=mode)
    plain = fit_ets(train, season="add", season_length=7)
    mse = np.mean((fit.mean(H) - future) ** 2)
    mse_plain = np.mean((plain.mean(H) - future) ** 2)
    # measured: 4.10 (add) and 4.25 (mul) against 13.48 for hw_add alone; the
    # noise variance 4.0 is the floor (sampling sd of the MSE over 1,800 points: 0.13)
    assert mse < 4.5
    assert mse < 0.4 * mse_plain


def test_residual_scale_and_variance_match_the_noise():
    Y, t_end = _synthetic(5, 3 * 365, seed=2)
    fit = fit_multiseason(Y, 7, t_last=t_end, mode="add")
    # one-step errors of the full model have the noise's sd, 2 (the sd of the
    # estimate is 2 / sqrt(2 n) = 2 % at n = 1095; measured within 1 %)
    np.testing.assert_allclose(fit.sigma(), 2.0, rtol=0.06)
    # additive rows: the one-step variance is the residual variance
    np.testing.assert_allclose(fit.variance(1)[:, 0], fit.sigma() ** 2, rtol=1e-9)
    assert np.all(np.diff(fit.variance(30), axis=1) >= 0)


def test_multiplicative_season_scales_with_the_level():
    # yearly swing of +-20 % on a level that doubles: mode "mul" forecasts it better
    rng = np.random.default_rng(4)
    T = 3 * 365 + H
    t = np.arange(T, dtype=float)
    level = 50.0 * 2 ** (t / T)
    y = level * (1 + 0.2 * np.cos(2 * np.pi * (t - PEAK) / P)) + rng.normal(0, 1.0, (10, T))
    errors = {}
    for mode in ("add", "mul"):
        fit = fit_multiseason(
            y[:, :-H], 1, t_last=np.full(10, t[-H - 1]), base="holt_damped", mode=mode
        )
        errors[mode] = np.mean((fit.mean(H) - y[:, -H:]) ** 2)
    # measured: 4.4 (mul) against 10.3 (add); the noise floor is 1.0
    assert errors["mul"] < 0.6 * errors["add"]


# ---------------------------------------------------------------------- phase
def test_series_ending_on_different_dates_get_their_own_phase():
    # same yearly curve in absolute time; the rows end 100 and 250 days apart
    ends = np.array([20_000.0, 20_100.0, 20_250.0])
    Y, t_end = _synthetic(3, 3 * 365 + H, t_end=ends, seed=5)
    fit = fit_multiseason(Y[:, :-H], 7, t_last=t_end - H, mode="add")
    pair = _first_pair(fit)
    # absolute-time coefficients agree with each other and with the truth
    truth = 10.0 * np.exp(2j * np.pi * PEAK / P)
    assert np.max(np.abs(pair - truth)) < 0.4
    # the forecasts follow each row's own future dates (the noise-free values
    # differ between rows by up to 23 at the same step; measured rmse 0.48)
    times = (t_end - H)[:, None] + np.arange(1, H + 1)
    clean = 50 + 10 * np.cos(2 * np.pi * (times - PEAK) / P) + WEEK[times.astype(int) % 7]
    assert np.sqrt(np.mean((fit.mean(H) - clean) ** 2)) < 1.0


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-5000.0, 5000.0))
def test_t_last_only_rotates_the_reported_coefficients(shift):
    Y, t_end = _synthetic(2, 2 * 365 + 40, seed=6)
    base = fit_multiseason(Y, 7, t_last=t_end, n_harmonics=3, mode="add", base="ses")
    moved = fit_multiseason(Y, 7, t_last=t_end + shift, n_harmonics=3, mode="add", base="ses")
    np.testing.assert_allclose(moved.mean(10), base.mean(10), rtol=1e-10)
    coef = [
        np.column_stack([f.params[f"fourier_{w}_{k}"] for k in (1, 2, 3) for w in ("cos", "sin")])
        for f in (base, moved)
    ]
    steps = np.arange(1, 11)
    curve = long_season_curve(coef[0], t_end[:, None] + steps, P)
    np.testing.assert_allclose(
        long_season_curve(coef[1], (t_end + shift)[:, None] + steps, P), curve, atol=1e-8
    )


def test_long_season_curve_is_the_fourier_sum():
    coef = np.array([[3.0, 0.0, 0.0, 2.0]])  # 3 cos(wt) + 2 sin(2wt)
    t = np.array([[0.0, P / 8, P / 4]])
    # cos 0 = 1, sin 0 = 0; cos(pi/4) = sin(pi/2) ... by hand
    expected = [[3.0, 3 * np.cos(np.pi / 4) + 2.0, 0.0 + 2 * np.sin(np.pi)]]
    np.testing.assert_allclose(long_season_curve(coef, t, P), expected, atol=1e-12)


# ---------------------------------------------------------------------- short, padded, zero rows
def test_short_series_get_no_long_season_and_equal_the_base_model():
    Y, t_end = _synthetic(3, 3 * 365, seed=7)
    Y[1, :-400] = np.nan  # 400 days: under two years
    Y[2, :-800] = np.nan  # 800 days: long enough
    fit = fit_multiseason(Y, 7, t_last=t_end, mode="add")
    assert fit.notes["short_for_long_season"].tolist() == [1]
    coef = np.array([fit.params[f"fourier_{w}_{k}"] for k in range(1, 21) for w in ("cos", "sin")])
    assert np.all(coef[:, 1] == 0.0) and np.all(np.abs(coef[:, [0, 2]]).max(axis=0) > 5)
    assert fit.params["long_amplitude"][1] == 0.0 and np.isnan(fit.params["long_peak"][1])
    alone = fit_ets(Y[1:2, -400:], season="add", season_length=7)
    np.testing.assert_allclose(fit.mean(H)[1], alone.mean(H)[0], rtol=1e-9)
    assert np.all(np.isfinite(fit.mean(H)))
    # 2K = 40 extra parameters only where a long season was fitted
    assert (fit.n_params - fit.n_params[1]).tolist() == [40.0, 0.0, 40.0]


def test_left_padding_and_a_batch_match_rows_fitted_alone():
    Y, t_end = _synthetic(4, 3 * 365, seed=8)
    Y[1, :200] = np.nan
    Y[3, :333] = np.nan
    Y[2, 500:510] = np.nan  # a gap inside the series
    batch = fit_multiseason(Y, 7, t_last=t_end, mode="mul")
    for i in range(4):
        start = _lengths(Y[i : i + 1])[0][0]
        alone = fit_multiseason(Y[i : i + 1, start:], 7, t_last=t_end[i : i + 1], mode="mul")
        for k in (1, 2, 20):
            for w in ("cos", "sin"):
                key = f"fourier_{w}_{k}"
                np.testing.assert_allclose(batch.params[key][i], alone.params[key][0], atol=1e-9)
    res = batch.residuals
    assert np.all(np.isnan(res[1, :200])) and np.all(np.isnan(res[2, 500:510]))
    assert np.isfinite(res[2, 510:]).all()


def test_regression_matches_a_per_series_least_squares_loop():
    # oracle: ridge least squares of each row on its own observed columns
    rng = np.random.default_rng(9)
    T = 800
    Y = 20 + np.cumsum(rng.normal(0, 1, (6, T)), axis=1)
    Y[1, :150] = np.nan
    Y[2, 300:320] = np.nan
    Y[4, :90] = np.nan
    Y[4, 700] = np.nan
    design = _design(T, 0, P, 5, 7)
    starts, _ = _lengths(Y)
    coef, diag, sigma2, rho = _regress(Y, starts, design)
    C, p = design.matrix, design.matrix.shape[1]
    for i in range(6):
        ok = ~np.isnan(Y[i])
        gram = C[ok].T @ C[ok] + 1e-3 * np.eye(p)
        expected = np.linalg.solve(gram, C[ok].T @ Y[i, ok])
        np.testing.assert_allclose(coef[i], expected, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(diag[i], np.diag(np.linalg.inv(gram)), rtol=1e-7)
    rss, lag = _moments_explicit(Y, ~np.isnan(Y), coef, C)
    np.testing.assert_allclose(sigma2, rss / ((~np.isnan(Y)).sum(axis=1) - p), rtol=1e-6)
    np.testing.assert_allclose(rho, np.clip(lag / rss, 0, 0.99), rtol=1e-6)
    assert np.all(rho > 0.8)  # a random walk: strongly autocorrelated residuals


def test_regression_uses_the_last_ten_cycles_only():
    # P = 20, 300 periods: the long season is estimated from the last 200
    rng = np.random.default_rng(13)
    t = np.arange(300.0)
    Y = 10 + 3 * np.sin(2 * np.pi * t / 20) + rng.normal(0, 1, (2, 300))
    Y[1, :250] = np.nan  # 50 periods: 2.5 cycles
    kw = {"long_period": 20.0, "n_harmonics": 3, "base": "ses", "mode": "add"}
    full = fit_multiseason(Y, 1, t_last=np.full(2, 299.0), **kw)
    tail = fit_multiseason(Y[:, 100:], 1, t_last=np.full(2, 299.0), **kw)
    for key in ("fourier_cos_1", "fourier_sin_1", "fourier_sin_3"):
        np.testing.assert_allclose(full.params[key], tail.params[key], rtol=1e-9, atol=1e-12)
    # 3 sin(wt): a_1 = 0, b_1 = 3 (SE sqrt(2 / 200) = 0.1)
    assert abs(full.params["fourier_sin_1"][0] - 3) < 0.4


def test_pure_noise_gets_a_nearly_flat_long_season():
    # no yearly pattern: the shrinkage should remove almost all of the noise fit
    rng = np.random.default_rng(10)
    Y = 50 + rng.normal(0, 5, (30, 3 * 365))
    fit = fit_multiseason(Y, 7, t_last=np.full(30, 20_000.0), mode="add")
    # unshrunk (ordinary least squares), the 40 coefficients of SE
    # 5 * sqrt(2 / 1095) = 0.21 give curves of half-range 1.7 to 3.7 (median
    # 2.4, measured). Shrunk: under no signal the moment estimate of tau**2 is
    # positive about half of the time, so about half the curves are exactly
    # zero (measured 14 of 30) and the others small (measured max 0.62)
    amplitude = fit.params["long_amplitude"]
    assert np.median(amplitude) < 0.3 and amplitude.max() < 1.0
    assert np.mean(amplitude == 0) > 0.3


@pytest.mark.parametrize("mode", ["add", "mul"])
def test_all_zero_series_gives_zero_forecast(mode):
    Y, t_end = _synthetic(2, 3 * 365, seed=11)
    Y[0] = 0.0
    fit = fit_multiseason(Y, 7, t_last=t_end, mode=mode)
    assert np.all(fit.mean(H)[0] == 0.0)
    assert fit.params["long_amplitude"][0] == 0.0
    if mode == "mul":
        assert fit.notes["additive_fallback"].tolist() == [0]


# ---------------------------------------------------------------------- simulation
@pytest.mark.parametrize("mode", ["add", "mul"])
def test_simulate_with_zero_errors_is_the_mean_and_errors_are_in_units_of_y(mode):
    Y, t_end = _synthetic(3, 3 * 365, seed=12)
    fit = fit_multiseason(Y, 7, t_last=t_end, mode=mode)
    zero = fit.simulate(30, np.zeros((3, 4, 30)))
    np.testing.assert_allclose(zero, np.repeat(fit.mean(30)[:, None, :], 4, axis=1), rtol=1e-10)
    errors = np.random.default_rng(0).normal(0, 2, (3, 4, 30))
    paths = fit.simulate(30, errors)
    # step 1 is the mean plus the first error, whatever the mode
    np.testing.assert_allclose(paths[:, :, 0], fit.mean(1) + errors[:, :, 0], rtol=1e-10)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base": "holt_winters"}, "base='holt_winters' is not valid"),
        ({"mode": "both"}, "mode='both' is not valid"),
        ({"long_period": 10.0}, "long_period must be"),
        ({"long_period": float("nan")}, "long_period must be"),
        ({"n_harmonics": 0}, "n_harmonics must be an integer from 1 to 52"),
        ({"n_harmonics": 60}, "n_harmonics must be an integer from 1 to 52"),
        ({"min_cycles": 0.5}, "min_cycles must be"),
        ({"t_last": np.zeros(3)}, r"t_last must be .* shape \(2,\)"),
        ({"t_last": np.array([1.0, np.nan])}, "t_last must be"),
    ],
)
def test_invalid_options_are_refused(kwargs, match):
    Y = np.ones((2, 30))
    call = {"t_last": np.zeros(2), **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        fit_multiseason(Y, 7, **call)


def test_invalid_season_length_and_panel_are_refused():
    with pytest.raises(InvalidParameterError, match="season_length must be a positive integer"):
        fit_multiseason(np.ones((2, 30)), 0, t_last=np.zeros(2))
    with pytest.raises(InvalidParameterError, match="2-D panel"):
        fit_multiseason(np.ones(30), 7, t_last=np.zeros(1))
