"""Accuracy by horizon step: how the error grows with the distance from the cutoff."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, format_values
from forecastkit.evaluate.metrics import evaluate

__all__ = ["score_by_horizon"]

# metrics that need only the forecasts and the actuals (no training history)
_PLAIN = ("mae", "rmse", "bias", "wape", "smape")


def score_by_horizon(
    forecasts: pd.DataFrame,
    metrics: str | Sequence[str] = "mae",
    *,
    models: Sequence[str] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    cutoff_col: str = "cutoff",
) -> pd.DataFrame:
    """Each metric per horizon step, pooling the backtest's windows.

    The step of a row is the rank of its period after its cutoff within its
    series (1: the first period after the cutoff). At each step the metric is
    :func:`~forecastkit.evaluate.evaluate`'s mean over series (WAPE pooled)
    of the rows of every window at that step.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        A backtest's forecasts (:attr:`BacktestResult.forecasts`): ``id_col,
        time_col, cutoff_col, target_col`` and the forecast columns.
    metrics : str or sequence of str, default="mae"
        Among ``mae, rmse, bias, wape, smape``; the scaled metrics need each
        window's training history and are in :attr:`BacktestResult.metrics`.
    models : sequence of str, optional
        Forecast columns to score (default ``["yhat"]``).
    id_col, time_col, target_col, cutoff_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``horizon, metric`` and one column per model, sorted by horizon.

    Examples
    --------
    >>> import pandas as pd
    >>> fc = pd.DataFrame({"unique_id": "A", "cutoff": pd.Timestamp("2024-01-02"),
    ...                    "ds": pd.date_range("2024-01-03", periods=2),
    ...                    "y": [4.0, 7.0], "yhat": [2.0, 2.0]})
    >>> score_by_horizon(fc, "mae")
       horizon metric  yhat
    0        1    mae   2.0
    1        2    mae   5.0
    """
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in names if m not in _PLAIN]
    if unknown or not names:
        raise DataValidationError(
            f"score_by_horizon cannot compute {format_values(unknown or names)}; choose from "
            f"{list(_PLAIN)} (the scaled metrics need each window's training data: read them "
            "from BacktestResult.metrics)."
        )
    columns = list(models) if models is not None else ["yhat"]
    need = [id_col, time_col, cutoff_col, target_col, *columns]
    missing = [c for c in need if c not in getattr(forecasts, "columns", [])]
    if missing:
        raise DataValidationError(
            f"forecasts has no column {format_values(missing)[1:-1]}; pass a backtest's "
            "forecasts (BacktestResult.forecasts) and name its forecast columns with models=."
        )
    step = forecasts.groupby([id_col, cutoff_col], sort=False)[time_col].rank(method="dense")
    parts = []
    for h, rows in forecasts.groupby(step.to_numpy(dtype=np.int64), sort=True):
        scores = evaluate(
            rows[[id_col, target_col, *columns]],
            names,
            models=columns,
            agg="mean",
            id_col=id_col,
            target_col=target_col,
        )
        parts.append(scores.assign(horizon=int(h)))
    out = pd.concat(parts, ignore_index=True)
    return out[["horizon", "metric", *columns]]
