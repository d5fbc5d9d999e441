"""LGBMForecaster: exogenous effects, leakage, future inputs, quantiles, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import forecastkit as fk
from forecastkit.errors import (
    DataValidationError,
    InsufficientDataError,
    InvalidParameterError,
    NotFittedError,
)
from forecastkit.ml import LGBMForecaster

FAST = {"n_estimators": 50, "learning_rate": 0.1, "num_leaves": 15}
PROMO_COLS = ["unique_id", "ds", "price", "promo"]


def _wape(actual: pd.Series, forecast: pd.Series) -> float:
    return float((actual - forecast).abs().sum() / actual.sum())


def _smooth_panel(**kwargs):
    """Smooth series with full histories: no launches, delistings, intermittency or festivals."""
    flat = {"share_discontinued": 0, "share_new": 0, "share_intermittent": 0, "festivals": False}
    return fk.make_retail_demand(**flat, **kwargs)


@pytest.fixture(scope="module")
def promo_data():
    # a quarter of the days on promotion: a strong promotion effect
    return _smooth_panel(n_series=40, periods=240, horizon=28, seed=0, promo_rate=0.25)


@pytest.fixture(scope="module")
def promo_model(promo_data):
    train = promo_data.sales.merge(promo_data.exog[PROMO_COLS])
    model = LGBMForecaster(price_col="price", promo_col="promo", calibration_windows=0, **FAST)
    return model.fit(train)


@pytest.fixture(scope="module")
def small():
    data = fk.make_retail_demand(
        n_series=6, periods=150, horizon=7, seed=3, share_discontinued=0, festivals=False
    )
    train = data.sales.merge(data.exog[["unique_id", "ds", "temperature"]])
    return data, train


@pytest.fixture(scope="module")
def small_model(small):
    _, train = small
    return LGBMForecaster(horizon=7, calibration_windows=2, **FAST).fit(train)


# --------------------------------------------------------------------------- exogenous effects
def test_promotion_and_price_features_beat_the_same_model_without_them(promo_data, promo_model):
    future = promo_data.future_exog[PROMO_COLS]
    with_fc = promo_model.predict(28, X_future=future)
    plain = LGBMForecaster(calibration_windows=0, **FAST).fit(promo_data.sales)
    without_fc = plain.predict(28)
    actual = promo_data.future_sales.merge(future)
    a = actual.merge(with_fc)
    b = actual.merge(without_fc)
    # measured (seed 0, hybrid default): WAPE 0.420 with the features vs 0.529 without; on
    # promotion days 0.374 vs 0.538 (seeds 1-3 give ratios 0.80-0.88 overall, 0.69-0.76 on promos)
    assert _wape(a["y"], a["yhat"]) < 0.92 * _wape(b["y"], b["yhat"])
    on = a["promo"].eq(1)
    assert _wape(a["y"][on], a["yhat"][on]) < 0.8 * _wape(b["y"][on], b["yhat"][on])


def test_feature_importance_is_tidy_and_sums_the_trees(promo_model):
    imp = promo_model.feature_importance()
    assert list(imp.columns) == ["feature", "gain", "split"]
    # the hybrid's two models: the recursive one's features and the safe one's longer lags
    names = {n for m in promo_model.models_ for n in m.names}
    assert len(promo_model.models_) == 2 and sorted(imp["feature"]) == sorted(names)
    assert "y_lag1" in names and "y_lag29" in names
    assert imp["gain"].is_monotonic_decreasing and (imp["gain"] >= 0).all()
    trees = [m.booster.trees_to_dataframe() for m in promo_model.models_]
    assert imp["split"].sum() == sum(t["split_feature"].notna().sum() for t in trees)
    top = imp["feature"].head(6).tolist()
    assert {"promo_depth", "promo_flag"} & set(top), top  # promotion effect is learned
    assert imp.index.equals(pd.RangeIndex(len(imp)))


def test_what_if_promotion_lifts_the_promoted_days_only(promo_data, promo_model):
    future = promo_data.future_exog[PROMO_COLS].copy()
    regular = promo_data.future_exog["regular_price"].to_numpy()
    future["promo"] = 0
    future["price"] = regular  # baseline: no promotion in the horizon
    sid = future["unique_id"].iloc[0]
    days = future.loc[future["unique_id"].eq(sid), "ds"].iloc[7:12]
    changes = future[future["unique_id"].eq(sid) & future["ds"].isin(days)].copy()
    changes["promo"] = 1
    changes["price"] = (changes["price"] * 0.7).round(2)  # 30% off for five days
    out = promo_model.what_if(28, future, changes=changes)
    assert list(out.columns) == ["unique_id", "ds", "yhat_base", "yhat", "delta"]
    np.testing.assert_allclose(out["delta"], out["yhat"] - out["yhat_base"])
    promoted = out["unique_id"].eq(sid) & out["ds"].isin(days)
    assert (out.loc[promoted, "delta"] > 0).all()
    assert out.loc[promoted, "yhat"].sum() > 1.3 * out.loc[promoted, "yhat_base"].sum()
    # before the promotion nothing changes; other series are untouched
    before = out["unique_id"].eq(sid) & (out["ds"] < days.min())
    assert (out.loc[before, "delta"] == 0).all()
    assert (out.loc[~out["unique_id"].eq(sid), "delta"] == 0).all()
    base = promo_model.predict(28, X_future=future)
    np.testing.assert_allclose(out["yhat_base"], base["yhat"])


def test_what_if_mapping_and_errors(promo_data, promo_model):
    future = promo_data.future_exog[PROMO_COLS]
    off = promo_model.what_if(28, future, changes={"promo": 0})
    on = promo_model.what_if(28, future, changes={"promo": 1})
    assert on["yhat"].sum() > off["yhat"].sum()
    with pytest.raises(DataValidationError, match="'temperature'"):
        promo_model.what_if(28, future, changes={"temperature": 30.0})
    late = future.head(1).assign(ds=pd.Timestamp("2030-01-01"))
    with pytest.raises(DataValidationError, match="outside the forecast horizon.*2030-01-01"):
        promo_model.what_if(28, future, changes=late)


# --------------------------------------------------------------------------- future inputs
def test_future_exog_required_and_named(small, small_model):
    data, _ = small
    with pytest.raises(DataValidationError, match="X_future is required.*'temperature'"):
        small_model.predict(7)
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    with pytest.raises(DataValidationError, match="no column.*'temperature'"):
        small_model.predict(7, X_future=future.drop(columns="temperature"))


def test_future_exog_gap_names_column_series_and_dates(small, small_model):
    data, _ = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    sid = future["unique_id"].iloc[-1]
    last = future["ds"].max()
    gap = future[~(future["unique_id"].eq(sid) & future["ds"].eq(last))]
    day = last.strftime("%Y-%m-%d")
    with pytest.raises(DataValidationError, match=rf"'temperature'.*{sid}.*{day}"):
        small_model.predict(7, X_future=gap)
    nan = future.copy()
    nan.loc[nan["unique_id"].eq(sid) & nan["ds"].eq(last), "temperature"] = np.nan
    with pytest.raises(DataValidationError, match=rf"'temperature'.*{sid}.*{day}"):
        small_model.predict(7, X_future=nan)


def test_nan_allowed_in_future_for_columns_with_nan_in_history(small):
    data, train = small
    train = train.copy()
    train.loc[train.index[::5], "temperature"] = np.nan
    model = LGBMForecaster(horizon=7, calibration_windows=0, **FAST).fit(train)
    future = data.future_exog[["unique_id", "ds", "temperature"]].copy()
    future.loc[future.index[::3], "temperature"] = np.nan
    fc = model.predict(7, X_future=future)
    assert np.isfinite(fc["yhat"]).all() and len(fc) == 6 * 7


def test_forecasts_up_to_a_step_ignore_later_future_values(small, small_model):
    data, _ = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    changed = future.copy()
    late = changed["ds"] > changed["ds"].min() + pd.Timedelta(days=3)
    changed.loc[late, "temperature"] += 25.0
    a = small_model.predict(7, X_future=future)
    b = small_model.predict(7, X_future=changed)
    early = a["ds"] <= a["ds"].min() + pd.Timedelta(days=3)
    np.testing.assert_array_equal(a.loc[early, "yhat"], b.loc[early, "yhat"])


# --------------------------------------------------------------------------- leakage
def test_backtest_forecasts_ignore_targets_after_the_cutoff(small):
    _, train = small
    model = LGBMForecaster(horizon=7, calibration_windows=0, **FAST)
    first = fk.backtest(model, train, h=7, n_windows=2, metrics=["mae"])
    cutoff = first.cutoffs[0]
    shocked = train.copy()
    after = shocked["ds"] > cutoff
    shocked.loc[after, "y"] = shocked.loc[after, "y"] * 5 + 100
    second = fk.backtest(model, shocked, h=7, n_windows=2, metrics=["mae"])
    w1 = first.forecasts[first.forecasts["cutoff"].eq(cutoff)]
    w2 = second.forecasts[second.forecasts["cutoff"].eq(cutoff)]
    np.testing.assert_array_equal(w1["yhat"].to_numpy(), w2["yhat"].to_numpy())
    later = second.forecasts["cutoff"].gt(cutoff)
    assert not np.array_equal(
        first.forecasts.loc[later, "yhat"], second.forecasts.loc[later, "yhat"]
    )


def test_target_column_in_x_future_is_ignored(small, small_model):
    data, _ = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    a = small_model.predict(7, X_future=future)
    b = small_model.predict(7, X_future=future.assign(y=1e6))
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- output contract
def test_never_nan_or_negative_on_awkward_series():
    rng = np.random.default_rng(0)

    def series(uid, values, start="2024-01-01"):
        dates = pd.date_range(start, periods=len(values), freq="D")
        return pd.DataFrame({"unique_id": uid, "ds": dates, "y": np.asarray(values, float)})

    panel = pd.concat(
        [
            series("seasonal", np.tile([5, 5, 6, 7, 9, 14, 12], 12) + rng.poisson(1, 84)),
            series("one_obs", [4.0], start="2024-03-24"),
            series("all_zero", np.zeros(84)),
            series("single_sale", np.r_[np.zeros(60), 50.0, np.zeros(23)]),
            series("late_start", rng.poisson(4, 10), start="2024-03-15"),
            series("intermittent", rng.poisson(0.2, 84) * 3),
        ],
        ignore_index=True,
    )
    for objective in ("l2", "tweedie"):
        model = LGBMForecaster(objective=objective, horizon=14, calibration_windows=2, **FAST)
        fc = model.fit(panel).predict(14, quantiles=[0.05, 0.5, 0.95])
        values = fc[["yhat", "q0.05", "q0.5", "q0.95"]].to_numpy()
        assert np.isfinite(values).all() and (values >= 0).all()
        assert fc.groupby("unique_id").size().eq(14).all()
        paths = model.sample_paths(14, 20, seed=0)
        assert np.isfinite(paths["y"]).all() and (paths["y"] >= 0).all()


def test_predict_frame_contract(small, small_model):
    data, _ = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    fc = small_model.predict(7, X_future=future, quantiles=[0.9, 0.1])
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "q0.1", "q0.9"]
    assert fc.index.equals(pd.RangeIndex(42))
    expected = data.future_sales[["unique_id", "ds"]].sort_values(["unique_id", "ds"])
    pd.testing.assert_frame_equal(
        fc[["unique_id", "ds"]].astype({"unique_id": object}),
        expected.reset_index(drop=True).astype({"unique_id": object}),
    )


def test_determinism_and_random_state(small):
    data, train = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    params = dict(horizon=7, calibration_windows=2, feature_fraction=0.5, **FAST)
    a = LGBMForecaster(**params).fit(train)
    b = LGBMForecaster(**params).fit(train)
    pd.testing.assert_frame_equal(
        a.predict(7, X_future=future, quantiles=[0.2]),
        b.predict(7, X_future=future, quantiles=[0.2]),
    )
    pd.testing.assert_frame_equal(
        a.sample_paths(7, 5, X_future=future, seed=3), b.sample_paths(7, 5, X_future=future, seed=3)
    )
    c = LGBMForecaster(random_state=1, **params).fit(train)
    assert not np.array_equal(
        a.predict(7, X_future=future)["yhat"], c.predict(7, X_future=future)["yhat"]
    )


# --------------------------------------------------------------------------- uncertainty
@pytest.fixture(scope="module")
def calibrated():
    data = _smooth_panel(n_series=60, periods=200, horizon=14, seed=1, promo_rate=0.0)
    model = LGBMForecaster(horizon=14, calibration_windows=3, **FAST).fit(data.sales)
    return data, model


def test_quantiles_ordered_and_cover_held_out_data(calibrated):
    data, model = calibrated
    qs = [0.05, 0.1, 0.5, 0.9, 0.95]
    fc = model.predict(14, quantiles=qs)
    cols = [fk.quantile_column(q) for q in qs]
    assert (np.diff(fc[cols].to_numpy(), axis=1) >= 0).all()
    actual = data.future_sales.merge(fc)
    assert len(actual) == 60 * 14
    below = {q: float((actual["y"] <= actual[fk.quantile_column(q)]).mean()) for q in qs}
    # measured (seeds 0-2): 0.073-0.102, 0.107-0.164, 0.48-0.56, 0.898-0.933, 0.944-0.969;
    # inside the 90% band 0.857-0.890
    assert 0.02 <= below[0.05] <= 0.12
    assert 0.05 <= below[0.1] <= 0.18
    assert 0.40 <= below[0.5] <= 0.60
    assert 0.84 <= below[0.9] <= 0.96
    assert 0.90 <= below[0.95] <= 0.99
    inside = float((actual["y"].between(actual["q0.05"], actual["q0.95"])).mean())
    assert 0.80 <= inside <= 0.97


def test_sample_paths_match_the_quantiles(calibrated):
    _, model = calibrated
    fc = model.predict(14, quantiles=[0.1, 0.9])
    paths = model.sample_paths(14, 300, seed=0)
    assert list(paths.columns) == ["unique_id", "sample", "ds", "y"]
    assert len(paths) == 60 * 300 * 14
    joined = paths.merge(fc, on=["unique_id", "ds"])
    # the paths' marginal distribution is the conformal one: shares below each quantile
    assert abs(float((joined["y"] <= joined["q0.9"]).mean()) - 0.9) < 0.03
    assert abs(float((joined["y"] <= joined["q0.1"]).mean()) - 0.1) < 0.03


def test_sample_paths_carry_the_dependence_of_calibration_errors():
    # random-walk levels: a forecast that starts too low stays too low over the horizon
    rng = np.random.default_rng(0)
    n, length = 60, 200
    level = np.clip(60 + np.cumsum(rng.normal(0, 4, (n, length)), axis=1), 1, None)
    df = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:02d}" for i in range(n)], length),
            "ds": np.tile(pd.date_range("2024-01-01", periods=length), n),
            "y": rng.poisson(level).astype(float).ravel(),
        }
    )
    model = LGBMForecaster(horizon=14, calibration_windows=3, **FAST).fit(df)
    pit = model.calibration_.pit
    assert np.corrcoef(pit[:, 0], pit[:, 1])[0, 1] > 0.2  # measured 0.46
    paths = model.sample_paths(14, 200, seed=0)
    wide = paths.pivot_table(index=["unique_id", "sample"], columns="ds", values="y")
    wide = wide.sub(wide.groupby(level=0).transform("mean"))
    assert np.corrcoef(wide.iloc[:, 0], wide.iloc[:, 1])[0, 1] > 0.2  # measured 0.47
    # so a lead-time total varies more than a sum of independent days (measured 7.0x)
    total = paths.groupby(["unique_id", "sample"])["y"].sum().groupby(level=0).var()
    daily = paths.groupby(["unique_id", "ds"])["y"].var().groupby(level=0).sum()
    assert float((total / daily).median()) > 2.5


def test_quantiles_need_calibration(small, small_model):
    data, train = small
    model = LGBMForecaster(horizon=7, calibration_windows=0, **FAST).fit(train)
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    with pytest.raises(InsufficientDataError, match="calibration_windows=0"):
        model.predict(7, X_future=future, quantiles=[0.5])
    with pytest.raises(InsufficientDataError, match="calibration"):
        model.sample_paths(7, 10, X_future=future)


def test_calibration_is_trained_on_first_use_only(small, monkeypatch):
    data, train = small
    from forecastkit.ml import _engine

    calls = []
    real = _engine.train
    monkeypatch.setattr(_engine, "train", lambda *a, **k: calls.append(a[4].size) or real(*a, **k))
    model = LGBMForecaster(strategy="recursive", horizon=7, calibration_windows=2, **FAST)
    model.fit(train)
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    model.predict(7, X_future=future)
    assert len(calls) == 1  # point forecasts: the final model only
    first = model.predict(7, X_future=future, quantiles=[0.1, 0.9])
    model.sample_paths(7, 5, X_future=future, seed=0)
    assert len(calls) == 2  # one calibration model, then cached
    # it trains on the history before the 2 held-out windows of 7 days (6 series)
    assert calls[1] == calls[0] - 6 * 2 * 7
    again = LGBMForecaster(strategy="recursive", horizon=7, calibration_windows=2, **FAST)
    again.fit(train)
    pd.testing.assert_frame_equal(first, again.predict(7, X_future=future, quantiles=[0.1, 0.9]))


def test_periods_before_the_first_sale_are_not_trained_on(monkeypatch):
    rng = np.random.default_rng(0)
    dates = pd.date_range("2024-01-01", periods=120)
    late = np.where(np.arange(120) < 50, 0.0, rng.poisson(20, 120))  # launched on day 50
    df = pd.DataFrame(
        {
            "unique_id": np.repeat(["old", "new"], 120),
            "ds": np.tile(dates, 2),
            "y": np.concatenate([rng.poisson(20, 120), late]).astype(float),
        }
    )
    from forecastkit.ml import _engine

    rows = []
    real = _engine.train
    monkeypatch.setattr(_engine, "train", lambda *a, **k: rows.append(a[4]) or real(*a, **k))
    opts = {"strategy": "recursive", "horizon": 7, "calibration_windows": 0, **FAST}
    LGBMForecaster(**opts).fit(df)
    LGBMForecaster(train_from_first_sale=False, **opts).fit(df)
    # each series' first row has no lag to learn from; "new" also loses its 50 unlaunched days
    assert rows[0].size == (120 - 1) + (120 - 50)
    assert rows[1].size == 2 * (120 - 1)
    # rows are sorted by id: "new" owns rows 0-119 and trains from its launch, row 50
    assert rows[0].min() == 50 and np.count_nonzero(rows[0] >= 120) == 119


# --------------------------------------------------------------------------- options
def test_direct_strategy_bands_and_horizon_limit(small):
    data, train = small
    future = data.future_exog[["unique_id", "ds", "temperature"]]
    model = LGBMForecaster(strategy="direct", horizon=7, calibration_windows=0, **FAST)
    model.fit(train)
    assert [(m.band.first, m.band.last, m.band.spec.shift) for m in model.models_] == [
        (1, 1, 1),
        (2, 3, 3),
        (4, 7, 7),
    ]
    assert min(model.models_[2].band.spec.lags) == 7  # no lag the origin does not know
    fc = model.predict(7, X_future=future)
    assert len(fc) == 42 and (fc["yhat"] >= 0).all()
    with pytest.raises(InvalidParameterError, match="h=8 exceeds horizon=7"):
        model.predict(8, X_future=future)


def test_hybrid_averages_the_recursive_and_the_horizon_safe_model(small):
    from copy import copy

    _, train = small
    model = LGBMForecaster(strategy="hybrid", horizon=7, calibration_windows=0, **FAST)
    model.fit(train[["unique_id", "ds", "y"]])
    rec, safe = model.models_
    assert (rec.band.spec.shift, safe.band.spec.shift) == (1, 7)
    # daily default lags 1-7, 14, 21, 28 moved to >= 7 in the same weekday: none reads a forecast
    assert safe.band.spec.lags == (7, 8, 9, 10, 11, 12, 13, 14, 21, 28)
    alone = {}
    for name, strategy, models in (("rec", "recursive", [rec]), ("safe", "direct", [safe])):
        part = copy(model)
        part.strategy_, part.models_ = strategy, models
        alone[name] = part.predict(7)["yhat"].to_numpy()
    both = model.predict(7)["yhat"].to_numpy()
    np.testing.assert_allclose(both, 0.5 * (alone["rec"] + alone["safe"]))
    # beyond its horizon the hybrid is the recursive model fed the averaged first 7 steps
    longer = model.predict(10)
    assert len(longer) == 60 and np.allclose(longer.groupby("unique_id").head(7)["yhat"], both)


def test_static_categoricals_and_calendar_events(promo_data):
    static = promo_data.static[["unique_id", "store", "category"]]
    cal = fk.EventCalendar(festivals=["double_11"])
    model = LGBMForecaster(calendar=cal, calibration_windows=0, **FAST)
    model.fit(promo_data.sales, static)
    assert {"static_store", "static_category", "ev_double_11", "cal_dayofweek"} <= set(
        model.feature_names_
    )
    assert set(model.exog_design_.categorical_features) == {"static_store", "static_category"}


def test_static_errors_name_the_series(promo_data):
    static = promo_data.static[["unique_id", "store"]]
    missing = static.iloc[1:]
    first = static["unique_id"].iloc[0]
    model = LGBMForecaster(calibration_windows=0, **FAST)
    with pytest.raises(DataValidationError, match=rf"lacks 1 series.*{first}"):
        model.fit(promo_data.sales, missing)
    with pytest.raises(DataValidationError, match=rf"repeats 1 series ids.*{first}"):
        model.fit(promo_data.sales, pd.concat([static, static.head(1)]))


def test_text_exog_is_categorical_and_unseen_labels_are_missing(small):
    data, train = small
    labels = np.where(train["ds"].dt.day_of_week >= 5, "weekend", "weekday")
    model = LGBMForecaster(horizon=7, calibration_windows=0, **FAST)
    model.fit(train.assign(kind=labels))
    assert "kind" in model.exog_design_.categorical_features
    future = data.future_exog[["unique_id", "ds", "temperature"]].assign(kind="holiday")
    fc = model.predict(7, X_future=future)
    assert np.isfinite(fc["yhat"]).all()


def test_every_family_is_wired(promo_data):
    rng = np.random.default_rng(0)
    cols = ["unique_id", "ds", "price", "regular_price", "promo", "temperature"]

    def frame(exog):
        kinds = np.where(rng.random(len(exog)) < 0.5, "tpr", "bogo")
        return exog[cols].assign(promo_type=np.where(exog["promo"].eq(1), kinds, None))

    train = promo_data.sales.merge(frame(promo_data.exog))
    model = LGBMForecaster(
        price_col="price",
        regular_price_col="regular_price",
        promo_col="promo",
        promo_type_col="promo_type",
        weather_cols=["temperature"],
        category_col="category",
        location_col="store",
        calibration_windows=0,
        **FAST,
    )
    model.fit(train, promo_data.static[["unique_id", "store", "category"]])
    names = set(model.feature_names_)
    expected = {
        "promo_flag",
        "promo_depth",
        "promo_type",
        "promo_days_since",
        "promo_count7",
        "price_rel_max28",
        "price_rel_category",
        "weather_temperature",
        "weather_temperature_dev",
    }
    assert expected <= names, expected - names
    assert "temperature" not in names and "regular_price" not in names  # no raw duplicates
    assert "promo_type" in model.exog_design_.categorical_features
    fc = model.predict(28, X_future=frame(promo_data.future_exog))
    assert len(fc) == 40 * 28 and np.isfinite(fc["yhat"]).all()


def test_feature_name_clashes_are_refused(small):
    _, train = small
    model = LGBMForecaster(horizon=7, calibration_windows=0, **FAST)
    with pytest.raises(DataValidationError, match="'y_lag1' comes from both the target"):
        model.fit(train.assign(y_lag1=1.0))
    clash = train.assign(sell_price=2.0, price=1.0)
    with pytest.raises(DataValidationError, match="'price' comes from both the exogenous"):
        LGBMForecaster(price_col="sell_price", calibration_windows=0, **FAST).fit(clash)


@pytest.mark.parametrize(
    ("objective", "lightgbm"),
    [("poisson", "poisson"), ("l2", "regression"), ("l1", "regression_l1")],
)
def test_objectives_reach_lightgbm(small, objective, lightgbm):
    _, train = small
    model = LGBMForecaster(objective=objective, horizon=7, calibration_windows=0, n_estimators=5)
    model.fit(train)
    assert model.models_[0].booster.params["objective"] == lightgbm


def test_weekly_data_and_custom_column_names():
    data = fk.make_retail_demand(n_series=5, periods=80, freq="W-SUN", seed=2, festivals=False)
    df = data.sales.rename(columns={"unique_id": "sku", "ds": "week", "y": "units"})
    model = LGBMForecaster(calibration_windows=1, **FAST)
    model.fit(df, id_col="sku", time_col="week", target_col="units")
    assert model.horizon_ == 13 and "y_lag52" in model.feature_names_
    fc = model.predict(4, quantiles=[0.5])
    assert list(fc.columns) == ["sku", "week", "yhat", "q0.5"]
    assert (fc["week"].dt.day_of_week == 6).all()
    paths = model.sample_paths(4, 3)
    assert list(paths.columns) == ["sku", "sample", "week", "units"]


# --------------------------------------------------------------------------- estimator protocol
def test_params_clone_and_not_fitted():
    model = LGBMForecaster(lags=(1, 7), price_col="p", n_estimators=10)
    params = model.get_params()
    assert params["lags"] == (1, 7) and params["price_col"] == "p"
    copy = clone(model)
    assert copy.get_params() == params and copy is not model
    with pytest.raises(NotFittedError, match="fit"):
        model.predict(3)
    with pytest.raises(NotFittedError):
        model.feature_importance()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"objective": "gamma"}, "objective='gamma'"),
        ({"strategy": "dirrect"}, "strategy='dirrect'"),
        ({"calendar": "US"}, "EventCalendar"),
        ({"tweedie_variance_power": 2.5}, "tweedie_variance_power"),
        ({"calibration_windows": -1}, "calibration_windows"),
        ({"lags": 7}, "lags must be a sequence"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"price_col": "sell_price"}, "price_col='sell_price'"),
    ],
)
def test_invalid_parameters_are_named(small, params, match):
    _, train = small
    with pytest.raises((InvalidParameterError, DataValidationError), match=match):
        LGBMForecaster(**params).fit(train)
