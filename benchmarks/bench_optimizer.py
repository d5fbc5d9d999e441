"""Reorder optimizer speed: forecastkit.ReorderOptimizer at 10k and 100k SKUs, and a PuLP peer.

Issue 6's bar: 10,000 SKUs with a budget, MOQs and case packs solved to a gap
of at most 0.1% in under 10 s; 100,000 SKUs in under 2 minutes; peak memory
reported.

Instances are synthetic and reproducible (``numpy.random.default_rng(seed)``,
no shared data): ``n`` SKUs, ``S`` demand samples each (default 200) over the
protection interval, drawn from a gamma-Poisson (negative binomial) law with
means spread over four orders of magnitude; 30% of the SKUs are intermittent
(mean 0.2 to 3, strong overdispersion: most samples are zero). Unit costs are
log-normal (median 8), prices carry a 15% to 120% margin, holding costs are 1%
to 6% of cost per interval, leftovers are salvaged at 60% to 95% of cost
(continuing items) or 0% to 40% (seasonal ones, a quarter), a fifth of the
SKUs have a goodwill shortage cost, case packs of 1 to 48 (no larger than
half the mean demand), MOQs (40% none, 40% a few packs, 20% in units, not a
pack multiple), stock on hand for 70% and on order for 15% of the SKUs, one
of 20 suppliers (Zipf shares), volumes proportional to cost. Two scenarios:

* ``budget``: one budget at 50% of the cost of the unconstrained optimum
  (each SKU's own best order, found by the optimizer with no constraint);
* ``shared``: five shared rows: a total budget at 60% of that cost, budgets
  for the three largest suppliers at 40% of their unconstrained spend, and a
  capacity at 50% of the unconstrained volume.

Each case runs in its own subprocess (``_measure.run_timed``): the instance
is built untimed (the construction of the demand frame is timed on its own
and reported), an untimed warm-up solves a 200-SKU instance of the same
scenario (lazy imports, HiGHS's first start), then one call of
``ReorderOptimizer(...).optimize(demand, items)`` is timed. Peak RSS is the
process's peak resident memory during that call (interpreter and instance
included, the peak reset just before it on Linux); ``extra_rss_mb`` is what
the call added. Sizes up to 10,000 run ``--repeats`` times (the median is
reported), larger ones once.

The peer is the formulation a user would write first: a multiple-choice
knapsack in PuLP, one binary per candidate order quantity of each SKU (``0``
or ``MOQ + k * case_pack`` up to the largest demand sample, at most ``--cap``
candidates per SKU, thinned evenly when there are more), expected profits
computed from the same samples with numpy, solved by HiGHS through PuLP
(``HiGHS_CMD`` when a ``highs`` binary is on the path; otherwise PuLP's stock
``HiGHS`` interface, which adds the columns one at a time, on the 1,000-SKU
instance only) with the same relative gap target as forecastkit (1e-4). Its
gap is measured against forecastkit's bound on the same instance. The peer's
plan is scored with the same exact sample formula as forecastkit's.

Usage::

    python benchmarks/bench_optimizer.py [--quick] [--sizes 10000,100000]

``--quick`` runs 1,000 and 10,000 SKUs. ``--profile N`` runs the ``budget``
scenario at ``N`` SKUs in this process under :mod:`cProfile` and prints the
top functions instead of benchmarking.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
from _measure import machine, run_timed
from _report import _fmt, markdown_table

from forecastkit import ReorderOptimizer

logger = logging.getLogger("bench_optimizer")

BENCH_DIR = Path(__file__).resolve().parent
SCENARIOS = ("budget", "shared")
PACKS = np.array([1, 2, 3, 4, 6, 8, 10, 12, 20, 24, 36, 48])
N_SUPPLIERS = 20
PEER_GAP = 1e-4
BAR = {10_000: 10.0, 100_000: 120.0}
BAR_GAP = 1e-3
TIMEOUT_S = 600  # per forecastkit run (instance, warm-up and the timed call)


# ----------------------------------------------------------------- instances
def make_items(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Item economics, the mean demand and the gamma shape of each SKU."""
    intermittent = rng.random(n) < 0.3
    mean = np.where(
        intermittent,
        np.exp(rng.uniform(np.log(0.2), np.log(3.0), n)),
        np.clip(np.exp(rng.normal(np.log(30.0), 1.4, n)), 0.5, 20_000),
    )
    shape = np.where(intermittent, rng.uniform(0.1, 0.5, n), rng.uniform(1.0, 20.0, n))
    cost = np.round(np.exp(rng.normal(np.log(8.0), 0.9, n)), 2) + 0.1
    seasonal = rng.random(n) < 0.25
    salvage = cost * np.where(seasonal, rng.uniform(0.0, 0.4, n), rng.uniform(0.6, 0.95, n))
    allowed = np.searchsorted(PACKS, np.maximum(1.0, 0.5 * mean), side="right")
    pack = PACKS[np.floor(rng.random(n) * allowed).astype(int)]
    kind = rng.random(n)
    moq = np.where(
        kind < 0.4,
        0.0,
        np.where(
            kind < 0.8,
            pack * rng.choice([1, 2, 3, 5, 10], n),
            np.ceil(mean * rng.uniform(0.3, 1.2, n)),
        ),
    )
    stocked = rng.random(n) < 0.7
    supplier_p = 1.0 / np.arange(1, N_SUPPLIERS + 1)
    supplier = rng.choice(N_SUPPLIERS, n, p=supplier_p / supplier_p.sum())
    price = np.round(cost * (1 + rng.uniform(0.15, 1.2, n)), 2)
    items = pd.DataFrame(
        {
            "unique_id": [f"SKU-{i:06d}" for i in range(n)],
            "unit_cost": cost,
            "price": price,
            "holding_cost": cost * rng.uniform(0.01, 0.06, n),
            "salvage_value": salvage,
            "shortage_cost": np.where(rng.random(n) < 0.2, price * rng.uniform(0.05, 0.3, n), 0.0),
            "on_hand": np.where(stocked, rng.poisson(mean * rng.uniform(0.0, 1.0, n)), 0.0),
            "on_order": np.where(rng.random(n) < 0.15, pack * rng.integers(1, 4, n), 0.0),
            "moq": moq,
            "case_pack": pack.astype(float),
            "volume": cost * 0.002 * np.exp(rng.normal(0.0, 0.5, n)),
            "supplier": [f"SUP-{s:02d}" for s in supplier],
        }
    )
    return items, mean, shape


