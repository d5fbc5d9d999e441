"""Vectorized exponential smoothing kernels against statsmodels, a per-series loop and theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._ets import (
    ETS_MODELS,
    _initial_states,
    _single_precision_is_safe,
    _Spec,
    fit_ets,
)
from forecastkit.timeseries._simple import _lengths

VARIANTS = list(ETS_MODELS.values())
M = 4


def _params(trend, season):
    p = {"alpha": 0.3}
    if trend:
        p["beta"] = 0.05
    if trend == "damped":
        p["phi"] = 0.9
    if season:
        p["gamma"] = 0.1
    return p


def _panel(seed=1, T=60):
    """Two positive trended seasonal series, the second starting 10 periods late."""
    rng = np.random.default_rng(seed)
    y = 20 + 0.3 * np.arange(T) + np.tile([3.0, -1, -4, 2], T // M) + rng.normal(0, 1, T)
    return np.vstack([y, np.r_[np.full(10, np.nan), y[: T - 10]]])


def _init(Y, trend, season):
    starts, lengths = _lengths(Y)
    return _initial_states(Y, starts, lengths, _Spec(trend, season, M if season else 1))


def _ets_loop(y, trend, season, m, p, l0, b0, s0, h):
    """Plain per-series recursion of Hyndman et al. (2008) Table 2.2 (additive errors).

    A NaN observation leaves the states to their one-step prediction.
    Returns the one-step fitted values and the h-step forecasts.
    """
    alpha, beta, phi, gamma = p["alpha"], p.get("beta", 0.0), p.get("phi", 1.0), p.get("gamma", 0.0)
    mul = season == "mul"
    level, slope = l0, (b0 if trend else 0.0)
    seas = list(s0) if season else [1.0 if mul else 0.0] * m
    fitted = []
    for t, obs in enumerate(y):
        damp = phi * slope
        pred = level + damp
        s = seas[t % m]
        yhat = pred * s if mul else pred + s
        fitted.append(yhat)
        e = 0.0 if math.isnan(obs) else obs - yhat
        scaled = e / s if mul else e
        seas[t % m] = s + gamma * (e / pred if mul else e)
        level, slope = pred + alpha * scaled, damp + beta * scaled
    forecasts = []
    for j in range(1, h + 1):
        mult = sum(phi**i for i in range(1, j + 1)) if trend else 0.0
        s = seas[(len(y) - 1 + j) % m]
        point = level + mult * slope
        forecasts.append(point * s if mul else point + s)
    return np.array(fitted), np.array(forecasts)


# ---------------------------------------------------------------------- oracles
@pytest.mark.parametrize(("trend", "season"), VARIANTS)
def test_matches_statsmodels_with_fixed_parameters_and_known_states(trend, season):
    Y = _panel()
    level0, slope0, season0, _ = _init(Y, trend, season)
    p = _params(trend, season)
    fit = fit_ets(Y, trend=trend, season=season, season_length=M if season else 1, params=p)
    for i in range(2):
        obs = ~np.isnan(Y[i])
        kwargs = {"initialization_method": "known", "initial_level": level0[i]}
        if trend:
            kwargs["initial_trend"] = slope0[i]
        if season:
            kwargs["initial_seasonal"] = season0[i]
        res = ExponentialSmoothing(
            Y[i, obs],
            trend="add" if trend else None,
            damped_trend=trend == "damped",
            seasonal=season,
            seasonal_periods=M if season else None,
            **kwargs,
        ).fit(
            smoothing_level=p["alpha"],
            smoothing_trend=p["beta"] / p["alpha"] if trend else None,  # statsmodels' beta*
            damping_trend=p.get("phi"),
            smoothing_seasonal=p.get("gamma"),
            optimized=False,
        )
        fitted = Y[i, obs] - fit.residuals[i, obs]
        np.testing.assert_allclose(fitted, res.fittedvalues, rtol=0, atol=1e-8)
        assert np.isnan(fit.residuals[i, ~obs]).all()
        forecast = fit.mean(9)[i]
        # statsmodels 0.15 reuses s_{T-m} instead of s_T at horizons h = m, 2m, ...
        # (statsmodels issue #9538), so compare those steps with l_T + phi_h b_T (+/x) s_T.
        steps = np.arange(1, 10)
        sm = np.asarray(res.forecast(9))
        np.testing.assert_allclose(forecast[steps % M != 0], sm[steps % M != 0], atol=1e-8)
        mult = np.cumsum(p.get("phi", 1.0) ** steps) if trend else np.zeros(9)
        point = res.level[-1] + mult * (res.trend[-1] if trend else 0.0)
        if season:
            s_last = res.season[-M:][(steps - 1) % M]
            point = point * s_last if season == "mul" else point + s_last
        np.testing.assert_allclose(forecast, point, atol=1e-8)


@pytest.mark.parametrize(("trend", "season"), VARIANTS)
def test_matches_per_series_loop_with_gaps_and_late_starts(trend, season):
    Y = _panel(seed=2, T=48)
    Y = np.vstack([Y, Y[0]])
    Y[2, [5, 6, 30]] = np.nan  # missing values inside a series
    Y[1, -1] = np.nan  # ... and at its end
    level0, slope0, season0, _ = _init(Y, trend, season)
    p = _params(trend, season)
    m = M if season else 1
    fit = fit_ets(Y, trend=trend, season=season, season_length=m, params=p)
    means = fit.mean(7)
    for i in range(3):
        start = int(np.argmax(~np.isnan(Y[i])))
        y = Y[i, start:]
        fitted, forecast = _ets_loop(y, trend, season, m, p, level0[i], slope0[i], season0[i], 7)
        obs = ~np.isnan(y)
        np.testing.assert_allclose(y[obs] - fit.residuals[i, start:][obs], fitted[obs], atol=1e-9)
        np.testing.assert_allclose(means[i], forecast, atol=1e-9)


@pytest.mark.parametrize(("trend", "season"), [(None, None), ("damped", "add"), ("add", "mul")])
def test_panel_search_equals_fitting_each_series_alone(trend, season):
    rng = np.random.default_rng(3)
    Y = (
        30
        + np.cumsum(rng.normal(0, 1, (5, 70)), axis=1)
        + np.tile([2.0, -1, -3, 2], (5, 18))[:, :70]
    )
    Y[1, :20] = np.nan
    Y[3, :41] = np.nan
    kw = {"trend": trend, "season": season, "season_length": M if season else 1}
    fit = fit_ets(Y, **kw)
    for i in range(5):
        alone = fit_ets(Y[i : i + 1], **kw)
        for key, value in fit.params.items():
            assert value[i] == alone.params[key][0], key
        np.testing.assert_allclose(fit.mean(5)[i], alone.mean(5)[0], rtol=1e-12)


def test_initial_states_hand_computed():
    # Seasonal, m = 2, y = 1,3 | 3,5 | 5,7: season means 2, 4, 6, so
    # b0 = (6 - 2) / ((3 - 1) * 2) = 1, l0 = 2 - 1 * (2 + 1) / 2 = 0.5; the line
    # l0 + b0 t is 1.5, 2.5, ..., so deviations alternate -0.5, +0.5.
    Y = np.array([[1.0, 3, 3, 5, 5, 7]])
    level, slope, season, _ = _initial_states(
        Y, np.array([0]), np.array([6]), _Spec("add", "add", 2)
    )
    assert (level[0], slope[0]) == (0.5, 1.0)
    assert season[0].tolist() == [-0.5, 0.5]
    # Non-seasonal: least squares through (1, 2), (2, 4), (3, 6): slope 2, intercept 0.
    level, slope, _, _ = _initial_states(
        np.array([[2.0, 4, 6]]), np.array([0]), np.array([3]), _Spec("add", None, 1)
    )
    assert (level[0], slope[0]) == pytest.approx((0.0, 2.0))


# ---------------------------------------------------------------------- variance and paths
def test_variance_matches_closed_forms_for_ann_and_aan():
    Y = _panel()
    h = np.arange(1, 13)
    ses = fit_ets(Y, params={"alpha": 0.3})
    sigma2 = ses.sigma() ** 2
    # Hyndman et al. (2008) Table 6.1 / FPP3 Table 8.8, ETS(A,N,N): sigma^2 (1 + alpha^2 (h - 1))
    np.testing.assert_allclose(ses.variance(12), sigma2[:, None] * (1 + 0.09 * (h - 1)))
    holt = fit_ets(Y, trend="add", params={"alpha": 0.3, "beta": 0.05})
    a, b = 0.3, 0.05
    # ETS(A,A,N): sigma^2 [1 + (h - 1){alpha^2 + alpha beta h + beta^2 h (2h - 1) / 6}]
    closed = 1 + (h - 1) * (a**2 + a * b * h + b**2 * h * (2 * h - 1) / 6)
    np.testing.assert_allclose(holt.variance(12), holt.sigma()[:, None] ** 2 * closed)


def test_variance_weights_equal_state_space_matrix_products():
    # c_j = w' F^(j-1) g for ETS(A,Ad,A) with state (l, b, s_t, ..., s_{t-m+1}).
    a, b, phi, g, m = 0.2, 0.04, 0.9, 0.15, M
    k = m + 2
    F = np.zeros((k, k))
    F[0, :2] = [1, phi]
    F[1, 1] = phi
    F[2, k - 1] = 1
    F[3:, 2 : k - 1] = np.eye(m - 1)
    w = np.zeros(k)
    w[:2], w[k - 1] = [1, phi], 1
    gvec = np.zeros(k)
    gvec[:3] = [a, b, g]
    c = [w @ np.linalg.matrix_power(F, j - 1) @ gvec for j in range(1, 11)]
    fit = fit_ets(
        _panel(), trend="damped", season="add", season_length=m,
        params={"alpha": a, "beta": b, "phi": phi, "gamma": g},
    )  # fmt: skip
    expected = fit.sigma()[:, None] ** 2 * (1 + np.concatenate([[0], np.cumsum(np.square(c))]))
    np.testing.assert_allclose(fit.variance(11), expected, rtol=1e-12)


@pytest.mark.parametrize(("trend", "season"), [("damped", "add"), ("add", None)])
def test_simulated_paths_match_mean_and_variance(trend, season):
    fit = fit_ets(
        _panel(), trend=trend, season=season, season_length=M, params=_params(trend, season)
    )
    h, paths = 9, 40_000
    rng = np.random.default_rng(0)
    sigma = fit.sigma()
    errors = rng.standard_normal((2, paths, h)) * sigma[:, None, None]
    sims = fit.simulate(h, errors)
    assert sims.shape == (2, paths, h)
    np.testing.assert_allclose(sims.mean(axis=1), fit.mean(h), atol=0.05 * sigma.max())
    np.testing.assert_allclose(sims.var(axis=1), fit.variance(h), rtol=0.04)


@pytest.mark.parametrize(("trend", "season"), VARIANTS)
def test_simulation_without_errors_is_the_point_forecast(trend, season):
    fit = fit_ets(
        _panel(), trend=trend, season=season, season_length=M, params=_params(trend, season)
    )
    sims = fit.simulate(10, np.zeros((2, 3, 10)))
    np.testing.assert_allclose(sims, np.repeat(fit.mean(10)[:, None, :], 3, axis=1), rtol=1e-12)


def test_multiplicative_season_has_no_closed_form_variance():
    assert fit_ets(_panel(), season="mul", season_length=M).variance is None


# ---------------------------------------------------------------------- search
def test_search_recovers_alpha_of_a_simulated_local_level_model():
    rng = np.random.default_rng(7)
    n, T, alpha = 4, 2000, 0.3
    e = rng.normal(0, 1, (n, T))
    level = 50 + np.cumsum(alpha * e, axis=1)  # l_t = l_{t-1} + alpha e_t
    Y = np.concatenate([np.full((n, 1), 50.0), level[:, :-1]], axis=1) + e  # y_t = l_{t-1} + e_t
    fit = fit_ets(Y)
    assert np.all(np.abs(fit.params["alpha"] - alpha) < 0.1)


def test_finer_grid_never_has_a_larger_in_sample_error():
    rng = np.random.default_rng(4)
    Y = (
        40
        + np.cumsum(rng.normal(0.1, 1, (6, 90)), axis=1)
        + np.tile([3.0, 0, -3, 0], (6, 23))[:, :90]
    )
    sse = {}
    for grid in ("fast", "default", "fine"):
        fit = fit_ets(Y, trend="damped", season="add", season_length=M, grid=grid)
        sse[grid] = np.nansum(fit.residuals**2, axis=1)
    # "fine" is "default" plus more passes that always keep the current value as a
    # candidate (the search runs in float32 here, hence the relative tolerance).
    assert np.all(sse["fine"] <= sse["default"] * (1 + 1e-5))
    ses = fit_ets(Y, grid="default")
    for alpha in (0.005, 0.07, 0.25, 0.9):  # every value of the coarse grid is beaten
        fixed = fit_ets(Y, params={"alpha": alpha})
        ses_sse, fixed_sse = np.nansum(ses.residuals**2, 1), np.nansum(fixed.residuals**2, 1)
        assert np.all(ses_sse <= fixed_sse * (1 + 1e-5))


def test_search_runs_in_single_precision_only_when_errors_survive_it():
    rng = np.random.default_rng(6)
    demand = rng.poisson(5.0, (50, 3)).astype(float)  # rms ~5, mean change ~2.5
    assert _single_precision_is_safe(demand)
    assert _single_precision_is_safe(np.full((50, 3), 7.0))  # constant: errors are exactly 0
    # A level of one million moving by ~0.01: float32 (7 digits) would lose the errors.
    assert not _single_precision_is_safe(1e6 + np.cumsum(rng.normal(0, 0.01, (50, 3)), axis=0))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30),
    st.integers(0, 5),
    st.sampled_from(VARIANTS),
)
def test_scaling_by_a_power_of_two_scales_forecasts_exactly(values, power, variant):
    # Scaling by 2**k is exact in floating point, so every SSE scales by 4**k and
    # the search picks the same parameters.
    trend, season = variant
    Y = np.array([values]) + 1.0
    kw = {"trend": trend, "season": season, "season_length": 3 if season else 1}
    fit, scaled = fit_ets(Y, **kw), fit_ets(Y * 2.0**power, **kw)
    for key in fit.params:
        assert scaled.params[key][0] == fit.params[key][0]
    assert np.all(np.isfinite(fit.mean(4)))
    np.testing.assert_array_equal(scaled.mean(4), fit.mean(4) * 2.0**power)


def test_row_order_does_not_change_any_series():
    rng = np.random.default_rng(5)
    Y = 10 + rng.gamma(2.0, 2.0, (7, 40))
    for i, start in enumerate([0, 3, 39, 10, 0, 25, 5]):
        Y[i, :start] = np.nan
    perm = rng.permutation(7)
    kw = {"trend": "add", "season": "add", "season_length": M}
    a, b = fit_ets(Y, **kw), fit_ets(Y[perm], **kw)
    np.testing.assert_array_equal(a.mean(6)[perm], b.mean(6))
    np.testing.assert_array_equal(a.residuals[perm], b.residuals)


# ---------------------------------------------------------------------- edge cases
@pytest.mark.parametrize(("trend", "season"), VARIANTS)
def test_short_constant_zero_and_empty_series(trend, season):
    T = 12
    Y = np.full((5, T), np.nan)
    Y[0, -1] = 4.0  # a single observation
    Y[1] = 3.0  # constant
    Y[2] = 0.0  # all zero
    Y[3, -3:] = [1.0, 2.0, 5.0]  # shorter than a season
    fit = fit_ets(Y, trend=trend, season=season, season_length=M)
    mean = fit.mean(6)
    assert np.isnan(mean[4]).all() and fit.notes["empty"].tolist() == [4]
    if season == "mul":  # only strictly positive series
        assert fit.notes["not_positive"].tolist() == [2]
        assert np.isnan(mean[2]).all()
        rows = [0, 1, 3]
    else:
        rows = [0, 1, 2, 3]
        np.testing.assert_allclose(mean[2], 0.0)
        assert np.all(np.isfinite(fit.variance(6)[rows]))
    assert np.all(np.isfinite(mean[rows]))
    np.testing.assert_allclose(mean[0], 4.0)  # one observation: its value, no trend
    np.testing.assert_allclose(mean[1], 3.0)  # constant: the constant
    if season:
        assert fit.notes["short_for_season"].tolist() == [0, 3]
        level0, _, season0, _ = _init(Y, trend, season)
        assert level0[3] == pytest.approx(8 / 3)  # short: level starts at the mean of the three
        assert np.all(season0[3] == (1.0 if season == "mul" else 0.0))  # ... with a neutral season
    if trend:
        assert 0 in fit.notes["short_for_trend"]


@pytest.mark.parametrize(("trend", "season"), [("damped", "add"), (None, "mul")])
def test_panel_without_columns_or_rows(trend, season):
    fit = fit_ets(np.empty((2, 0)), trend=trend, season=season, season_length=M)
    assert np.isnan(fit.mean(3)).all() and fit.notes["empty"].tolist() == [0, 1]
    assert fit_ets(np.empty((0, 9)), trend=trend, season=season, season_length=M).mean(3).shape == (
        0,
        3,
    )


@pytest.mark.parametrize(
    ("values", "season"),
    [([1e200, 1e-200] * 4, "mul"), ([1e308, 1e308, 1.0], None), ([1e308, 1e308, 1.0], "add")],
)
def test_fits_that_overflow_are_flagged_and_never_returned(values, season):
    # 1e200 / 1e-200 overflows the multiplicative recursion; squared errors of 1e308 overflow.
    Y = np.array([values, [1.0, 2.0] * (len(values) // 2) + [1.0] * (len(values) % 2)])
    params = {"alpha": 0.999, "gamma": 0.0009} if season else {"alpha": 0.999}
    fit = fit_ets(Y, season=season, season_length=2, params=params)
    assert fit.notes["unstable"].tolist() == [0]
    assert np.isnan(fit.mean(2)[0]).all() and np.isnan(fit.residuals[0]).all()
    assert np.isfinite(fit.mean(2)[1]).all()


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"trend": "mul"}, "trend='mul' is not valid"),
        ({"season": "additive"}, "season='additive' is not valid"),
        ({"grid": "huge"}, "grid='huge' is not valid"),
        ({"season": "add", "season_length": 1}, "needs season_length >= 2"),
        ({"season_length": 0}, "season_length must be a positive integer"),
        ({"params": {"alpha": 0.1, "beta": 0.1}}, r"unexpected \['beta'\]"),
        ({"trend": "damped", "params": {"alpha": 0.1, "beta": 0.1}}, r"missing \['phi'\]"),
        ({"params": {"alpha": 0.0}}, r"0 < alpha <= 1; check \['alpha'\]"),
        ({"trend": "add", "params": {"alpha": 0.5, "beta": np.nan}}, r"check \['beta'\]"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        fit_ets(_panel(), **kwargs)


def test_panel_must_be_two_dimensional_and_finite():
    with pytest.raises(InvalidParameterError, match="2-D panel"):
        fit_ets(np.arange(5.0))
    with pytest.raises(InvalidParameterError, match="infinite"):
        fit_ets(np.array([[1.0, np.inf]]))
