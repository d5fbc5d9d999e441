"""Tests for forecastkit.datasets (synthetic retail demand with a known truth).

Statistical checks compare the sampled sales with the truth used to draw them.
Their tolerances are 4 standard deviations of the negative binomial noise,
computed from the truth itself (Var y = mean + dispersion * mean**2, draws
independent given the means); the seeds are fixed, so the tests are
deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.datasets import (
    CATEGORIES,
    FESTIVAL_EFFECTS,
    RetailDemand,
    make_retail_demand,
)
from forecastkit.errors import FrequencyError

FACTORS = ["level", "weekly", "yearly", "festival", "price", "promo", "temperature"]


@pytest.fixture(scope="module")
def panel() -> RetailDemand:
    return make_retail_demand(40, 730, seed=7, horizon=28)


@pytest.fixture(scope="module")
def festival_panel() -> RetailDemand:
    # Many series over one calendar year, so that single days carry enough volume.
    return make_retail_demand(300, 365, seed=11, exog=False, share_new=0.0, share_discontinued=0.0)


def _by_row(data: RetailDemand, column: str) -> np.ndarray:
    """A column of truth.series broadcast to the rows of sales."""
    series = data.truth.series.set_index("unique_id")[column]
    return data.sales["unique_id"].map(series).to_numpy()


def _variance(data: RetailDemand, rows: np.ndarray) -> float:
    mean = data.truth.components["mean"].to_numpy()[rows]
    return float(np.sum(mean + _by_row(data, "dispersion")[rows] * mean**2))


def _nb_zero_probability(mean: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    safe = np.where(dispersion > 0, dispersion, 1.0)
    return np.where(dispersion > 0, (1 + safe * mean) ** (-1 / safe), np.exp(-mean))


# --------------------------------------------------------------------------- contract


def test_long_format_contract(panel):
    sales = panel.sales
    assert sales.columns.tolist() == ["unique_id", "ds", "y"]
    assert isinstance(sales.index, pd.RangeIndex)
    assert pd.api.types.is_datetime64_dtype(sales["ds"])
    assert sales["y"].dtype == np.float64
    assert pd.api.types.is_string_dtype(sales["unique_id"])
    assert not sales.isna().any().any()
    assert (sales["y"] >= 0).all()
    assert (sales["y"] == np.round(sales["y"])).all()  # integer counts
    keys = list(zip(sales["unique_id"], sales["ds"], strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # Ids are readable, unique, in row order, and follow store then category.
    ids = panel.static["unique_id"].tolist()
    assert ids == sorted(set(ids)) == sorted(sales["unique_id"].unique())
    store, category, number = ids[-1].split("-")
    assert store == panel.static["store"].iloc[-1] == "S04"
    assert category in CATEGORIES and len(number) == 4


def test_static_table(panel):
    static = panel.static
    assert static.columns.tolist() == ["unique_id", "store", "category", "unit_cost", "price"]
    assert (static["unit_cost"] < static["price"]).all()
    assert (static["unit_cost"] > 0).all()
    # price is the regular price on the series' last history day.
    last = panel.exog.groupby("unique_id").tail(1).set_index("unique_id")["regular_price"]
    assert np.allclose(static.set_index("unique_id")["price"], last)
    # 40 series spread evenly over the default 40 // 10 = 4 stores.
    assert static["store"].value_counts().tolist() == [10, 10, 10, 10]


def test_exact_shares_of_series(panel):
    series = panel.truth.series
    # round(0.3 * 40) = 12 intermittent, round(0.1 * 40) = 4 new, round(0.05 * 40) = 2 ended.
    assert (series["demand_class"] == "intermittent").sum() == 12
    assert series["lifecycle"].value_counts().to_dict() == {
        "regular": 34,
        "new": 4,
        "discontinued": 2,
    }
    # Category quotas from the weights 0.10/0.15/0.10/0.35/0.10/0.20 (largest remainder).
    assert series["category"].value_counts().sort_index().tolist() == [4, 6, 4, 14, 4, 8]


def test_same_seed_same_data_other_seed_other_data():
    a = make_retail_demand(12, 100, seed=3)
    b = make_retail_demand(12, 100, seed=3)
    c = make_retail_demand(12, 100, seed=4)
    pd.testing.assert_frame_equal(a.sales, b.sales)
    pd.testing.assert_frame_equal(a.exog, b.exog)
    pd.testing.assert_frame_equal(a.truth.components, b.truth.components)
    pd.testing.assert_frame_equal(a.truth.series, b.truth.series)
    assert not a.truth.series["base_level"].equals(c.truth.series["base_level"])
    assert len(a.sales) != len(c.sales) or not a.sales["y"].equals(c.sales["y"])


def test_history_does_not_depend_on_horizon(panel):
    without = make_retail_demand(40, 730, seed=7)
    pd.testing.assert_frame_equal(without.sales, panel.sales)
    pd.testing.assert_frame_equal(without.exog, panel.exog)
    pd.testing.assert_frame_equal(without.truth.components, panel.truth.components)
    assert without.future_sales is None and without.future_exog is None


def test_future_frames(panel):
    future, history = panel.future_sales, panel.sales
    last = history["ds"].max()
    assert future["ds"].min() == last + pd.Timedelta(days=1)
    assert future["ds"].max() == last + pd.Timedelta(days=28)
    # Every series still active at the end has all 28 days; discontinued ones none.
    series = panel.truth.series.set_index("unique_id")
    active = series.index[series["end"] > last]
    assert future.groupby("unique_id").size().reindex(active).eq(28).all()
    assert set(future["unique_id"]) == set(active)
    assert (series.loc[series["lifecycle"] == "discontinued", "end"] < last).all()
    pd.testing.assert_frame_equal(
        panel.future_exog[["unique_id", "ds"]], future[["unique_id", "ds"]]
    )
    comp = panel.truth.future_components
    assert np.allclose(comp["mean"], np.prod(comp[FACTORS].to_numpy(np.float64), axis=1), rtol=1e-5)


def test_switches_skip_frames_but_not_sales(panel):
    light = make_retail_demand(40, 730, seed=7, exog=False, truth=False, id_dtype="category")
    assert light.exog is None and light.truth is None
    assert isinstance(light.sales["unique_id"].dtype, pd.CategoricalDtype)
    assert light.sales["unique_id"].astype(str).tolist() == panel.sales["unique_id"].tolist()
    assert np.array_equal(light.sales["y"], panel.sales["y"])
    assert "n_series=40" in repr(light) and "truth=False" in repr(light)


# --------------------------------------------------------------------------- truth


def test_exog_aligned_and_discount_identity(panel):
    exog, sales = panel.exog, panel.sales
    assert exog.columns.tolist() == [
        "unique_id",
        "ds",
        "price",
        "regular_price",
        "promo",
        "discount",
        "temperature",
        "precipitation",
    ]
    pd.testing.assert_frame_equal(exog[["unique_id", "ds"]], sales[["unique_id", "ds"]])
    assert np.array_equal(exog["discount"], 1 - exog["price"] / exog["regular_price"])
    promo = exog["promo"] == 1
    assert set(exog["promo"].unique()) == {0, 1}
    assert (exog.loc[~promo, "price"] == exog.loc[~promo, "regular_price"]).all()
    # Depths are 10%..40%; cent rounding moves the realized discount by < 1 cent.
    depth = exog.loc[promo, "discount"]
    assert depth.between(0.09, 0.41).all()
    assert (exog["precipitation"] >= 0).all()


def test_promotions_table_explains_promo_days(panel):
    exog = panel.exog.set_index(["unique_id", "ds"])
    episodes = panel.truth.promotions
    days = [
        (uid, day, depth)
        for uid, start, end, depth in episodes.itertuples(index=False)
        for day in pd.date_range(start, end)
    ]
    covered = pd.DataFrame(days, columns=["unique_id", "ds", "depth"])
    deepest = covered.groupby(["unique_id", "ds"])["depth"].max()
    history = deepest[deepest.index.get_level_values("ds") <= panel.sales["ds"].max()]
    promo_days = exog.index[exog["promo"] == 1]
    assert set(history.index) == set(promo_days)
    regular = exog.loc[history.index, "regular_price"]
    expected = np.round(regular * (1 - history), 2)
    assert np.allclose(exog.loc[history.index, "price"], expected)


def test_components_multiply_to_mean(panel):
    comp = panel.truth.components
    pd.testing.assert_frame_equal(comp[["unique_id", "ds"]], panel.sales[["unique_id", "ds"]])
    product = np.prod(comp[FACTORS].to_numpy(np.float64), axis=1)
    assert np.allclose(comp["mean"], product, rtol=1e-5)  # factors are float32
    assert np.allclose(comp["mean_no_promo"], comp["mean"] / comp["promo"], rtol=1e-6)
    assert np.allclose(comp["mean_no_event"], comp["mean"] / comp["festival"], rtol=1e-6)
    assert (comp["mean"] > 0).all()


def test_price_and_promo_factors_use_constant_elasticity(panel):
    comp, exog = panel.truth.components, panel.exog
    elasticity = _by_row(panel, "price_elasticity")
    expected = (exog["price"] / exog["regular_price"]) ** -elasticity
    assert np.allclose(comp["promo"], expected, rtol=1e-6)
    launch_price = _by_row(panel, "regular_price")
    expected = (exog["regular_price"] / launch_price) ** -elasticity
    assert np.allclose(comp["price"], expected, rtol=1e-6)
    # A 25% discount with elasticity 2 doubles... (0.75 ** -2 = 1.78): the lift is > 1.
    assert (comp.loc[exog["promo"] == 1, "promo"] > 1.1).all()


def test_temperature_factor_matches_exog_weather(panel):
    comp, exog = panel.truth.components, panel.exog
    stores = panel.truth.stores.set_index("store")["temp_mean"]
    normal = panel.sales["unique_id"].str[:3].map(stores).to_numpy()
    expected = np.exp(_by_row(panel, "temp_sensitivity") * (exog["temperature"] - normal) / 10)
    assert np.allclose(comp["temperature"], expected, rtol=1e-6)
    # Yearly cycle peaking in July: July is warmer than January in every store.
    month = exog["ds"].dt.month
    by_month = exog.groupby([exog["unique_id"].str[:3], month])["temperature"].mean().unstack()
    assert (by_month[7] > by_month[1] + 5).all()


def test_level_ramps_up_after_launch(panel):
    series = panel.truth.series.set_index("unique_id")
    comp = panel.truth.components
    first = comp.groupby("unique_id").head(1).set_index("unique_id")
    new = series.index[series["lifecycle"] == "new"]
    assert (first.loc[new, "ds"] == series.loc[new, "launch"]).all()
    # level = base_level * exp(trend * t / 365.25) * ramp, ramp = 0.1 on the launch day.
    t = (series.loc[new, "launch"] - pd.Timestamp("2022-01-01")).dt.days
    expected = series.loc[new, "base_level"] * np.exp(series.loc[new, "trend"] * t / 365.25) * 0.1
    assert np.allclose(first.loc[new, "level"], expected, rtol=1e-5)
    last = panel.sales.groupby("unique_id")["ds"].max()
    ended = series.index[series["lifecycle"] == "discontinued"]
    assert (last[ended] == series.loc[ended, "end"]).all()
    regular = series.index[series["lifecycle"] == "regular"]
    assert (first.loc[regular, "ds"] == pd.Timestamp("2022-01-01")).all()


def test_festival_profile_matches_formula(panel):
    days = panel.truth.festival_days
    d11 = days[(days["event"] == "double_11") & (days["main_ds"] == "2022-11-11")]
    profile = d11.set_index("offset")["multiplier"]
    assert profile.index.tolist() == list(range(-20, 6))  # _festivals windows -20..+5
    peak = panel.truth.festivals.set_index(["event", "ds"]).loc[
        ("double_11", pd.Timestamp("2022-11-11")), "peak_lift"
    ]
    # ramp_lift 1.6, slump 0.7 (FESTIVAL_EFFECTS["double_11"]):
    assert FESTIVAL_EFFECTS["double_11"][1:] == (1.6, 0.7)
    assert profile[-20] == pytest.approx(1 + 0.6 * (1 / 20) ** 2)  # 1.0015
    assert profile[-10] == pytest.approx(1 + 0.6 * (11 / 20) ** 2)  # 1.1815
    assert profile[-1] == pytest.approx(1.6)
    assert profile[0] == pytest.approx(peak)
    assert profile[1] == pytest.approx(0.7)
    assert profile[5] == pytest.approx(1 - 0.3 * 1 / 5)  # 0.94
    assert abs(np.log(peak / 3.5)) < 0.4  # typical 3.5, +-10% log-normal noise per year


def test_festival_factor_on_main_day(festival_panel):
    comp = festival_panel.truth.components
    festivals = festival_panel.truth.festivals.set_index("event")
    sensitivity = _by_row(festival_panel, "festival_sensitivity")
    for event in ["double_11", "618"]:  # main days outside other festivals' windows
        rows = (comp["ds"] == festivals.loc[event, "ds"]).to_numpy()
        expected = festivals.loc[event, "peak_lift"] ** sensitivity[rows]
        assert np.allclose(comp.loc[rows, "festival"], expected, rtol=1e-6)
    quiet = comp["ds"].between("2022-02-01", "2022-05-14")
    assert (comp.loc[quiet, "festival"] == 1).all()


@pytest.mark.parametrize(
    ("event", "weeks"), [("double_11", [3, 4, 5]), ("black_friday", [6, 7, 8])]
)
def test_festival_lift_visible_in_aggregate(festival_panel, event, weeks):
    data = festival_panel
    sales, comp = data.sales, data.truth.components
    main_day = data.truth.festivals.set_index("event").loc[event, "ds"]
    ref_days = [main_day - pd.Timedelta(weeks=w) for w in weeks]  # same weekday, no event
    main, ref = (sales["ds"] == main_day).to_numpy(), sales["ds"].isin(ref_days).to_numpy()
    assert (comp.loc[ref, "festival"] == 1).all()
    observed = sales["y"][main].sum() / sales["y"][ref].sum()
    truth = comp["mean"][main].sum() / comp["mean"][ref].sum()
    sd = np.sqrt(
        _variance(data, main) / comp["mean"][main].sum() ** 2
        + _variance(data, ref) / comp["mean"][ref].sum() ** 2
    )
    assert abs(np.log(observed / truth)) < 4 * sd
    lift = observed * len(ref_days)  # main day vs the average reference day
    assert lift > 1.8  # a clearly visible spike


def test_double_11_and_black_friday_lift_most(festival_panel):
    comp = festival_panel.truth.components
    festivals = festival_panel.truth.festivals.set_index("event")["ds"]
    lift = {}
    for event, day in festivals.items():
        rows = comp["ds"] == day
        lift[event] = comp.loc[rows, "mean"].sum() / comp.loc[rows, "mean_no_event"].sum()
    assert min(lift["double_11"], lift["black_friday"]) > max(lift["618"], lift["double_12"])
    assert lift["double_12"] > 1.1


def test_post_event_slump_below_one(festival_panel):
    comp = festival_panel.truth.components
    day_after = festival_panel.truth.festivals.set_index("event").loc["double_11", "ds"]
    rows = comp["ds"] == day_after + pd.Timedelta(days=1)
    assert (comp.loc[rows, "festival"] < 1).all()


# --------------------------------------------------------------------------- noise


def test_zero_share_matches_negative_binomial(panel):
    sales, comp = panel.sales, panel.truth.components
    classes = _by_row(panel, "demand_class")
    p_zero = _nb_zero_probability(comp["mean"].to_numpy(), _by_row(panel, "dispersion"))
    zero = (sales["y"] == 0).to_numpy()
    for demand_class, low, high in [("intermittent", 0.5, 1.0), ("smooth", 0.0, 0.15)]:
        rows = classes == demand_class
        expected = p_zero[rows].mean()
        sd = np.sqrt(np.sum(p_zero[rows] * (1 - p_zero[rows]))) / rows.sum()
        assert abs(zero[rows].mean() - expected) < 4 * sd
        assert low < zero[rows].mean() < high


def test_sales_match_expected_demand(panel):
    sales, comp = panel.sales, panel.truth.components
    rows = np.ones(len(sales), dtype=bool)
    sd = np.sqrt(_variance(panel, rows))
    assert abs(sales["y"].sum() - comp["mean"].sum()) < 4 * sd
    # Per class as well (the slow movers must not be swamped by the fast ones).
    intermittent = _by_row(panel, "demand_class") == "intermittent"
    sd = np.sqrt(_variance(panel, intermittent))
    assert abs(sales["y"][intermittent].sum() - comp["mean"][intermittent].sum()) < 4 * sd


def test_promo_uplift_recoverable(panel):
    sales, comp = panel.sales, panel.truth.components
    promo = (panel.exog["promo"] == 1).to_numpy()
    assert 0.03 < promo.mean() < 0.09  # promo_rate=0.06 of the days, minus overlaps
    observed = sales["y"][promo].sum() / comp["mean_no_promo"][promo].sum()
    truth = comp["mean"][promo].sum() / comp["mean_no_promo"][promo].sum()
    sd = np.sqrt(_variance(panel, promo)) / comp["mean_no_promo"][promo].sum()
    assert abs(observed - truth) < 4 * sd
    assert truth > 1.5  # elasticity 1.5-3 and discounts 10-40%


def test_dispersion_zero_is_poisson():
    data = make_retail_demand(30, 400, seed=5, share_intermittent=1.0, exog=False)
    series = data.truth.series
    assert ((series["dispersion"] == 0) == (series["base_level"] < 0.15)).all()
    rows = _by_row(data, "dispersion") == 0
    y, mean = data.sales["y"].to_numpy()[rows], data.truth.components["mean"].to_numpy()[rows]
    # Poisson: E[(y - mean)**2 - y] = 0; its sd is about sqrt(2 * sum(mean**2)).
    assert abs(np.sum((y - mean) ** 2 - y)) < 4 * np.sqrt(2 * np.sum(mean**2))


# --------------------------------------------------------------------------- weekly


def test_weekly_is_the_sum_of_the_daily_simulation():
    # Weeks ending Sunday from 2022-01-02: the daily grid starts on Monday 2021-12-27.
    weekly = make_retail_demand(15, 30, freq="W-SUN", start="2022-01-01", seed=2, horizon=2)
    daily = make_retail_demand(15, 210, start="2021-12-27", seed=2, horizon=14)
    assert weekly.sales["ds"].min() == pd.Timestamp("2022-01-02")
    assert (weekly.sales["ds"].dt.day_of_week == 6).all()
    week_end = daily.sales["ds"] + pd.to_timedelta(6 - daily.sales["ds"].dt.day_of_week, unit="D")
    summed = daily.sales.groupby(["unique_id", week_end])["y"].sum()
    assert np.array_equal(summed.to_numpy(), weekly.sales["y"].to_numpy())
    mean = daily.truth.components.groupby(["unique_id", week_end])["mean"].sum()
    assert np.allclose(mean.to_numpy(), weekly.truth.components["mean"])
    promo_days = daily.exog.groupby(["unique_id", week_end])["promo"].sum()
    assert np.array_equal(promo_days.to_numpy(), weekly.exog["promo_days"])
    future_end = daily.future_sales["ds"] + pd.to_timedelta(
        6 - daily.future_sales["ds"].dt.day_of_week, unit="D"
    )
    future = daily.future_sales.groupby(["unique_id", future_end])["y"].sum()
    assert np.array_equal(future.to_numpy(), weekly.future_sales["y"].to_numpy())


def test_weekly_exog_aggregates():
    data = make_retail_demand(10, 40, freq="W-FRI", seed=9)
    exog = data.exog
    assert (exog["ds"].dt.day_of_week == 4).all()
    assert np.array_equal(exog["promo"], (exog["promo_days"] > 0).astype(np.int8))
    assert exog["promo_days"].between(0, 7).all()
    assert np.allclose(exog["discount"], 1 - exog["price"] / exog["regular_price"])
    assert data.freq == "W-FRI"


# --------------------------------------------------------------------------- options


def test_festival_subset_and_none():
    only = make_retail_demand(5, 365, seed=1, festivals=["double_11"], exog=False)
    assert only.truth.festivals["event"].tolist() == ["double_11"]
    comp = only.truth.components
    outside = ~comp["ds"].between("2022-10-22", "2022-11-16")  # the Double 11 window
    assert (comp.loc[outside, "festival"] == 1).all()
    assert (comp.loc[~outside, "festival"] != 1).all()
    none = make_retail_demand(5, 365, seed=1, festivals=False, exog=False)
    assert none.truth.festivals.empty and none.truth.festival_days.empty
    assert (none.truth.components["festival"] == 1).all()
    # The festival lift is the only difference.
    assert np.allclose(comp["mean_no_event"], none.truth.components["mean"])


def test_horizon_window_festival_rows_and_short_history():
    data = make_retail_demand(3, 1, seed=0, horizon=2, share_new=0, share_discontinued=0)
    assert data.sales.groupby("unique_id").size().tolist() == [1, 1, 1]
    assert data.future_sales.groupby("unique_id").size().tolist() == [2, 2, 2]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_series": 0}, "n_series must be a positive integer"),
        ({"n_series": 2.5}, "n_series must be a positive integer"),
        ({"periods": -3}, "periods must be a positive integer"),
        ({"horizon": -1}, "horizon must be a non-negative integer"),
        ({"n_series": 5, "n_stores": 6}, "n_stores must be an integer between 1 and n_series=5"),
        ({"share_intermittent": 1.5}, r"share_intermittent must be in \[0, 1\]"),
        ({"promo_rate": 0.7}, r"promo_rate must be in \[0, 0.5\]"),
        ({"share_new": 0.6, "share_discontinued": 0.6}, "share_new \\+ share_discontinued"),
        ({"festivals": ["double_11", "christmas"]}, r"1 unknown names \['christmas'\]"),
        ({"start": "2022-01-01 10:00"}, "start must be a tz-naive date"),
        ({"id_dtype": "int"}, 'id_dtype must be "str" or "category"'),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_retail_demand(**{"n_series": 5, "periods": 30, **kwargs})


@pytest.mark.parametrize("freq", ["MS", "2D", "h", "not-a-freq"])
def test_unsupported_frequency(freq):
    with pytest.raises(FrequencyError, match="freq="):
        make_retail_demand(5, 30, freq=freq)


@settings(max_examples=25, deadline=None)
@given(
    n_series=st.integers(1, 12),
    periods=st.integers(1, 60),
    horizon=st.integers(0, 5),
    freq=st.sampled_from(["D", "W-SUN", "W-WED"]),
    shares=st.tuples(*[st.floats(0, 0.5)] * 3),
    promo_rate=st.floats(0, 0.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_hold_for_any_configuration(
    n_series, periods, horizon, freq, shares, promo_rate, seed
):
    data = make_retail_demand(
        n_series,
        periods,
        freq=freq,
        horizon=horizon,
        seed=seed,
        share_intermittent=shares[0],
        share_new=shares[1],
        share_discontinued=shares[2],
        promo_rate=promo_rate,
    )
    sales, comp, exog = data.sales, data.truth.components, data.exog
    assert data.static["unique_id"].is_unique and len(data.static) == n_series
    assert set(sales["unique_id"]) == set(data.static["unique_id"])  # every series has rows
    assert sales["ds"].nunique() <= periods
    assert not sales.isna().any().any() and not exog.isna().any().any()
    assert (sales["y"] >= 0).all() and (comp["mean"] > 0).all()
    assert sales.sort_values(["unique_id", "ds"]).index.equals(sales.index)
    assert np.allclose(exog["discount"], 1 - exog["price"] / exog["regular_price"])
    if freq == "D":  # weekly factors are averages, the weekly mean a sum
        product = np.prod(comp[FACTORS].to_numpy(np.float64), axis=1)
        assert np.allclose(comp["mean"], product, rtol=1e-5)
    if horizon:
        assert data.future_sales["ds"].min() > sales["ds"].max()
        assert data.future_sales["ds"].nunique() == horizon
    else:
        assert data.future_sales is None
