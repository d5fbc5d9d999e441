"""Optimal periodic-review (s, S) policy for Poisson demand.

Every period the inventory position is reviewed; if it is at or below the
reorder point ``s`` an order raises it to the order-up-to level ``S``. Unmet
demand is backordered, there is no lead time (add the lead-time demand
upstream if there is one) and costs follow Snyder & Shen, *Fundamentals of
Supply Chain Theory* (2nd ed., 2019), sec. 4.6: ``K`` per order plus the
newsvendor cost ``g(y) = h E[(y - D)+] + p E[(D - y)+]`` of each period that
starts at inventory position ``y``.

Scalar functions: the search is a sequence of integer steps, so arrays of
items need a loop over items.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import special

from forecastkit.errors import DataValidationError
from forecastkit.inventory.newsvendor import _check_costs, newsvendor_poisson
from forecastkit.inventory.safety import _check_value

__all__ = ["ss_cost", "ss_poisson"]


class _PoissonRenewal:
    """Newsvendor costs and renewal counts for Poisson(``lam``) demand.

    ``m(j)`` is the expected number of periods an (s, S) cycle spends at
    inventory position ``S - j`` (for ``j < S - s``); it depends only on the
    demand, so the counts are computed once and extended on demand.
    """

    def __init__(self, h: float, p: float, k: float, lam: float) -> None:
        self.h, self.p, self.k, self.lam = h, p, k, lam
        self.m = np.empty(0)

    def _cdf(self, k: np.ndarray) -> np.ndarray:
        return np.where(k >= 0, special.pdtr(np.maximum(k, 0.0), self.lam), 0.0)

    def g(self, y: np.ndarray | int) -> np.ndarray:
        """Newsvendor cost ``g(y)`` (Snyder & Shen sec. 4.3.3) at integer positions."""
        y = np.asarray(y, dtype=float)
        leftover = y * self._cdf(y) - self.lam * self._cdf(y - 1.0)  # E[(y - D)+]
        short = leftover + self.lam - y  # E[(D - y)+]
        return self.h * leftover + self.p * np.maximum(short, 0.0)

    def _extend(self, n: int) -> None:
        """Make ``self.m`` at least ``n`` long (the renewal equation for ``m``)."""
        start = self.m.size
        size = max(n, 2 * start, 64)
        k = np.arange(size, dtype=float)
        pmf = np.exp(k * np.log(self.lam) - self.lam - special.gammaln(k + 1.0))
        m = np.concatenate([self.m, np.empty(size - start)])
        m[0] = 1.0 / (1.0 - pmf[0])
        for j in range(max(start, 1), size):
            m[j] = m[0] * (pmf[1 : j + 1] @ m[j - 1 :: -1])
        self.m = m

    def cost(self, s: int, big_s: int) -> float:
        """``c(s, S) = (K + sum_{d=0}^{S-s-1} m(d) g(S - d)) / M(S - s)``."""
        n = big_s - s
        if self.m.size < n:
            self._extend(n)
        m = self.m[:n]
        return float((self.k + m @ self.g(big_s - np.arange(n))) / m.sum())


def _check_inputs(
    holding_cost: float, stockout_cost: float, fixed_cost: float, mean: float
) -> _PoissonRenewal:
    for name, value in [
        ("holding_cost", holding_cost),
        ("stockout_cost", stockout_cost),
        ("fixed_cost", fixed_cost),
        ("mean", mean),
    ]:
        if np.ndim(value) != 0:
            raise DataValidationError(
                f"{name} must be a scalar, got an array of shape {np.shape(value)}; "
                "the (s, S) search is per item: loop over items."
            )
    h, p = _check_costs(holding_cost, stockout_cost)
    k = _check_value(
        fixed_cost,
        "fixed_cost",
        "finite and >= 0",
        "pass the cost of placing one order.",
        low=0.0,
        low_inclusive=True,
    )
    lam = _check_value(
        mean,
        "mean",
        "finite and > 0",
        "pass the Poisson mean demand per period (items with no demand need no policy).",
        low=0.0,
    )
    return _PoissonRenewal(float(h), float(p), float(k), float(lam))


def _check_level(value: float, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != int(value):
        raise DataValidationError(
            f"{name} must be an integer number of units, got {value!r}; round it first."
        )
    return int(value)


def ss_cost(
    reorder_point: int,
    order_up_to_level: int,
    holding_cost: float,
    stockout_cost: float,
    fixed_cost: float,
    mean: float,
) -> float:
    """Expected cost per period of a given (s, S) policy under Poisson demand.

    Parameters
    ----------
    reorder_point : int
        Reorder point ``s``: order when the inventory position is <= ``s``.
    order_up_to_level : int
        Order-up-to level ``S`` > ``s``.
    holding_cost : float
        Holding cost ``h`` per unit left at the end of a period, > 0.
    stockout_cost : float
        Backorder cost ``p`` per unit short at the end of a period, > 0.
    fixed_cost : float
        Fixed cost ``K`` per order, >= 0.
    mean : float
        Mean ``lambda`` of the Poisson demand per period, > 0.

    Returns
    -------
    float
        Long-run expected cost per period ``c(s, S)``.

    Raises
    ------
    DataValidationError
        If ``s`` or ``S`` is not an integer or ``S <= s``, a cost is out of
        range, the mean is not positive, or an argument is an array
        (scalar-only function).

    Notes
    -----
    Renewal-reward form (Zheng & Federgruen, 1991; Snyder & Shen, 2019,
    sec. 4.6, with ``m`` and ``M`` as in eqs. 4.71-4.75): ``c(s, S) = (K + sum_{d=0}^{S-s-1} m(d) g(S - d)) / M(S - s)``,
    where ``m(0) = 1 / (1 - P(D = 0))``,
    ``m(j) = m(0) sum_{l=1}^{j} P(D = l) m(j - l)`` and
    ``M(n) = sum_{d<n} m(d)`` is the expected cycle length.

    References
    ----------
    Zheng, Y.-S. and Federgruen, A. (1991). Finding optimal (s, S) policies is
    about as simple as evaluating a single policy. *Operations Research*
    39(4), 654-665.

    Examples
    --------
    >>> round(ss_cost(4, 10, 1, 4, 5, 6), 5)
    8.03411
    """
    model = _check_inputs(holding_cost, stockout_cost, fixed_cost, mean)
    s = _check_level(reorder_point, "reorder_point")
    big_s = _check_level(order_up_to_level, "order_up_to_level")
    if big_s <= s:
        raise DataValidationError(
            f"order_up_to_level ({big_s}) must be greater than reorder_point ({s}); "
            "with S <= s the policy never orders."
        )
    return model.cost(s, big_s)


def ss_poisson(
    holding_cost: float, stockout_cost: float, fixed_cost: float, mean: float
) -> tuple[int, int, float]:
    """Optimal (s, S) policy for Poisson demand (Zheng & Federgruen, 1991).

    Parameters
    ----------
    holding_cost : float
        Holding cost ``h`` per unit left at the end of a period, > 0.
    stockout_cost : float
        Backorder cost ``p`` per unit short at the end of a period, > 0.
    fixed_cost : float
        Fixed cost ``K`` per order, >= 0 (``K = 0`` gives the base-stock policy
        ``s = S - 1``, ``S`` from :func:`newsvendor_poisson`).
    mean : float
        Mean ``lambda`` of the Poisson demand per period, > 0.

    Returns
    -------
    reorder_point : int
        Optimal ``s*``.
    order_up_to_level : int
        Optimal ``S*``.
    expected_cost : float
        ``c(s*, S*)``, the expected cost per period (see :func:`ss_cost`).

    Raises
    ------
    DataValidationError
        If a cost is out of range, the mean is not positive, or an argument is
        an array: this function is scalar-only (loop over items).

    See Also
    --------
    ss_cost : the cost of a given (s, S).
    newsvendor_poisson : the optimal policy without a fixed cost.

    Notes
    -----
    The exact algorithm of Zheng & Federgruen (1991), Snyder & Shen (2019)
    sec. 4.6: start from ``S = y*``, the minimizer of ``g``; lower ``s`` until
    ``c(s, y*) <= g(s)``; then raise ``S`` while ``g(S) <= c*``, and each time
    ``c(s, S)`` improves on the incumbent ``c*``, raise ``s`` while
    ``c(s, S) <= g(s + 1)``. Every step is an integer move, so the run time is
    about that of evaluating ``S* - s*`` policies.

    References
    ----------
    Zheng, Y.-S. and Federgruen, A. (1991). Finding optimal (s, S) policies is
    about as simple as evaluating a single policy. *Operations Research*
    39(4), 654-665.

    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 4.6.

    Examples
    --------
    ``h = 1``, ``p = 4``, ``K = 5``, ``D ~ Poisson(6)`` (Snyder & Shen's
    (s, S) example, as reproduced in stockpyl):

    >>> s, S, cost = ss_poisson(1, 4, 5, 6)
    >>> s, S, round(cost, 5)
    (4, 10, 8.03411)
    """
    model = _check_inputs(holding_cost, stockout_cost, fixed_cost, mean)
    y_star = int(newsvendor_poisson(model.h, model.p, model.lam)[0])
    s = y_star - 1
    while model.cost(s, y_star) > float(model.g(s)):
        s -= 1
    best_s, best_cost = s, model.cost(s, y_star)
    s_hat = y_star
    big_s = y_star + 1
    while float(model.g(big_s)) <= best_cost:
        candidate = model.cost(s, big_s)
        if candidate < best_cost:
            s_hat = big_s
            while model.cost(s, s_hat) <= float(model.g(s + 1)):
                s += 1
            best_s, best_cost = s, model.cost(s, s_hat)
        big_s += 1
    return best_s, s_hat, best_cost
