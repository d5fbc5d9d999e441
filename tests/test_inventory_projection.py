"""budget_curve and project_stock: the numbers behind the inventory plots.

References: hand-computed newsvendor outcomes on demand equally likely to be
0, 1, ..., 99 (the arithmetic is in the tests), a hand-run lost-sales stock
recursion, and a test-local loop over items, paths and periods as the oracle
of the vectorized recursion.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit import ReorderOptimizer
from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.inventory.projection import budget_curve, project_stock

# ----------------------------------------------------------------------------- budget curve

# One item, demand uniform on 0..99 (100 equally likely samples), price 5, cost 2.03.
# Raising stock from y to y + 1 earns 5 * P(D > y) - 2.03 = 5 * (99 - y) / 100 - 2.03,
# positive while 99 - y > 40.6, i.e. y <= 58: the unconstrained order is 59 units.
_UNIFORM = pd.DataFrame({"unique_id": "A", "sample": np.arange(100), "demand": np.arange(100.0)})
_ONE_ITEM = pd.DataFrame({"unique_id": ["A"], "unit_cost": [2.03], "price": [5.0]})
_Q_STAR = 59


def _expected_sales(q: int) -> float:
    """E[min(D, q)] for D uniform on 0..99: (sum_{d<q} d + q * #{d >= q}) / 100."""
    return (q * (q - 1) / 2 + q * (100 - q)) / 100


def test_budget_curve_matches_hand_computed_single_item_newsvendor():
    budgets = [0.0, 10.0, 50.0, 100.0, 200.0]
    curve = budget_curve(_UNIFORM, _ONE_ITEM, budgets)
    assert curve["budget"].tolist() == [*budgets, math.inf]
    # the order is the unconstrained one capped by what the budget buys: min(59, floor(b / 2.03))
    q = np.array([min(_Q_STAR, math.floor(b / 2.03)) for b in budgets] + [_Q_STAR])
    assert q.tolist() == [0, 4, 24, 49, 59, 59]
    sales = np.array([_expected_sales(k) for k in q])
    np.testing.assert_allclose(curve["spend"], 2.03 * q)
    np.testing.assert_allclose(curve["expected_sales"], sales)
    np.testing.assert_allclose(curve["expected_profit"], 5 * sales - 2.03 * q)
    np.testing.assert_allclose(curve["fill_rate"], sales / 49.5)  # E[D] = 49.5
    assert curve["n_ordered"].tolist() == [0, 1, 1, 1, 1, 1]


def test_budget_curve_shadow_price_is_the_marginal_profit_per_unit_of_money():
    curve = budget_curve(_UNIFORM, _ONE_ITEM, [10.0, 200.0])
    # budget 10 buys 4.93 units: the LP relaxation is on the step from 4 to 5 units,
    # worth 5 * P(D > 4) - 2.03 = 5 * 0.95 - 2.03 per unit, i.e. per 2.03 of money.
    assert curve["shadow_price"].iloc[0] == pytest.approx((5 * 0.95 - 2.03) / 2.03, rel=1e-6)
    assert curve["shadow_price"].iloc[1] == 0.0  # 200 is more than the 119.77 worth spending
    assert curve["shadow_price"].iloc[2] == 0.0  # no budget at all


def _portfolio(seed: int, n: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"SKU-{i}" for i in range(n)]
    means = rng.uniform(5, 40, n)
    demand = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, 100),
            "sample": np.tile(np.arange(100), n),
            "demand": rng.poisson(np.repeat(means, 100)).astype(float),
        }
    )
    items = pd.DataFrame(
        {
            "unique_id": ids,
            "unit_cost": rng.uniform(1, 5, n).round(2),
            "price": rng.uniform(6, 10, n).round(2),
            "case_pack": rng.choice([1, 6], n),
            "on_hand": rng.integers(0, 10, n),
        }
    )
    return demand, items


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_budget_curve_properties(seed):
    demand, items = _portfolio(seed)
    unconstrained = ReorderOptimizer().optimize(demand, items)
    top = float(unconstrained["order_cost"].sum())
    budgets = [0.0, top / 4, top / 2, top * 3 / 4, top, top * 1.5]
    curve = budget_curve(demand, items, budgets)
    finite = curve.iloc[:-1]
    # spend never exceeds the budget; a larger budget never earns less
    assert (finite["spend"] <= finite["budget"] + 1e-9).all()
    assert np.all(np.diff(curve["expected_profit"]) >= -1e-9)
    # the LP relaxation's value is concave in the budget: its shadow price never rises
    assert np.all(np.diff(curve["shadow_price"]) <= 1e-9)
    # at or above the unconstrained spend, the plan is the unconstrained one
    best = float(unconstrained["expected_profit"].sum())
    assert curve["expected_profit"].iloc[-3:].to_numpy() == pytest.approx([best] * 3)
    assert curve["spend"].iloc[-1] == pytest.approx(top)
    # budget 0 orders nothing
    assert curve["spend"].iloc[0] == 0.0
    assert curve["n_ordered"].iloc[0] == 0


