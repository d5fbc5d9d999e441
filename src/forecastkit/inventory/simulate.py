"""Simulate replenishment policies (base-stock, (s, S), (R, S) or any callable) on demand paths.

One periodic-review inventory system per item, simulated for every item and
sample path at once (numpy; a Python loop over periods only). Notation follows
Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd ed., 2019), ch. 4:
``h`` holding cost, ``p`` stockout cost, ``K`` fixed ordering cost, ``c`` unit
cost, ``L`` lead time, ``S`` order-up-to level, ``s`` reorder point, ``R``
review period, ``IP`` inventory position (on hand - backorders + on order).
The sequence of events is documented in :func:`simulate`.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from forecastkit._values import per_id
from forecastkit.errors import DataValidationError, DataWarning, format_values

__all__ = ["RS", "SS", "BaseStock", "PolicyState", "SimulationResult", "simulate"]

logger = logging.getLogger(__name__)

_N_BATCHES = 20  # batch means for the standard error of a single path
_EPS = 1e-9  # order quantities and net inventory closer to 0 than this are 0


# --------------------------------------------------------------------------- policies
@dataclass(frozen=True, eq=False)
class PolicyState:
    """Read-only state of every path and item at the start of a period, before ordering.

    Attributes
    ----------
    period : int
        Index of the period (0-based, warm-up periods included).
    on_hand : numpy.ndarray
        On-hand stock, shape ``(n_paths, n_items)``, before this period's receipt.
    backlog : numpy.ndarray
        Backordered units, shape ``(n_paths, n_items)``; always 0 with lost sales.
    pipeline : numpy.ndarray
        Orders outstanding, shape ``(n_paths, n_items, max_lead_time)``;
        ``pipeline[..., k]`` arrives in period ``period + k``.
    inventory_position : numpy.ndarray
        ``on_hand - backlog + pipeline.sum(axis=-1)``, shape ``(n_paths, n_items)``.
    ids : pandas.Index
        Item ids, in the order of the item axis.
    """

    period: int
    on_hand: np.ndarray
    backlog: np.ndarray
    pipeline: np.ndarray
    inventory_position: np.ndarray
    ids: pd.Index


# order(t, inventory_position, make_state) -> quantities of shape (n_paths, n_items)
_OrderFn = Callable[[int, np.ndarray, Callable[[], PolicyState]], np.ndarray]


@dataclass(frozen=True)
class BaseStock:
    """Base-stock policy: every period, order up to ``level`` (``S``).

    Orders ``max(S - IP, 0)``. ``level`` is a scalar, one value per item, or a
    Series indexed by item id. The system starts with ``S`` units on hand.
    """

    level: ArrayLike

    def _bind(self, ids: pd.Index) -> tuple[_OrderFn, np.ndarray]:
        level = per_id(self.level, "BaseStock.level", ids)

        def order(t: int, ip: np.ndarray, make_state: Any) -> np.ndarray:
            return np.maximum(level - ip, 0.0)

        return order, level


@dataclass(frozen=True)
class SS:
    """(s, S) policy: when ``IP <= s``, order up to ``S``; otherwise order nothing.

    The reorder test is ``IP <= s`` (Snyder & Shen, ch. 4; also Snyder's
    stockpyl), reviewed every period. ``s <= S`` is required; ``s = S - 1``
    with integer demand is a base-stock policy. The system starts with ``S``
    units on hand.
    """

    s: ArrayLike
    S: ArrayLike

    def _bind(self, ids: pd.Index) -> tuple[_OrderFn, np.ndarray]:
        low = per_id(self.s, "SS.s", ids)
        high = per_id(self.S, "SS.S", ids)
        bad = low > high
        if bad.any():
            raise DataValidationError(
                f"SS policy has s > S for {int(bad.sum())} items {format_values(ids[bad])}; "
                "the reorder point s must be <= the order-up-to level S."
            )

        def order(t: int, ip: np.ndarray, make_state: Any) -> np.ndarray:
            return np.where(ip <= low, high - ip, 0.0)

        return order, high


@dataclass(frozen=True)
class RS:
    """Periodic-review (R, S) policy: every ``review_period`` periods, order up to ``level``.

    Reviews happen in periods ``t`` with ``(t - offset) % R == 0`` (periods are
    counted from 0, warm-up included) and order ``max(S - IP, 0)``. Each
    parameter is a scalar, one value per item, or a Series indexed by item id;
    per-item offsets stagger the reviews. The system starts with ``S`` on hand.
    """

    review_period: ArrayLike
    level: ArrayLike
    offset: ArrayLike = 0

    def _bind(self, ids: pd.Index) -> tuple[_OrderFn, np.ndarray]:
        period = per_id(
            self.review_period,
            "RS.review_period",
            ids,
            minimum=1,
            integer=True,
            unit=" (in periods)",
        )
        offset = per_id(
            self.offset, "RS.offset", ids, minimum=0, integer=True, unit=" (in periods)"
        )
        level = per_id(self.level, "RS.level", ids)

        def order(t: int, ip: np.ndarray, make_state: Any) -> np.ndarray:
            review = (t - offset) % period == 0
            return np.where(review, np.maximum(level - ip, 0.0), 0.0)

        return order, level


def _bind_callable(policy: Callable[[int, PolicyState], ArrayLike], ids: pd.Index) -> _OrderFn:
    def order(t: int, ip: np.ndarray, make_state: Callable[[], PolicyState]) -> np.ndarray:
        raw = policy(t, make_state())
        try:
            q = np.broadcast_to(np.asarray(raw, dtype=float), ip.shape)
        except (TypeError, ValueError) as err:
            raise DataValidationError(
                f"policy returned orders of shape {np.shape(raw)} in period {t}; return one "
                f"quantity per item, shape ({ip.shape[1]},) or {ip.shape} (n_paths, n_items)."
            ) from err
        bad = ~np.isfinite(q) | (q < -_EPS)
        if bad.any():
            items = ids[bad.any(axis=0)]
            raise DataValidationError(
                f"policy returned {int(bad.sum())} negative or non-finite order quantities "
                f"in period {t} for items {format_values(items)}; orders must be >= 0."
            )
        return q

    return order


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    per_item : pandas.DataFrame
        One row per item: the id, then per-period averages over the measured
        periods (after ``warmup``) and paths: ``demand``, ``filled`` (filled
        from stock in the period of the demand), ``fill_rate`` (type 2:
        ``filled / demand``, NaN without demand), ``cycle_service_level``
        (type 1: share of periods that end without a stockout, i.e. with no
        backorder outstanding, or with no sale lost), ``avg_on_hand``,
        ``avg_backorders``, ``avg_lost_sales``, ``n_orders`` (orders placed per
        path over the measured periods), ``holding_cost``, ``stockout_cost``,
        ``ordering_cost`` (fixed plus unit cost), ``total_cost`` and
        ``total_cost_se``, the standard error of ``total_cost``.
    total : pandas.DataFrame
        One row summing the items (rates pooled over items: ``fill_rate`` is
        total filled over total demand, ``cycle_service_level`` the share of
        item-periods without stockout); its ``total_cost_se`` accounts for
        correlation between items.
    path_costs : numpy.ndarray
        Average total cost per period on each path, shape ``(n_paths, n_items)``;
        with common random numbers, paired differences of two runs give tight
        comparisons of policies.
    n_paths, n_periods, warmup : int
        Paths simulated, periods per path (warm-up included), warm-up periods.
    trajectory : dict of str to numpy.ndarray or None
        With ``keep_trajectory=True``: arrays of shape
        ``(n_paths, n_items, n_periods)`` (warm-up included) named ``demand``,
        ``orders``, ``receipts``, ``filled``, ``on_hand``, ``backorders`` and
        ``lost_sales`` (end-of-period levels) and ``cost``.
    """

    per_item: pd.DataFrame
    total: pd.DataFrame
    path_costs: np.ndarray
    n_paths: int
    n_periods: int
    warmup: int
    trajectory: dict[str, np.ndarray] | None = None


