"""A few contenders on the M5 subset task, in one run: a quick head-to-head.

The full harness (``run.py``) runs every contender on every task; this runs
only the named ones on the M5 task (same data, windows, scoring and
measurement as ``task_m5``), for checking one module against its peer.

Usage::

    python benchmarks/compare_m5.py forecastkit.StatsForecaster statsforecast.AutoETS \
        [--quick] [--out benchmarks/results/<file>.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import task_m5
from _contenders import CONTENDERS, run_all, task_inputs
from _data import load_m5
from _measure import machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contenders", nargs="+", choices=sorted(CONTENDERS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    data = load_m5(quick=args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        common = task_inputs(
            data,
            Path(tmp) / "m5",
            h=task_m5.H,
            freq=task_m5.FREQ,
            season_length=task_m5.SEASON,
            quick=args.quick,
            quantiles=task_m5.M5_QUANTILES,
        )
        t0 = time.time()
        rows = run_all("m5", args.contenders, task_m5.make_scorer(data), run_options={}, **common)
    report = {"machine": machine(), "seconds": time.time() - t0, "rows": rows}
    text = json.dumps(report, indent=1, default=str)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
