"""OptimizerPolicy: the reorder optimizer re-run at each review inside simulate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecastkit import DataValidationError, ReorderOptimizer
from forecastkit.inventory import BaseStock, OptimizerPolicy, simulate


def _samples(ids, means, n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, n),
            "sample": np.tile(np.arange(n), len(ids)),
            "demand": np.concatenate([rng.poisson(m, n) for m in means]).astype(float),
        }
    )


def _newsvendor_items(ids, h, p, c=5.0):
    # price = c + p, salvage = c, holding = h makes the optimizer's profit
    # p E[min(D, y)] - h E[(y - D)+] + const, i.e. minus the newsvendor cost
    # h E[(y - D)+] + p E[(D - y)+] (Snyder & Shen sec. 4.3) plus a constant;
    # its best y is the empirical quantile at p / (p + h).
    return pd.DataFrame(
        {"unique_id": ids, "unit_cost": c, "price": c + p, "salvage_value": c, "holding_cost": h}
    )


def test_optimizer_policy_equals_base_stock_at_the_sample_quantile():
    ids, h, p = ["A", "B"], 1.0, 4.0
    samples = _samples(ids, [6, 15])
    ratio = p / (p + h)
    levels = []
    for i in ids:  # smallest sample whose empirical CDF reaches the critical ratio
        d = np.sort(samples.loc[samples["unique_id"] == i, "demand"].to_numpy())
        levels.append(d[int(np.ceil(ratio * len(d))) - 1])
    demand = np.random.default_rng(3).poisson([[6], [15]], (2, 40)).astype(float)
    common = dict(holding_cost=h, stockout_cost=p, ids=ids, warmup=1)
    policy = OptimizerPolicy(ReorderOptimizer(), _newsvendor_items(ids, h, p), samples)
    # the optimizer starts from zero stock, the base-stock run at S: compare
    # from period 1 on, once the first order has brought the stock to S
    opt = simulate(demand, policy, **common).per_item
    ref = simulate(demand, BaseStock(np.array(levels)), **common).per_item
    assert [float(v) for v in policy.plans_[0]["stock_after"]] == levels
    assert np.allclose(opt["total_cost"], ref["total_cost"], rtol=0, atol=1e-12)
    assert opt["total_cost"].min() > 0


def test_optimizer_policy_keeps_each_review_within_budget_and_orders_only_at_reviews():
    ids = ["A", "B", "C"]
    samples = _samples(ids, [30, 20, 10], seed=1)
    items = pd.DataFrame(
        {
            "unique_id": ids,
            "unit_cost": [4.0, 6.0, 3.0],
            "price": [9.0, 11.0, 8.0],
            "salvage_value": [3.5, 5.0, 2.5],
            "case_pack": [6, 1, 4],
        }
    )
    budget = 150.0
    policy = OptimizerPolicy(ReorderOptimizer(budget=budget), items, samples, review_period=3)
    demand = np.random.default_rng(2).poisson([[30], [20], [10]], (3, 30)).astype(float)
    result = simulate(
        demand,
        policy,
        holding_cost=0.1,
        stockout_cost=2.0,
        ids=ids,
        lost_sales=True,
        keep_trajectory=True,
    )
    assert len(policy.plans_) == 10  # reviews at periods 0, 3, ..., 27
    for plan in policy.plans_:
        assert plan["order_cost"].sum() <= budget + 1e-9
    orders = result.trajectory["orders"][0]  # (items, periods)
    off_review = np.arange(30) % 3 != 0
    assert np.all(orders[:, off_review] == 0)
    assert np.all(orders[0] % 6 == 0) and np.all(orders[2] % 4 == 0)


def test_backorders_are_served_before_new_demand():
    # one item, 10 units backordered and nothing on hand or on order: the
    # policy adds the backlog to every demand sample, so with a deterministic
    # demand of 5 the optimizer orders 10 + 5 = 15 (the newsvendor optimum of
    # a point mass is the point itself)
    samples = pd.DataFrame({"unique_id": "A", "sample": np.arange(10), "demand": 5.0})
    items = _newsvendor_items(["A"], 1.0, 4.0)
    policy = OptimizerPolicy(ReorderOptimizer(), items, samples)

    class State:
        on_hand = np.array([[0.0]])
        backlog = np.array([[10.0]])
        pipeline = np.zeros((1, 1, 1))
        ids = pd.Index(["A"])

    assert policy(0, State())[0, 0] == 15.0


def test_items_must_match_the_simulated_items():
    samples = _samples(["A"], [5])
    policy = OptimizerPolicy(ReorderOptimizer(), _newsvendor_items(["A"], 1.0, 4.0), samples)
    with pytest.raises(DataValidationError, match="simulation's order"):
        simulate(np.ones((1, 5)), policy, holding_cost=1.0, stockout_cost=4.0, ids=["Z"])
    with pytest.raises(DataValidationError, match="review_period"):
        OptimizerPolicy(ReorderOptimizer(), _newsvendor_items(["A"], 1.0, 4.0), samples, 0)