def make_instance(n: int, *, samples: int = 200, seed: int = 0) -> dict:
    """Items, the demand matrix ``(n, samples)`` and the long demand frame the optimizer takes.

    ``build_s`` is the time spent building the long demand frame from the
    matrix (what a user's pipeline pays to shape sample paths into it).
    """
    rng = np.random.default_rng(seed)
    items, mean, shape = make_items(n, rng)
    rate = rng.gamma(shape[:, None], (mean / shape)[:, None], size=(n, samples))
    matrix = rng.poisson(rate).astype(np.float64)
    t0 = time.perf_counter()
    demand = pd.DataFrame(
        {
            "unique_id": items["unique_id"].take(np.repeat(np.arange(n), samples)).to_numpy(),
            "sample": np.tile(np.arange(samples, dtype=np.int32), n),
            "demand": matrix.ravel(),
        }
    )
    build_s = time.perf_counter() - t0
    return {"items": items, "matrix": matrix, "demand": demand, "build_s": build_s}


def constraints(items: pd.DataFrame, order_qty: np.ndarray, scenario: str) -> dict:
    """``ReorderOptimizer`` keyword arguments that bind, from the unconstrained orders."""
    spend = items["unit_cost"].to_numpy() * order_qty
    if scenario == "budget":
        return {"budget": 0.5 * float(spend.sum())}
    by_supplier = pd.Series(spend).groupby(items["supplier"].to_numpy()).sum()
    top = by_supplier.sort_values(ascending=False).index[:3]
    return {
        "budget": 0.6 * float(spend.sum()),
        "supplier_budgets": {s: 0.4 * float(by_supplier[s]) for s in top},
        "capacity": 0.5 * float(items["volume"].to_numpy() @ order_qty),
    }


