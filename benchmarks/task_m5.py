"""M5 subset: 280 daily item x store series, h=28, three rolling windows.

The last 84 days of the data are three back-to-back test windows of 28 days
(cutoffs at end-84, end-56 and end-28 days); each contender is fit on all
days up to a cutoff and forecasts the next 28. Scores, averaged over the
windows, all from :mod:`forecastkit.evaluate`:

* ``wrmsse``: WRMSSE over the 12 M5 aggregation levels (total, state,
  store, category, department, state x category, state x department, store
  x category, store x department, item, item x state, item x store),
  restricted to these series, with revenue weights (units x sell price) over
  the 28 days before each cutoff;
* ``rmsse``: mean RMSSE of the item x store series (unweighted);
* ``wspl``: weighted scaled pinball loss of the 9 M5 quantiles at the item x
  store level only (``forecastkit.evaluate.wspl`` scores one level; M5
  averaged it over the 12 levels, which needs a quantile forecast per
  aggregate series).

Quantiles: statsforecast's SeasonalNaive and AutoETS use their own
(normal) prediction intervals, levels 50/67/95/99 mapped to the quantiles;
Croston, TSB, ADIDA and LightGBM get conformal intervals from 3 extra
backtest windows, inside the timed run. forecastkit's SeasonalNaive gives
normal quantiles. All forecasts are clipped at zero.

LightGBM (mlforecast, recursive): Tweedie objective, lags 7/14/28, rolling
means 7 and 28 of lag 28, day of week / month / day, the static hierarchy
(item, dept, cat, store, state), and the exogenous sell price, SNAP of the
item's state and one flag per event type (known ahead, as in M5).

``--quick``: the 84 series of stores CA_1, TX_1, WI_1 and the last window.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _contenders import CONTENDERS, M5_QUANTILES, join_actuals, run_all, skipped_rows, task_inputs
from _data import DataAbsent, TaskData, load_m5

from forecastkit.evaluate import rmsse, wrmsse, wspl

logger = logging.getLogger(__name__)

TASK = "m5"
H, FREQ, SEASON = 28, "D", 7
LEVELS = [
    [],
    ["state"],
    ["store"],
    ["cat"],
    ["dept"],
    ["state", "cat"],
    ["state", "dept"],
    ["store", "cat"],
    ["store", "dept"],
    ["item"],
    ["item", "state"],
    ["unique_id"],
]
LGBM_OPTIONS = {
    "lags": [7, 14, 28],
    "rolling": {"28": [7, 28]},
    "date_features": ["dayofweek", "month", "day"],
    "lgbm": {
        "objective": "tweedie",
        "tweedie_variance_power": 1.1,
        "n_estimators": 300,
        "learning_rate": 0.05,
        "num_leaves": 63,
    },
    "conformal_windows": 3,
}
# forecastkit's model on the same inputs: the price family reads sell_price,
# the other columns (SNAP, event names) are raw features, statics categoricals.
FK_LGBM_OPTIONS = {"price_col": "sell_price", "category_col": "dept"}
NOTES = {
    "forecastkit.SeasonalNaive": "normal quantiles",
    "statsforecast.SeasonalNaive": "model intervals",
    "statsforecast.AutoETS": "model intervals",
    "statsforecast.CrostonOptimized": "conformal quantiles (3 windows)",
    "statsforecast.TSB": "alpha_d=alpha_p=0.1; conformal quantiles (3 windows)",
    "statsforecast.ADIDA": "conformal quantiles (3 windows)",
    "mlforecast.LightGBM": "tweedie, lags+rolling+dates+statics+price/SNAP/events; "
    "conformal quantiles (3 windows)",
    "forecastkit.LGBMForecaster": "defaults (tweedie, hybrid); price family on sell_price; "
    "SNAP/events raw; statics categorical; conformal quantiles",
}


def score_window(df: pd.DataFrame, train: pd.DataFrame, static: pd.DataFrame) -> dict:
    """WRMSSE (12 levels), mean RMSSE and WSPL (bottom level) of one window."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-scale series are left out, as in M5
        w = wrmsse(df, train_df=train, levels=LEVELS, static_df=static, price_col="sell_price")
        r = rmsse(df, train_df=train)["yhat"]
        q = wspl(df, train_df=train, quantiles=M5_QUANTILES, price_col="sell_price")
    return {
        "wrmsse": float(w["yhat"].iloc[0]),
        "rmsse": float(np.nanmean(r.to_numpy())),
        "wspl": float(q["yhat"].iloc[0]),
    }


def make_scorer(data: TaskData):
    """``score(name, forecasts)``: the window scores averaged over the cutoffs."""

    def score(name: str, forecasts: pd.DataFrame) -> dict:
        per_window = []
        for cutoff, fc in forecasts.groupby("cutoff", sort=True):
            df = join_actuals(fc.drop(columns="cutoff"), data.actuals)
            if len(df) != len(fc):
                raise ValueError(f"{len(fc) - len(df)} forecasts have no actuals at {cutoff}")
            train = data.actuals[data.actuals["ds"] <= cutoff]
            per_window.append(score_window(df, train, data.static))
        return pd.DataFrame(per_window).mean().to_dict()

    return score


def run(*, quick: bool, workdir: Path) -> list[dict]:
    """Run every contender on the M5 subset; one row per contender."""
    names = list(CONTENDERS)
    try:
        data = load_m5(quick=quick)
    except DataAbsent as err:
        logger.warning("%s", err)
        return skipped_rows(TASK, names, "skipped: data absent")
    workdir = Path(workdir) / TASK
    common = task_inputs(
        data, workdir, h=H, freq=FREQ, season_length=SEASON, quick=quick, quantiles=M5_QUANTILES
    )
    options = {
        "mlforecast.LightGBM": {"options": LGBM_OPTIONS},
        "forecastkit.LGBMForecaster": {"options": {"lgbm_fk": FK_LGBM_OPTIONS}},
    }
    rows = run_all(TASK, names, make_scorer(data), run_options=options, **common)
    for row in rows:
        row["notes"] = NOTES.get(row["contender"], "")
        row["task_notes"] = "; ".join(data.notes)
    return rows
