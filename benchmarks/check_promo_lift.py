"""promo.evaluate against the synthetic truth: aggregate lift error and interval coverage.

For each seed, a ``make_retail_demand`` panel is generated; every series'
first promotion after its first 300 days (and ending 10 days before the data
end) is evaluated with the default ``StatsForecaster`` fitted on the history
before it. The true lift of an episode is the sum over its window of
``mean - mean_no_promo`` (the simulator's expected demand with and without
the promotion). Issue 7's bar: the estimated aggregate lift within 10% of
the truth, with the interval coverage reported.

Each episode is evaluated twice: on the history as it is, and with the
earlier promotions cleansed (``promo_col="promo"``). Two coverages of the
90% lift interval are reported: of the realized lift (actual minus a fresh
negative-binomial draw of the counterfactual sales, what the interval
claims to cover) and of the expected lift (``mean - mean_no_promo``, which
the interval is not built for: it misses the noise of the actual sales).

Usage: ``python benchmarks/check_promo_lift.py [--seeds 11,12,13] [--series 120]``
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import pandas as pd

import forecastkit as fk
from forecastkit.promo import evaluate

logger = logging.getLogger("check_promo_lift")


def episodes(data: fk.RetailDemand) -> pd.DataFrame:
    """Each series' first promotion with 300 days of history and 10 days after it."""
    promos = data.truth.promotions
    first_day, last_day = data.sales["ds"].min(), data.sales["ds"].max()
    promos = promos[
        (promos["start"] > first_day + pd.Timedelta(days=300))
        & (promos["end"] < last_day - pd.Timedelta(days=10))
    ]
    return promos.sort_values("start").groupby("unique_id").head(1)


def counterfactual_draw(mean: np.ndarray, dispersion: float, rng: np.random.Generator) -> float:
    """Sum of one negative-binomial draw per day (the simulator's sales model)."""
    rate = mean if dispersion == 0 else rng.gamma(1 / dispersion, dispersion * mean)
    return float(rng.poisson(rate).sum())


def check(seed: int, n_series: int, cleanse: bool, calendar: bool) -> dict:
    data = fk.make_retail_demand(n_series=n_series, periods=600, seed=seed)
    comp = data.truth.components
    dispersion = data.truth.series.set_index("unique_id")["dispersion"]
    sales = data.sales.merge(data.exog[["unique_id", "ds", "promo"]], on=["unique_id", "ds"])
    rng = np.random.default_rng(seed)
    rows = []
    start = time.perf_counter()
    for row in episodes(data).itertuples():
        out = evaluate(
            sales,
            row.start,
            row.end,
            ids=[row.unique_id],
            n_paths=300,
            promo_col="promo" if cleanse else None,
            forecaster=fk.StatsForecaster(calendar=fk.EventCalendar()) if calendar else None,
        )
        window = comp[(comp["unique_id"] == row.unique_id) & comp["ds"].between(row.start, row.end)]
        no_promo = window["mean_no_promo"].to_numpy()
        out["true"] = float((window["mean"] - window["mean_no_promo"]).sum())
        out["no_promo"] = float(no_promo.sum())
        cf = counterfactual_draw(no_promo, float(dispersion[row.unique_id]), rng)
        out["realized"] = out["actual"] - cf
        rows.append(out)
    res = pd.concat(rows, ignore_index=True)

    def coverage(col: str) -> float:
        inside = (res[col] >= res["lift_lo"]) & (res[col] <= res["lift_hi"])
        return round(float(inside.mean()), 3)

    return {
        "seed": seed,
        "cleansed": cleanse,
        "calendar": calendar,
        "episodes": len(res),
        "estimated_lift": round(float(res["lift"].sum()), 1),
        "true_lift": round(float(res["true"].sum()), 1),
        "error": round(float(res["lift"].sum() / res["true"].sum() - 1), 4),
        "baseline_bias": round(float(res["baseline"].sum() / res["no_promo"].sum() - 1), 4),
        "coverage_realized": coverage("realized"),
        "coverage_expected": coverage("true"),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11,12,13")
    parser.add_argument("--series", type=int, default=120)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("forecastkit").setLevel(logging.WARNING)
    table = pd.DataFrame(
        [
            check(int(s), args.series, cleanse, calendar)
            for s in args.seeds.split(",")
            for cleanse, calendar in ((False, False), (True, False), (True, True))
        ]
    )
    logger.info("%s", table.to_string(index=False))


if __name__ == "__main__":
    main()
