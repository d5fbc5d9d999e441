"""Rolling-origin backtests (time-series cross-validation) of any forecaster.

A forecaster is any object with

* ``fit(df, *, id_col=..., time_col=..., target_col=...)`` returning ``self``;
  ``df`` holds the training rows (user column names, one row per series and
  period, every series ending at the cutoff);
* ``predict(h)`` or ``predict(h, *, quantiles=None)`` returning a long frame
  with ``id_col``, ``time_col``, ``"yhat"`` and ``q<p>`` quantile columns for
  the ``h`` periods that follow the cutoff (the period after each series'
  last training date); if ``predict`` has a parameter named ``X_future``, it
  receives the future exogenous columns (never the target), and series that
  end inside a test window (so lack some of its exogenous values) are left
  out of that window and reported in ``skipped``;
* for ``refit=False`` only: ``update(df, *, id_col=..., time_col=...,
  target_col=...)``, which appends new observations to a fitted model
  without re-estimating it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._estimator import fresh_copy
from forecastkit._validation import positive_int
from forecastkit.data import QUANTILE_FORMAT, PreparedData, prepare, quantile_column
from forecastkit.errors import DataValidationError, InsufficientDataError, format_values
from forecastkit.evaluate._scales import (
    _as_pandas,
    _check_unique_periods,
    _quantile_columns,
    _require_columns,
)
from forecastkit.evaluate.metrics import _evaluate_frames, _metric_names

__all__ = ["BacktestResult", "backtest"]

logger = logging.getLogger(__name__)

DEFAULT_METRICS = ("mae", "rmse", "bias", "wape", "mase", "rmsse")
# Options of forecastkit.data.prepare that backtest forwards (exog_missing before
# missing: error hints are matched by prefix).
_PREPARE_OPTIONS = ("exog_missing", "missing", "negative", "nan_target", "min_length", "short")


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
        out = self.metrics.groupby("metric", sort=False, observed=True)[cols].mean()
        return out.reset_index()


# --------------------------------------------------------------------------- helpers
def _when(stamp: pd.Timestamp) -> str:
    """A cutoff for messages: the date, or the full timestamp for sub-daily data."""
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()


def _prepare_history(
    df: Any, freq: str | None, prepare_kwargs: Mapping[str, Any] | None, cols: dict[str, str]
) -> PreparedData:
    """Run the data contract's :func:`~forecastkit.data.prepare` on the history."""
    options = dict(prepare_kwargs or {})
    unknown = [key for key in options if key not in _PREPARE_OPTIONS]
    if unknown:
        raise DataValidationError(
            f"prepare_kwargs has unsupported key(s) {format_values(unknown)}; it takes the "
            f"data policies of forecastkit.data.prepare {list(_PREPARE_OPTIONS)}. Pass freq= "
            "and the *_col arguments to backtest itself."
        )
    frame = _as_pandas(df, "df")
    try:
        return prepare(
            frame,
            id_col=cols["id_col"],
            time_col=cols["time_col"],
            target_col=cols["target_col"],
            freq=freq,
            **options,
        )
    except ValueError as err:
        named = [key for key in _PREPARE_OPTIONS if f"{key}=" in str(err) and key not in options]
        hint = f" In backtest, pass it as prepare_kwargs={{{named[0]!r}: ...}}." if named else ""
        kind = type(err) if isinstance(err, DataValidationError) else DataValidationError
        raise kind(f"backtest could not prepare df: {err}{hint}") from err


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