# --------------------------------------------------------------------------- checks
def _check_demand(cube: np.ndarray, ids: pd.Index) -> np.ndarray:
    bad = ~np.isfinite(cube) | (cube < 0)
    if bad.any():
        path, item, period = np.nonzero(bad)
        names = ids.tolist()
        where = [(names[i], int(t)) for i, t in zip(item[:3], period[:3], strict=True)]
        raise DataValidationError(
            f"demand has {int(bad.sum())} NaN, infinite or negative values in items "
            f"{format_values(ids[np.unique(item)])} (first (item, period) pairs "
            f"{format_values(where, 3)}, paths {format_values(np.unique(path).tolist())}); "
            "demand must be finite and >= 0."
        )
    return cube


# --------------------------------------------------------------------------- demand input
def _from_array(demand: Any, ids: Any) -> tuple[np.ndarray, pd.Index]:
    try:
        arr = np.asarray(demand, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"demand must be numeric ({err}).") from err
    if arr.ndim not in (1, 2, 3) or 0 in arr.shape:
        raise DataValidationError(
            f"demand has shape {arr.shape}; pass (n_periods,), (n_items, n_periods) or "
            "(n_paths, n_items, n_periods), with at least one path, item and period."
        )
    cube: np.ndarray = arr.reshape((1,) * (3 - arr.ndim) + arr.shape)
    index = pd.RangeIndex(cube.shape[1]) if ids is None else pd.Index(list(ids))
    if len(index) != cube.shape[1] or not index.is_unique:
        raise DataValidationError(
            f"ids must be {cube.shape[1]} unique ids, one per item of demand; got {len(index)}."
        )
    return _check_demand(cube.copy(), index), index


