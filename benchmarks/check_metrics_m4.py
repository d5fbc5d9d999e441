"""Check forecastkit's metrics and seasonal-naive baseline on the official M4 results.

For the M4 Weekly (359 series, h=13) and Hourly (414 series, h=48) sets,
forecast the official test periods with ``forecastkit.SeasonalNaive``
(``season_length=1`` is the Naive method, ``season_length=24`` on hourly data
is sNaive), score them with ``forecastkit.evaluate`` (sMAPE, and MASE with the
M4 seasonal period: 1 for weekly, 24 for hourly), and compare with the scores
published in ``Evaluation_and_Ranks.xlsx``. Differences must be rounding only.

Usage::

    python benchmarks/check_metrics_m4.py [--data ../shared/data/m4]

Needs openpyxl (``pip install "forecastkit[bench]"``). Exits with a message,
not an error, when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

import forecastkit as fk

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "m4"
# Made-up dates: M4 gives none. 2000-01-02 is a Sunday, so weekly data is W-SUN.
START = pd.Timestamp("2000-01-02")
SETS = {
    "Weekly": {"h": 13, "m": 1, "freq": "W-SUN", "step": pd.Timedelta(weeks=1)},
    "Hourly": {"h": 48, "m": 24, "freq": "h", "step": pd.Timedelta(hours=1)},
}
COLUMNS = {"sMAPE": {"Weekly": 4, "Hourly": 6}, "MASE": {"Weekly": 11, "Hourly": 13}}


def load_long(path: Path) -> pd.DataFrame:
    """Wide M4 csv (V1, V2, ... per row) to long rows with a 0-based position ``t``."""
    wide = pd.read_csv(path)
    long = wide.melt(id_vars=wide.columns[0], var_name="t", value_name="y").dropna()
    long = long.rename(columns={wide.columns[0]: "unique_id"})
    long["t"] = long["t"].str[1:].astype(int) - 2  # V2 is the first value
    return long


def official(data: Path) -> pd.DataFrame:
    sheet = pd.read_excel(
        data / "Evaluation_and_Ranks.xlsx", "Point Forecasts-Frequency", header=None
    )
    return sheet.set_index(0)


def run(data: Path, name: str, spec: dict) -> list[dict]:
    train = load_long(data / f"{name}-train.csv")
    test = load_long(data / f"{name}-test.csv")
    n_train = train.groupby("unique_id")["t"].max() + 1
    test["t"] += test["unique_id"].map(n_train)
    for frame in (train, test):
        frame["ds"] = START + frame["t"].to_numpy() * spec["step"]
    train, test = train.drop(columns="t"), test.drop(columns="t")
    rows = []
    for method, m in (("Naive", 1), ("sNaive", spec["m"])):
        t0 = time.perf_counter()
        fc = fk.SeasonalNaive(season_length=m, freq=spec["freq"]).fit(train).predict(spec["h"])
        scored = fc.merge(test, on=["unique_id", "ds"], validate="one_to_one")
        assert len(scored) == len(test), "forecast dates do not line up with the test set"
        scores = fk.evaluate(
            scored, ["smape", "mase"], train_df=train, season_length=spec["m"], agg="mean"
        ).set_index("metric")["yhat"]
        rows.append(
            {
                "set": name,
                "method": method,
                "sMAPE": round(float(scores["smape"]), 3),
                "MASE": round(float(scores["mase"]), 3),
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
    table = official(args.data)
    worst = 0.0
    for name, spec in SETS.items():
        for row in run(args.data, name, spec):
            for metric in ("sMAPE", "MASE"):
                ref = float(table.loc[row["method"], COLUMNS[metric][name]])
                row[f"{metric} official"] = ref
                worst = max(worst, abs(row[metric] - ref))
            print(json.dumps(row))
    print(f"largest difference from the official M4 scores: {worst:.4f}")
    return 0 if worst <= 0.002 else 1


if __name__ == "__main__":
    sys.exit(main())
