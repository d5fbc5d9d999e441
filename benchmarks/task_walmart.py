"""Walmart store x department weekly sales: h=13 weeks, three rolling windows.

The last 39 weeks of the data (to 2012-07-27) are three back-to-back test
windows of 13 weeks. Series take part when they are observed up to the last
week and have at least 52 weeks of history before the first cutoff (2,899
of the 3,322 store x department series); missing weeks inside a series'
range are zero sales.

Forecasters get sales clipped at zero (returns removed, the prepared
frame); scores use the actuals as recorded, negative values included, as
the competition did. Scores, pooled over all rows of the three windows:

* ``wmae``: the competition's weighted MAE, holiday weeks (``IsHoliday``)
  weighted 5, other weeks 1 (``forecastkit.evaluate`` has no weighted MAE;
  computed here as ``sum(w |y - yhat|) / sum(w)``);
* ``wape``: pooled WAPE from :func:`forecastkit.evaluate.wape`.

Peers use ``season_length=52``. statsforecast's AutoETS then also tries
seasonal models with 52 seasonal states (and picks them for some series),
which makes it about 30 times slower than with ``season_length=1``; it runs
with ``n_jobs=2`` (both cores) to keep the run short, the only contender
that does. LightGBM (mlforecast,
recursive, L2 objective) gets lags 13/26/52 (none shorter than the horizon,
so no forecast feeds a later one; on these windows this scored WMAE 2,153
against 2,475 with lags 1/2/52 and rolling means of lag 1, and 2,413 with
an L1 objective), rolling means 4 and 13 of lag 13, month and ISO week, the store, department, store type and size, and the
store's temperature, fuel price, CPI, unemployment, markdowns 1-5 (missing
= 0, plus a 0/1 indicator each) and the holiday flag, all known ahead.

``--quick``: stores 1-5 and the last window.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from _contenders import CONTENDERS, join_actuals, run_all, skipped_rows, task_inputs
from _data import DataAbsent, TaskData, load_walmart

from forecastkit.evaluate import wape

logger = logging.getLogger(__name__)

TASK = "walmart"
H, FREQ, SEASON = 13, "W-FRI", 52
HOLIDAY_WEIGHT = 5.0
LGBM_OPTIONS = {
    "lags": [13, 26, 52],
    "rolling": {"13": [4, 13]},
    "date_features": ["month", "week"],
    "lgbm": {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 63},
}
# forecastkit's model on the same inputs: temperature through the weather
# family (deviation from the store's seasonal normal), the rest raw.
FK_LGBM_OPTIONS = {"weather_cols": ["temperature"], "location_col": "store"}
NOTES = {
    "statsforecast.AutoETS": "n_jobs=2 (the others 1); peak RSS = parent + largest worker",
    "statsforecast.TSB": "alpha_d=alpha_p=0.1",
    "mlforecast.LightGBM": "L2, lags 13/26/52+rolling+dates+statics+weather/CPI/markdowns/holiday",
    "forecastkit.LGBMForecaster": "defaults (tweedie, hybrid); temperature as weather; "
    "CPI/markdowns/holiday raw; statics categorical",
}


def wmae(df: pd.DataFrame) -> float:
    """Weighted MAE of the Walmart competition: holiday weeks count 5 times."""
    weights = np.where(df["is_holiday"].to_numpy() == 1, HOLIDAY_WEIGHT, 1.0)
    err = np.abs(df["y"].to_numpy(dtype=float) - df["yhat"].to_numpy(dtype=float))
    return float((weights * err).sum() / weights.sum())


def make_scorer(data: TaskData):
    """``score(name, forecasts)``: WMAE and WAPE pooled over all windows."""
    holidays = data.actuals[["unique_id", "ds", "is_holiday"]]

    def score(name: str, forecasts: pd.DataFrame) -> dict:
        df = join_actuals(forecasts, data.actuals)
        if len(df) != len(forecasts):
            raise ValueError(f"{len(forecasts) - len(df)} forecasts have no actuals")
        df = df.merge(holidays, on=["unique_id", "ds"], how="left")
        pooled = wape(df[["unique_id", "y", "yhat"]], pooled=True)
        return {"wmae": wmae(df), "wape": float(pooled["yhat"].iloc[0])}

    return score


def run(*, quick: bool, workdir: Path) -> list[dict]:
    """Run every contender on the Walmart data; one row per contender."""
    names = list(CONTENDERS)
    try:
        data = load_walmart(quick=quick)
    except DataAbsent as err:
        logger.warning("%s", err)
        return skipped_rows(TASK, names, "skipped: data absent")
    workdir = Path(workdir) / TASK
    common = task_inputs(data, workdir, h=H, freq=FREQ, season_length=SEASON, quick=quick)
    options = {
        "mlforecast.LightGBM": {"options": LGBM_OPTIONS},
        "forecastkit.LGBMForecaster": {"options": {"lgbm_fk": FK_LGBM_OPTIONS}},
        "statsforecast.AutoETS": {"n_jobs": 2},
    }
    rows = run_all(TASK, names, make_scorer(data), run_options=options, **common)
    for row in rows:
        row["notes"] = NOTES.get(row["contender"], "")
        row["task_notes"] = "; ".join(data.notes)
    return rows
