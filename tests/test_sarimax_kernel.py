"""SARIMAX kernel against simulated truth, statsmodels itself and the MA(infinity) formulas."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._sarimax import fit_sarimax

WEEK = np.array([5.0, -2, -3, 0, 1, 4, -5])


def _ar1(rng, T, phi, sd):
    u = np.zeros(T)
    e = rng.normal(0, sd, T)
    for t in range(1, T):
        u[t] = phi * u[t - 1] + e[t]
    return u


def _event_series(seed=3, T=250, h=10):
    """Weekly pattern + event (+12) + price (-3 per unit) + ARMA(1,1) noise; T + h periods."""
    rng = np.random.default_rng(seed)
    x = np.zeros((T + h, 2))
    x[rng.choice(T + h, 25, replace=False), 0] = 1.0
    x[:, 1] = rng.normal(0, 1, T + h)
    e = rng.normal(0, 2, T + h)
    u = np.zeros(T + h)
    for t in range(1, T + h):
        u[t] = 0.6 * u[t - 1] + e[t] + 0.3 * e[t - 1]
    y = 40 + np.tile(WEEK, (T + h) // 7 + 1)[: T + h] + 12 * x[:, 0] - 3 * x[:, 1] + u
    return y, x


@pytest.fixture(scope="module")
def event_fit():
    """(1,0,1)x(0,1,1,7) with two regressors on one series, and the data behind it."""
    T, h = 250, 20
    y, x = _event_series(T=T, h=h)
    fit = fit_sarimax(
        y[None, :T],
        7,
        exog=x[None, :T],
        future_exog=lambda k: x[None, T : T + k],
        exog_names=["event", "price"],
        order=(1, 0, 1),
        seasonal_order=(0, 1, 1),
    )
    return fit, y, x, T, h


def _their_params(fit):
    """Our estimates in statsmodels' parameter order (exog, ar, ma, seasonal ma)."""
    p = fit.params
    return np.array([p[key][0] for key in ["event", "price", "ar.L1", "ma.L1", "ma.S.L7"]])


# ---------------------------------------------------------------------- estimation
def test_recovers_regressor_coefficient_with_ar1_errors():
    rng = np.random.default_rng(42)
    T, phi, sd = 400, 0.6, 2.0
    x = (rng.random(T) < 0.1).astype(float)
    y = 50 + 30 * x + _ar1(rng, T, phi, sd)
    fit = fit_sarimax(y[None], 1, exog=x[None, :, None], exog_names=["promo"], order=(1, 0, 0))
    # GLS standard errors with AR(1) errors: beta: sd / sqrt(sum (x_t - phi x_{t-1})^2);
    # the mean: sd / ((1 - phi) sqrt(T)); phi: sqrt((1 - phi^2) / T) (Hamilton 1994, 8.3, 5.6).
    se_beta = sd / np.sqrt(np.sum((x[1:] - phi * x[:-1]) ** 2))
    se_mean = sd / ((1 - phi) * np.sqrt(T))
    se_phi = np.sqrt((1 - phi**2) / T)
    assert abs(fit.params["promo"][0] - 30) < 4 * se_beta  # ~ +-1.2
    assert abs(fit.params["intercept"][0] - 50) < 4 * se_mean  # ~ +-1.0
    assert abs(fit.params["ar.L1"][0] - phi) < 4 * se_phi  # ~ +-0.16
    assert fit.params["sigma2"][0] == pytest.approx(sd**2, rel=0.2)  # 4 SE of a variance, n=400
    assert fit.n_params.tolist() == [3.0]  # ar.L1, promo, intercept
    assert fit.name == "sarimax"


