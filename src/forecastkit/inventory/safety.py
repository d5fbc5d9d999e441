"""Safety stock for normal lead-time demand: cycle service level and fill rate.

Pure functions on scalars or numpy arrays (they broadcast). ``sd`` is the
standard deviation ``sigma`` of demand over the protection interval (the lead
time for continuous review, lead time plus review period for periodic review);
the safety stock is ``z * sigma`` and the reorder point is the mean demand over
that interval plus the safety stock.

The base-stock level for a target cycle service level is
:func:`forecastkit.inventory.newsvendor_normal` (with ``lead_time=``) and is not
repeated here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from forecastkit.errors import DataValidationError, format_values

__all__ = ["safety_stock_csl", "safety_stock_fill_rate", "standard_normal_loss"]

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


def _check_value(
    value: ArrayLike,
    name: str,
    condition: str,
    hint: str,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    low_inclusive: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array; raise if any entry is non-finite or out of range.

    The allowed range is ``(low, high)`` (``[low, high)`` with ``low_inclusive``);
    ``condition`` words it for the message, ``hint`` says how to fix it.
    """
    arr = np.asarray(value, dtype=float)
    above = arr >= low if low_inclusive else arr > low
    bad = ~(np.isfinite(arr) & above & (arr < high))
    if not np.any(bad):
        return arr
    if arr.ndim == 0:
        got = f"got {value!r}"
    else:
        where = np.argwhere(bad)
        positions = [int(i[0]) if arr.ndim == 1 else tuple(int(j) for j in i) for i in where]
        got = (
            f"got {int(bad.sum())} of {arr.size} values that are not, "
            f"at positions {format_values(positions)} (first: {arr[bad][0]!r})"
        )
    raise DataValidationError(f"{name} must be {condition}, {got}; {hint}")


def _check_sd(sd: ArrayLike) -> np.ndarray:
    return _check_value(
        sd,
        "sd",
        "finite and >= 0",
        "pass the standard deviation of demand over the lead time.",
        low=0.0,
        low_inclusive=True,
    )


def _check_probability(value: ArrayLike, name: str, example: str) -> np.ndarray:
    return _check_value(
        value,
        name,
        "strictly between 0 and 1",
        f"pass a fraction such as {example} (not a percentage).",
        low=0.0,
        high=1.0,
    )


def _scalar_or_array(x: np.ndarray) -> np.ndarray | float:
    return float(x) if np.ndim(x) == 0 else x


def _loss(z: np.ndarray) -> np.ndarray:
    """Standard normal first-order loss ``L(z)`` without input checks."""
    return np.exp(-0.5 * z**2) / _SQRT_2PI - z * special.ndtr(-z)


def standard_normal_loss(z: ArrayLike) -> np.ndarray | float:
    """Standard normal first-order loss function ``L(z) = E[(Z - z)+]``.

    Parameters
    ----------
    z : float or array_like
        Standardized stock level ``z = (y - mu) / sigma``.

    Returns
    -------
    float or numpy.ndarray
        ``L(z) = phi(z) - z * (1 - Phi(z))``, the expected shortage of a
        standard normal variable above ``z``. For ``X ~ N(mu, sigma**2)``,
        ``E[(X - y)+] = sigma * L((y - mu) / sigma)``.

    Raises
    ------
    DataValidationError
        If ``z`` contains NaN (``+-inf`` are allowed: ``L(inf) = 0``,
        ``L(-inf) = inf``).

    Notes
    -----
    Snyder & Shen (2019), eq. (C.22); the complementary identity
    ``L(-z) = L(z) + z`` follows from ``E[Z] = 0``.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley. Appendix C.3.

    Examples
    --------
    >>> round(float(standard_normal_loss(0.0)), 5)
    0.39894
    >>> np.round(standard_normal_loss([-1.0, 1.0, 2.0]), 5)
    array([1.08332, 0.08332, 0.00849])
    """
    zz = np.asarray(z, dtype=float)
    if np.any(np.isnan(zz)):
        raise DataValidationError(f"z must not be NaN, got {z!r}; drop or fill the missing values.")
    with np.errstate(invalid="ignore"):
        out = np.where(np.isposinf(zz), 0.0, np.where(np.isneginf(zz), np.inf, _loss(zz)))
    return _scalar_or_array(out)


