"""Scale: wall time and peak memory of each forecastkit module on an M5-sized panel.

The panel is synthetic, ``forecastkit.make_retail_demand(30_490, 1_941,
seed=0, exog=False, truth=False, id_dtype="category")``: the M5 size,
30,490 daily series over 1,941 days (fewer rows, as some series launch late
or stop early). Its generation is itself a measured step; the child that
generates it also writes it to parquet (untimed), and every later step
reads that same file in its own subprocess (untimed). Each step first runs
untimed on two series (lazy imports: ``import forecastkit`` alone takes about
2 s; numba compilation of statsforecast), then once on the whole panel, timed.

Steps, each beside the peer a user would pick instead where there is one:

* ``forecastkit.datasets.make_retail_demand``: generation (no peer);
* ``forecastkit.prepare`` (validation and gap filling) against
  ``utilsforecast.preprocessing.fill_gaps`` (gap filling only);
* ``forecastkit.SeasonalNaive`` fit + predict, h=28, the 9 M5 quantiles,
  against ``statsforecast.SeasonalNaive`` with the same quantiles (from its
  symmetric intervals); season length 7 for both; both through the wrappers
  of ``_contenders.py``;
* ``forecastkit.StatsForecaster`` fit + predict with automatic selection,
  h=28, the 9 M5 quantiles (no peer: statsforecast's AutoETS takes about
  0.3 s per series and window on M5, hours at this size);
* ``forecastkit.LGBMForecaster`` fit + predict, h=28, the 9 M5 quantiles,
  trained on the last 364 days with both cores (no peer);
* ``forecastkit.backtest`` of SeasonalNaive: rolling origin, h=28, 3 windows,
  the 9 quantiles and its default metrics (no peer).

``--quick`` uses a tenth of the series (3,049 x 1,941 days).

Usage::

    python benchmarks/task_scale.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FULL = {"n_series": 30_490, "periods": 1_941}
QUICK = {"n_series": 3_049, "periods": 1_941}
H = 28
SEASON = 7
BACKTEST_WINDOWS = 3
TIMEOUT_S = 3600
#: LightGBM at this size: the last year of rows trains the model (the features
#: still read the whole history), both cores.
LGBM_SCALE = {"max_train_periods": 364, "n_jobs": 2}


# ----------------------------------------------------------------------------- child side
def load(path: str | None = None, step: str = "", **params: int) -> dict:
    """Untimed input of a step: the panel read from ``path``, or the generation settings."""
    return {"df": pd.read_parquet(path) if path else None, "step": step, **params}


def warm_up(data: dict) -> None:
    """Untimed: the step's own function on two series (lazy imports, numba JIT, caches)."""
    if data["df"] is None:
        small = {**data, "n_series": 2}
    else:
        small = {**data, "df": _two_series(data["df"])}
    globals()[data["step"]](small)


def generate(data: dict) -> pd.DataFrame:
    """Timed: simulate the panel (the child writes it to parquet afterwards, untimed)."""
    from forecastkit import make_retail_demand

    return make_retail_demand(
        data["n_series"],
        data["periods"],
        seed=0,
        exog=False,
        truth=False,
        id_dtype="category",
    ).sales


def fk_prepare(data: dict) -> dict:
    """Timed: ``forecastkit.prepare`` (validate, fill gaps with zero demand)."""
    from forecastkit import prepare

    out = prepare(data["df"], freq="D").df
    return {"rows": len(out), "total": float(out["y"].sum())}


def utils_fill_gaps(data: dict) -> dict:
    """Timed: ``utilsforecast``'s ``fill_gaps``, then the zero fill."""
    from utilsforecast.preprocessing import fill_gaps

    out = fill_gaps(data["df"], freq="D", start="per_serie", end="per_serie")
    out["y"] = out["y"].fillna(0.0)
    return {"rows": len(out), "total": float(out["y"].sum())}


def _forecast(library: str, df: pd.DataFrame, model: str = "SeasonalNaive") -> pd.DataFrame:
    from _contenders import M5_QUANTILES, forecast_forecastkit, forecast_statsforecast

    fn = forecast_forecastkit if library == "forecastkit" else forecast_statsforecast
    return fn(model, df, H, "D", SEASON, quantiles=M5_QUANTILES)


