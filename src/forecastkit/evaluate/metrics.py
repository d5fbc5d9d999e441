"""Forecast accuracy metrics on long frames.

Every metric takes ``df``, a long frame of forecasts joined with actuals (one
row per series and period, the target in ``target_col`` and one column per
model), and returns one row per series and one column per model, the id
column first, on a fresh RangeIndex. Scaled metrics also take ``train_df``,
the training history in the same long format. Quantile metrics read the
columns named by ``quantile_format`` (``q0.1``, ``q0.5``... by default, the
forecastkit output contract; ``"{model}_q{q:g}"`` for several models).

The error sign convention is ``forecast - actual``: a positive :func:`bias`
means over-forecasting. Frames may be pandas or polars (converted with
:func:`forecastkit.data.to_pandas`); results are pandas. Input errors raise
:class:`~forecastkit.errors.DataValidationError` (a ``ValueError``).

Panel metrics that weight series (:func:`wrmsse`, :func:`wspl`) live in
``forecastkit.evaluate._weighted`` and are re-exported here; :func:`evaluate`
runs several metrics at once and returns a tidy frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecastkit._validation import positive_int
from forecastkit.data import QUANTILE_FORMAT
from forecastkit.errors import DataValidationError
from forecastkit.evaluate._scales import (
    _as_list,
    _as_pandas,
    _check_forecast_frame,
    _check_unique_periods,
    _divide_by_scale,
    _mean_pinball,
    _naive_scales,
    _per_series,
    _prepare_train,
    _quantile_columns,
    _smape_terms,
    _warn_bad_scales,
)
from forecastkit.evaluate._weighted import wrmsse, wspl

__all__ = [
    "bias",
    "coverage",
    "evaluate",
    "mae",
    "mase",
    "pinball",
    "rmse",
    "rmsse",
    "scaled_pinball",
    "smape",
    "wape",
    "wrmsse",
    "wspl",
]

logger = logging.getLogger(__name__)


def _errors(
    df: pd.DataFrame, models: Sequence[str], *, id_col: str, target_col: str
) -> dict[str, np.ndarray]:
    """Validate ``df`` and return ``forecast - actual`` per model, row by row."""
    _check_forecast_frame(df, models, id_col=id_col, target_col=target_col)
    y = df[target_col].to_numpy(dtype=float)
    return {m: df[m].to_numpy(dtype=float) - y for m in models}


def mae(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Mean absolute error per series.

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Long frame with ``id_col``, ``target_col`` and one column per model.
    models : str or sequence of str, default=("yhat",)
        Forecast columns to score.
    id_col, target_col : str
        Names of the series id and actuals columns.

    Returns
    -------
    pandas.DataFrame
        ``id_col`` then one column per model, one row per series (sorted by id).

    Raises
    ------
    DataValidationError
        A column is missing, or forecasts/actuals hold NaN (the message names the series).

    Notes
    -----
    :math:`\\mathrm{MAE} = \\frac{1}{h}\\sum_{t=1}^{h} |\\hat y_t - y_t|`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b", "b"],
    ...                    "y": [1.0, 3.0, 2.0, 2.0], "yhat": [2.0, 2.0, 2.0, 5.0]})
    >>> mae(df)
      unique_id  yhat
    0         a   1.0
    1         b   1.5
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    err = _errors(df, models, id_col=id_col, target_col=target_col)
    return _per_series(df, {m: np.abs(e) for m, e in err.items()}, id_col=id_col)


def rmse(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Root mean squared error per series.

    Parameters and return value as in :func:`mae`.

    Notes
    -----
    :math:`\\mathrm{RMSE} = \\sqrt{\\frac{1}{h}\\sum_{t=1}^{h} (\\hat y_t - y_t)^2}`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "y": [1.0, 3.0], "yhat": [2.0, 6.0]})
    >>> round(float(rmse(df)["yhat"].iloc[0]), 4)  # sqrt((1 + 9) / 2)
    2.2361
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    err = _errors(df, models, id_col=id_col, target_col=target_col)
    out = _per_series(df, {m: e**2 for m, e in err.items()}, id_col=id_col)
    out[models] = np.sqrt(out[models])
    return out


def bias(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Mean error (forecast minus actual) per series.

    Positive values mean the model over-forecasts (too much stock), negative
    values that it under-forecasts (stock-outs). Parameters and return value
    as in :func:`mae`.

    Notes
    -----
    :math:`\\mathrm{bias} = \\frac{1}{h}\\sum_{t=1}^{h} (\\hat y_t - y_t)`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "y": [1.0, 3.0], "yhat": [2.0, 6.0]})
    >>> float(bias(df)["yhat"].iloc[0])  # ((2 - 1) + (6 - 3)) / 2
    2.0
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    err = _errors(df, models, id_col=id_col, target_col=target_col)
    return _per_series(df, err, id_col=id_col)


def wape(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    id_col: str = "unique_id",
    target_col: str = "y",
    pooled: bool = False,
) -> pd.DataFrame:
    """Weighted absolute percentage error, per series or pooled over all series.

    Parameters
    ----------
    df, models, id_col, target_col
        As in :func:`mae`.
    pooled : bool, default=False
        If True, sum errors and actuals over every row of ``df`` and return a
        one-row frame without the id column: the portfolio WAPE, in which fast
        movers weigh more than slow movers.

    Returns
    -------
    pandas.DataFrame
        One row per series (or one row if ``pooled``), one column per model.
        A series whose actuals are all zero has an undefined WAPE: NaN.

    Notes
    -----
    :math:`\\mathrm{WAPE} = \\sum_t |\\hat y_t - y_t| \\, / \\, \\sum_t |y_t|`
    (a ratio, not a percentage).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b", "b"],
    ...                    "y": [1.0, 3.0, 2.0, 2.0], "yhat": [2.0, 2.0, 2.0, 5.0]})
    >>> wape(df)  # a: (1 + 1) / 4, b: 3 / 4
      unique_id  yhat
    0         a  0.50
    1         b  0.75
    >>> wape(df, pooled=True)  # (1 + 1 + 0 + 3) / 8
        yhat
    0  0.625
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    err = _errors(df, models, id_col=id_col, target_col=target_col)
    abs_y = np.abs(df[target_col].to_numpy(dtype=float))
    if pooled:
        total = abs_y.sum()
        return pd.DataFrame(
            {m: [np.abs(e).sum() / total if total > 0 else np.nan] for m, e in err.items()}
        )
    num = _per_series(df, {m: np.abs(e) for m, e in err.items()}, id_col=id_col, how="sum")
    den = _per_series(df, {"_y": abs_y}, id_col=id_col, how="sum")["_y"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for m in models:
            num[m] = np.where(den > 0, num[m].to_numpy() / np.where(den > 0, den, 1.0), np.nan)
    return num


def smape(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Symmetric mean absolute percentage error per series, M4 definition (0 to 200).

    Parameters and return value as in :func:`mae`.

    Notes
    -----
    :math:`\\mathrm{sMAPE} = \\frac{200}{h}\\sum_{t=1}^{h}
    \\frac{|y_t - \\hat y_t|}{|y_t| + |\\hat y_t|}`, with a term 0/0 (actual
    and forecast both zero, a perfect forecast of no demand) counted as 0.
    Note that ``utilsforecast.losses.smape`` reports the same quantity on a
    0 to 1 scale (without the factor 200).

    References
    ----------
    Makridakis, Spiliotis & Assimakopoulos (2020), "The M4 Competition: 100,000
    time series and 61 forecasting methods", IJF 36(1), eq. (1).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "y": [1.0, 0.0], "yhat": [3.0, 0.0]})
    >>> float(smape(df)["yhat"].iloc[0])  # (200 * 2 / 4 + 0) / 2
    50.0
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    _check_forecast_frame(df, models, id_col=id_col, target_col=target_col)
    y = df[target_col].to_numpy(dtype=float)
    terms = {m: _smape_terms(y, df[m].to_numpy(dtype=float)) for m in models}
    return _per_series(df, terms, id_col=id_col)


def mase(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    train_df: Any,
    season_length: int = 1,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Mean absolute scaled error per series, M4 definition.

    Parameters
    ----------
    df, models, id_col, target_col
        As in :func:`mae`.
    train_df : pandas.DataFrame or polars.DataFrame
        Training history (``id_col``, ``time_col``, ``target_col``) of every
        series in ``df``, one row per period with no missing periods (rows
        are taken as consecutive periods; fill gaps with
        :func:`forecastkit.data.prepare` first).
    season_length : int, default=1
        Seasonal period m of the naive benchmark (7 for daily data with a
        weekly cycle, 52 weekly, 12 monthly; 1 = plain naive); a whole
        number >= 1.
    time_col : str, default="ds"
        Time column of ``train_df``, used to order it.

    Returns
    -------
    pandas.DataFrame
        ``id_col`` then one column per model. Series whose scale is zero
        (constant history) or undefined (``season_length`` or fewer
        observations) get NaN, with a :class:`~forecastkit.errors.ForecastkitWarning`.

    Raises
    ------
    DataValidationError
        A series in ``df`` has no rows in ``train_df`` (the message names it),
        a column is missing, values are NaN, or ``season_length`` is not a
        positive integer.

    Notes
    -----
    :math:`\\mathrm{MASE} = \\frac{\\frac{1}{h}\\sum_t |y_t - \\hat y_t|}
    {\\frac{1}{n-m}\\sum_{t=m+1}^{n} |y_t - y_{t-m}|}`, the scale being the
    in-sample MAE of the seasonal naive forecast.

    References
    ----------
    Hyndman & Koehler (2006), "Another look at measures of forecast accuracy",
    IJF 22(4); M4 Competitors' Guide (2018), MASE definition.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=4),
    ...                       "y": [1.0, 3.0, 2.0, 4.0]})
    >>> df = pd.DataFrame({"unique_id": ["a"], "y": [5.0], "yhat": [4.0]})
    >>> float(mase(df, train_df=train)["yhat"].iloc[0])  # 1 / ((2 + 1 + 2) / 3)
    0.6
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    season_length = positive_int(season_length, "season_length")
    out = mae(df, models, id_col=id_col, target_col=target_col)
    train = _prepare_train(
        train_df, df, id_col=id_col, time_col=time_col, target_col=target_col, metric="mase"
    )
    scale = _naive_scales(
        train,
        id_col=id_col,
        target_col=target_col,
        lag=season_length,
        power=1,
        trim_leading_zeros=False,
    )
    why = f"constant history, or {season_length} or fewer training values"
    scale = _warn_bad_scales(scale, metric="mase", why=why)
    return _divide_by_scale(out, scale, models, id_col=id_col)


def rmsse(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    train_df: Any,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Root mean squared scaled error per series, M5 definition.

    Parameters, return value and errors as in :func:`mase`; the scale is the
    one-step naive forecast's in-sample mean squared error, computed from
    each series' first non-zero value on (leading zeros are the period
    before the product was on sale, as in M5). An all-zero or constant
    history gives NaN with a warning.

    Notes
    -----
    :math:`\\mathrm{RMSSE} = \\sqrt{\\frac{\\frac{1}{h}\\sum_t (y_t - \\hat y_t)^2}
    {\\frac{1}{n-1}\\sum_{t=2}^{n} (y_t - y_{t-1})^2}}`, with :math:`t = 1` the
    first non-zero training value.

    References
    ----------
    University of Nicosia (2020), "The M5 Competition: Competitors' Guide",
    section "Forecasting accuracy measure", eq. (1); Makridakis, Spiliotis &
    Assimakopoulos (2022), "M5 accuracy competition: Results, findings, and
    conclusions", IJF 38(4).

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=5),
    ...                       "y": [0.0, 0.0, 2.0, 4.0, 2.0]})
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "y": [3.0, 1.0], "yhat": [2.0, 2.0]})
    >>> # scale from [2, 4, 2]: (4 + 4) / 2 = 4; MSE = (1 + 1) / 2 = 1
    >>> float(rmsse(df, train_df=train)["yhat"].iloc[0])
    0.5
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    err = _errors(df, models, id_col=id_col, target_col=target_col)
    out = _per_series(df, {m: e**2 for m, e in err.items()}, id_col=id_col)
    train = _prepare_train(
        train_df, df, id_col=id_col, time_col=time_col, target_col=target_col, metric="rmsse"
    )
    scale = _naive_scales(
        train, id_col=id_col, target_col=target_col, lag=1, power=2, trim_leading_zeros=True
    )
    why = "all-zero or constant history after the first non-zero value"
    scale = _warn_bad_scales(scale, metric="rmsse", why=why)
    out = _divide_by_scale(out, scale, models, id_col=id_col)
    out[models] = np.sqrt(out[models])
    return out