def safety_stock_csl(sd: ArrayLike, cycle_service_level: ArrayLike) -> np.ndarray | float:
    """Safety stock for a target cycle service level (type-1 service).

    Parameters
    ----------
    sd : float or array_like
        Standard deviation ``sigma`` of demand over the lead time, >= 0.
    cycle_service_level : float or array_like
        Target probability ``alpha`` of no stockout in a replenishment cycle,
        strictly between 0 and 1.

    Returns
    -------
    float or numpy.ndarray
        ``z_alpha * sigma`` with ``z_alpha = Phi^{-1}(alpha)``; negative when
        ``alpha < 0.5``. The reorder point is the mean lead-time demand plus it.

    Raises
    ------
    DataValidationError
        If ``sd`` is negative or non-finite, or the service level is not in (0, 1).

    See Also
    --------
    newsvendor_normal : base-stock level from costs (its critical ratio is ``alpha``).
    safety_stock_fill_rate : safety stock for a target fill rate.

    Notes
    -----
    Type-1 service: ``P(D <= mu + z sigma) = alpha``, i.e. the reorder point
    ``r = mu + z_alpha sigma`` of Snyder & Shen (2019), eq. (5.21).

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley.

    Examples
    --------
    >>> round(float(safety_stock_csl(10.0, 0.95)), 4)
    16.4485
    """
    sigma = _check_sd(sd)
    alpha = _check_probability(cycle_service_level, "cycle_service_level", "0.95")
    return _scalar_or_array(special.ndtri(alpha) * sigma)


def _invert_loss(target: np.ndarray, *, tol: float = 1e-12, max_iter: int = 100) -> np.ndarray:
    """Solve ``L(z) = target`` (``target > 0``) elementwise.

    Newton's method on ``log L(z) = log(target)``. ``L`` is log-concave and
    decreasing, so Newton started right of the root moves monotonically left
    onto it. The start ``z0 = sqrt(max(0, -2 log(target sqrt(2 pi))))`` is right
    of the root: ``L(z) <= phi(z)`` for ``z >= 0``, so ``L(z0) <= target`` when
    ``z0 > 0``, and ``L(0) = phi(0) <= target`` when ``z0 = 0``.
    """
    log_t = np.log(target)
    z = np.sqrt(np.maximum(0.0, -2.0 * (log_t + np.log(_SQRT_2PI))))
    for _ in range(max_iter):
        loss = _loss(z)
        # d log L / dz = -(1 - Phi(z)) / L(z); step <= 0 from the right of the root
        step = (np.log(loss) - log_t) * loss / special.ndtr(-z)
        z = z + step
        if np.all(np.abs(step) <= tol * (1.0 + np.abs(z))):
            break
    return z


def safety_stock_fill_rate(
    sd: ArrayLike, order_quantity: ArrayLike, fill_rate: ArrayLike
) -> np.ndarray | float:
    """Safety stock for a target fill rate (type-2 service) in an (r, Q) policy.

    Parameters
    ----------
    sd : float or array_like
        Standard deviation ``sigma`` of demand over the lead time, >= 0.
    order_quantity : float or array_like
        Order quantity ``Q`` (> 0), e.g. from :func:`eoq`.
    fill_rate : float or array_like
        Target fraction ``beta`` of demand met from stock, strictly between 0 and 1.

    Returns
    -------
    float or numpy.ndarray
        Safety stock ``z * sigma`` where ``z`` solves
        ``L(z) = (1 - beta) * Q / sigma``. It is negative when ``Q`` is large
        relative to ``sigma`` (big orders alone already give the fill rate), and
        0 when ``sigma = 0``. Add the mean lead-time demand to get the reorder point.

    Raises
    ------
    DataValidationError
        If ``sd`` is negative, ``order_quantity`` is not positive, or
        ``fill_rate`` is not in (0, 1) (or any of them is non-finite).

    See Also
    --------
    standard_normal_loss : the loss function ``L``.
    safety_stock_csl : safety stock for a cycle service level.

    Notes
    -----
    Each cycle of ``Q`` units expects ``n(r) = sigma L(z)`` units short, so the
    fill rate is ``beta = 1 - sigma L(z) / Q`` (the type-2 service level of
    Snyder & Shen, 2019, ch. 5; the ``P_2`` criterion of Silver, Pyke & Thomas,
    2017, ch. 6, ``G_u(k) = Q (1 - P_2) / sigma_L``). The formula ignores shortages carried
    over from the previous cycle, which matter only when ``Q`` is small next to
    ``sigma``.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley.

    Silver, E. A., Pyke, D. F. and Thomas, D. J. (2017). *Inventory and
    Production Management in Supply Chains*, 4th ed., CRC Press, ch. 6.

    Examples
    --------
    ``L(z) = 0.02 * 100 / 20 = 0.1``, so ``z = 0.9023``:

    >>> round(float(safety_stock_fill_rate(20.0, 100.0, 0.98)), 3)
    18.047
    """
    sigma = _check_sd(sd)
    q = _check_value(
        order_quantity,
        "order_quantity",
        "finite and > 0",
        "pass the order (batch) size Q in units, e.g. from eoq().",
        low=0.0,
    )
    beta = _check_probability(fill_rate, "fill_rate", "0.98")
    sigma, q, beta = np.broadcast_arrays(sigma, q, beta)
    positive = sigma > 0
    target = (1.0 - beta) * q / np.where(positive, sigma, 1.0)
    z = _invert_loss(target)
    return _scalar_or_array(np.where(positive, z * sigma, 0.0))