def _from_frame(
    frame: pd.DataFrame, id_col: str, time_col: str, target_col: str, sample_col: str | None
) -> tuple[np.ndarray, pd.Index]:
    keys = [id_col, time_col] if sample_col is None else [sample_col, id_col, time_col]
    absent = [c for c in [*keys, target_col] if c not in frame.columns]
    if absent:
        raise DataValidationError(
            f"demand frame lacks columns {absent}; it needs {[*keys, target_col]} "
            "(set id_col=, time_col=, target_col= or sample_col=)."
        )
    try:
        y = frame[target_col].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"column {target_col!r} must be numeric ({err}).") from err
    for bad, what in ((np.isnan(y), "missing"), (y < 0, "negative"), (np.isinf(y), "infinite")):
        if bad.any():
            raise DataValidationError(
                f"column {target_col!r} has {int(bad.sum())} {what} values in series "
                f"{format_values(frame[id_col][bad].drop_duplicates().tolist())} at dates "
                f"{format_values(frame[time_col][bad].drop_duplicates().tolist())}; demand "
                "must be finite and >= 0 (fill periods without sales with 0, clip returns)."
            )
    dup = frame.duplicated(keys).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"demand frame has {int(dup.sum())} duplicated {keys} rows, in series "
            f"{format_values(frame[id_col][dup].drop_duplicates().tolist())}; aggregate them first."
        )
    wide = pd.Series(y, index=pd.MultiIndex.from_frame(frame[keys])).unstack(time_col)
    wide = wide.sort_index(axis=1)
    ids = pd.Index(pd.unique(frame[id_col])).sort_values().rename(None)
    if sample_col is None:
        wide = wide.reindex(ids)
    else:
        samples = pd.Index(pd.unique(frame[sample_col])).sort_values()
        wide = wide.reindex(pd.MultiIndex.from_product([samples, ids]))
    holes = np.isnan(wide.to_numpy(dtype=float))
    if holes.any():
        row, col = np.nonzero(holes)
        bad_ids = wide.index.get_level_values(-1)[row]
        raise DataValidationError(
            f"demand frame has no row for {int(holes.sum())} (series, date) pairs, in series "
            f"{format_values(pd.unique(bad_ids))}, e.g. "
            f"{format_values(list(zip(bad_ids[:3], wide.columns[col[:3]], strict=True)), 3)}; "
            f"every series needs a row for every date in {time_col!r} (add 0-demand rows)."
        )
    return wide.to_numpy(dtype=float).reshape(-1, len(ids), wide.shape[1]), ids


