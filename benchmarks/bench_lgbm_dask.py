"""LGBMForecaster on a Dask LocalCluster against the single-process fit: time, memory, accuracy.

The panel: ``forecastkit.make_retail_demand(n_series=30490, periods=...,
horizon=28, seed=0, share_discontinued=0, truth=False, id_dtype="category")``
(the M5 number of series) with price, promotion and temperature as features,
``store`` and ``category`` as static columns (``category_col``,
``location_col``: the two features that pool series). It is written once to a
parquet dataset of 64 files, each holding whole series (series hashed to
files), plus the static, future-exogenous and future-sales frames.

Then, each in a fresh process, one after the other:

* ``local``: ``pd.read_parquet`` of the dataset, ``LGBMForecaster(n_jobs=2)``
  fit and ``predict(28)`` in one process;
* ``dask``: a ``LocalCluster`` of 2 worker processes with 1 thread each,
  ``LGBMForecaster(backend="dask").fit(<dataset path>)`` (the driver never
  reads the sales), ``predict(28)`` on the driver and ``predict_partitions``
  on the workers.

Both use the same parameters (hybrid strategy, ``n_estimators``, no
conformal calibration: point forecasts). Peak memory is the peak resident
set of each process (``getrusage``), for the workers asked on the workers
themselves; the driver's includes its share of the cluster's bookkeeping
(the scheduler runs in the driver process). Accuracy: WAPE and the mean
RMSSE of the 28-day forecasts against the simulated future sales. The
machine's parallel throughput (the same matrix products in one process, then
in two at once) is recorded with the results: on a machine whose cores share
one core's throughput, neither ``n_jobs=2`` nor two workers can be faster
than one thread, and the wall times measure the overhead of the cluster.

Usage::

    python benchmarks/bench_lgbm_dask.py [--series 30490] [--periods 365]
        [--estimators 100] [--workdir /tmp/bench_lgbm_dask]

Prints a Markdown table and writes it (with the JSON of every number) to
``benchmarks/results/<date>-lgbm-dask.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

COLS = ["unique_id", "ds", "price", "promo", "temperature"]
FILES = 64


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def params(estimators: int) -> dict:
    return {
        "price_col": "price",
        "promo_col": "promo",
        "weather_cols": ["temperature"],
        "category_col": "category",
        "location_col": "store",
        "horizon": 28,
        "n_estimators": estimators,
        "calibration_windows": 0,
    }


def make_data(series: int, periods: int, workdir: Path) -> dict:
    """Write the panel as a parquet dataset of whole series, and the frames of the future."""
    import forecastkit as fk

    start = time.perf_counter()
    data = fk.make_retail_demand(
        n_series=series,
        periods=periods,
        horizon=28,
        seed=0,
        share_discontinued=0,
        truth=False,
        id_dtype="category",
    )
    train = data.sales.merge(data.exog[COLS], on=["unique_id", "ds"])
    ids = train["unique_id"].cat.categories.astype(str)
    file_of = np.array([zlib.crc32(s.encode()) % FILES for s in ids])
    which = file_of[train["unique_id"].cat.codes.to_numpy()]
    sales = workdir / "sales"
    sales.mkdir(parents=True, exist_ok=True)
    for k in range(FILES):
        train[which == k].to_parquet(sales / f"part-{k:03d}.parquet", index=False)
    data.static[["unique_id", "store", "category"]].to_parquet(workdir / "static.parquet")
    data.future_exog[COLS].to_parquet(workdir / "future_exog.parquet")
    data.future_sales.to_parquet(workdir / "future_sales.parquet")
    return {"rows": len(train), "series": series, "data_s": time.perf_counter() - start}


def _accuracy(forecast: pd.DataFrame, workdir: Path, history: pd.DataFrame | None) -> dict:
    import forecastkit as fk

    actual = pd.read_parquet(workdir / "future_sales.parquet")
    both = actual.merge(forecast, on=["unique_id", "ds"])
    both["unique_id"] = both["unique_id"].astype(str)
    wape = float((both["y"] - both["yhat"]).abs().sum() / both["y"].sum())
    out = {"wape": round(wape, 4)}
    if history is not None:
        train = history[["unique_id", "ds", "y"]].assign(
            unique_id=lambda d: d.unique_id.astype(str)
        )
        rmsse = fk.evaluate(both, ["rmsse"], train_df=train, agg="mean")
        out["rmsse"] = round(float(rmsse["yhat"].iloc[0]), 4)
    return out


def run_local(workdir: Path, estimators: int) -> dict:
    import forecastkit as fk

    train = pd.read_parquet(workdir / "sales")
    static = pd.read_parquet(workdir / "static.parquet")
    future = pd.read_parquet(workdir / "future_exog.parquet")
    loaded = _peak_mb()
    start = time.perf_counter()
    model = fk.LGBMForecaster(n_jobs=2, **params(estimators)).fit(train, static)
    fit_s = time.perf_counter() - start
    after_fit = _peak_mb()
    start = time.perf_counter()
    forecast = model.predict(28, future)
    predict_s = time.perf_counter() - start
    return {
        "fit_s": round(fit_s, 1),
        "predict_s": round(predict_s, 1),
        "peak_rss_mb_loaded": round(loaded),
        "peak_rss_mb_fit": round(after_fit),
        "peak_rss_mb": round(_peak_mb()),
        **_accuracy(forecast, workdir, train),
    }


def _worker_peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_dask(workdir: Path, estimators: int) -> dict:
    import shutil

    from distributed import Client, LocalCluster

    import forecastkit as fk

    static = pd.read_parquet(workdir / "static.parquet")
    future = pd.read_parquet(workdir / "future_exog.parquet")
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    client = Client(cluster)
    try:
        started = client.run(_worker_peak)
        start = time.perf_counter()
        model = fk.LGBMForecaster(backend="dask", **params(estimators))
        model.fit(str(workdir / "sales"), static, client=client)
        fit_s = time.perf_counter() - start
        after_fit = _peak_mb()
        fit_peaks = client.run(_worker_peak)
        start = time.perf_counter()
        forecast = model.predict(28, future)
        predict_s = time.perf_counter() - start
        out_dir = workdir / "forecasts"
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        files = model.predict_partitions(28, future, path=out_dir)
        partitions_s = time.perf_counter() - start
        peaks = client.run(_worker_peak)
    finally:
        client.close()
        cluster.close()
    history = pd.DataFrame(
        {
            "unique_id": np.repeat(model.layout_.ids, model.layout_.lengths),
            "ds": model.layout_.dates,
            "y": model.y_,
        }
    )
    return {
        "fit_s": round(fit_s, 1),
        "predict_s": round(predict_s, 1),
        "predict_partitions_s": round(partitions_s, 1),
        "files": len(files),
        "worker_rss_mb_at_start": [round(v) for v in started.values()],
        "worker_peak_rss_mb_fit": [round(v) for v in fit_peaks.values()],
        "worker_peak_rss_mb": [round(v) for v in peaks.values()],
        "driver_peak_rss_mb_fit": round(after_fit),
        "driver_peak_rss_mb": round(_peak_mb()),
        **_accuracy(forecast, workdir, history),
    }


_SPIN = (
    "import time, numpy as np; a = np.random.default_rng(0).normal(size=(1500, 1500)); "
    "t = time.perf_counter(); [a @ a for _ in range(6)]; print(time.perf_counter() - t)"
)


def parallel_throughput() -> float:
    """How many single-threaded processes this machine runs at full speed at once (1 to 2).

    The same matrix products alone, then in two processes at once: 2.0 when
    the two cores are real, 1.0 when they share one core's throughput.
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", _SPIN]
    alone = float(subprocess.run(command, capture_output=True, text=True, env=env).stdout)
    pair = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) for _ in "ab"]
    together = max(float(p.communicate()[0]) for p in pair)
    return round(2 * alone / together, 2)