def load(
    n: int,
    samples: int,
    seed: int,
    scenario: str,
    cap: int = 50,
    time_limit: float = 120.0,
) -> dict:
    """The instance and its binding constraints (untimed, in the child).

    ``cap`` and ``time_limit`` are the peer's candidates per SKU and HiGHS time limit.
    """
    data = make_instance(n, samples=samples, seed=seed)
    data["cap"], data["time_limit"] = cap, time_limit
    t0 = time.perf_counter()
    free = ReorderOptimizer().optimize(data["demand"], data["items"])
    data["unconstrained_s"] = time.perf_counter() - t0
    data["free_qty"] = free["order_qty"].to_numpy()
    data["kwargs"] = constraints(data["items"], data["free_qty"], scenario)
    data["n"], data["scenario"] = n, scenario
    return data


# ----------------------------------------------------------------- scoring
def expected_profit(matrix: np.ndarray, items: pd.DataFrame, q: np.ndarray) -> np.ndarray:
    """Expected profit of ordering ``q`` (same shape as ``matrix[:, :1]`` or ``(n, c)``)."""
    q2 = q.reshape(len(matrix), -1)
    v = {c: items[c].to_numpy()[:, None] for c in items.columns if c != "unique_id"}
    y = v["on_hand"] + v["on_order"] + q2
    out = np.empty_like(q2, dtype=float)
    step = max(1, 2_000_000 // (matrix.shape[1] * q2.shape[1]))
    for lo in range(0, len(matrix), step):
        d, yy = matrix[lo : lo + step, None, :], y[lo : lo + step, :, None]
        sales = np.minimum(d, yy).mean(axis=2)
        mean = d.mean(axis=2)
        out[lo : lo + step] = (
            v["price"][lo : lo + step] * sales
            + (v["salvage_value"] - v["holding_cost"])[lo : lo + step] * (y[lo : lo + step] - sales)
            - v["shortage_cost"][lo : lo + step] * (mean - sales)
            - v["unit_cost"][lo : lo + step] * q2[lo : lo + step]
        )
    return out.reshape(q.shape)


def check_plan(data: dict, q: np.ndarray) -> dict:
    """Spend, whether every shared row holds, and whether orders respect MOQs and packs."""
    items, kw = data["items"], data["kwargs"]
    cost, pack = items["unit_cost"].to_numpy(), items["case_pack"].to_numpy()
    spend = cost * q
    ok = float(spend.sum()) <= kw["budget"] * (1 + 1e-9)
    for s, cap in kw.get("supplier_budgets", {}).items():
        ok &= float(spend[items["supplier"].to_numpy() == s].sum()) <= cap * (1 + 1e-9)
    if "capacity" in kw:
        ok &= float(items["volume"].to_numpy() @ q) <= kw["capacity"] * (1 + 1e-9)
    packs = q / pack
    rules = bool(np.all((q == 0) | ((q >= items["moq"].to_numpy()) & (packs == np.round(packs)))))
    return {"spend_share": float(spend.sum()) / kw["budget"], "feasible": bool(ok and rules)}


# ----------------------------------------------------------------- contenders
def warmup(data: dict) -> None:
    """Untimed: the same scenario on 200 SKUs (lazy imports, HiGHS's first start)."""
    small = load(200, data["matrix"].shape[1], 12345, data["scenario"])
    ReorderOptimizer(**small["kwargs"]).optimize(small["demand"], small["items"])


def run_forecastkit(data: dict) -> dict:
    opt = ReorderOptimizer(**data["kwargs"])
    t0 = time.perf_counter()
    plan = opt.optimize(data["demand"], data["items"])
    wall = time.perf_counter() - t0
    q = plan["order_qty"].to_numpy()
    return {
        "optimize_s": wall,
        "status": opt.status_,
        "gap": opt.gap_,
        "objective": opt.objective_,
        "bound": opt.bound_,
        "iterations": int(getattr(opt, "iterations_", 0)),
        "build_s": data["build_s"],
        "unconstrained_s": data["unconstrained_s"],
        "orders": int((q > 0).sum()),
        "rows": len(data["demand"]),
        **check_plan(data, q),
    }


def _candidates(data: dict, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate quantities ``(n, cap)`` (NaN-padded as repeats of the last) and a validity mask."""
    items, matrix = data["items"], data["matrix"]
    pack, moq = items["case_pack"].to_numpy(), items["moq"].to_numpy()
    base = np.maximum(np.ceil(moq / pack), 1.0) * pack
    position = (items["on_hand"] + items["on_order"]).to_numpy()
    kmax = np.maximum(np.ceil((matrix.max(axis=1) - position - base) / pack), 0.0)
    frac = np.linspace(0.0, 1.0, cap)
    k = np.round(frac[None, :] * kmax[:, None])
    valid = np.ones_like(k, dtype=bool)
    valid[:, 1:] = k[:, 1:] != k[:, :-1]  # thinned evenly; short grids repeat their last k
    return base[:, None] + k * pack[:, None], valid


def peer_model(data: dict, q: np.ndarray, valid: np.ndarray, gain: np.ndarray) -> tuple:
    """The PuLP multiple-choice knapsack: one binary per candidate."""
    items, kw = data["items"], data["kwargs"]
    prob = pulp.LpProblem("mckp", pulp.LpMaximize)
    item, col = np.nonzero(valid)
    x = [pulp.LpVariable(f"x_{i}_{c}", cat=pulp.LpBinary) for i, c in zip(item, col, strict=True)]
    qq, gg = q[item, col], gain[item, col]
    prob += pulp.lpSum(g * v for g, v in zip(gg.tolist(), x, strict=True))
    bounds = np.flatnonzero(np.diff(item)) + 1
    for group in np.split(np.arange(len(x)), bounds):
        prob += pulp.lpSum(x[j] for j in group) <= 1, f"one_{item[group[0]]}"
    cost, vol = items["unit_cost"].to_numpy(), items["volume"].to_numpy()
    supplier = items["supplier"].to_numpy()
    rows = [("budget", np.ones(len(items), bool), cost, kw["budget"])]
    for j, (s, cap) in enumerate(kw.get("supplier_budgets", {}).items()):
        rows.append((f"supplier_{j}", supplier == s, cost, cap))
    if "capacity" in kw:
        rows.append(("capacity", np.ones(len(items), bool), vol, kw["capacity"]))
    for name, member, coef, rhs in rows:
        use = np.flatnonzero(member[item] & (qq > 0))
        a = (coef[item] * qq)[use].tolist()
        prob += pulp.lpSum(c * x[j] for c, j in zip(a, use, strict=True)) <= rhs, name
    return prob, x, item, qq


def peer_solver(time_limit: float) -> tuple[pulp.LpSolver, str]:
    """HiGHS_CMD when a ``highs`` binary is on the path, else PuLP's stock highspy interface."""
    if shutil.which("highs"):
        return pulp.HiGHS_CMD(msg=False, gapRel=PEER_GAP, timeLimit=time_limit), "HiGHS_CMD"
    return pulp.HiGHS(msg=False, gapRel=PEER_GAP, timeLimit=time_limit), "HiGHS (highspy)"


def run_peer(data: dict) -> dict:
    t0 = time.perf_counter()
    q, valid = _candidates(data, data["cap"])
    n = len(q)
    off = expected_profit(data["matrix"], data["items"], np.zeros(n))
    gain = expected_profit(data["matrix"], data["items"], q) - off[:, None]
    t1 = time.perf_counter()
    prob, x, item, qq = peer_model(data, q, valid, gain)
    t2 = time.perf_counter()
    solver, interface = peer_solver(data["time_limit"])
    prob.solve(solver)
    t3 = time.perf_counter()
    chosen = np.zeros(n)
    taken = np.array([(v.varValue or 0.0) > 0.5 for v in x])
    chosen[item[taken]] = qq[taken]
    out = {
        "optimize_s": t3 - t0,
        "coef_s": t1 - t0,
        "model_s": t2 - t1,
        "solve_s": t3 - t2,
        "status": pulp.LpStatus[prob.status],
        "objective": float(expected_profit(data["matrix"], data["items"], chosen).sum()),
        "variables": len(x),
        "interface": interface,
        "orders": int((chosen > 0).sum()),
        "rows": len(data["demand"]),
        "build_s": data["build_s"],
        **check_plan(data, chosen),
    }
    if interface.startswith("HiGHS ("):
        info = prob.solverModel.getInfo()
        status = str(prob.solverModel.getModelStatus()).split(".")[-1]
        out["status"] = {"kOptimal": "optimal", "kTimeLimit": "time_limit"}.get(status, status)
        out["highs_gap"] = float(info.mip_gap)
    return out


def warmup_peer(data: dict) -> None:
    """Untimed: the peer on 50 SKUs (imports, HiGHS's first start)."""
    small = load(50, data["matrix"].shape[1], 12345, data["scenario"], cap=10, time_limit=10.0)
    run_peer(small)


# ----------------------------------------------------------------- driver
def _measure_case(target: str, args: dict, *, warm: str, repeats: int, timeout: float) -> dict:
    """Run one case ``repeats`` times, each in a fresh subprocess; medians and the worst peak."""
    runs = []
    for _ in range(repeats):
        res = run_timed(target, args, warmup=warm, python=sys.executable, timeout_s=timeout)
        if "error" in res:
            logger.error("%s %s: %s\n%s", target, args, res["error"], res["detail"])
            return {"status": f"failed: {res['error']}"[:120]}
        runs.append(res)
        logger.info("%s %s: %.2f s", target, args, res["out"]["optimize_s"])
    out = dict(runs[0]["out"])
    walls = [r["out"]["optimize_s"] for r in runs]
    out["wall_s"] = statistics.median(walls)
    out["wall_runs"] = ", ".join(f"{w:.2f}" for w in walls)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    out["extra_rss_mb"] = max(r["peak_rss_mb"] - r["rss_before_mb"] for r in runs)
    out["build_s"] = statistics.median(r["out"].get("build_s", np.nan) for r in runs)
    return out


def run_cases(args: argparse.Namespace) -> list[dict]:
    """Every scenario and size for forecastkit, then the peer on its sizes."""
    rows = []
    fk_sizes = sorted(set(args.sizes) | set(args.peer_sizes))
    for scenario in args.scenarios:
        for n in fk_sizes:
            case = {"n": n, "samples": args.samples, "seed": args.seed, "scenario": scenario}
            res = _measure_case(
                "bench_optimizer:run_forecastkit",
                case,
                warm="warmup",
                repeats=args.repeats if n <= 10_000 else 1,
                timeout=args.timeout,
            )
            rows.append({"scenario": scenario, "n": n, "contender": "forecastkit", **res})
        for n in args.peer_sizes:
            case = {"n": n, "samples": args.samples, "seed": args.seed, "scenario": scenario,
                    "cap": args.cap, "time_limit": args.peer_time_limit}  # fmt: skip
            res = _measure_case(
                "bench_optimizer:run_peer",
                case,
                warm="warmup_peer",
                repeats=1,
                timeout=args.peer_time_limit + 180,
            )
            fk = next(r for r in rows if r["scenario"] == scenario and r["n"] == n)
            if "objective" in res and "bound" in fk:
                res["gap"] = (fk["bound"] - res["objective"]) / abs(fk["bound"])
                res["bound"] = fk["bound"]
            rows.append({"scenario": scenario, "n": n, "contender": "PuLP MCKP", **res})
    return rows


def _notes(row: dict) -> str:
    if row["contender"] == "forecastkit":
        if "optimize_s" not in row:
            return ""
        return (
            f"{row['orders']:,} orders; spend {row['spend_share']:.1%} of the budget; "
            f"feasible {row['feasible']}"
        )
    if "optimize_s" not in row:
        return ""
    return (
        f"{row['interface']}, {row['variables']:,} binaries (cap {row.get('cap', '')}); "
        f"coefficients {row['coef_s']:.2f} s, PuLP model {row['model_s']:.2f} s, "
        f"HiGHS {row['solve_s']:.2f} s; HiGHS gap {row.get('highs_gap', float('nan')):.2g}; "
        f"gap vs forecastkit's bound; feasible {row['feasible']}"
    )


def _bar_lines(df: pd.DataFrame) -> list[str]:
    lines = [
        "| scenario | SKUs | bar | wall (s) | gap | peak RSS (MB) | met |",
        "|---|---|---|---|---|---|---|",
    ]
    fk = df[(df["contender"] == "forecastkit") & df["n"].isin(list(BAR))]
    for _, r in fk.iterrows():
        limit = BAR[r["n"]]
        ok = r.get("wall_s", np.inf) < limit and r.get("gap", np.inf) <= BAR_GAP
        lines.append(
            f"| {r['scenario']} | {r['n']:,} | < {limit:.0f} s, gap <= 0.1% | {_fmt(r.get('wall_s'))} "
            f"| {_fmt(r.get('gap'))} | {_fmt(r.get('peak_rss_mb'))} | {'yes' if ok else 'no'} |"
        )
    return lines


def report(rows: list[dict], meta: dict) -> str:
    df = pd.DataFrame(rows)
    df["notes"] = [_notes(r) for r in rows]
    if "iterations" in df:
        df["iterations"] = [f"{v:.0f}" if pd.notna(v) else "" for v in df["iterations"]]
    vers = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines = [
        f"# ReorderOptimizer benchmark, {meta['date']}",
        "",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['cores']} cores, {meta['cpu']}, Python {meta['python']}",
        f"- packages: {vers}",
        f"- instances: {meta['samples']} demand samples per SKU, seed {meta['seed']} "
        "(see the docstring of `benchmarks/bench_optimizer.py`); run time "
        f"{meta['total_wall_s']:.0f} s",
        "",
        "`wall_s`: `optimize` (median of `wall_runs`, each a fresh subprocess after an "
        "untimed warm-up on 200 SKUs). `peak_rss_mb`: the process's peak resident memory "
        "during that call (interpreter and instance included); `extra_rss_mb`: what the call "
        "added. `frame_s`: building the long demand frame (not counted). `gap`: "
        "`(bound - objective) / |bound|`; for the peer, against forecastkit's bound on the "
        "same instance.",
        "",
        "## Issue 6's bar",
        "",
        *_bar_lines(df),
        "",
    ]
    columns = ["contender", "n", "rows", "status", "gap", "wall_s", "wall_runs", "peak_rss_mb",
               "extra_rss_mb", "objective", "bound", "iterations", "frame_s", "notes"]  # fmt: skip
    for scenario, part in df.rename(columns={"build_s": "frame_s"}).groupby("scenario", sort=False):
        lines += [f"## {scenario}", "", markdown_table(part, [c for c in columns if c in part]), ""]
    return "\n".join(lines)


def profile(n: int, scenario: str, samples: int, seed: int) -> None:
    import cProfile
    import pstats

    logging.getLogger("forecastkit").setLevel(logging.DEBUG)  # column generation progress
    t0 = time.perf_counter()
    data = load(n, samples, seed, scenario)
    logger.info("instance built in %.1f s (demand frame %.1f s)", time.perf_counter() - t0,
                data["build_s"])  # fmt: skip
    warmup(data)
    prof = cProfile.Profile()
    prof.enable()
    out = run_forecastkit(data)
    prof.disable()
    logger.info("result: %s", out)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 SKUs")
    parser.add_argument("--sizes", default=None, help="comma-separated SKU counts")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--samples", type=int, default=200, help="demand samples per SKU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="runs of sizes <= 10,000")
    parser.add_argument("--peer-sizes", default=None, help="sizes for the PuLP peer")
    parser.add_argument("--cap", type=int, default=50, help="peer: candidates per SKU")
    parser.add_argument("--peer-time-limit", type=float, default=120.0)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="s per forecastkit run")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--profile", type=int, default=None, help="profile N SKUs and exit")
    args = parser.parse_args(argv)
    default_sizes = "1000,10000" if args.quick else "10000,100000"
    args.sizes = [int(s) for s in (args.sizes or default_sizes).split(",") if s.strip()]
    peer_default = "1000,10000" if shutil.which("highs") else "1000"
    args.peer_sizes = [int(s) for s in (args.peer_sizes or peer_default).split(",") if s.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {list(SCENARIOS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.profile:
        profile(args.profile, args.scenarios[0], args.samples, args.seed)
        return 0
    pkgs = ("forecastkit", "pulp", "highspy", "numpy", "pandas")
    meta = {**machine(), "samples": args.samples, "seed": args.seed,
            "versions": {p: metadata.version(p) for p in pkgs}}  # fmt: skip
    start = time.perf_counter()
    rows = run_cases(args)
    for row in rows:
        if row["contender"] != "forecastkit":
            row["cap"] = args.cap
    meta["total_wall_s"] = time.perf_counter() - start
    text = report(rows, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-optimizer-quick" if args.quick else "-optimizer"
    path = args.out / f"{meta['date'][:10]}{suffix}.md"
    path.write_text(text + "\n")
    print(text)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
