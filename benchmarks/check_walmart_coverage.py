"""Walmart: LGBMForecaster forecasts every store x department, gaps and all.

The harness task (``task_walmart.py``) scores the 2,899 series observed to
the last week with a year of history before its first cutoff. This check
takes all 3,322 store x department series of ``train.csv.gz`` as they are:
weeks missing inside a series, series that start late (a few weeks of
history) and series that stopped selling before the last week. A series
with no row for a week sold nothing that week, so each series runs from its
first week to the last week of the data (missing weeks are zero sales, as
``forecastkit.prepare`` fills them). LGBMForecaster then forecasts the 13
weeks after the data for every series, with the store features of
``features.csv`` known ahead.

Usage::

    python benchmarks/check_walmart_coverage.py

Prints the number of series, how many have a complete, finite, non-negative
13-week forecast, and the fit + predict time.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _data import DATA_DIR, _walmart_features

import forecastkit as fk

H = 13


def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """History (first week to the last week of the data), future features, statics."""
    root = DATA_DIR / "walmart"
    train = pd.read_csv(root / "train.csv.gz", parse_dates=["Date"])
    train["unique_id"] = train["Store"].astype(str) + "_" + train["Dept"].astype(str)
    last = train["Date"].max()
    first = train.groupby("unique_id")["Date"].min()
    # one row at the last week for series that stopped earlier: zero sales since
    ended = first.index[train.groupby("unique_id")["Date"].max().to_numpy() < last]
    stores = train.drop_duplicates("unique_id").set_index("unique_id")["Store"]
    tail = pd.DataFrame({"unique_id": ended, "Date": last, "Weekly_Sales": 0.0})
    tail["Store"] = stores.loc[ended].to_numpy()
    sales = pd.concat([train, tail], ignore_index=True)
    feats = _walmart_features(root)
    exog = [c for c in feats.columns if c not in ("store", "ds", "store_type", "store_size")]
    df = sales.merge(feats, left_on=["Store", "Date"], right_on=["store", "ds"], how="left")
    history = df[["unique_id", "ds", *exog]].assign(y=df["Weekly_Sales"].clip(lower=0.0))
    ids = pd.DataFrame({"unique_id": first.index, "store": stores.loc[first.index].to_numpy()})
    weeks = pd.date_range(last, periods=H + 1, freq="W-FRI")[1:]
    grid = ids.merge(pd.DataFrame({"ds": weeks}), how="cross")
    future = grid.merge(feats, on=["store", "ds"], how="left")[["unique_id", "ds", *exog]]
    static = df.drop_duplicates("unique_id")[["unique_id", "Store", "Dept"]].astype(str)
    return history, future, static.rename(columns=str.lower)


def main() -> None:
    history, future, static = frames()
    n = history["unique_id"].nunique()
    start = time.perf_counter()
    model = fk.LGBMForecaster(freq="W-FRI", horizon=H, weather_cols=["temperature"],
                              location_col="store")  # fmt: skip
    model.fit(history, static=static)
    fc = model.predict(H, X_future=future)
    wall = time.perf_counter() - start
    counts = fc.groupby("unique_id")["yhat"].agg(["size", lambda s: np.isfinite(s).all()])
    complete = int(((counts["size"] == H) & counts.iloc[:, 1]).sum())
    span = history.groupby("unique_id")["ds"].agg(["min", "max"])
    lengths = (span["max"] - span["min"]).dt.days // 7 + 1
    print(
        f"{n} series ({int((lengths < 52).sum())} with under 52 weeks of history); "
        f"{complete} with {H} finite forecasts; min forecast {fc['yhat'].min():.2f}; "
        f"fit + predict {wall:.1f} s"
    )


if __name__ == "__main__":
    main()