def _child(mode: str, args: argparse.Namespace) -> dict:
    """Run one mode in a fresh process; return its JSON result."""
    command = [
        sys.executable,
        __file__,
        "--mode",
        mode,
        "--series",
        str(args.series),
        "--periods",
        str(args.periods),
        "--estimators",
        str(args.estimators),
        "--workdir",
        str(args.workdir),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            result = json.loads(line[len("@@RESULT@@") :])
            result["process_s"] = round(time.perf_counter() - start, 1)
            return result
    raise RuntimeError(f"{mode} failed:\n{done.stderr[-4000:]}")


def _table(results: dict) -> str:
    local, remote = results["local"], results["dask"]

    def workers(key: str) -> str:
        return " / ".join(map(str, remote[key]))

    rows = [
        ("fit wall time (s)", local["fit_s"], remote["fit_s"]),
        ("predict(28) on the driver (s)", local["predict_s"], remote["predict_s"]),
        ("predict_partitions(28) on the workers (s)", "-", remote["predict_partitions_s"]),
        ("peak RSS to the end of fit (MiB)", local["peak_rss_mb_fit"], "-"),
        ("  driver", "-", remote["driver_peak_rss_mb_fit"]),
        ("  each worker", "-", workers("worker_peak_rss_mb_fit")),
        ("peak RSS to the end of predicting (MiB)", local["peak_rss_mb"], "-"),
        ("  driver", "-", remote["driver_peak_rss_mb"]),
        ("  each worker", "-", workers("worker_peak_rss_mb")),
        ("WAPE, 28 days", local["wape"], remote["wape"]),
        ("mean RMSSE, 28 days", local.get("rmsse", "-"), remote.get("rmsse", "-")),
    ]
    lines = ["| | single process (n_jobs=2) | Dask, 2 workers x 1 thread |", "|---|---|---|"]
    lines += [f"| {name} | {a} | {b} |" for name, a, b in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=30490)
    parser.add_argument("--periods", type=int, default=365)
    parser.add_argument("--estimators", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_lgbm_dask"))
    parser.add_argument("--mode", choices=["all", "data", "local", "dask"], default="all")
    args = parser.parse_args()
    if args.mode != "all":
        run = {"data": make_data, "local": run_local, "dask": run_dask}[args.mode]
        extra = (args.series, args.periods) if args.mode == "data" else (args.estimators,)
        out = run(*extra, args.workdir) if args.mode == "data" else run(args.workdir, *extra)
        print("@@RESULT@@" + json.dumps(out))
        return
    from _measure import machine

    results = {"machine": machine(), "throughput": parallel_throughput()}
    results["data"] = _child("data", args)
    results["local"] = _child("local", args)
    results["dask"] = _child("dask", args)
    results["setup"] = vars(args) | {"workdir": str(args.workdir), "date": str(dt.date.today())}
    table = _table(results)
    print(table)
    out = Path(__file__).parent / "results" / f"{dt.date.today()}-lgbm-dask"
    out.with_suffix(".json").write_text(json.dumps(results, indent=2))
    head = (
        f"{args.series} series x {args.periods} days ({results['data']['rows']:,} rows), "
        f"{args.estimators} trees per band, hybrid strategy; {results['machine']['cores']} "
        f"cores ({results['machine']['cpu']}) whose parallel throughput is "
        f"{results['throughput']} single-threaded processes\n\n"
    )
    out.with_suffix(".md").write_text(head + table + "\n")


if __name__ == "__main__":
    main()
