"""festival_orders: the pre-festival stock build from sample paths.

References: hand-computed carry-in and net demand on tiny deterministic path
sets (the arithmetic is in the comments); the sample newsvendor
(``newsvendor_samples``, Snyder & Shen 2019, sec. 4.3, Theorem 4.2 on the
empirical distribution) on net demand computed here by a plain loop over
paths; ``ReorderOptimizer.optimize`` run directly on that net demand; and
EventCalendar's own festival windows.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.calendar import EventCalendar
from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.inventory import ReorderOptimizer, newsvendor_samples
from forecastkit.promo import festival_orders

DAY = pd.Timedelta(days=1)


# ----------------------------------------------------------------------------- helpers
def _paths(
    series: dict,
    start: str = "2024-11-01",
    *,
    freq: str = "D",
    id_col: str = "unique_id",
    sample_col: str = "sample",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Long paths frame from ``{id: array (n_samples, horizon)}``."""
    frames = []
    for uid, arr in series.items():
        arr = np.asarray(arr, dtype=float)
        n, h = arr.shape
        frames.append(
            pd.DataFrame(
                {
                    id_col: uid,
                    sample_col: np.repeat(np.arange(n), h),
                    time_col: np.tile(pd.date_range(start, periods=h, freq=freq), n),
                    target_col: arr.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _net_by_loop(arr: np.ndarray, stock: float, arrival: int, end: int) -> dict:
    """Carry, window demand and net demand of each path, one path at a time."""
    carry, window, net = [], [], []
    for path in np.asarray(arr, dtype=float):
        before = sum(path[:arrival])
        c = max(stock - before, 0.0)
        d = sum(path[arrival : end + 1])
        carry.append(c)
        window.append(d)
        net.append(max(d - c, 0.0))
    return {"carry": np.array(carry), "window": np.array(window), "net": np.array(net)}


def _items(ids, lead, **columns) -> pd.DataFrame:
    base = {"unique_id": list(ids), "unit_cost": 5.0, "price": 10.0, "lead_time": lead}
    return pd.DataFrame({**base, **columns})


# ----------------------------------------------------------------------------- arithmetic
def test_carry_in_and_net_demand_on_hand_built_paths():
    # Days 11-01 .. 11-08 (periods 0..7); window 11-04 .. 11-08 (periods 3..7);
    # lead time 2: order on 11-02, arrives 11-04. on_hand 6 + on_order 4 = 10.
    arr = np.array(
        [
            [3, 3, 3, 10, 10, 10, 10, 10],  # before 9 -> C = 1, D = 50, net 49
            [5, 5, 5, 2, 2, 2, 2, 2],  # before 15 > 10: 5 lost, C = 0, D = 10, net 10
            [0, 0, 0, 1, 1, 1, 1, 1],  # before 0 -> C = 10, D = 5, net 0
        ]
    )
    items = _items(["SKU-1"], 2, on_hand=6.0, on_order=4.0)
    plan = festival_orders(_paths({"SKU-1": arr}), items, ("2024-11-04", "2024-11-08"))
    row = plan.iloc[0]
    assert row["order_date"] == pd.Timestamp("2024-11-02")
    assert row["arrival_date"] == pd.Timestamp("2024-11-04")
    assert not row["late"]
    assert row["window_demand"] == pytest.approx((50 + 10 + 5) / 3)
    assert row["carry_in"] == pytest.approx((1 + 0 + 10) / 3)
    assert row["net_demand"] == pytest.approx((49 + 10 + 0) / 3)
    # price 10, unit_cost 5, salvage 0: p = h = 5, alpha = 0.5; net sorted
    # (0, 10, 49): k = ceil(0.5 * 3) = 2 -> order 10.
    assert row["order_qty"] == 10.0
    assert row["stock_after"] == pytest.approx(11 / 3 + 10)
    assert row["expected_sales"] == pytest.approx((10 + 10 + 0) / 3)  # min(net, 10)
    assert row["expected_stockout"] == pytest.approx((39 + 0 + 0) / 3)  # (net - 10)+
    assert row["expected_leftover"] == pytest.approx((0 + 0 + 10) / 3)  # (10 - net)+
    assert plan["window_start"].iloc[0] == pd.Timestamp("2024-11-04")
    assert plan["window_end"].iloc[0] == pd.Timestamp("2024-11-08")


def test_order_is_the_critical_fractile_of_net_demand():
    rng = np.random.default_rng(3)
    # 14 days from 11-01; window 11-06 .. 11-12 (periods 5..11); lead 3: arrival at
    # period 5, pre-window periods 0..4 eat into on_hand 30 + on_order 10.
    rate = np.r_[[8.0] * 5, [25.0] * 7, [5.0] * 2]
    arr = rng.poisson(rate, size=(200, 14))
    items = _items(
        ["SKU-1"], 3, unit_cost=3.0, price=10.0, salvage_value=1.0, on_hand=30.0, on_order=10.0
    )
    plan = festival_orders(_paths({"SKU-1": arr}), items, ("2024-11-06", "2024-11-12"))
    ref = _net_by_loop(arr, 40.0, arrival=5, end=11)
    # underage p = price - unit_cost = 7, overage h = unit_cost - salvage = 2;
    # alpha = 7/9, 200 * 7/9 is not whole so the sample quantile is unique.
    level, _ = newsvendor_samples(2.0, 7.0, ref["net"])
    assert plan["order_qty"].iloc[0] == level
    assert plan["order_date"].iloc[0] == pd.Timestamp("2024-11-03")
    assert plan["carry_in"].iloc[0] == pytest.approx(ref["carry"].mean())
    assert plan["window_demand"].iloc[0] == pytest.approx(ref["window"].mean())
    assert plan["net_demand"].iloc[0] == pytest.approx(ref["net"].mean())
    assert 0 < ref["carry"].mean() < 40  # the carry matters in this instance


# ----------------------------------------------------------------------------- timing
def test_order_date_is_window_start_minus_lead_time():
    arr = np.ones((4, 20))
    paths = _paths({"A": arr, "B": arr, "C": arr})
    items = _items(["C", "A", "B"], [9, 0, 4])
    plan = festival_orders(paths, items, ("2024-11-10", "2024-11-15"))
    start = pd.Timestamp("2024-11-10")
    # sorted by order_date: C (11-01), B (11-06), A (11-10)
    assert plan["unique_id"].tolist() == ["C", "B", "A"]
    assert plan["order_date"].tolist() == [start - 9 * DAY, start - 4 * DAY, start]
    assert (plan["arrival_date"] == start).all()
    assert not plan["late"].any()
    assert plan.index.equals(pd.RangeIndex(3))
    # window demand: 6 days of 1 per path
    assert np.allclose(plan["window_demand"], 6.0)


def test_weekly_paths_count_lead_time_in_weeks():
    arr = np.full((3, 10), 2.0)
    paths = _paths({"A": arr}, "2024-09-01", freq="W-SUN")  # Sundays 09-01 .. 11-03
    items = _items(["A"], 2)
    plan = festival_orders(paths, items, ("2024-10-14", "2024-10-27"))
    # window weeks labelled 10-20 and 10-27 (periods 7, 8); ordered 2 weeks before 10-20
    assert plan["arrival_date"].iloc[0] == pd.Timestamp("2024-10-20")
    assert plan["order_date"].iloc[0] == pd.Timestamp("2024-10-06")
    assert plan["window_demand"].iloc[0] == pytest.approx(4.0)


def test_late_order_counts_window_demand_from_arrival(caplog):
    # Days 11-01 .. 11-10; window 11-03 .. 11-08; lead 5 -> latest order date 10-29,
    # before t0 = 11-01: order on 11-01, arrival 11-06 (period 5).
    arr = np.array(
        [
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],  # before 1+2+3+4+5 = 15, C = 20-15 = 5;
            # D = 6+7+8 = 21 (11-06..11-08), net 16
            [0, 0, 0, 0, 0, 4, 4, 4, 4, 4],  # C = 20, D = 12, net 0
        ]
    )
    items = _items(["SKU-7", "SKU-8"], [5, 1], on_hand=[20.0, 0.0])
    paths = _paths({"SKU-7": arr, "SKU-8": arr})
    with caplog.at_level(logging.WARNING, logger="forecastkit.promo._festival"):
        plan = festival_orders(paths, items, ("2024-11-03", "2024-11-08")).set_index("unique_id")
    late = plan.loc["SKU-7"]
    assert late["late"]
    assert late["order_date"] == pd.Timestamp("2024-11-01")
    assert late["arrival_date"] == pd.Timestamp("2024-11-06")
    assert late["window_demand"] == pytest.approx((21 + 12) / 2)
    assert late["carry_in"] == pytest.approx((5 + 20) / 2)
    assert late["net_demand"] == pytest.approx((16 + 0) / 2)
    on_time = plan.loc["SKU-8"]  # lead 1: order 11-02, arrival 11-03
    assert not on_time["late"]
    assert on_time["order_date"] == pd.Timestamp("2024-11-02")
    # D = 3+4+5+6+7+8 = 33 and 0+0+0+4+4+4 = 12
    assert on_time["window_demand"] == pytest.approx((33 + 12) / 2)
    assert "SKU-7" in caplog.text and "SKU-8" not in caplog.text


def test_window_opened_before_first_forecast_date_is_late():
    arr = np.array([[1.0, 2.0, 3.0, 4.0]])
    plan = festival_orders(_paths({"A": arr}), _items(["A"], 0), ("2024-10-30", "2024-11-03"))
    assert plan["late"].iloc[0]
    assert plan["order_date"].iloc[0] == pd.Timestamp("2024-11-01")
    assert plan["arrival_date"].iloc[0] == pd.Timestamp("2024-11-01")
    assert plan["window_demand"].iloc[0] == pytest.approx(1 + 2 + 3)


# ----------------------------------------------------------------------------- optimizer
def test_budget_binds_and_plan_equals_optimizer_on_net_demand():
    rng = np.random.default_rng(11)
    ids, lead = ["P1", "P2", "P3"], np.array([2, 6, 0])
    arrays = {i: rng.poisson(rng.uniform(5, 20), size=(150, 16)) for i in ids}
    # custom column names throughout: nothing may assume unique_id/ds/y/sample
    names = {"id_col": "sku", "sample_col": "path", "time_col": "date", "target_col": "qty"}
    paths = _paths(arrays, **names)
    items = pd.DataFrame(
        {
            "sku": ids,
            "unit_cost": [4.0, 6.0, 2.5],
            "price": [9.0, 11.0, 6.0],
            "on_hand": [15.0, 0.0, 8.0],
            "case_pack": [6, 1, 4],
            "lead_time": lead,
        }
    )
    window = ("2024-11-07", "2024-11-14")  # periods 6..13
    free = festival_orders(paths, items, window, optimizer=ReorderOptimizer(id_col="sku"), **names)
    budget = 0.6 * free["order_cost"].sum()
    opt = ReorderOptimizer(budget=budget, id_col="sku")
    plan = festival_orders(paths, items, window, optimizer=opt, **names)
    assert plan["order_cost"].sum() <= budget + 1e-9
    assert (plan["reason"] == "budget-limited").any()
    assert opt.multipliers_["budget"] > 0  # the optimizer is fitted in place

    stock = (items["on_hand"]).to_numpy()
    frames = []
    for k, i in enumerate(ids):
        arrival = max(6 - lead[k], 0) + lead[k]
        net = _net_by_loop(arrays[i], stock[k], arrival, 13)["net"]
        frames.append(pd.DataFrame({"sku": i, "path": np.arange(150), "demand": net}))
    direct = ReorderOptimizer(budget=budget, id_col="sku").optimize(
        pd.concat(frames, ignore_index=True), items.assign(on_hand=0.0)
    )
    got = plan.set_index("sku").loc[ids].reset_index()
    same = [c for c in direct.columns if c != "stock_after"]
    pd.testing.assert_frame_equal(got[same], direct[same], check_dtype=False)
    assert np.allclose(got["stock_after"], got["carry_in"] + got["order_qty"])
    assert plan["order_date"].is_monotonic_increasing


def test_stock_covering_the_festival_is_reported_as_such():
    arr = np.full((5, 6), 3.0)
    items = _items(["A"], 1, on_hand=100.0)
    plan = festival_orders(_paths({"A": arr}), items, ("2024-11-03", "2024-11-06"))
    assert plan["order_qty"].iloc[0] == 0.0
    assert plan["net_demand"].iloc[0] == 0.0
    assert plan["carry_in"].iloc[0] == pytest.approx(100.0 - 6.0)
    assert plan["reason"].iloc[0] == "covered by stock on hand"


def test_inputs_unchanged_and_row_order_irrelevant():
    rng = np.random.default_rng(5)
    paths = _paths({"A": rng.poisson(6, (40, 10)), "B": rng.poisson(9, (40, 10))})
    items = _items(["A", "B"], [1, 3], on_hand=[10.0, 4.0])
    paths_copy, items_copy = paths.copy(), items.copy()
    plan = festival_orders(paths, items, ("2024-11-05", "2024-11-09"))
    pd.testing.assert_frame_equal(paths, paths_copy)
    pd.testing.assert_frame_equal(items, items_copy)
    shuffled = paths.sample(frac=1.0, random_state=0)
    again = festival_orders(shuffled, items.iloc[::-1], ("2024-11-05", "2024-11-09"))
    pd.testing.assert_frame_equal(plan, again)


@settings(max_examples=25, deadline=None)
@given(
    lead=st.integers(0, 7),
    stock=st.integers(0, 40),
    first=st.integers(0, 8),
    length=st.integers(1, 4),
    seed=st.integers(0, 10_000),
)
def test_vectorized_sums_match_a_loop(lead, stock, first, length, seed):
    rng = np.random.default_rng(seed)
    arr = rng.poisson(4, size=(12, 14))
    start = pd.Timestamp("2024-11-01") + first * DAY
    end = start + (length - 1) * DAY
    arrival = max(first - lead, 0) + lead
    items = _items(["A"], lead, on_hand=float(stock), unit_cost=4.0)  # alpha = 0.6
    if arrival > first + length - 1:
        with pytest.raises(DataValidationError, match="'A'"):
            festival_orders(_paths({"A": arr}), items, (start, end))
        return
    plan = festival_orders(_paths({"A": arr}), items, (start, end))
    ref = _net_by_loop(arr, stock, arrival, first + length - 1)
    assert plan["late"].iloc[0] == (first < lead)
    assert plan["arrival_date"].iloc[0] == pd.Timestamp("2024-11-01") + arrival * DAY
    assert plan["carry_in"].iloc[0] == pytest.approx(ref["carry"].mean())
    assert plan["window_demand"].iloc[0] == pytest.approx(ref["window"].mean())
    assert plan["net_demand"].iloc[0] == pytest.approx(ref["net"].mean())
    assert plan["order_qty"].iloc[0] == newsvendor_samples(4.0, 6.0, ref["net"])[0]


# ----------------------------------------------------------------------------- events
def _span_paths(start: str, end: str, n: int = 3) -> pd.DataFrame:
    days = len(pd.date_range(start, end))
    return _paths({"A": np.ones((n, days))}, start)


def test_event_window_comes_from_the_calendar():
    occ = EventCalendar(festivals=["double_11"]).occurrences("2024-01-01", "2024-12-31")
    main, lower, upper = occ.loc[0, ["ds", "lower_window", "upper_window"]]
    paths = _span_paths("2024-10-01", "2024-11-30")
    plan = festival_orders(paths, _items(["A"], 3), event="double_11")
    assert plan["window_start"].iloc[0] == main + lower * DAY
    assert plan["window_end"].iloc[0] == main + upper * DAY
    assert plan["order_date"].iloc[0] == main + (lower - 3) * DAY
    assert plan["window_demand"].iloc[0] == upper - lower + 1  # one unit a day


def test_year_picks_one_of_several_occurrences():
    paths = _span_paths("2023-10-01", "2024-11-30", n=2)
    with pytest.raises(DataValidationError, match=r"2023-11-11.*2024-11-11.*year="):
        festival_orders(paths, _items(["A"], 0), event="double_11")
    plan = festival_orders(paths, _items(["A"], 0), event="double_11", year=2023)
    occ = EventCalendar(festivals=["double_11"]).occurrences("2023-01-01", "2023-12-31")
    assert plan["window_start"].iloc[0] == occ.loc[0, "ds"] + occ.loc[0, "lower_window"] * DAY
    with pytest.raises(DataValidationError, match="2022"):
        festival_orders(paths, _items(["A"], 0), event="double_11", year=2022)


def test_user_event_from_a_custom_calendar():
    events = pd.DataFrame(
        {"event": ["brand_day"], "ds": ["2024-11-05"], "lower_window": [-2], "upper_window": [1]}
    )
    cal = EventCalendar(festivals=None, events=events)
    paths = _span_paths("2024-11-01", "2024-11-10")
    plan = festival_orders(paths, _items(["A"], 1), event="brand_day", calendar=cal)
    assert plan["window_start"].iloc[0] == pd.Timestamp("2024-11-03")
    assert plan["window_end"].iloc[0] == pd.Timestamp("2024-11-06")
    with pytest.raises(DataValidationError, match="launch_day"):
        festival_orders(paths, _items(["A"], 1), event="launch_day", calendar=cal)


def test_event_out_of_range_or_unknown_raises():
    paths = _span_paths("2024-10-01", "2024-11-30")
    with pytest.raises(DataValidationError, match=r"'double_12'.*2024-10-01"):
        festival_orders(paths, _items(["A"], 0), event="double_12")
    with pytest.raises(DataValidationError, match="'singles_week'"):
        festival_orders(paths, _items(["A"], 0), event="singles_week")


# ----------------------------------------------------------------------------- errors
WINDOW = ("2024-11-03", "2024-11-06")


def _good():
    paths = _paths({"SKU-1": np.ones((3, 8)), "SKU-2": np.ones((3, 8))})
    return paths, _items(["SKU-1", "SKU-2"], [1, 2])


def test_paths_errors():
    paths, items = _good()
    with pytest.raises(DataValidationError, match="'qty'"):
        festival_orders(paths, items, WINDOW, target_col="qty")
    for bad in (np.nan, -1.0):
        broken = paths.copy()
        broken.loc[broken.index[-1], "y"] = bad
        with pytest.raises(DataValidationError, match="SKU-2"):
            festival_orders(broken, items, WINDOW)
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        festival_orders(paths.to_dict(), items, WINDOW)


def test_missing_or_repeated_period_in_a_path_raises():
    paths, items = _good()
    gap = paths.drop(index=paths.index[(paths["unique_id"] == "SKU-2") & (paths["sample"] == 1)][3])
    with pytest.raises(DataValidationError, match="SKU-2"):
        festival_orders(gap, items, WINDOW)
    dup = pd.concat([paths, paths.iloc[[9]]], ignore_index=True)  # SKU-1, path 1, day 2
    with pytest.raises(DataValidationError, match="SKU-1"):
        festival_orders(dup, items, WINDOW)


def test_window_and_paths_mismatch_raises():
    paths, items = _good()
    short = paths[~((paths["unique_id"] == "SKU-2") & (paths["ds"] > "2024-11-04"))]
    with pytest.raises(DataValidationError, match=r"SKU-2.*stop before.*2024-11-06"):
        festival_orders(short, items, WINDOW)
    with pytest.raises(DataValidationError, match=r"SKU-1.*ends before.*2024-11-01"):
        festival_orders(paths, items, ("2024-10-20", "2024-10-25"))
    weekly = _paths({"SKU-1": np.ones((2, 6)), "SKU-2": np.ones((2, 6))}, freq="W-FRI")
    with pytest.raises(DataValidationError, match="none of their forecast periods"):
        festival_orders(weekly, items, ("2024-11-09", "2024-11-14"))  # Sat..Thu


def test_order_arriving_after_the_window_raises():
    paths, _ = _good()
    items = _items(["SKU-1", "SKU-2"], [1, 7])  # SKU-2 arrives 11-08, window ends 11-06
    with pytest.raises(DataValidationError, match=r"SKU-2.*arrives after the window"):
        festival_orders(paths, items, WINDOW)


def test_lead_time_errors():
    paths, items = _good()
    with pytest.raises(DataValidationError, match="'lead_time'"):
        festival_orders(paths, items.drop(columns="lead_time"), WINDOW)
    for bad in (-1, 1.5, np.nan):
        with pytest.raises(DataValidationError, match="SKU-2"):
            festival_orders(paths, items.assign(lead_time=[1, bad]), WINDOW)


def test_items_and_paths_must_match():
    paths, items = _good()
    extra = pd.concat([items, _items(["SKU-3"], 1)], ignore_index=True)
    with pytest.raises(DataValidationError, match="SKU-3"):
        festival_orders(paths, extra, WINDOW)
    with pytest.raises(DataValidationError, match="SKU-2"):
        festival_orders(paths, items.iloc[:1], WINDOW)


def test_parameter_errors():
    paths, items = _good()
    with pytest.raises(InvalidParameterError, match="exactly one"):
        festival_orders(paths, items, WINDOW, event="double_11")
    with pytest.raises(InvalidParameterError, match="exactly one"):
        festival_orders(paths, items)
    with pytest.raises(InvalidParameterError, match="swap"):
        festival_orders(paths, items, ("2024-11-06", "2024-11-03"))
    with pytest.raises(DataValidationError, match="not-a-date"):
        festival_orders(paths, items, ("not-a-date", "2024-11-03"))
    with pytest.raises(InvalidParameterError, match="year="):
        festival_orders(paths, items, WINDOW, year=2024)
    with pytest.raises(InvalidParameterError, match="id_col='unique_id'"):
        festival_orders(paths, items, WINDOW, optimizer=ReorderOptimizer(id_col="sku"))
    with pytest.raises(InvalidParameterError, match="dict"):
        festival_orders(paths, items, WINDOW, optimizer={"budget": 10})
