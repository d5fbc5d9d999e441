"""Loss function and safety-stock formulas (Snyder & Shen 2019; Silver, Pyke & Thomas 2017)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from forecastkit.errors import DataValidationError
from forecastkit.inventory.safety import (
    safety_stock_csl,
    safety_stock_fill_rate,
    standard_normal_loss,
)


# ------------------------------------------------------------ loss function
def test_loss_hand_values():
    # L(0) = phi(0) = 1 / sqrt(2 pi) = 0.398942
    assert standard_normal_loss(0.0) == pytest.approx(0.3989423, abs=1e-7)
    # L(1) = phi(1) - 1 * (1 - Phi(1)) = 0.2419707 - 0.1586553 = 0.0833155
    assert standard_normal_loss(1.0) == pytest.approx(0.0833155, abs=1e-7)
    # L(2) = 0.0539910 - 2 * 0.0227501 = 0.0084908
    assert standard_normal_loss(2.0) == pytest.approx(0.0084908, abs=1e-7)
    # stockpyl's standard_normal_loss docstring (Snyder & Shen eq. C.22): L(1.3) = 0.0455280
    assert standard_normal_loss(1.3) == pytest.approx(0.04552796208651397, rel=1e-12)


@pytest.mark.parametrize("z", [-3.0, -0.7, 0.25, 1.8, 4.5])
def test_loss_matches_quadrature(z):
    # L(z) = int_z^inf (x - z) phi(x) dx
    expected = integrate.quad(lambda x: (x - z) * stats.norm.pdf(x), z, np.inf)[0]
    assert standard_normal_loss(z) == pytest.approx(expected, rel=1e-8)


@settings(max_examples=50, deadline=None)
@given(z=st.floats(-30, 30))
def test_loss_complement_identity_and_bounds(z):
    # L(-z) = L(z) + z, and max(0, -z) <= L(z) <= max(0, -z) + phi(0)
    L, L_neg = standard_normal_loss(z), standard_normal_loss(-z)
    assert L_neg == pytest.approx(L + z, abs=1e-12 * (1 + abs(z)))
    assert max(0.0, -z) - 1e-12 <= L <= max(0.0, -z) + 0.3989423


def test_loss_array_infinities_and_nan():
    out = standard_normal_loss(np.array([-np.inf, 0.0, np.inf]))
    assert out[0] == np.inf and out[2] == 0.0
    assert out[1] == pytest.approx(0.3989423, abs=1e-7)
    with pytest.raises(DataValidationError, match="z must not be NaN"):
        standard_normal_loss([0.0, np.nan])


# ----------------------------------------------------- cycle service level
def test_csl_95_percent():
    # z_0.95 = 1.644854; sigma = 10 -> 16.44854
    assert safety_stock_csl(10.0, 0.95) == pytest.approx(16.44854, abs=1e-5)


@settings(max_examples=50, deadline=None)
@given(sd=st.floats(0.01, 1e4), alpha=st.floats(0.001, 0.999))
def test_csl_hits_the_service_level(sd, alpha):
    # P(D <= mu + SS) = alpha for D ~ N(mu, sd^2)
    ss = safety_stock_csl(sd, alpha)
    assert stats.norm.cdf(ss / sd) == pytest.approx(alpha, abs=1e-9)


def test_csl_broadcasts_and_zero_sd():
    ss = safety_stock_csl(np.array([[0.0], [10.0]]), np.array([0.5, 0.95]))
    assert ss.shape == (2, 2)
    np.testing.assert_allclose(ss, [[0.0, 0.0], [0.0, 16.448536]], atol=1e-6)


@pytest.mark.parametrize(
    ("sd", "level", "match"),
    [
        (10.0, 95, "cycle_service_level must be strictly between 0 and 1.*not a percentage"),
        (10.0, 1.0, "cycle_service_level"),
        (10.0, 0.0, "cycle_service_level"),
        (-1.0, 0.9, "sd must be finite and >= 0"),
        ([1.0, np.inf], 0.9, r"sd .*positions \[1\]"),
    ],
)
def test_csl_rejects_bad_input(sd, level, match):
    with pytest.raises(DataValidationError, match=match):
        safety_stock_csl(sd, level)


# ---------------------------------------------------------------- fill rate
def test_fill_rate_solves_the_type_2_equation():
    # sigma L(z) = (1 - beta) Q: 20 * L(z) = 0.02 * 100 = 2 -> L(z) = 0.1.
    ss = safety_stock_fill_rate(20.0, 100.0, 0.98)
    assert 20.0 * standard_normal_loss(ss / 20.0) == pytest.approx(2.0, rel=1e-10)
    # Expected shortage per cycle by quadrature, E[(D - r)+] with D ~ N(50, 20^2), r = 50 + SS:
    r = 50.0 + ss
    short = integrate.quad(lambda d: (d - r) * stats.norm.pdf(d, 50, 20), r, np.inf)[0]
    assert 1 - short / 100.0 == pytest.approx(0.98, abs=1e-9)


def test_fill_rate_monte_carlo():
    # Independent check: simulate lead-time demand, measure units short per cycle.
    rng = np.random.default_rng(20240611)
    mu, sd, Q, beta = 200.0, 40.0, 150.0, 0.99
    r = mu + safety_stock_fill_rate(sd, Q, beta)
    demand = rng.normal(mu, sd, size=400_000)
    fill = 1 - np.maximum(demand - r, 0).mean() / Q
    # MC standard error of the shortage mean is ~0.003 units -> ~2e-5 in fill rate
    assert fill == pytest.approx(beta, abs=1e-4)


def test_fill_rate_large_batches_need_negative_safety_stock():
    # (1 - beta) Q / sigma = 0.05 * 1000 / 10 = 5 -> L(z) = 5 -> z ~ -5 (L(-5) = 5 + L(5)).
    ss = safety_stock_fill_rate(10.0, 1000.0, 0.95)
    assert ss == pytest.approx(-50.0, abs=1e-3)


@settings(max_examples=50, deadline=None)
@given(
    sd=st.floats(0.1, 1e3),
    q=st.floats(0.1, 1e4),
    b1=st.floats(0.01, 0.9999),
    b2=st.floats(0.01, 0.9999),
)
def test_fill_rate_property(sd, q, b1, b2):
    # a higher fill rate never needs less safety stock, and the equation holds
    s1, s2 = safety_stock_fill_rate(sd, q, np.array([b1, b2]))
    if b1 < b2:
        assert s1 <= s2 + 1e-9 * (1 + abs(s2))
    k = s1 / sd
    # E[(X - k)+] by quadrature over [max(k, -12), max(k, 0) + 12]: phi is ~0 outside
    short = integrate.quad(
        lambda x: (x - k) * stats.norm.pdf(x), max(k, -12.0), max(k, 0.0) + 12, epsabs=0
    )[0]
    assert sd * short == pytest.approx((1 - b1) * q, rel=1e-6)


def test_fill_rate_broadcasts_and_zero_sd():
    ss = safety_stock_fill_rate(np.array([0.0, 20.0]), 100.0, 0.98)
    assert ss[0] == 0.0
    assert ss[1] == pytest.approx(safety_stock_fill_rate(20.0, 100.0, 0.98))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fill_rate": 98}, "fill_rate must be strictly between 0 and 1.*not a percentage"),
        ({"fill_rate": 1.0}, "fill_rate"),
        ({"order_quantity": 0}, "order_quantity must be finite and > 0"),
        ({"order_quantity": [10, -1]}, r"order_quantity .*positions \[1\]"),
        ({"sd": -2}, "sd must be finite and >= 0"),
    ],
)
def test_fill_rate_rejects_bad_input(kwargs, match):
    args = {"sd": 20.0, "order_quantity": 100.0, "fill_rate": 0.98} | kwargs
    with pytest.raises(DataValidationError, match=match):
        safety_stock_fill_rate(**args)
