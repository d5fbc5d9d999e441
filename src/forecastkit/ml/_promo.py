"""Promotion and price features of the LightGBM forecaster, vectorized over series.

Rows follow the shared layout of :mod:`forecastkit.ml`: sorted by series then
date, ``codes`` (series index of each row), ``starts`` (row offsets) and
``dates`` (``datetime64[ns]``), one row per period (no gaps inside a series,
as :func:`forecastkit.prepare` guarantees), history rows followed by future
rows when forecasting. Rolling windows count rows, so they are windows of
periods. Every kernel works on the flat arrays with group boundaries (offset
cumulative sums, block-wise running maxima, sliding windows), never a loop
over series.

Look-ahead
----------
All features but one use the row's own values and earlier rows of the same
series only: changing any value after row ``r`` leaves the features of row
``r`` unchanged. The exception is ``promo_days_to_end``, which looks forward
along the promotion calendar to the last day of the running promotion. It
only reads the promotion flags, an exogenous input the user plans and must
supply for the forecast horizon anyway (``X_future``), never the target, so
it is known at forecast time. ``price_rel_category`` reads the prices of the
other series of the category on the same date only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from forecastkit._grid import _DAY
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.ml._dates import _date_index
from forecastkit.ml._layout import _check_groups, _check_layout, _describe_rows, _numeric

__all__ = ["estimate_regular_price", "price_features", "promo_features", "promo_type_categories"]

logger = logging.getLogger(__name__)

_CHUNK_CELLS = 1 << 18  # window cells per chunk of the rolling median


# --------------------------------------------------------------------------- kernels
def _rolling_max(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Maximum of each row's last ``window`` values within its series, NaN skipped.

    van Herk / Gil-Werman: each series is copied into its own region of a
    buffer, preceded by ``window - 1`` empty cells and padded to a multiple
    of ``window``; with blocks of ``window`` cells, the window ending at cell
    ``q`` is the suffix maximum of its first block from ``q - window + 1``
    and the prefix maximum of its last block up to ``q``. Linear in the rows
    whatever the window. All-NaN windows give NaN.
    """
    lengths = np.diff(starts)
    region = -(-(lengths + window - 1) // window) * window
    shift = np.concatenate(([0], np.cumsum(region)[:-1])) + window - 1 - starts[:-1]
    cells = np.arange(len(values), dtype=np.int64) + np.repeat(shift, lengths)
    buffer = np.full(int(region.sum()), -np.inf, dtype=np.float32)
    buffer[cells] = np.where(np.isnan(values), -np.inf, values)
    blocks = buffer.reshape(-1, window)
    prefix = np.maximum.accumulate(blocks, axis=1).ravel()
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    out = np.maximum(suffix[cells - window + 1], prefix[cells])
    out[np.isneginf(out)] = np.nan
    return out


def _series_first(codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """First row of each row's series."""
    return starts[:-1][codes]


def _rolling_count(flags: np.ndarray, codes: np.ndarray, starts: np.ndarray, window: int):
    """Number of true flags among each row's last ``window`` rows of its series."""
    total = np.zeros(len(flags) + 1, dtype=np.int64)
    np.cumsum(flags, out=total[1:])
    rows = np.arange(1, len(flags) + 1)
    return total[rows] - total[np.maximum(rows - window, _series_first(codes, starts))]


def _median_rows(block: np.ndarray) -> np.ndarray:
    """Median of each row of ``block``, NaN skipped (NaN when the row is all NaN).

    Rows are sorted (NaN sort last; numpy's vectorized sort beats a
    partition on short rows) and the two middle known values averaged.
    """
    ordered = np.sort(block, axis=1)
    count = block.shape[1] - np.isnan(block).sum(axis=1)
    middle = np.stack([np.maximum(count - 1, 0) // 2, count // 2], axis=1)
    pick = np.take_along_axis(ordered, np.minimum(middle, block.shape[1] - 1), axis=1)
    return np.where(count > 0, 0.5 * (pick[:, 0] + pick[:, 1]), np.nan).astype(np.float32)


def _rolling_median(
    values: np.ndarray, codes: np.ndarray, starts: np.ndarray, window: int
) -> np.ndarray:
    """Median of each row's last ``window`` values within its series, NaN skipped.

    A sliding-window view over the values (``window - 1`` NaN in front),
    processed in chunks of rows; cells before the series' first row are
    blanked before the rows are sorted.
    """
    n_rows = len(values)
    if n_rows == 0:
        return np.zeros(0, dtype=np.float32)
    padded = np.concatenate((np.full(window - 1, np.nan, np.float32), values))
    windows = sliding_window_view(padded, window)
    offset = np.arange(n_rows) - _series_first(codes, starts)  # earlier rows in the series
    column = np.arange(window)
    out = np.empty(n_rows, dtype=np.float32)
    step = max(1, _CHUNK_CELLS // window)
    for begin in range(0, n_rows, step):
        block = windows[begin : begin + step].copy()
        lead = window - 1 - offset[begin : begin + step]  # cells before the series start
        short = lead > 0
        if short.any():
            head = block[short]
            head[column[None, :] < lead[short][:, None]] = np.nan
            block[short] = head
        out[begin : begin + step] = _median_rows(block)
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 or NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(num / den)
    out[~np.isfinite(out)] = np.nan
    return out


# --------------------------------------------------------------------------- checks
def _check_window(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(f"{name} must be a positive number of periods, got {value!r}.")
    return int(value)


def _check_windows(windows: Any) -> tuple[int, ...]:
    if isinstance(windows, (int, np.integer)):
        windows = (windows,)
    return tuple(_check_window(w, "windows entries") for w in windows)


def _check_flags(promo: Any, layout: tuple, ids: Any) -> np.ndarray:
    """Promotion flags as float64 0/1/NaN."""
    flags = _numeric(promo, "promo", layout, ids)
    bad = ~np.isnan(flags) & (flags != 0) & (flags != 1)
    if bad.any():
        raise DataValidationError(
            f"promo must hold 0/1 flags (or NaN when unknown); {int(bad.sum())} values such as "
            f"{format_values(np.unique(flags[bad]).tolist())} in "
            f"{_describe_rows(bad, layout[0], layout[1], ids)}. Pass promo=(df['promo'] > 0) "
            "or the discount as price and regular_price."
        )
    return flags


# --------------------------------------------------------------------------- regular price
def estimate_regular_price(
    codes: np.ndarray,
    starts: np.ndarray,
    price: Any,
    *,
    window: int = 28,
    ids: Any = None,
) -> np.ndarray:
    """Regular (undiscounted) price: the highest price of the last ``window`` periods.

    Parameters
    ----------
    codes : numpy.ndarray
        ``(n_rows,)`` series index of each row.
    starts : numpy.ndarray
        ``(n_series + 1,)`` row offsets of the series.
    price : array-like
        ``(n_rows,)`` selling price, >= 0, NaN when unknown.
    window : int, default=28
        Periods looked back, the current one included (28 days for daily
        data; about 8 for weekly data).
    ids : array-like, optional
        ``(n_series,)`` series ids, used in error messages only.

    Returns
    -------
    numpy.ndarray
        ``(n_rows,)`` float32: maximum of the known prices of the series
        over rows ``r - window + 1 .. r``; NaN when all of them are unknown.

    Raises
    ------
    DataValidationError
        On a price column that is not numeric, has the wrong length, or holds
        negative or infinite values.

    Notes
    -----
    Shelf prices drop for promotions and return afterwards, so the running
    maximum recovers the regular price as long as promotions last less than
    ``window`` periods; a lasting price cut becomes the regular price after
    ``window`` periods. Only the row and earlier rows are read.

    Examples
    --------
    >>> codes, starts = np.array([0, 0, 0, 0, 1, 1]), np.array([0, 4, 6])
    >>> estimate_regular_price(codes, starts, [10, 8, 8, 9, 5, np.nan], window=2)
    array([10., 10.,  8.,  9.,  5.,  5.], dtype=float32)
    """
    codes, starts = _check_groups(codes, starts)
    values = _numeric(price, "price", (codes, None), ids, negative=False)
    return _rolling_max(values.astype(np.float32), starts, _check_window(window, "window"))


# --------------------------------------------------------------------------- promotion
def _labels(values: Any, name: str, n_rows: int) -> np.ndarray:
    """Per-row labels as a 1-D array (numpy dtype kept, pandas converted)."""
    labels = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values
    labels = np.asarray(labels)
    if labels.shape != (n_rows,):
        raise DataValidationError(
            f"{name} must have one label per row ({n_rows}), got shape {labels.shape}."
        )
    return labels


def promo_type_categories(promo_type: Any) -> np.ndarray:
    """Sorted distinct promotion types, missing values left out.

    Store it at fit time and pass it as ``type_categories`` at predict time,
    so that :func:`promo_features` codes the types the same way.

    Examples
    --------
    >>> promo_type_categories(["tpr", None, "bogo", "tpr"]).tolist()
    ['bogo', 'tpr']
    """
    labels = promo_type.to_numpy() if isinstance(promo_type, (pd.Series, pd.Index)) else promo_type
    uniques = pd.factorize(np.asarray(labels).ravel())[1]
    return np.asarray(pd.Categorical(np.asarray(uniques, dtype=object)).categories)


def _type_codes(promo_type: Any, categories: Any, n_rows: int) -> np.ndarray:
    """Code of each row's label among ``categories``; NaN for missing or unknown labels."""
    row_codes, uniques = pd.factorize(_labels(promo_type, "promo_type", n_rows))
    known = pd.Index(promo_type_categories(uniques) if categories is None else categories)
    if not known.is_unique:
        raise InvalidParameterError(
            f"type_categories has repeated labels {format_values(known[known.duplicated()])}; "
            "pass each promotion type once, e.g. promo_type_categories(fit_types)."
        )
    lookup = known.get_indexer(pd.Index(uniques, dtype=object)).astype(np.float32)
    lookup[lookup < 0] = np.nan
    return np.where(row_codes >= 0, lookup[np.maximum(row_codes, 0)], np.float32(np.nan))


def _timing(flags: np.ndarray, codes: np.ndarray, starts: np.ndarray, stamps: np.ndarray):
    """Days since the last promotion, into the current one and to its end."""
    on = flags == 1
    rows = np.arange(len(on))
    first, end = starts[:-1][codes], starts[1:][codes]
    last_on = np.maximum.accumulate(np.where(on, rows, -1))
    last_off = np.maximum.accumulate(np.where(on, -1, rows))
    next_off = np.minimum.accumulate(np.where(on, len(on), rows)[::-1])[::-1]
    run_start = np.maximum(last_off + 1, first)
    run_end = np.minimum(next_off, end) - 1
    day = stamps / _DAY
    return {
        "promo_days_since": np.where(last_on >= first, day - day[np.maximum(last_on, 0)], np.nan),
        "promo_days_in": np.where(on, day - day[np.minimum(run_start, len(on) - 1)], np.nan),
        "promo_days_to_end": np.where(on, day[np.maximum(run_end, 0)] - day, np.nan),
    }


def promo_features(
    codes: np.ndarray,
    starts: np.ndarray,
    dates: np.ndarray,
    *,
    promo: Any = None,
    price: Any = None,
    regular_price: Any = None,
    promo_type: Any = None,
    type_categories: Sequence | None = None,
    windows: Sequence[int] = (7, 28),
    regular_window: int = 28,
    min_depth: float = 0.05,
    ids: Any = None,
) -> dict[str, np.ndarray]:
    """Promotion features: flag, discount depth, type, timing and fatigue.

    Parameters
    ----------
    codes, starts, dates : numpy.ndarray
        Shared row layout: series index of each row, row offsets of the
        series, ``datetime64`` date of each row (increasing within a series).
    promo : array-like, optional
        ``(n_rows,)`` promotion flag, 0/1 or bool, NaN when unknown. When
        omitted and ``price`` is given, a period is a promotion when its
        depth is at least ``min_depth``.
    price : array-like, optional
        ``(n_rows,)`` selling price (>= 0, NaN when unknown); gives the depth.
    regular_price : array-like, optional
        ``(n_rows,)`` undiscounted price; estimated with
        :func:`estimate_regular_price` over ``regular_window`` when omitted.
    promo_type : array-like, optional
        ``(n_rows,)`` promotion mechanism labels (``"tpr"``, ``"bogo"``...),
        missing outside promotions.
    type_categories : sequence, optional
        Known labels, in code order; None means :func:`promo_type_categories`
        of ``promo_type``. Pass the fit-time categories at predict time.
    windows : sequence of int, default=(7, 28)
        Periods of the fatigue counts.
    regular_window : int, default=28
        ``window`` of :func:`estimate_regular_price`.
    min_depth : float, default=0.05
        Depth from which a price cut counts as a promotion (when ``promo``
        is omitted).
    ids : array-like, optional
        ``(n_series,)`` series ids, used in error messages only.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 arrays of length ``n_rows``, NaN where undefined; only the
        columns the inputs allow:

        * ``promo_flag``: 1 in a promotion, 0 outside, NaN unknown;
        * ``promo_depth``: ``1 - price / regular_price`` (0.2 = 20 % off;
          negative when a given regular price is below the price);
        * ``promo_type``: code of the label in ``type_categories`` (NaN for
          missing or unknown labels); a categorical feature for LightGBM;
        * ``promo_days_since``: days since the last promotion day of the
          series (0 during a promotion, NaN before the first one);
        * ``promo_days_in``: days since the current promotion started (0 on
          its first day), NaN outside promotions;
        * ``promo_days_to_end``: days to the last day of the current
          promotion (0 on it), NaN outside promotions; **reads ahead** along
          the promotion flags, see Notes;
        * ``promo_count<w>``: promotion periods among the last ``w`` periods,
          current one included (fatigue).

    Raises
    ------
    DataValidationError
        On inputs of the wrong length or type, infinite or negative prices,
        or promotion flags other than 0/1.
    InvalidParameterError
        On a malformed layout, window or ``min_depth``, or ``regular_price``
        without ``price``.

    Notes
    -----
    Unknown flags (NaN) count as no promotion in the timing and fatigue
    columns. ``promo_days_to_end`` is the only feature that reads later rows:
    it follows the promotion flags forward to the end of the running
    promotion (or of the series' rows, when the promotion is still running
    on the last one). The promotion plan is an exogenous input the user must
    give for the forecast horizon, never the target, so the value is known
    at forecast time. At fit time a promotion running past the end of the
    history is cut at the last history row.

    Examples
    --------
    >>> codes, starts = np.array([0, 0, 0, 0, 1, 1]), np.array([0, 4, 6])
    >>> dates = np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
    ...                   "2024-01-01", "2024-01-02"], dtype="datetime64[ns]")
    >>> X = promo_features(codes, starts, dates, promo=[0, 1, 1, 0, 1, 0],
    ...                    price=[10, 8, 8, 10, 5, 5], windows=(2,))
    >>> for name in ("promo_depth", "promo_days_since", "promo_days_to_end", "promo_count2"):
    ...     print(name, X[name])
    promo_depth [0.  0.2 0.2 0.  0.  0. ]
    promo_days_since [nan  0.  0.  1.  0.  1.]
    promo_days_to_end [nan  1.  0. nan  0. nan]
    promo_count2 [0. 1. 2. 1. 1. 1.]
    """
    codes, starts, stamps = _check_layout(codes, starts, dates)
    layout = (codes, stamps)
    windows = _check_windows(windows)
    if not (isinstance(min_depth, (int, float)) and 0 <= min_depth < 1):
        raise InvalidParameterError(f"min_depth must be in [0, 1), got {min_depth!r}.")
    if regular_price is not None and price is None:
        raise InvalidParameterError(
            "regular_price is given without price; the depth needs both. Pass price= too."
        )
    out: dict[str, np.ndarray] = {}
    flags = None if promo is None else _check_flags(promo, layout, ids)
    if price is not None:
        values = _numeric(price, "price", layout, ids, negative=False)
        if regular_price is None:
            window = _check_window(regular_window, "regular_window")
            regular = _rolling_max(values.astype(np.float32), starts, window)
        else:
            regular = _numeric(regular_price, "regular_price", layout, ids, negative=False)
        depth = 1.0 - _ratio(values, regular)
        if flags is None:
            flags = np.where(np.isnan(depth), np.nan, depth >= min_depth - 1e-9)
        out["promo_flag"] = flags.astype(np.float32)
        out["promo_depth"] = depth.astype(np.float32)
    elif flags is not None:
        out["promo_flag"] = flags.astype(np.float32)
    if promo_type is not None:
        out["promo_type"] = _type_codes(promo_type, type_categories, len(codes))
    if flags is not None:
        timing = _timing(flags, codes, starts, stamps)
        out.update({k: v.astype(np.float32) for k, v in timing.items()})
        on = (flags == 1).astype(np.int8)
        for w in windows:
            out[f"promo_count{w}"] = _rolling_count(on, codes, starts, w).astype(np.float32)
    return out


# --------------------------------------------------------------------------- price
def _category_codes(category: Any, codes: np.ndarray, n_series: int) -> np.ndarray:
    """Per-row category codes (-1 when missing); accepts per-row or per-series labels."""
    labels = np.asarray(category, dtype=object)
    if labels.ndim != 1 or len(labels) not in (len(codes), n_series):
        raise DataValidationError(
            f"category must have one label per row ({len(codes)}) or per series ({n_series}), "
            f"got shape {labels.shape}."
        )
    cat_codes = pd.factorize(labels)[0]
    return cat_codes if len(labels) == len(codes) else cat_codes[codes]


def _category_mean(values: np.ndarray, cats: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """Mean known price of each row's category on the row's date."""
    _, day = _date_index(stamps)
    n_days = int(day.max()) + 1 if len(day) else 0
    keys = cats.astype(np.int64) * n_days + day
    known = ~np.isnan(values) & (cats >= 0)
    size = (int(cats.max()) + 1) * n_days if len(cats) else 0
    sums = np.bincount(keys[known], weights=values[known], minlength=size)
    counts = np.bincount(keys[known], minlength=size)
    mean = _ratio(sums, counts)
    return np.where(cats >= 0, mean[np.maximum(keys, 0)], np.nan)


def price_features(
    codes: np.ndarray,
    starts: np.ndarray,
    dates: np.ndarray,
    *,
    price: Any,
    category: Any = None,
    windows: Sequence[int] = (7, 28),
    ids: Any = None,
    category_mean: Any = None,
) -> dict[str, np.ndarray]:
    """Price features: own price, relative to its recent max and median, change, category.

    Parameters
    ----------
    codes, starts, dates : numpy.ndarray
        Shared row layout (see :func:`promo_features`).
    price : array-like
        ``(n_rows,)`` selling price, >= 0, NaN when unknown.
    category : array-like, optional
        Category label per row ``(n_rows,)`` or per series ``(n_series,)``;
        adds ``price_rel_category``. Missing labels give NaN.
    windows : sequence of int, default=(7, 28)
        Periods of the rolling maximum and median (current one included).
    ids : array-like, optional
        ``(n_series,)`` series ids, used in error messages only.
    category_mean : array-like, optional
        ``(n_rows,)`` mean price of each row's category on its date, computed
        elsewhere: from the sums of a panel whose series are split across
        partitions (:mod:`forecastkit.ml._panel`). With ``category``, it
        replaces the mean over the given rows.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 arrays of length ``n_rows``, NaN where undefined:

        * ``price``: the price;
        * ``price_rel_max<w>``: price / maximum known price of the last ``w``
          periods (1 at the top, 0.8 at 20 % below it);
        * ``price_rel_median<w>``: price / median known price of the last
          ``w`` periods;
        * ``price_change``: price / previous period's price - 1 (NaN on the
          series' first row);
        * ``price_rel_category``: price / mean known price of the series of
          the same category on the same date, the series included.

    Raises
    ------
    DataValidationError
        On a price that is not numeric, has the wrong length, or holds
        negative or infinite values; on a category of the wrong length.
    InvalidParameterError
        On a malformed layout or window.

    Notes
    -----
    Rolling windows skip unknown prices; a ratio is NaN when the price or
    its reference is unknown or the reference is 0. Nothing reads later
    rows; the category mean reads other series at the same date only. The
    rolling maximum is linear in the rows (block-wise running maxima); the
    median partitions sliding windows in chunks, ``w`` operations per row.

    Examples
    --------
    >>> codes, starts = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 3, 6])
    >>> dates = np.array(["2024-01-01", "2024-01-02", "2024-01-03"] * 2, dtype="datetime64[ns]")
    >>> X = price_features(codes, starts, dates, price=[10, 8, 9, 4, 4, 3],
    ...                    category=["food", "food"], windows=(3,))
    >>> for name in ("price_rel_max3", "price_rel_median3", "price_change", "price_rel_category"):
    ...     print(name, X[name].round(3))
    price_rel_max3 [1.  0.8 0.9 1.  1.  0.75]
    price_rel_median3 [1.    0.889 1.    1.    1.    0.75 ]
    price_change [   nan -0.2    0.125    nan  0.    -0.25 ]
    price_rel_category [1.429 1.333 1.5   0.571 0.667 0.5  ]
    """
    codes, starts, stamps = _check_layout(codes, starts, dates)
    windows = _check_windows(windows)
    values = _numeric(price, "price", (codes, stamps), ids, negative=False)
    small = values.astype(np.float32)
    out = {"price": small.copy()}
    for w in windows:
        out[f"price_rel_max{w}"] = _ratio(small, _rolling_max(small, starts, w))
        out[f"price_rel_median{w}"] = _ratio(small, _rolling_median(small, codes, starts, w))
    previous = np.concatenate(([np.nan], values[:-1]))
    previous[starts[:-1][np.diff(starts) > 0]] = np.nan
    out["price_change"] = (_ratio(values, previous) - 1.0).astype(np.float32)
    if category is not None:
        cats = _category_codes(category, codes, len(starts) - 1)
        if category_mean is None:
            mean = _category_mean(values, cats, stamps)
        else:
            mean = np.where(cats >= 0, np.asarray(category_mean, dtype=np.float64), np.nan)
        out["price_rel_category"] = _ratio(values, mean).astype(np.float32)
    return out
