"""LGBMForecaster's multi-step strategies and its main switches on a synthetic panel.

The panel: ``forecastkit.make_retail_demand(n_series=150, periods=730,
seed=1, share_discontinued=0)`` with the price and promotion columns as
features (``price_col="price", promo_col="promo"``). Each configuration runs
``forecastkit.backtest`` with 3 rolling origins of h=28 days and the 9 M5
quantiles (so the conformal calibration is part of the time), and is scored
against the simulated sales of each window (WAPE, MAE, RMSE, mean pinball
loss).

Usage::

    python benchmarks/bench_lgbm_strategies.py [--series 150] [--periods 730]

Prints a Markdown table: one row per configuration, with the backtest wall
time per origin (one process, ``n_jobs=1``).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _report import markdown_table

import forecastkit as fk

QUANTILES = [0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995]
CONFIGS = {
    "recursive": {"strategy": "recursive"},
    "direct": {"strategy": "direct"},
    "hybrid (default)": {"strategy": "hybrid"},
    "hybrid, train_from_first_sale=False": {"strategy": "hybrid", "train_from_first_sale": False},
}


def run(series: int, periods: int) -> pd.DataFrame:
    """Backtest every configuration; one row each."""
    data = fk.make_retail_demand(
        n_series=series, periods=periods, horizon=28, seed=1, share_discontinued=0
    )
    cols = ["unique_id", "ds", "price", "promo"]
    history = data.sales.merge(data.exog[cols])
    rows = []
    for name, params in CONFIGS.items():
        model = fk.LGBMForecaster(price_col="price", promo_col="promo", horizon=28, **params)
        start = time.perf_counter()
        res = fk.backtest(
            model,
            history,
            h=28,
            n_windows=3,
            quantiles=QUANTILES,
            metrics=["wape", "mae", "rmse", "pinball"],
        )
        per_origin = (time.perf_counter() - start) / 3
        overall = res.overall.set_index("metric")["yhat"]
        rows.append(
            {"config": name, **overall.round(3).to_dict(), "s per origin": round(per_origin, 1)}
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=150)
    parser.add_argument("--periods", type=int, default=730)
    args = parser.parse_args()
    table = run(args.series, args.periods)
    print(markdown_table(table, list(table.columns)))


if __name__ == "__main__":
    main()
