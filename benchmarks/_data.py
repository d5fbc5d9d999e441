"""Loaders for the real benchmark data sets, in forecastkit's long contract.

Every loader reads ``../shared/data`` (override with the environment
variable ``FORECASTKIT_BENCH_DATA``), never a copy inside the repository,
and raises :class:`DataAbsent` when its files are missing, so that a task
can report ``skipped: data absent`` instead of crashing.

A loader returns a :class:`TaskData`:

* ``frame``: what the forecasters get: ``unique_id, ds, y`` plus numeric
  exogenous columns known ahead (prices, SNAP, events, markdowns...), one
  row per series and period over the whole history, test periods included
  (the harness cuts it at each cutoff and hides ``y`` after it);
* ``actuals``: ``unique_id, ds, y`` as scored (may differ from ``frame``'s
  ``y``, e.g. Walmart's returns), plus task columns such as ``is_holiday``;
* ``static``: one row per series with its hierarchy columns (strings);
* ``cutoffs``: the forecast origins of the rolling windows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(
    os.environ.get("FORECASTKIT_BENCH_DATA", Path(__file__).resolve().parents[2] / "shared/data")
)
M5_EVENT_TYPES = ("Sporting", "Cultural", "National", "Religious")
M5_QUICK_STORES = ("CA_1", "TX_1", "WI_1")
WALMART_QUICK_STORES = tuple(range(1, 6))
WALMART_MIN_HISTORY = 52  # weeks before the first cutoff (one season for SeasonalNaive)


class DataAbsent(FileNotFoundError):
    """The shared data folder (or one of its files) is missing."""


@dataclass
class TaskData:
    """Inputs of one benchmark task; see the module docstring."""

    frame: pd.DataFrame
    actuals: pd.DataFrame
    static: pd.DataFrame
    cutoffs: list[pd.Timestamp]
    notes: list[str] = field(default_factory=list)


def _require(*paths: Path) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise DataAbsent(
            f"benchmark data not found: {', '.join(missing)}; put the shared data sets in "
            f"{DATA_DIR} (see its README.md) or set FORECASTKIT_BENCH_DATA."
        )


def rolling_cutoffs(dates: pd.Series, *, h: int, n_windows: int) -> list[pd.Timestamp]:
    """Origins of ``n_windows`` back-to-back windows of ``h`` periods ending at the last date."""
    axis = np.sort(pd.unique(dates))
    return [pd.Timestamp(axis[-1 - h * k]) for k in range(n_windows, 0, -1)]


# --------------------------------------------------------------------------- M5 subset
def _m5_calendar(path: Path) -> pd.DataFrame:
    """Per date: wm_yr_wk, SNAP per state and one 0/1 column per event type."""
    cal = pd.read_csv(path, parse_dates=["date"])
    out = cal[["date", "wm_yr_wk", "snap_CA", "snap_TX", "snap_WI"]].copy()
    for kind in M5_EVENT_TYPES:
        hit = cal["event_type_1"].eq(kind) | cal["event_type_2"].eq(kind)
        out[f"event_{kind.lower()}"] = hit.astype(np.int8)
    return out


def _m5_snap(frame: pd.DataFrame, state: pd.Series) -> np.ndarray:
    """SNAP flag of each row's own state."""
    snap = np.zeros(len(frame), dtype=np.int8)
    for code in ("CA", "TX", "WI"):
        rows = (state == code).to_numpy()
        snap[rows] = frame.loc[rows, f"snap_{code}"].to_numpy()
    return snap