def pinball(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    quantiles: Sequence[float],
    quantile_format: str = QUANTILE_FORMAT,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Pinball (quantile) loss per series, averaged over periods and quantiles.

    Parameters
    ----------
    df, id_col, target_col
        As in :func:`mae`; ``df`` holds one column per model and quantile.
    models : str or sequence of str, default=("yhat",)
        Model names; they name the output columns and fill ``{model}`` in
        ``quantile_format``.
    quantiles : sequence of float
        Quantile levels in (0, 1), e.g. ``[0.1, 0.5, 0.9]``.
    quantile_format : str, default="q{q:g}"
        Format of quantile column names, with fields ``q`` and optionally
        ``model``: the default reads ``q0.1``, ``q0.5`` (one model, the
        forecastkit output contract); use ``"{model}_q{q:g}"`` to score
        several models.

    Returns
    -------
    pandas.DataFrame
        ``id_col`` then one column per model.

    Raises
    ------
    DataValidationError
        A quantile column is missing (the message lists the available ones),
        a level is outside (0, 1), or several models but ``quantile_format``
        has no ``{model}`` field.

    Notes
    -----
    :math:`L_\\tau(y, q) = \\tau (y - q)` if :math:`q \\le y`, else
    :math:`(1 - \\tau)(q - y)`; the result is the mean over the h periods
    and the given quantile levels.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a"], "y": [10.0], "q0.1": [8.0], "q0.9": [11.0]})
    >>> # q0.1: 0.1 * (10 - 8) = 0.2; q0.9: 0.1 * (11 - 10) = 0.1; mean 0.15
    >>> round(float(pinball(df, quantiles=[0.1, 0.9])["yhat"].iloc[0]), 4)
    0.15
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    qcols = _quantile_columns(models, quantiles, quantile_format)
    flat = [c for cols in qcols.values() for c in cols.values()]
    _check_forecast_frame(df, flat, id_col=id_col, target_col=target_col)
    return _mean_pinball(df, qcols, id_col=id_col, target_col=target_col)


def scaled_pinball(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    train_df: Any,
    quantiles: Sequence[float],
    quantile_format: str = QUANTILE_FORMAT,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Scaled pinball loss (SPL) per series, M5 uncertainty definition.

    Parameters as in :func:`pinball` plus ``train_df`` and ``time_col`` as in
    :func:`mase`. The pinball loss of each quantile is divided by the mean
    absolute one-step difference of the training data from the first
    non-zero value (M5), then averaged over quantile levels. Zero or
    undefined scales give NaN with a warning.

    Notes
    -----
    :math:`\\mathrm{SPL}(u) = \\frac{\\frac{1}{h}\\sum_t L_u(y_t, Q_t(u))}
    {\\frac{1}{n-1}\\sum_{t=2}^{n} |y_t - y_{t-1}|}`.

    References
    ----------
    University of Nicosia (2020), "The M5 Uncertainty Competition: Competitors'
    Guide", eq. (1); Makridakis et al. (2022), "The M5 uncertainty
    competition", IJF 38(4).

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=3),
    ...                       "y": [2.0, 4.0, 2.0]})
    >>> df = pd.DataFrame({"unique_id": ["a"], "y": [10.0], "q0.5": [8.0]})
    >>> # pinball 0.5 * 2 = 1; scale (2 + 2) / 2 = 2
    >>> float(scaled_pinball(df, train_df=train, quantiles=[0.5])["yhat"].iloc[0])
    0.5
    """
    df = _as_pandas(df, "df")
    out = pinball(
        df,
        models,
        quantiles=quantiles,
        quantile_format=quantile_format,
        id_col=id_col,
        target_col=target_col,
    )
    train = _prepare_train(
        train_df,
        df,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        metric="scaled_pinball",
    )
    scale = _naive_scales(
        train, id_col=id_col, target_col=target_col, lag=1, power=1, trim_leading_zeros=True
    )
    why = "all-zero or constant history after the first non-zero value"
    scale = _warn_bad_scales(scale, metric="scaled_pinball", why=why)
    return _divide_by_scale(out, scale, _as_list(models), id_col=id_col)


def coverage(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    lower: float,
    upper: float,
    quantile_format: str = QUANTILE_FORMAT,
    id_col: str = "unique_id",
    target_col: str = "y",
) -> pd.DataFrame:
    """Share of actuals inside the interval [q_lower, q_upper] per series.

    Parameters
    ----------
    df, models, quantile_format, id_col, target_col
        As in :func:`pinball`.
    lower, upper : float
        Quantile levels of the interval bounds, e.g. 0.1 and 0.9 for a
        nominal 80% interval. Bounds are inclusive.

    Returns
    -------
    pandas.DataFrame
        ``id_col`` then one column per model, values in [0, 1]; compare with
        the nominal ``upper - lower``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": "a", "y": [1.0, 5.0, 9.0, 3.0],
    ...                    "q0.1": [0.0, 0.0, 0.0, 3.0], "q0.9": [2.0, 4.0, 9.0, 6.0]})
    >>> float(coverage(df, lower=0.1, upper=0.9)["yhat"].iloc[0])  # 1, 0, 1, 1
    0.75
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    if not lower < upper:
        raise DataValidationError(
            f"lower must be below upper; got lower={lower}, upper={upper}. Pass the interval "
            "bounds as quantile levels, e.g. lower=0.1, upper=0.9."
        )
    qcols = _quantile_columns(models, [lower, upper], quantile_format)
    flat = [c for cols in qcols.values() for c in cols.values()]
    _check_forecast_frame(df, flat, id_col=id_col, target_col=target_col)
    y = df[target_col].to_numpy(dtype=float)
    inside = {}
    for m, cols in qcols.items():
        lo = df[cols[float(lower)]].to_numpy(dtype=float)
        hi = df[cols[float(upper)]].to_numpy(dtype=float)
        inside[m] = ((y >= lo) & (y <= hi)).astype(float)
    return _per_series(df, inside, id_col=id_col)


