"""Newsvendor formulas against Snyder & Shen, Fundamentals of Supply Chain Theory (2019)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory import critical_ratio, newsvendor_normal, newsvendor_poisson
from forecastkit.inventory.newsvendor import (
    critical_fractile,
    expected_outcomes,
    newsvendor_dist,
    newsvendor_samples,
)


def test_normal_example_4_3():
    # Snyder & Shen, Example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8^2)
    # -> S* = 56.6040, g(S*) = 1.99761.
    S, cost = newsvendor_normal(0.18, 0.70, 50, 8)
    assert S == pytest.approx(56.6040, abs=5e-5)
    assert cost == pytest.approx(1.99761, abs=5e-6)


def test_normal_lead_time_scales_mean_and_sd():
    # Lead time L: demand over L + 1 periods is N(3 * 50, 3 * 8^2) for L = 2.
    S, cost = newsvendor_normal(0.18, 0.70, 50, 8, lead_time=2)
    z = stats.norm.ppf(0.70 / 0.88)
    assert S == pytest.approx(150 + 8 * np.sqrt(3) * z)
    assert cost == pytest.approx(0.88 * 8 * np.sqrt(3) * stats.norm.pdf(z))


def test_normal_cost_is_minimum_of_simulated_cost_curve():
    # The closed form must agree with a brute-force evaluation of
    # g(S) = h E[(S-D)+] + p E[(D-S)+] by numerical integration.
    h, p, mu, sd = 1.0, 3.0, 20.0, 5.0
    grid = np.linspace(mu - 4 * sd, mu + 4 * sd, 4001)
    d = np.linspace(mu - 10 * sd, mu + 10 * sd, 20001)
    w = stats.norm.pdf(d, mu, sd) * (d[1] - d[0])
    # sum_d (h (s-d)+ + p (d-s)+) w(d) for every s at once, from prefix sums of w and d * w.
    below = np.searchsorted(d, grid, side="right")
    mass = np.concatenate([[0.0], np.cumsum(w)])[below]
    moment = np.concatenate([[0.0], np.cumsum(d * w)])[below]
    costs = h * (grid * mass - moment) + p * ((d @ w - moment) - grid * (w.sum() - mass))
    best = int(np.argmin(costs))
    S, cost = newsvendor_normal(h, p, mu, sd)
    assert S == pytest.approx(grid[best], abs=0.05)
    assert cost == pytest.approx(costs[best], rel=1e-4)


def test_normal_broadcasts_over_arrays():
    S, cost = newsvendor_normal(0.18, 0.70, np.array([50.0, 10.0]), np.array([8.0, 0.0]))
    assert S.shape == (2,)
    assert S[0] == pytest.approx(56.6040, abs=5e-5)
    # zero variance: order exactly the mean, no expected cost
    assert S[1] == pytest.approx(10.0)
    assert cost[1] == pytest.approx(0.0)


def test_poisson_example_4_7():
    # Snyder & Shen, Example 4.7: h = 1, p = 4, D ~ Poisson(6) -> S* = 8, g(S*) = 3.57011.
    S, cost = newsvendor_poisson(1, 4, 6)
    assert S == 8
    assert cost == pytest.approx(3.57011, abs=5e-6)


def test_poisson_cost_matches_direct_sum_and_is_minimal():
    h, p, lam = 0.5, 2.0, 3.3
    d = np.arange(0, 200)
    pmf = stats.poisson.pmf(d, lam)

    def g(s):
        return pmf @ (h * np.clip(s - d, 0, None) + p * np.clip(d - s, 0, None))

    S, cost = newsvendor_poisson(h, p, lam)
    assert cost == pytest.approx(g(S), rel=1e-10)
    assert g(S) <= g(S - 1) and g(S) <= g(S + 1)


def test_poisson_zero_mean_orders_nothing():
    S, cost = newsvendor_poisson(1, 4, np.array([0.0, 6.0]))
    assert S.tolist() == [0, 8]
    assert cost[0] == pytest.approx(0.0)


def test_critical_ratio():
    assert critical_ratio(1, 3) == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"holding_cost": 0}, "holding_cost"),
        ({"stockout_cost": -1}, "stockout_cost"),
        ({"mean": -5}, "mean demand"),
        ({"sd": np.nan}, "sd of demand"),
        ({"lead_time": -1}, "lead_time"),
    ],
)
def test_normal_rejects_bad_input(kwargs, match):
    args = {"holding_cost": 1, "stockout_cost": 2, "mean": 10, "sd": 2} | kwargs
    with pytest.raises(DataValidationError, match=match):
        newsvendor_normal(**args)


@settings(max_examples=50, deadline=None)
@given(
    h=st.floats(0.01, 10),
    p=st.floats(0.01, 10),
    mu=st.floats(0, 1000),
    sd=st.floats(0, 100),
)
def test_normal_service_level_is_critical_ratio(h, p, mu, sd):
    # Property: P(D <= S*) equals the critical ratio whenever sd > 0.
    S, _ = newsvendor_normal(h, p, mu, sd)
    if sd > 1e-2:
        assert stats.norm.cdf(S, mu, sd) == pytest.approx(p / (p + h), abs=1e-6)
    else:
        assert S == pytest.approx(mu, abs=0.05)


# --- critical_fractile, newsvendor_dist, newsvendor_samples, expected_outcomes ---


def test_critical_fractile_hand_values():
    # c_u = price - cost + shortage = 10 - 4 + 2 = 8, c_o = cost - salvage = 4 - 1 = 3
    # -> 8 / (8 + 3) = 8 / 11.
    assert critical_fractile(10, 4, salvage_value=1, shortage_cost=2) == pytest.approx(8 / 11)
    # No salvage, no goodwill: (10 - 4) / 10.
    assert critical_fractile(10, 4) == pytest.approx(0.6)
    # Selling at cost with no goodwill: nothing to gain from stocking.
    assert critical_fractile(4, 4, salvage_value=1) == 0.0


def test_critical_fractile_is_critical_ratio_of_derived_costs():
    # h = c - v, p = r - c + B (Snyder & Shen eq. 4.16 with explicit revenue).
    price = np.array([10.0, 25.0, 3.0])
    cost = np.array([4.0, 20.0, 1.0])
    salvage = np.array([1.0, -2.0, 0.5])
    shortage = np.array([0.0, 5.0, 1.5])
    got = critical_fractile(price, cost, salvage, shortage)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, critical_ratio(cost - salvage, price - cost + shortage))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"price": 3}, "price must be >= cost"),
        ({"salvage_value": 4}, "salvage_value must be < cost"),
        ({"shortage_cost": -1}, "shortage_cost must be >= 0"),
        ({"price": np.nan}, "price must be finite"),
        ({"cost": np.inf}, "cost must be finite"),
        ({"price": [10, 3, 12]}, r"price must be >= cost at positions \[1\]"),
        ({"price": [10, 11], "cost": [4, 4, 4]}, "do not broadcast"),
    ],
)
def test_critical_fractile_rejects_bad_economics(kwargs, match):
    args = {"price": 10, "cost": 4, "salvage_value": 1, "shortage_cost": 0} | kwargs
    with pytest.raises(DataValidationError, match=match):
        critical_fractile(**args)


def test_dist_reproduces_example_4_3():
    # Snyder & Shen, Example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8^2)
    # -> S* = 56.6040, g(S*) = 1.99761; the cost here comes from quadrature.
    S, cost = newsvendor_dist(0.18, 0.70, stats.norm(50, 8))
    assert S == pytest.approx(56.6040, abs=5e-5)
    assert cost == pytest.approx(1.99761, abs=5e-6)


def test_dist_reproduces_example_4_7():
    # Snyder & Shen, Example 4.7: h = 1, p = 4, D ~ Poisson(6) -> S* = 8, g(S*) = 3.57011.
    S, cost = newsvendor_dist(1, 4, stats.poisson(6))
    assert S == 8 and isinstance(S, int)
    assert cost == pytest.approx(3.57011, abs=5e-6)


@pytest.mark.parametrize(
    ("h", "p", "mean", "sd"),
    [
        (1.0, 3.0, 20.0, 5.0),
        (2.0, 0.01, 100.0, 30.0),
        (1.0, 4000.0, 0.0, 1.0),
        (1.0, 4.0, 1e6, 1e3),
    ],
)
def test_dist_matches_normal_closed_form(h, p, mean, sd):
    S, cost = newsvendor_dist(h, p, stats.norm(mean, sd))
    S_ref, cost_ref = newsvendor_normal(h, p, mean, sd)
    assert S == pytest.approx(S_ref, rel=1e-12)
    assert cost == pytest.approx(cost_ref, rel=1e-9)


@pytest.mark.parametrize(("h", "p", "lam"), [(1, 4, 0.5), (0.5, 2.0, 3.3), (3, 1, 40.0)])
def test_dist_matches_poisson_closed_form(h, p, lam):
    S, cost = newsvendor_dist(h, p, stats.poisson(lam))
    S_ref, cost_ref = newsvendor_poisson(h, p, lam)
    assert S == S_ref
    assert cost == pytest.approx(cost_ref, rel=1e-12)


def test_dist_uniform_by_hand():
    # D ~ U(10, 20), h = 1, p = 4: F(S) = 0.8 -> S = 18;
    # E[(S-D)+] = 8^2 / (2 * 10) = 3.2, E[(D-S)+] = 2^2 / 20 = 0.2 -> g = 3.2 + 4 * 0.2 = 4.
    S, cost = newsvendor_dist(1, 4, stats.uniform(10, 10))
    assert S == pytest.approx(18.0)
    assert cost == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize(("b", "p"), [(2.5, 4.0), (1.2, 4.0), (1.2, 4000.0)])
def test_dist_heavy_pareto_tail(b, p):
    # Pareto(b) on [1, inf): 1 - F(x) = x^-b, E[D] = b / (b - 1),
    # E[(D-S)+] = int_S^inf x^-b dx = S^(1-b) / (b - 1), E[(S-D)+] = S - E[D] + E[(D-S)+].
    S, cost = newsvendor_dist(1.0, p, stats.pareto(b))
    assert S == pytest.approx((1 + p) ** (1 / b))  # solves 1 - S^-b = p / (p + 1)
    short = S ** (1 - b) / (b - 1)
    assert cost == pytest.approx((S - b / (b - 1) + short) + p * short, rel=1e-9)


def test_dist_gamma_is_minimal_and_matches_scipy_expect():
    h, p, dist = 1.0, 4.0, stats.gamma(a=4, scale=5)
    S, cost = newsvendor_dist(h, p, dist)

    def g(s):  # scipy's own integration of the cost, independent of the quadrature above
        return h * dist.expect(lambda d: s - d, ub=s) + p * dist.expect(lambda d: d - s, lb=s)

    assert dist.cdf(S) == pytest.approx(0.8, abs=1e-12)
    assert cost == pytest.approx(g(S), rel=1e-8)
    assert cost < g(S - 0.5) and cost < g(S + 0.5)


def test_dist_discrete_smallest_level_and_direct_sum():
    h, p, dist = 2.0, 3.0, stats.nbinom(5, 0.4)
    S, cost = newsvendor_dist(h, p, dist)
    assert dist.cdf(S) >= 0.6 > dist.cdf(S - 1)
    d = np.arange(0, 400)
    direct = dist.pmf(d) @ (h * np.maximum(S - d, 0) + p * np.maximum(d - S, 0))
    assert cost == pytest.approx(direct, rel=1e-12)


def test_dist_discrete_tie_takes_the_smaller_level():
    # Bernoulli(0.5), h = p = 1: F(0) = 0.5 = critical ratio, so S* = 0 (the smallest S with
    # F(S) >= 0.5) and g(0) = p * E[D] = 0.5.
    S, cost = newsvendor_dist(1, 1, stats.bernoulli(0.5))
    assert S == 0
    assert cost == pytest.approx(0.5)


def test_dist_sample_distribution_with_loc():
    # Support {1, 2.5, 4} + loc 1 = {2, 3.5, 5} with probabilities 0.3, 0.3, 0.4; h = 1, p = 4:
    # F(3.5) = 0.6 < 0.8 <= F(5) -> S = 5; cost = 1 * (0.3 * 3 + 0.3 * 1.5) = 1.35.
    dist = stats.rv_discrete(values=([1, 2.5, 4], [0.3, 0.3, 0.4]))(loc=1)
    S, cost = newsvendor_dist(1, 4, dist)
    assert S == pytest.approx(5.0)
    assert cost == pytest.approx(1.35)


@pytest.mark.parametrize(
    ("h", "p", "dist", "match"),
    [
        (1, 4, stats.norm, "frozen scipy.stats distribution"),
        (1, 4, [50, 8], "frozen scipy.stats distribution"),
        (1, 4, stats.norm([50, 60], 8), "array-valued parameters"),
        (1, 4, stats.norm(50, -1), "invalid parameters"),
        (1, 4, stats.cauchy(50, 8), "no finite mean"),
        ([1, 2], 4, stats.norm(50, 8), "scalar costs"),
        (0, 4, stats.norm(50, 8), "holding_cost"),
    ],
)
def test_dist_rejects_bad_input(h, p, dist, match):
    with pytest.raises(DataValidationError, match=match):
        newsvendor_dist(h, p, dist)


def _empirical_cost(h, p, s, d):
    return np.mean(h * np.maximum(s - d, 0) + p * np.maximum(d - s, 0))


def test_samples_by_hand_with_exact_ecdf_tie():
    # D uniform on {1, ..., 10}, h = 1, p = 4: ratio 0.8 and F_n(8) = 8/10 exactly -> S = 8;
    # cost = (7 + 6 + ... + 1 + 0) / 10 + 4 * (1 + 2) / 10 = (28 + 12) / 10 = 4.
    S, cost = newsvendor_samples(1, 4, np.arange(1, 11))
    assert S == 8.0
    assert cost == pytest.approx(4.0)


def test_samples_with_repeated_values():
    # Sorted [1, 5, 5, 5]: F_n(1) = 0.25 < 0.5 <= F_n(5) = 1 -> S = 5; cost = 4 * 1 / 4 = 1.
    S, cost = newsvendor_samples(1, 1, [5, 1, 5, 5])
    assert S == 5.0
    assert cost == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    d=st.lists(st.integers(0, 50), min_size=1, max_size=40),
    h=st.floats(0.01, 10),
    p=st.floats(0.01, 10),
)
def test_samples_level_is_smallest_empirical_quantile_and_minimizes_cost(d, h, p):
    d = np.array(d, dtype=float)
    S, cost = newsvendor_samples(h, p, d)
    alpha = p / (p + h)
    assert S in d
    assert np.mean(d <= S) >= alpha
    assert all(np.mean(d <= x) < alpha for x in d[d < S])  # no smaller sample qualifies
    assert cost == pytest.approx(_empirical_cost(h, p, S, d))
    grid = np.concatenate([d, np.linspace(d.min() - 1, d.max() + 1, 50)])
    assert cost <= min(_empirical_cost(h, p, s, d) for s in grid) * (1 + 1e-12) + 1e-12


def test_samples_approach_example_4_3():
    # Snyder & Shen, Example 4.3: S* = 56.604, g = 1.998. With n = 200,000 the sample
    # quantile's standard error is sqrt(0.8 * 0.2 / n) / f(S*) ~ 0.025.
    rng = np.random.default_rng(7)
    S, cost = newsvendor_samples(0.18, 0.70, rng.normal(50, 8, size=200_000))
    assert S == pytest.approx(56.604, abs=0.1)
    assert cost == pytest.approx(1.99761, abs=0.02)


def test_samples_rows_match_per_item_loop():
    rng = np.random.default_rng(3)
    samples = rng.gamma(2.0, 10.0, size=(4, 501))
    h = np.array([1.0, 0.5, 2.0, 1.0])
    S, cost = newsvendor_samples(h, 3.0, samples)
    assert S.shape == cost.shape == (4,)
    for i in range(4):
        S_i, cost_i = newsvendor_samples(h[i], 3.0, samples[i])
        assert S[i] == S_i
        assert cost[i] == pytest.approx(cost_i, rel=1e-12)


@pytest.mark.parametrize(
    ("samples", "h", "match"),
    [
        (
            np.array([[1.0, 2.0], [np.nan, 1.0], [1.0, 1.0], [np.inf, 0.0]]),
            1,
            r"2 items \(rows\) \[1, 3\]",
        ),
        (np.array([3.0, -1.0, 2.0]), 1, r"1 negative values at positions \[1\]"),
        (np.zeros((2, 2, 2)), 1, "shape"),
        (np.array([]), 1, "at least one sample"),
        (np.ones((2, 5)), np.ones(3), r"holding_cost has shape \(3,\)"),
        (["a", "b"], 1, "numeric"),
    ],
)
def test_samples_reject_bad_input(samples, h, match):
    with pytest.raises(DataValidationError, match=match):
        newsvendor_samples(h, 1.0, samples)


def test_expected_outcomes_by_hand():
    # S = 5, D in {0, 2, 4, 6, 8}: sales (0 + 2 + 4 + 5 + 5) / 5 = 3.2, leftover (5 + 3 + 1) / 5
    # = 1.8, lost (1 + 3) / 5 = 0.8, fill 3.2 / 4 = 0.8, P(D <= 5) = 3 / 5.
    out = expected_outcomes(5, [0, 2, 4, 6, 8])
    assert out.expected_sales == pytest.approx(3.2)
    assert out.expected_leftover == pytest.approx(1.8)
    assert out.expected_lost_sales == pytest.approx(0.8)
    assert out.fill_rate == pytest.approx(0.8)
    assert out.cycle_service_level == pytest.approx(0.6)


def test_expected_outcomes_zero_demand_has_full_fill_rate():
    out = expected_outcomes([0, 3], np.array([[0.0, 0.0], [0.0, 0.0]]))
    assert out.fill_rate.tolist() == [1.0, 1.0]
    assert out.expected_leftover.tolist() == [0.0, 3.0]


@settings(max_examples=40, deadline=None)
@given(
    d=st.lists(st.floats(0, 100), min_size=1, max_size=30),
    s=st.floats(0, 120),
)
def test_expected_outcomes_balance(d, s):
    d = np.array(d)
    out = expected_outcomes(s, d)
    assert out.expected_sales + out.expected_lost_sales == pytest.approx(d.mean(), abs=1e-9)
    assert out.expected_sales + out.expected_leftover == pytest.approx(s, abs=1e-9)
    assert 0.0 <= out.fill_rate <= 1.0
    assert out.cycle_service_level == np.mean(d <= s)


def test_expected_outcomes_price_the_newsvendor_cost_and_match_rows():
    rng = np.random.default_rng(11)
    samples = rng.poisson([[6.0], [20.0], [0.5]], size=(3, 2000)).astype(float)
    S, cost = newsvendor_samples(1.0, 4.0, samples)
    out = expected_outcomes(S, samples)
    np.testing.assert_allclose(1.0 * out.expected_leftover + 4.0 * out.expected_lost_sales, cost)
    assert np.all(out.cycle_service_level >= 0.8)  # F_n(S) >= critical ratio by construction
    for i in range(3):
        row = expected_outcomes(S[i], samples[i])
        assert row.fill_rate == pytest.approx(out.fill_rate[i])
        assert row.expected_sales == pytest.approx(out.expected_sales[i])


@pytest.mark.parametrize(
    ("level", "match"),
    [
        (-1, "order_up_to must be finite and >= 0"),
        ([1, np.nan], r"positions \[1\]"),
        ([1, 2, 3], "order_up_to has shape"),
    ],
)
def test_expected_outcomes_rejects_bad_level(level, match):
    with pytest.raises(DataValidationError, match=match):
        expected_outcomes(level, np.ones((2, 4)))