def test_forecasts_equal_statsmodels_given_the_same_parameters(event_fit):
    fit, y, x, T, h = event_fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(
            y[:T], exog=x[:T], order=(1, 0, 1), seasonal_order=(0, 1, 1, 7), concentrate_scale=True
        )
        res = model.filter(_their_params(fit))
        fc = res.get_forecast(h, exog=x[T : T + h])
    np.testing.assert_allclose(fit.mean(h)[0], fc.predicted_mean, rtol=1e-9)
    np.testing.assert_allclose(fit.variance(h)[0], fc.var_pred_mean, rtol=1e-9)
    assert fit.params["sigma2"][0] == pytest.approx(res.scale, rel=1e-9)
    # one-step residuals after the 7 periods consumed by seasonal differencing
    np.testing.assert_allclose(fit.residuals[0, 7:], res.forecasts_error[0, 7:], atol=1e-9)
    assert np.isnan(fit.residuals[0, :7]).all()


def test_close_to_statsmodels_own_fit(event_fit):
    """Peer check: statsmodels' maximum likelihood fit of the same model.

    Both maximise the same likelihood, we by coordinate ascent with a loose
    optimiser tolerance, so estimates differ in the third digit; forecasts
    agree within a tenth of their standard deviation.
    """
    fit, y, x, T, h = event_fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(y[:T], exog=x[:T], order=(1, 0, 1), seasonal_order=(0, 1, 1, 7))
        res = model.fit(disp=False, cov_type="none")
        fc = res.get_forecast(h, exog=x[T : T + h])
    np.testing.assert_allclose(_their_params(fit)[:2], res.params[:2], rtol=0.02)
    gap = np.abs(fit.mean(h)[0] - fc.predicted_mean)
    assert np.all(gap < 0.1 * np.sqrt(fc.var_pred_mean))
    # the truth: event +12, price -3 per unit (simulation in _event_series)
    assert abs(fit.params["event"][0] - 12) < 1.0 and abs(fit.params["price"][0] + 3) < 0.5


def test_seasonal_differencing_forecast_repeats_the_season_without_noise():
    """y = weekly pattern + 0.5 x exactly (plus tiny noise): forecasts reproduce it."""
    rng = np.random.default_rng(0)
    T, h = 140, 14
    x = rng.normal(0, 1, (1, T + h, 1))
    y = 100 + np.tile(WEEK, 30)[: T + h] + 0.5 * x[0, :, 0] + rng.normal(0, 0.01, T + h)
    fit = fit_sarimax(
        y[None, :T],
        7,
        exog=x[:, :T],
        future_exog=lambda k: x[:, T : T + k],
        order=(0, 0, 0),
        seasonal_order=(0, 1, 0),
    )
    assert fit.params["x0"][0] == pytest.approx(0.5, abs=0.01)
    np.testing.assert_allclose(fit.mean(h)[0], y[T:], atol=0.05)


# ---------------------------------------------------------------------- paths
def test_simulate_with_zero_errors_is_the_mean(event_fit):
    fit, *_ = event_fit
    paths = fit.simulate(12, np.zeros((1, 3, 12)))
    assert paths.shape == (1, 3, 12)
    np.testing.assert_allclose(paths, np.repeat(fit.mean(12)[:, None, :], 3, axis=1))


def _psi_weights(fit, h):
    """MA(infinity) weights of (1 - phi B)(1 - B^7) u = (1 + theta B)(1 + Theta B^7) e."""
    p = fit.params
    ar = np.convolve([1.0, -p["ar.L1"][0]], np.r_[1.0, np.zeros(6), -1.0])
    ma = np.convolve([1.0, p["ma.L1"][0]], np.r_[1.0, np.zeros(6), p["ma.S.L7"][0]])
    return arma2ma(ar, ma, lags=h)


def test_simulate_propagates_a_shock_through_the_psi_weights(event_fit):
    fit, *_ = event_fit
    h = 20
    errors = np.zeros((1, 2, h))
    errors[0, 1, 0] = 1.0  # a unit shock in the first period of path 1
    paths = fit.simulate(h, errors)
    np.testing.assert_allclose(paths[0, 1] - paths[0, 0], _psi_weights(fit, h), atol=1e-10)


