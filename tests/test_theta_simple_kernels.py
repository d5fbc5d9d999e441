"""Theta and benchmark kernels against statsmodels, per-series loops and FPP3 formulas."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import seasonal_decompose

from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._ets import fit_ets
from forecastkit.timeseries._simple import (
    fit_mean,
    fit_moving_average,
    fit_naive,
    fit_seasonal_naive,
)
from forecastkit.timeseries._theta import _classical_factors, fit_theta, seasonality_test

WEEK = np.array([1.3, 0.9, 0.8, 1.0, 1.1, 0.7, 1.2])


def _seasonal_panel(seed=0, T=120):
    """Three positive weekly-seasonal random walks with drift; the third starts 15 days late."""
    rng = np.random.default_rng(seed)
    level = 100 + np.cumsum(rng.normal(0.3, 2, (3, T)), axis=1)
    Y = level * np.tile(WEEK, T // 7 + 1)[:T] * (1 + rng.normal(0, 0.01, (3, T)))
    Y[2, :15] = np.nan
    return Y


def _m4_test(y, m):
    """The M4 benchmark's seasonality test written out for one series."""
    d = y - y.mean()
    r = [np.sum(d[k:] * d[: len(y) - k]) / np.sum(d**2) for k in range(1, m + 1)]
    limit = 1.645 * np.sqrt((1 + 2 * sum(x**2 for x in r[:-1])) / len(y))
    return len(y) >= 3 * m and abs(r[-1]) > limit


def _theta_loop(y, m, alpha, h):
    """Theta method for one series, following Hyndman & Billah (2003), eq. (3)."""
    n = len(y)
    seasonal = m > 1 and y.min() > 0 and _m4_test(y, m)
    f = seasonal_decompose(y, model="multiplicative", period=m).seasonal if seasonal else np.ones(n)
    future = np.array([f[(n - 1 + j) % m] if seasonal else 1.0 for j in range(1, h + 1)])
    z = y / f
    level, fitted = z[: min(n, 10)].mean(), []  # SES started at the mean of the first ten
    for obs in z:
        fitted.append(level)
        level += alpha * (obs - level)
    b0 = np.polyfit(np.arange(n), z, 1)[0] if n > 1 else 0.0
    steps = np.arange(n)
    drift = b0 / 2 * (1 - (1 - alpha) ** steps) / alpha
    residuals = y - f * (np.array(fitted) + drift)
    j = np.arange(1, h + 1)
    forecast = (level + b0 / 2 * ((j - 1) + (1 - (1 - alpha) ** n) / alpha)) * future
    return forecast, residuals, seasonal


# ---------------------------------------------------------------------- theta
@pytest.mark.parametrize("deseasonalize", ["always", "never"])
def test_theta_matches_statsmodels_given_its_alpha(deseasonalize):
    Y = _seasonal_panel()
    if deseasonalize == "never":  # random walks with drift, no season
        Y = 100 + np.cumsum(np.random.default_rng(7).normal(0.3, 2, (3, 120)), axis=1)
    for i in range(3):
        y = Y[i, ~np.isnan(Y[i])]
        res = ThetaModel(
            y, period=7, deseasonalize=deseasonalize == "always", use_test=False, method="mul"
        ).fit()
        alpha = res.params["alpha"]
        fit = fit_theta(Y[i : i + 1], season_length=7, deseasonalize=deseasonalize, alpha=alpha)
        assert fit.params["b0"][0] == pytest.approx(res.params["b0"], rel=1e-10)
        # statsmodels starts SES at y[0], we at the mean of the first ten observations;
        # the difference fades as (1 - alpha)**n: nil for these high-alpha fits.
        assert alpha > 0.5
        np.testing.assert_allclose(fit.mean(10)[0], res.forecast(10), rtol=1e-9)