def test_budget_zero_keeps_the_profit_of_the_stock_on_hand_and_pays_shortage():
    # Demand 0..99, 20 units on hand, shortage cost 1 per unit short, nothing ordered:
    # sales E[min(D, 20)] = (190 + 20 * 80) / 100 = 17.9, shortage 49.5 - 17.9 = 31.6,
    # leftover E[(20 - D)+] = 20 - 17.9 = 2.1 (salvage 0), profit 5 * 17.9 - 31.6 = 57.9.
    items = _ONE_ITEM.assign(on_hand=20.0, shortage_cost=1.0)
    row = budget_curve(_UNIFORM, items, [0.0], include_unconstrained=False).iloc[0]
    assert row["expected_sales"] == pytest.approx(17.9)
    assert row["expected_profit"] == pytest.approx(5 * 17.9 - 31.6)
    # without stock, budget 0 loses the shortage cost on every unit of demand: -49.5
    empty = budget_curve(_UNIFORM, _ONE_ITEM.assign(shortage_cost=1.0), [0.0])
    assert empty["expected_profit"].iloc[0] == pytest.approx(-49.5)


def test_budget_curve_sorts_and_dedupes_budgets_and_can_skip_the_unconstrained_row():
    curve = budget_curve(_UNIFORM, _ONE_ITEM, [50, 10, 50], include_unconstrained=False)
    assert curve["budget"].tolist() == [10.0, 50.0]
    assert list(curve.columns) == [
        "budget",
        "spend",
        "expected_profit",
        "expected_sales",
        "fill_rate",
        "n_ordered",
        "shadow_price",
    ]
    assert curve.index.equals(pd.RangeIndex(2))


def test_budget_curve_keeps_the_optimizers_other_constraints_and_leaves_it_untouched():
    demand = pd.concat([_UNIFORM, _UNIFORM.assign(unique_id="B")], ignore_index=True)
    items = pd.concat([_ONE_ITEM, _ONE_ITEM.assign(unique_id="B")], ignore_index=True)
    items["volume"] = 1.0
    optimizer = ReorderOptimizer(capacity=30, budget=1.0)
    curve = budget_curve(demand, items, [1000.0], optimizer=optimizer)
    # capacity 30 units binds before any budget: 30 units, 15 each by symmetry
    assert curve["spend"].tolist() == pytest.approx([30 * 2.03, 30 * 2.03])
    assert curve["shadow_price"].tolist() == [0.0, 0.0]  # the budget itself does not bind
    assert optimizer.budget == 1.0
    assert not hasattr(optimizer, "plan_")


@pytest.mark.parametrize(
    ("budgets", "match"),
    [([], "non-empty"), ([10, -1], r"\[-1.0\]"), ([np.nan], "finite"), ([np.inf], "inf row")],
)
def test_budget_curve_rejects_bad_budgets(budgets, match):
    with pytest.raises(InvalidParameterError, match=match):
        budget_curve(_UNIFORM, _ONE_ITEM, budgets)


def test_budget_curve_passes_on_the_optimizers_data_errors():
    with pytest.raises(DataValidationError, match="'B'"):
        budget_curve(_UNIFORM.assign(unique_id="B"), _ONE_ITEM, [10])


