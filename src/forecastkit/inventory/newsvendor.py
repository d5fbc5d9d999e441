"""Newsvendor (single-period, base-stock) formulas.

Pure functions on scalars or numpy arrays (they broadcast), with full-word
parameter names and the textbook symbol in each docstring. Notation follows
Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019), ch. 4:
``h`` holding (overage) cost, ``p`` stockout (underage) cost, ``S`` order-up-to
level, critical ratio ``alpha = p / (p + h)``.

Three ways to describe demand:

* closed forms for normal and Poisson demand (:func:`newsvendor_normal`,
  :func:`newsvendor_poisson`);
* any frozen ``scipy.stats`` distribution (:func:`newsvendor_dist`), with the
  expected cost integrated (continuous) or summed (discrete) exactly;
* demand samples, e.g. from a probabilistic forecast or a bootstrap
  (:func:`newsvendor_samples`, :func:`expected_outcomes`).

:func:`critical_fractile` turns retail economics (price, unit cost, salvage
value, goodwill penalty) into the critical ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from forecastkit.errors import DataValidationError, format_values

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_frozen

__all__ = [
    "NewsvendorOutcomes",
    "critical_fractile",
    "critical_ratio",
    "expected_outcomes",
    "newsvendor_dist",
    "newsvendor_normal",
    "newsvendor_poisson",
    "newsvendor_samples",
]


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


# --- retail economics -> critical ratio --------------------------------------


def _positions(mask: np.ndarray) -> str:
    """`` at positions [...]`` for an array-valued argument, ``''`` for a scalar."""
    if mask.ndim == 0:
        return ""
    return f" at positions {format_values(np.flatnonzero(mask).tolist())}"


def _check_economics(
    price: ArrayLike, cost: ArrayLike, salvage_value: ArrayLike, shortage_cost: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    named = dict(price=price, cost=cost, salvage_value=salvage_value, shortage_cost=shortage_cost)
    arrays = {}
    for name, value in named.items():
        arrays[name] = arr = np.asarray(value, dtype=float)
        bad = ~np.isfinite(arr)
        if np.any(bad):
            raise DataValidationError(
                f"{name} must be finite, got {value!r}{_positions(bad)}; pass an amount per unit."
            )
    try:
        r, c, v, b = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        shapes = {name: arr.shape for name, arr in arrays.items()}
        raise DataValidationError(
            f"price, cost, salvage_value and shortage_cost do not broadcast: shapes {shapes}; "
            "pass scalars or arrays with one value per item."
        ) from err
    checks = [
        (r < c, "price must be >= cost", "an item sold below cost loses money on every unit"),
        (
            v >= c,
            "salvage_value must be < cost",
            "otherwise leftovers cost nothing and the "
            "order is unbounded; check that both are per-unit amounts in the same currency",
        ),
        (b < 0, "shortage_cost must be >= 0", "it is a goodwill penalty per unit short"),
    ]
    for bad, what, why in checks:
        if np.any(bad):
            raise DataValidationError(
                f"{what}{_positions(bad)}, got price={price!r}, cost={cost!r}, "
                f"salvage_value={salvage_value!r}, shortage_cost={shortage_cost!r}; {why}."
            )
    return r, c, v, b


def critical_fractile(
    price: ArrayLike,
    cost: ArrayLike,
    salvage_value: ArrayLike = 0.0,
    shortage_cost: ArrayLike = 0.0,
) -> np.ndarray | float:
    """Critical fractile of a newsvendor with a selling price and a salvage value.

    Each unit short loses its margin plus a goodwill penalty, the underage cost
    ``c_u = price - cost + shortage_cost``; each unit left over loses its cost
    net of what it salvages, the overage cost ``c_o = cost - salvage_value``.
    The order that maximizes expected profit covers demand with probability
    ``c_u / (c_u + c_o)``.

    Parameters
    ----------
    price : float or array_like
        Selling price ``r`` per unit, >= ``cost``.
    cost : float or array_like
        Purchase (or production) cost ``c`` per unit.
    salvage_value : float or array_like, default=0.0
        Value ``v`` recovered per unsold unit (markdown, return to vendor),
        < ``cost``; negative for a disposal cost.
    shortage_cost : float or array_like, default=0.0
        Goodwill penalty ``B`` per unit of unmet demand on top of the lost
        margin, >= 0.

    Returns
    -------
    float or numpy.ndarray
        ``(r - c + B) / (r - v + B)``; array arguments broadcast.

    Raises
    ------
    DataValidationError
        If an argument is not finite, ``price < cost``,
        ``salvage_value >= cost`` or ``shortage_cost < 0``.

    See Also
    --------
    critical_ratio : the same ratio from holding and stockout costs.
    newsvendor_dist : the optimal order for any demand distribution.

    Notes
    -----
    With ``h = c_o = c - v`` and ``p = c_u = r - c + B`` this is the critical
    ratio ``p / (p + h)`` of Snyder & Shen (2019), eq. (4.16). The price /
    cost / salvage form, with underage cost ``c_u = r - c`` and overage cost
    ``c_o = c - v``, is the newsboy model of Nahmias & Olsen (2015), ch. 5;
    ``B`` adds the loss of goodwill.

    References
    ----------
    Nahmias, S. and Olsen, T. L. (2015). *Production and Operations Analysis*,
    7th ed., Waveland Press. Chapter 5, the newsboy model.

    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 4.3.

    Examples
    --------
    A unit costs 4, sells for 10 and salvages for 1, so ``c_u = 6``,
    ``c_o = 3``; a goodwill penalty of 2 raises ``c_u`` to 8:

    >>> round(float(critical_fractile(10, 4, salvage_value=1)), 4)
    0.6667
    >>> round(float(critical_fractile(10, 4, salvage_value=1, shortage_cost=2)), 4)
    0.7273
    """
    r, c, v, b = _check_economics(price, cost, salvage_value, shortage_cost)
    underage = r - c + b
    overage = c - v
    ratio = underage / (underage + overage)
    return float(ratio) if ratio.ndim == 0 else ratio


# --- any scipy.stats distribution ---------------------------------------------

# Quantiles at which the quadrature is cut, so that no probability mass is
# missed whatever the location and scale of the distribution.
_QUANTILE_KNOTS = np.array(
    [1e-15, 1e-9, 1e-5, 1e-3, 0.02, 0.16, 0.5, 0.84, 0.98, 0.999, 1 - 1e-5, 1 - 1e-9, 1 - 1e-15]
)
# Largest number of cdf terms summed for a discrete distribution.
_MAX_TERMS = 10_000_000


def _frozen_kind(dist: rv_frozen, name: str = "dist") -> str:
    """Validate a frozen scalar distribution; ``'continuous'``, ``'lattice'`` or ``'sample'``."""
    from scipy import stats

    family = getattr(dist, "dist", None)
    if not isinstance(family, (stats.rv_continuous, stats.rv_discrete)):
        raise DataValidationError(
            f"{name} must be a frozen scipy.stats distribution such as "
            f"scipy.stats.norm(50, 8), got {type(dist).__name__}; call the distribution "
            "with its parameters to freeze it."
        )
    with np.errstate(invalid="ignore"):
        median = np.asarray(dist.median())
        mean = np.asarray(dist.mean())
    label = f"{name} ({family.name}{dist.args or ''}{dist.kwds or ''})"
    if median.ndim != 0:
        raise DataValidationError(
            f"{label} has array-valued parameters of shape {median.shape}; it must describe "
            "one item: freeze one distribution per item and loop, or use newsvendor_normal / "
            "newsvendor_samples, which broadcast."
        )
    if not np.isfinite(median):
        raise DataValidationError(
            f"{label} has invalid parameters (its median is NaN); check that the scale is > 0 "
            "and the shape parameters are in range."
        )
    if not np.isfinite(mean):
        raise DataValidationError(
            f"{label} has no finite mean, so the expected leftover and shortage are infinite; "
            "use a demand distribution with a finite mean."
        )
    if isinstance(family, stats.rv_continuous):
        return "continuous"
    return "sample" if hasattr(family, "xk") else "lattice"


def _quad_pieces(func, points: list[float], scale: float) -> float:
    """Integrate ``func`` over the consecutive pieces of ``points`` (ends may be infinite).

    An infinite end is mapped onto ``t`` in ``[0, inf)`` by
    ``x = a + scale * (exp(t) - 1)``, so that ``quad`` sees the tail at unit
    scale and a power-law tail of ``1 - F`` becomes an exponential one. With
    ``full_output`` ``quad`` returns its best value instead of warning when float
    round-off (a tiny scale at a large location) stops it short of ``epsrel``.
    """
    from scipy import integrate

    opts = {"epsabs": 1e-14, "epsrel": 1e-11, "limit": 200, "full_output": 1}

    def tail(t: float, end: float, sign: float) -> float:
        if t > 700.0:  # x beyond 1e304 * scale: nothing left to integrate
            return 0.0
        return float(func(end + sign * scale * np.expm1(t))) * scale * np.exp(t)

    total = 0.0
    for a, b in pairwise(points):
        if not b > a:
            continue
        if np.isfinite(a) and np.isfinite(b):
            total += integrate.quad(func, a, b, **opts)[0]
        elif np.isfinite(a):
            total += integrate.quad(tail, 0, np.inf, args=(a, 1.0), **opts)[0]
        else:
            total += integrate.quad(tail, 0, np.inf, args=(b, -1.0), **opts)[0]
    return total


def _continuous_partial_expectations(
    dist: rv_frozen, level: float, *, shortage: bool = True
) -> tuple[float, float]:
    """``(E[(level - D)+], E[(D - level)+])`` for a continuous frozen distribution.

    ``E[(level - D)+] = int_{-inf}^{level} F(x) dx`` and
    ``E[(D - level)+] = int_{level}^{inf} (1 - F(x)) dx``, by adaptive quadrature
    on pieces cut at quantiles of ``D``, so no mass is missed at any location or
    scale. With ``shortage=False`` the second term is skipped (returned as NaN).
    """
    lower, upper = (float(bound) for bound in dist.support())
    knots = np.unique(dist.ppf(_QUANTILE_KNOTS))
    knots = knots[np.isfinite(knots)]
    scale = float(np.ptp(knots)) if knots.size > 1 else 1.0
    left = [lower, *knots[knots < level].tolist(), level] if level > lower else []
    leftover = _quad_pieces(dist.cdf, left, scale)
    if not shortage:
        return leftover, float("nan")
    right = [level, *knots[knots > level].tolist(), upper] if level < upper else []
    return leftover, _quad_pieces(dist.sf, right, scale)


def _discrete_partial_expectations(dist: rv_frozen, level: float, kind: str) -> tuple[float, float]:
    """``(E[(level - D)+], E[(D - level)+])`` for a discrete frozen distribution, by summation.

    For integer-valued ``D``: ``E[(S - D)+] = sum_{k < S} F(k)`` and
    ``E[(D - S)+] = E[(S - D)+] + E[D] - S``; a ``rv_discrete(values=...)``
    sample distribution is summed over its support points directly.
    """
    if kind == "sample":
        loc = dist.kwds.get("loc", dist.args[0] if dist.args else 0.0)
        support = np.asarray(dist.dist.xk, dtype=float) + float(loc)
        weights = np.asarray(dist.dist.pk, dtype=float)
        leftover = float(weights @ np.maximum(level - support, 0.0))
        return leftover, float(weights @ np.maximum(support - level, 0.0))
    # Below ppf(1e-17) every F(k) < 1e-17: those terms do not change the sum.
    start = max(float(dist.support()[0]), float(dist.ppf(1e-17)) - 1.0)
    if level - start > _MAX_TERMS:
        raise DataValidationError(
            f"dist ({dist.dist.name}) spreads over more than {_MAX_TERMS:,} integers below the "
            f"order-up-to level {level:g}; use a continuous approximation such as "
            "newsvendor_normal instead."
        )
    leftover = float(dist.cdf(np.arange(start, level)).sum()) if level > start else 0.0
    return leftover, leftover + float(dist.mean()) - level


def newsvendor_dist(
    holding_cost: float, stockout_cost: float, dist: rv_frozen
) -> tuple[float | int, float]:
    """Optimal base-stock level and expected cost for any demand distribution.

    Parameters
    ----------
    holding_cost : float
        Holding (overage) cost ``h`` per unit left over, > 0.
    stockout_cost : float
        Stockout (underage) cost ``p`` per unit short, > 0.
    dist : scipy.stats frozen distribution
        Demand ``D`` over the period (lead-time demand if there is a lead
        time), e.g. ``scipy.stats.gamma(a=4, scale=5)`` or
        ``scipy.stats.nbinom(5, 0.4)``. Scalar parameters, finite mean.

    Returns
    -------
    base_stock_level : float or int
        Continuous ``D``: ``S* = F^{-1}(p / (p + h))`` (Snyder & Shen 2019,
        eq. 4.16). Discrete ``D``: the smallest support point ``S`` with
        ``F(S) >= p / (p + h)`` (Theorem 4.2); an ``int`` for integer-valued
        distributions.
    expected_cost : float
        ``g(S*) = h E[(S* - D)+] + p E[(D - S*)+]``, computed exactly:
        ``E[(S - D)+] = int_{-inf}^{S} F(x) dx`` and
        ``E[(D - S)+] = int_{S}^{inf} (1 - F(x)) dx`` by adaptive quadrature for
        continuous ``D`` (relative error about 1e-10); sums of ``F(k)`` (and
        ``E[(D - S)+] = E[(S - D)+] + E[D] - S``) for integer ``D``.

    Raises
    ------
    DataValidationError
        If a cost is not a positive scalar, or ``dist`` is not a frozen scalar
        scipy.stats distribution with a finite mean.

    See Also
    --------
    newsvendor_normal, newsvendor_poisson : closed forms for two special cases.
    newsvendor_samples : the same decision from demand samples.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Sections 4.3.1-4.3.3, Examples 4.3 and 4.7.

    Examples
    --------
    Snyder & Shen, Examples 4.3 (normal) and 4.7 (Poisson), and a gamma demand:

    >>> from scipy import stats
    >>> S, cost = newsvendor_dist(0.18, 0.70, stats.norm(50, 8))
    >>> round(S, 4), round(cost, 5)
    (56.604, 1.99761)
    >>> newsvendor_dist(1, 4, stats.poisson(6))[0]
    8
    >>> S, cost = newsvendor_dist(1, 4, stats.gamma(a=4, scale=5))
    >>> round(S, 3), round(cost, 3)
    (27.575, 15.518)
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    if h.ndim or p.ndim:
        raise DataValidationError(
            f"newsvendor_dist takes scalar costs, got holding_cost of shape {h.shape} and "
            f"stockout_cost of shape {p.shape}; loop over items, or use newsvendor_normal / "
            "newsvendor_samples, which broadcast."
        )
    kind = _frozen_kind(dist)
    alpha = float(p / (p + h))
    level = float(dist.ppf(alpha))
    if kind == "lattice" and dist.cdf(level - 1.0) >= alpha:  # ppf rounded up one step
        level -= 1.0
    if kind == "continuous":
        leftover, shortage = _continuous_partial_expectations(dist, level)
    else:
        leftover, shortage = _discrete_partial_expectations(dist, level, kind)
    cost = float(h * leftover + p * shortage)
    return (int(level) if kind == "lattice" else level), cost


