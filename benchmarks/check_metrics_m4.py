"""Check forecastkit's metrics and seasonal-naive baseline on the official M4 results.

For the M4 Weekly (359 series, h=13) and Hourly (414 series, h=48) sets,
forecast the official test periods with ``forecastkit.SeasonalNaive``
(``season_length=1`` is the Naive method, ``season_length=24`` on hourly data
is sNaive) and with M4's Naive2 (``_naive2.py``), score them with
``forecastkit.evaluate`` (sMAPE, and MASE with the M4 seasonal period: 1 for
weekly, 24 for hourly), and compare with the scores published in
``Evaluation_and_Ranks.xlsx``. Differences must be rounding only.

Usage::

    python benchmarks/check_metrics_m4.py [--data ../shared/data/m4]

Needs openpyxl (``pip install "forecastkit[bench]"``). Exits with a message,
not an error, when the data folder is absent. The M4 loader is shared with
the benchmark task (``task_m4.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _naive2 import naive2
from task_m4 import DEFAULT_DATA, SETS, load_set, published, score

import forecastkit as fk


def run(data: Path, name: str, spec: dict) -> list[dict]:
    """Naive, sNaive and Naive2 scores of one M4 set."""
    train, test = load_set(data, name)
    methods = {
        "Naive": lambda: fk.SeasonalNaive(season_length=1, freq=spec["freq"]).fit(train),
        "sNaive": lambda: fk.SeasonalNaive(season_length=spec["m"], freq=spec["freq"]).fit(train),
    }
    rows = []
    for method in ("Naive", "sNaive", "Naive2"):
        t0 = time.perf_counter()
        if method == "Naive2":
            fc = naive2(train, h=spec["h"], season_length=spec["m"], freq=spec["freq"])
        else:
            fc = methods[method]().predict(spec["h"])
        scores = score(fc, test, train, m=spec["m"])
        rows.append(
            {
                "set": name,
                "method": method,
                "sMAPE": round(scores["smape"], 3),
                "MASE": round(scores["mase"], 3),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not (args.data / "Weekly-train.csv").exists():
        print(f"M4 data not found in {args.data}; nothing to check.")
        return 0
    worst = 0.0
    for name, spec in SETS.items():
        table = published(args.data, name)
        for row in run(args.data, name, spec):
            for metric in ("sMAPE", "MASE"):
                ref = float(table.loc[row["method"], metric.lower()])
                row[f"{metric} official"] = ref
                worst = max(worst, abs(row[metric] - ref))
            print(json.dumps(row))
    print(f"largest difference from the official M4 scores: {worst:.4f}")
    return 0 if worst <= 0.002 else 1


if __name__ == "__main__":
    sys.exit(main())