# ----------------------------------------------------------------------------- project_stock


def _paths(series: dict[str, list[list[float]]], *, start: str = "2024-01-01") -> pd.DataFrame:
    """Long paths frame from ``{id: [path0 demands, path1 demands, ...]}``."""
    rows = []
    for sid, paths in series.items():
        for s, values in enumerate(paths):
            dates = pd.date_range(start, periods=len(values))
            rows += [(sid, s, d, float(v)) for d, v in zip(dates, values, strict=True)]
    return pd.DataFrame(rows, columns=["unique_id", "sample", "ds", "y"])


def _plan(**orders: float) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": list(orders), "order_qty": list(orders.values())})


def test_project_stock_hand_run_deterministic_path():
    # 10 on hand, 3 a day, 6 ordered now arriving on day 2 (lead time 2):
    # day 0: 10 - 3 = 7; day 1: 4; day 2: 4 + 6 - 3 = 7; day 3: 4; day 4: 1;
    # day 5: 1 on hand, 3 wanted, 2 lost -> 0; day 6: 3 lost -> 0.
    paths = _paths({"A": [[3] * 7]})
    items = pd.DataFrame({"unique_id": ["A"], "on_hand": [10.0]})
    out = project_stock(paths, _plan(A=6.0), items, lead_time=2)
    assert out["on_hand_mean"].tolist() == [7, 4, 7, 4, 1, 0, 0]
    assert out["received"].tolist() == [0, 0, 6, 0, 0, 0, 0]
    assert out["stockout_prob"].tolist() == [0, 0, 0, 0, 0, 1, 1]
    assert out["expected_lost"].tolist() == [0, 0, 0, 0, 0, 2, 3]
    # one path: every quantile is the path itself
    assert out["on_hand_q0.1"].tolist() == out["on_hand_q0.9"].tolist() == [7, 4, 7, 4, 1, 0, 0]
    assert out["ds"].tolist() == list(pd.date_range("2024-01-01", periods=7))
    assert list(out.columns) == [
        "unique_id",
        "ds",
        "received",
        "on_hand_mean",
        "on_hand_q0.1",
        "on_hand_q0.5",
        "on_hand_q0.9",
        "stockout_prob",
        "expected_lost",
    ]


def test_project_stock_two_paths_stockout_probability_and_quantiles():
    # 6 on hand, no order. Path 0 wants 2 a day: 4, 2, 0 left, nothing lost (day 2 ends
    # empty but all demand was met: not a stock-out). Path 1 wants 5 a day: 1, 0, 0 left,
    # 0, 4, 5 lost. So P(stock-out) = 0, 1/2, 1/2 and mean lost 0, 2, 2.5.
    paths = _paths({"A": [[2, 2, 2], [5, 5, 5]]})
    items = pd.DataFrame({"unique_id": ["A"], "on_hand": [6.0]})
    out = project_stock(paths, _plan(A=0.0), items, quantiles=[0.1, 0.5])
    assert out["on_hand_mean"].tolist() == [2.5, 1.0, 0.0]
    assert out["stockout_prob"].tolist() == [0.0, 0.5, 0.5]
    assert out["expected_lost"].tolist() == [0.0, 2.0, 2.5]
    # linear interpolation between the two paths: q0.1 of {1, 4} = 1 + 0.1 * 3
    assert out["on_hand_q0.1"].tolist() == pytest.approx([1.3, 0.2, 0.0])
    assert out["on_hand_q0.5"].tolist() == pytest.approx([2.5, 1.0, 0.0])


