"""Benchmark harness: forecastkit against the tools a user would pick instead.

Usage::

    python benchmarks/run.py [--quick] [--tasks m5,walmart,m4,scale]

Each task module (``task_<name>.py``) exposes ``run(*, quick, workdir)``
returning one row per contender (``task, contender, status, wall_s,
peak_rss_mb``, task metrics, ``notes``). This script runs the tasks asked
for, adds the time and memory ratios to each task's reference peer
(measured in the same run), and writes ``benchmarks/results/<date>.md``,
``.csv`` and ``.png`` (``<date>-quick.*`` with ``--quick``; the task names
are appended when only some tasks run), then refreshes the summary table of
``benchmarks/README.md`` (only when every task ran). Run it with the benchmark
environment (``make bench`` / ``make bench-quick``): statsforecast,
mlforecast and LightGBM installed with ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

import numpy as np
from _measure import machine
from _report import write_outputs

logger = logging.getLogger("bench")

BENCH_DIR = Path(__file__).resolve().parent
TASKS = {"m5": "task_m5", "walmart": "task_walmart", "m4": "task_m4", "scale": "task_scale"}
# Reference peer of each task family for the ratio columns: the first one that ran
# (rows may name their own in ``ratio_to``).
PEERS = {
    "m5": ("statsforecast.AutoETS", "statsforecast.SeasonalNaive"),
    "walmart": ("statsforecast.AutoETS", "statsforecast.SeasonalNaive"),
    "m4": ("statsforecast.AutoETS", "statsforecast.SeasonalNaive"),
}
PACKAGES = (
    "forecastkit",
    "statsforecast",
    "mlforecast",
    "lightgbm",
    "coreforecast",
    "pandas",
    "numpy",
)


def run_task(name: str, *, quick: bool, workdir: Path) -> list[dict]:
    """Import ``task_<name>`` lazily and run it; a missing or crashing task gives a failed row."""
    try:
        module = importlib.import_module(TASKS[name])
    except ImportError as err:
        logger.error("task %s: cannot import %s: %s", name, TASKS[name], err)
        return [_failed_row(name, f"failed: cannot import {TASKS[name]}: {err}"[:200])]
    try:
        return list(module.run(quick=quick, workdir=workdir))
    except Exception as err:  # one broken task must not lose the others' rows
        logger.error("task %s crashed:\n%s", name, traceback.format_exc())
        return [_failed_row(name, f"failed: {type(err).__name__}: {err}"[:200])]


def _failed_row(task: str, status: str) -> dict:
    return {"task": task, "contender": "(task)", "status": status, "wall_s": np.nan,
            "peak_rss_mb": np.nan, "notes": ""}  # fmt: skip


def add_ratios(rows: list[dict]) -> list[dict]:
    """``wall_ratio`` and ``rss_ratio``: each row over its task's peer (same run)."""
    ok = {(r["task"], r["contender"]): r for r in rows if r.get("status") == "ok"}
    out = []
    for row in rows:
        row = dict(row)
        candidates = [row["ratio_to"]] if row.get("ratio_to") else []
        candidates += PEERS.get(row["task"].split("-")[0], ())
        peer = next((p for p in candidates if (row["task"], p) in ok), None)
        ref = ok.get((row["task"], peer))
        row["ratio_to"] = peer if ref is not None else ""
        for col, ratio in (("wall_s", "wall_ratio"), ("peak_rss_mb", "rss_ratio")):
            num = row.get(col, np.nan)
            den = ref.get(col, np.nan) if ref is not None else np.nan
            row[ratio] = float(num) / float(den) if ref is not None and den else np.nan
        out.append(row)
    return out


def versions() -> dict:
    """Installed versions of the packages that the numbers depend on."""
    found = {}
    for pkg in PACKAGES:
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            found[pkg] = "absent"
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subset of every task, < 5 min")
    parser.add_argument("--tasks", default="m5,walmart,m4,scale", help="comma-separated tasks")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results", help="results folder")
    parser.add_argument("--readme", type=Path, default=BENCH_DIR / "README.md",
                        help="README whose summary table is refreshed")  # fmt: skip
    parser.add_argument("--no-readme", action="store_true", help="leave the README alone")
    parser.add_argument("--workdir", type=Path, default=None, help="keep intermediate files here")
    args = parser.parse_args(argv)
    args.tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in args.tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sys.path.insert(0, str(BENCH_DIR))
    meta = {**machine(), "versions": versions(), "quick": args.quick, "tasks": args.tasks}
    meta["subset"] = set(args.tasks) != set(TASKS)
    start = time.perf_counter()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="fk-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        for name in args.tasks:
            t0 = time.perf_counter()
            rows.extend(run_task(name, quick=args.quick, workdir=workdir))
            meta.setdefault("task_wall_s", {})[name] = time.perf_counter() - t0
            logger.info("task %s done in %.0f s", name, meta["task_wall_s"][name])
    meta["total_wall_s"] = time.perf_counter() - start
    rows = add_ratios(rows)
    readme = None if args.no_readme or meta["subset"] else args.readme
    if meta["subset"] and not args.no_readme:
        logger.info("a subset of the tasks ran: %s keeps its summary table", args.readme.name)
    paths = write_outputs(rows, meta=meta, out_dir=args.out, readme=readme)
    print(f"{len(rows)} rows in {meta['total_wall_s']:.0f} s; wrote:")
    for path in paths:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
