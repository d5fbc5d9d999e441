"""M4 Weekly and Hourly: the official test sets, scored against the published ranks.

Each contender forecasts the official test periods of the M4 Weekly (359
series, h=13) and Hourly (414 series, h=48) sets in its own subprocess. The
forecasts are scored with ``forecastkit.evaluate``: sMAPE, MASE (scaled with
M4's seasonal period: 1 for weekly, 24 for hourly), and OWA relative to the
*published* Naive2 scores, and the OWA is placed among the published methods
of ``Evaluation_and_Ranks.xlsx`` (sheet "Point Forecasts-Frequency").

The Naive2 reference is recomputed here (``_naive2.py``) and must reproduce
the published Naive2 sMAPE and MASE: that checks the whole pipeline (data
loading, forecast dates, metrics) before any other row is trusted.

Season lengths: hourly models use 24. Weekly models use 52 (a year; every
weekly series has at least 80 values), as a retail user would; M4 itself used
frequency 1 for weekly data, so the weekly MASE scale and Naive2 use m=1
(for weekly data Naive2 is the naive forecast, so the reference row is also
the m=1 baseline). statsforecast's AutoETS accepts season_length=52 (R's
``ets`` refuses seasons over 24) and is slow with it: about 7 minutes for the
359 weekly series on one core, against about 17 s with season_length=1.

``--quick`` runs every series of both sets (scores on a subset would not
compare with the published ones) and every contender except AutoETS (about
30 s in all; the full run takes about 11 minutes, nearly all of it AutoETS).

Usage::

    python benchmarks/task_m4.py [--quick] [--data ../shared/data/m4]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _data import DATA_DIR

logger = logging.getLogger(__name__)

DEFAULT_DATA = DATA_DIR / "m4"
# Made-up dates: M4 gives none. 2000-01-02 is a Sunday, so weekly data is W-SUN.
START = pd.Timestamp("2000-01-02")
SETS = {
    "Weekly": {"h": 13, "m": 1, "model_m": 52, "freq": "W-SUN", "step": pd.Timedelta(weeks=1)},
    "Hourly": {"h": 48, "m": 24, "model_m": 24, "freq": "h", "step": pd.Timedelta(hours=1)},
}
SHEET = "Point Forecasts-Frequency"
# Published Naive2 scores (sheet SHEET); OWA = 1 for Naive2 by definition.
NAIVE2 = {"Weekly": {"smape": 9.161, "mase": 2.777}, "Hourly": {"smape": 18.383, "mase": 2.395}}


def load_long(path: Path) -> pd.DataFrame:
    """Wide M4 csv (V1, V2, ... per row) to long rows with a 0-based position ``t``."""
    wide = pd.read_csv(path)
    long = wide.melt(id_vars=wide.columns[0], var_name="t", value_name="y").dropna()
    long = long.rename(columns={wide.columns[0]: "unique_id"})
    long["t"] = long["t"].str[1:].astype(int) - 2  # V2 is the first value
    return long


def load_set(data: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test of one M4 set as long ``unique_id, ds, y`` frames.

    The test periods continue each series' training periods; the dates are
    made up (M4 has none) at the set's frequency from ``START``.
    """
    step = SETS[name]["step"]
    train = load_long(data / f"{name}-train.csv")
    test = load_long(data / f"{name}-test.csv")
    n_train = train.groupby("unique_id")["t"].max() + 1
    test["t"] += test["unique_id"].map(n_train)
    frames = []
    for frame in (train, test):
        frame = frame.assign(ds=START + frame["t"].to_numpy() * step)
        frame = frame.sort_values(["unique_id", "t"])[["unique_id", "ds", "y"]]
        frames.append(frame.reset_index(drop=True))
    return frames[0], frames[1]


def published(data: Path, name: str) -> pd.DataFrame:
    """Published sMAPE, MASE and OWA of every M4 method for one frequency.

    One row per method (index: the method name or participant id), columns
    ``smape, mase, owa``; methods without a score for the set are dropped.
    """
    sheet = pd.read_excel(data / "Evaluation_and_Ranks.xlsx", SHEET, header=None)
    groups = sheet.iloc[0].ffill()
    columns = {
        metric: next(i for i in sheet.columns if groups[i] == label and sheet.iloc[1, i] == name)
        for metric, label in (("smape", "sMAPE"), ("mase", "MASE"), ("owa", "OWA"))
    }
    body = sheet.iloc[2:].dropna(subset=[columns["owa"]])
    body = body[pd.to_numeric(body[columns["owa"]], errors="coerce").notna()]
    table = pd.DataFrame(
        {metric: body[col].astype(float).to_numpy() for metric, col in columns.items()},
        index=body[0].astype(str).to_numpy(),
    )
    table.index.name = "method"
    return table


