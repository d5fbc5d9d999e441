"""Policy simulator against Snyder & Shen, Fundamentals of Supply Chain Theory (2019), and by hand.

Monte Carlo checks compare the simulated mean cost per period with the
analytic expected cost; the standard error is the standard deviation of the
per-path average cost over sqrt(n_paths) (independent paths), checked below.
All demand is drawn with fixed seeds, so every test is deterministic.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecastkit.errors import DataValidationError, DataWarning
from forecastkit.inventory.newsvendor import newsvendor_normal, newsvendor_poisson
from forecastkit.inventory.simulate import RS, SS, BaseStock, PolicyState, simulate

H, P, MU, SD = 0.18, 0.70, 50.0, 8.0  # Snyder & Shen, Example 4.3


def _normal_cost(level: float, mean: float, sd: float) -> float:
    """g(S) = h E[(S-D)+] + p E[(D-S)+] for D ~ N(mean, sd^2), via the normal loss function."""
    z = (level - mean) / sd
    short = sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))  # E[(D-S)+] = sd * L(z)
    over = (level - mean) + short  # E[(S-D)+] = S - mu + E[(D-S)+]
    return H * over + P * short


def test_normal_cost_helper_matches_textbook():
    # Snyder & Shen, Example 4.1: S = 60 costs 2.15613 per period (h=0.18, p=0.70, N(50, 8)).
    assert _normal_cost(60, MU, SD) == pytest.approx(2.156131553, abs=1e-8)


def _run(level, *, lead_time=0, seed=2024, n_paths=200, n_periods=1000, warmup=0):
    return simulate(
        stats.norm(MU, SD),
        BaseStock(level),
        lead_time=lead_time,
        holding_cost=H,
        stockout_cost=P,
        n_periods=n_periods,
        n_paths=n_paths,
        seed=seed,
        warmup=warmup,
    )


# --------------------------------------------------------------------------- textbook checks
def test_example_4_3_base_stock_cost_within_3_se():
    # Snyder & Shen, Example 4.3: S* = 56.6040, g(S*) = 1.99761; 200 paths x 1,000 periods.
    level, expected = newsvendor_normal(H, P, MU, SD)
    assert expected == pytest.approx(1.99761, abs=5e-6)
    res = _run(level)
    row = res.total.iloc[0]
    # SE across paths: sd of the 200 per-path average costs / sqrt(200)
    se = res.path_costs[:, 0].std(ddof=1) / np.sqrt(200)
    assert row["total_cost_se"] == pytest.approx(se, rel=1e-12)
    assert 0.001 < se < 0.01
    assert abs(row["total_cost"] - expected) < 3 * se
    # type-1 service = F(S*) = p / (p + h) = 0.79545 (eq. 4.16); binomial SE ~ 0.0009
    assert row["cycle_service_level"] == pytest.approx(P / (P + H), abs=0.004)
    # type-2 fill rate = 1 - E[(D-S*)+] / mu = 1 - 8 * L(0.8256) / 50 = 0.98162
    z = (level - MU) / SD
    fill = 1 - SD * (stats.norm.pdf(z) - z * stats.norm.sf(z)) / MU
    assert row["fill_rate"] == pytest.approx(fill, abs=0.002)


def test_common_random_numbers_rank_policies_and_match_analytic_difference():
    level, _ = newsvendor_normal(H, P, MU, SD)
    runs = {d: _run(level + d, seed=7) for d in (-5.0, 0.0, 5.0)}
    costs = {d: r.total["total_cost"].iloc[0] for d, r in runs.items()}
    # Same seed -> same demand: S* beats S* - 5 and S* + 5 on the same paths.
    assert costs[0.0] < costs[-5.0] and costs[0.0] < costs[5.0]
    for d in (-5.0, 5.0):
        diff = runs[d].path_costs[:, 0] - runs[0.0].path_costs[:, 0]
        se = diff.std(ddof=1) / np.sqrt(diff.size)  # paired SE across the 200 paths
        exact = _normal_cost(level + d, MU, SD) - _normal_cost(level, MU, SD)
        assert abs(diff.mean() - exact) < 3 * se
        # CRN: the paired SE is well below that of two independent runs, sqrt(se1^2 + se2^2)
        independent = np.hypot(runs[d].total["total_cost_se"], runs[0.0].total["total_cost_se"])
        assert se < 0.75 * independent.iloc[0]


def test_lead_time_2_cost_is_newsvendor_cost_of_three_periods():
    # Timing (order, receive order of t-L, demand, cost) gives IL_{t+L} = S - (D_t+...+D_{t+L}),
    # so the cost is the newsvendor cost of L + 1 = 3 periods of demand: the convention of
    # newsvendor_normal(lead_time=L) here and of Snyder's stockpyl (ltd_mean = mu * (L + 1)).
    level, expected = newsvendor_normal(H, P, MU, SD, lead_time=2)
    res = _run(level, lead_time=2, warmup=2)  # the first L periods are a transient
    row = res.total.iloc[0]
    assert abs(row["total_cost"] - expected) < 3 * row["total_cost_se"]
    # a lead time of 1 period is a different (cheaper) system: the check has power
    assert abs(row["total_cost"] - newsvendor_normal(H, P, MU, SD, lead_time=1)[1]) > 0.3


def test_poisson_example_4_7():
    # Snyder & Shen, Example 4.7: h = 1, p = 4, D ~ Poisson(6): S* = 8, g(S*) = 3.57011.
    level, expected = newsvendor_poisson(1, 4, 6)
    assert level == 8
    res = simulate(
        stats.poisson(6),
        BaseStock(level),
        holding_cost=1,
        stockout_cost=4,
        n_periods=1000,
        n_paths=200,
        seed=3,
    )
    row = res.total.iloc[0]
    assert abs(row["total_cost"] - expected) < 3 * row["total_cost_se"]
    assert row["demand"] == pytest.approx(6.0, abs=0.03)


def test_ss_policy_cost_matches_markov_chain():
    # (s, S) = (4, 14), h = 1, p = 4, K = 20, D ~ Poisson(6), L = 0, backorders. The inventory
    # position after ordering, y in {s+1..S}, is a Markov chain: y -> y - D if y - D > s, else
    # -> S (order placed). Cost per period = sum_y pi(y) [G(y) + K P(y - D <= s)], with the
    # newsvendor cost G(y) = h E[(y-D)+] + p E[(D-y)+] (Snyder & Shen, ch. 4, (s, S) policies).
    s, big_s, h, p, k, lam = 4, 14, 1.0, 4.0, 20.0, 6.0
    states = np.arange(s + 1, big_s + 1)
    trans = np.zeros((states.size, states.size))
    for i, y in enumerate(states):
        for j, z in enumerate(states):
            trans[i, j] = stats.poisson.pmf(y - z, lam)  # y - D = z > s
        trans[i, -1] += stats.poisson.sf(y - s - 1, lam)  # y - D <= s: order up to S
    eigval, eigvec = np.linalg.eig(trans.T)
    pi = np.real(eigvec[:, np.argmin(np.abs(eigval - 1))])
    pi /= pi.sum()
    d = np.arange(200)
    pmf = stats.poisson.pmf(d, lam)
    g = [pmf @ (h * np.clip(y - d, 0, None) + p * np.clip(d - y, 0, None)) for y in states]
    order_prob = stats.poisson.sf(states - s - 1, lam)
    expected = pi @ (np.array(g) + k * order_prob)  # 15.3818
    res = simulate(
        stats.poisson(lam),
        SS(s, big_s),
        holding_cost=h,
        stockout_cost=p,
        fixed_cost=k,
        n_periods=1000,
        n_paths=200,
        seed=8,
        warmup=20,
    )
    row = res.total.iloc[0]
    assert abs(row["total_cost"] - expected) < 3 * row["total_cost_se"]
    assert row["n_orders"] / 980 == pytest.approx(pi @ order_prob, abs=0.01)


def test_single_path_standard_error_uses_batch_means():
    # One path, lead time 0: per-period costs are i.i.d., so the batch-means SE (20 batches of
    # 250 periods) must be close to sd(cost) / sqrt(T); it is recomputed here from the trajectory.
    level, expected = newsvendor_normal(H, P, MU, SD)
    res = simulate(
        stats.norm(MU, SD),
        BaseStock(level),
        holding_cost=H,
        stockout_cost=P,
        n_periods=5000,
        seed=11,
        keep_trajectory=True,
    )
    cost = res.trajectory["cost"][0, 0]
    batch_means = cost.reshape(20, 250).mean(axis=1)
    se = res.total["total_cost_se"].iloc[0]
    assert se == pytest.approx(batch_means.std(ddof=1) / np.sqrt(20), rel=1e-12)
    assert se == pytest.approx(cost.std(ddof=1) / np.sqrt(cost.size), rel=0.5)
    assert abs(res.total["total_cost"].iloc[0] - expected) < 3 * se


# --------------------------------------------------------------------------- hand cases
DEMAND = [4, 2, 5, 0, 3]
SS_COSTS = {"holding_cost": 1, "stockout_cost": 4, "fixed_cost": 10, "unit_cost": 0.5}


def test_ss_lead_time_1_backorders_by_hand():
    # (s, S) = (2, 6), L = 1, start with 6 on hand; order when IP <= 2.
    # t  IP before order  order  receipt  demand  end net  filled  costs (h, p, K + c q)
    # 0  6                0      0        4       2        4       2
    # 1  2 <= 2           4      0        2       0        2       0 + 10 + 2
    # 2  0 + 4 = 4        0      4        5       -1       4       4 (1 backordered)
    # 3  -1 <= 2          7      0        0       -1       0       4 + 10 + 3.5
    # 4  -1 + 7 = 6       0      7        3       3        3       3 (7 fills the backorder first)
    # holding 5, stockout 8, ordering 20 + 5.5 -> 38.5 / 5 = 7.7 per period
    res = simulate(DEMAND, SS(2, 6), lead_time=1, keep_trajectory=True, **SS_COSTS)
    traj = {k: v[0, 0].tolist() for k, v in res.trajectory.items()}
    assert traj["orders"] == [0, 4, 0, 7, 0]
    assert traj["receipts"] == [0, 0, 4, 0, 7]
    assert traj["on_hand"] == [2, 0, 0, 0, 3]
    assert traj["backorders"] == [0, 0, 1, 1, 0]
    assert traj["filled"] == [4, 2, 4, 0, 3]
    assert traj["cost"] == [2, 12, 4, 17.5, 3]
    row = res.per_item.iloc[0]
    assert row["holding_cost"] * 5 == pytest.approx(5)
    assert row["stockout_cost"] * 5 == pytest.approx(8)
    assert row["ordering_cost"] * 5 == pytest.approx(25.5)
    assert row["total_cost"] == pytest.approx(7.7)
    assert row["n_orders"] == 2
    assert row["fill_rate"] == pytest.approx(13 / 14)  # filled from stock / demand
    assert row["cycle_service_level"] == pytest.approx(3 / 5)  # t = 2, 3 end with backorders
    assert row["avg_backorders"] == pytest.approx(2 / 5)
    # warmup=2 keeps t = 2..4: holding 3, stockout 8, ordering 13.5 -> 24.5 / 3
    warm = simulate(DEMAND, SS(2, 6), lead_time=1, warmup=2, **SS_COSTS).per_item.iloc[0]
    assert warm["total_cost"] == pytest.approx(24.5 / 3)
    assert warm["cycle_service_level"] == pytest.approx(1 / 3)


def test_ss_lead_time_1_lost_sales_by_hand():
    # Same system, unmet demand lost.
    # t  IP   order  receipt  demand  end on-hand  filled  lost  costs
    # 0  6    0      0        4       2            4       0     2
    # 1  2    4      0        2       0            2       0     10 + 2
    # 2  4    0      4        5       0            4       1     4
    # 3  0    6      0        0       0            0       0     10 + 3
    # 4  6    0      6        3       3            3       0     3
    # holding 5, stockout 4, ordering 20 + 5 -> 34 / 5 = 6.8 per period
    res = simulate(DEMAND, SS(2, 6), lead_time=1, lost_sales=True, keep_trajectory=True, **SS_COSTS)
    assert res.trajectory["orders"][0, 0].tolist() == [0, 4, 0, 6, 0]
    assert res.trajectory["lost_sales"][0, 0].tolist() == [0, 0, 1, 0, 0]
    row = res.per_item.iloc[0]
    assert row["total_cost"] == pytest.approx(6.8)
    assert row["stockout_cost"] * 5 == pytest.approx(4)
    assert row["avg_lost_sales"] == pytest.approx(1 / 5)
    assert row["avg_backorders"] == 0
    assert row["fill_rate"] == pytest.approx(13 / 14)
    assert row["cycle_service_level"] == pytest.approx(4 / 5)  # only t = 2 loses a sale


def test_rs_orders_only_at_reviews():
    # R = 3, S = 10, L = 0, start with 10. Reviews at t = 0, 3, 6 (item 0) and, with offset 1,
    # at t = 1, 4 (item 1); both see the same demand 2, 3, 1, 4, 2, 2, 5.
    # item 0: end on-hand 8, 5, 4 | t=3: order 10-4=6, end 10-4=6 | 4, 2 | t=6: order 8, end 5
    # item 1: end on-hand 8 | t=1: order 10-8=2, end 10-3=7 | 6, 2 | t=4: order 8, end 8 | 6, 1
    demand = np.tile([2, 3, 1, 4, 2, 2, 5], (2, 1))
    res = simulate(
        demand,
        RS(review_period=3, level=10, offset=[0, 1]),
        holding_cost=1,
        stockout_cost=2,
        ids=["A", "B"],
        keep_trajectory=True,
    )
    orders = res.trajectory["orders"][0]
    assert orders[0].tolist() == [0, 0, 0, 6, 0, 0, 8]
    assert orders[1].tolist() == [0, 2, 0, 0, 8, 0, 0]
    assert res.trajectory["on_hand"][0, 0].tolist() == [8, 5, 4, 6, 4, 2, 5]
    assert res.trajectory["on_hand"][0, 1].tolist() == [8, 7, 6, 2, 8, 6, 1]
    assert res.per_item["unique_id"].tolist() == ["A", "B"]
    assert res.per_item["n_orders"].tolist() == [2, 2]
    assert res.per_item["avg_on_hand"].tolist() == pytest.approx([34 / 7, 38 / 7])


def test_fill_rate_and_cycle_service_level_base_stock_by_hand():
    # S = 5, L = 0: every period starts with 5 on hand. Demand 3, 7, 5, 6, 0:
    # filled min(D, 5) = 3, 5, 5, 5, 0 -> fill rate 18 / 21; periods ending short: t = 1, 3
    # -> cycle service level 3 / 5; backorders 2 and 1 are charged p = 2 each period they wait.
    res = simulate([3, 7, 5, 6, 0], BaseStock(5), holding_cost=1, stockout_cost=2)
    row = res.per_item.iloc[0]
    assert row["fill_rate"] == pytest.approx(18 / 21)
    assert row["cycle_service_level"] == pytest.approx(3 / 5)
    # end on-hand 2, 0, 0, 0, 5 -> holding 7; backorders 0, 2, 0, 1, 0 -> stockout 6
    assert row["total_cost"] == pytest.approx((7 + 6) / 5)
    assert res.total["fill_rate"].iloc[0] == pytest.approx(18 / 21)


# --------------------------------------------------------------------------- callables, oracles
def test_callable_reproducing_base_stock_gives_identical_results():
    rng = np.random.default_rng(5)
    demand = rng.poisson([[4.0], [9.0], [1.5]], size=(20, 3, 60)).astype(float)
    levels, lead = np.array([9.0, 30.0, 5.0]), [0, 2, 1]
    seen = []

    def policy(t: int, state: PolicyState) -> np.ndarray:
        seen.append(state)
        return np.maximum(levels - state.inventory_position, 0)

    kwargs = {"lead_time": lead, "holding_cost": 1, "stockout_cost": 3, "keep_trajectory": True}
    ref = simulate(demand, BaseStock(levels), **kwargs)
    got = simulate(demand, policy, initial_on_hand=levels, **kwargs)
    pd.testing.assert_frame_equal(got.per_item, ref.per_item)
    for key in ref.trajectory:
        np.testing.assert_array_equal(got.trajectory[key], ref.trajectory[key])
    state = seen[10]
    assert state.period == 10 and state.pipeline.shape == (20, 3, 2)
    assert not state.pipeline[:, 0].any()  # lead time 0: nothing in transit
    ip = state.on_hand - state.backlog + state.pipeline.sum(axis=-1)
    np.testing.assert_allclose(state.inventory_position, ip)
    with pytest.raises(ValueError, match="read-only"):
        state.on_hand[0, 0] = 1.0


def test_items_are_independent_vectorized_matches_one_by_one():
    # Oracle: three items simulated together equal each item simulated alone.
    rng = np.random.default_rng(9)
    demand = rng.gamma(2.0, 3.0, size=(5, 3, 40))
    s, big_s, lead = np.array([4.0, 10.0, 0.0]), np.array([12.0, 25.0, 6.0]), [1, 3, 0]
    costs = {"holding_cost": [1, 2, 0.5], "stockout_cost": [5, 3, 9], "fixed_cost": [3, 0, 1]}
    joint = simulate(demand, SS(s, big_s), lead_time=lead, lost_sales=True, **costs)
    for i in range(3):
        alone = simulate(
            demand[:, [i]],
            SS(s[i], big_s[i]),
            lead_time=lead[i],
            lost_sales=True,
            ids=[i],
            **{k: v[i] for k, v in costs.items()},
        )
        pd.testing.assert_frame_equal(
            alone.per_item, joint.per_item.iloc[[i]].reset_index(drop=True)
        )


@settings(max_examples=40, deadline=None)
@given(
    demand=st.lists(st.integers(0, 9), min_size=4, max_size=25),
    s=st.integers(0, 10),
    gap=st.integers(0, 10),
    lead=st.integers(0, 3),
    lost=st.booleans(),
)
def test_inventory_balance(demand, s, gap, lead, lost):
    # Property: stock is conserved. End net inventory = start + receipts - demand + lost,
    # every order arrives L periods later, and at most the demand is filled.
    res = simulate(
        demand,
        SS(s, s + gap),
        lead_time=lead,
        lost_sales=lost,
        holding_cost=1,
        stockout_cost=1,
        keep_trajectory=True,
    )
    tr = {k: v[0, 0] for k, v in res.trajectory.items()}
    net = tr["on_hand"] - tr["backorders"]
    expected = s + gap + np.cumsum(tr["receipts"] - tr["demand"] + tr["lost_sales"])
    np.testing.assert_allclose(net, expected)
    np.testing.assert_array_equal(tr["receipts"][lead:], tr["orders"][: len(demand) - lead])
    assert (tr["orders"] >= 0).all() and (tr["filled"] <= tr["demand"]).all()
    assert (tr["on_hand"] * tr["backorders"] == 0).all()
    assert not lost or not tr["backorders"].any()


def test_same_seed_same_output_and_series_parameters_align_on_ids():
    dist = stats.poisson([3.0, 8.0])
    kwargs = {"stockout_cost": 4, "n_periods": 50}
    a = simulate(dist, BaseStock([5, 12]), holding_cost=[1, 2], seed=1, **kwargs)
    # parameters given as Series are matched to item ids (0, 1), not by position
    series = {"holding_cost": pd.Series({1: 2.0, 0: 1.0}), "seed": 1}
    b = simulate(dist, BaseStock(pd.Series({1: 12, 0: 5})), **series, **kwargs)
    pd.testing.assert_frame_equal(a.per_item, b.per_item)
    c = simulate(dist, BaseStock([5, 12]), holding_cost=[1, 2], seed=2, **kwargs)
    assert not np.allclose(a.per_item["demand"], c.per_item["demand"])


# --------------------------------------------------------------------------- frames
def _frame() -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=4, freq="D")
    rows = {"unique_id": ["B"] * 4 + ["A"] * 4, "ds": list(ds) * 2, "y": [1, 2, 3, 4, 5, 0, 5, 0]}
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # shuffled rows


def test_long_frame_is_pivoted_by_id_and_date():
    frame = _frame()
    before = frame.copy()
    res = simulate(frame, BaseStock([5, 4]), holding_cost=1, stockout_cost=2, keep_trajectory=True)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert res.per_item["unique_id"].tolist() == ["A", "B"]
    np.testing.assert_array_equal(res.trajectory["demand"][0], [[5, 0, 5, 0], [1, 2, 3, 4]])
    # A: S = 5 -> end on-hand 0, 5, 0, 5; B: S = 4 -> 3, 2, 1, 0
    assert res.per_item["avg_on_hand"].tolist() == pytest.approx([2.5, 1.5])
    renamed = frame.rename(columns={"unique_id": "sku", "ds": "week", "y": "units"})
    res2 = simulate(
        renamed,
        BaseStock([5, 4]),
        holding_cost=1,
        stockout_cost=2,
        id_col="sku",
        time_col="week",
        target_col="units",
    )
    assert res2.per_item.columns[0] == "sku"
    np.testing.assert_array_equal(res2.per_item.iloc[:, 1:], res.per_item.iloc[:, 1:])


def test_long_frame_of_sample_paths_matches_array():
    rng = np.random.default_rng(4)
    cube = rng.poisson(5.0, size=(3, 2, 6)).astype(float)
    path, item, period = np.meshgrid(range(3), range(2), range(6), indexing="ij")
    frame = pd.DataFrame(
        {
            "sample": path.ravel(),
            "unique_id": np.array(["X", "Y"])[item.ravel()],
            "ds": pd.Timestamp("2024-01-01") + pd.to_timedelta(period.ravel(), unit="D"),
            "demand": cube.ravel(),
        }
    ).iloc[::-1]
    kwargs = {"holding_cost": 1, "stockout_cost": 3}
    got = simulate(frame, BaseStock(7), sample_col="sample", target_col="demand", **kwargs)
    ref = simulate(cube, BaseStock(7), ids=["X", "Y"], **kwargs)
    pd.testing.assert_frame_equal(got.per_item, ref.per_item)
    assert got.n_paths == 3


# --------------------------------------------------------------------------- errors
def _bad_frame(kind: str) -> pd.DataFrame:
    frame = _frame().reset_index(drop=True)
    first = (frame["unique_id"] == "B") & (frame["ds"] == "2024-01-03")
    if kind == "nan":
        frame["y"] = frame["y"].astype(float).mask(first)
    elif kind == "negative":
        frame["y"] = frame["y"].mask(first, -2)
    elif kind == "missing":
        frame = frame[~first]
    elif kind == "duplicate":
        frame = pd.concat([frame, frame[first]])
    return frame


@pytest.mark.parametrize(
    ("kind", "match"),
    [
        ("nan", r"1 missing values in series \['B'\] at dates \['2024-01-03'\]"),
        ("negative", r"1 negative values in series \['B'\] at dates \['2024-01-03'\]"),
        ("missing", r"no row for 1 \(series, date\) pairs, in series \['B'\].*2024-01-03"),
        ("duplicate", r"1 duplicated \['unique_id', 'ds'\] rows, in series \['B'\]"),
    ],
)
def test_bad_frames_name_series_and_dates(kind, match):
    with pytest.raises(DataValidationError, match=match):
        simulate(_bad_frame(kind), BaseStock(5), holding_cost=1, stockout_cost=1)


def _policy_returning(value):
    return lambda t, state: value if t == 2 else np.zeros(state.on_hand.shape[1])


ERRORS = [
    ({"holding_cost": -1}, "holding_cost must be finite and >= 0"),
    ({"stockout_cost": [1, -2, 1]}, re.escape("stockout_cost must be finite and >= 0; items ['SKU-2'] have [-2.0]")),
    ({"fixed_cost": [1, 2]}, re.escape("fixed_cost has shape (2,) but there are 3 items")),
    ({"lead_time": -1}, "lead_time must be an integer >= 0"),
    ({"lead_time": [0, 1.5, 0]}, re.escape("lead_time must be an integer >= 0 (in periods); items ['SKU-2'] have [1.5]")),
    ({"policy": BaseStock([1, 2])}, re.escape("BaseStock.level has shape (2,) but there are 3")),
    ({"policy": SS([1, 9, 1], 5)}, re.escape("s > S for 1 items ['SKU-2']")),
    ({"policy": RS(0, 5)}, "RS.review_period must be an integer >= 1"),
    ({"policy": BaseStock(pd.Series({"SKU-1": 1}))}, re.escape("lacks items ['SKU-2', 'SKU-3']")),
    ({"policy": _policy_returning(np.array([1.0, -1.0, 0.0]))}, re.escape("in period 2 for items ['SKU-2']")),
    ({"policy": _policy_returning(np.ones(4))}, re.escape("orders of shape (4,) in period 2")),
    ({"policy": "base-stock"}, "policy must be BaseStock, SS, RS or a callable"),
    ({"warmup": 6}, re.escape("warmup must be an integer in [0, 6)")),
    ({"initial_on_hand": -3}, "initial_on_hand must be finite and >= 0"),
    ({"ids": ["a", "a", "b"]}, "ids must be 3 unique ids"),
    ({"demand": np.ones((0, 6))}, re.escape("demand has shape (0, 6)")),
    ({"n_periods": 10}, re.escape("['n_periods'] are only used when demand is a scipy distribution")),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "match"), ERRORS)
def test_errors(kwargs, match):
    args = {
        "demand": np.full((3, 6), 2.0),
        "policy": BaseStock(4),
        "holding_cost": 1,
        "stockout_cost": 2,
        "ids": ["SKU-1", "SKU-2", "SKU-3"],
    } | kwargs
    with pytest.raises(DataValidationError, match=match):
        simulate(args.pop("demand"), args.pop("policy"), **args)


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_array_demand_names_item_and_period(bad):
    demand = np.ones((2, 3, 5))
    demand[1, 1, 3] = bad
    with pytest.raises(DataValidationError, match=re.escape("[('SKU-017', 3)], paths [1]")):
        simulate(
            demand, BaseStock(2), holding_cost=1, stockout_cost=1, ids=["SKU-001", "SKU-017", "x"]
        )


def test_distribution_needs_n_periods_and_frames_take_no_ids():
    with pytest.raises(DataValidationError, match="pass n_periods="):
        simulate(stats.poisson(3), BaseStock(4), holding_cost=1, stockout_cost=1)
    with pytest.raises(DataValidationError, match="drop ids="):
        simulate(_frame(), BaseStock(4), holding_cost=1, stockout_cost=1, ids=["A", "B"])
    with pytest.raises(DataValidationError, match=r"lacks columns \['y'\]"):
        simulate(_frame().drop(columns="y"), BaseStock(4), holding_cost=1, stockout_cost=1)


def test_negative_draws_are_clipped_with_a_warning():
    with pytest.warns(DataWarning, match="were negative and were set to 0"):
        res = simulate(
            stats.norm(0.0, 1.0),
            BaseStock(1),
            holding_cost=1,
            stockout_cost=1,
            n_periods=100,
            seed=0,
            keep_trajectory=True,
        )
    demand = res.trajectory["demand"]
    assert demand.min() == 0.0 and 0.3 < (demand == 0).mean() < 0.7
