"""Newsvendor formulas against Snyder & Shen, Fundamentals of Supply Chain Theory (2019)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory import critical_ratio, newsvendor_normal, newsvendor_poisson


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
    costs = [(h * np.clip(s - d, 0, None) + p * np.clip(d - s, 0, None)) @ w for s in grid]
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