def score(
    forecasts: pd.DataFrame, test: pd.DataFrame, train: pd.DataFrame, *, m: int
) -> dict[str, float]:
    """Mean sMAPE and MASE over series of ``forecasts`` (``yhat``) on ``test``."""
    import forecastkit as fk

    scored = test.merge(forecasts[["unique_id", "ds", "yhat"]], on=["unique_id", "ds"], how="left")
    if scored["yhat"].isna().any():
        missing = scored.loc[scored["yhat"].isna(), "unique_id"].unique()
        raise ValueError(
            f"forecasts miss test periods of {len(missing)} series, e.g. {missing[:3]}"
        )
    means = fk.evaluate(
        scored, ["smape", "mase"], train_df=train, season_length=m, agg="mean"
    ).set_index("metric")["yhat"]
    return {"smape": float(means["smape"]), "mase": float(means["mase"])}


def owa(smape: float, mase: float, name: str) -> float:
    """Overall weighted average relative to the published Naive2 of set ``name``."""
    ref = NAIVE2[name]
    return 0.5 * (smape / ref["smape"] + mase / ref["mase"])


def rank(value: float, table: pd.DataFrame) -> str:
    """Where an OWA would place among the published methods: ``"12 of 61"``.

    Ties go to the newcomer's favour (rank = 1 + methods strictly better);
    the count includes the newcomer.
    """
    return f"{int((table['owa'] < value).sum()) + 1} of {len(table) + 1}"


# ----------------------------------------------------------------------------- contenders
REFERENCE = "reference.Naive2"
CONTENDERS = (
    REFERENCE,
    "forecastkit.SeasonalNaive",
    "forecastkit.StatsForecaster",
    "statsforecast.SeasonalNaive",
    "statsforecast.AutoETS",
    "statsforecast.CrostonOptimized",
    "statsforecast.TSB",
    "statsforecast.ADIDA",
)
QUICK_CONTENDERS = tuple(c for c in CONTENDERS if c != "statsforecast.AutoETS")
_NOTES = {
    "CrostonOptimized": "intermittent-demand model (M4 is not intermittent)",
    "TSB": "intermittent-demand model (M4 is not intermittent); alpha_d=alpha_p=0.1",
    "ADIDA": "intermittent-demand model (M4 is not intermittent)",
}


def load(path: str, h: int, season_length: int, freq: str) -> dict:
    """Child side of the Naive2 reference (untimed): its training frame and settings."""
    return {"train": pd.read_parquet(path), "h": h, "m": season_length, "freq": freq}


def forecast_naive2(data: dict) -> pd.DataFrame:
    """Child side of the Naive2 reference (timed)."""
    from _naive2 import naive2

    return naive2(data["train"], h=data["h"], season_length=data["m"], freq=data["freq"])


def _run_reference(name: str, train_path: Path, workdir: Path) -> tuple[dict, pd.DataFrame | None]:
    """M4's Naive2 in its own subprocess, measured like the contenders (no warm-up)."""
    from _measure import run_timed

    spec = SETS[name]
    workdir.mkdir(parents=True, exist_ok=True)
    out_path = workdir / "reference_Naive2.forecast.parquet"
    args = {"path": str(train_path), "h": spec["h"], "season_length": spec["m"]}
    res = run_timed(
        "task_m4:forecast_naive2", {**args, "freq": spec["freq"]}, out_path=str(out_path)
    )
    row = {"contender": REFERENCE, "wall_s": np.nan, "peak_rss_mb": np.nan, "notes": ""}
    if "error" in res:
        return {**row, "status": f"failed: {res['error']}"}, None
    row.update(status="ok", wall_s=res["wall_s"], peak_rss_mb=res["peak_rss_mb"])
    row["extra_rss_mb"] = res["peak_rss_mb"] - res["rss_before_mb"]
    row["notes"] = f"M4's Naive2 (m={spec['m']}), recomputed by _naive2.py"
    return row, pd.read_parquet(out_path)