# --- demand samples -----------------------------------------------------------


def _check_samples(samples: ArrayLike) -> np.ndarray:
    try:
        arr = np.asarray(samples, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"samples must be numeric demand values, got {type(samples).__name__}; "
            "pass an array of shape (n_samples,) or (n_items, n_samples)."
        ) from err
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise DataValidationError(
            f"samples must have shape (n_samples,) or (n_items, n_samples) with at least one "
            f"sample, got shape {arr.shape}; stack one row of demand samples per item."
        )
    problems = [
        (~np.isfinite(arr), "non-finite (NaN or inf)", "drop or impute them"),
        (arr < 0, "negative", "demand must be >= 0; clip with np.clip(samples, 0, None)"),
    ]
    for bad, what, fix in problems:
        if np.any(bad):
            if arr.ndim == 2:
                rows = np.flatnonzero(bad.any(axis=1))
                where = f"in {rows.size} items (rows) {format_values(rows.tolist())}"
            else:
                where = f"at positions {format_values(np.flatnonzero(bad).tolist())}"
            raise DataValidationError(f"samples has {int(bad.sum())} {what} values {where}; {fix}.")
    return arr


def _per_item(value: np.ndarray, name: str, samples: np.ndarray) -> np.ndarray:
    """Broadcast a scalar or per-item argument to ``samples.shape[:-1]``."""
    try:
        return np.broadcast_to(value, samples.shape[:-1])
    except ValueError as err:
        raise DataValidationError(
            f"{name} has shape {value.shape} but samples has shape {samples.shape}; pass a "
            "scalar, or one value per item (row) of 2-D samples."
        ) from err