def _summary(out: pd.DataFrame) -> dict:
    """Size and column totals of a forecast, to check that two contenders agree."""
    totals = out.drop(columns=["unique_id", "ds"]).sum()
    return {"rows": len(out), **{k: float(v) for k, v in totals.items()}}


def _two_series(df: pd.DataFrame) -> pd.DataFrame:
    ids = df["unique_id"].iloc[[0, -1]]
    small = df[df["unique_id"].isin(ids)]
    if isinstance(small["unique_id"].dtype, pd.CategoricalDtype):
        small = small.assign(unique_id=small["unique_id"].cat.remove_unused_categories())
    return small.reset_index(drop=True)


def fk_seasonal_naive(data: dict) -> dict:
    """Timed: forecastkit SeasonalNaive fit + predict with the 9 M5 quantiles."""
    return _summary(_forecast("forecastkit", data["df"]))


def sf_seasonal_naive(data: dict) -> dict:
    """Timed: statsforecast SeasonalNaive fit + predict with the 9 M5 quantiles."""
    return _summary(_forecast("statsforecast", data["df"]))


def fk_stats(data: dict) -> dict:
    """Timed: forecastkit StatsForecaster (automatic selection) fit + predict, 9 quantiles."""
    return _summary(_forecast("forecastkit", data["df"], "StatsForecaster"))


def fk_lgbm(data: dict) -> dict:
    """Timed: forecastkit LGBMForecaster fit + predict h=28 with the 9 M5 quantiles."""
    from _contenders import M5_QUANTILES

    import forecastkit as fk

    model = fk.LGBMForecaster(freq="D", horizon=H, **LGBM_SCALE)
    out = model.fit(data["df"]).predict(H, quantiles=M5_QUANTILES)
    return _summary(out)


def fk_backtest(data: dict) -> dict:
    """Timed: ``forecastkit.backtest`` of SeasonalNaive, 3 windows of 28 days."""
    from _contenders import M5_QUANTILES

    import forecastkit as fk

    res = fk.backtest(
        fk.SeasonalNaive(season_length=SEASON, freq="D"),
        data["df"],
        h=H,
        n_windows=BACKTEST_WINDOWS,
        quantiles=M5_QUANTILES,
        season_length=SEASON,
        freq="D",
    )
    mean = res.overall.set_index("metric")["yhat"]
    return {"rows": len(res.forecasts), **{k: float(v) for k, v in mean.items()}}


# ----------------------------------------------------------------------------- parent side
@dataclass(frozen=True)
class Step:
    """One measured row: who runs, which child function, and its peer row."""

    contender: str
    target: str
    peer: str | None = None
    does: str = ""


STEPS = (
    Step(
        "forecastkit.prepare",
        "fk_prepare",
        peer="utilsforecast.fill_gaps",
        does="validation (types, duplicates, grid, negatives, NaN) + gap fill",
    ),
    Step("utilsforecast.fill_gaps", "utils_fill_gaps", does="gap fill only (+ zero fill)"),
    Step(
        "forecastkit.SeasonalNaive",
        "fk_seasonal_naive",
        peer="statsforecast.SeasonalNaive",
        does=f"fit + predict h={H}, 9 M5 quantiles",
    ),
    Step(
        "statsforecast.SeasonalNaive",
        "sf_seasonal_naive",
        does=f"fit + predict h={H}, 9 M5 quantiles (level=), n_jobs=1",
    ),
    Step(
        "forecastkit.StatsForecaster",
        "fk_stats",
        does=(
            f"automatic selection (3 validation windows x {H} days), refit, predict h={H}, "
            "9 M5 quantiles; no peer row: statsforecast AutoETS would take hours here"
        ),
    ),
    Step(
        "forecastkit.LGBMForecaster",
        "fk_lgbm",
        does=(
            f"defaults, trained on the last {LGBM_SCALE['max_train_periods']} days, "
            f"n_jobs={LGBM_SCALE['n_jobs']}; conformal calibration, predict h={H}, 9 M5 "
            "quantiles; no peer row: mlforecast needs the same rows in one frame"
        ),
    ),
    Step(
        "forecastkit.backtest",
        "fk_backtest",
        does=f"SeasonalNaive, {BACKTEST_WINDOWS} windows x h={H}, 9 quantiles, default metrics",
    ),
)