def _scores(fc: pd.DataFrame, name: str, data: tuple, table: pd.DataFrame) -> dict:
    """sMAPE, MASE, OWA and rank of one contender's forecasts."""
    train, test = data
    scores = score(fc, test, train, m=SETS[name]["m"])
    value = owa(scores["smape"], scores["mase"], name)
    return {**scores, "owa": value, "rank": rank(round(value, 3), table.round({"owa": 3}))}


def _check_reference(row: dict, name: str) -> None:
    """Naive2 must reproduce the published scores, or no OWA of the set is trusted."""
    got = (round(row["smape"], 3), round(row["mase"], 3))
    ref = (NAIVE2[name]["smape"], NAIVE2[name]["mase"])
    if got == ref:
        row["notes"] += f"; reproduces the published sMAPE {ref[0]} and MASE {ref[1]}"
    else:
        row["status"] = f"failed: sMAPE, MASE {got} differ from the published Naive2 {ref}"


def _reference_row(name: str, train_path: Path, workdir: Path, data: tuple, table) -> dict:
    row, fc = _run_reference(name, train_path, workdir)
    row = {"task": f"m4-{name.lower()}", **row}
    if fc is not None:
        row.update(_scores(fc, name, data, table))
        _check_reference(row, name)
    return row


def _task_notes(name: str, n_series: int, table: pd.DataFrame) -> str:
    spec, ref = SETS[name], NAIVE2[name]
    return (
        f"M4 {name}: {n_series} series, h={spec['h']}, official test set; MASE scaled with "
        f"m={spec['m']} as in M4; OWA relative to the published Naive2 (sMAPE {ref['smape']}, "
        f"MASE {ref['mase']}); rank among the {len(table)} published methods of "
        f"Evaluation_and_Ranks.xlsx plus this one (ties count in its favour); "
        f"models use season_length={spec['model_m']}"
    )


def _run_set(name: str, contenders: tuple[str, ...], workdir: Path, data_dir: Path) -> list[dict]:
    """Every contender on one M4 set, scored."""
    from _contenders import run_all, save_frame

    data = load_set(data_dir, name)
    table = published(data_dir, name)
    setdir = Path(workdir) / f"m4-{name.lower()}"
    train_path = save_frame(data[0], setdir / "train.parquet")
    rows = []
    if REFERENCE in contenders:
        rows.append(_reference_row(name, train_path, setdir / "runs", data, table))
    rows += run_all(
        f"m4-{name.lower()}",
        [c for c in contenders if c != REFERENCE],
        lambda _, fc: _scores(fc, name, data, table),
        frame=train_path,
        h=SETS[name]["h"],
        freq=SETS[name]["freq"],
        season_length=SETS[name]["model_m"],
        workdir=setdir / "runs",
    )
    task_notes = _task_notes(name, data[0]["unique_id"].nunique(), table)
    for row in rows:
        row["task_notes"] = task_notes
        if row["status"] == "ok" and row["contender"] != REFERENCE:
            model = row["contender"].split(".", 1)[1]
            row["notes"] = _NOTES.get(model, f"season_length={SETS[name]['model_m']}")
    return rows


def run(*, quick: bool, workdir: Path, data: Path = DEFAULT_DATA) -> list[dict]:
    """Run the M4 Weekly and Hourly task; one result row per set and contender.

    ``quick`` keeps every series (scores on a subset would not compare with
    the published ones) but leaves AutoETS out. Rows: ``task, contender,
    status, wall_s, peak_rss_mb, extra_rss_mb, smape, mase, owa, rank,
    notes, task_notes``; a set whose files are absent gives ``skipped: data
    absent`` rows.
    """
    from _contenders import skipped_rows

    contenders = QUICK_CONTENDERS if quick else CONTENDERS
    rows: list[dict] = []
    for name in SETS:
        if not (data / f"{name}-train.csv").exists():
            logger.warning("M4 %s: no data in %s; skipped", name, data)
            rows += skipped_rows(f"m4-{name.lower()}", contenders, "skipped: data absent")
            continue
        rows += _run_set(name, contenders, workdir, data)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="no AutoETS; all series")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(quick=args.quick, workdir=Path(tmp), data=args.data)
    table = pd.DataFrame(rows).drop(columns=["notes", "task_notes"], errors="ignore")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
