"""Private kernels, scale denominators and input checks shared by the metrics.

Nothing here is public API. The array kernels work on plain numpy arrays; the
frame helpers work on long frames (one row per series and period) and never
mutate their inputs. Every input error raises
:class:`~forecastkit.errors.DataValidationError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._validation import check_quantiles
from forecastkit.data import to_pandas
from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    InvalidParameterError,
    format_values,
)


# --------------------------------------------------------------------------- kernels
def _pinball(y: np.ndarray, q: np.ndarray, tau: float) -> np.ndarray:
    """Elementwise pinball loss of quantile forecast ``q`` at level ``tau``.

    ``(y - q) * tau`` when ``q <= y`` and ``(q - y) * (1 - tau)`` otherwise,
    as in the M5 Competitors' Guide, eq. for SPL.
    """
    diff = np.asarray(y, dtype=float) - np.asarray(q, dtype=float)
    return np.maximum(tau * diff, (tau - 1.0) * diff)


def _smape_terms(y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """Elementwise M4 sMAPE terms ``200 |y - yhat| / (|y| + |yhat|)``, with 0/0 := 0."""
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    denom = np.abs(y) + np.abs(yhat)
    safe = np.where(denom == 0, 1.0, denom)
    return np.where(denom == 0, 0.0, 200.0 * np.abs(y - yhat) / safe)


# --------------------------------------------------------------------------- checks
def _as_pandas(frame: Any, name: str) -> pd.DataFrame:
    """``frame`` as pandas (polars is converted); the error names the argument."""
    try:
        return to_pandas(frame)
    except DataValidationError as err:
        raise DataValidationError(f"{name}: {err}") from err


def _as_list(models: str | Sequence[str] | None, default: str = "yhat") -> list[str]:
    if models is None:
        return [default]
    if isinstance(models, str):
        return [models]
    out = list(models)
    if not out:
        raise DataValidationError(
            "models is empty; pass at least one forecast column, e.g. ['yhat']."
        )
    return out


def _require_columns(df: pd.DataFrame, columns: Sequence[str], *, frame: str, hint: str) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{frame} is missing column(s) {format_values(missing)}; available columns are "
            f"{format_values(list(df.columns), max_items=20)}. {hint}"
        )


def _check_no_nan(df: pd.DataFrame, columns: Sequence[str], *, id_col: str, frame: str) -> None:
    for col in columns:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            ids = pd.unique(df.loc[bad, id_col])
            raise DataValidationError(
                f"column {col!r} of {frame} has {int(bad.sum())} missing or non-numeric values "
                f"in {len(ids)} series {format_values(ids)}; metrics need a number on every row. "
                "Fill or drop those rows (or the series) before evaluating."
            )


def _check_unique_periods(
    df: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    frame: str,
    hint: str = "For backtest output, evaluate one cutoff at a time.",
) -> None:
    """One row per (series, period), worded as :func:`forecastkit.data.prepare` does."""
    dup = df.duplicated([id_col, time_col], keep="first").to_numpy()
    if dup.any():
        ids = pd.unique(df.loc[dup, id_col])
        raise DataValidationError(
            f"{frame} has {int(dup.sum())} rows that repeat an earlier ({id_col!r}, "
            f"{time_col!r}) pair in {len(ids)} series {format_values(ids)}; each series needs "
            f"one row per period. {hint}"
        )


def _quantile_columns(
    models: Sequence[str], quantiles: Sequence[float], quantile_format: str
) -> dict[str, dict[float, str]]:
    """Map each model and quantile level to its column name."""
    qs = check_quantiles(quantiles)
    if not qs:
        raise InvalidParameterError("quantiles is empty; pass levels such as [0.1, 0.5, 0.9].")
    if len(models) > 1 and "{model" not in quantile_format:
        raise DataValidationError(
            f"quantile_format {quantile_format!r} has no '{{model}}' field, so the "
            f"{len(models)} models {format_values(models)} would share the same quantile "
            "columns; pass quantile_format='{model}_q{q:g}' (or evaluate one model at a time)."
        )
    return {m: {q: quantile_format.format(model=m, q=q) for q in qs} for m in models}


def _check_forecast_frame(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    id_col: str,
    target_col: str,
    extra: Sequence[str] = (),
) -> None:
    """Columns exist, and forecasts and actuals have no missing values."""
    _require_columns(
        df,
        [id_col, target_col, *extra, *columns],
        frame="df",
        hint="df must hold actuals and forecasts joined on series and period "
        "(check models=, quantiles=, quantile_format= and the *_col arguments).",
    )
    _check_no_nan(df, [target_col, *columns], id_col=id_col, frame="df")


def _prepare_train(
    train_df: Any,
    df: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    target_col: str,
    metric: str,
    extra_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Validate ``train_df`` against ``df`` and return its rows of df's series, sorted."""
    if train_df is None:
        raise DataValidationError(
            f"metric {metric!r} is scaled by the in-sample error of a naive forecast, so it "
            "needs train_df (the training history, long format with id, time and target)."
        )
    train_df = _as_pandas(train_df, "train_df")
    _require_columns(
        train_df,
        [id_col, time_col, target_col, *extra_cols],
        frame="train_df",
        hint="Pass the training history with the same id_col, time_col and target_col as df.",
    )
    ids = pd.Index(pd.unique(df[id_col]))
    missing = ids[~ids.isin(train_df[id_col])]
    if len(missing):
        raise DataValidationError(
            f"{len(missing)} series in df have no training history in train_df: "
            f"{format_values(missing)}; scaled metrics need each series' history. "
            "Pass the full training frame, or drop those series from df."
        )
    columns = list(dict.fromkeys([id_col, time_col, target_col, *extra_cols]))
    train = train_df.loc[train_df[id_col].isin(ids).to_numpy(), columns]
    _check_no_nan(train, [target_col], id_col=id_col, frame="train_df")
    _check_unique_periods(
        train,
        id_col=id_col,
        time_col=time_col,
        frame="train_df",
        hint=f"Aggregate them first, e.g. train_df.groupby([{id_col!r}, {time_col!r}], "
        "as_index=False).sum().",
    )
    train = train.sort_values([id_col, time_col], kind="stable", ignore_index=True)
    return train


