"""(s, S) policy for Poisson demand: published example and a Markov-chain oracle.

The oracle computes the long-run cost of a policy from the stationary
distribution of the inventory position (solved with numpy.linalg), which shares
no code with the renewal-theory formula of forecastkit.inventory.ss.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory.ss import ss_cost, ss_poisson


def markov_cost(s, S, h, p, K, lam):
    """Long-run cost per period of (s, S) from the stationary distribution.

    States: inventory position y_i = s + 1 + i, i = 0..n-1 (n = S - s), at the
    start of a period, after ordering. Demand D takes y_i to y_j = y_i - D with
    probability P(D = i - j) for j <= i; if y_i - D <= s, i.e. D >= i + 1, an
    order (cost K) brings it back to y_{n-1} = S.
    """
    n = S - s
    i = np.arange(n)
    pmf = stats.poisson.pmf(np.arange(n), lam)
    diff = i[:, None] - i[None, :]
    P = np.where(diff >= 0, pmf[np.clip(diff, 0, None)], 0.0)
    order_prob = stats.poisson.sf(i, lam)  # P(D >= i + 1)
    P[:, -1] += order_prob
    # pi (P - I) = 0 with the last balance equation replaced by sum(pi) = 1
    A = (P - np.eye(n)).T
    A[-1] = 1.0
    b = np.zeros(n)
    b[-1] = 1.0
    pi = np.linalg.solve(A, b)
    y = s + 1 + i
    d = np.arange(0, int(lam + 40 * np.sqrt(lam) + 60))
    w = stats.poisson.pmf(d, lam)
    g = (h * np.maximum(y[:, None] - d, 0) + p * np.maximum(d - y[:, None], 0)) @ w
    return float(pi @ g + K * (pi @ order_prob))


def brute_force(h, p, K, lam, s_range, S_max):
    """Cheapest (cost, s, S) over s in s_range, s < S <= S_max."""
    costs = {
        (s, S): markov_cost(s, S, h, p, K, lam) for s in s_range for S in range(s + 1, S_max + 1)
    }
    (s, S), cost = min(costs.items(), key=lambda kv: kv[1])
    return cost, s, S


def test_published_example():
    # h = 1, p = 4, K = 5, D ~ Poisson(6): s* = 4, S* = 10, cost 8.034111561471642
    # (Snyder & Shen's (s, S) example as reproduced in the docstring of stockpyl's
    # s_s_discrete_exact; the same data give S* = 8 without K, Example 4.7).
    s, S, cost = ss_poisson(1, 4, 5, 6)
    assert (s, S) == (4, 10)
    assert isinstance(s, int) and isinstance(S, int)
    assert cost == pytest.approx(8.034111561471642, rel=1e-10)
    assert ss_cost(4, 10, 1, 4, 5, 6) == pytest.approx(8.034111561471642, rel=1e-10)


def test_zero_fixed_cost_is_base_stock():
    # Snyder & Shen, Example 4.7: h = 1, p = 4, Poisson(6) -> S* = 8, g(S*) = 3.57011;
    # with K = 0 the optimal (s, S) is order-up-to-8 every period, s = S - 1.
    s, S, cost = ss_poisson(1, 4, 0, 6)
    assert (s, S) == (7, 8)
    assert cost == pytest.approx(3.57011, abs=5e-6)


@pytest.mark.parametrize(("s", "S"), [(4, 10), (0, 3), (-2, 5), (6, 7), (2, 15)])
def test_cost_matches_markov_chain(s, S):
    assert ss_cost(s, S, 1, 4, 5, 6) == pytest.approx(markov_cost(s, S, 1, 4, 5, 6), rel=1e-9)


@pytest.mark.parametrize(
    ("h", "p", "K", "lam"),
    [(1, 4, 5, 6), (0.5, 9, 40, 3.2), (2, 3, 1, 0.7), (1, 19, 30, 10)],
)
def test_optimum_matches_brute_force(h, p, K, lam):
    s, S, cost = ss_poisson(h, p, K, lam)
    best_cost, best_s, best_S = brute_force(h, p, K, lam, range(-4, 20), 40)
    assert -4 < best_s < 19 and best_S < 40  # the optimum is inside the grid
    assert cost == pytest.approx(best_cost, rel=1e-9)
    assert markov_cost(s, S, h, p, K, lam) == pytest.approx(best_cost, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    h=st.floats(0.1, 5),
    p=st.floats(0.1, 30),
    K=st.floats(0, 60),
    lam=st.floats(0.05, 8),
)
def test_optimum_beats_neighbours(h, p, K, lam):
    # Local check on random instances: no (s', S') within 3 units does better.
    s, S, cost = ss_poisson(h, p, K, lam)
    assert s < S
    for ds in range(-3, 4):
        for dS in range(-3, 4):
            if S + dS > s + ds:
                assert cost <= ss_cost(s + ds, S + dS, h, p, K, lam) * (1 + 1e-12)


def test_large_mean_runs_and_is_consistent():
    s, S, cost = ss_poisson(0.5, 20, 100, 1000)
    assert s < S
    assert cost == pytest.approx(ss_cost(s, S, 0.5, 20, 100, 1000), rel=1e-12)
    for ds, dS in [(-1, 0), (1, 0), (0, -1), (0, 1)]:
        assert cost <= ss_cost(s + ds, S + dS, 0.5, 20, 100, 1000) * (1 + 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"holding_cost": 0}, "holding_cost must be finite and > 0"),
        ({"stockout_cost": np.inf}, "stockout_cost"),
        ({"fixed_cost": -1}, "fixed_cost must be finite and >= 0"),
        ({"mean": 0}, "mean must be finite and > 0"),
        ({"mean": [6, 7]}, "mean must be a scalar.*loop over items"),
    ],
)
def test_ss_poisson_rejects_bad_input(kwargs, match):
    args = {"holding_cost": 1, "stockout_cost": 4, "fixed_cost": 5, "mean": 6} | kwargs
    with pytest.raises(DataValidationError, match=match):
        ss_poisson(**args)


@pytest.mark.parametrize(
    ("s", "S", "match"),
    [
        (10, 10, r"order_up_to_level \(10\) must be greater than reorder_point \(10\)"),
        (4.5, 10, "reorder_point must be an integer"),
        (4, "10", "order_up_to_level must be an integer"),
    ],
)
def test_ss_cost_rejects_bad_policy(s, S, match):
    with pytest.raises(DataValidationError, match=match):
        ss_cost(s, S, 1, 4, 5, 6)