def test_project_stock_lead_times_per_item_from_items_or_argument():
    paths = _paths({"A": [[0] * 4], "B": [[0] * 4]})
    items = pd.DataFrame({"unique_id": ["A", "B"], "lead_time": [1, 3]})
    plan = _plan(A=5.0, B=7.0)
    out = project_stock(paths, plan, items, quantiles=None)
    received = out.pivot(index="ds", columns="unique_id", values="received")
    assert received["A"].tolist() == [0, 5, 0, 0]
    assert received["B"].tolist() == [0, 0, 0, 7]
    assert out["on_hand_mean"].tolist() == [0, 5, 5, 5, 0, 0, 0, 7]
    # the argument wins over the column; a lead time beyond the horizon never arrives
    out = project_stock(paths, plan, items, lead_time={"A": 0, "B": 9}, quantiles=None)
    assert out["received"].tolist() == [5, 0, 0, 0, 0, 0, 0, 0]
    # without a lead time anywhere, orders arrive on day 0
    out = project_stock(paths, plan, items.drop(columns="lead_time"), quantiles=None)
    assert out["received"].tolist() == [5, 0, 0, 0, 7, 0, 0, 0]


def test_project_stock_open_orders_arrive_on_day_zero_or_when_told():
    paths = _paths({"A": [[4, 4, 4]]})
    items = pd.DataFrame({"unique_id": ["A"], "on_hand": [2.0], "on_order": [5.0]})
    # day 0: 2 + 5 - 4 = 3; day 1: 3 - 4 -> 0, 1 lost; day 2: 4 lost
    out = project_stock(paths, _plan(A=0.0), items, quantiles=None)
    assert out["on_hand_mean"].tolist() == [3, 0, 0]
    assert out["expected_lost"].tolist() == [0, 1, 4]
    # arriving on day 1: day 0: 2 - 4 -> 0, 2 lost; day 1: 5 - 4 = 1; day 2: 1 - 4 -> 0, 3 lost
    out = project_stock(paths, _plan(A=0.0), items, on_order_arrival=1, quantiles=None)
    assert out["on_hand_mean"].tolist() == [0, 1, 0]
    assert out["expected_lost"].tolist() == [2, 0, 3]
    assert out["received"].tolist() == [0, 5, 0]


def _loop_oracle(paths: pd.DataFrame, plan: pd.DataFrame, items: pd.DataFrame, lead: dict):
    """Per item, per path, per period: the lost-sales recursion written out."""
    rows = []
    for sid in pd.unique(paths["unique_id"]):
        part = paths[paths["unique_id"] == sid]
        dates = sorted(pd.unique(part["ds"]))
        stock_by_path, lost_by_path = [], []
        for _, path in part.groupby("sample"):
            demand = path.sort_values("ds")["y"].tolist()
            stock = float(items.set_index("unique_id").loc[sid, "on_hand"])
            stocks, losts = [], []
            for t, d in enumerate(demand):
                if t == lead[sid]:
                    stock += float(plan.set_index("unique_id").loc[sid, "order_qty"])
                sold = min(stock, d)
                stock -= sold
                stocks.append(stock)
                losts.append(d - sold)
            stock_by_path.append(stocks)
            lost_by_path.append(losts)
        s, lost = np.array(stock_by_path), np.array(lost_by_path)
        for t, date in enumerate(dates):
            rows.append(
                (sid, date, s[:, t].mean(), np.quantile(s[:, t], 0.25), (lost[:, t] > 0).mean())
            )
    return pd.DataFrame(rows, columns=["unique_id", "ds", "mean", "q", "prob"])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_items=st.integers(1, 4), n_paths=st.integers(1, 5))
def test_project_stock_matches_a_loop_over_items_and_paths(seed, n_items, n_paths):
    rng = np.random.default_rng(seed)
    ids = [f"S{i}" for i in range(n_items)]
    h = 6
    paths = _paths({sid: rng.poisson(3, (n_paths, h)).tolist() for sid in ids})
    paths = paths.sample(frac=1.0, random_state=seed)  # row order must not matter
    plan = pd.DataFrame({"unique_id": ids, "order_qty": rng.integers(0, 15, n_items)})
    items = pd.DataFrame({"unique_id": ids[::-1], "on_hand": rng.integers(0, 10, n_items)})
    lead = dict(zip(ids, rng.integers(0, h + 2, n_items).tolist(), strict=True))
    out = project_stock(paths, plan, items, lead_time=lead, quantiles=[0.25])
    expected = _loop_oracle(paths, plan, items, lead)
    merged = expected.merge(out, on=["unique_id", "ds"], validate="one_to_one")
    assert len(merged) == len(out) == n_items * h
    np.testing.assert_allclose(merged["on_hand_mean"], merged["mean"])
    np.testing.assert_allclose(merged["on_hand_q0.25"], merged["q"])
    np.testing.assert_allclose(merged["stockout_prob"], merged["prob"])