# --------------------------------------------------------------------------- scales
def _naive_scales(
    train: pd.DataFrame,
    *,
    id_col: str,
    target_col: str,
    lag: int,
    power: int,
    trim_leading_zeros: bool,
) -> pd.Series:
    """Per-series mean of ``|y_t - y_{t-lag}| ** power`` over the training data.

    ``train`` must be sorted by series and time, one row per period with no
    missing periods (rows are taken as consecutive periods). With ``trim_leading_zeros``
    each series starts at its first non-zero value (M5). Series with no
    usable difference get NaN.
    """
    y = train[target_col].to_numpy(dtype=float)
    keys = train[id_col]
    groups = pd.Series(y, index=train.index).groupby(keys, sort=False, observed=True)
    diff = (groups.diff(lag)).to_numpy()
    valid = ~np.isnan(diff)
    if trim_leading_zeros:
        started = pd.Series(y != 0, index=train.index).astype(np.int8)
        started = started.groupby(keys, sort=False, observed=True).cummax()
        lagged = started.groupby(keys, sort=False, observed=True).shift(lag, fill_value=0)
        valid &= lagged.to_numpy() == 1
    terms = np.where(valid, np.abs(diff) ** power, np.nan)
    return pd.Series(terms, index=train.index).groupby(keys, sort=False, observed=True).mean()


def _warn_bad_scales(scale: pd.Series, *, metric: str, why: str) -> pd.Series:
    """Turn zero and undefined scales into NaN, warning with the series ids."""
    bad = ~(scale > 0)
    if bad.any():
        ids = list(scale.index[bad.to_numpy()])
        warnings.warn(
            f"{metric}: {len(ids)} series have a zero or undefined scale ({why}): "
            f"{format_values(ids)}; their {metric} is NaN and is left out of averages. "
            "Drop those series or use a scale-free metric such as 'mae' or 'wape' for them.",
            ForecastkitWarning,
            stacklevel=3,
        )
    return scale.where(~bad)


def _per_series(
    df: pd.DataFrame, values: Mapping[str, np.ndarray], *, id_col: str, how: str = "mean"
) -> pd.DataFrame:
    """Group row-level ``values`` by series; id column first, fresh RangeIndex."""
    frame = pd.DataFrame(dict(values), index=df.index)
    out = frame.groupby(df[id_col], sort=True, observed=True).agg(how)
    out.index.name = id_col
    return out.reset_index()


def _divide_by_scale(
    per_series: pd.DataFrame, scale: pd.Series, models: Sequence[str], *, id_col: str
) -> pd.DataFrame:
    out = per_series.copy()
    denom = per_series[id_col].map(scale).to_numpy(dtype=float)
    for m in models:
        out[m] = out[m].to_numpy(dtype=float) / denom
    return out


def _mean_pinball(
    df: pd.DataFrame, qcols: Mapping[str, Mapping[float, str]], *, id_col: str, target_col: str
) -> pd.DataFrame:
    """Per-series pinball loss averaged over rows and quantile levels, per model."""
    y = df[target_col].to_numpy(dtype=float)
    losses = {}
    for model, cols in qcols.items():
        per_level = [_pinball(y, df[col].to_numpy(dtype=float), tau) for tau, col in cols.items()]
        losses[model] = np.mean(per_level, axis=0)
    return _per_series(df, losses, id_col=id_col)
