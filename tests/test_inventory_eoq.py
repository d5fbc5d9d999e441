"""EOQ and (r, Q) formulas against Snyder & Shen, Fundamentals of Supply Chain Theory (2019).

Example 5.1 data: h = 0.225, p = 7.5, K = 8, lambda = 1300 per year,
tau = 150, L = 1/12 year (lead-time demand N(108.33, 43.30^2)).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory.eoq import eoq, r_q_cost_normal, r_q_normal

# the module itself: forecastkit.inventory.eoq, as an attribute, is the function eoq
eoq_module = importlib.import_module("forecastkit.inventory.eoq")

EX51 = {
    "holding_cost": 0.225,
    "stockout_cost": 7.5,
    "fixed_cost": 8,
    "demand_rate": 1300,
    "demand_sd": 150,
    "lead_time": 1 / 12,
}


def newsvendor_cost(y, h, p, mu, sigma):
    """g(y) = h E[(y-D)+] + p E[(D-y)+] for D ~ N(mu, sigma^2), by quadrature."""
    dist = stats.norm(mu, sigma)
    over = integrate.quad(lambda d: (y - d) * dist.pdf(d), mu - 12 * sigma, y)[0]
    under = integrate.quad(lambda d: (d - y) * dist.pdf(d), y, mu + 12 * sigma)[0]
    return h * over + p * under


# ------------------------------------------------------------------------ EOQ
def test_eoq_example_3_1():
    # Snyder & Shen, Example 3.1: K = 8, h = 0.225, lambda = 1300 -> Q* = 304.047, g = 68.4105.
    Q, cost = eoq(8, 0.225, 1300)
    assert Q == pytest.approx(304.047, abs=5e-4)
    assert cost == pytest.approx(68.4105, abs=5e-5)


def test_eoq_minimizes_ordering_plus_holding_cost():
    # g(Q) = K lambda / Q + h Q / 2 (eq. 3.3); at Q* both terms are equal.
    K, h, lam = 50.0, 2.0, 400.0
    Q, cost = eoq(K, h, lam)
    grid = np.linspace(0.5 * Q, 1.5 * Q, 2001)
    curve = K * lam / grid + h * grid / 2
    assert Q == pytest.approx(grid[np.argmin(curve)], abs=grid[1] - grid[0])
    assert cost == pytest.approx(curve.min(), rel=1e-6)
    assert K * lam / Q == pytest.approx(h * Q / 2)  # 200 = 200: sqrt(2 * 50 * 400 / 2) = 141.42


def test_eoq_broadcasts():
    Q, cost = eoq(8, np.array([0.225, 0.9]), 1300)
    assert Q.shape == cost.shape == (2,)
    # quadrupling h halves Q and doubles the cost
    assert Q[1] == pytest.approx(Q[0] / 2)
    assert cost[1] == pytest.approx(2 * cost[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fixed_cost": 0}, "fixed_cost must be finite and > 0.*newsvendor_normal"),
        ({"fixed_cost": np.inf}, "fixed_cost"),
        ({"holding_cost": -0.2}, "holding_cost must be finite and > 0"),
        ({"demand_rate": 0}, "demand_rate must be finite and > 0"),
        ({"demand_rate": np.nan}, "demand_rate"),
    ],
)
def test_eoq_rejects_bad_input(kwargs, match):
    args = {"fixed_cost": 8, "holding_cost": 0.225, "demand_rate": 1300} | kwargs
    with pytest.raises(DataValidationError, match=match):
        eoq(**args)


def test_eoq_error_names_offending_positions():
    with pytest.raises(DataValidationError, match=r"got 2 of 4 values .*positions \[1, 3\]"):
        eoq(8, 0.225, [1300, -5, 10, 0])


# --------------------------------------------------------------- (r, Q) cost
def test_r_q_cost_example_5_1():
    # Snyder & Shen, Example 5.1: g(126.8, 328.5) = 78.0712 (stockpyl's r_q_cost docstring,
    # computed there by numerical integration of g(y)).
    cost = r_q_cost_normal(126.8, 328.5, **EX51)
    assert cost == pytest.approx(78.07116250928294, rel=1e-8)


def test_r_q_cost_matches_quadrature_of_newsvendor_cost():
    # eq. 5.7, g(r, Q) = (K lambda + int_r^{r+Q} g(y) dy) / Q, integrated numerically.
    h, p, K, lam, tau, L, r, Q = 1.0, 9.0, 20.0, 50.0, 12.0, 0.5, 20.0, 35.0
    mu, sigma = lam * L, tau * np.sqrt(L)
    area = integrate.quad(lambda y: newsvendor_cost(y, h, p, mu, sigma), r, r + Q)[0]
    expected = (K * lam + area) / Q
    assert r_q_cost_normal(r, Q, h, p, K, lam, tau, L) == pytest.approx(expected, rel=1e-7)


def test_r_q_cost_deterministic_demand():
    # sigma = 0: g(y) = h (y - mu)+ + p (mu - y)+. With mu = 10, r = 4, Q = 10:
    # int_4^14 g = p * 6^2 / 2 + h * 4^2 / 2 = 2 * 18 + 1 * 8 = 44; (K lambda + 44) / Q = (30 + 44) / 10.
    cost = r_q_cost_normal(4, 10, 1.0, 2.0, 3.0, 10.0, 0.0, 1.0)
    assert cost == pytest.approx(7.4)


# ----------------------------------------------------------- (r, Q) optimum
def test_r_q_normal_example_5_1():
    # Snyder & Shen, Example 5.1: r* = 126.8, Q* = 328.5, g(r*, Q*) = 78.07 (rounded).
    # The loss-function approximation of Example 5.6 gives r = 126.8671, Q = 328.4491
    # (stockpyl docstring); it drops terms at r + Q = 455, 8 sigma above the mean, so it
    # agrees with the exact optimum far beyond the digits checked here.
    r, Q, cost = r_q_normal(**EX51)
    assert r == pytest.approx(126.8671, abs=1e-3)
    assert Q == pytest.approx(328.4491, abs=1e-3)
    assert cost == pytest.approx(78.07, abs=5e-3)
    assert cost <= r_q_cost_normal(126.8, 328.5, **EX51)


def test_r_q_normal_matches_numerical_optimizer():
    # A case where r + Q is close to the mean, so the tail terms matter:
    # compare with Nelder-Mead on the exact cost (an independent optimizer).
    args = (1.0, 4.0, 2.0, 10.0, 6.0, 1.0)
    r, Q, cost = r_q_normal(*args)
    res = optimize.minimize(
        lambda x: r_q_cost_normal(x[0], x[1], *args),
        x0=[10.0, 5.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 5000},
    )
    assert r == pytest.approx(res.x[0], abs=1e-4)
    assert Q == pytest.approx(res.x[1], abs=1e-4)
    assert cost == pytest.approx(res.fun, rel=1e-9)


def test_r_q_normal_deterministic_is_eoq_with_backorders():
    # sigma = 0: Q* = sqrt(2 K lambda (h + p) / (h p)) (Snyder & Shen eq. 3.27),
    # = 308.5738 for the Example 5.1 data (stockpyl's EOQB docstring, Example 5.2);
    # g* = sqrt(2 K lambda h p / (h + p)) = h p Q* / (h + p), r* = mu - g* / p.
    r, Q, cost = r_q_normal(**(EX51 | {"demand_sd": 0}))
    assert Q == pytest.approx(308.5737801203754, rel=1e-12)
    assert cost == pytest.approx(0.225 * 7.5 * Q / 7.725)
    assert r == pytest.approx(1300 / 12 - cost / 7.5)
    # zero lead time: nothing to protect, mu = 0
    r0, Q0, _ = r_q_normal(**(EX51 | {"lead_time": 0}))
    assert (r0, Q0) == pytest.approx((-cost / 7.5, Q))


def test_r_q_normal_is_continuous_at_zero_sd():
    tiny = r_q_normal(**(EX51 | {"demand_sd": 1e-6}))
    exact = r_q_normal(**(EX51 | {"demand_sd": 0}))
    assert tiny == pytest.approx(exact, rel=1e-6)


def test_r_q_normal_broadcasts_like_a_loop():
    sds = np.array([0.0, 20.0, 150.0, 2000.0])
    costs = np.array([[7.5], [0.5]])
    r, Q, cost = r_q_normal(0.225, costs, 8, 1300, sds, 1 / 12)
    assert r.shape == Q.shape == cost.shape == (2, 4)
    for i, p in enumerate(costs[:, 0]):
        for j, sd in enumerate(sds):
            one = r_q_normal(0.225, p, 8, 1300, sd, 1 / 12)
            assert (r[i, j], Q[i, j], cost[i, j]) == pytest.approx(one, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    h=st.floats(0.05, 5),
    p=st.floats(0.05, 50),
    K=st.floats(0.1, 500),
    lam=st.floats(1, 5000),
    tau=st.floats(0.5, 300),
    L=st.floats(0.01, 2),
)
def test_r_q_normal_optimality_conditions(h, p, K, lam, tau, L):
    # Zheng (1992): at the optimum g(r*) = g(r* + Q*) = g(r*, Q*).
    r, Q, cost = r_q_normal(h, p, K, lam, tau, L)
    mu, sigma = lam * L, tau * np.sqrt(L)

    def g(y):  # closed form via scipy.stats, independent of forecastkit's loss function
        z = (y - mu) / sigma
        short = sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        return h * (y - mu + short) + p * short

    assert Q > 0
    assert cost == pytest.approx(r_q_cost_normal(r, Q, h, p, K, lam, tau, L), rel=1e-8)
    assert g(r) == pytest.approx(cost, rel=1e-7)
    assert g(r + Q) == pytest.approx(cost, rel=1e-7)
    # never worse than EOQ quantity plus the best r for it
    assert cost <= r_q_cost_normal(r, eoq(K, h, lam)[0], h, p, K, lam, tau, L) * (1 + 1e-12)


def test_r_q_normal_small_fixed_cost_regime():
    # K lambda << sigma^2: Q is a sliver around the newsvendor optimum z* and the
    # solver switches to a series. Leading order: area a w^3 / 6 = K lambda / sigma^2
    # with a = (h + p) phi(z*) / 2, so Q / sigma = (6 kappa / a)^(1/3).
    h, p, K, lam, tau, L = 1.0, 9.0, 1e-4, 1.0, 100.0, 1.0
    r, Q, cost = r_q_normal(h, p, K, lam, tau, L)
    z_star = stats.norm.ppf(0.9)
    a = (h + p) * stats.norm.pdf(z_star) / 2
    assert Q / 100 == pytest.approx((6 * 1e-8 / a) ** (1 / 3), rel=1e-4)
    assert (r + Q / 2 - 1.0) / 100 == pytest.approx(z_star, abs=1e-6)  # centred on S*
    assert cost == pytest.approx(r_q_cost_normal(r, Q, h, p, K, lam, tau, L), rel=1e-9)
    for dr, dq in [(-1e-3, 0), (1e-3, 0), (0, -1e-2), (0, 1e-2)]:
        assert cost <= r_q_cost_normal(r + dr, Q + dq, h, p, K, lam, tau, L)


@pytest.mark.parametrize("z_star", [-2.0, 0.0, 0.8416, 3.0])
def test_r_q_series_agrees_with_newton_near_the_switch(z_star):
    # Windows narrower than 0.01 sigma use the series. Just above the switch the
    # Newton result is used; both are accurate there, so they must agree.
    h, p = np.float64(1.0), np.float64(stats.norm.cdf(z_star) / stats.norm.sf(z_star))
    a = (h + p) * stats.norm.pdf(z_star) / 2
    kappa = np.float64(a * 0.0105**3 / 6)
    lo, hi, level = eoq_module._r_q_standardized(h, p, kappa)
    s_lo, s_hi, s_level, width = eoq_module._r_q_narrow(h, p, kappa)
    assert hi - lo > 0.01  # the Newton result, not the series
    assert width == pytest.approx(hi - lo, rel=5e-9)
    assert abs(s_lo - lo) < 5e-10
    assert s_level == pytest.approx(level, rel=1e-11)


def test_r_q_normal_tiny_sigma_is_eoq_with_backorders():
    # sigma = 1e-3 * sqrt(1e-3) next to Q ~ 1e6: the deterministic answer (eq. 3.27).
    args = (1e-3, 1e3, 1e4, 1e5, 1e-3, 1e-3)
    r, Q, cost = r_q_normal(*args)
    r0, Q0, cost0 = r_q_normal(*args[:4], 0.0, 1e-3)
    assert (r, Q, cost) == pytest.approx((r0, Q0, cost0), rel=1e-9)
    assert cost == pytest.approx(r_q_cost_normal(r, Q, *args), rel=1e-9)


@pytest.mark.parametrize(
    "args", [(100.0, 1e-3, 1e-3, 1e-2, 1e4, 50.0), (1.0, 1e3, 1e-3, 1e-2, 1e4, 50.0)]
)
def test_r_q_normal_extreme_critical_ratios_with_tiny_fixed_cost(args):
    # Critical ratio 1e-5 and 0.999, kappa = K lambda / sigma^2 = 2e-15: the
    # window is ~1e-5 sigma wide; the cost is flat to ~1e-16 there, so check the
    # leading-order theory instead of cost perturbations.
    h, p, K, lam, tau, L = args
    r, Q, cost = r_q_normal(*args)
    mu, sigma = lam * L, tau * np.sqrt(L)
    z_star = stats.norm.ppf(p / (h + p))
    a = (h + p) * stats.norm.pdf(z_star) / 2
    assert Q / sigma == pytest.approx((6 * K * lam / sigma**2 / a) ** (1 / 3), rel=1e-6)
    assert (r + Q / 2 - mu) / sigma == pytest.approx(z_star, abs=1e-8)
    assert cost / sigma == pytest.approx((h + p) * stats.norm.pdf(z_star), rel=1e-8)
    assert cost == pytest.approx(r_q_cost_normal(r, Q, *args), rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"holding_cost": 0}, "holding_cost"),
        ({"stockout_cost": np.nan}, "stockout_cost"),
        ({"fixed_cost": -1}, "fixed_cost"),
        ({"demand_rate": 0}, "demand_rate"),
        ({"demand_sd": -1}, "demand_sd must be finite and >= 0"),
        ({"lead_time": -0.1}, "lead_time must be finite and >= 0"),
    ],
)
def test_r_q_normal_rejects_bad_input(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        r_q_normal(**(EX51 | kwargs))


@pytest.mark.parametrize(
    ("r", "Q", "match"),
    [(100.0, 0.0, "order_quantity must be finite and > 0"), (np.nan, 300.0, "reorder_point")],
)
def test_r_q_cost_rejects_bad_policy(r, Q, match):
    with pytest.raises(DataValidationError, match=match):
        r_q_cost_normal(r, Q, **EX51)
