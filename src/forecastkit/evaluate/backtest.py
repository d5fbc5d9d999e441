"""Rolling-origin backtests (time-series cross-validation) of any forecaster.

A forecaster is any object with

* ``fit(df, *, id_col=..., time_col=..., target_col=...)`` returning ``self``;
* ``predict(h)`` or ``predict(h, *, quantiles=None)`` returning a long frame
  with ``id_col``, ``time_col``, ``"yhat"`` and ``q<p>`` quantile columns;
  if ``predict`` has a parameter named ``X_future``, it receives the future
  exogenous columns (never the target);
* for ``refit=False`` only: ``update(df, *, id_col=..., time_col=...,
  target_col=...)``, which appends new observations to a fitted model
  without re-estimating it.
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.data import infer_freq
from forecastkit.errors import (
    DataValidationError,
    FrequencyError,
    InsufficientDataError,
    format_values,
)
from forecastkit.evaluate._scales import DEFAULT_QUANTILE_FORMAT, _require_columns
from forecastkit.evaluate.metrics import _evaluate_frames, _metric_names

__all__ = ["BacktestResult", "backtest"]

logger = logging.getLogger(__name__)

DEFAULT_METRICS = ("mae", "rmse", "bias", "wape", "mase", "rmsse")


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts and scores of a rolling-origin backtest.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        ``id_col, time_col, cutoff, target_col, yhat`` and the quantile
        columns, one row per series, window and evaluated period.
    metrics : pandas.DataFrame
        ``cutoff, metric, yhat``: each metric per window, averaged over series
        (WAPE pooled), as :func:`~forecastkit.evaluate.evaluate` with ``agg="mean"``.
    series_metrics : pandas.DataFrame
        ``cutoff, id_col, metric, yhat``: the per-series metrics of each window
        (panel metrics such as ``wrmsse`` have no per-series value and are absent).
    cutoffs : pandas.DatetimeIndex
        Last training date of each window, ascending.
    skipped : pandas.DataFrame
        ``cutoff, id_col, reason``: series left out of a window.
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    series_metrics: pd.DataFrame
    cutoffs: pd.DatetimeIndex
    skipped: pd.DataFrame

    @property
    def overall(self) -> pd.DataFrame:
        """Each metric averaged over the windows: columns ``metric, yhat``."""
        cols = [c for c in self.metrics.columns if c not in ("cutoff", "metric")]
        out = self.metrics.groupby("metric", sort=False)[cols].mean()
        return out.reset_index()


# --------------------------------------------------------------------------- helpers
def _validate(df: pd.DataFrame, *, id_col: str, time_col: str, target_col: str) -> None:
    _require_columns(
        df,
        [id_col, time_col, target_col],
        frame="df",
        hint="Pass the history in long format, or set id_col, time_col and target_col.",
    )
    if not pd.api.types.is_datetime64_any_dtype(df[time_col]):
        raise DataValidationError(
            f"column {time_col!r} has dtype {df[time_col].dtype}, not datetime; convert it "
            f"with pd.to_datetime(df[{time_col!r}])."
        )
    dup = df.duplicated([id_col, time_col], keep=False).to_numpy()
    if dup.any():
        ids = pd.unique(df.loc[dup, id_col])
        raise DataValidationError(
            f"df has {int(dup.sum())} rows with a repeated ({id_col!r}, {time_col!r}) pair "
            f"in {len(ids)} series {format_values(ids)}; aggregate them first "
            "(e.g. df.groupby([id_col, time_col], as_index=False).sum())."
        )


def _time_axis(df: pd.DataFrame, freq: str, *, time_col: str) -> pd.DatetimeIndex:
    start, end = df[time_col].min(), df[time_col].max()
    axis = pd.date_range(start, end, freq=freq)
    off = ~df[time_col].isin(axis).to_numpy()
    if off.any():
        dates = pd.unique(df.loc[off, time_col])
        raise FrequencyError(
            f"{len(dates)} dates of column {time_col!r} are not on the {freq!r} grid starting "
            f"{start:%Y-%m-%d}: {format_values(sorted(dates))}; pass the right freq= or "
            "align the dates (e.g. to week ends)."
        )
    return axis


def _cutoffs(axis: pd.DatetimeIndex, h: int, n_windows: int, step_size: int) -> pd.DatetimeIndex:
    needed = h + (n_windows - 1) * step_size
    if len(axis) <= needed:
        raise InsufficientDataError(
            f"the data cover {len(axis)} periods, but h={h} and n_windows={n_windows} with "
            f"step_size={step_size} need more than {needed} (at least one training period); "
            "lower n_windows, step_size or h."
        )
    last = len(axis) - 1 - h
    positions = [last - (n_windows - 1 - i) * step_size for i in range(n_windows)]
    return axis[positions]


def _fresh(forecaster: Any) -> Any:
    """An unfitted copy: ``sklearn.base.clone`` when it has ``get_params``, else a deep copy."""
    if hasattr(forecaster, "get_params"):
        from sklearn.base import clone

        return clone(forecaster)
    return copy.deepcopy(forecaster)


def _split_window(
    df: pd.DataFrame, cutoff: pd.Timestamp, min_train_size: int, *, id_col: str, time_col: str
) -> tuple[np.ndarray, pd.DataFrame]:
    """Series usable at ``cutoff``, and the (cutoff, id, reason) rows of the others."""
    before = (df[time_col] <= cutoff).to_numpy()
    n_train = pd.Series(before, index=df.index).groupby(df[id_col], sort=False).sum()
    n_after = pd.Series(~before, index=df.index).groupby(df[id_col], sort=False).sum()
    reason = pd.Series("", index=n_train.index, dtype=object)
    reason[n_train < min_train_size] = f"fewer than min_train_size={min_train_size} periods"
    reason[n_train == 0] = "starts after the cutoff"
    reason[n_after == 0] = "ends at or before the cutoff"
    bad = reason[reason != ""]
    skipped = pd.DataFrame({"cutoff": cutoff, id_col: bad.index, "reason": bad.to_numpy()})
    return np.asarray(reason.index[reason == ""]), skipped


def _predict(model: Any, h: int, quantiles: Sequence[float] | None, x_future: pd.DataFrame) -> Any:
    params = inspect.signature(model.predict).parameters
    kwargs: dict[str, Any] = {}
    if quantiles is not None:
        kwargs["quantiles"] = list(quantiles)
    if "X_future" in params:
        kwargs["X_future"] = x_future
    return model.predict(h, **kwargs)


def _join_actuals(
    pred: pd.DataFrame,
    actual: pd.DataFrame,
    cutoff: pd.Timestamp,
    columns: list[str],
    *,
    id_col: str,
    time_col: str,
) -> pd.DataFrame:
    """Attach forecasts to the actual test rows; every actual row needs a forecast."""
    if not isinstance(pred, pd.DataFrame):
        raise TypeError(f"forecaster.predict returned {type(pred).__name__}, not a DataFrame.")
    _require_columns(
        pred,
        [id_col, time_col, *columns],
        frame=f"the forecaster's predictions at cutoff {cutoff:%Y-%m-%d}",
        hint="predict must return id, time, 'yhat' and one 'q<p>' column per quantile.",
    )
    pred = pred[[id_col, time_col, *columns]].copy()
    pred[time_col] = pred[time_col].astype(actual[time_col].dtype)
    if pred.duplicated([id_col, time_col]).any():
        ids = pd.unique(pred.loc[pred.duplicated([id_col, time_col]), id_col])
        raise DataValidationError(
            f"the forecaster returned repeated ({id_col!r}, {time_col!r}) rows at cutoff "
            f"{cutoff:%Y-%m-%d} for series {format_values(ids)}; one forecast per period is needed."
        )
    out = actual.merge(pred, on=[id_col, time_col], how="left", validate="one_to_one")
    missing = out["yhat"].isna().to_numpy()
    if missing.any():
        ids = pd.unique(out.loc[missing, id_col])
        raise DataValidationError(
            f"the forecaster returned no (or NaN) forecasts at cutoff {cutoff:%Y-%m-%d} for "
            f"{int(missing.sum())} test periods of {len(ids)} series {format_values(ids)}; "
            "predict(h) must cover every series it was fitted on for h periods."
        )
    out.insert(2, "cutoff", cutoff)
    return out


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def backtest(
    forecaster: Any,
    df: pd.DataFrame,
    h: int,
    n_windows: int = 3,
    step_size: int | None = None,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    quantiles: Sequence[float] | None = None,
    metrics: str | Sequence[str] = DEFAULT_METRICS,
    season_length: int = 1,
    refit: bool = True,
    freq: str | None = None,
    min_train_size: int = 1,
    metric_kwargs: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest: refit at several cutoffs and score the next ``h`` periods.

    Parameters
    ----------
    forecaster : object
        Anything with ``fit(df, *, id_col, time_col, target_col)`` and
        ``predict(h[, quantiles=...][, X_future=...])`` (see the module
        docstring). It is never fitted itself: each window fits a fresh copy
        (``sklearn.base.clone`` when it has ``get_params``, else
        ``copy.deepcopy``), so windows share no state.
    df : pandas.DataFrame
        Long history: ``id_col``, ``time_col`` (datetime), ``target_col``;
        any other column is exogenous and is passed to ``predict`` as
        ``X_future`` (without the target) when it accepts that argument.
    h : int
        Forecast horizon in periods.
    n_windows : int, default=3
        Number of cutoffs.
    step_size : int, optional
        Periods between consecutive cutoffs; default ``h`` (non-overlapping
        test windows).
    id_col, time_col, target_col : str
        Column names.
    quantiles : sequence of float, optional
        Passed to ``predict``; the forecasts then need ``q<p>`` columns.
    metrics : sequence of str, default=("mae", "rmse", "bias", "wape", "mase", "rmsse")
        Metric names of :func:`~forecastkit.evaluate.evaluate`; scaled metrics
        use each window's training data.
    season_length : int, default=1
        Seasonal period of the MASE scale.
    refit : bool, default=True
        If False, fit once at the first cutoff and for later windows call
        ``update`` with the periods since the previous cutoff (the forecaster
        must have an ``update`` method).
    freq : str, optional
        pandas frequency of the time axis; inferred from ``df`` when omitted.
    min_train_size : int, default=1
        Series with fewer periods up to a cutoff are left out of that window.
    metric_kwargs : mapping, optional
        Extra options of :func:`~forecastkit.evaluate.evaluate` such as
        ``levels``, ``static_df``, ``price_col``, ``weight_window`` or ``interval``.

    Returns
    -------
    BacktestResult
        Forecasts with actuals and ``cutoff``, per-window and per-series
        metrics, the cutoffs and the skipped series.

    Raises
    ------
    DataValidationError
        Missing columns, non-datetime times, repeated (id, time) rows, or
        forecasts missing for a series in a window (the message names them).
    FrequencyError
        The frequency cannot be inferred, or dates are off its grid.
    InsufficientDataError
        The data are too short for ``h``, ``n_windows`` and ``step_size``.

    Notes
    -----
    Cutoffs lie on the global time axis, the same for all series: the last
    ``h + (n_windows - 1) * step_size`` periods of the axis are test periods,
    so cutoff k (0-based) is the date ``h + (n_windows - 1 - k) * step_size``
    periods before the last one. A window trains on the rows with
    ``time <= cutoff`` and is scored on the next ``h`` periods. Series with
    no data after the cutoff (they ended), none up to it (they start later)
    or fewer than ``min_train_size`` periods up to it are left out of that
    window and listed in ``skipped``. A series that ends inside a test
    window is scored on the periods it has.

    Examples
    --------
    >>> import pandas as pd
    >>> class LastValue:
    ...     def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
    ...         self.last_ = df.sort_values(time_col).groupby(id_col)[[time_col, target_col]].last()
    ...         return self
    ...     def predict(self, h):
    ...         rows = [(i, t + pd.Timedelta(days=k), y) for i, (t, y) in self.last_.iterrows()
    ...                 for k in range(1, h + 1)]
    ...         return pd.DataFrame(rows, columns=["unique_id", "ds", "yhat"])
    >>> df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=6),
    ...                    "y": [1.0, 2.0, 4.0, 7.0, 11.0, 16.0]})
    >>> res = backtest(LastValue(), df, h=2, n_windows=2, metrics=["mae"])
    >>> res.metrics  # windows after 2024-01-02 (|4-2|, |7-2|) and 2024-01-04 (|11-7|, |16-7|)
          cutoff metric  yhat
    0 2024-01-02    mae   3.5
    1 2024-01-04    mae   6.5
    >>> res.overall
      metric  yhat
    0    mae   5.0
    """
    h = _positive_int(h, "h")
    n_windows = _positive_int(n_windows, "n_windows")
    step = h if step_size is None else _positive_int(step_size, "step_size")
    names = _metric_names(metrics)
    _validate(df, id_col=id_col, time_col=time_col, target_col=target_col)
    if not refit and not callable(getattr(forecaster, "update", None)):
        raise TypeError(
            f"refit=False needs a forecaster with an update(df, *, id_col, time_col, "
            f"target_col) method; {type(forecaster).__name__} has none. Use refit=True."
        )
    axis = _time_axis(
        df, freq or infer_freq(df, id_col=id_col, time_col=time_col), time_col=time_col
    )
    cutoffs = _cutoffs(axis, h, n_windows, step)
    qcols = [DEFAULT_QUANTILE_FORMAT.format(q=q) for q in quantiles or []]
    opts = {
        "models": ["yhat"],
        "quantiles": quantiles,
        "quantile_format": DEFAULT_QUANTILE_FORMAT,
        "interval": None,
        "season_length": season_length,
        "levels": None,
        "static_df": None,
        "price_col": None,
        "weight_window": 28,
        **dict(metric_kwargs or {}),
        "id_col": id_col,
        "time_col": time_col,
        "target_col": target_col,
    }
    cols = {"id_col": id_col, "time_col": time_col, "target_col": target_col}
    parts: dict[str, list[pd.DataFrame]] = {"fc": [], "mean": [], "series": [], "skip": []}
    model, previous = None, None
    for cutoff in cutoffs:
        ids, skipped = _split_window(
            df, cutoff, int(min_train_size), id_col=id_col, time_col=time_col
        )
        parts["skip"].append(skipped)
        rows = df[id_col].isin(ids).to_numpy()
        train = df.loc[rows & (df[time_col] <= cutoff).to_numpy()].reset_index(drop=True)
        if refit or model is None:
            model = _fresh(forecaster)
            model.fit(train, **cols)
        else:
            since = (df[time_col] > previous).to_numpy() & (df[time_col] <= cutoff).to_numpy()
            model.update(df.loc[rows & since].reset_index(drop=True), **cols)
        previous = cutoff
        test = df.loc[rows & df[time_col].isin(axis[axis > cutoff][:h]).to_numpy()]
        x_future = test.drop(columns=[target_col]).reset_index(drop=True)
        actual = test[[id_col, time_col, target_col]].reset_index(drop=True)
        pred = _predict(model, h, quantiles, x_future)
        fc = _join_actuals(pred, actual, cutoff, ["yhat", *qcols], id_col=id_col, time_col=time_col)
        series, means = _evaluate_frames(fc, names, {**opts, "train_df": train})
        parts["fc"].append(fc)
        parts["series"].append(series.assign(cutoff=cutoff))
        parts["mean"].append(means.assign(cutoff=cutoff))
        logger.info("backtest window %s: %d series, %d skipped", cutoff, len(ids), len(skipped))
    return _result(parts, cutoffs, id_col=id_col)


def _result(
    parts: dict[str, list[pd.DataFrame]], cutoffs: pd.DatetimeIndex, *, id_col: str
) -> BacktestResult:
    def first(frame: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
        return frame[lead + [c for c in frame.columns if c not in lead]]

    series = pd.concat(parts["series"], ignore_index=True)
    means = pd.concat(parts["mean"], ignore_index=True)
    return BacktestResult(
        forecasts=pd.concat(parts["fc"], ignore_index=True),
        metrics=first(means, ["cutoff", "metric"]),
        series_metrics=first(series, ["cutoff", id_col, "metric"]),
        cutoffs=cutoffs,
        skipped=pd.concat(parts["skip"], ignore_index=True),
    )
