"""Budget- and capacity-constrained reorder quantities from demand samples.

:class:`ReorderOptimizer` turns demand over each item's protection interval
(lead time plus review period), given as sample paths from a forecaster, into
an order plan that maximises total expected profit under shared budgets,
supplier budgets and warehouse capacity, with minimum order quantities, case
packs, maximum orders and optional minimum service levels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pulp

from forecastkit._estimator import ParamsMixin
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.inventory._items import Items, read_demand, read_items
from forecastkit.inventory._mckp import Grid, Knapsack, Row, Solution

__all__ = ["ReorderOptimizer"]

logger = logging.getLogger(__name__)


class ReorderOptimizer(ParamsMixin):
    """Order quantities that maximise expected profit under shared constraints.

    Each item has a stock position (``on_hand + on_order``) and a demand
    distribution over its protection interval, given as samples. Ordering
    ``q`` units gives stock ``y = position + q`` and expected profit

    ``price E[min(D, y)] + (salvage_value - holding_cost) E[(y - D)+]
    - shortage_cost E[(D - y)+] - unit_cost q``,

    the multi-item newsvendor objective with the leftover valued at
    ``salvage_value`` net of ``holding_cost`` (Snyder & Shen, *Fundamentals of
    Supply Chain Theory*, 2nd ed., sec. 4.3; for replenishment of a continuing
    item, set ``salvage_value`` near ``unit_cost``: a unit left over is sold
    next cycle). Orders are 0 or at least the MOQ, in whole case packs, at
    most ``max_order``. The items share:

    * ``budget``: total ``unit_cost * q`` of the orders;
    * ``supplier_budgets``: the same per supplier (``items["supplier"]``);
    * ``capacity``: total ``volume * q`` of the incoming orders (free space);
    * ``service_level`` (or ``items["min_service_level"]``): a floor on each
      item's cycle service level ``P(D <= y)``.

    The model is a multiple-choice knapsack: each item picks one quantity on
    its grid (see :meth:`optimize` for the algorithm). The models HiGHS
    solves are :class:`pulp.LpProblem` objects; the last one is kept in
    :attr:`model_`.

    Parameters
    ----------
    budget : float, optional
        Money available for all orders together.
    supplier_budgets : mapping, optional
        ``{supplier: budget}``; suppliers not named are unconstrained.
    capacity : float, optional
        Space available for the incoming orders, in ``items["volume"]`` units.
    service_level : float, optional
        Minimum cycle service level of every item (per-item values in
        ``items["min_service_level"]`` take precedence).
    mip_rel_gap : float, default=1e-4
        Relative gap at which HiGHS stops the integer model.
    time_limit : float, optional
        Seconds HiGHS may spend on the integer model.
    threads : int, optional
        HiGHS threads (default: HiGHS's choice).
    id_col, demand_col : str
        Column names of the item id and of the demand samples.

    Attributes
    ----------
    plan_ : pandas.DataFrame
        The last plan (see :meth:`optimize`).
    status_ : str
        HiGHS's status of the integer model (``"optimal"``, ``"time_limit"``),
        or ``"optimal"`` when no shared constraint binds (then no model is built).
    objective_ : float
        Total expected profit of the plan.
    bound_ : float
        Upper bound on the best total expected profit over every candidate
        quantity of every item (the Lagrangian bound of the priced LP).
    gap_ : float
        ``(bound_ - objective_) / |bound_|``: how far from optimal the plan can be.
    multipliers_ : dict
        Shadow price of each shared constraint: the expected profit of one
        more unit of budget (or capacity), from the LP relaxation.
    model_ : pulp.LpProblem or None
        The last model HiGHS solved (the integer model, or the last LP
        relaxation when the rounded relaxation was already within
        ``mip_rel_gap``); None when no model was needed (no shared
        constraint binds, or one shared constraint solved by bisection).
    iterations_ : int
        Bisection steps (one shared constraint) or column-generation rounds
        (several).
    solve_seconds_ : float
        Wall time of :meth:`optimize`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastkit import ReorderOptimizer
    >>> rng = np.random.default_rng(0)
    >>> demand = pd.DataFrame({
    ...     "unique_id": np.repeat(["A", "B"], 500),
    ...     "sample": np.tile(np.arange(500), 2),
    ...     "demand": np.concatenate([rng.poisson(40, 500), rng.poisson(10, 500)]),
    ... })
    >>> items = pd.DataFrame({"unique_id": ["A", "B"], "unit_cost": [5.0, 8.0],
    ...                       "price": [9.0, 20.0], "case_pack": [12, 1]})
    >>> plan = ReorderOptimizer(budget=250).optimize(demand, items)
    >>> plan[["unique_id", "order_qty", "reason"]]
      unique_id  order_qty                 reason
    0         A       36.0  unconstrained optimum
    1         B        8.0         budget-limited
    >>> float(plan["order_cost"].sum()) <= 250
    True
    """

    def __init__(
        self,
        *,
        budget: float | None = None,
        supplier_budgets: Mapping[Any, float] | None = None,
        capacity: float | None = None,
        service_level: float | None = None,
        mip_rel_gap: float = 1e-4,
        time_limit: float | None = None,
        threads: int | None = None,
        id_col: str = "unique_id",
        demand_col: str = "demand",
    ) -> None:
        self.budget = budget
        self.supplier_budgets = supplier_budgets
        self.capacity = capacity
        self.service_level = service_level
        self.mip_rel_gap = mip_rel_gap
        self.time_limit = time_limit
        self.threads = threads
        self.id_col = id_col
        self.demand_col = demand_col

    # ------------------------------------------------------------------ inputs
    def _check_params(self) -> None:
        for name in ("budget", "capacity"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value >= 0):
                raise InvalidParameterError(f"{name} must be a finite number >= 0, got {value!r}.")
        for supplier, value in (self.supplier_budgets or {}).items():
            if not (np.isfinite(value) and value >= 0):
                raise InvalidParameterError(
                    f"supplier_budgets[{supplier!r}] must be a finite number >= 0, got {value!r}."
                )
        if not 0 < self.mip_rel_gap < 1:
            raise InvalidParameterError(f"mip_rel_gap must be in (0, 1), got {self.mip_rel_gap!r}.")

    def _rows(self, items: Items) -> list[Row]:
        rows = []
        cost = items["unit_cost"]
        if self.budget is not None:
            rows.append(Row("budget", "budget", cost, float(self.budget)))
        if self.supplier_budgets:
            if items.supplier is None:
                raise DataValidationError(
                    "supplier_budgets needs a 'supplier' column in items naming each "
                    "item's supplier."
                )
            for j, (supplier, value) in enumerate(self.supplier_budgets.items()):
                member = items.supplier == supplier
                if not member.any():
                    raise DataValidationError(
                        f"supplier_budgets names supplier {supplier!r}, which no item has "
                        f"(suppliers: {format_values(pd.unique(items.supplier))})."
                    )
                coef = np.where(member, cost, 0.0)
                rows.append(Row(f"supplier_{j}", f"supplier {supplier!r} budget", coef, value))
        if self.capacity is not None:
            rows.append(Row("capacity", "capacity", items["volume"], float(self.capacity)))
        return rows

    @staticmethod
    def _check_commitments(grid: Grid, rows: list[Row], klo: np.ndarray, off: np.ndarray) -> None:
        """Refuse when the minimum service levels alone break a shared constraint."""
        item = np.arange(grid.n)
        q_min = np.where(off, 0.0, grid.quantity(item, klo))
        for r in rows:
            need = float(r.coef @ q_min)
            if need > r.rhs * (1 + 1e-12):
                forced = (r.coef * q_min) > 0
                raise DataValidationError(
                    f"the {r.kind} ({r.rhs:,.2f}) is below the {need:,.2f} that the minimum "
                    f"service levels need for {int(forced.sum())} item(s) "
                    f"{format_values(grid.items.ids[forced])}; raise the {r.kind} or lower "
                    "the service levels."
                )

    # ------------------------------------------------------------------ solve
    def optimize(self, demand: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
        """Choose every item's order quantity.

        Parameters
        ----------
        demand : pandas.DataFrame
            Demand over each item's protection interval, one row per item and
            sample path: ``id_col``, a sample column (any name) and
            ``demand_col``. Items may have different numbers of samples. Build
            it from a forecaster's sample paths with
            :func:`forecastkit.inventory.protection_demand`, or from quantiles
            with :func:`forecastkit.inventory.demand_from_quantiles`.
        items : pandas.DataFrame
            One row per item: ``id_col``, ``unit_cost``, ``price``; optional
            ``holding_cost``, ``salvage_value``, ``shortage_cost``, ``on_hand``,
            ``on_order``, ``moq`` (0), ``case_pack`` (1), ``max_order`` (no
            limit), ``volume`` (0), ``supplier``, ``min_service_level``.

        Returns
        -------
        pandas.DataFrame
            One row per item, in the items' order: ``id_col, order_qty,
            order_cost, stock_after, expected_sales, expected_leftover,
            expected_stockout, fill_rate, cycle_service_level, expected_profit,
            reason, budget_shadow_price``. ``reason`` is one of
            ``"unconstrained optimum"``, ``"budget-limited"``,
            ``"supplier-budget-limited"``, ``"capacity-limited"``,
            ``"max-order-limited"``, ``"service-level minimum"``,
            ``"MOQ not worth it"``, ``"covered by stock on hand"``,
            ``"not profitable"`` or ``"no demand"``.
            ``budget_shadow_price`` is the expected profit of one more unit of
            money for that item's budgets (total plus its supplier's).

        Notes
        -----
        The algorithm: every item's best quantity for a given per-unit charge
        on its budget and space use is found exactly by binary search (its
        expected profit is concave on the case-pack grid above the MOQ). With
        all charges at zero this is each item's own optimum; if those orders
        fit, they are the plan. Otherwise the LP relaxation of the
        multiple-choice knapsack is solved: by bisection on the charge when
        one shared constraint binds, and by column generation when there are
        several (HiGHS solves the LP on a few candidate quantities per item,
        every item's whole grid is priced at the LP's shadow prices,
        improving candidates are added, until none improves). Each pricing
        gives a Lagrangian upper bound that holds for the full problem. The
        relaxation's plan is rounded down and what it leaves of the budgets
        is spent greedily; if that plan is within ``mip_rel_gap`` of the
        bound it is returned, else the integer model (each item one candidate
        or nothing) is solved by HiGHS on the candidates around it, or on
        every candidate when there are fewer than 20,000. :attr:`gap_`
        compares the plan's profit with the best bound.
        """
        start = time.perf_counter()
        self._check_params()
        parsed = read_items(items, id_col=self.id_col, service_level=self.service_level)
        samples = read_demand(demand, parsed.ids, id_col=self.id_col, demand_col=self.demand_col)
        grid = Grid(parsed, samples)
        rows = self._rows(parsed)
        klo, off = np.zeros(grid.n, dtype=np.int64), np.ones(grid.n, dtype=bool)
        if parsed.min_service is not None:
            klo, off, unreachable = grid.service_floor(parsed.min_service)
            if unreachable.any():
                raise DataValidationError(
                    f"the minimum service level cannot be reached within max_order for "
                    f"{int(unreachable.sum())} item(s) {format_values(parsed.ids[unreachable])}; "
                    "raise max_order or lower the service level."
                )
        self._check_commitments(grid, rows, klo, off)
        solution = Knapsack(
            grid,
            rows,
            klo,
            off,
            mip_rel_gap=self.mip_rel_gap,
            time_limit=self.time_limit,
            threads=self.threads,
        ).run()
        self._store(solution)
        self.plan_ = _plan(grid, rows, solution, self.id_col)
        self.solve_seconds_ = time.perf_counter() - start
        logger.info(
            "reorder plan: %d items, profit %.6g, gap %.2g, %s, %.2f s",
            grid.n,
            self.objective_,
            self.gap_,
            self.status_,
            self.solve_seconds_,
        )
        return self.plan_

    def _store(self, solution: Solution) -> None:
        self.status_ = solution.status
        self.objective_ = solution.objective
        self.bound_ = solution.bound
        self.gap_ = solution.gap
        self.multipliers_ = dict(solution.multipliers)
        self.model_: pulp.LpProblem | None = solution.model
        self.iterations_ = solution.iterations


def _reason(grid: Grid, rows: list[Row], sol: Solution, lam: np.ndarray) -> np.ndarray:
    """Why each item orders what it orders."""
    item = np.arange(grid.n)
    k, k0 = sol.k, sol.unconstrained
    reason = np.full(grid.n, "unconstrained optimum", dtype=object)
    charge = np.zeros((len(rows), grid.n))
    for j, r in enumerate(rows):
        charge[j] = lam[j] * r.coef
    binding = np.array([rows[j].kind for j in charge.argmax(axis=0)] if rows else [""] * grid.n)
    names = {"capacity": "capacity-limited", "budget": "budget-limited", "supply": "supply-limited"}
    limited = np.array([names.get(b, "supplier-budget-limited") for b in binding], dtype=object)
    reason[k < k0] = limited[k < k0]
    reason[k > k0] = "service-level minimum"
    at_cap = (
        (k >= 0)
        & (k == k0)
        & (grid.quantity(item, k) + grid.items["case_pack"] > grid.items["max_order"])
    )
    more = grid.profit(item, k + 1) > grid.profit(item, k)
    reason[at_cap & more] = "max-order-limited"
    none = (k < 0) & (k0 < 0)
    mean = grid.demand.mean
    one_pack = grid.outcomes(item, grid.items["case_pack"])["profit"]
    nothing = grid.profit(item, np.full(grid.n, -1))
    reason[none] = np.where(
        one_pack[none] > nothing[none],
        "MOQ not worth it",
        np.where(_pays_without_stock(grid)[none], "covered by stock on hand", "not profitable"),
    )
    reason[none & (mean == 0)] = "no demand"
    return reason


def _pays_without_stock(grid: Grid) -> np.ndarray:
    """Whether ordering the MOQ would beat ordering nothing if nothing were in stock."""
    item, empty = np.arange(grid.n), np.zeros(grid.n)
    ordered = grid.outcomes(item, grid.base, position=empty)["profit"]
    return ordered > grid.outcomes(item, empty, position=empty)["profit"]


def _plan(grid: Grid, rows: list[Row], sol: Solution, id_col: str) -> pd.DataFrame:
    item = np.arange(grid.n)
    q = grid.quantity(item, sol.k)
    out = grid.outcomes(item, q)
    lam = np.array([sol.multipliers[r.name] for r in rows])
    shadow = np.zeros(grid.n)
    for r, value in zip(rows, lam, strict=True):
        if r.kind not in ("capacity", "supply"):
            shadow += value * (r.coef > 0)
    mean = out["mean"]
    return pd.DataFrame(
        {
            id_col: grid.items.ids.to_numpy(),
            "order_qty": q,
            "order_cost": q * grid.items["unit_cost"],
            "stock_after": grid.items.position + q,
            "expected_sales": out["sales"],
            "expected_leftover": out["leftover"],
            "expected_stockout": out["shortage"],
            "fill_rate": np.divide(out["sales"], mean, out=np.ones(grid.n), where=mean > 0),
            "cycle_service_level": out["csl"],
            "expected_profit": out["profit"],
            "reason": _reason(grid, rows, sol, lam),
            "budget_shadow_price": shadow,
        }
    )