def test_simulated_lead_time_sums_have_the_psi_weight_variance(event_fit):
    fit, *_ = event_fit
    h, n_paths = 14, 4000
    sigma = fit.sigma()
    rng = np.random.default_rng(5)
    paths = fit.simulate(h, rng.standard_normal((1, n_paths, h)) * sigma[:, None, None])
    psi = _psi_weights(fit, h)
    # Var(sum_{j=1..h} y_{T+j}) = sigma^2 sum_i (psi_0 + ... + psi_{h-1-i})^2
    expected = sigma[0] ** 2 * np.sum(np.cumsum(psi) ** 2)
    # sampling error of a variance from 4000 draws: sqrt(2 / 4000) = 2.2%; allow 4.5 SE
    assert np.var(paths[0].sum(axis=1)) == pytest.approx(expected, rel=0.1)
    per_step = np.var(paths[0], axis=0)
    np.testing.assert_allclose(per_step, sigma[0] ** 2 * np.cumsum(psi**2), rtol=0.1)
    # variance(h) uses statsmodels' innovation variance instead of the residual RMS
    ratio = fit.params["sigma2"][0] / sigma[0] ** 2
    np.testing.assert_allclose(fit.variance(h)[0], ratio * per_step, rtol=0.12)


# ---------------------------------------------------------------------- panel mechanics
def test_panel_fit_equals_one_fit_per_series():
    """Rows of different lengths and automatically chosen orders (different state sizes)."""
    rng = np.random.default_rng(1)
    T = 200
    week = np.tile(WEEK, 40)[:T]
    walk = 50 + np.cumsum(rng.normal(0, 1.5, T)) + week + rng.normal(0, 1, T)
    steady = 50 + week + _ar1(rng, T, 0.5, 2.0)
    Y = np.vstack([walk, np.r_[np.full(30, np.nan), steady[30:]]])
    both = fit_sarimax(Y, 7)
    assert both.notes["order"].tolist() == ["(0,1,1)x(0,1,1,7)", "(1,0,1)x(0,1,1,7)"]
    for i in range(2):
        one = fit_sarimax(Y[i : i + 1, 30 * i :], 7)
        np.testing.assert_array_equal(both.mean(9)[i], one.mean(9)[0])
        np.testing.assert_array_equal(both.variance(9)[i], one.variance(9)[0])
        np.testing.assert_array_equal(both.residuals[i, 30 * i :], one.residuals[0])
    assert np.isnan(both.residuals[1, :30]).all()


def test_nonseasonal_automatic_orders():
    rng = np.random.default_rng(2)
    T = 300
    walk = 50 + np.cumsum(rng.normal(0, 1.5, T)) + rng.normal(0, 1, T)
    steady = 50 + _ar1(rng, T, 0.5, 2.0)
    fit = fit_sarimax(np.vstack([walk, steady]), 1)
    assert fit.notes["order"].tolist() == ["(0,1,1)", "(1,0,1)"]
    assert np.isnan(fit.params["intercept"][0]) and abs(fit.params["intercept"][1] - 50) < 1.5
    # a random walk's forecasts stay flat; the AR(1) ones revert towards the mean
    assert np.ptp(fit.mean(30)[0]) < 1e-9
    assert abs(fit.mean(60)[1, -1] - fit.params["intercept"][1]) < 0.01


def test_n_jobs_gives_identical_results():
    rng = np.random.default_rng(0)
    Y = 20 + np.cumsum(rng.normal(0, 1, (3, 120)), axis=1)
    Y[1, :40] = np.nan
    one = fit_sarimax(Y, 1, order=(0, 1, 1))
    two = fit_sarimax(Y, 1, order=(0, 1, 1), n_jobs=2)
    np.testing.assert_array_equal(one.mean(5), two.mean(5))
    np.testing.assert_array_equal(one.residuals, two.residuals)
    np.testing.assert_array_equal(one.params["ma.L1"], two.params["ma.L1"])


def test_max_history_fits_the_last_periods_only():
    rng = np.random.default_rng(4)
    Y = 30 + np.cumsum(rng.normal(0, 1, (2, 160)), axis=1)
    short = fit_sarimax(Y, 1, order=(0, 1, 1), max_history=100)
    trimmed = fit_sarimax(Y[:, -100:], 1, order=(0, 1, 1))
    np.testing.assert_array_equal(short.mean(4), trimmed.mean(4))
    np.testing.assert_array_equal(short.residuals[:, -100:], trimmed.residuals)
    assert np.isnan(short.residuals[:, :60]).all()