def _split_window(
    df: pd.DataFrame,
    cutoff: pd.Timestamp,
    min_train_size: int,
    *,
    id_col: str,
    time_col: str,
    test_end: pd.Timestamp | None = None,
    h: int = 0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Series usable at ``cutoff``, and the (cutoff, id, reason) rows of the others.

    With ``test_end`` (the forecaster reads future exogenous values), a series
    must also have all ``h`` test periods up to ``test_end``.
    """
    before = (df[time_col] <= cutoff).to_numpy()
    inside = ~before & (df[time_col] <= (test_end or df[time_col].max())).to_numpy()
    flags = pd.DataFrame({"train": before, "after": ~before, "test": inside}, index=df.index)
    counts = flags.groupby(df[id_col], sort=False, observed=True).sum()
    n_train, n_after, n_test = counts["train"], counts["after"], counts["test"]
    reason = pd.Series("", index=counts.index, dtype=object)
    if test_end is not None:
        short = n_test < h
        reason[short] = (
            "ends inside the test window (" + n_test[short].astype(str) + f" of {h} periods); "
            "the forecaster needs future exogenous values for all of them"
        )
    reason[n_train < min_train_size] = f"fewer than min_train_size={min_train_size} periods"
    reason[n_train == 0] = "starts after the cutoff"
    reason[n_after == 0] = "ends at or before the cutoff"
    bad = reason[reason != ""]
    skipped = pd.DataFrame({"cutoff": cutoff, id_col: bad.index, "reason": bad.to_numpy()})
    ids = np.asarray(reason.index[reason == ""])
    if ids.size == 0:
        raise InsufficientDataError(
            f"no series can be backtested at cutoff {_when(cutoff)}: "
            f"{format_values(sorted(set(bad)))}; lower min_train_size, n_windows or step_size."
        )
    return ids, skipped


def _check_actuals(
    actual: pd.DataFrame, cutoff: pd.Timestamp, *, id_col: str, time_col: str, target_col: str
) -> None:
    """Every scored period needs an actual (NaN come from missing='nan' or nan_target='keep')."""
    nan = actual[target_col].isna().to_numpy()
    if nan.any():
        ids = pd.unique(actual.loc[nan, id_col])
        dates = pd.unique(actual.loc[nan, time_col])
        raise DataValidationError(
            f"{int(nan.sum())} actuals of column {target_col!r} are NaN in the test window "
            f"after cutoff {_when(cutoff)}, in {len(ids)} series {format_values(ids)} (dates "
            f"{format_values(pd.DatetimeIndex(dates).sort_values())}); every scored period "
            "needs an actual. Pass prepare_kwargs={'nan_target': 'zero', 'missing': 'zero'} "
            "to count them as no sales, or drop those series."
        )


def _takes_x_future(model: Any) -> bool:
    return "X_future" in inspect.signature(model.predict).parameters


def _predict(model: Any, h: int, quantiles: Sequence[float] | None, x_future: pd.DataFrame) -> Any:
    kwargs: dict[str, Any] = {}
    if quantiles is not None:
        kwargs["quantiles"] = list(quantiles)
    if _takes_x_future(model):
        kwargs["X_future"] = x_future
    return model.predict(h, **kwargs)


def _join_actuals(
    pred: Any,
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
    where = f"the forecaster's output at cutoff {_when(cutoff)}"
    _require_columns(
        pred,
        [id_col, time_col, *columns],
        frame=where,
        hint="predict must return id, time, 'yhat' and one 'q<p>' column per quantile.",
    )
    pred = pred[[id_col, time_col, *columns]].copy()
    try:
        pred[time_col] = pred[time_col].astype(actual[time_col].dtype)
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"{where} has column {time_col!r} of dtype {pred[time_col].dtype}, which cannot be "
            f"matched with the tz-naive dates of the history ({err}); predict must return "
            "tz-naive dates on the history's grid."
        ) from err
    _check_unique_periods(
        pred, id_col=id_col, time_col=time_col, frame=where, hint="Return one forecast per period."
    )
    out = actual.merge(pred, on=[id_col, time_col], how="left", validate="one_to_one")
    missing = out["yhat"].isna().to_numpy()
    if missing.any():
        ids = pd.unique(out.loc[missing, id_col])
        dates = pd.DatetimeIndex(pd.unique(out.loc[missing, time_col])).sort_values()
        raise DataValidationError(
            f"the forecaster returned no (or NaN) forecasts at cutoff {_when(cutoff)} for "
            f"{int(missing.sum())} test periods of {len(ids)} series {format_values(ids)} "
            f"(dates {format_values(dates)}); predict(h) must cover every series it was "
            "fitted on for the h periods after the cutoff."
        )
    out.insert(2, "cutoff", cutoff)
    return out


def _score(
    fc: pd.DataFrame, train: pd.DataFrame, cutoff: pd.Timestamp, names: list[str], opts: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics of one window; errors name the cutoff."""
    try:
        series, means = _evaluate_frames(fc, names, {**opts, "train_df": train})
    except DataValidationError as err:
        raise type(err)(
            f"backtest window with cutoff {_when(cutoff)} (df: its forecasts joined with the "
            f"actuals; train_df: its training data): {err}"
        ) from err
    return series.assign(cutoff=cutoff), means.assign(cutoff=cutoff)


def _window_opts(
    quantiles: Sequence[float] | None,
    season_length: int,
    metric_kwargs: Mapping[str, Any] | None,
    cols: dict[str, str],
) -> dict[str, Any]:
    """Options of :func:`~forecastkit.evaluate.evaluate` used in every window."""
    return {
        "models": ["yhat"],
        "quantiles": quantiles,
        "quantile_format": QUANTILE_FORMAT,
        "interval": None,
        "season_length": season_length,
        "levels": None,
        "static_df": None,
        "price_col": None,
        "weight_window": 28,
        **dict(metric_kwargs or {}),
        **cols,
    }


def backtest(
    forecaster: Any,
    df: Any,
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
    prepare_kwargs: Mapping[str, Any] | None = None,
    fit_kwargs: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest: refit at several cutoffs and score the next ``h`` periods.

    Parameters
    ----------
    forecaster : object
        Anything with ``fit(df, *, id_col, time_col, target_col)`` and
        ``predict(h[, quantiles=...][, X_future=...])`` (see the module
        docstring). ``predict(h)`` must forecast the ``h`` periods that
        follow the cutoff, for every series it was fitted on. It is never
        fitted itself: each window fits a fresh copy (``sklearn.base.clone``
        when it has ``get_params``, else ``copy.deepcopy``), so windows share
        no state.
    df : pandas.DataFrame or polars.DataFrame
        Long history: ``id_col``, ``time_col``, ``target_col``; any other
        column is exogenous and is passed to ``predict`` as ``X_future``
        (without the target) when it accepts that argument. It first goes
        through :func:`forecastkit.data.prepare`, like any forecastkit input.
    h : int
        Forecast horizon in periods.
    n_windows : int, default=3
        Number of cutoffs.
    step_size : int, optional
        Periods between consecutive cutoffs; default ``h`` (non-overlapping
        test windows).
    id_col, time_col, target_col : str
        Column names; the forecaster gets the same names.
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
        pandas frequency of the time axis, passed to
        :func:`~forecastkit.data.prepare`; inferred when omitted.
    min_train_size : int, default=1
        Series with fewer periods up to a cutoff are left out of that window.
    metric_kwargs : mapping, optional
        Extra options of :func:`~forecastkit.evaluate.evaluate` such as
        ``levels``, ``static_df``, ``price_col``, ``weight_window`` or ``interval``.
    prepare_kwargs : mapping, optional
        Data policies of :func:`~forecastkit.data.prepare`: ``missing``,
        ``exog_missing``, ``negative``, ``nan_target``, ``min_length``,
        ``short`` (its defaults otherwise: gaps filled with 0, negative
        demand clipped to 0, NaN targets rejected).
    fit_kwargs : mapping, optional
        Extra keyword arguments of every ``fit`` call, such as
        ``{"static": static_df}`` for :class:`~forecastkit.LGBMForecaster`.

    Returns
    -------
    BacktestResult
        Forecasts with actuals and ``cutoff``, per-window and per-series
        metrics, the cutoffs and the skipped series.

    Raises
    ------
    DataValidationError
        Bad arguments, or ``df`` breaks the data contract (missing columns,
        unparseable dates, repeated (id, time) rows, NaN targets...); NaN
        actuals in a test window, or forecasts missing for a series in a
        window (the message names the cutoff and the series).
    FrequencyError
        The frequency cannot be inferred, or dates are off its grid.
    InsufficientDataError
        The data are too short for ``h``, ``n_windows`` and ``step_size``, or
        no series is usable at a cutoff.
    TypeError
        ``refit=False`` without an ``update`` method, or ``predict`` does not
        return a DataFrame.

    Notes
    -----
    ``df`` is prepared once (:func:`~forecastkit.data.prepare` with
    ``prepare_kwargs``): periods missing inside a series are inserted,
    negative targets clipped, tz-aware dates turned into naive local time.
    The forecaster trains on, and is scored against, the same prepared
    values; ``forecasts`` holds them.

    Cutoffs lie on the global time axis, the same for all series: the last
    ``h + (n_windows - 1) * step_size`` periods of the axis are test periods,
    so cutoff k (0-based) is the date ``h + (n_windows - 1 - k) * step_size``
    periods before the last one. A window trains on the rows with
    ``time <= cutoff`` (every series it keeps has a row on the cutoff) and
    is scored on the next ``h`` periods. Series with no data after the
    cutoff (they ended), none up to it (they start later) or fewer than
    ``min_train_size`` periods up to it are left out of that window and
    listed in ``skipped``. A series that ends inside a test window is scored
    on the periods it has.

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
    h = positive_int(h, "h")
    n_windows = positive_int(n_windows, "n_windows")
    step = h if step_size is None else positive_int(step_size, "step_size")
    season_length = positive_int(season_length, "season_length")
    min_train_size = positive_int(min_train_size, "min_train_size")
    names = _metric_names(metrics, quantiles)
    if quantiles is not None:
        _quantile_columns(["yhat"], quantiles, QUANTILE_FORMAT)
    if not refit and not callable(getattr(forecaster, "update", None)):
        raise TypeError(
            f"refit=False needs a forecaster with an update(df, *, id_col, time_col, "
            f"target_col) method; {type(forecaster).__name__} has none. Use refit=True."
        )
    cols = {"id_col": id_col, "time_col": time_col, "target_col": target_col}
    prepared = _prepare_history(df, freq, prepare_kwargs, cols)
    data, times = prepared.df, prepared.df[time_col]
    axis = pd.date_range(times.min(), times.max(), freq=prepared.freq)
    cutoffs = _cutoffs(axis, h, n_windows, step)
    qcols = [quantile_column(q) for q in quantiles or []]
    opts = _window_opts(quantiles, season_length, metric_kwargs, cols)
    parts: dict[str, list[pd.DataFrame]] = {"fc": [], "mean": [], "series": [], "skip": []}
    model, previous = None, None
    exog = [c for c in data.columns if c not in (id_col, time_col, target_col)]
    needs_full = bool(exog) and _takes_x_future(forecaster)
    for cutoff in cutoffs:
        window = axis[axis > cutoff][:h]
        ids, skipped = _split_window(
            data,
            cutoff,
            min_train_size,
            id_col=id_col,
            time_col=time_col,
            test_end=window[-1] if needs_full else None,
            h=h,
        )
        rows, before = data[id_col].isin(ids).to_numpy(), (times <= cutoff).to_numpy()
        test = data.loc[rows & times.isin(window).to_numpy()]
        actual = test[[id_col, time_col, target_col]].reset_index(drop=True)
        _check_actuals(actual, cutoff, **cols)
        train = data.loc[rows & before].reset_index(drop=True)
        if refit or model is None:
            model = fresh_copy(forecaster)
            model.fit(train, **cols, **dict(fit_kwargs or {}))
        else:
            since = (times > previous).to_numpy() & before
            model.update(data.loc[rows & since].reset_index(drop=True), **cols)
        previous = cutoff
        pred = _predict(model, h, quantiles, test.drop(columns=[target_col]).reset_index(drop=True))
        fc = _join_actuals(pred, actual, cutoff, ["yhat", *qcols], id_col=id_col, time_col=time_col)
        series, means = _score(fc, train, cutoff, names, opts)
        parts["fc"].append(fc)
        parts["series"].append(series)
        parts["mean"].append(means)
        parts["skip"].append(skipped)
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
