"""StatsForecaster fitted on partitions of the series equals the fit of the whole panel.

The oracle is the estimator itself: every test fits the whole panel at once
and the same panel split into groups of whole series, driven through
``timeseries._partition.PartitionPlan`` in this process (what the Dask
backend does across workers), and compares forecasts, model choices,
sample paths and the panel-level estimates.
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import forecastkit as fk
from forecastkit.data import prepare
from forecastkit.errors import DataValidationError, FrequencyError, InvalidParameterError
from forecastkit.timeseries import StatsForecaster
from forecastkit.timeseries._ets import _single_precision_columns, fit_ets
from forecastkit.timeseries._history import N_ROUNDS
from forecastkit.timeseries._partition import PartitionPlan
from forecastkit.timeseries._profile import PanelSums, merge_sums

CALENDAR = fk.EventCalendar(country="US", festivals="default")
QUANTILES = [0.1, 0.5, 0.9]


def _series(uid, values, start):
    values = np.asarray(values, dtype=float)
    dates = pd.date_range(start, periods=len(values), freq="D")
    return pd.DataFrame({"unique_id": uid, "ds": dates, "y": values})


@pytest.fixture(scope="module")
def daily():
    """Retail panel of 12 series (new and discontinued ones among them), plus awkward ones."""
    sales = fk.make_retail_demand(n_series=12, periods=420, seed=1, n_stores=3).sales
    rng = np.random.default_rng(0)
    extra = [
        _series("X-ends-early", rng.poisson(6, 300), "2022-01-01"),  # 120 days before the end
        _series("X-late-start", rng.poisson(3, 30), "2023-01-26"),
        _series("X-short", rng.poisson(5, 5), "2023-02-20"),
        _series("X-one-obs", [4.0], "2023-02-24"),
        _series("X-zero", np.zeros(200), "2022-08-09"),
        _series("X-sparse", rng.poisson(0.15, 400) * 4, "2022-01-21"),
    ]
    return pd.concat([sales, *extra], ignore_index=True)


@pytest.fixture(scope="module")
def weekly():
    return fk.make_retail_demand(n_series=10, periods=160, seed=2, freq="W").sales


@pytest.fixture(scope="module")
def calendar_fits(daily):
    """The calendar model fitted to the whole daily panel and to 3 arbitrary partitions."""
    model = StatsForecaster(calendar=CALENDAR, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.errors.DataWarning)  # short series
        whole = StatsForecaster(**model.get_params()).fit(daily)
        fitted, params = _drive(model, _arbitrary(daily, 3, seed=4))
    return model, whole, fitted, params


def _groups(df, key):
    """Frames of whole series, one per value of ``key`` (a Series aligned with ``df``)."""
    return [part.reset_index(drop=True) for _, part in df.groupby(key, sort=True)]


def _by_store(df):
    return _groups(df, df["unique_id"].str.split("-").str[0])  # S01, S02, S03, X


def _arbitrary(df, n, seed=0):
    ids = df["unique_id"].unique()
    codes = pd.Series(np.random.default_rng(seed).integers(0, n, ids.size), index=ids)
    return _groups(df, df["unique_id"].map(codes))


def _drive(model, frames, *, states=True):
    """The protocol of the module docstring of ``_partition``, in this process."""
    plan = PartitionPlan(model)
    g = plan.merge_globals([plan.globals(frame) for frame in frames])
    parts = [plan.prepare(frame, g) for frame in frames] if states else frames
    params = None
    for r in range(plan.n_rounds):
        params = plan.merge(r, [plan.statistics(r, part, g, params) for part in parts], params)
    return [plan.fit(part, g, params) for part in parts], params


def _stack(frames, keys):
    return pd.concat(frames, ignore_index=True).sort_values(keys, ignore_index=True)


def _assert_same_fit(whole, fitted, *, h=21):
    keys = ["unique_id", "ds"]
    together = whole.predict(h, quantiles=QUANTILES).sort_values(keys, ignore_index=True)
    apart = _stack([f.predict(h, quantiles=QUANTILES) for f in fitted if f is not None], keys)
    # bitwise equal but for theta and hw_add_fourier rows, whose BLAS products differ
    # in the last bits with the number of rows fitted together
    pd.testing.assert_frame_equal(apart, together, rtol=1e-12, atol=1e-9)
    table = whole.model_table_.sort_values("unique_id", ignore_index=True)
    pieces = [f.model_table_ for f in fitted if f is not None]
    pd.testing.assert_frame_equal(_stack(pieces, ["unique_id"]), table)
    return together


def test_partitions_forecast_as_the_whole_panel_with_events_and_pooling(calendar_fits):
    _, whole, fitted, _ = calendar_fits
    fc = _assert_same_fit(whole, fitted)
    # every kind of series is there: early end (own dates), fallbacks, intermittent
    table = whole.model_table_.set_index("unique_id")
    assert table.loc["X-one-obs", "model"] == "mean"
    assert table.loc["X-zero", "demand_class"] == "no_demand"
    assert fc.loc[fc["unique_id"] == "X-ends-early", "ds"].min() == pd.Timestamp("2022-10-28")
    assert (table["demand_class"] == "intermittent").any()
    assert table["reason"].str.startswith("lowest validation MSE").any()


def test_partitions_by_store_with_aic_and_no_pooling(daily):
    kwargs = dict(selection="aic", pool_seasonality=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.errors.DataWarning)
        whole = StatsForecaster(**kwargs).fit(daily)
        fitted, _ = _drive(StatsForecaster(**kwargs), _by_store(daily))
    _assert_same_fit(whole, fitted)
    assert len(fitted) == 4  # S01, S02, S03 and the X- series


def test_two_years_of_daily_data_with_the_yearly_season():
    sales = fk.make_retail_demand(n_series=6, periods=760, seed=3).sales
    kwargs = dict(models=["ses", "hw_add_fourier", "croston_sba"], validation_windows=2)
    whole = StatsForecaster(**kwargs).fit(sales)
    assert "hw_add_fourier" in set(whole.model_table_["model"])
    _assert_same_fit(whole, _drive(StatsForecaster(**kwargs), _arbitrary(sales, 2))[0])


def test_weekly_partitions_with_events_and_pooling(weekly):
    # weekly data: event positions in weeks, a 52-week season pooled when asked
    kwargs = dict(calendar=CALENDAR, pool_seasonality=True, freq="W-SUN")
    whole = StatsForecaster(**kwargs).fit(weekly)
    assert whole.history_.effects is not None and whole.history_.profile is not None
    fitted, _ = _drive(StatsForecaster(**kwargs), _arbitrary(weekly, 3))
    _assert_same_fit(whole, fitted, h=13)


def test_frames_each_round_and_an_empty_partition_give_the_same_fit(weekly):
    model = StatsForecaster(selection="aic")
    frames = [*_arbitrary(weekly, 2, seed=1), weekly.iloc[:0]]
    with_states, params = _drive(model, frames)
    with_frames, again = _drive(model, frames, states=False)
    assert with_states[-1] is None and with_frames[-1] is None
    _assert_same_fit(model.fit(weekly), with_frames)
    keys = ["unique_id", "ds"]
    a = _stack([f.predict(5) for f in with_states[:-1]], keys)
    pd.testing.assert_frame_equal(a, _stack([f.predict(5) for f in with_frames[:-1]], keys))
    assert params.names == again.names


def test_merged_statistics_are_the_whole_panels_to_the_last_bit(daily, calendar_fits):
    # The sums are exact (PanelSums), and every partition pads its panel to the whole
    # panel's width, so the merged sums of every round and origin equal those the
    # whole panel computes alone, and so do the effects and profiles built from them.
    model, whole, fitted, params = calendar_fits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem = model._problem(prepare(daily), ("unique_id", "ds", "y"))
    assert set(params.merged) == {0, 7, 14, 21}
    for k, horizon in model._origins(7):
        alone = problem.history(k, horizon)._merged(N_ROUNDS)
        for merged, own in zip(params.merged[k], alone, strict=True):
            for key in own._shapes:
                np.testing.assert_array_equal(merged[key], own[key], err_msg=f"{k} {key}")
    for part in fitted:
        rows = whole.panel_.ids.tolist()
        rows = [rows.index(uid) for uid in part.panel_.ids]
        fx, own_fx = part.history_.effects, whole.history_.effects
        np.testing.assert_array_equal(fx.pooled, own_fx.pooled)
        np.testing.assert_array_equal(fx.tau, own_fx.tau)
        np.testing.assert_array_equal(fx.effects, own_fx.effects[rows])
        prof, own_prof = part.history_.profile, whole.history_.profile
        np.testing.assert_array_equal(prof.panel, own_prof.panel)
        np.testing.assert_array_equal(prof.index, own_prof.index[rows])
    # not a trivial case: events seen twice get effects, some spread between series
    # (tau > 0: each series' ratio is shrunk toward the panel's, not replaced by it)
    fx = whole.history_.effects
    assert fx.estimated.sum() > 10 and (fx.tau[fx.estimated] > 0).sum() > 3


def test_sample_paths_do_not_depend_on_the_partition(daily, calendar_fits):
    _, whole, fitted, _ = calendar_fits
    keys = ["unique_id", "sample", "ds"]
    together = whole.sample_paths(14, 30).sort_values(keys, ignore_index=True)
    apart = _stack([f.sample_paths(14, 30) for f in fitted], keys)
    pd.testing.assert_frame_equal(apart, together, rtol=1e-12, atol=1e-9)
    other = whole.sample_paths(14, 30, seed=8).sort_values(keys, ignore_index=True)
    assert not np.allclose(other["y"], together["y"])  # the seed matters
    # without pooling, a series alone (its own panel) draws the paths it draws inside it
    simple = StatsForecaster(models=["ses"], pool_seasonality=False)
    inside = simple.fit(daily).sample_paths(7, 200, seed=3)
    alone_ids = ("S01-FOODS-0002", "X-ends-early")
    for uid in alone_ids:
        alone = simple.fit(daily[daily["unique_id"] == uid]).sample_paths(7, 200, seed=3)
        pd.testing.assert_frame_equal(
            alone, inside[inside["unique_id"] == uid].reset_index(drop=True)
        )
    # ... and its own draws: another series' errors are not the same numbers
    a, b = (inside.loc[inside["unique_id"] == uid, "y"].to_numpy() for uid in alone_ids)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.2  # independent draws: r ~ N(0, 1 / 1400)


def test_a_series_split_across_partitions_is_named(daily):
    frames = _by_store(daily)
    moved = frames[0][frames[0]["unique_id"] == frames[0]["unique_id"].iloc[0]].iloc[:10]
    frames[1] = pd.concat([frames[1], moved], ignore_index=True)
    plan = PartitionPlan(StatsForecaster())
    with pytest.raises(DataValidationError, match=frames[0]["unique_id"].iloc[0]):
        plan.merge_globals([plan.globals(frame) for frame in frames])


def test_frequencies_that_disagree_or_cannot_be_told_are_refused():
    plan = PartitionPlan(StatsForecaster())
    days = _series("a", np.ones(20), "2024-01-01")
    every_other = days.iloc[::2].assign(unique_id="b")
    with pytest.raises(FrequencyError, match=r"different frequencies \['2D', 'D'\]"):
        plan.merge_globals([plan.globals(days), plan.globals(every_other)])
    singles = [_series(uid, [1.0], "2024-01-01") for uid in ("c", "d")]
    with pytest.raises(FrequencyError, match="each of the 2 series has a single date"):
        plan.merge_globals([plan.globals(frame) for frame in singles])
    # a partition of single dates takes the others' frequency
    g = plan.merge_globals([plan.globals(days), plan.globals(singles[0])])
    assert (g.freq, g.n_series, g.width, g.n_partitions) == ("D", 2, 20, 2)


def test_rounds_must_run_in_order_and_all_before_fit(weekly):
    model = StatsForecaster()
    plan = PartitionPlan(model)
    g = plan.merge_globals([plan.globals(weekly)])
    with pytest.raises(InvalidParameterError, match="round 1 cannot run after 0"):
        plan.statistics(1, weekly, g, None)
    params = plan.merge(0, [plan.statistics(0, weekly, g)], None)
    with pytest.raises(InvalidParameterError, match="round 0 cannot run after 1"):
        plan.merge(0, [plan.statistics(0, weekly, g)], params)
    with pytest.raises(InvalidParameterError, match=f"all {N_ROUNDS} rounds; got 1"):
        plan.fit(weekly, g, params)
    with pytest.raises(InvalidParameterError, match="fits a StatsForecaster"):
        PartitionPlan(fk.SeasonalNaive(season_length=7))
    with pytest.raises(DataValidationError, match="every partition is empty"):
        plan.merge(0, [plan.statistics(0, weekly.iloc[:0], g)])


def test_what_crosses_between_driver_and_workers_is_small_and_picklable(weekly):
    model = StatsForecaster(calendar=CALENDAR)
    plan = PartitionPlan(model)
    frames = _arbitrary(weekly, 2)
    g = plan.merge_globals([plan.globals(frame) for frame in frames])
    states = [plan.prepare(frame, g) for frame in frames]
    params, largest = None, 0
    for r in range(plan.n_rounds):
        stats = [pickle.loads(pickle.dumps(plan.statistics(r, s, g, params))) for s in states]
        largest = max(largest, *(len(pickle.dumps(s)) for s in stats))
        params = pickle.loads(pickle.dumps(plan.merge(r, stats, params)))
    # 4 origins x (a few sums per event code: 37 positions of weekly events)
    assert largest < 30_000
    assert len(pickle.dumps(params)) < 100_000
    fitted = pickle.loads(pickle.dumps(plan)).fit(states[0], g, params)
    assert list(fitted.last_dates_.index) == list(states[0].problem.panel.ids)


def test_a_float32_unsafe_series_leaves_the_others_search_alone(daily):
    # The ETS search runs in float32 when a series' level is below 1000 times its
    # typical change. Decided per series, not per block of series, so that a series
    # at one million moving by one (unsafe) changes nothing for the others.
    Y = StatsForecaster(models=["ses"]).fit(daily).panel_.values[:12]
    big = np.where(np.isnan(Y[0]), np.nan, 1e6 + np.round(np.sin(np.arange(Y.shape[1]))))
    for kwargs in ({}, {"trend": "damped", "season": "add", "season_length": 7}):
        alone, together = fit_ets(Y, **kwargs), fit_ets(np.vstack([Y, big]), **kwargs)
        for key, value in alone.params.items():
            np.testing.assert_array_equal(together.params[key][:12], value)
        np.testing.assert_array_equal(together.mean(7)[:12], alone.mean(7))
    # the jump from the left padding into a late series is not one of its changes
    late = np.r_[np.zeros(5), 1e6 + np.arange(50.0) % 2][:, None]
    assert not _single_precision_columns(late, np.array([5]))[0]
    assert _single_precision_columns(late[5:] - 1e6)[0]


def test_negative_or_non_integer_seeds_are_refused(weekly):
    model = StatsForecaster(models=["ses"]).fit(weekly)
    for seed in (-1, 1.5):
        with pytest.raises(InvalidParameterError, match="non-negative int"):
            model.sample_paths(3, 2, seed=seed)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2), elements=finite),
    cut=st.floats(0, 1),
)
def test_panel_sums_are_exact_and_do_not_depend_on_the_split(values, cut):
    # math.fsum is the correctly rounded sum (Shewchuk 1997): the exact reference
    split = int(cut * values.shape[0])
    parts = [PanelSums({"x": part}) for part in (values[:split], values[split:])]
    merged = merge_sums(parts[::-1])["x"]
    exact = np.array([math.fsum(values[:, c]) for c in range(values.shape[1])])
    np.testing.assert_array_equal(merged, exact)
    np.testing.assert_array_equal(PanelSums({"x": values})["x"], exact)


def test_panel_sums_add_integers_take_maxima_and_keep_shapes():
    a = PanelSums(
        {"k": np.array([[1, 0], [1, 1]]), "x": np.array([[1e16], [1.0]])}, {"m": [[3], [5]]}
    )
    b = PanelSums({"k": np.array([[0, 1]]), "x": np.array([[1.0]])}, {"m": [[4]]})
    total = a + b
    assert total["k"].tolist() == [2, 2] and total["m"].tolist() == [5]
    # Doubles near 1e16 are 2 apart: 1e16 + 1 is a tie, rounded to the even 1e16, so
    # summing left to right loses both ones; the exact sum 1e16 + 2 is a double.
    assert (1e16 + 1.0) + 1.0 == 1e16
    assert total["x"].tolist() == [1e16 + 2]
    assert merge_sums([None, None]) is None
    with pytest.raises(InvalidParameterError, match="some partitions"):
        merge_sums([a, None])
