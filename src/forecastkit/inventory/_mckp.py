"""Candidate order quantities and the multiple-choice knapsack behind the optimizer (private).

Each item may order nothing or ``q = base + k * pack`` for ``k = 0..kmax``
(``base`` is the MOQ rounded up to whole case packs). Its expected profit
``P(q)`` over the protection interval is concave on that grid (expected sales
are concave in the stock level), so for any per-unit charge ``mu`` the best
``k`` maximising ``P(q) - mu * q`` is found by a binary search on the sign of
the forward difference, for every item at once.

The shared constraints (budgets, capacity, supply) couple the items. The
solver is column generation on the LP relaxation of the multiple-choice
knapsack: solve the LP on a few candidates per item, price every item's whole
grid at the LP's shadow prices, add the candidates that improve it, repeat;
then solve the integer model on the final candidates plus their neighbours.
Every priced iteration also gives the Lagrangian upper bound
``sum_r lambda_r b_r + sum_i max_k [P_i(q_k) - mu_i q_k]``, valid for the
full problem, against which the reported gap is measured.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pulp

from forecastkit.inventory._items import Items
from forecastkit.inventory._samples import SampleDemand
from forecastkit.inventory._solver import solve, variable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """One shared constraint ``sum_i coef_i * q_i <= rhs``."""

    name: str
    kind: str  # "budget", "supplier budget", "capacity", "supply"
    coef: np.ndarray  # per unit ordered, one per item (0 outside the row)
    rhs: float


@dataclass
class Grid:
    """Candidate quantities and exact expected profits of every item."""

    items: Items
    demand: SampleDemand
    base: np.ndarray = field(init=False)
    kmax: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        pack = self.items["case_pack"]
        self.base = np.maximum(np.ceil(self.items["moq"] / pack), 1.0) * pack
        room = np.floor((self.items["max_order"] - self.base) / pack)
        need = np.ceil((self.demand.maximum - self.items.position - self.base) / pack)
        self.kmax = np.minimum(room, np.maximum(need, 0)).astype(np.int64)

    @property
    def n(self) -> int:
        return len(self.base)

    def quantity(self, item: np.ndarray, k: np.ndarray) -> np.ndarray:
        return np.where(k < 0, 0.0, self.base[item] + k * self.items["case_pack"][item])

    def outcomes(
        self, item: np.ndarray, q: np.ndarray, position: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Expected sales, leftover, shortage, CSL and profit after ordering ``q``.

        ``position`` replaces the items' stock position (on hand plus on order).
        """
        v = self.items.values
        start = self.items.position[item] if position is None else position
        out = self.demand.expected(start + q, item)
        out["profit"] = (
            v["price"][item] * out["sales"]
            + (v["salvage_value"][item] - v["holding_cost"][item]) * out["leftover"]
            - v["shortage_cost"][item] * out["shortage"]
            - v["unit_cost"][item] * q
        )
        return out

    def profit(self, item: np.ndarray, k: np.ndarray) -> np.ndarray:
        return self.outcomes(item, self.quantity(item, k))["profit"]

    def best(
        self, mu: np.ndarray, klo: np.ndarray, off: np.ndarray, item: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` (``-1``: order nothing) of each item under per-unit charge ``mu``.

        Returns the choice and its value ``P(q) - mu * q``.
        """
        lo, hi = klo[item].copy(), self.kmax[item].copy()
        m = mu[item]
        while True:
            active = np.flatnonzero(lo < hi)
            if not len(active):
                break
            mid = (lo[active] + hi[active]) // 2
            sub = item[active]
            step = self.quantity(sub, mid + 1) - self.quantity(sub, mid)
            rise = self.profit(sub, mid + 1) - self.profit(sub, mid) - m[active] * step
            lo[active] = np.where(rise > 0, mid + 1, lo[active])
            hi[active] = np.where(rise > 0, hi[active], mid)
        value = self.profit(item, lo) - m * self.quantity(item, lo)
        off_value = self.profit(item, np.full(len(item), -1))
        take_off = off[item] & (off_value >= value)
        return np.where(take_off, -1, lo), np.where(take_off, off_value, value)

    def service_floor(self, level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Smallest ``k`` reaching each cycle service level, whether ordering nothing does,
        and which items cannot reach their level at all.

        Items without a level (NaN) get ``k = 0`` and may order nothing.
        """
        item = np.arange(self.n)
        has = ~np.isnan(level)
        target = np.where(has, level, 0.0)
        off = self.demand.expected(self.items.position, item)["csl"] >= target - 1e-12
        lo, hi = np.zeros(self.n, np.int64), self.kmax.copy()
        while True:
            active = np.flatnonzero(lo < hi)
            if not len(active):
                break
            mid = (lo[active] + hi[active]) // 2
            csl = self.outcomes(item[active], self.quantity(item[active], mid))["csl"]
            ok = csl >= target[active] - 1e-12
            lo[active] = np.where(ok, lo[active], mid + 1)
            hi[active] = np.where(ok, mid, hi[active])
        reach = self.outcomes(item, self.quantity(item, lo))["csl"] >= target - 1e-12
        return np.where(has, lo, 0), np.where(has, off, True), has & ~off & ~reach


@dataclass
class Solution:
    """The chosen ``k`` per item and what the solver says about it."""

    k: np.ndarray
    status: str
    objective: float
    bound: float
    multipliers: dict[str, float]
    unconstrained: np.ndarray  # each item's own best k: no shared row, no service floor
    iterations: int = 0
    model: pulp.LpProblem | None = None

    @property
    def gap(self) -> float:
        if self.bound == self.objective:
            return 0.0
        return float((self.bound - self.objective) / max(abs(self.bound), 1e-12))


@dataclass
class Knapsack:
    """Column generation, then the integer model, for one set of shared rows."""

    grid: Grid
    rows: list[Row]
    klo: np.ndarray
    off: np.ndarray
    mip_rel_gap: float = 1e-4
    time_limit: float | None = None
    threads: int | None = None
    max_iter: int = 30
    neighbours: int = 2
    full_grid_limit: int = 20_000

    def _usage(self, item: np.ndarray, q: np.ndarray) -> np.ndarray:
        return np.array([float(r.coef[item] @ q) for r in self.rows])

    def _mu(self, lam: np.ndarray) -> np.ndarray:
        mu = np.zeros(self.grid.n)
        for r, value in zip(self.rows, lam, strict=True):
            mu += value * r.coef
        return mu

    def _bound(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """Lagrangian bound and the best responses at multipliers ``lam``."""
        item = np.arange(self.grid.n)
        k, value = self.grid.best(self._mu(lam), self.klo, self.off, item)
        rhs = np.array([r.rhs for r in self.rows])
        return float(lam @ rhs + value.sum()), k

    def run(self) -> Solution:
        grid, item = self.grid, np.arange(self.grid.n)
        zero = np.zeros(len(self.rows))
        bound, k0 = self._bound(zero)
        floors = bool(self.klo.any() or not self.off.all())
        free = (np.zeros(grid.n), np.zeros(grid.n, np.int64), np.ones(grid.n, bool), item)
        own = grid.best(*free)[0] if floors else k0  # the items' own optimum, floors aside
        base_profit = grid.profit(item, k0)
        if np.all(self._usage(item, grid.quantity(item, k0)) <= [r.rhs for r in self.rows]):
            names = {r.name: 0.0 for r in self.rows}
            return Solution(k0, "optimal", float(base_profit.sum()), bound, names, own)
        # items that order nothing at zero shadow prices order nothing at any prices
        active = np.flatnonzero(k0 >= 0)
        if len(self.rows) == 1:
            lam, best_bound, k, cols, problem, it = self._bisect(active, bound)
        else:
            lam, best_bound, k, cols, problem, it = self._column_generation(active, k0, bound)
        mult = {r.name: float(v) for r, v in zip(self.rows, lam, strict=True)}
        k = self._repair(k, self._mu(lam))
        objective = float(grid.profit(item, k).sum())
        if best_bound - objective <= self.mip_rel_gap * abs(best_bound):
            # the relaxation's plan, repaired, is certified by the Lagrangian bound
            return Solution(k, "optimal", objective, best_bound, mult, own, it, problem)
        full = (self.grid.kmax - self.klo + 1)[active]
        exact = int(full.sum()) <= self.full_grid_limit
        if exact:  # small enough to give HiGHS every candidate: its bound is then valid
            item_rep = np.repeat(active, full)
            offsets = np.arange(len(item_rep)) - np.repeat(np.cumsum(full) - full, full)
            cols = np.column_stack([item_rep, self.klo[item_rep] + offsets])
        else:
            chosen = np.column_stack([active, np.maximum(k[active], self.klo[active])])
            cols = self._with_neighbours(cols, chosen)
        k, status, problem, dual = self._integer(cols, best_bound)
        objective = float(grid.profit(item, k).sum())
        if exact:
            best_bound = min(best_bound, dual)
        return Solution(k, status, objective, best_bound, mult, own, it, problem)

    def _bisect(self, active: np.ndarray, bound: float) -> tuple:
        """One shared row: bisection on its multiplier (the LP relaxation, exactly).

        The row's use by the best responses falls as the multiplier rises;
        the smallest multiplier whose plan fits is the LP's shadow price.
        """
        rhs = self.rows[0].rhs
        item = np.arange(self.grid.n)

        def at(value: float) -> tuple[float, np.ndarray, float]:
            b, k = self._bound(np.array([value]))
            return b, k, float(self._usage(item, self.grid.quantity(item, k))[0])

        lo, hi, best = 0.0, 1.0, bound
        b, k_hi, use = at(hi)
        best = min(best, b)
        while use > rhs:
            lo, hi = hi, 2 * hi
            b, k_hi, use = at(hi)
            best = min(best, b)
        k_lo = k_hi
        it = 0
        while hi - lo > 1e-12 * hi and it < 100:
            it += 1
            mid = 0.5 * (lo + hi)
            b, k, use = at(mid)
            best = min(best, b)
            if use > rhs:
                lo, k_lo = mid, k
            else:
                hi, k_hi = mid, k
        both = np.vstack(
            [np.column_stack([active, k_lo[active]]), np.column_stack([active, k_hi[active]])]
        )
        cols = np.unique(both[both[:, 1] >= 0], axis=0)
        return np.array([hi]), best, k_hi, cols, None, it

    def _column_generation(self, active: np.ndarray, k0: np.ndarray, bound: float) -> tuple:
        """Several shared rows: column generation on the LP relaxation with HiGHS."""
        grid = self.grid
        cols = self._initial_columns(active, k0)
        off_profit = grid.profit(np.arange(grid.n), np.full(grid.n, -1))
        lam, best_bound = np.zeros(len(self.rows)), bound
        for it in range(1, self.max_iter + 1):
            problem, variables = self._model(cols, off_profit, relax=True)
            res = solve(problem, mip=False, threads=self.threads, lp_method="ipm")
            if res.status != "optimal":
                raise RuntimeError(f"the LP relaxation ended with status {res.status!r}")
            lam = np.array([max(res.row_duals[r.name], 0.0) for r in self.rows])
            bound, kb = self._bound(lam)
            best_bound = min(best_bound, bound)
            lp_value = res.objective + off_profit.sum()
            fresh = self._fresh(cols, kb, active)
            logger.debug(
                "iteration %d: LP %.6g, bound %.6g, %d new", it, lp_value, bound, len(fresh)
            )
            if not len(fresh) or best_bound - lp_value <= 1e-9 * max(1.0, abs(lp_value)):
                break
            cols = self._add(cols, fresh[:, 0], fresh[:, 1])
        return lam, best_bound, self._rounded(cols, variables), cols, problem, it

    def _integer(
        self, cols: np.ndarray, bound: float
    ) -> tuple[np.ndarray, str, pulp.LpProblem, float]:
        """Solve the integer model on ``cols``; the plan, status, model and HiGHS's bound.

        HiGHS stops at an absolute gap of ``mip_rel_gap`` times the total
        profit bound, so that its stopping rule matches the reported gap.
        """
        grid = self.grid
        off_profit = grid.profit(np.arange(grid.n), np.full(grid.n, -1))
        problem, variables = self._model(cols, off_profit, relax=False, offset=True)
        res = solve(
            problem,
            mip=True,
            mip_rel_gap=self.mip_rel_gap,
            mip_abs_gap=self.mip_rel_gap * abs(bound),
            time_limit=self.time_limit,
            threads=self.threads,
        )
        if not np.isfinite(res.objective):
            raise RuntimeError(f"the integer model ended with status {res.status!r}")
        k = np.full(grid.n, -1, dtype=np.int64)
        taken = np.array([(v.varValue or 0.0) > 0.5 for v in variables])
        k[cols[taken, 0]] = cols[taken, 1]
        return k, res.status, problem, res.dual_bound

    def _initial_columns(self, active: np.ndarray, k0: np.ndarray, n: int = 4) -> np.ndarray:
        lo, hi = self.klo[active], k0[active]
        steps = np.linspace(0.0, 1.0, n)
        ks = np.round(lo[:, None] + (hi - lo)[:, None] * steps[None, :]).astype(np.int64)
        cols = np.column_stack([np.repeat(active, n), ks.ravel()])
        return np.unique(cols, axis=0)

    @staticmethod
    def _add(cols: np.ndarray, item: np.ndarray, k: np.ndarray) -> np.ndarray:
        return np.unique(np.vstack([cols, np.column_stack([item, k])]), axis=0)

    def _fresh(self, cols: np.ndarray, kb: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Best responses (and their neighbours) not yet among the columns."""
        cand = np.column_stack([active, kb[active]])
        cand = cand[cand[:, 1] >= 0]
        near = [cand + [0, d] for d in (-1, 0, 1)]
        cand = np.vstack(near)
        ok = (cand[:, 1] >= self.klo[cand[:, 0]]) & (cand[:, 1] <= self.grid.kmax[cand[:, 0]])
        cand = np.unique(cand[ok], axis=0)
        # item * width + k + 1 is one integer per (item, k >= -1) pair
        width = int(max(cols[:, 1].max(initial=0), cand[:, 1].max(initial=0))) + 2
        have = np.isin(cand[:, 0] * width + cand[:, 1] + 1, cols[:, 0] * width + cols[:, 1] + 1)
        return cand[~have].astype(np.int64).reshape(-1, 2)

    def _rounded(self, cols: np.ndarray, variables: list) -> np.ndarray:
        """An integer plan from the LP: each item's column, the smallest when split.

        Every shared row has non-negative coefficients, so taking the smallest
        quantity an item's LP solution uses never breaks a row the LP kept.
        """
        weight = np.array([v.varValue or 0.0 for v in variables])
        used = weight > 1e-9
        k = np.full(self.grid.n, -1, dtype=np.int64)
        item, kk = cols[used, 0], cols[used, 1]
        order = np.lexsort((kk, item))
        first = np.unique(item[order], return_index=True)[1]
        whole = np.zeros(self.grid.n)
        np.add.at(whole, item, weight[used])
        pick_item, pick_k = item[order][first], kk[order][first]
        # an item whose LP weights sum below one may also order nothing
        keep = (whole[pick_item] > 1 - 1e-9) | ~self.off[pick_item]
        k[pick_item[keep]] = pick_k[keep]
        return k

    def _repair(self, k: np.ndarray, mu: np.ndarray, passes: int = 3) -> np.ndarray:
        """Spend what the rounding left: add one step to items while the rows allow.

        Steps are taken greedily by profit gained per unit of shadow-priced
        resource, each only if every shared row still holds.
        """
        grid, item = self.grid, np.arange(self.grid.n)
        k = k.copy()
        coef = np.array([r.coef for r in self.rows])
        slack = np.array([r.rhs for r in self.rows]) - coef @ grid.quantity(item, k)
        for _ in range(passes):
            nxt = np.where(k < 0, self.klo, k + 1)
            ok = nxt <= grid.kmax
            step = grid.quantity(item, nxt) - grid.quantity(item, k)
            gain = np.where(ok, grid.profit(item, nxt) - grid.profit(item, k), -np.inf)
            order = [i for i in np.argsort(-gain / (mu * step + 1e-12)) if gain[i] > 0]
            changed = False
            for i in order:
                use = coef[:, i] * step[i]
                if np.all(use <= slack + 1e-9):
                    k[i], slack, changed = nxt[i], slack - use, True
            if not changed:
                break
        return k

    def _with_neighbours(self, cols: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        span = np.arange(-self.neighbours, self.neighbours + 1)
        item = np.repeat(chosen[:, 0], len(span))
        k = (chosen[:, 1][:, None] + span[None, :]).ravel()
        ok = (k >= self.klo[item]) & (k <= self.grid.kmax[item])
        return self._add(cols, item[ok], k[ok])

    def _model(
        self, cols: np.ndarray, off_profit: np.ndarray, *, relax: bool, offset: bool = False
    ) -> tuple[pulp.LpProblem, list]:
        """The multiple-choice knapsack on the candidate columns ``(item, k)``.

        The objective is each column's profit over ordering nothing; with
        ``offset`` it also carries the constant profit of ordering nothing, so
        that the objective (and HiGHS's relative gap) is the total profit.
        """
        item, k = cols[:, 0], cols[:, 1]
        q = self.grid.quantity(item, k)
        gain = self.grid.profit(item, k) - off_profit[item]
        problem = pulp.LpProblem("reorder", pulp.LpMaximize)
        cat = pulp.LpContinuous if relax else pulp.LpBinary
        variables = [variable(problem, f"x{c}", 0, 1, cat) for c in range(len(cols))]
        constant = float(off_profit.sum()) if offset else 0.0
        problem += pulp.LpAffineExpression(
            zip(variables, gain.tolist(), strict=True), constant=constant
        )
        bounds = np.flatnonzero(np.diff(item)) + 1
        for group in np.split(np.arange(len(cols)), bounds):
            i = int(item[group[0]])
            expr = pulp.LpAffineExpression([(variables[c], 1.0) for c in group])
            problem += (expr <= 1) if self.off[i] else (expr == 1), f"choice_{i}"
        for r in self.rows:
            a = r.coef[item] * q
            use = np.flatnonzero(a)
            expr = pulp.LpAffineExpression([(variables[c], float(a[c])) for c in use])
            problem += expr <= r.rhs, r.name
        return problem, variables