# --------------------------------------------------------------------------- driver
_PER_SERIES = ("mae", "rmse", "bias", "wape", "smape", "mase", "rmsse")
_QUANTILE = ("pinball", "scaled_pinball", "coverage")
_PANEL = ("wrmsse", "wspl")
METRIC_NAMES = _PER_SERIES + _QUANTILE + _PANEL


def _metric_names(metrics: str | Sequence[str], quantiles: Sequence[float] | None) -> list[str]:
    """Metric names as a list, checked against the known ones and ``quantiles``."""
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [n for n in names if n not in METRIC_NAMES]
    if unknown or not names:
        raise DataValidationError(f"unknown metric(s) {unknown}; choose from {list(METRIC_NAMES)}.")
    needy = [n for n in names if n in _QUANTILE + ("wspl",)]
    if quantiles is None and needy:
        raise DataValidationError(
            f"metric(s) {needy} score quantile forecasts; pass quantiles=, e.g. [0.1, 0.5, 0.9]."
        )
    return names


def _run_metric(name: str, df: pd.DataFrame, opts: dict) -> pd.DataFrame:
    """Call one metric by name with the options of :func:`evaluate`."""
    cols = {"id_col": opts["id_col"], "target_col": opts["target_col"]}
    scaled = {**cols, "train_df": opts["train_df"], "time_col": opts["time_col"]}
    quant = {"quantiles": opts["quantiles"], "quantile_format": opts["quantile_format"]}
    weights = {"price_col": opts["price_col"], "weight_window": opts["weight_window"]}
    models = opts["models"]
    simple = {"mae": mae, "rmse": rmse, "bias": bias, "smape": smape}
    if name in simple:
        return simple[name](df, models, **cols)
    if name == "wape":
        return wape(df, models, **cols)
    if name == "mase":
        return mase(df, models, season_length=opts["season_length"], **scaled)
    if name == "rmsse":
        return rmsse(df, models, **scaled)
    if name == "pinball":
        return pinball(df, models, **quant, **cols)
    if name == "scaled_pinball":
        return scaled_pinball(df, models, **quant, **scaled)
    if name == "coverage":
        lower, upper = opts["interval"] or (min(opts["quantiles"]), max(opts["quantiles"]))
        fmt = opts["quantile_format"]
        return coverage(df, models, lower=lower, upper=upper, quantile_format=fmt, **cols)
    if name == "wrmsse":
        extra = {"levels": opts["levels"], "static_df": opts["static_df"]}
        return wrmsse(df, models, **extra, **weights, **scaled)
    return wspl(df, models, **quant, **weights, **scaled)


