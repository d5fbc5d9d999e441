"""StatsForecaster: selection, robustness, quantiles and sample paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.errors import InvalidParameterError, NotFittedError
from forecastkit.timeseries import StatsForecaster, default_season_length


def _series(uid, values, start="2024-01-01"):
    values = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range(start, periods=len(values), freq="D"), "y": values}
    )


@pytest.fixture(scope="module")
def awkward_panel():
    rng = np.random.default_rng(0)
    weekly = np.tile([5, 5, 6, 7, 9, 14, 12], 20) + rng.poisson(1, 140)
    return pd.concat(
        [
            _series("seasonal", weekly),
            _series("one_obs", [4.0], start="2024-05-19"),
            _series("all_zero", np.zeros(140)),
            _series("constant", np.full(140, 3.0)),
            _series("single_sale", np.r_[np.zeros(100), 5.0, np.zeros(39)]),
            _series("late_start", rng.poisson(4, 20), start="2024-04-30"),
            _series("ends_early", rng.poisson(4, 100)),
            _series("intermittent", rng.poisson(0.2, 140) * 3),
        ],
        ignore_index=True,
    )


def test_never_nan_or_negative_on_awkward_series(awkward_panel):
    model = StatsForecaster().fit(awkward_panel)
    fc = model.predict(14, quantiles=[0.05, 0.5, 0.95])
    values = fc[["yhat", "q0.05", "q0.5", "q0.95"]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (fc["q0.05"] <= fc["q0.95"]).all()
    assert fc.groupby("unique_id").size().eq(14).all()


def test_fallbacks_are_recorded(awkward_panel):
    table = StatsForecaster().fit(awkward_panel).model_table_.set_index("unique_id")
    assert table.loc["all_zero", "demand_class"] == "no_demand"
    assert table.loc["all_zero", "model"] == "mean"
    assert "no demand" in table.loc["all_zero", "reason"]
    assert table.loc["one_obs", "model"] == "mean"
    assert "fewer than 2 observations" in table.loc["one_obs", "reason"]
    # 20 days: a validation fit needs k + 8 days, so only the last origin (k=7) is scored
    assert table.loc["late_start", "reason"] == "lowest validation MSE (1 x 7 periods)"
    assert table.loc["intermittent", "demand_class"] in ("intermittent", "lumpy")
    assert table.loc["seasonal", "reason"].startswith("lowest validation MSE")


def test_zero_and_constant_series_forecast_exactly(awkward_panel):
    fc = StatsForecaster().fit(awkward_panel).predict(7, quantiles=[0.9])
    by = fc.set_index("unique_id")
    assert (by.loc["all_zero", ["yhat", "q0.9"]].to_numpy() == 0).all()
    np.testing.assert_allclose(by.loc["constant", "yhat"], 3.0, atol=1e-9)
    np.testing.assert_allclose(by.loc["constant", "q0.9"], 3.0, atol=1e-9)


def test_each_series_starts_after_its_own_last_date(awkward_panel):
    fc = StatsForecaster().fit(awkward_panel).predict(3)
    last = awkward_panel.groupby("unique_id")["ds"].max()
    first = fc.groupby("unique_id")["ds"].min()
    assert (first == last.reindex(first.index) + pd.Timedelta(days=1)).all()


@pytest.mark.parametrize("pool", [True, False])
def test_weekly_pattern_is_forecast_with_or_without_pooled_profiles(pool):
    # Deterministic weekly profile plus small noise. Without pooling a seasonal
    # model must win the validation; with it, a non-seasonal model on the
    # seasonally adjusted history may win too. Either way the forecast must
    # follow the profile.
    rng = np.random.default_rng(1)
    profile = np.array([5, 5, 6, 7, 9, 14, 12], dtype=float)
    y = np.tile(profile, 30) + rng.normal(0, 0.3, 210)
    df = _series("s", y)
    model = StatsForecaster(season_length=7, pool_seasonality=pool).fit(df)
    if not pool:
        assert model.model_table_["model"].iloc[0] in {
            "hw_add",
            "hw_add_damped",
            "seasonal_naive",
        }
    fc = model.predict(7)["yhat"].to_numpy()
    # day after 2024-07-28 (a Sunday, position 209) is position 210 -> profile[0]
    np.testing.assert_allclose(fc, profile, atol=0.6)


def test_quantile_median_equals_point_forecast_when_not_clipped():
    rng = np.random.default_rng(2)
    df = _series("a", 50 + rng.normal(0, 2, 120))
    model = StatsForecaster(models=["ses"], pool_seasonality=False)
    fc = model.fit(df).predict(5, quantiles=[0.5, 0.9])
    np.testing.assert_allclose(fc["q0.5"], fc["yhat"])
    assert (fc["q0.9"].diff().dropna() >= -1e-12).all()  # SES variance grows with h


def test_sample_paths_match_point_forecast_and_are_deterministic():
    rng = np.random.default_rng(3)
    df = _series("a", 100 + np.cumsum(rng.normal(0, 1, 200)))
    model = StatsForecaster(models=["ses"]).fit(df)
    paths = model.sample_paths(10, 4000, seed=5)
    assert list(paths.columns) == ["unique_id", "sample", "ds", "y"]
    assert len(paths) == 10 * 4000
    means = paths.groupby("ds")["y"].mean().to_numpy()
    yhat = model.predict(10)["yhat"].to_numpy()
    sd = np.sqrt(model.chosen_[0].fit.variance(10)[0])
    # Monte Carlo error of a mean of 4000 draws: sd / sqrt(4000); allow 4 of them
    assert np.all(np.abs(means - yhat) < 4 * sd / np.sqrt(4000))
    again = model.sample_paths(10, 4000, seed=5)
    pd.testing.assert_frame_equal(paths, again)


def test_path_sums_carry_the_ses_error_correlation():
    # For SES, h-step errors share the future shocks: Var(sum of 7 days) exceeds the
    # sum of the 7 daily variances (Hyndman et al. 2008, ch. 6). Summing per-day
    # quantiles or variances would understate lead-time demand uncertainty.
    rng = np.random.default_rng(4)
    df = _series("a", 200 + np.cumsum(rng.normal(0, 3, 300)))
    model = StatsForecaster(models=["ses"]).fit(df)
    paths = model.sample_paths(7, 5000, seed=0)
    totals = paths.groupby("sample")["y"].sum()
    daily = model.chosen_[0].fit.variance(7)[0]
    assert totals.var() > 1.5 * daily.sum()


def test_intermittent_paths_are_non_negative_counts():
    rng = np.random.default_rng(5)
    df = _series("a", rng.poisson(0.3, 200) * 2)
    model = StatsForecaster(models=["croston_sba"]).fit(df)
    paths = model.sample_paths(28, 500, seed=1)["y"].to_numpy()
    assert (paths >= 0).all()
    assert np.allclose(paths, np.round(paths))
    assert (paths == 0).mean() > 0.5


def test_works_inside_backtest():
    data = fk.make_retail_demand(n_series=8, periods=200, seed=2)
    result = fk.backtest(StatsForecaster(), data.sales, h=14, n_windows=2, season_length=7)
    overall = result.overall.set_index("metric")["yhat"]
    base = fk.backtest(
        fk.SeasonalNaive(season_length=7), data.sales, h=14, n_windows=2, season_length=7
    ).overall.set_index("metric")["yhat"]
    assert np.isfinite(overall["mae"])
    assert overall["rmse"] < base["rmse"]


def test_same_input_same_output():
    data = fk.make_retail_demand(n_series=10, periods=150, seed=6)
    a = StatsForecaster().fit(data.sales).predict(7, quantiles=[0.9])
    b = (
        StatsForecaster()
        .fit(data.sales.sample(frac=1.0, random_state=1))
        .predict(7, quantiles=[0.9])
    )
    pd.testing.assert_frame_equal(a, b)


def test_aic_selection_runs_without_validation_refits():
    data = fk.make_retail_demand(n_series=10, periods=150, seed=6)
    table = StatsForecaster(selection="aic").fit(data.sales).model_table_
    assert (table["reason"] == "lowest AIC").sum() >= 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"models": ["nope"]}, "unknown model names"),
        ({"models": "best"}, "models='best' is not valid"),
        ({"selection": "bic"}, "selection='bic'"),
        ({"season_length": 0}, "season_length must be a positive integer"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        StatsForecaster(**kwargs).fit(_series("a", np.arange(30.0)))


def test_predict_before_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        StatsForecaster().predict(3)


def test_season_length_one_skips_seasonal_smoothing():
    rng = np.random.default_rng(8)
    df = _series("a", 20 + rng.normal(0, 1, 60))
    model = StatsForecaster(season_length=1).fit(df)
    assert model.model_table_["model"].iloc[0] not in {"hw_add", "hw_add_damped"}
    assert np.isfinite(model.predict(5)["yhat"]).all()


def test_params_round_trip_and_clone():
    from sklearn.base import clone

    model = StatsForecaster(season_length=7, models=["ses"], validation_windows=3)
    assert model.get_params()["validation_windows"] == 3
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    assert model.set_params(selection="aic").selection == "aic"
    with pytest.raises(InvalidParameterError, match="no parameter 'alpha'"):
        model.set_params(alpha=0.3)


@pytest.mark.parametrize(
    ("freq", "season"),
    [
        ("D", 7),
        ("W-SUN", 52),
        ("h", 24),
        ("6h", 4),  # 4 six-hour periods a day
        ("12h", 2),
        ("2W", 26),  # 26 fortnights a year
        ("2MS", 6),
        ("2QS", 2),
        ("4QS", 1),  # one period a year: no season left
        ("2D", 1),  # half a week is not a whole number of periods
        ("5D", 1),
    ],
)
def test_default_season_length_divides_multiples(freq, season):
    assert default_season_length(freq) == season