def _scalar_or_array(value: np.ndarray) -> np.ndarray | float:
    return float(value) if np.ndim(value) == 0 else value


def newsvendor_samples(
    holding_cost: ArrayLike, stockout_cost: ArrayLike, samples: ArrayLike
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Optimal base-stock level and expected cost from demand samples.

    The sample-average-approximation newsvendor: the empirical distribution of
    the samples stands in for the demand distribution.

    Parameters
    ----------
    holding_cost : float or array_like
        Holding (overage) cost ``h`` per unit left over, > 0; a scalar or one
        value per item (row of ``samples``).
    stockout_cost : float or array_like
        Stockout (underage) cost ``p`` per unit short, > 0; same shapes.
    samples : array_like
        Demand samples, shape ``(n_samples,)`` for one item or
        ``(n_items, n_samples)``; finite and >= 0.

    Returns
    -------
    base_stock_level : float or numpy.ndarray
        The empirical quantile at the critical ratio ``alpha = p / (p + h)``:
        the smallest sample value ``x`` whose empirical CDF
        ``#{samples <= x} / n_samples`` is >= ``alpha``, i.e. the order
        statistic ``x_(k)`` with ``k = ceil(alpha * n_samples)``. One per item.
    expected_cost : float or numpy.ndarray
        The sample mean of ``h (S - D)+ + p (D - S)+`` at that level.

    Raises
    ------
    DataValidationError
        If a cost is not positive, the samples are not 1-D or 2-D, or contain
        NaN, infinite or negative values, or per-item costs do not match the rows.

    See Also
    --------
    expected_outcomes : sales, leftovers, lost sales and service levels of a level.
    newsvendor_dist : the same decision from a fitted distribution.

    Notes
    -----
    The level minimizes the sample-average cost: the empirical cost is
    piecewise linear and convex in ``S`` with right derivative
    ``(h + p) F_n(S) - p``, which first becomes >= 0 at the level returned
    (Snyder & Shen 2019, Theorem 4.2, applied to the empirical distribution).

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Section 4.3.

    Examples
    --------
    With demand 1, ..., 10 equally likely, ``h = 1``, ``p = 4`` (``alpha = 0.8``)
    stock 8; the cost is (7 + 6 + ... + 1 + 4 * (1 + 2)) / 10 = 4.

    >>> newsvendor_samples(1, 4, np.arange(1, 11))
    (8.0, 4.0)

    Samples of N(50, 8) approach Snyder & Shen's Example 4.3 (56.604, 1.998):

    >>> rng = np.random.default_rng(42)
    >>> S, cost = newsvendor_samples(0.18, 0.70, rng.normal(50, 8, size=100_000))
    >>> round(S, 1), round(cost, 2)
    (56.6, 2.0)
    """
    h, p = _check_costs(holding_cost, stockout_cost)
    arr = _check_samples(samples)
    h = _per_item(h, "holding_cost", arr)
    p = _per_item(p, "stockout_cost", arr)
    n = arr.shape[-1]
    ecdf = np.arange(1, n + 1) / n
    rank = np.searchsorted(ecdf, p / (p + h), side="left")
    level = np.take_along_axis(np.sort(arr, axis=-1), rank[..., None], axis=-1)
    over = np.maximum(level - arr, 0.0)
    under = np.maximum(arr - level, 0.0)
    cost = (h[..., None] * over + p[..., None] * under).mean(axis=-1)
    return _scalar_or_array(level[..., 0]), _scalar_or_array(cost)


@dataclass(frozen=True)
class NewsvendorOutcomes:
    """Expected single-period outcomes of an order-up-to level.

    Floats for one item, arrays of shape ``(n_items,)`` for several.

    Attributes
    ----------
    expected_sales : float or numpy.ndarray
        ``E[min(S, D)]``.
    expected_leftover : float or numpy.ndarray
        ``E[(S - D)+]``, units left at the end of the period.
    expected_lost_sales : float or numpy.ndarray
        ``E[(D - S)+]``, demand not met (the expected shortage).
    fill_rate : float or numpy.ndarray
        Type-2 service, ``E[min(S, D)] / E[D]``; 1.0 where mean demand is 0.
    cycle_service_level : float or numpy.ndarray
        Type-1 service, ``P(D <= S)``, the probability of no stockout.
    """

    expected_sales: np.ndarray | float
    expected_leftover: np.ndarray | float
    expected_lost_sales: np.ndarray | float
    fill_rate: np.ndarray | float
    cycle_service_level: np.ndarray | float


def expected_outcomes(order_up_to: ArrayLike, samples: ArrayLike) -> NewsvendorOutcomes:
    """Expected sales, leftovers, lost sales and service levels from demand samples.

    Parameters
    ----------
    order_up_to : float or array_like
        Stock ``S`` available for the period, >= 0; a scalar or one value per
        item (row of ``samples``).
    samples : array_like
        Demand samples, shape ``(n_samples,)`` or ``(n_items, n_samples)``;
        finite and >= 0.

    Returns
    -------
    NewsvendorOutcomes
        Sample means of ``min(S, D)``, ``(S - D)+`` and ``(D - S)+``, the fill
        rate ``E[min(S, D)] / E[D]`` (1.0 if every sample is 0) and the cycle
        service level ``P(D <= S)``.

    Raises
    ------
    DataValidationError
        If ``order_up_to`` is negative or not finite or does not match the
        rows, or the samples are invalid (see :func:`newsvendor_samples`).

    See Also
    --------
    newsvendor_samples : the cost-minimizing order-up-to level.

    Notes
    -----
    Fill rate and cycle service level as defined by Snyder & Shen (2019),
    Section 4.3.5 (type-2 and type-1 service). By construction
    ``sales + lost_sales = E[D]`` and ``sales + leftover = S``.

    Examples
    --------
    >>> out = expected_outcomes(5, [0, 2, 4, 6, 8])
    >>> out.expected_sales, out.expected_leftover, out.expected_lost_sales
    (3.2, 1.8, 0.8)
    >>> out.fill_rate, out.cycle_service_level
    (0.8, 0.6)

    Two items from seeded Poisson samples, one level each:

    >>> rng = np.random.default_rng(0)
    >>> out = expected_outcomes([8, 3], rng.poisson([[6.0], [2.0]], size=(2, 10_000)))
    >>> np.round(out.cycle_service_level, 2)
    array([0.85, 0.86])
    """
    arr = _check_samples(samples)
    level = np.asarray(order_up_to, dtype=float)
    bad = ~np.isfinite(level) | (level < 0)
    if np.any(bad):
        raise DataValidationError(
            f"order_up_to must be finite and >= 0{_positions(bad)}, got {order_up_to!r}; "
            "pass the stock available for the period."
        )
    level = _per_item(level, "order_up_to", arr)[..., None]
    sales = np.minimum(level, arr).mean(axis=-1)
    mean_demand = arr.mean(axis=-1)
    safe = np.where(mean_demand > 0, mean_demand, 1.0)
    return NewsvendorOutcomes(
        expected_sales=_scalar_or_array(sales),
        expected_leftover=_scalar_or_array(np.maximum(level - arr, 0.0).mean(axis=-1)),
        expected_lost_sales=_scalar_or_array(np.maximum(arr - level, 0.0).mean(axis=-1)),
        fill_rate=_scalar_or_array(np.where(mean_demand > 0, sales / safe, 1.0)),
        cycle_service_level=_scalar_or_array((arr <= level).mean(axis=-1)),
    )
