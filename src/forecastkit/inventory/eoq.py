"""Economic order quantity and the continuous-review (r, Q) policy.

Pure functions on scalars or numpy arrays (they broadcast). Notation follows
Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019), chs. 3
and 5: ``K`` fixed cost per order, ``h`` holding cost per unit per unit time,
``p`` backorder cost per unit per unit time, ``lambda`` demand rate, ``L`` lead
time. Time units are the caller's: if ``demand_rate`` is per year, ``lead_time``
is in years, ``holding_cost`` is per unit-year and the costs returned are per year.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from forecastkit.inventory.newsvendor import _check_costs
from forecastkit.inventory.safety import _SQRT_2PI, _check_value, _loss

__all__ = ["eoq", "r_q_cost_normal", "r_q_normal"]

logger = logging.getLogger(__name__)


def _check_fixed_cost(fixed_cost: ArrayLike) -> np.ndarray:
    return _check_value(
        fixed_cost,
        "fixed_cost",
        "finite and > 0",
        "pass the cost of placing one order (with K = 0 ordering every unit "
        "is free: use newsvendor_normal for a base-stock level instead).",
        low=0.0,
    )


def _check_rate(demand_rate: ArrayLike) -> np.ndarray:
    return _check_value(
        demand_rate,
        "demand_rate",
        "finite and > 0",
        "pass the mean demand per unit time (items with no demand need no order quantity).",
        low=0.0,
    )


def _check_nonnegative(value: ArrayLike, name: str, hint: str) -> np.ndarray:
    return _check_value(value, name, "finite and >= 0", hint, low=0.0, low_inclusive=True)


def _out(*arrays: np.ndarray) -> tuple:
    if all(np.ndim(a) == 0 for a in arrays):
        return tuple(float(a) for a in arrays)
    return tuple(np.asarray(a, dtype=float) for a in arrays)


def eoq(
    fixed_cost: ArrayLike, holding_cost: ArrayLike, demand_rate: ArrayLike
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Economic order quantity and its cost per unit time.

    Parameters
    ----------
    fixed_cost : float or array_like
        Fixed cost ``K`` per order, > 0.
    holding_cost : float or array_like
        Holding cost ``h`` per unit per unit time, > 0.
    demand_rate : float or array_like
        Deterministic demand rate ``lambda`` (units per unit time), > 0.

    Returns
    -------
    order_quantity : float or numpy.ndarray
        ``Q* = sqrt(2 K lambda / h)`` (Snyder & Shen eq. 3.4).
    cost : float or numpy.ndarray
        ``g(Q*) = sqrt(2 K lambda h)`` (eq. 3.5), ordering plus holding cost
        per unit time.

    Raises
    ------
    DataValidationError
        If a cost or the demand rate is not positive and finite.

    See Also
    --------
    r_q_normal : the order quantity and reorder point under uncertain demand.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 3.2, Example 3.1.

    Examples
    --------
    Snyder & Shen, Example 3.1:

    >>> Q, cost = eoq(8, 0.225, 1300)
    >>> round(Q, 3), round(cost, 4)
    (304.047, 68.4105)
    """
    k = _check_fixed_cost(fixed_cost)
    h = _check_value(
        holding_cost,
        "holding_cost",
        "finite and > 0",
        "pass the cost of holding one unit for one unit of time.",
        low=0.0,
    )
    lam = _check_rate(demand_rate)
    return _out(np.sqrt(2.0 * k * lam / h), np.sqrt(2.0 * k * lam * h))


def _second_loss(z: np.ndarray) -> np.ndarray:
    """Standard normal second-order loss ``L2(z) = E[((Z - z)+)^2] / 2`` (eq. C.27)."""
    phi = np.exp(-0.5 * z**2) / _SQRT_2PI
    return 0.5 * ((z**2 + 1.0) * special.ndtr(-z) - z * phi)