def test_missing_values_inside_a_series_are_skipped():
    rng = np.random.default_rng(6)
    T = 150
    x = (rng.random((1, T, 1)) < 0.1).astype(float)
    y = 10 + 5 * x[0, :, 0] + _ar1(rng, T, 0.5, 1.0)
    y[[50, 51, 90]] = np.nan
    x[0, [50, 90], 0] = np.nan  # regressor values where y is missing are ignored
    fit = fit_sarimax(
        y[None], 1, exog=x, future_exog=lambda h: np.zeros((1, h, 1)), order=(1, 0, 0)
    )
    assert np.isnan(fit.residuals[0, [50, 51, 90]]).all()
    assert np.isfinite(fit.residuals[0, 52:90]).all()
    assert abs(fit.params["x0"][0] - 5) < 1.0
    assert np.isfinite(fit.mean(3)).all()


# ---------------------------------------------------------------------- robustness
def test_rows_that_cannot_be_fitted_get_nan_and_notes():
    rng = np.random.default_rng(7)
    T = 120
    good = 40 + np.tile(WEEK, 20)[:T] + rng.normal(0, 1, T)
    Y = np.vstack(
        [
            good,
            np.zeros(T),  # all zero
            np.full(T, 5.0),  # constant
            np.r_[np.full(T - 12, np.nan), good[-12:]],  # 12 observations: too short
            np.full(T, np.nan),  # empty
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak from statsmodels or numpy
        fit = fit_sarimax(Y, 7)
        mean, var = fit.mean(7), fit.variance(7)
        paths = fit.simulate(7, np.ones((5, 2, 7)))
    assert fit.notes["failed"].tolist() == [1, 2, 3, 4]
    assert fit.notes["constant"].tolist() == [1, 2]
    assert fit.notes["too_short"].tolist() == [3]
    assert fit.notes["empty"].tolist() == [4]
    assert np.isfinite(mean[0]).all() and np.isfinite(var[0]).all() and np.isfinite(paths[0]).all()
    for arr in (mean[1:], var[1:], paths[1:], fit.residuals[1:], fit.n_params[1:]):
        assert np.isnan(arr).all()
    assert fit.notes["order"].tolist()[1:] == [None] * 4


def test_constant_and_collinear_regressors_are_dropped_per_series():
    rng = np.random.default_rng(8)
    T = 150
    event = np.zeros((2, T))
    event[1, rng.choice(T, 12, replace=False)] = 1.0  # never happens in series 0
    X = np.stack([event, 2 * event, rng.normal(0, 1, (2, T))], axis=2)  # column 1 = 2 x column 0
    Y = 20 + 8 * event + 1.5 * X[:, :, 2] + _ar1(rng, T, 0.3, 1.0)
    names = ["event", "event_doubled", "price"]
    futures = {}

    def future(h):
        return futures["value"][:, :h]

    fit = fit_sarimax(Y, 1, exog=X, future_exog=future, exog_names=names, order=(1, 0, 0))
    assert np.isnan(fit.params["event"][0]) and abs(fit.params["event"][1] - 8) < 1.0
    assert np.isnan(fit.params["event_doubled"]).all()
    assert np.isfinite(fit.params["price"]).all()
    dropped = fit.notes["dropped_regressors"]
    assert dropped["event"].tolist() == [0] and dropped["event_doubled"].tolist() == [0, 1]
    assert fit.n_params.tolist() == [3.0, 4.0]  # ar, (event,) price, intercept
    # a regressor a series does not use does not move its forecast, even if NaN there
    futures["value"] = np.zeros((2, 3, 3))
    base = fit.mean(3)
    futures["value"] = np.zeros((2, 3, 3))
    futures["value"][0, :, :2] = np.nan
    futures["value"][1, :, 1] = 100.0
    np.testing.assert_array_equal(fit.mean(3), base)
    futures["value"][1, :, 0] = 1.0  # the event in every future period of series 1
    np.testing.assert_allclose(fit.mean(3)[1] - base[1], fit.params["event"][1])


def test_deterministic():
    rng = np.random.default_rng(9)
    Y = 50 + np.tile(WEEK, 20)[None, :140] + rng.normal(0, 2, (2, 140))
    first, second = fit_sarimax(Y, 7), fit_sarimax(Y, 7)
    np.testing.assert_array_equal(first.mean(7), second.mean(7))
    np.testing.assert_array_equal(first.residuals, second.residuals)


# ---------------------------------------------------------------------- errors
@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(10)
    Y = 10 + _ar1(rng, 80, 0.5, 1.0)[None]
    X = (rng.random((1, 80, 2)) < 0.2).astype(float)
    return Y, X


def test_forecast_without_future_exog_raises(small):
    Y, X = small
    fit = fit_sarimax(Y, 1, exog=X, exog_names=["easter", "xmas"], order=(1, 0, 0))
    assert np.isfinite(fit.variance(3)).all()  # variances do not need the regressors
    with pytest.raises(
        InvalidParameterError, match=r"regressors \['easter', 'xmas'\].*pass future_exog"
    ):
        fit.mean(3)
    with pytest.raises(InvalidParameterError, match="future_exog"):
        fit.simulate(3, np.zeros((1, 2, 3)))


def test_future_exog_with_wrong_shape_or_missing_values_raises(small):
    Y, X = small
    bad = {"shape": np.zeros((1, 3, 1)), "nan": np.full((1, 3, 2), np.nan)}
    for key, match in (("shape", r"shape \(1, 3, 2\)"), ("nan", "rows \\[0\\]")):
        fit = fit_sarimax(Y, 1, exog=X, future_exog=lambda h, key=key: bad[key], order=(1, 0, 0))
        with pytest.raises(InvalidParameterError, match=match):
            fit.mean(3)


def test_exog_missing_where_y_is_observed_raises(small):
    Y, X = small
    X = X.copy()
    X[0, 60, 1] = np.nan
    with pytest.raises(InvalidParameterError, match=r"regressors \['promo'\] of panel rows \[0\]"):
        fit_sarimax(Y, 1, exog=X, exog_names=["easter", "promo"], order=(1, 0, 0))
    # outside the fitted history (max_history) it does not matter
    fit = fit_sarimax(Y, 1, exog=X, order=(1, 0, 0), max_history=15)
    assert fit.notes["failed"].size == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"order": (1, 0)}, "order must be three non-negative integers"),
        ({"order": (1, -1, 0)}, "order must be three"),
        ({"seasonal_order": (0, 1, 1)}, "needs season_length >= 2"),
        ({"exog": np.zeros((1, 5, 1))}, r"exog must have shape \(n_series, T, k\) = \(1, 80, k\)"),
        ({"exog": np.zeros((1, 80, 2)), "exog_names": ["a", "a"]}, "2 distinct names"),
        ({"exog": np.zeros((1, 80, 1)), "exog_names": ["sigma2"]}, "clash"),
        ({"exog_names": ["a"]}, "without exog"),
        ({"future_exog": lambda h: np.zeros((1, h, 1))}, "future_exog was given without exog"),
        ({"n_jobs": 0}, "n_jobs must be a non-zero integer"),
        ({"max_history": 0}, "max_history must be a positive integer"),
    ],
)
def test_invalid_arguments_raise(small, kwargs, match):
    Y, _ = small
    with pytest.raises(InvalidParameterError, match=match):
        fit_sarimax(Y, 1, **kwargs)


def test_invalid_panel_and_errors_shape_raise(small):
    Y, _ = small
    with pytest.raises(InvalidParameterError, match="2-D panel"):
        fit_sarimax(Y[0], 1)
    fit = fit_sarimax(Y, 1, order=(1, 0, 0))
    with pytest.raises(InvalidParameterError, match="errors must have shape"):
        fit.simulate(4, np.zeros((1, 2, 3)))