def _row(contender: str, res: dict, notes: str) -> dict:
    row = {"task": "scale", "contender": contender, "wall_s": np.nan, "peak_rss_mb": np.nan}
    if "error" in res:
        return {**row, "status": f"failed: {res['error']}", "notes": notes}
    row.update(status="ok", wall_s=res["wall_s"], peak_rss_mb=res["peak_rss_mb"])
    row["extra_rss_mb"] = res["peak_rss_mb"] - res["rss_before_mb"]
    if res.get("warmup_s") is not None:
        row["warmup_s"] = res["warmup_s"]
    return {**row, "notes": notes, "out": res["out"]}


def _generate(size: dict, panel: Path) -> dict:
    """Run the generation step; its child writes the panel to ``panel``."""
    from _measure import run_timed

    res = run_timed(
        "task_scale:generate",
        {**size, "step": "generate"},
        out_path=str(panel),
        warmup="warm_up",
        timeout_s=TIMEOUT_S,
    )
    rows = f" ({res['out']['rows']:,} rows)" if "out" in res else ""
    return _row("forecastkit.datasets.make_retail_demand", res, f"simulates the panel{rows}")


def _add_ratios(rows: dict[str, dict]) -> None:
    """Ratios of each forecastkit row to its peer (same run), and whether outputs agree."""
    for step in STEPS:
        mine, peer = rows.get(step.contender), rows.get(step.peer or "")
        if not (mine and peer and mine["status"] == peer["status"] == "ok"):
            continue
        mine["ratio_to"] = step.peer
        mine["wall_ratio"] = mine["wall_s"] / peer["wall_s"]
        mine["rss_ratio"] = mine["peak_rss_mb"] / peer["peak_rss_mb"]
        same = mine["out"].keys() == peer["out"].keys() and all(
            np.isclose(mine["out"][k], peer["out"][k], rtol=1e-9) for k in mine["out"]
        )
        mine["notes"] += f"; {'same output as' if same else 'OUTPUT DIFFERS from'} {step.peer}"


def run(*, quick: bool, workdir: Path) -> list[dict]:
    """Run every scale step in its own subprocess, one after the other.

    Rows: ``task, contender, status, wall_s, peak_rss_mb, extra_rss_mb``
    (peak minus the memory before the timed call, input loaded), ``notes``
    (what the step does; for a forecastkit step with a peer, whether both
    gave the same output), ``task_notes`` (the panel), and for those steps
    ``ratio_to`` (the peer) with ``wall_ratio`` and ``rss_ratio``.
    """
    from _measure import run_timed

    size = QUICK if quick else FULL
    label = f"{size['n_series']:,} series x {size['periods']:,} days" + (
        " (quick: 1/10 of the M5 size)" if quick else " (the M5 size)"
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    panel = workdir / "scale_panel.parquet"
    gen = _generate(size, panel)
    rows = {gen["contender"]: gen}
    if gen["status"] == "ok":
        for step in STEPS:
            logger.info("scale: %s", step.contender)
            res = run_timed(
                f"task_scale:{step.target}",
                {"path": str(panel), "step": step.target},
                warmup="warm_up",
                timeout_s=TIMEOUT_S,
            )
            rows[step.contender] = _row(step.contender, res, step.does)
        _add_ratios(rows)
    else:
        for step in STEPS:
            rows[step.contender] = _row(
                step.contender,
                {"error": "no panel (generation failed)"},
                "",
            )
    out = [{k: v for k, v in row.items() if k != "out"} for row in rows.values()]
    for row in out:
        row["task_notes"] = _task_notes(label)
    return out


def _task_notes(label: str) -> str:
    return (
        f"Synthetic panel, make_retail_demand(seed=0, exog=False, truth=False, "
        f'id_dtype="category"): {label}; generated once (a measured step), written to '
        f"parquet, and read by every later step in its own subprocess (untimed)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,049 series instead of 30,490")
    parser.add_argument("--workdir", type=Path, help="keep the panel here (default: a temp dir)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(quick=args.quick, workdir=args.workdir or Path(tmp))
    print(rows[0]["task_notes"])
    table = pd.DataFrame(rows).drop(columns="task_notes")
    with pd.option_context("display.width", 250, "display.max_colwidth", 100):
        print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
