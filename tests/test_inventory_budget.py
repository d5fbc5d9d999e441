"""Budget-constrained multi-item newsvendor (Hadley & Whitin 1963; Lau & Lau 1996)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory.budget import budget_newsvendor
from forecastkit.inventory.newsvendor import newsvendor_dist, newsvendor_normal


def _normal_leftover(q, mean, sd):
    # E[(q - D)+] for D ~ N(mean, sd^2): sd * (z Phi(z) + phi(z)), z = (q - mean) / sd.
    z = (q - mean) / sd
    return sd * (z * stats.norm.cdf(z) + stats.norm.pdf(z))


def _marginal_profit(price, cost, salvage, dist, q):
    # d/dq [(r - c) q - (r - v) E[(q - D)+]] = (r - c) - (r - v) F(q)
    return (price - cost) - (price - salvage) * dist.cdf(q)


def test_identical_items_split_the_budget_by_hand():
    # Two items, r = 10, c = 4, v = 1, D ~ N(100, 20). Unconstrained each orders
    # F^-1(6 / 9) = 108.6 (cost 434.5 each); a budget of 600 buys 75 of each.
    # KKT: F(75) = (10 - 4 (1 + lambda)) / 9 with F(75) = Phi(-1.25) = 0.105650
    # -> lambda = (10 - 9 * 0.105650) / 4 - 1 = 1.26229.
    dist = stats.norm(100, 20)
    q, profit, lam = budget_newsvendor(10, 4, 1, [dist, dist], 600)
    np.testing.assert_allclose(q, [75.0, 75.0], rtol=1e-9)
    assert lam == pytest.approx((10 - 9 * stats.norm.cdf(-1.25)) / 4 - 1, rel=1e-9)
    assert lam == pytest.approx(1.26229, abs=5e-6)
    # profit = (r - c) q - (r - v) E[(q - D)+] = 6 * 75 - 9 * 20 * (z Phi(z) + phi(z)), z = -1.25
    np.testing.assert_allclose(profit, 6 * 75 - 9 * _normal_leftover(75, 100, 20), rtol=1e-12)


def test_loose_budget_gives_independent_newsvendors():
    # A newsvendor with price r, cost c, salvage v has h = c - v and p = r - c, and its
    # expected profit is (r - c) E[D] - g(S*) (g: the expected holding + stockout cost).
    price, cost, salvage = np.array([10.0, 8.0]), np.array([4.0, 5.0]), np.array([1.0, 2.0])
    dists = [stats.norm(100, 20), stats.gamma(a=4, scale=10)]
    q, profit, lam = budget_newsvendor(price, cost, salvage, dists, 1e6)
    assert lam == 0.0
    S0, g0 = newsvendor_normal(3.0, 6.0, 100, 20)
    S1, g1 = newsvendor_dist(3.0, 3.0, dists[1])
    np.testing.assert_allclose(q, [S0, S1], rtol=1e-12)
    np.testing.assert_allclose(profit, [6 * 100 - g0, 3 * 40 - g1], rtol=1e-9)


def test_budget_just_above_unconstrained_spend_does_not_bind():
    dist = stats.norm(100, 20)
    S, _ = newsvendor_normal(3.0, 6.0, 100, 20)
    q, _, lam = budget_newsvendor(10, 4, 1, [dist], 4 * S * (1 + 1e-9))
    assert lam == 0.0
    assert q[0] == pytest.approx(S, rel=1e-12)


MIXED_ITEMS = {
    "price": np.array([10.0, 8.0, 30.0, 5.0, 12.0, 5.0]),
    "cost": np.array([4.0, 5.0, 12.0, 2.0, 6.0, 4.9]),
    "salvage": np.array([1.0, 2.0, 0.0, -0.5, 3.0, 1.0]),
    "demand_dists": [
        stats.norm(100, 20),
        stats.gamma(a=4, scale=10),
        stats.lognorm(0.6, scale=25),
        stats.uniform(5, 40),
        stats.weibull_min(1.5, scale=30),
        stats.norm(50, 10),  # margin 2 %: priced out once lambda > 5 / 4.9 - 1
    ],
}


def test_kkt_conditions_hold_at_the_answer():
    budget = 700.0
    q, profit, lam = budget_newsvendor(**MIXED_ITEMS, budget=budget)
    price, cost, salvage = MIXED_ITEMS["price"], MIXED_ITEMS["cost"], MIXED_ITEMS["salvage"]
    assert lam > 5 / 4.9 - 1
    assert cost @ q == pytest.approx(budget, rel=1e-10)  # the budget binds
    for i, dist in enumerate(MIXED_ITEMS["demand_dists"]):
        if q[i] > 0:  # stationarity: marginal expected profit per unit of money = lambda
            assert _marginal_profit(price[i], cost[i], salvage[i], dist, q[i]) / cost[i] == (
                pytest.approx(lam, abs=1e-8)
            )
        else:  # complementary slackness: the first unit is not worth lambda
            assert _marginal_profit(price[i], cost[i], salvage[i], dist, 0.0) / cost[i] <= lam
    # lambda = 0.692 prices out item 1 (its first unit is worth (8 - 5) / 5 = 0.6 per unit of
    # money, gamma demand having F(0) = 0) and item 5 (about 0.1 / 4.9 = 0.02); the rest order.
    assert lam == pytest.approx(0.692, abs=1e-3)
    assert q[1] == 0.0 and q[5] == 0.0
    assert (q[[0, 2, 3, 4]] > 0).all()


def test_profit_matches_scipy_expect_per_item():
    q, profit, _ = budget_newsvendor(**MIXED_ITEMS, budget=700.0)
    price, cost, salvage = MIXED_ITEMS["price"], MIXED_ITEMS["cost"], MIXED_ITEMS["salvage"]
    for i, dist in enumerate(MIXED_ITEMS["demand_dists"]):
        # r E[min(q, D)] + v E[(q - D)+] - c q, integrated by scipy's own expect.
        sales = q[i] - dist.expect(lambda d, qi=q[i]: qi - d, ub=q[i]) if q[i] > 0 else 0.0
        leftover = q[i] - sales
        expected = price[i] * sales + salvage[i] * leftover - cost[i] * q[i]
        if i == 5:  # N(50, 10) at q = 0: sales = -E[(-D)+], negligible (P(D < 0) = 3e-7)
            expected = -(price[i] - salvage[i]) * _normal_leftover(0.0, 50, 10)
        assert profit[i] == pytest.approx(expected, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(
    "dist",
    [
        stats.gamma(4, 5, 10),  # a, loc, scale positional
        stats.gamma(a=0.4, scale=30),  # shape < 1: density unbounded at 0
        stats.lognorm(0.8, 10, 20),
        stats.lognorm(s=0.1, loc=-5, scale=60),
        stats.norm(loc=40, scale=15),
        stats.weibull_min(2.0, scale=40),  # no closed form: quadrature
    ],
)
@pytest.mark.parametrize("budget", [15.0, 60.0, 1e4])
def test_single_item_profit_matches_scipy_expect(dist, budget):
    # One item: q = min(F^-1((r - c) / (r - v)), budget / c); expected profit
    # r E[min(q, D)] + v E[(q - D)+] - c q with E[(q - D)+] from scipy's expect.
    price, cost, salvage = 10.0, 4.0, 1.0
    (q,), (profit,), _ = budget_newsvendor(price, cost, salvage, [dist], budget)
    assert q == pytest.approx(min(dist.ppf(6 / 9), budget / cost), rel=1e-9)
    leftover = dist.expect(lambda d: q - d, ub=q) if q > dist.support()[0] else 0.0
    if dist.dist.name == "norm":
        leftover = _normal_leftover(q, 40, 15)
    expected = price * (q - leftover) + salvage * leftover - cost * q
    assert profit == pytest.approx(expected, rel=1e-8)


def _profit_curve(price, cost, salvage, dist, grid):
    # Expected profit on a grid, by an independent method: E[(q - D)+] = int_0^q F(x) dx,
    # cumulative trapezoid on a fine grid (demand here is >= 0).
    fine = np.linspace(0.0, grid[-1], 200_001)
    leftover = integrate.cumulative_trapezoid(dist.cdf(fine), fine, initial=0.0)
    return (price - cost) * grid - (price - salvage) * np.interp(grid, fine, leftover)


def test_no_feasible_grid_point_beats_the_answer():
    price, cost, salvage = np.array([12.0, 9.0]), np.array([5.0, 3.0]), np.array([2.0, 0.5])
    dists = [stats.gamma(a=3, scale=20), stats.lognorm(0.5, scale=40)]
    budget = 400.0
    q, profit, lam = budget_newsvendor(price, cost, salvage, dists, budget)
    assert lam > 0
    g0 = np.linspace(0.0, budget / cost[0], 801)
    g1 = np.linspace(0.0, budget / cost[1], 801)
    p0 = _profit_curve(price[0], cost[0], salvage[0], dists[0], g0)
    p1 = _profit_curve(price[1], cost[1], salvage[1], dists[1], g1)
    total = p0[:, None] + p1[None, :]
    feasible = cost[0] * g0[:, None] + cost[1] * g1[None, :] <= budget
    best_grid = total[feasible].max()
    answer = sum(
        _profit_curve(price[i], cost[i], salvage[i], dists[i], np.array([0.0, q[i]]))[1]
        for i in range(2)
    )
    assert answer == pytest.approx(profit.sum(), rel=1e-7)  # both evaluators agree
    assert best_grid <= answer + 1e-9
    assert best_grid == pytest.approx(answer, rel=1e-4)  # and the grid gets close


def test_multiplier_is_the_value_of_one_more_unit_of_budget():
    # Envelope theorem: d(total expected profit) / d(budget) = lambda.
    _, profit, lam = budget_newsvendor(**MIXED_ITEMS, budget=700.0)
    _, profit_up, _ = budget_newsvendor(**MIXED_ITEMS, budget=701.0)
    _, profit_down, _ = budget_newsvendor(**MIXED_ITEMS, budget=699.0)
    assert (profit_up.sum() - profit_down.sum()) / 2.0 == pytest.approx(lam, rel=1e-4)


def test_budget_inside_the_flat_cdf_below_the_support():
    # D ~ U(10, 20): the first 10 units always sell, marginal profit r - c = 6 per unit.
    # A budget of 20 buys q = 5 < 10, profit 6 * 5 = 30, and the unit of money is worth
    # (r - c) / c = 1.5.
    q, profit, lam = budget_newsvendor(10, 4, 1, [stats.uniform(10, 10)], 20)
    assert q[0] == pytest.approx(5.0, rel=1e-9)
    assert profit[0] == pytest.approx(30.0, rel=1e-9)
    assert lam == pytest.approx(1.5, rel=1e-9)


def test_zero_budget_orders_nothing():
    # Gamma demand has F(0) = 0, so an item is priced out once lambda >= r / c - 1;
    # the smallest multiplier that prices out both is max(10 / 4, 8 / 5) - 1 = 1.5.
    dists = [stats.gamma(a=4, scale=10), stats.gamma(a=2, scale=30)]
    q, profit, lam = budget_newsvendor([10, 8], [4, 5], [1, 2], dists, 0.0)
    assert q.tolist() == [0.0, 0.0]
    assert profit.tolist() == [0.0, 0.0]
    assert lam == pytest.approx(1.5, rel=1e-9)


@pytest.mark.parametrize("budget", [5e-324, 1e-300, 1e-9])
def test_tiny_budgets_stay_feasible(budget):
    # Regression: a subnormal budget once looped forever while shaving round-off.
    dists = [stats.gamma(a=1.0, scale=300.0), stats.gamma(a=0.25, scale=8.0)]
    price, cost = np.array([77.5, 4.0]), np.array([41.0, 2.0])
    q, profit, lam = budget_newsvendor(price, cost, 0.0, dists, budget)
    assert (q >= 0).all()
    assert cost @ q <= budget
    # Gamma demand has F(0) = 0, so lambda is at most max(r / c) - 1 = 1; item 1 has the
    # steep CDF (F(q) ~ q^0.25) and gets the money: its marginal profit per unit is lambda.
    assert 0.99 < lam <= 1.0
    assert _marginal_profit(4.0, 2.0, 0.0, dists[1], q[1]) / 2.0 == pytest.approx(lam, abs=1e-9)
    assert profit[0] == 0.0 and q[0] == 0.0


class _CustomNormal(stats.rv_continuous):
    """A user-defined N(0, 1) family: not a scipy built-in, so it is never stacked."""

    def _cdf(self, x):
        return special.ndtr(x)

    def _ppf(self, q):
        return special.ndtri(q)


def test_stacked_and_unstacked_items_agree_and_order_does_not_matter():
    rng = np.random.default_rng(5)
    n = 12
    price = rng.uniform(8, 15, n)
    cost = rng.uniform(2, 7, n)
    salvage = cost * rng.uniform(0, 0.5, n)
    mean, sd = rng.uniform(50, 150, n), rng.uniform(5, 30, n)
    # Built-in normals, half with positional and half with keyword parameters.
    stacked = [
        stats.norm(m, s) if i % 2 else stats.norm(loc=m, scale=s)
        for i, (m, s) in enumerate(zip(mean, sd, strict=True))
    ]
    custom = [_CustomNormal()(loc=m, scale=s) for m, s in zip(mean, sd, strict=True)]
    budget = 0.5 * float(cost @ mean)
    q, profit, lam = budget_newsvendor(price, cost, salvage, stacked, budget)
    q_c, profit_c, lam_c = budget_newsvendor(price, cost, salvage, custom, budget)
    np.testing.assert_allclose(q_c, q, rtol=1e-9)
    np.testing.assert_allclose(profit_c, profit, rtol=1e-7, atol=1e-9)
    assert lam_c == pytest.approx(lam, rel=1e-9)
    perm = rng.permutation(n)
    q_p, profit_p, lam_p = budget_newsvendor(
        price[perm], cost[perm], salvage[perm], [stacked[i] for i in perm], budget
    )
    np.testing.assert_allclose(q_p, q[perm], rtol=1e-9)
    np.testing.assert_allclose(profit_p, profit[perm], rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.floats(1.1, 3.0),  # price / cost
            st.floats(1.0, 20.0),  # cost
            st.floats(0.0, 0.9),  # salvage / cost
            st.floats(10.0, 200.0),  # mean demand
            st.floats(0.1, 0.6),  # coefficient of variation
        ),
        min_size=1,
        max_size=5,
    ),
    share=st.floats(0.0, 1.5),
)
def test_spend_respects_budget_and_kkt(data, share):
    markup, cost, salvage_share, mean, cv = (np.array(col) for col in zip(*data, strict=True))
    price, salvage = markup * cost, salvage_share * cost
    dists = [stats.gamma(a=1 / c**2, scale=m * c**2) for m, c in zip(mean, cv, strict=True)]
    budget = share * float(cost @ mean)
    q, profit, lam = budget_newsvendor(price, cost, salvage, dists, budget)
    assert (q >= 0).all()
    assert cost @ q <= budget * (1 + 1e-12) + 1e-12
    if lam > 0:
        assert cost @ q == pytest.approx(budget, rel=1e-9, abs=1e-9)
    for i, dist in enumerate(dists):
        ratio = _marginal_profit(price[i], cost[i], salvage[i], dist, q[i]) / cost[i]
        if q[i] > 0:
            assert ratio == pytest.approx(lam, abs=1e-7)
        else:
            assert ratio <= lam + 1e-9


GOOD = {
    "price": [10.0, 8.0],
    "cost": [4.0, 5.0],
    "salvage": [1.0, 2.0],
    "demand_dists": [stats.norm(100, 20), stats.gamma(a=4, scale=10)],
    "budget": 500.0,
}


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"budget": -1.0}, "budget must be finite and >= 0, got -1.0"),
        ({"budget": np.nan}, "budget must be finite"),
        ({"price": [10.0, 5.0]}, r"price must be > cost, but it is not for 1 item \[1\]"),
        ({"price": [4.0, 8.0]}, r"price must be > cost.*\[0\]"),
        ({"salvage": [1.0, 6.0]}, r"salvage must be < cost.*\[1\]"),
        ({"cost": [0.0, 5.0]}, r"cost must be > 0.*\[0\]"),
        ({"cost": [4.0, 5.0, 6.0]}, r"cost has shape \(3,\) but demand_dists has 2 items"),
        ({"salvage": [[1.0, 2.0]]}, r"salvage has shape \(1, 2\)"),
        ({"price": [10.0, np.inf]}, r"price is NaN or infinite for 1 item \[1\]"),
        ({"demand_dists": []}, "demand_dists is empty"),
        ({"demand_dists": stats.norm(100, 20)}, "list of frozen"),
        ({"demand_dists": 3}, "list of frozen"),
        ({"price": [4.0, 5.0]}, r"price must be > cost, but it is not for 2 items \[0, 1\]"),
        (
            {"demand_dists": [stats.norm(100, 20), stats.poisson(40)]},
            r"demand_dists\[1\].*discrete",
        ),
        (
            {"demand_dists": [stats.norm(100, 20), stats.norm]},
            r"demand_dists\[1\] must be a frozen",
        ),
        ({"demand_dists": [stats.cauchy(100, 20), stats.norm(9, 1)]}, "no finite mean"),
    ],
)
def test_rejects_bad_input(override, match):
    with pytest.raises(DataValidationError, match=match):
        budget_newsvendor(**(GOOD | override))
