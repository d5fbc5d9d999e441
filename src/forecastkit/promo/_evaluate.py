"""The measured effect of a past promotion (:func:`forecastkit.promo.evaluate`).

:func:`evaluate` answers "what did that promotion bring?": it fits a
forecaster only on the history before the promotion, forecasts what would
have sold without it (the counterfactual baseline), and compares with what
did sell, over the promotion window and over the days after it, where
demand pulled forward by the promotion shows up as a dip.

Scope: sales lift, pull-forward and ROI on sales data. Customer-level
retention, click-through and conversion funnels need customer data that
this library does not take.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._estimator import fresh_copy
from forecastkit._values import per_id
from forecastkit.data import prepare
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values

__all__ = ["cleanse_promotions", "evaluate"]

logger = logging.getLogger(__name__)

_COLS = ("id_col", "time_col", "target_col")


def evaluate(
    df: pd.DataFrame,
    start: Any,
    end: Any,
    ids: Sequence[Any] | None = None,
    dip_window: int = 7,
    margin: float | Mapping | pd.Series | None = None,
    promo_cost: float | Mapping | pd.Series | None = None,
    forecaster: Any = None,
    *,
    promo_col: str | None = None,
    calibration_windows: int = 0,
    n_paths: int = 500,
    level: float = 0.9,
    seed: int = 0,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Measured lift, pull-forward dip and ROI of a past promotion.

    A forecaster is fitted on each series' history *before* ``start`` only
    (nothing from the promotion window or after it is seen), and forecasts
    the window and the ``dip_window`` periods after it: the baseline, what
    would have sold without the promotion. Then, per series:

    * ``lift = actual - baseline`` summed over ``start..end``;
    * ``lift_lo, lift_hi``: the central ``level`` interval of the lift, from
      the forecaster's sample paths of the baseline (the actuals are known);
    * ``dip = actual - baseline`` summed over the ``dip_window`` periods after
      ``end`` (negative when the promotion pulled demand forward; NaN when
      the data stop at ``end``);
    * ``roi = (margin * (lift + dip) - promo_cost) / promo_cost`` when both
      ``margin`` (per unit) and ``promo_cost`` are given, the dip counted
      against the promotion (a dip of 0 when it is unknown).

    Parameters
    ----------
    df : pandas.DataFrame
        Sales: ``id_col, time_col, target_col``, covering the history before
        ``start``, the promotion window and preferably the dip window.
    start, end : date-like
        First and last day of the promotion (inclusive).
    ids : sequence, optional
        Series the promotion ran on (default: all).
    dip_window : int, default=7
        Periods after ``end`` in which to look for the pull-forward dip.
    margin, promo_cost : float, mapping or pandas.Series, optional
        Unit margin and promotion cost, one for all series or one per id.
    forecaster : estimator, optional
        Any forecastkit forecaster with ``fit``, ``predict`` and
        ``sample_paths`` (default :class:`~forecastkit.StatsForecaster` with
        its defaults). It is fitted here, on the pre-promotion history.
    promo_col : str, optional
        A 0/1 column of ``df`` flagging the days each series was on
        promotion. Earlier promotions in the history are then cleansed
        before the baseline is fitted (:func:`cleanse_promotions`), so that
        they do not lift the baseline and shrink the measured lift. Without
        it, the history is used as it is.
    calibration_windows : int, default=0
        Placebo windows used to calibrate the lift interval: the
        forecaster is refitted before each of the ``calibration_windows``
        windows of the promotion's length that precede it (on the cleansed
        history when ``promo_col`` is given), and its interval's misses
        there, pooled over series and windows, rescale the interval
        (split-conformal: the half-widths are multiplied by the ``level``
        conformal quantile of the scores ``|actual - median| / half-width``).
        0 keeps the forecaster's own interval. Each window costs one fit.
    n_paths, level, seed : int, float, int
        Sample paths for the interval, its coverage, and their seed.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``id_col, actual, baseline, lift, lift_lo,
        lift_hi, dip, roi``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastkit import StatsForecaster
    >>> from forecastkit.promo import evaluate
    >>> days = pd.date_range("2024-01-01", periods=70, freq="D")
    >>> y = np.tile([10.0, 12, 11, 13, 9, 20, 25], 10)
    >>> y[56:63] += 15   # a one-week promotion adds 15 a day...
    >>> y[63:66] -= 4    # ...and pulls 12 units forward from the next days
    >>> sales = pd.DataFrame({"unique_id": "A", "ds": days, "y": y})
    >>> naive = StatsForecaster(season_length=7, models=["seasonal_naive"])
    >>> out = evaluate(sales, days[56], days[62], forecaster=naive, margin=3.0, promo_cost=100.0)
    >>> out[["lift", "dip", "roi"]].round(2).to_dict("records")
    [{'lift': 105.0, 'dip': -12.0, 'roi': 1.79}]
    """
    frame, freq = _check_frame(df, id_col, time_col, target_col, promo_col)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 < t0:
        raise InvalidParameterError(f"end ({t1.date()}) is before start ({t0.date()}).")
    if int(dip_window) != dip_window or dip_window < 0:
        raise InvalidParameterError(f"dip_window must be a whole number >= 0, got {dip_window!r}.")
    chosen = _choose(frame, ids, id_col)
    frame = frame[frame[id_col].isin(chosen)]
    history = frame[frame[time_col] < t0]
    missing = chosen.difference(pd.Index(history[id_col].unique()))
    if len(missing):
        raise DataValidationError(
            f"{len(missing)} series have no history before {t0.date()}: "
            f"{format_values(missing)}; a baseline needs data from before the promotion."
        )
    cols = dict(zip(_COLS, (id_col, time_col, target_col), strict=True))
    if forecaster is None:
        from forecastkit.timeseries import StatsForecaster

        forecaster = StatsForecaster()
    if not all(hasattr(forecaster, m) for m in ("fit", "predict", "sample_paths")):
        raise InvalidParameterError(
            f"forecaster {type(forecaster).__name__} needs fit, predict and sample_paths "
            "(the lift interval comes from sample paths); use StatsForecaster or LGBMForecaster."
        )
    if promo_col is not None:
        history = _cleanse(
            history,
            promo_col,
            freq=freq,
            season_length=None,
            neighbours=4,
            cols=(id_col, time_col, target_col),
        )
    forecaster.fit(history[[id_col, time_col, target_col]], **cols)
    freq = forecaster.freq_
    last = history.groupby(id_col)[time_col].max()
    dip_end = t1 + int(dip_window) * pd.tseries.frequencies.to_offset(freq)
    h = len(pd.date_range(last.min(), dip_end, freq=freq)) - 1
    paths = forecaster.sample_paths(h, int(n_paths), seed=seed)
    mean = forecaster.predict(h)
    scale = 1.0
    if calibration_windows:
        scale = _placebo_scale(
            forecaster,
            history,
            (t0, t1, freq),
            int(calibration_windows),
            (level, int(n_paths), seed),
            (id_col, time_col, target_col),
        )
    return _summarise(
        frame,
        mean,
        paths,
        (t0, t1, dip_end),
        chosen,
        level=level,
        money=(margin, promo_cost),
        cols=(id_col, time_col, target_col),
        scale=scale,
    )


