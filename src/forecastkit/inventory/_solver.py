"""PuLP models solved by HiGHS through highspy, loaded in bulk (private).

PuLP's own HiGHS interface adds one column at a time; each ``addCol`` copies
the model, so loading 100,000 variables takes minutes. :class:`BulkHiGHS`
keeps PuLP's interface (the model stays a :class:`pulp.LpProblem` that users
can inspect, extend or write to an MPS file) and hands HiGHS every column and
every row in one call each.

PuLP also reports a time-limited HiGHS run as "Optimal". :func:`solve` reads
HiGHS's own model status and MIP gap instead.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

import numpy as np
import pulp

from forecastkit.errors import MissingDependencyError

logger = logging.getLogger(__name__)

try:  # pragma: no cover - highspy is a declared dependency
    import highspy
except ImportError:  # pragma: no cover
    highspy = None  # type: ignore[assignment]


@dataclass(frozen=True)
class SolveResult:
    """What HiGHS says about one solve."""

    status: str  # "optimal", "time_limit", "infeasible", ...
    objective: float  # in the model's own sense (profit for a maximisation)
    mip_gap: float  # HiGHS's relative gap on the model it was given (0 for an LP)
    dual_bound: float  # HiGHS's bound on the model it was given, in the model's sense
    row_duals: dict[str, float]  # shadow price of each named row, >= 0 for binding <= rows


_STATUS = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasible",
    "kInterrupt": "interrupted",
}


class BulkHiGHS(pulp.HiGHS):
    """PuLP's highspy interface with the model loaded in two bulk calls."""

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:  # PuLP's method name
        inf = highspy.kHighsInf
        model = lp.solverModel
        variables = lp.variables()
        sense = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        objective = lp.objective
        cost = np.fromiter((sense * objective.get(v, 0.0) for v in variables), float)
        lower = np.fromiter((-inf if v.lowBound is None else v.lowBound for v in variables), float)
        upper = np.fromiter((inf if v.upBound is None else v.upBound for v in variables), float)
        for i, var in enumerate(variables):
            var.index = i
        n = len(variables)
        empty = np.zeros(0, dtype=np.int32)
        model.addCols(n, cost, lower, upper, 0, np.zeros(n, np.int32), empty, np.zeros(0))
        integer = np.fromiter((v.index for v in variables if v.cat == pulp.LpInteger), np.int32)
        if self.mip and len(integer):
            kinds = np.full(len(integer), highspy.HighsVarType.kInteger)
            model.changeColsIntegrality(len(integer), integer, kinds)
        constant = float(objective.constant or 0.0)
        if constant:
            model.changeObjectiveOffset(sense * constant)
        self._add_rows(lp, inf)

    @staticmethod
    def _add_rows(lp: pulp.LpProblem, inf: float) -> None:
        rows = list(_named_rows(lp).values())
        starts = np.zeros(len(rows), dtype=np.int32)
        index: list[int] = []
        value: list[float] = []
        lower = np.empty(len(rows))
        upper = np.empty(len(rows))
        for i, row in enumerate(rows):
            row.index = i
            starts[i] = len(index)
            for var, coefficient in row.items():
                if coefficient != 0:
                    index.append(var.index)
                    value.append(coefficient)
            lo, hi = row.getLb(), row.getUb()
            lower[i] = -inf if lo is None else lo
            upper[i] = inf if hi is None else hi
        lp.solverModel.addRows(
            len(rows),
            lower,
            upper,
            len(index),
            starts,
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=float),
        )


_BANNER_DONE = False


def _silence_banner() -> None:
    """Build the process's first ``Highs`` with stdout closed.

    highspy prints a copyright banner to the C-level stdout when the first
    ``Highs`` object of a process is built, whatever the output options. A
    library must not write to stdout (jobs pipe their results there), so the
    first construction happens here with file descriptor 1 pointed at the
    null device.
    """
    global _BANNER_DONE
    if _BANNER_DONE:
        return
    _BANNER_DONE = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # pragma: no cover - no real stdout
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def variable(problem: pulp.LpProblem, name: str, low: float, high: float, cat: str):
    """A new variable of ``problem`` (PuLP 3's ``add_variable`` where it exists)."""
    if hasattr(problem, "add_variable"):
        return problem.add_variable(name, low, high, cat=cat)
    return pulp.LpVariable(name, low, high, cat)  # pragma: no cover - PuLP < 3


def _named_rows(lp: pulp.LpProblem) -> dict:
    """The model's constraints by name (``_constraints`` from PuLP 3, ``constraints`` before)."""
    rows = getattr(lp, "_constraints", None)
    return rows if isinstance(rows, dict) else lp.constraints


def solve(
    problem: pulp.LpProblem,
    *,
    mip: bool,
    mip_rel_gap: float = 1e-4,
    mip_abs_gap: float | None = None,
    time_limit: float | None = None,
    threads: int | None = None,
    lp_method: str | None = None,
) -> SolveResult:
    """Solve ``problem`` with HiGHS; report HiGHS's true status, gap and row duals.

    ``lp_method`` picks HiGHS's LP algorithm (``"ipm"``: interior point with
    crossover, many times faster than simplex on the optimizer's LPs with
    one row per item).
    """
    if highspy is None:  # pragma: no cover
        raise MissingDependencyError(
            "the reorder optimizer needs highspy; install it with `pip install highspy`."
        )
    _silence_banner()
    solver = BulkHiGHS(
        mip=mip,
        msg=False,
        gapRel=mip_rel_gap,
        gapAbs=mip_abs_gap,
        timeLimit=time_limit,
        threads=threads,
        **({"solver": lp_method} if lp_method else {}),
    )
    problem.solve(solver)
    model = problem.solverModel
    status = _STATUS.get(str(model.getModelStatus()).split(".")[-1], "error")
    info = model.getInfo()
    has_solution = status in ("optimal", "time_limit", "iteration_limit", "interrupted")
    objective = float(pulp.value(problem.objective) or 0.0) if has_solution else float("nan")
    gap = float(info.mip_gap) if mip and has_solution else 0.0
    if not np.isfinite(gap):
        gap = float("inf")
    bound = objective
    if mip and has_solution:
        bound = (
            -float(info.mip_dual_bound)
            if problem.sense == pulp.LpMaximize
            else float(info.mip_dual_bound)
        )
    duals: dict[str, float] = {}
    if not mip and status == "optimal":
        sense = -1.0 if problem.sense == pulp.LpMaximize else 1.0
        row_dual = model.getSolution().row_dual
        for name, row in _named_rows(problem).items():
            duals[name] = sense * float(row_dual[row.index])
    logger.debug("HiGHS: %s, objective %.6g, gap %.3g", status, objective, gap)
    # the solution is read: drop the live HiGHS handle, so that the problem
    # (kept as ReorderOptimizer.model_) can be pickled and saved
    problem.solverModel = None
    return SolveResult(status, objective, gap, bound, duals)