def test_project_stock_series_of_different_lengths_and_custom_columns():
    paths = _paths({"A": [[1, 1]], "B": [[2, 2, 2, 2]]}, start="2024-03-01")
    paths = paths.rename(columns={"unique_id": "sku", "ds": "day", "sample": "path", "y": "qty"})
    before = paths.copy()
    items = pd.DataFrame({"sku": ["B", "A", "Z"], "on_hand": [5.0, 1.0, 0.0]})  # Z: no paths
    plan = pd.DataFrame({"sku": ["A", "B"], "order_qty": [0.0, 0.0]})
    out = project_stock(
        paths,
        plan,
        items,
        quantiles=None,
        id_col="sku",
        time_col="day",
        sample_col="path",
        target_col="qty",
    )
    assert out["sku"].tolist() == ["A", "A", "B", "B", "B", "B"]
    assert out["on_hand_mean"].tolist() == [0, 0, 3, 1, 0, 0]
    assert out["expected_lost"].tolist() == [0, 1, 0, 0, 1, 2]
    assert out["day"].iloc[-1] == pd.Timestamp("2024-03-04")
    pd.testing.assert_frame_equal(paths, before)  # the input is not changed


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p, pl, it: (p.drop(columns="sample"), pl, it), "no column 'sample'"),
        (lambda p, pl, it: (p.assign(y=p["y"].where(p["unique_id"] != "B")), pl, it), "'B'"),
        (lambda p, pl, it: (p.assign(y=-p["y"]), pl, it), "negative"),
        (lambda p, pl, it: (p, pl[pl["unique_id"] != "B"], it), r"plan has no row .*\['B'\]"),
        (lambda p, pl, it: (p, pl, it[it["unique_id"] != "B"]), r"items has no row .*\['B'\]"),
        (lambda p, pl, it: (p, pd.concat([pl, pl]), it), "duplicate"),
        (lambda p, pl, it: (p, pl.assign(order_qty=[1.0, -2.0]), it), r"order_qty.*\['B'\]"),
        (lambda p, pl, it: (p, pl.drop(columns="order_qty"), it), "no column 'order_qty'"),
        (lambda p, pl, it: (p, pl, it.assign(on_hand=[1.0, np.nan])), r"on_hand.*\['B'\]"),
        (lambda p, pl, it: (p, pl, it.assign(lead_time=[1, -1])), r"lead_time.*\['B'\]"),
        (lambda p, pl, it: (p, pl, it.assign(lead_time=[1.5, 1])), r"lead_time.*\['A'\]"),
        (lambda p, pl, it: (p.iloc[1:], pl, it), r"miss periods in 1 series \['A'\]"),
        (lambda p, pl, it: (pd.concat([p, p.iloc[:1]]), pl, it), r"repeat or miss.*\['A'\]"),
        (
            lambda p, pl, it: (p[(p["unique_id"] == "A") | (p["sample"] == 0)], pl, it),
            r"different numbers of sample paths .*\['B'\]",
        ),
    ],
)
def test_project_stock_errors_name_the_problem(change, match):
    paths = _paths({"A": [[1, 2], [3, 4]], "B": [[1, 1], [2, 2]]})
    plan = _plan(A=1.0, B=2.0)
    items = pd.DataFrame({"unique_id": ["A", "B"], "on_hand": [3.0, 4.0]})
    p, pl, it = change(paths, plan, items)
    with pytest.raises(DataValidationError, match=match):
        project_stock(p, pl, it)


def test_project_stock_rejects_quantiles_outside_the_unit_interval():
    paths = _paths({"A": [[1, 2]]})
    with pytest.raises(InvalidParameterError, match="between 0 and 1"):
        project_stock(paths, _plan(A=1.0), pd.DataFrame({"unique_id": ["A"]}), quantiles=[50])