def _placebo_scale(
    forecaster: Any,
    history: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp, str],
    n_windows: int,
    draws: tuple[float, int, int],
    cols: tuple[str, str, str],
) -> float:
    """Split-conformal factor of the interval half-widths, from placebo windows.

    Window ``j`` (1..n_windows) covers the ``L`` periods (the promotion's
    length) that end ``(j - 1) L + 1`` periods before the promotion; a fresh
    copy of the forecaster is fitted on the history before it. For each
    series, with ``m`` the median of the path sums over the window and
    ``lo, hi`` their central ``level`` quantiles, the score of the actual
    sum ``a`` is ``(a - m) / (hi - m)`` above the median and ``(m - a) / (m -
    lo)`` below it. The factor is the ``ceil((n + 1) level)``-th smallest of
    the ``n`` pooled scores (the largest when ``n`` is too small for that).
    """
    t0, t1, freq = window
    level, n_paths, seed = draws
    id_col, time_col, target_col = cols
    step = pd.tseries.frequencies.to_offset(freq)
    length = len(pd.date_range(t0, t1, freq=freq))
    tail = (1 - level) / 2
    scores = []
    for j in range(1, n_windows + 1):
        p0 = t0 - j * length * step
        p1 = p0 + (length - 1) * step
        train = history[history[time_col] < p0]
        inside = history[(history[time_col] >= p0) & (history[time_col] <= p1)]
        counts = train.groupby(id_col)[time_col].size()
        ids = pd.Index(counts.index[counts.to_numpy() >= 2 * length]).intersection(
            pd.Index(inside[id_col].unique())
        )
        if len(ids) == 0:
            logger.warning("placebo window %d (from %s) has too little history; skipped", j, p0)
            continue
        train = train[train[id_col].isin(ids)]
        model = fresh_copy(forecaster)
        model.fit(train[[id_col, time_col, target_col]], **dict(zip(_COLS, cols, strict=True)))
        last = train.groupby(id_col)[time_col].max()
        h = len(pd.date_range(last.min(), p1, freq=freq)) - 1
        paths = model.sample_paths(h, n_paths, seed=seed)
        sums = _window_sum(paths, target_col, p0, p1, [id_col, "sample"], time_col)
        q = sums.groupby(level=0).quantile([tail, 0.5, 1 - tail]).unstack().reindex(ids)
        actual = _window_sum(inside, target_col, p0, p1, id_col, time_col).reindex(ids)
        lo, med, hi = (q.iloc[:, i].to_numpy(dtype=float) for i in range(3))
        a = actual.to_numpy(dtype=float)
        width = np.where(a >= med, hi - med, med - lo)
        gap = np.abs(a - med)
        scores.append(
            np.where(
                width > 0, gap / np.where(width > 0, width, 1.0), np.where(gap > 0, np.inf, 0.0)
            )
        )
    if not scores:
        logger.warning("no placebo window had enough history: the interval is not calibrated")
        return 1.0
    pooled = np.sort(np.concatenate(scores))
    rank = int(np.ceil((len(pooled) + 1) * level))
    factor = float(pooled[min(rank, len(pooled)) - 1])
    logger.info("placebo calibration: %d scores, interval factor %.3g", len(pooled), factor)
    return factor if np.isfinite(factor) else float(pooled[np.isfinite(pooled)].max(initial=1.0))