def load_m5(*, quick: bool = False, n_windows: int = 3, h: int = 28) -> TaskData:
    """M5 subset: 280 item x store daily series with prices, SNAP and events.

    ``quick`` keeps the 84 series of one store per state (CA_1, TX_1, WI_1)
    and the last window only.
    """
    root = DATA_DIR / "m5_subset"
    files = [root / "sales_train.csv.gz", root / "sell_prices.csv.gz", root / "calendar.csv"]
    _require(*files)
    sales = pd.read_csv(files[0], parse_dates=["date"])
    if quick:
        sales = sales[sales["store_id"].isin(M5_QUICK_STORES)]
        n_windows = 1
    sales["unique_id"] = sales["item_id"] + "_" + sales["store_id"]
    cal = _m5_calendar(files[2])
    prices = pd.read_csv(files[1])
    df = sales.merge(cal, on="date", how="left")
    df = df.merge(prices, on=["item_id", "store_id", "wm_yr_wk"], how="left")
    frame = pd.DataFrame(
        {
            "unique_id": df["unique_id"].to_numpy(),
            "ds": df["date"].to_numpy(),
            "y": df["sales"].to_numpy(dtype=float),
            "sell_price": df["sell_price"].to_numpy(dtype=float),
            "snap": _m5_snap(df, df["state_id"]),
        }
    )
    for kind in M5_EVENT_TYPES:
        frame[f"event_{kind.lower()}"] = df[f"event_{kind.lower()}"].to_numpy()
    frame = frame.sort_values(["unique_id", "ds"], ignore_index=True)
    static = (
        sales[["unique_id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]]
        .drop_duplicates("unique_id")
        .rename(columns=lambda c: c.removesuffix("_id") if c != "unique_id" else c)
        .sort_values("unique_id", ignore_index=True)
    )
    actuals = frame[["unique_id", "ds", "y", "sell_price"]]
    cutoffs = rolling_cutoffs(frame["ds"], h=h, n_windows=n_windows)
    notes = [f"{static.shape[0]} series, {len(cutoffs)} window(s) of {h} days"]
    return TaskData(frame, actuals, static, cutoffs, notes)


# --------------------------------------------------------------------------- Walmart
def _walmart_features(root: Path) -> pd.DataFrame:
    """Store x week features: weather, fuel, CPI, unemployment, markdowns, store type/size."""
    feats = pd.read_csv(root / "features.csv", parse_dates=["Date"])
    feats = feats.sort_values(["Store", "Date"], ignore_index=True)
    for col in ("CPI", "Unemployment"):
        feats[col] = feats.groupby("Store")[col].ffill()
    out = feats[["Store", "Date", "Temperature", "Fuel_Price", "CPI", "Unemployment"]].copy()
    for k in range(1, 6):
        md = feats[f"MarkDown{k}"]
        out[f"markdown{k}"] = md.fillna(0.0).to_numpy()
        out[f"has_markdown{k}"] = md.notna().astype(np.int8).to_numpy()
    out["is_holiday"] = feats["IsHoliday"].astype(bool).astype(np.int8).to_numpy()
    stores = pd.read_csv(root / "stores.csv")
    stores["store_type"] = stores["Type"].map({"A": 0, "B": 1, "C": 2}).astype(np.int8)
    out = out.merge(stores[["Store", "store_type", "Size"]], on="Store", how="left")
    return out.rename(columns=str.lower).rename(columns={"date": "ds", "size": "store_size"})


def _walmart_grid(train: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Every week of each series' own range; missing weeks get zero sales."""
    span = train.groupby(["Store", "Dept"])["Date"].agg(["min", "max"]).reset_index()
    pos = {d: i for i, d in enumerate(weeks)}
    first = span["min"].map(pos).to_numpy()
    last = span["max"].map(pos).to_numpy()
    lengths = last - first + 1
    rows = np.repeat(np.arange(len(span)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid = pd.DataFrame(
        {
            "Store": span["Store"].to_numpy()[rows],
            "Dept": span["Dept"].to_numpy()[rows],
            "Date": weeks[first[rows] + offsets],
        }
    )
    grid = grid.merge(train[["Store", "Dept", "Date", "Weekly_Sales"]], how="left")
    grid["Weekly_Sales"] = grid["Weekly_Sales"].fillna(0.0)
    return grid


def load_walmart(*, quick: bool = False, n_windows: int = 3, h: int = 13) -> TaskData:
    """Walmart store x department weekly sales with store features.

    Missing weeks inside a series' range are zero sales. Forecasters get
    sales clipped at zero (returns removed); actuals keep the negative
    values, as the competition scored them. Series take part if they are
    observed up to the last week and have at least 52 weeks of history
    before the first cutoff. ``quick`` keeps stores 1-5 and the last window.
    """
    root = DATA_DIR / "walmart"
    _require(root / "train.csv.gz", root / "features.csv", root / "stores.csv")
    train = pd.read_csv(root / "train.csv.gz", parse_dates=["Date"])
    n_all = train.groupby(["Store", "Dept"]).ngroups
    if quick:
        train = train[train["Store"].isin(WALMART_QUICK_STORES)]
        n_windows = 1
    weeks = pd.DatetimeIndex(np.sort(train["Date"].unique()))
    cutoffs = rolling_cutoffs(pd.Series(weeks), h=h, n_windows=n_windows)
    grid = _walmart_grid(train, weeks)
    span = grid.groupby(["Store", "Dept"])["Date"].agg(["min", "max"])
    start_by = weeks[weeks.get_loc(cutoffs[0]) - (WALMART_MIN_HISTORY - 1)]
    keep = span[(span["min"] <= start_by) & (span["max"] == weeks[-1])].index
    grid = grid.set_index(["Store", "Dept"]).loc[keep].reset_index()
    grid["unique_id"] = grid["Store"].astype(str) + "_" + grid["Dept"].astype(str)
    feats = _walmart_features(root)
    df = grid.merge(feats, left_on=["Store", "Date"], right_on=["store", "ds"], how="left")
    exog = [c for c in feats.columns if c not in ("store", "ds", "store_type", "store_size")]
    frame = df[["unique_id", "ds"]].assign(y=df["Weekly_Sales"].clip(lower=0.0).to_numpy())
    frame[exog] = df[exog].to_numpy(dtype=float)
    frame = frame.sort_values(["unique_id", "ds"], ignore_index=True)
    actuals = df[["unique_id", "ds", "Weekly_Sales", "is_holiday"]].rename(
        columns={"Weekly_Sales": "y"}
    )
    static = df[["unique_id", "Store", "Dept", "store_type", "store_size"]].drop_duplicates(
        "unique_id"
    )
    static = static.astype(str).rename(columns=str.lower).sort_values("unique_id")
    n = static.shape[0]
    notes = [
        f"{n} of {n_all} series (observed to the last week, >= {WALMART_MIN_HISTORY} weeks "
        f"before the first cutoff), {len(cutoffs)} window(s) of {h} weeks"
    ]
    return TaskData(frame, actuals, static.reset_index(drop=True), cutoffs, notes)