def _lead_time_demand(
    demand_rate: ArrayLike, demand_sd: ArrayLike, lead_time: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lam = _check_rate(demand_rate)
    tau = _check_nonnegative(
        demand_sd, "demand_sd", "pass the standard deviation of demand per unit time."
    )
    lt = _check_nonnegative(lead_time, "lead_time", "pass the lead time in the demand's time unit.")
    return lam, lam * lt, tau * np.sqrt(lt)


def r_q_cost_normal(
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> np.ndarray | float:
    """Exact expected cost per unit time of a given (r, Q) policy, normal demand.

    Parameters
    ----------
    reorder_point : float or array_like
        Reorder point ``r``: order ``Q`` when the inventory position hits ``r``.
    order_quantity : float or array_like
        Order quantity ``Q``, > 0.
    holding_cost, stockout_cost, fixed_cost, demand_rate, demand_sd, lead_time
        As in :func:`r_q_normal`.

    Returns
    -------
    float or numpy.ndarray
        ``g(r, Q) = (K lambda + int_r^{r+Q} g(y) dy) / Q`` (Snyder & Shen eq.
        5.7), with ``g(y) = h E[(y - D)+] + p E[(D - y)+]`` for lead-time
        demand ``D ~ N(lambda L, tau**2 L)``. The integral is closed-form:
        ``h [(r + Q - mu)^2 - (r - mu)^2] / 2 + (h + p) [n2(r) - n2(r + Q)]``
        with the second-order loss ``n2(y) = sigma**2 L2((y - mu) / sigma)``.

    Raises
    ------
    DataValidationError
        If an input is out of range (see :func:`r_q_normal`), or
        ``order_quantity`` is not positive.

    Examples
    --------
    Snyder & Shen, Example 5.1 (the optimal ``r = 126.8``, ``Q = 328.5``):

    >>> round(r_q_cost_normal(126.8, 328.5, 0.225, 7.5, 8, 1300, 150, 1 / 12), 4)
    78.0712
    """
    r = _check_value(reorder_point, "reorder_point", "finite", "pass a number of units.")
    q = _check_value(
        order_quantity, "order_quantity", "finite and > 0", "pass the batch size Q.", low=0.0
    )
    h, p = _check_costs(holding_cost, stockout_cost)
    k = _check_fixed_cost(fixed_cost)
    lam, mu, sigma = _lead_time_demand(demand_rate, demand_sd, lead_time)

    random = sigma > 0
    safe = np.where(random, sigma, 1.0)
    lo = (r - mu) / safe
    stochastic = safe**2 * _integral_g(h, p, lo, lo + q / safe)
    # sigma = 0: g(y) = h (y - mu)+ + p (mu - y)+, integrated piece by piece
    left, right = np.minimum(r, mu), np.maximum(r + q, mu)
    deterministic = 0.5 * (p * ((mu - left) ** 2 - np.maximum(mu - r - q, 0.0) ** 2))
    deterministic += 0.5 * h * ((right - mu) ** 2 - np.maximum(r - mu, 0.0) ** 2)
    area = np.where(random, stochastic, deterministic)
    return _out((k * lam + area) / q)[0]


def _level_root(
    h: np.ndarray, p: np.ndarray, level: np.ndarray, z: np.ndarray, max_iter: int = 200
) -> np.ndarray:
    """Solve ``G(z) = level`` for ``G(z) = h z + (h + p) L(z)`` by Newton's method.

    ``G`` is convex, so Newton started outside the level set (where ``G(z) >=
    level``) moves monotonically onto the root on that side of the minimizer.
    """
    for _ in range(max_iter):
        slope = (h + p) * special.ndtr(z) - p
        step = (h * z + (h + p) * _loss(z) - level) / slope
        z = z - step
        if np.all(np.abs(step) <= 1e-13 * (1.0 + np.abs(z))):
            break
    return z


def _integral_g(h: np.ndarray, p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``int_lo^hi G(z) dz`` for ``G(z) = h z + (h + p) L(z)``, with small rounding error.

    ``H(z) = h z^2 / 2 - (h + p) L2(z)`` is an antiderivative, so the integral is
    ``h w m + (h + p) (L2(lo) - L2(hi))`` (``w = hi - lo``, ``m`` the midpoint);
    for ``m < 0`` the reflection ``L2(z) = (z^2 + 1) / 2 - L2(-z)`` turns it
    into ``-p w m + (h + p) (L2(-hi) - L2(-lo))``. Either way both terms are
    >= 0 and ``L2`` is evaluated in its small tail, so nothing large cancels.
    """
    w, m = hi - lo, 0.5 * (hi + lo)
    right = h * w * m + (h + p) * (_second_loss(lo) - _second_loss(hi))
    left = -p * w * m + (h + p) * (_second_loss(-hi) - _second_loss(-lo))
    return np.where(m >= 0, right, left)


def _r_q_narrow(
    h: np.ndarray, p: np.ndarray, kappa: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Series solution ``(z_r, z_{r+Q}, cost / sigma, w)`` when ``Q`` is tiny next to ``sigma`` (``K lambda << sigma^2``).

    Around the newsvendor optimum ``z*``, ``G(z* + u) = G* + a u^2 + b u^3 +
    c u^4 + O(u^5)`` with ``a = (h + p) phi(z*) / 2``, ``b = -a z* / 3``,
    ``c = a (z*^2 - 1) / 12``. Equal costs at both ends put the window's centre
    at ``z* + z* w^2 / 24 + O(w^4)``, and the area is
    ``a w^3 / 6 (1 - (2 z*^2 + 3) w^2 / 120 + O(w^3))``.
    """
    z_star = special.ndtri(p / (h + p))
    a = 0.5 * (h + p) * np.exp(-0.5 * z_star**2) / _SQRT_2PI
    w0 = np.cbrt(6.0 * kappa / a)
    w = w0 * (1.0 + (2.0 * z_star**2 + 3.0) * w0**2 / 360.0)
    u = z_star * w**2 / 24.0 - 0.5 * w  # left end, relative to z*
    rise = a * u**2 * (1.0 - z_star * u / 3.0 + (z_star**2 - 1.0) * u**2 / 12.0)
    level = (h + p) * np.exp(-0.5 * z_star**2) / _SQRT_2PI + rise
    return z_star + u, z_star + u + w, level, w


def _r_q_standardized(
    h: np.ndarray, p: np.ndarray, kappa: np.ndarray, max_iter: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal ``(z_r, z_{r+Q}, cost / sigma)`` in units of ``sigma``, ``kappa = K lambda / sigma^2``.

    At the optimum ``g(r) = g(r + Q) = g(r, Q) = c``, so ``r`` and ``r + Q`` are
    the ends of the level set ``{y: g(y) <= c}`` and ``K lambda`` equals the
    area between the level ``c`` and ``g`` over it. That area ``A(c)`` is convex
    and increasing in ``c`` with ``A'(c) = Q(c)``; Newton on ``A(c) = K lambda``
    from above converges monotonically. The start is above the root because
    ``g(y) <= h (y - mu)+ + p (mu - y)+ + (h + p) sigma phi(0)``. Windows
    narrower than ``0.01 sigma`` use the series of :func:`_r_q_narrow`, where
    the area (of order ``w^3``) would drown in rounding error.
    """
    level = (h + p) / _SQRT_2PI + np.sqrt(2.0 * kappa * h * p / (h + p))
    lo, hi = -level / p, level / h  # G(z) >= max(h z, -p z) >= level there
    for _ in range(max_iter):
        lo, hi = _level_root(h, p, level, lo), _level_root(h, p, level, hi)
        area = level * (hi - lo) - _integral_g(h, p, lo, hi)  # int (level - G)
        step = (area - kappa) / (hi - lo)
        level = level - step
        if np.all((np.abs(step) <= 1e-13 * level) | (hi - lo < 0.01)):
            break
    else:  # pragma: no cover - Newton on a convex function always gets there
        logger.warning("r_q_normal: Newton iterations did not converge to 1e-13.")
    lo, hi = _level_root(h, p, level, lo), _level_root(h, p, level, hi)
    n_lo, n_hi, n_level, width = _r_q_narrow(h, p, kappa)
    narrow = width < 0.01
    return np.where(narrow, n_lo, lo), np.where(narrow, n_hi, hi), np.where(narrow, n_level, level)


def r_q_normal(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike,
    demand_rate: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
) -> tuple[np.ndarray | float, np.ndarray | float, np.ndarray | float]:
    """Optimal continuous-review (r, Q) policy for normal demand, with backorders.

    Demand per unit time has mean ``lambda`` and standard deviation ``tau``; the
    lead-time demand is ``N(mu, sigma**2)`` with ``mu = lambda L`` and
    ``sigma = tau sqrt(L)``. Whenever the inventory position falls to ``r``, an
    order of ``Q`` units is placed.

    Parameters
    ----------
    holding_cost : float or array_like
        Holding cost ``h`` per unit per unit time, > 0.
    stockout_cost : float or array_like
        Backorder cost ``p`` per unit per unit time, > 0.
    fixed_cost : float or array_like
        Fixed cost ``K`` per order, > 0.
    demand_rate : float or array_like
        Mean demand per unit time ``lambda``, > 0.
    demand_sd : float or array_like
        Standard deviation of demand per unit time ``tau``, >= 0.
    lead_time : float or array_like
        Lead time ``L`` in the same time unit, >= 0.

    Returns
    -------
    reorder_point : float or numpy.ndarray
        Optimal ``r*`` (may be negative when backorders are cheap).
    order_quantity : float or numpy.ndarray
        Optimal ``Q*``.
    expected_cost : float or numpy.ndarray
        ``g(r*, Q*)``, the expected holding, backorder and ordering cost per
        unit time (see :func:`r_q_cost_normal`).

    Raises
    ------
    DataValidationError
        If a cost is not positive, the demand rate is not positive, or the
        demand sd or lead time is negative (or any input is non-finite).

    See Also
    --------
    eoq : the deterministic order quantity.
    r_q_cost_normal : the cost of any given (r, Q).
    safety_stock_fill_rate : a reorder point from a fill-rate target instead of costs.

    Notes
    -----
    This is the exact optimum of ``g(r, Q)`` (Snyder & Shen eq. 5.7), which is
    jointly convex (Zheng, 1992). The optimum satisfies ``g(r*) = g(r* + Q*)``
    (eq. 5.9) and ``g(r*, Q*) = g(r*)`` (Zheng, 1992), so ``r*`` and
    ``r* + Q*`` are the two points where the newsvendor cost ``g(y)`` equals the
    optimal cost ``c*``, and ``c*`` solves ``int (c* - g(y))+ dy = K lambda``.
    That scalar equation is solved by Newton's method, elementwise over arrays;
    when ``Q* < 0.01 sigma`` (``K lambda`` tiny next to ``sigma**2``) a series
    expansion around the newsvendor optimum replaces it (relative error < 1e-8).
    With ``sigma = 0`` the result is the EOQ with backorders (eq. 3.27),
    ``Q* = sqrt(2 K lambda (h + p) / (h p))``. The Hadley-Whitin loss-function
    approximation (Snyder & Shen ch. 5) drops the terms at ``r + Q`` and
    agrees with this to several digits whenever ``r + Q`` is far above ``mu``.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Chapter 5, Example 5.1.

    Zheng, Y.-S. (1992). On properties of stochastic inventory systems.
    *Management Science* 38(1), 87-103.

    Examples
    --------
    Snyder & Shen, Example 5.1 (``h = 0.225``, ``p = 7.5``, ``K = 8``,
    ``lambda = 1300`` per year, ``tau = 150``, ``L = 1/12`` year):

    >>> r, Q, cost = r_q_normal(0.225, 7.5, 8, 1300, 150, 1 / 12)
    >>> round(r, 1), round(Q, 1), round(cost, 2)
    (126.9, 328.4, 78.07)
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    k = _check_fixed_cost(fixed_cost)
    lam, mu, sigma = _lead_time_demand(demand_rate, demand_sd, lead_time)
    h, p, k, lam, mu, sigma = np.broadcast_arrays(h, p, k, lam, mu, sigma)
    random = sigma > 0
    safe = np.where(random, sigma, 1.0)
    lo, hi, level = _r_q_standardized(h, p, np.where(random, k * lam / safe**2, 1.0))
    # sigma = 0: g(y) = h (y - mu)+ + p (mu - y)+, a triangle of area c^2 (h + p) / (2 h p)
    c_det = np.sqrt(2.0 * k * lam * h * p / (h + p))
    cost = np.where(random, safe * level, c_det)
    reorder = np.where(random, mu + safe * lo, mu - c_det / p)
    quantity = np.where(random, safe * (hi - lo), c_det * (h + p) / (h * p))
    return _out(reorder, quantity, cost)
