"""Newsvendor (single-period, base-stock) formulas.

Pure functions on scalars or numpy arrays (they broadcast), with full-word
parameter names and the textbook symbol in each docstring. Notation follows
Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019), ch. 4:
``h`` holding (overage) cost, ``p`` stockout (underage) cost, ``S`` order-up-to
level, critical ratio ``alpha = p / (p + h)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from forecastkit.errors import DataValidationError

__all__ = ["critical_ratio", "newsvendor_normal", "newsvendor_poisson"]


def _check_costs(
    holding_cost: ArrayLike, stockout_cost: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    h = np.asarray(holding_cost, dtype=float)
    p = np.asarray(stockout_cost, dtype=float)
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise DataValidationError(
            f"holding_cost must be finite and > 0, got {holding_cost!r}; "
            "pass the cost of one unit left over at the end of the period."
        )
    if np.any(~np.isfinite(p)) or np.any(p <= 0):
        raise DataValidationError(
            f"stockout_cost must be finite and > 0, got {stockout_cost!r}; "
            "pass the cost of one unit of unmet demand (e.g. the lost margin)."
        )
    return h, p


def critical_ratio(holding_cost: ArrayLike, stockout_cost: ArrayLike) -> np.ndarray | float:
    """Newsvendor critical ratio ``alpha = p / (p + h)``.

    Parameters
    ----------
    holding_cost : float or array_like
        Overage cost ``h`` per unit left over (> 0).
    stockout_cost : float or array_like
        Underage cost ``p`` per unit short (> 0).

    Returns
    -------
    float or numpy.ndarray
        The optimal probability of not stocking out.

    Notes
    -----
    Snyder & Shen (2019), eq. (4.16): the optimal ``S`` satisfies
    ``F(S*) = p / (p + h)``.

    Examples
    --------
    >>> round(float(critical_ratio(0.18, 0.70)), 5)
    0.79545
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    ratio = p / (p + h)
    return float(ratio) if ratio.ndim == 0 else ratio


def _check_demand(mean: ArrayLike, sd: ArrayLike | None, lead_time: ArrayLike) -> tuple:
    mu = np.asarray(mean, dtype=float)
    if np.any(~np.isfinite(mu)) or np.any(mu < 0):
        raise DataValidationError(f"mean demand must be finite and >= 0, got {mean!r}.")
    lt = np.asarray(lead_time, dtype=float)
    if np.any(~np.isfinite(lt)) or np.any(lt < 0):
        raise DataValidationError(f"lead_time must be >= 0 periods, got {lead_time!r}.")
    if sd is None:
        return mu, None, lt
    sigma = np.asarray(sd, dtype=float)
    if np.any(~np.isfinite(sigma)) or np.any(sigma < 0):
        raise DataValidationError(f"sd of demand must be finite and >= 0, got {sd!r}.")
    return mu, sigma, lt


def newsvendor_normal(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    mean: ArrayLike,
    sd: ArrayLike,
    lead_time: ArrayLike = 0,
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Optimal base-stock level and expected cost for normal demand.

    Per-period demand is ``N(mean, sd**2)``, independent across periods; with a
    lead time of ``L`` periods the order must cover ``L + 1`` periods, so the
    lead-time demand is ``N((L + 1) * mean, (L + 1) * sd**2)``.

    Parameters
    ----------
    holding_cost : float or array_like
        Holding (overage) cost ``h`` per unit per period, > 0.
    stockout_cost : float or array_like
        Stockout (underage) cost ``p`` per unit per period, > 0.
    mean : float or array_like
        Mean demand per period ``mu``, >= 0.
    sd : float or array_like
        Standard deviation of demand per period ``sigma``, >= 0.
    lead_time : float or array_like, default=0
        Lead time ``L`` in periods.

    Returns
    -------
    base_stock_level : float or numpy.ndarray
        ``S* = mu_L + sigma_L * z_alpha`` (Snyder & Shen eq. 4.24), where
        ``z_alpha`` is the standard normal quantile of the critical ratio.
    expected_cost : float or numpy.ndarray
        ``g(S*) = (p + h) * sigma_L * phi(z_alpha)`` (eq. 4.25), the expected
        holding plus stockout cost per period at the optimum.

    Raises
    ------
    DataValidationError
        If a cost is not positive, or the mean, sd or lead time is negative.

    See Also
    --------
    newsvendor_poisson : the same problem with Poisson demand.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 4.3.2, Example 4.3.

    Examples
    --------
    Snyder & Shen, Example 4.3:

    >>> S, cost = newsvendor_normal(0.18, 0.70, 50, 8)
    >>> round(float(S), 4), round(float(cost), 5)
    (56.604, 1.99761)
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    mu, sigma, lt = _check_demand(mean, sd, lead_time)
    mu_l = mu * (lt + 1.0)
    sigma_l = sigma * np.sqrt(lt + 1.0)
    z = special.ndtri(p / (p + h))
    base_stock = mu_l + sigma_l * z
    cost = (p + h) * sigma_l * np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    if np.ndim(base_stock) == 0:
        return float(base_stock), float(cost)
    return base_stock, cost


def newsvendor_poisson(
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    mean: ArrayLike,
) -> tuple[np.ndarray | int, np.ndarray | float]:
    """Optimal base-stock level and expected cost for Poisson demand.

    Parameters
    ----------
    holding_cost : float or array_like
        Holding (overage) cost ``h`` per unit, > 0.
    stockout_cost : float or array_like
        Stockout (underage) cost ``p`` per unit, > 0.
    mean : float or array_like
        Poisson mean demand ``lambda``, >= 0.

    Returns
    -------
    base_stock_level : int or numpy.ndarray
        Smallest integer ``S`` with ``F(S) >= p / (p + h)`` (Snyder & Shen,
        Theorem 4.2 for discrete demand).
    expected_cost : float or numpy.ndarray
        ``g(S) = h * E[(S - D)+] + p * E[(D - S)+]`` using
        ``E[(S - D)+] = S F(S) - lambda F(S - 1)`` and
        ``E[(D - S)+] = E[(S - D)+] + lambda - S``.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 4.3.3, Example 4.7.

    Examples
    --------
    Snyder & Shen, Example 4.7:

    >>> S, cost = newsvendor_poisson(1, 4, 6)
    >>> int(S), round(float(cost), 5)
    (8, 3.57011)
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    lam, _, _ = _check_demand(mean, None, 0)
    alpha = p / (p + h)
    from scipy import stats  # scipy.stats is slow to import; only Poisson needs it

    base_stock = stats.poisson.ppf(alpha, lam)
    base_stock = np.where(lam == 0, 0.0, base_stock)
    leftover = base_stock * stats.poisson.cdf(base_stock, lam) - lam * stats.poisson.cdf(
        base_stock - 1, lam
    )
    short = leftover + lam - base_stock
    cost = h * leftover + p * short
    if np.ndim(base_stock) == 0:
        return int(base_stock), float(cost)
    return base_stock.astype(np.int64), cost