def evaluate(
    df: Any,
    metrics: str | Sequence[str] = ("mae", "rmse", "bias", "wape"),
    *,
    train_df: Any = None,
    models: str | Sequence[str] | None = None,
    quantiles: Sequence[float] | None = None,
    quantile_format: str = QUANTILE_FORMAT,
    interval: tuple[float, float] | None = None,
    season_length: int = 1,
    levels: Sequence[Sequence[str]] | None = None,
    static_df: Any = None,
    price_col: str | None = None,
    weight_window: int = 28,
    agg: Literal["mean"] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Compute several metrics at once and return them as a tidy frame.

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Forecasts joined with actuals, as for :func:`mae`.
    metrics : sequence of str, default=("mae", "rmse", "bias", "wape")
        Names among ``mae, rmse, bias, wape, smape, mase, rmsse`` (per
        series), ``pinball, scaled_pinball, coverage`` (per series, need
        ``quantiles``) and ``wrmsse, wspl`` (panel metrics, need ``agg="mean"``).
    train_df : pandas.DataFrame or polars.DataFrame, optional
        Training history; needed by ``mase, rmsse, scaled_pinball, wrmsse, wspl``.
    models : str or sequence of str, optional
        Forecast columns (default ``["yhat"]``).
    quantiles : sequence of float, optional
        Quantile levels for the quantile metrics.
    quantile_format : str, default="q{q:g}"
        Quantile column names, see :func:`pinball`.
    interval : tuple of float, optional
        ``(lower, upper)`` quantile levels for ``coverage``; default the
        smallest and largest of ``quantiles``.
    season_length : int, default=1
        Seasonal period of the MASE benchmark. RMSSE and SPL always use the
        one-step naive scale, as in M5.
    levels, static_df, price_col, weight_window
        Aggregation levels and weights of ``wrmsse`` / ``wspl``, see :func:`wrmsse`.
    agg : {None, "mean"}, default=None
        None: one row per series and metric. ``"mean"``: one row per metric,
        the unweighted mean over series (series with a NaN metric, such as an
        undefined scale, are skipped), except ``wape``, which is pooled over
        all rows (sum of absolute errors over sum of actuals), and the panel
        metrics, which are already one number.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``[id_col, "metric", *models]`` (``agg=None``) or
        ``["metric", *models]`` (``agg="mean"``), metrics in the order given.

    Raises
    ------
    DataValidationError
        Unknown metric name, a panel metric with ``agg=None``, a missing
        ``train_df`` / ``quantiles`` that a metric needs, errors raised by
        the individual metrics, and repeated (id, time) rows: backtest output with several cutoffs must be evaluated one
        cutoff at a time (:class:`~forecastkit.evaluate.BacktestResult`
        already holds the per-window scores).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b", "b"],
    ...                    "y": [1.0, 3.0, 2.0, 2.0], "yhat": [2.0, 2.0, 2.0, 5.0]})
    >>> evaluate(df, ["mae", "bias"])
      unique_id metric  yhat
    0         a    mae  1.0
    1         b    mae  1.5
    2         a   bias  0.0
    3         b   bias  1.5
    >>> evaluate(df, ["mae", "wape"], agg="mean")
      metric   yhat
    0    mae  1.250
    1   wape  0.625
    """
    df = _as_pandas(df, "df")
    train_df = None if train_df is None else _as_pandas(train_df, "train_df")
    static_df = None if static_df is None else _as_pandas(static_df, "static_df")
    if agg not in (None, "mean"):
        raise DataValidationError(f"agg must be None or 'mean'; got {agg!r}.")
    names = _metric_names(metrics, quantiles)
    panel = [n for n in names if n in _PANEL]
    if panel and agg is None:
        raise DataValidationError(
            f"metric(s) {panel} weight all series into one number and have no per-series "
            "value; pass agg='mean' (or call them separately)."
        )
    opts = {
        "models": _as_list(models),
        "train_df": train_df,
        "quantiles": quantiles,
        "quantile_format": quantile_format,
        "interval": interval,
        "season_length": season_length,
        "levels": levels,
        "static_df": static_df,
        "price_col": price_col,
        "weight_window": weight_window,
        "id_col": id_col,
        "time_col": time_col,
        "target_col": target_col,
    }
    if time_col in df.columns and id_col in df.columns:
        _check_unique_periods(df, id_col=id_col, time_col=time_col, frame="df")
    per_series, means = _evaluate_frames(df, names, opts)
    logger.debug("evaluated %d metric(s) on %d rows", len(names), len(df))
    return per_series if agg is None else means


def _evaluate_frames(
    df: pd.DataFrame, names: Sequence[str], opts: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-series frame (non-panel metrics) and per-metric mean frame of ``names``."""
    models, id_col = opts["models"], opts["id_col"]
    series, means = [], []
    for name in names:
        res = _run_metric(name, df, opts)
        if name in _PANEL:
            mean = res
        else:
            series.append(res.assign(metric=name))
            if name == "wape":
                cols = {"id_col": id_col, "target_col": opts["target_col"]}
                mean = wape(df, models, pooled=True, **cols)
            else:
                mean = res[models].mean().to_frame().T
        means.append(mean.assign(metric=name))
    per_series = pd.concat(series, ignore_index=True) if series else pd.DataFrame()
    per_series = per_series.reindex(columns=[id_col, "metric", *models])
    mean_frame = pd.concat(means, ignore_index=True).reindex(columns=["metric", *models])
    return per_series, mean_frame