def _check_frame(
    df: pd.DataFrame, id_col: str, time_col: str, target_col: str, promo_col: str | None
) -> tuple[pd.DataFrame, str]:
    """The sales through :func:`forecastkit.prepare`: checked, on a complete grid.

    Negative sales are an error here (a lift measured on clipped data would
    be wrong), missing periods are zero sales (and no promotion), as
    everywhere else.
    """
    keep = [id_col, time_col, target_col]
    if promo_col is not None:
        if promo_col not in df.columns:
            raise DataValidationError(
                f"promo_col {promo_col!r} is not a column of df (columns: "
                f"{format_values(list(df.columns), 10)}); pass the 0/1 promotion flag's name."
            )
        keep.append(promo_col)
    prepared = prepare(
        df[keep],
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        negative="error",
        exog_missing="zero",
    )
    frame = prepared.df[keep]
    if promo_col is not None:
        frame = frame.assign(**{promo_col: _flags(frame, promo_col, id_col, time_col)})
    return frame, prepared.freq


def _flags(frame: pd.DataFrame, promo_col: str, id_col: str, time_col: str) -> np.ndarray:
    """The promotion column as booleans; anything but 0/1 (or True/False) is an error."""
    values = pd.to_numeric(frame[promo_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        rows = frame[bad]
        raise DataValidationError(
            f"promo_col {promo_col!r} has {int(bad.sum())} value(s) other than 0/1 in series "
            f"{format_values(pd.unique(rows[id_col]))} (dates "
            f"{format_values(pd.DatetimeIndex(rows[time_col]))}); flag promotion days with 1 "
            "and the others with 0."
        )
    return values == 1.0


def cleanse_promotions(
    df: pd.DataFrame,
    promo_col: str,
    *,
    season_length: int | None = None,
    neighbours: int = 4,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Replace the sales of promotion days by those of comparable regular days.

    A baseline fitted on a history with promotions in it learns their lift
    as part of normal demand. Each flagged period's sales are replaced by the
    mean of the same series' unflagged periods at the same position of the
    season, up to ``neighbours`` seasons before and after (daily data: the
    same weekday in the four weeks either side). A period with no such
    neighbour gets the mean of all the series' unflagged periods; a series
    that is always on promotion is left as it is (with a warning).

    Parameters
    ----------
    df : pandas.DataFrame
        Sales with ``id_col, time_col, target_col`` and ``promo_col`` (0/1),
        checked by :func:`forecastkit.prepare`.
    promo_col : str
        The promotion flag.
    season_length : int, optional
        Seasonal period whose position is matched: default 7 for daily data
        (the weekday), else 1 (the nearest periods).
    neighbours : int, default=4
        Seasons looked at on each side.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The prepared frame (complete grid, sorted) with the promotion
        periods' ``target_col`` replaced; the flag column is kept.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=21, freq="D")
    >>> sales = pd.DataFrame({"unique_id": "A", "ds": days, "y": [10.0] * 21,
    ...                       "promo": [0] * 21})
    >>> sales.loc[7, ["y", "promo"]] = [30.0, 1]    # a one-day promotion on a Monday
    >>> sales.loc[14, "y"] = 13.0                   # the next Monday sold 13
    >>> cleanse_promotions(sales, "promo").loc[7, "y"]   # mean of the Mondays 10 and 13
    np.float64(11.5)
    """
    frame, freq = _check_frame(df, id_col, time_col, target_col, promo_col)
    return _cleanse(
        frame,
        promo_col,
        freq=freq,
        season_length=season_length,
        neighbours=neighbours,
        cols=(id_col, time_col, target_col),
    )


def _cleanse(
    frame: pd.DataFrame,
    promo_col: str,
    *,
    freq: str,
    season_length: int | None,
    neighbours: int,
    cols: tuple[str, str, str],
) -> pd.DataFrame:
    """:func:`cleanse_promotions` on a prepared frame (sorted, complete grid, boolean flag)."""
    id_col, _, target_col = cols
    if int(neighbours) != neighbours or neighbours < 1:
        raise InvalidParameterError(f"neighbours must be a whole number >= 1, got {neighbours!r}.")
    season = season_length or (7 if freq in ("D", "1D") else 1)
    flag = frame[promo_col].to_numpy(dtype=bool)
    if not flag.any():
        return frame
    y = frame[target_col].to_numpy(dtype=float)
    codes = pd.factorize(frame[id_col])[0]
    rows = np.flatnonzero(flag)
    steps = season * np.concatenate((-np.arange(1, neighbours + 1), np.arange(1, neighbours + 1)))
    near = rows[:, None] + steps[None, :]
    inside = (near >= 0) & (near < len(y))
    near = np.where(inside, near, 0)
    usable = inside & (codes[near] == codes[rows][:, None]) & ~flag[near]
    total = np.where(usable, y[near], 0.0).sum(axis=1)
    count = usable.sum(axis=1)
    regular = pd.Series(np.where(flag, np.nan, y)).groupby(codes).transform("mean").to_numpy()
    fill = np.where(count > 0, total / np.maximum(count, 1), regular[rows])
    always = np.isnan(fill)
    if always.any():
        logger.warning(
            "%d series are on promotion in every period of the history; their sales are used "
            "as they are: %s",
            len(np.unique(codes[rows[always]])),
            format_values(pd.unique(frame[id_col].to_numpy()[rows[always]])),
        )
    y = y.copy()
    y[rows[~always]] = fill[~always]
    out = frame.copy()
    out[target_col] = y
    return out


def _choose(frame: pd.DataFrame, ids: Sequence[Any] | None, id_col: str) -> pd.Index:
    present = pd.Index(frame[id_col].unique())
    if ids is None:
        return present
    chosen = pd.Index(list(ids))
    unknown = chosen.difference(present)
    if len(unknown):
        raise DataValidationError(f"ids not in df: {format_values(unknown)}.")
    return chosen


def _window_sum(
    frame: pd.DataFrame, col: str, lo: Any, hi: Any, id_col: str | list[str], time_col: str
) -> pd.Series:
    inside = frame[(frame[time_col] >= lo) & (frame[time_col] <= hi)]
    return inside.groupby(id_col)[col].sum()


def _summarise(
    frame: pd.DataFrame,
    mean: pd.DataFrame,
    paths: pd.DataFrame,
    dates: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp],
    chosen: pd.Index,
    *,
    level: float,
    money: tuple[Any, Any],
    cols: tuple[str, str, str],
    scale: float = 1.0,
) -> pd.DataFrame:
    """The per-series table: actual, baseline, lift with its interval, dip, ROI."""
    t0, t1, dip_end = dates
    id_col, time_col, target_col = cols
    margin, promo_cost = money
    actual = _window_sum(frame, target_col, t0, t1, id_col, time_col).reindex(chosen)
    short = actual.isna() | ~chosen.isin(frame.loc[frame[time_col] >= t1, id_col].unique())
    if short.any():
        raise DataValidationError(
            f"{int(short.sum())} series have no sales to {t1.date()}, the promotion's end: "
            f"{format_values(chosen[short.to_numpy()])}; the lift needs the whole window."
        )
    baseline = _window_sum(mean, "yhat", t0, t1, id_col, time_col).reindex(chosen)
    path_sum = _window_sum(paths, target_col, t0, t1, [id_col, "sample"], time_col)
    tail = (1 - level) / 2
    q = path_sum.groupby(level=0).quantile([tail, 0.5, 1 - tail]).unstack().reindex(chosen)
    med = q.iloc[:, 1].to_numpy(dtype=float)
    base_lo = np.clip(med - scale * (med - q.iloc[:, 0].to_numpy(dtype=float)), 0.0, None)
    base_hi = med + scale * (q.iloc[:, 2].to_numpy(dtype=float) - med)
    dips = _dip(frame, mean, (t1, dip_end), chosen, cols)
    out = pd.DataFrame(
        {
            id_col: chosen.to_numpy(),
            "actual": actual.to_numpy(dtype=float),
            "baseline": baseline.to_numpy(dtype=float),
        }
    )
    out["lift"] = out["actual"] - out["baseline"]
    out["lift_lo"] = out["actual"] - base_hi
    out["lift_hi"] = out["actual"] - base_lo
    out["dip"] = dips
    out["roi"] = np.nan
    if margin is not None and promo_cost is not None:
        m = per_id(margin, "margin", chosen, minimum=0, what="series")
        c = per_id(promo_cost, "promo_cost", chosen, minimum=0, what="series")
        gain = m * (out["lift"].to_numpy() + np.nan_to_num(out["dip"].to_numpy()))
        out["roi"] = np.where(c > 0, (gain - c) / np.where(c > 0, c, 1.0), np.nan)
    return out


def _dip(
    frame: pd.DataFrame,
    mean: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp],
    chosen: pd.Index,
    cols: tuple[str, str, str],
) -> np.ndarray:
    """Actual minus baseline after the promotion; NaN where the data stop early."""
    t1, dip_end = window
    id_col, time_col, target_col = cols
    if dip_end <= t1:
        return np.zeros(len(chosen))
    after = frame[(frame[time_col] > t1) & (frame[time_col] <= dip_end)]
    covered = after.groupby(id_col)[time_col].max().reindex(chosen)
    actual = after.groupby(id_col)[target_col].sum().reindex(chosen)
    expected = mean[(mean[time_col] > t1) & (mean[time_col] <= dip_end)]
    expected = expected.groupby(id_col)["yhat"].sum().reindex(chosen)
    complete = (covered >= dip_end).to_numpy()
    return np.where(complete, (actual - expected).to_numpy(dtype=float), np.nan)
