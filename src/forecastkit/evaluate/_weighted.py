"""Revenue-weighted panel metrics of the M5 competition: WRMSSE and WSPL.

Re-exported by :mod:`forecastkit.evaluate.metrics`; see :func:`wrmsse` and
:func:`wspl`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._validation import positive_int
from forecastkit.data import QUANTILE_FORMAT
from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    InsufficientDataError,
    format_values,
)
from forecastkit.evaluate._scales import (
    _as_list,
    _as_pandas,
    _check_forecast_frame,
    _check_unique_periods,
    _mean_pinball,
    _naive_scales,
    _prepare_train,
    _quantile_columns,
    _require_columns,
)

_GROUP = "_fk_group"


def _revenue_by_series(
    train: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    target_col: str,
    price_col: str | None,
    weight_window: int,
) -> pd.Series:
    """Sales value (units * price, or units) of each series over the last periods."""
    dates = np.sort(pd.unique(train[time_col]))
    in_window = train[time_col].isin(dates[-weight_window:]).to_numpy()
    value = train[target_col].to_numpy(dtype=float)
    if price_col is not None:
        price = pd.to_numeric(train[price_col], errors="coerce").to_numpy(dtype=float)
        value = np.nan_to_num(value * price, nan=0.0)  # no price: not on sale, no revenue
    value = np.where(in_window, value, 0.0)
    revenue = (
        pd.Series(value, index=train.index).groupby(train[id_col], sort=False, observed=True).sum()
    )
    if not revenue.sum() > 0:
        raise InsufficientDataError(
            f"the series have no sales in the last {weight_window} periods of train_df, so "
            "revenue weights are undefined; pass a larger weight_window."
        )
    return revenue


def _check_levels(levels: Sequence[Sequence[str]] | None, id_col: str) -> list[list[str]]:
    if levels is None:
        return [[id_col]]
    out = []
    for level in levels:
        if isinstance(level, str):
            raise DataValidationError(
                f"levels must be a list of lists of column names, e.g. [[], ['store'], "
                f"['{id_col}']]; got the string {level!r} as a level (wrap it: [{level!r}])."
            )
        out.append(list(level))
    if not out:
        raise DataValidationError(f"levels is empty; pass e.g. [[], ['{id_col}']].")
    return out


def _static_table(
    df: pd.DataFrame,
    static_df: pd.DataFrame | None,
    train_df: pd.DataFrame,
    columns: list[str],
    *,
    id_col: str,
) -> pd.DataFrame:
    """One row per series of ``df`` (index = id) with the static ``columns``."""
    ids = pd.Index(pd.unique(df[id_col]), name=id_col)
    if not columns:
        return pd.DataFrame({id_col: ids}, index=ids)
    if static_df is not None:
        src, name = static_df, "static_df"
    elif set(columns) <= set(df.columns) or not set(columns) <= set(train_df.columns):
        src, name = df, "df"
    else:
        src, name = train_df[train_df[id_col].isin(ids)], "train_df"
    _require_columns(
        src,
        [id_col, *columns],
        frame=name,
        hint="The columns of levels= are read from static_df (one row per series) "
        "or, when it is not given, from df or else train_df.",
    )
    table = src[[id_col, *columns]].drop_duplicates()
    dup = table[id_col].duplicated(keep=False).to_numpy()
    if dup.any():
        bad = pd.unique(table.loc[dup, id_col])
        raise DataValidationError(
            f"static column(s) {columns} of {name} are not constant within {len(bad)} series "
            f"{format_values(bad)}; levels must group whole series. "
            "Pass static_df with one row per series."
        )
    table = table.set_index(id_col)
    missing = ids.difference(table.index)
    if len(missing):
        raise DataValidationError(
            f"{len(missing)} series of df are missing from {name}: {format_values(missing)}; "
            "add their static columns."
        )
    table = table.loc[ids]
    table[id_col] = ids
    return table


def _level_codes(table: pd.DataFrame, level: list[str]) -> tuple[np.ndarray, pd.Series]:
    """Group code of each series (in ``table`` order) and a readable label per code."""
    if not level:
        return np.zeros(len(table), dtype=np.int64), pd.Series(["total"])
    keys = table[level].reset_index(drop=True)
    codes = keys.groupby(level, sort=True, dropna=False, observed=True).ngroup().to_numpy()
    labels = keys.astype(str).agg("/".join, axis=1).groupby(codes, observed=True).first()
    return codes, labels


def _weighted_sum(
    values: pd.DataFrame, weights: pd.Series, labels: pd.Series, *, metric: str
) -> pd.Series:
    """Weighted sum of per-group ``values`` (rows = groups), skipping undefined ones.

    Groups with zero weight contribute nothing, as in M5. Groups with a positive
    weight but a NaN value (zero or undefined scale) are dropped with a warning
    and the remaining weights are rescaled to sum to one.
    """
    w = weights.reindex(values.index).fillna(0.0)
    bad = values.isna().any(axis=1) & (w > 0)
    if bad.any():
        names = labels.reindex(values.index[bad.to_numpy()])
        warnings.warn(
            f"{metric}: {int(bad.sum())} series with positive weight have a zero or undefined "
            f"scale (all-zero or constant history): {format_values(names)}; they are left out "
            "and the other weights rescaled. Drop them to silence this warning.",
            ForecastkitWarning,
            stacklevel=3,
        )
        w = w.where(~bad, 0.0)
    if not w.sum() > 0:
        return pd.Series(np.nan, index=values.columns)
    w = w / w.sum()
    return values.fillna(0.0).mul(w, axis=0).sum()


def _level_rmsse(
    df: pd.DataFrame,
    train: pd.DataFrame,
    df_codes: np.ndarray,
    train_codes: np.ndarray,
    models: list[str],
    *,
    time_col: str,
    target_col: str,
) -> pd.DataFrame:
    """RMSSE of each aggregated series; ``*_codes`` give the group of every row."""
    keys = [pd.Series(df_codes, index=df.index, name=_GROUP), df[time_col]]
    agg = df[[target_col, *models]].groupby(keys, sort=True, observed=True).sum()
    sq = pd.DataFrame({m: (agg[m] - agg[target_col]) ** 2 for m in models})
    mse = sq.groupby(level=_GROUP, observed=True).mean()
    tkeys = [pd.Series(train_codes, index=train.index, name=_GROUP), train[time_col]]
    agg_train = train[[target_col]].groupby(tkeys, sort=True, observed=True).sum().reset_index()
    scale = _naive_scales(
        agg_train, id_col=_GROUP, target_col=target_col, lag=1, power=2, trim_leading_zeros=True
    )
    scale = scale.where(scale > 0).reindex(mse.index)
    return np.sqrt(mse.div(scale, axis=0))


def wrmsse(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    train_df: Any,
    levels: Sequence[Sequence[str]] | None = None,
    static_df: Any = None,
    price_col: str | None = None,
    weight_window: int = 28,
    by_level: bool = False,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Weighted root mean squared scaled error over aggregation levels (M5 accuracy).

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Bottom-level forecasts joined with actuals: ``id_col``, ``time_col``,
        ``target_col`` and one column per model.
    models : str or sequence of str, default=("yhat",)
        Forecast columns.
    train_df : pandas.DataFrame or polars.DataFrame
        Training history of every series in ``df`` (plus ``price_col`` if given).
        Series of ``train_df`` absent from ``df`` are ignored.
    levels : list of list of str, optional
        Aggregation levels, each a list of static columns: ``[]`` is the
        total, ``[id_col]`` the bottom level, e.g. ``[[], ["store"], ["cat"],
        ["store", "cat"], ["unique_id"]]``. Default: bottom level only.
    static_df : pandas.DataFrame or polars.DataFrame, optional
        One row per series with the static columns used in ``levels``; if
        None they are read from ``df`` or, when ``df`` lacks them (backtest
        forecasts), from ``train_df``, and must be constant per series.
    price_col : str, optional
        Price column of ``train_df``. Weights are sales value ``y * price``;
        a missing price counts as no revenue. If None, weights are unit sales.
    weight_window : int, default=28
        Number of final periods of ``train_df`` (global time axis) over which
        the sales value is summed, 28 days in M5.
    by_level : bool, default=False
        Return one row per level (columns ``level``, ``n_series`` and the
        models) instead of the single average.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row with one column per model (the mean over levels), or one row
        per level if ``by_level``.

    Raises
    ------
    DataValidationError
        Missing columns or series, NaN values, static columns that vary within
        a series, malformed ``levels`` or a ``weight_window`` that is not a
        positive integer.
    InsufficientDataError
        No sales in the weight window, so weights are undefined.

    Notes
    -----
    At each level the bottom series are summed (actuals and forecasts) into
    aggregate series; each aggregate series gets its RMSSE (see
    :func:`~forecastkit.evaluate.rmsse`, scale computed on the aggregated
    training series from its first non-zero value) and a weight equal to its
    share of the level's sales value. The level score is
    :math:`\\sum_i w_i \\mathrm{RMSSE}_i` and WRMSSE is the unweighted mean of
    the level scores, so every level counts equally, as M5 does with its 12
    levels. An aggregate series with positive weight but zero or undefined
    scale is left out with a warning and the level's other weights rescaled.

    References
    ----------
    University of Nicosia (2020), "The M5 Competition: Competitors' Guide",
    eq. (1)-(2) and table 1; Makridakis, Spiliotis & Assimakopoulos (2022),
    "M5 accuracy competition: Results, findings, and conclusions", IJF 38(4).

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=3)
    >>> train = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(days) * 2,
    ...                       "y": [1.0, 3.0, 1.0, 2.0, 2.0, 4.0]})
    >>> df = pd.DataFrame({"unique_id": ["a", "b"], "ds": pd.Timestamp("2024-01-04"),
    ...                    "y": [2.0, 4.0], "yhat": [4.0, 4.0]})
    >>> # a: scale (4 + 4) / 2 = 4, RMSSE 2 / 2 = 1, weight 5 / 13; b: RMSSE 0
    >>> round(float(wrmsse(df, train_df=train, weight_window=3)["yhat"].iloc[0]), 4)
    0.3846
    """
    df = _as_pandas(df, "df")
    train_df = _as_pandas(train_df, "train_df")
    static_df = None if static_df is None else _as_pandas(static_df, "static_df")
    models = _as_list(models)
    levels_ = _check_levels(levels, id_col)
    weight_window = positive_int(weight_window, "weight_window")
    _check_forecast_frame(df, models, id_col=id_col, target_col=target_col, extra=[time_col])
    _check_unique_periods(df, id_col=id_col, time_col=time_col, frame="df")
    extra = [price_col] if price_col is not None else []
    train = _prepare_train(
        train_df,
        df,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        metric="wrmsse",
        extra_cols=extra,
    )
    revenue = _revenue_by_series(
        train,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        price_col=price_col,
        weight_window=weight_window,
    )
    statics = sorted({c for level in levels_ for c in level if c != id_col})
    table = _static_table(df, static_df, train_df, statics, id_col=id_col)
    df_pos = table.index.get_indexer(df[id_col])  # series of each row, as positions
    train_pos = table.index.get_indexer(train[id_col])
    revenue = revenue.reindex(table.index, fill_value=0.0).to_numpy()
    rows = []
    for level in levels_:
        codes, labels = _level_codes(table, level)
        scores = _level_rmsse(
            df,
            train,
            codes[df_pos],
            codes[train_pos],
            models,
            time_col=time_col,
            target_col=target_col,
        )
        weights = pd.Series(revenue).groupby(codes, observed=True).sum()
        name = "/".join(level) or "total"
        total = _weighted_sum(scores, weights, labels, metric=f"wrmsse level {name!r}")
        rows.append({"level": name, "n_series": len(scores), **total.to_dict()})
    out = pd.DataFrame(rows, columns=["level", "n_series", *models])
    if by_level:
        return out
    return out[models].mean().to_frame().T.reset_index(drop=True)


