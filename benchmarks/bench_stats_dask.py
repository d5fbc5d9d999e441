"""StatsForecaster on a Dask LocalCluster against the single-process run.

Issue 9's benchmark: the synthetic M5-sized panel (``make_retail_demand``,
30,490 series by default) forecast 28 days ahead, once in one process and
once with ``backend="dask"`` on a ``LocalCluster`` of 2 single-threaded
worker processes, reading the same parquet dataset (one file per group of
series, written once, untimed). Reported: wall time of fit + predict, peak
RSS of the single process, peak RSS of each worker and of the driver during
the Dask run (sampled every 0.2 s), and the largest absolute difference
between the two forecasts (issue 9: identical).

Usage: ``python benchmarks/bench_stats_dask.py [--series 30490] [--periods 1941]``
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger("bench_stats_dask")
H = 28


def write_dataset(root: Path, n_series: int, periods: int, files: int) -> None:
    """The panel as ``files`` parquet files, each holding whole series."""
    import forecastkit as fk
    from forecastkit.distributed._input import series_codes

    data = fk.make_retail_demand(
        n_series=n_series, periods=periods, seed=0, exog=False, truth=False, id_dtype="str"
    )
    sales = data.sales
    ids = pd.unique(sales["unique_id"])
    code = pd.Series(series_codes(ids, files), index=ids)
    rows = code.reindex(sales["unique_id"].to_numpy()).to_numpy()
    root.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        sales[rows == k].to_parquet(root / f"part-{k:03d}.parquet", index=False)


def run_local(root: Path, out: Path) -> dict:
    import forecastkit as fk

    sales = pd.read_parquet(root)
    start = time.perf_counter()
    fc = fk.StatsForecaster().fit(sales).predict(H)
    wall = time.perf_counter() - start
    fc.to_parquet(out, index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall_s": round(wall, 1), "peak_rss_mb": round(peak)}


def run_dask(root: Path, out: Path) -> dict:
    import psutil
    from distributed import Client, LocalCluster

    import forecastkit as fk

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, memory_limit=0
    )
    client = Client(cluster)
    peaks: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.is_set():
            rss = client.run(lambda: psutil.Process().memory_info().rss)
            for worker, value in rss.items():
                peaks[worker] = max(peaks.get(worker, 0.0), value / 2**20)
            peaks["driver"] = max(peaks.get("driver", 0.0), me.memory_info().rss / 2**20)
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    model = fk.StatsForecaster(backend="dask").fit(str(root), client=client)
    fc = model.predict(H)
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    fc.to_parquet(out, index=False)
    client.close()
    cluster.close()
    workers = sorted(v for k, v in peaks.items() if k != "driver")
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mb_workers": [round(v) for v in workers],
        "peak_rss_mb_driver": round(peaks.get("driver", 0.0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=30490)
    parser.add_argument("--periods", type=int, default=1941)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--mode", choices=["all", "local", "dask"], default="all")
    parser.add_argument("--root", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.mode != "all":
        root = Path(args.root)
        runner = run_local if args.mode == "local" else run_dask
        print(json.dumps(runner(root / "data", root / f"{args.mode}.parquet")))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_dataset(root / "data", args.series, args.periods, args.files)
        logger.info("dataset written in %.0f s", time.perf_counter() - start)
        results = {}
        for mode in ("local", "dask"):  # each in its own process: clean peak memory
            cmd = [sys.executable, __file__, "--mode", mode, "--root", str(root)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        local = pd.read_parquet(root / "local.parquet")
        dask = pd.read_parquet(root / "dask.parquet")
        keys = ["unique_id", "ds"]
        both = local.merge(dask, on=keys, suffixes=("_local", "_dask"), validate="one_to_one")
        diff = float(np.abs(both["yhat_local"] - both["yhat_dask"]).max())
        logger.info(
            "%d series x %d periods, h=%d\nlocal: %s\ndask (2 workers): %s\n"
            "rows: local %d, dask %d; max |yhat difference| %.3g",
            args.series,
            args.periods,
            H,
            results["local"],
            results["dask"],
            len(local),
            len(dask),
            diff,
        )


if __name__ == "__main__":
    main()