def test_theta_matches_per_series_loop():
    rng = np.random.default_rng(1)
    Y = np.vstack(
        [
            _seasonal_panel(seed=2),
            rng.normal(0, 1, (1, 120)),  # not positive: no adjustment
            np.r_[np.full(100, np.nan), rng.gamma(3.0, 2.0, 20)][None, :],  # < 3 m: no test
        ]
    )
    fit = fit_theta(Y, season_length=7, alpha=0.4)
    mean = fit.mean(9)
    adjusted = []
    for i in range(Y.shape[0]):
        obs = ~np.isnan(Y[i])
        forecast, residuals, seasonal = _theta_loop(Y[i, obs], 7, 0.4, 9)
        adjusted.append(seasonal)
        np.testing.assert_allclose(mean[i], forecast, rtol=1e-9)
        np.testing.assert_allclose(fit.residuals[i, obs], residuals, rtol=1e-7, atol=1e-9)
        assert np.isnan(fit.residuals[i, ~obs]).all()
    assert adjusted == [True, True, True, False, False]
    assert fit.notes["seasonal_adjusted"].tolist() == [0, 1, 2]
    assert fit.params["seasonal"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_theta_alpha_comes_from_the_ses_search():
    Y = _seasonal_panel()
    fit = fit_theta(Y, season_length=7, deseasonalize="never")
    np.testing.assert_array_equal(fit.params["alpha"], fit_ets(Y).params["alpha"])


def test_seasonality_test_matches_the_m4_formula_per_series():
    rng = np.random.default_rng(3)
    T = 60
    Y = np.vstack(
        [
            np.tile(WEEK, 9)[:T] * 10 + rng.normal(0, 0.5, T),  # strongly weekly
            rng.normal(10, 1, T),  # white noise
            np.r_[np.full(T - 20, np.nan), np.tile(WEEK, 3)[:20]],  # 20 < 3 * 7 observations
            np.full(T, 4.0),  # constant
        ]
    )
    expected = [_m4_test(Y[i, ~np.isnan(Y[i])], 7) for i in range(2)] + [False, False]
    assert seasonality_test(Y, season_length=7).tolist() == expected
    assert expected[:2] == [True, False]
    assert not seasonality_test(Y, season_length=1).any()


@pytest.mark.parametrize("m", [4, 7])
def test_classical_factors_equal_statsmodels_seasonal_decompose(m):
    rng = np.random.default_rng(4)
    Y = rng.gamma(5.0, 2.0, (2, 50))
    Y[1, :9] = np.nan
    factors = _classical_factors(Y, m)
    for i in range(2):
        cols = np.flatnonzero(~np.isnan(Y[i]))
        sm = seasonal_decompose(Y[i, cols], model="multiplicative", period=m).seasonal
        np.testing.assert_allclose(factors[i, cols % m], sm, rtol=1e-12)


def test_theta_variance_and_paths():
    Y = _seasonal_panel()
    fit = fit_theta(Y, season_length=7, deseasonalize="always", alpha=0.5)
    h = 10
    # f_h**2 sigma**2 (1 + alpha**2 (h - 1)): divided by the seasonal factor squared,
    # the variance grows like 1 + 0.25 (h - 1) from sigma**2 (SES with drift, H&B 2003).
    factors = _classical_factors(Y, 7)[:, (Y.shape[1] - 1 + np.arange(1, h + 1)) % 7]
    growth = fit.variance(h) / factors**2
    expected = np.broadcast_to(1 + 0.25 * np.arange(h), (3, h))
    np.testing.assert_allclose(growth / growth[:, :1], expected, rtol=1e-12)
    adjusted_residuals = fit.residuals / _classical_factors(Y, 7)[:, np.arange(Y.shape[1]) % 7]
    np.testing.assert_allclose(growth[:, 0], np.nanmean(adjusted_residuals**2, axis=1))
    assert np.allclose(fit.simulate(h, np.zeros((3, 2, h))), fit.mean(h)[:, None, :])
    rng = np.random.default_rng(0)
    sigma = np.sqrt(growth[:, 0])
    errors = rng.standard_normal((3, 20_000, h)) * sigma[:, None, None] * factors[:, None, :]
    sims = fit.simulate(h, errors)
    np.testing.assert_allclose(sims.var(axis=1), fit.variance(h), rtol=0.05)


def test_theta_on_short_constant_zero_and_empty_series():
    Y = np.full((4, 30), np.nan)
    Y[0, -1] = 5.0
    Y[1] = 2.0
    Y[2] = 0.0
    fit = fit_theta(Y, season_length=7)
    mean, var = fit.mean(5), fit.variance(5)
    np.testing.assert_allclose(mean[:3], [[5.0] * 5, [2.0] * 5, [0.0] * 5])
    assert np.all(np.isfinite(var[:3]))
    assert np.isnan(mean[3]).all() and fit.notes["empty"].tolist() == [3]
    assert fit.notes["short_for_trend"].tolist() == [0]


def test_theta_rejects_unknown_deseasonalize():
    with pytest.raises(InvalidParameterError, match="deseasonalize='yes' is not valid"):
        fit_theta(_seasonal_panel(), season_length=7, deseasonalize="yes")
    with pytest.raises(InvalidParameterError, match="season_length must be a positive"):
        fit_theta(_seasonal_panel(), season_length=0)
    with pytest.raises(InvalidParameterError, match="0 < alpha <= 1"):
        fit_theta(_seasonal_panel(), alpha=-0.2)


# ---------------------------------------------------------------------- benchmarks
def _ragged(seed=5):
    rng = np.random.default_rng(seed)
    Y = rng.poisson(4.0, (4, 20)).astype(float)
    Y[1, :8] = np.nan
    Y[2, :17] = np.nan  # three observations, fewer than a week
    Y[3, [5, 11]] = np.nan  # gaps
    return Y


def test_naive_forecast_residuals_variance_and_paths():
    Y = _ragged()
    fit = fit_naive(Y)
    np.testing.assert_array_equal(fit.mean(3), np.repeat(Y[:, -1:], 3, axis=1))
    for i in range(4):
        diffs = [Y[i, t] - Y[i, t - 1] for t in range(1, 20)]
        np.testing.assert_array_equal(fit.residuals[i, 1:], diffs)
    # FPP3 Table 5.2: sigma**2 h.
    np.testing.assert_allclose(fit.variance(4), fit.sigma()[:, None] ** 2 * np.arange(1, 5))
    errors = np.arange(24.0).reshape(4, 2, 3)
    expected = Y[:, -1, None, None] + np.cumsum(errors, axis=2)
    np.testing.assert_array_equal(fit.simulate(3, errors), expected)


def test_naive_uses_the_last_observed_value_when_the_last_is_missing():
    fit = fit_naive(np.array([[1.0, 4.0, np.nan], [np.nan, np.nan, np.nan]]))
    assert fit.mean(1)[0, 0] == 4.0
    assert np.isnan(fit.mean(1)[1, 0]) and fit.notes["empty"].tolist() == [1]


def test_seasonal_naive_matches_hand_values_and_fpp3_variance():
    Y = _ragged()
    fit = fit_seasonal_naive(Y, season_length=7)
    mean = fit.mean(10)
    for i in (0, 1):
        np.testing.assert_array_equal(mean[i], Y[i, [13, 14, 15, 16, 17, 18, 19, 13, 14, 15]])
        np.testing.assert_array_equal(fit.residuals[i, 7:], Y[i, 7:] - Y[i, :-7])
    np.testing.assert_allclose(mean[2], Y[2, -3:].mean())  # shorter than a season: the mean
    assert fit.notes["short_for_season"].tolist() == [2]
    # FPP3 Table 5.2: sigma**2 (floor((h - 1) / m) + 1) -> 1 for h <= 7, 2 for h = 8..10.
    k = np.array([1] * 7 + [2] * 3)
    np.testing.assert_allclose(fit.variance(10)[:2], fit.sigma()[:2, None] ** 2 * k)
    np.testing.assert_allclose(fit.variance(10)[2], fit.sigma()[2] ** 2 * (1 + 1 / 3))


def test_seasonal_naive_paths_are_a_seasonal_random_walk():
    Y = _ragged()
    fit = fit_seasonal_naive(Y, season_length=3)
    errors = np.random.default_rng(0).standard_normal((4, 5, 8))
    sims = fit.simulate(8, errors)
    # step 7 (index 6) repeats position 0 for the third time: e1 + e4 + e7
    np.testing.assert_allclose(
        sims[:, :, 6], fit.mean(8)[:, None, 6] + errors[:, :, 0] + errors[:, :, 3] + errors[:, :, 6]
    )
    rng = np.random.default_rng(1)
    sims = fit.simulate(8, rng.standard_normal((4, 40_000, 8)) * fit.sigma()[:, None, None])
    np.testing.assert_allclose(sims.var(axis=1)[:2], fit.variance(8)[:2], rtol=0.04)


def test_seasonal_naive_fills_a_gap_in_the_last_season_with_the_mean():
    Y = np.array([[1.0, 2, 3, 4, np.nan, 6]])
    fit = fit_seasonal_naive(Y, season_length=3)
    np.testing.assert_allclose(fit.mean(3), [[4.0, 16 / 5, 6.0]])
    assert fit.notes["missing_in_last_season"].tolist() == [0]


def test_moving_average_matches_a_per_series_loop():
    Y = _ragged()
    fit = fit_moving_average(Y, window=4)
    for i in range(4):
        y = Y[i]
        for t in range(1, 20):
            past = y[max(t - 4, 0) : t]
            past = past[~np.isnan(past)]
            expected = y[t] - past.mean() if past.size and not np.isnan(y[t]) else np.nan
            np.testing.assert_allclose(fit.residuals[i, t], expected)
        last = y[-4:][~np.isnan(y[-4:])]
        np.testing.assert_allclose(fit.mean(3)[i], last.mean())
    np.testing.assert_allclose(fit.variance(3), np.repeat(fit.sigma()[:, None] ** 2, 3, axis=1))
    assert fit_moving_average(Y, season_length=7).params["window"].tolist() == [7] * 4
    assert fit_moving_average(Y).params["window"].tolist() == [7] * 4
    assert fit_moving_average(Y, season_length=12).params["window"].tolist() == [12] * 4


def test_mean_method_matches_fpp3():
    Y = _ragged()
    fit = fit_mean(Y)
    for i in range(4):
        y = Y[i, ~np.isnan(Y[i])]
        np.testing.assert_allclose(fit.mean(2)[i], y.mean())
        sigma2 = np.mean((y - y.mean()) ** 2)
        # FPP3 Table 5.2: sigma**2 (1 + 1/T)
        np.testing.assert_allclose(fit.variance(2)[i], sigma2 * (1 + 1 / y.size))


@pytest.mark.parametrize(
    "kernel",
    [fit_naive, fit_mean, fit_moving_average, lambda Y: fit_seasonal_naive(Y, season_length=7)],
)
def test_benchmarks_never_return_nan_for_observed_series(kernel):
    Y = np.full((4, 10), np.nan)
    Y[0, -1] = 3.0
    Y[1] = 0.0
    Y[2] = 5.0
    fit = kernel(Y)
    assert np.all(np.isfinite(fit.mean(9)[:3])) and np.all(np.isfinite(fit.variance(9)[:3]))
    np.testing.assert_allclose(fit.mean(9)[:3], [[3.0] * 9, [0.0] * 9, [5.0] * 9])
    assert np.isnan(fit.mean(9)[3]).all() and fit.notes["empty"].tolist() == [3]


@pytest.mark.parametrize(
    "kernel",
    [
        fit_naive,
        fit_mean,
        fit_moving_average,
        lambda Y: fit_seasonal_naive(Y, season_length=7),
        lambda Y: fit_theta(Y, season_length=7),
    ],
)
def test_a_panel_without_columns_gives_empty_rows(kernel):
    # Panel.head(k) with k >= T leaves no column: every row is empty.
    fit = kernel(np.empty((2, 0)))
    assert np.isnan(fit.mean(3)).all() and fit.notes["empty"].tolist() == [0, 1]


def test_benchmarks_reject_bad_panels_and_arguments():
    with pytest.raises(InvalidParameterError, match="2-D panel"):
        fit_naive(np.arange(4.0))
    with pytest.raises(InvalidParameterError, match="infinite"):
        fit_mean(np.array([[1.0, -np.inf]]))
    with pytest.raises(InvalidParameterError, match="season_length must be a positive"):
        fit_seasonal_naive(np.ones((1, 3)), season_length=0)
    with pytest.raises(InvalidParameterError, match="window must be a positive"):
        fit_moving_average(np.ones((1, 3)), window=2.5)
