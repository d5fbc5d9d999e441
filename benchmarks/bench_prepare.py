"""Preparation speed: forecastkit.prepare against utilsforecast's fill_gaps.

Both get the same synthetic daily panel with about 3% of the rows removed
inside the series (missing days). forecastkit.prepare validates the frame
(types, duplicates, grid, negatives, NaN) *and* fills the gaps with zero
demand; utilsforecast.preprocessing.fill_gaps only inserts the missing rows
(the zero fill is added after it, so both outputs are the same frame).

Usage::

    python benchmarks/bench_prepare.py --series 3000 --periods 1941 --repeats 3

Each contender runs in its own subprocess; the report gives medians of wall
time and of peak RSS above the loaded input, and the ratio to the peer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import machine, run_isolated
from utilsforecast.preprocessing import fill_gaps

from forecastkit import prepare


def load(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def run_forecastkit(df: pd.DataFrame) -> dict:
    out = prepare(df).df
    return {"rows": len(out), "total": float(out["y"].sum())}


def run_utilsforecast(df: pd.DataFrame) -> dict:
    out = fill_gaps(df, freq="D", start="per_serie", end="per_serie")
    out["y"] = out["y"].fillna(0.0)
    return {"rows": len(out), "total": float(out["y"].sum())}


CONTENDERS = {
    "forecastkit.prepare": "bench_prepare:run_forecastkit",
    "utilsforecast.fill_gaps": "bench_prepare:run_utilsforecast",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=3000)
    parser.add_argument("--periods", type=int, default=1941)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "prepare.json"))
    args = parser.parse_args()

    from forecastkit.datasets import make_retail_demand

    sales = make_retail_demand(
        n_series=args.series, periods=args.periods, seed=0, exog=False, truth=False
    ).sales
    rng = np.random.default_rng(0)
    first_or_last = sales.groupby("unique_id").cumcount(ascending=True).eq(0) | sales.groupby(
        "unique_id"
    ).cumcount(ascending=False).eq(0)
    drop = (rng.random(len(sales)) < 0.03) & ~first_or_last.to_numpy()
    panel = sales.loc[~drop].reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "panel.parquet")
        panel.to_parquet(path)
        results = {}
        for name, target in CONTENDERS.items():
            runs = [run_isolated(target, {"path": path}) for _ in range(args.repeats)]
            results[name] = {
                "wall_s": statistics.median(r["wall_s"] for r in runs),
                "extra_peak_mb": statistics.median(r["extra_peak_mb"] for r in runs),
                "out": runs[0]["out"],
            }
    fk, peer = results["forecastkit.prepare"], results["utilsforecast.fill_gaps"]
    assert fk["out"] == peer["out"], "contenders disagree on the prepared frame"
    report = {
        "machine": machine(),
        "data": {
            "series": args.series,
            "periods": args.periods,
            "rows_in": len(panel),
            "rows_removed": int(drop.sum()),
        },
        "results": results,
        "ratio_wall_fk_to_peer": fk["wall_s"] / peer["wall_s"],
        "ratio_mem_fk_to_peer": fk["extra_peak_mb"] / max(peer["extra_peak_mb"], 1e-9),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