def _draw(dist: Any, n_periods: Any, n_paths: Any, seed: Any) -> np.ndarray:
    if n_periods is None or int(n_periods) != n_periods or n_periods < 1:
        raise DataValidationError(
            f"demand is a distribution, so pass n_periods= (an integer >= 1), got {n_periods!r}."
        )
    n_paths = 1 if n_paths is None else n_paths
    if int(n_paths) != n_paths or n_paths < 1:
        raise DataValidationError(f"n_paths must be an integer >= 1, got {n_paths!r}.")
    batch = np.shape(dist.mean())
    if len(batch) > 1:
        raise DataValidationError(
            f"the demand distribution has parameters of shape {batch}; use scalars or one "
            "value per item (1-D)."
        )
    rng = np.random.default_rng(seed)
    size = (int(n_paths), int(n_periods), *batch)
    draws = np.asarray(dist.rvs(size=size, random_state=rng), dtype=float)
    cube = np.moveaxis(draws.reshape(size[0], size[1], -1), 1, 2).copy()
    negative = cube < 0
    if negative.any():
        warnings.warn(
            f"{int(negative.sum())} of {cube.size} demand draws were negative and were set "
            "to 0; use a distribution on [0, inf) (e.g. truncated normal, gamma, Poisson).",
            DataWarning,
            stacklevel=3,
        )
        cube = np.maximum(cube, 0.0)
    return cube


def _demand(demand: Any, ids: Any, opts: dict[str, Any]) -> tuple[np.ndarray, pd.Index]:
    drawing = {k: opts[k] for k in ("n_periods", "n_paths", "seed") if opts[k] is not None}
    if hasattr(demand, "rvs"):
        cube = _draw(demand, opts["n_periods"], opts["n_paths"], opts["seed"])
        return _from_array(cube, ids)
    if drawing:
        raise DataValidationError(
            f"{sorted(drawing)} are only used when demand is a scipy distribution; "
            "drop them, or pass a frozen distribution such as scipy.stats.poisson(6)."
        )
    if isinstance(demand, pd.DataFrame):
        if ids is not None:
            raise DataValidationError(
                "ids= names the items of array demand; a demand frame names them in its "
                f"{opts['id_col']!r} column, so drop ids=."
            )
        cols = (opts["id_col"], opts["time_col"], opts["target_col"], opts["sample_col"])
        return _from_frame(demand, *cols)
    return _from_array(demand, ids)