def wspl(
    df: Any,
    models: str | Sequence[str] = ("yhat",),
    *,
    train_df: Any,
    quantiles: Sequence[float],
    quantile_format: str = QUANTILE_FORMAT,
    price_col: str | None = None,
    weight_window: int = 28,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Weighted scaled pinball loss over the series of ``df`` (M5 uncertainty).

    Parameters
    ----------
    df, models, quantiles, quantile_format
        As in :func:`~forecastkit.evaluate.pinball`.
    train_df, price_col, weight_window, id_col, time_col, target_col
        As in :func:`wrmsse`.

    Returns
    -------
    pandas.DataFrame
        One row, one column per model.

    Notes
    -----
    :math:`\\mathrm{WSPL} = \\sum_i w_i \\frac{1}{Q}\\sum_{u} \\mathrm{SPL}_i(u)`,
    with :math:`w_i` the sales-value share of series i over the last
    ``weight_window`` training periods and SPL as in
    :func:`~forecastkit.evaluate.scaled_pinball`.

    This scores one level only: the series present in ``df``. Quantiles of a
    sum are not sums of quantiles, so aggregate-level quantile forecasts
    cannot be derived from bottom-level ones; M5 asked participants for
    quantile forecasts of every aggregate series. To reproduce its
    multi-level score, aggregate actuals and training data to each level
    yourself (one series per group), forecast those series, call ``wspl``
    once per level and average the results.

    References
    ----------
    University of Nicosia (2020), "The M5 Uncertainty Competition: Competitors'
    Guide", eq. (1)-(2); Makridakis et al. (2022), "The M5 uncertainty
    competition: Results, findings and conclusions", IJF 38(4).

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=3)
    >>> train = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(days) * 2,
    ...                       "y": [1.0, 3.0, 1.0, 2.0, 2.0, 4.0]})
    >>> df = pd.DataFrame({"unique_id": ["a", "b"], "y": [2.0, 4.0], "q0.5": [4.0, 4.0]})
    >>> # a: pinball 0.5 * 2 = 1, scale 2, SPL 0.5, weight 5 / 13; b: SPL 0
    >>> out = wspl(df, train_df=train, quantiles=[0.5], weight_window=3)
    >>> round(float(out["yhat"].iloc[0]), 4)
    0.1923
    """
    df = _as_pandas(df, "df")
    models = _as_list(models)
    weight_window = positive_int(weight_window, "weight_window")
    qcols = _quantile_columns(models, quantiles, quantile_format)
    flat = [c for cols in qcols.values() for c in cols.values()]
    _check_forecast_frame(df, flat, id_col=id_col, target_col=target_col)
    extra = [price_col] if price_col is not None else []
    train = _prepare_train(
        train_df,
        df,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        metric="wspl",
        extra_cols=extra,
    )
    loss = _mean_pinball(df, qcols, id_col=id_col, target_col=target_col).set_index(id_col)
    scale = _naive_scales(
        train, id_col=id_col, target_col=target_col, lag=1, power=1, trim_leading_zeros=True
    )
    spl = loss.div(scale.where(scale > 0).reindex(loss.index), axis=0)
    revenue = _revenue_by_series(
        train,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        price_col=price_col,
        weight_window=weight_window,
    )
    labels = pd.Series(spl.index.astype(str), index=spl.index)
    total = _weighted_sum(spl, revenue, labels, metric="wspl")
    return pd.DataFrame([total.to_dict()], columns=models)
