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

With ``--variants ...,placebo`` a fourth variant calibrates the interval on
four placebo windows before each promotion (``calibration_windows=4``).

Usage: ``python benchmarks/check_promo_lift.py [--seeds 11,12,13] [--series 120]
[--variants raw,cleansed,calendar,placebo]``
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


def check(seed: int, n_series: int, cleanse: bool, calendar: bool, calibrate: int = 0) -> dict:
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
            calibration_windows=calibrate,
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
        "placebo": calibrate,
        "episodes": len(res),
        "estimated_lift": round(float(res["lift"].sum()), 1),
        "true_lift": round(float(res["true"].sum()), 1),
        "error": round(float(res["lift"].sum() / res["true"].sum() - 1), 4),
        "baseline_bias": round(float(res["baseline"].sum() / res["no_promo"].sum() - 1), 4),
        "coverage_realized": coverage("realized"),
        "coverage_expected": coverage("true"),
        "seconds": round(time.perf_counter() - start, 1),
    }


def pooled_check(seed: int, n_series: int, start_day: int, calibrate: int) -> dict:
    """Interval coverage when many series are evaluated together over one window.

    The week from ``start_day`` is evaluated for every series with no
    promotion in it (true lift 0), in one call, so placebo calibration pools
    the scores of all of them; the realized lift is the actual sales minus a
    fresh negative-binomial draw of the expected sales.
    """
    data = fk.make_retail_demand(
        n_series=n_series, periods=600, seed=seed, share_new=0, share_discontinued=0
    )
    sales = data.sales.merge(data.exog[["unique_id", "ds", "promo"]], on=["unique_id", "ds"])
    comp = data.truth.components
    dispersion = data.truth.series.set_index("unique_id")["dispersion"]
    t0 = sales["ds"].min() + pd.Timedelta(days=start_day)
    t1 = t0 + pd.Timedelta(days=6)
    flags = sales[sales["ds"].between(t0, t1)].groupby("unique_id")["promo"].sum()
    ids = list(flags.index[flags.eq(0)])
    out = evaluate(
        sales, t0, t1, ids=ids, promo_col="promo", n_paths=300, calibration_windows=calibrate
    )
    rng = np.random.default_rng(seed)
    window = comp[comp["ds"].between(t0, t1)].set_index("unique_id")["mean_no_promo"]
    covered = []
    for row in out.itertuples():
        cf = counterfactual_draw(
            window.loc[[row.unique_id]].to_numpy(), dispersion[row.unique_id], rng
        )
        covered.append(row.lift_lo <= row.actual - cf <= row.lift_hi)
    return {
        "seed": seed,
        "window_day": start_day,
        "placebo": calibrate,
        "series": len(out),
        "coverage_realized": round(float(np.mean(covered)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11,12,13")
    parser.add_argument("--series", type=int, default=120)
    parser.add_argument(
        "--variants",
        default="raw,cleansed,calendar",
        help="comma list of raw, cleansed, calendar, placebo (cleansed + 4 placebo windows)",
    )
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="instead: coverage of one week evaluated for all unpromoted series at once, "
        "without and with 4 placebo windows",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("forecastkit").setLevel(logging.WARNING)
    variants = {
        "raw": (False, False, 0),
        "cleansed": (True, False, 0),
        "calendar": (True, True, 0),
        "placebo": (True, False, 4),
    }
    if args.pooled:
        rows = [
            pooled_check(int(s), args.series, day, k)
            for s in args.seeds.split(",")
            for day in (420, 480, 540)
            for k in (0, 4)
        ]
        logger.info("%s", pd.DataFrame(rows).to_string(index=False))
        return
    chosen = [variants[v] for v in args.variants.split(",")]
    table = pd.DataFrame(
        [check(int(s), args.series, *variant) for s in args.seeds.split(",") for variant in chosen]
    )
    logger.info("%s", table.to_string(index=False))


if __name__ == "__main__":
    main()