# --------------------------------------------------------------------------- engine
class _System:
    """Net inventory and outstanding orders of every path and item (mutable, private)."""

    def __init__(
        self, n_paths: int, lead: np.ndarray, on_hand: np.ndarray, lost: bool, ids: pd.Index
    ) -> None:
        self.lead = lead
        self.ids = ids
        self.width = int(lead.max()) + 1  # ring buffer: slot t % width arrives in period t
        self.net = np.tile(on_hand, (n_paths, 1))
        self.due = np.zeros((n_paths, lead.size, self.width))
        self.items = np.arange(lead.size)
        self.lost = lost

    def position(self) -> np.ndarray:
        return self.net + self.due.sum(axis=2)

    def state(self, t: int, ip: np.ndarray) -> PolicyState:
        slots = (t + np.arange(self.width - 1)) % self.width
        arrays = [np.maximum(self.net, 0.0), np.maximum(-self.net, 0.0), self.due[:, :, slots]]
        arrays.append(ip.copy())
        for arr in arrays:
            arr.setflags(write=False)
        on_hand, backlog, pipeline, position = arrays
        return PolicyState(t, on_hand, backlog, pipeline, position, self.ids)

    def step(self, t: int, q: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
        self.due[:, self.items, (t + self.lead) % self.width] += q
        receipt = self.due[:, :, t % self.width].copy()
        self.due[:, :, t % self.width] = 0.0
        self.net += receipt
        filled = np.minimum(d, np.maximum(self.net, 0.0))
        self.net -= d
        self.net[np.abs(self.net) < _EPS] = 0.0
        lost = np.maximum(-self.net, 0.0) if self.lost else np.zeros_like(d)
        if self.lost:
            self.net = np.maximum(self.net, 0.0)
        return receipt, filled, lost


def _run(
    cube: np.ndarray, order: _OrderFn, system: _System, costs: dict, warmup: int, keep: bool
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray] | None]:
    """Loop over periods; returns sums over measured periods, batch costs, trajectories."""
    n_paths, n_items, n_periods = cube.shape
    measured = n_periods - warmup
    n_batches = min(_N_BATCHES, measured)
    sums: dict[str, np.ndarray] = {}
    batches = np.zeros((n_paths, n_items, n_batches))
    traj: dict[str, list[np.ndarray]] = {}
    for t in range(n_periods):
        ip = system.position()
        q = order(t, ip, functools.partial(system.state, t, ip))
        q = np.where(q > _EPS, q, 0.0)
        d = cube[:, :, t]
        receipt, filled, lost = system.step(t, q, d)
        on_hand, backlog = np.maximum(system.net, 0.0), np.maximum(-system.net, 0.0)
        short = lost if system.lost else backlog
        parts = {
            "demand": d,
            "filled": filled,
            "on_hand": on_hand,
            "backorders": backlog,
            "lost_sales": lost,
            "stockouts": (short > 0).astype(float),
            "n_orders": (q > 0).astype(float),
            "holding_cost": costs["h"] * on_hand,
            "stockout_cost": costs["p"] * short,
            "ordering_cost": costs["K"] * (q > 0) + costs["c"] * q,
        }
        cost = parts["holding_cost"] + parts["stockout_cost"] + parts["ordering_cost"]
        if t >= warmup:
            for name, value in parts.items():
                sums[name] = sums.get(name, 0.0) + value
            batches[:, :, (t - warmup) * n_batches // measured] += cost
        if keep:
            extra = {"orders": q, "receipts": receipt, "cost": cost}
            for name in _TRAJECTORY:
                traj.setdefault(name, []).append(extra[name] if name in extra else parts[name])
    return sums, batches, {k: np.stack(v, axis=-1) for k, v in traj.items()} if keep else None


_TRAJECTORY = "demand orders receipts filled on_hand backorders lost_sales cost".split()


def _std_error(path_cost: np.ndarray, batches: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """SE of the mean cost per period: across paths, or by batch means on one path."""
    if path_cost.shape[0] > 1:
        return path_cost.std(axis=0, ddof=1) / np.sqrt(path_cost.shape[0])
    if lengths.size < 2:
        return np.full(path_cost.shape[1:], np.nan)
    means = batches[0] / lengths
    return means.std(axis=-1, ddof=1) / np.sqrt(lengths.size)


def _summarize(
    sums: dict[str, np.ndarray], batches: np.ndarray, measured: int, ids: pd.Index, id_col: str
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    n_batches = batches.shape[2]
    lengths = np.bincount(np.arange(measured) * n_batches // measured, minlength=n_batches)
    avg = {name: value.mean(axis=0) / measured for name, value in sums.items()}
    costs = ("holding_cost", "stockout_cost", "ordering_cost")
    path_cost: np.ndarray = np.sum([sums[c] for c in costs], axis=0) / measured  # (paths, items)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(avg["demand"] > 0, avg["filled"] / avg["demand"], np.nan)
    rows = {
        id_col: ids,
        "demand": avg["demand"],
        "filled": avg["filled"],
        "fill_rate": fill_rate,
        "cycle_service_level": 1.0 - avg["stockouts"],
        "avg_on_hand": avg["on_hand"],
        "avg_backorders": avg["backorders"],
        "avg_lost_sales": avg["lost_sales"],
        "n_orders": avg["n_orders"] * measured,
        **{name: avg[name] for name in costs},
        "total_cost": path_cost.mean(axis=0),
        "total_cost_se": _std_error(path_cost, batches, lengths),
    }
    totals = {name: float(value.sum()) for name, value in rows.items() if name != id_col}
    demand = totals["demand"]
    totals["fill_rate"] = totals["filled"] / demand if demand > 0 else np.nan
    totals["cycle_service_level"] = float(rows["cycle_service_level"].mean())
    summed = (path_cost.sum(axis=1, keepdims=True), batches.sum(axis=1, keepdims=True))
    totals["total_cost_se"] = float(_std_error(*summed, lengths)[0])
    return pd.DataFrame(rows), pd.DataFrame([totals]), path_cost


# --------------------------------------------------------------------------- public
def simulate(
    demand: Any,
    policy: BaseStock | SS | RS | Callable[[int, PolicyState], ArrayLike],
    *,
    lead_time: ArrayLike = 0,
    holding_cost: ArrayLike,
    stockout_cost: ArrayLike,
    fixed_cost: ArrayLike = 0.0,
    unit_cost: ArrayLike = 0.0,
    lost_sales: bool = False,
    initial_on_hand: ArrayLike | None = None,
    warmup: int = 0,
    ids: ArrayLike | None = None,
    keep_trajectory: bool = False,
    n_periods: int | None = None,
    n_paths: int | None = None,
    seed: int | np.random.Generator | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    sample_col: str | None = None,
) -> SimulationResult:
    """Simulate an inventory policy on demand paths and report its costs and service.

    Periodic review, one stocking point per item, items independent. Each
    period: (1) order, (2) receive the order placed ``L`` periods earlier
    (with ``L = 0``, the order just placed), which first fills backorders,
    (3) demand, filled from stock and otherwise backordered or lost, (4) costs
    on end-of-period levels: ``h`` per unit on hand, ``p`` per unit
    backordered (each period it waits) or lost, ``K`` per order, ``c`` per
    unit ordered. This is Snyder & Shen's periodic-review timing: a base-stock
    level ``S`` ends period ``t + L`` with net inventory
    ``S - (D_t + ... + D_{t+L})``, so its cost per period is the newsvendor
    cost of ``L + 1`` periods of demand, as in
    ``newsvendor_normal(..., lead_time=L)``. The simulator draws no random
    numbers itself.

    Parameters
    ----------
    demand : array_like, DataFrame or scipy frozen distribution
        * an array of shape ``(n_periods,)``, ``(n_items, n_periods)`` or
          ``(n_paths, n_items, n_periods)`` (e.g. sample paths of a forecaster);
        * a long frame ``id_col, time_col, target_col`` (a demand history; the
          periods are its sorted distinct dates and every series needs every
          date), or with ``sample_col`` a long frame of sample paths
          ``sample_col, id_col, time_col, target_col``;
        * a frozen scipy distribution (``scipy.stats.poisson(6)``, or with one
          parameter per item) from which ``n_paths`` paths of ``n_periods``
          periods are drawn with ``np.random.default_rng(seed)``: reuse the
          seed for common random numbers. Negative draws are set to 0, with a
          ``DataWarning``.
    policy : BaseStock, SS, RS or callable
        A policy, or ``policy(t, state) -> order quantities`` taking the period
        and a read-only :class:`PolicyState` and returning quantities of shape
        ``(n_items,)`` or ``(n_paths, n_items)`` (e.g. an optimizer re-run at
        each review).
    lead_time : int or array_like, default=0
        Lead time ``L`` in periods, an integer >= 0, scalar or one per item.
    holding_cost, stockout_cost : float or array_like
        ``h`` and ``p`` per unit per period, >= 0, scalar or one per item.
    fixed_cost, unit_cost : float or array_like, default=0.0
        ``K`` per order placed and ``c`` per unit ordered, >= 0.
    lost_sales : bool, default=False
        Lose unmet demand instead of backordering it.
    initial_on_hand : float or array_like, optional
        Stock on hand before period 0 (nothing on order). Defaults to the
        policy's order-up-to level (0 for a callable), which starts a
        base-stock system with ``L = 0`` in steady state; with ``L > 0`` the
        first ``L`` periods are a transient that ``warmup=L`` removes.
    warmup : int, default=0
        Leading periods left out of every statistic.
    ids : array_like, optional
        Item ids for array demand (default ``0..n_items-1``).
    keep_trajectory : bool, default=False
        Keep the per-period arrays in ``SimulationResult.trajectory``.
    n_periods, n_paths, seed : optional
        Only with a distribution as ``demand``; ``n_paths`` defaults to 1.
    id_col, time_col, target_col, sample_col : str
        Columns of a demand frame; ``id_col`` also names the output id column.
        Parameters given as a Series are aligned on the item ids.

    Returns
    -------
    SimulationResult
        ``per_item`` and ``total`` frames of per-period averages,
        ``path_costs`` and, optionally, the trajectories. ``total_cost_se`` is
        the standard deviation of the per-path average cost over
        ``sqrt(n_paths)``; with one path it uses 20 batch means.

    Raises
    ------
    DataValidationError
        Negative or non-finite demand (naming items and periods, or series and
        dates), missing or duplicated rows in a demand frame, negative costs, a
        lead time that is not an integer >= 0, policy parameters whose shape
        does not match the items, ``s > S``, invalid orders from a callable.

    See Also
    --------
    forecastkit.inventory.newsvendor_normal : the optimal base-stock level.

    References
    ----------
    Snyder, L. V. and Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain
    Theory*, 2nd ed., Wiley, ch. 4 (base-stock and (s, S) policies).

    Examples
    --------
    Snyder & Shen, Example 4.3 (optimal ``S* = 56.604``, cost 1.99761):

    >>> from scipy import stats
    >>> res = simulate(stats.norm(50, 8), BaseStock(56.604), holding_cost=0.18,
    ...                stockout_cost=0.70, n_periods=1000, n_paths=100, seed=0)
    >>> res.total[["fill_rate", "cycle_service_level", "total_cost", "total_cost_se"]].round(3)
       fill_rate  cycle_service_level  total_cost  total_cost_se
    0      0.982                0.796       1.993          0.005

    A deterministic (s, S) example with a lead time of one period:

    >>> res = simulate([4, 2, 5, 0, 3], SS(s=2, S=6), lead_time=1, holding_cost=1,
    ...                stockout_cost=4, fixed_cost=10, keep_trajectory=True)
    >>> res.trajectory["orders"][0, 0].tolist()
    [0.0, 4.0, 0.0, 7.0, 0.0]
    >>> res.per_item[["fill_rate", "cycle_service_level", "n_orders", "total_cost"]]
       fill_rate  cycle_service_level  n_orders  total_cost
    0   0.928571                  0.6       2.0         6.6

    A callable policy sees a read-only :class:`PolicyState`; this one orders
    up to 12 every third period, like ``RS(review_period=3, level=12)``:

    >>> def every_third(t, state):
    ...     return (t % 3 == 0) * np.maximum(12 - state.inventory_position, 0)
    >>> demand = np.random.default_rng(1).poisson(4, size=(2, 30))
    >>> res = simulate(demand, every_third, holding_cost=1, stockout_cost=5,
    ...                initial_on_hand=12, ids=["SKU-1", "SKU-2"])
    >>> ref = simulate(demand, RS(3, 12), holding_cost=1, stockout_cost=5,
    ...                ids=["SKU-1", "SKU-2"])
    >>> res.per_item.equals(ref.per_item)
    True
    >>> res.per_item[["unique_id", "fill_rate", "n_orders"]].round(3)
      unique_id  fill_rate  n_orders
    0     SKU-1      0.950       9.0
    1     SKU-2      0.971       9.0
    """
    opts = {"n_periods": n_periods, "n_paths": n_paths, "seed": seed, "id_col": id_col}
    opts |= {"time_col": time_col, "target_col": target_col, "sample_col": sample_col}
    cube, item_ids = _demand(demand, ids, opts)
    costs = {
        key: per_id(value, name, item_ids, minimum=0)
        for key, value, name in (
            ("h", holding_cost, "holding_cost"),
            ("p", stockout_cost, "stockout_cost"),
            ("K", fixed_cost, "fixed_cost"),
            ("c", unit_cost, "unit_cost"),
        )
    }
    lead = per_id(lead_time, "lead_time", item_ids, minimum=0, integer=True, unit=" (in periods)")
    if int(warmup) != warmup or not 0 <= warmup < cube.shape[2]:
        raise DataValidationError(
            f"warmup must be an integer in [0, {cube.shape[2]}) (fewer than the "
            f"{cube.shape[2]} demand periods), got {warmup!r}."
        )
    order, start = _bind_policy(policy, item_ids)
    if initial_on_hand is not None:
        start = per_id(initial_on_hand, "initial_on_hand", item_ids, minimum=0)
    system = _System(cube.shape[0], lead, start, bool(lost_sales), item_ids)
    sums, batches, traj = _run(cube, order, system, costs, int(warmup), bool(keep_trajectory))
    per_item, total, path_costs = _summarize(
        sums, batches, cube.shape[2] - int(warmup), item_ids, id_col
    )
    logger.debug("simulated %d paths x %d items x %d periods", *cube.shape)
    return SimulationResult(
        per_item=per_item,
        total=total,
        path_costs=path_costs,
        n_paths=cube.shape[0],
        n_periods=cube.shape[2],
        warmup=int(warmup),
        trajectory=traj,
    )


def _bind_policy(policy: Any, ids: pd.Index) -> tuple[_OrderFn, np.ndarray]:
    if isinstance(policy, (BaseStock, SS, RS)):
        return policy._bind(ids)
    if callable(policy):
        return _bind_callable(policy, ids), np.zeros(len(ids))
    raise DataValidationError(
        f"policy must be BaseStock, SS, RS or a callable policy(t, state), got {policy!r}."
    )
