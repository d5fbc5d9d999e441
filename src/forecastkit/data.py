"""Validate and prepare sales frames: the one entry point every module uses.

Data contract
-------------
forecastkit works on *long* frames with one row per series and period:

* ``unique_id``: series identifier, any sortable dtype (kept as given);
* ``ds``: period timestamp on a regular grid (daily, anchored weekly,
  month/quarter/year starts or ends, hourly...);
* ``y``: the target (demand), numeric;
* every other column: an exogenous regressor.

Column names are configurable with ``id_col``, ``time_col`` and
``target_col``. :func:`prepare` checks a frame against this contract, infers
its frequency, inserts the periods missing inside each series and returns a
:class:`PreparedData` whose ``report`` records every change it made.

Examples
--------
>>> import pandas as pd
>>> sales = pd.DataFrame({
...     "unique_id": ["SKU-1", "SKU-1", "SKU-1", "SKU-2", "SKU-2"],
...     "ds": pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-26",
...                           "2024-01-05", "2024-01-12"]),
...     "y": [3, 5, 4, 1, 0],
... })
>>> prepared = prepare(sales)
>>> prepared.freq
'W-FRI'
>>> prepared.df
  unique_id         ds    y
0     SKU-1 2024-01-05  3.0
1     SKU-1 2024-01-12  5.0
2     SKU-1 2024-01-19  0.0
3     SKU-1 2024-01-26  4.0
4     SKU-2 2024-01-05  1.0
5     SKU-2 2024-01-12  0.0
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from forecastkit._checks import (
    _check_duplicates,
    _clean_target,
    _describe,
    _Keys,
    _per_series,
    _sorted_keys,
    _to_ns,
)
from forecastkit._grid import _dates, _Grid, _grid_positions, _infer_grid, _resolve_grid
from forecastkit.errors import (
    DataValidationError,
    DataWarning,
    InsufficientDataError,
    InvalidParameterError,
    format_values,
)

__all__ = [
    "QUANTILE_FORMAT",
    "PreparationReport",
    "PreparedData",
    "check_future_frame",
    "infer_freq",
    "prepare",
    "quantile_column",
    "series_lengths",
    "to_pandas",
]

logger = logging.getLogger(__name__)

#: Name of the forecast column holding quantile ``q`` (output contract).
QUANTILE_FORMAT = "q{q:g}"


def quantile_column(q: float) -> str:
    """Name of the forecast column holding quantile ``q``.

    Forecasts carry one column per quantile, named with ``%g`` so that
    ``0.9`` gives ``q0.9`` and ``0.05`` gives ``q0.05``.

    Examples
    --------
    >>> quantile_column(0.9), quantile_column(0.05), quantile_column(0.995)
    ('q0.9', 'q0.05', 'q0.995')
    """
    return QUANTILE_FORMAT.format(q=q)


_OPTIONS = {
    "missing": ("zero", "nan", "error"),
    "exog_missing": ("ffill", "nan", "zero"),
    "negative": ("clip", "error", "keep"),
    "nan_target": ("error", "zero", "keep", "drop"),
    "short": ("warn", "drop", "error"),
}


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class PreparationReport:
    """What :func:`prepare` found and changed.

    Attributes
    ----------
    n_series : int
        Series in the prepared frame.
    n_rows_in, n_rows_out : int
        Rows of the input frame and of the prepared frame.
    freq : str
        pandas offset alias of the time grid.
    filled : pandas.DataFrame
        ``id_col, n_filled``: periods inserted inside each series' range
        (only series with at least one).
    clipped : pandas.DataFrame
        ``id_col, n_negative``: negative targets per series (set to 0 when
        ``negative="clip"``).
    nan_target : pandas.DataFrame
        ``id_col, n_nan``: NaN targets per series in the input, treated as
        ``options["nan_target"]`` says.
    short_series : list
        Ids with fewer than ``min_length`` observed (non-NaN) targets.
    dropped_series : list
        Ids absent from the prepared frame (``short="drop"``, or every row
        removed by ``nan_target="drop"``).
    series : pandas.DataFrame
        ``id_col, start, end, n_obs`` for every prepared series.
    options : dict
        The policies used (``missing``, ``nan_target``...).
    """

    n_series: int
    n_rows_in: int
    n_rows_out: int
    freq: str
    filled: pd.DataFrame
    clipped: pd.DataFrame
    nan_target: pd.DataFrame
    short_series: list
    dropped_series: list
    series: pd.DataFrame
    options: dict = field(default_factory=dict)

    def summary(self) -> str:
        """A few human-readable lines describing the preparation."""
        opts = self.options
        lines = [
            f"{self.n_series} series, {self.n_rows_in} rows in, {self.n_rows_out} rows out, "
            f"freq {self.freq!r}"
        ]
        if len(self.filled):
            lines.append(
                f"filled {int(self.filled['n_filled'].sum())} missing periods in "
                f"{len(self.filled)} series (missing={opts.get('missing')!r})"
            )
        if len(self.clipped):
            verb = "clipped to 0" if opts.get("negative") == "clip" else "kept"
            lines.append(
                f"{int(self.clipped['n_negative'].sum())} negative targets in "
                f"{len(self.clipped)} series ({verb})"
            )
        if len(self.nan_target):
            lines.append(
                f"{int(self.nan_target['n_nan'].sum())} NaN targets in {len(self.nan_target)} "
                f"series (nan_target={opts.get('nan_target')!r})"
            )
        if self.short_series:
            lines.append(
                f"{len(self.short_series)} series with fewer than {opts.get('min_length')} "
                f"observations: {format_values(self.short_series)}"
            )
        if self.dropped_series:
            lines.append(
                f"dropped {len(self.dropped_series)} series: {format_values(self.dropped_series)}"
            )
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A validated frame and what is known about it.

    Attributes
    ----------
    df : pandas.DataFrame
        Validated copy: ``id_col`` (dtype kept), ``time_col``
        (``datetime64[ns]``, tz-naive), ``target_col`` (float64, when
        present), then the exogenous columns in input order; sorted by
        (id, time), one row per period between each series' first and last
        date, fresh RangeIndex.
    freq : str
        pandas offset alias of the grid (``"D"``, ``"W-FRI"``, ``"MS"``...).
    id_col, time_col : str
        Column names.
    target_col : str or None
        Target column, ``None`` when the frame had none
        (``require_target=False``).
    exog_cols : tuple of str
        Exogenous columns.
    report : PreparationReport
        What was found and changed.
    """

    df: pd.DataFrame
    freq: str
    id_col: str
    time_col: str
    target_col: str | None
    exog_cols: tuple[str, ...]
    report: PreparationReport

    def __repr__(self) -> str:
        return (
            f"PreparedData(n_series={self.report.n_series}, n_rows={len(self.df)}, "
            f"freq={self.freq!r}, exog_cols={self.exog_cols!r})"
        )


# --------------------------------------------------------------------------- input
def _check_options(**options: Any) -> None:
    for name, value in options.items():
        if value not in _OPTIONS[name]:
            raise InvalidParameterError(
                f"{name}={value!r} is not valid; choose one of {_OPTIONS[name]}."
            )


def _input_frame(df: Any, required: list[str], what: str) -> pd.DataFrame:
    frame = to_pandas(df)
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise DataValidationError(f"{what} has duplicated column names {format_values(dup)}.")
    if len(required) != len(set(required)):
        raise InvalidParameterError(f"id_col, time_col and target_col must differ, got {required}.")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        in_index = [c for c in missing if c in frame.index.names]
        raise DataValidationError(
            f"{what} has no column {format_values(missing)}; its columns are "
            f"{format_values(frame.columns.tolist(), 10)}. "
            + (f"{in_index} is in the index: call .reset_index() first. " if in_index else "")
            + "Rename the columns or pass id_col=, time_col=, target_col= to name yours."
        )
    if len(frame) == 0:
        raise DataValidationError(f"{what} is empty (0 rows); pass at least one row per series.")
    return frame


# --------------------------------------------------------------------------- filling
def _subset(keys: _Keys, keep: np.ndarray) -> _Keys:
    if keep.all():
        return keys
    return _Keys(keys.codes[keep], keys.ds[keep], keys.rows[keep], keys.uniques)


def _fill_plan(codes: np.ndarray, pos: np.ndarray) -> dict[str, np.ndarray]:
    """Full (series, period) grid: ``src`` row per grid cell (-1 where inserted)."""
    n = codes.size
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    first, last = pos[starts], pos[starts + counts - 1]
    lengths = last - first + 1
    grid_start = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    series = np.repeat(np.arange(starts.size), counts)
    src = np.full(total, -1, dtype=np.int64)
    src[grid_start[series] + pos - first[series]] = np.arange(n)
    full_pos = np.arange(total, dtype=np.int64) + np.repeat(first - grid_start, lengths)
    return dict(
        src=src,
        pos=full_pos,
        codes=codes[starts],
        first=first,
        last=last,
        n_filled=lengths - counts,
    )


def _raise_missing_periods(keys: _Keys, pos: np.ndarray, grid: _Grid) -> None:
    jump = np.r_[False, (keys.codes[1:] == keys.codes[:-1]) & (np.diff(pos) > 1)]
    if not jump.any():
        return
    n_missing = int((np.diff(pos)[jump[1:]] - 1).sum())
    first_missing = _dates(grid, np.r_[0, pos[:-1]][jump] + 1)
    raise DataValidationError(
        f"{n_missing} {grid.freq!r} periods are missing inside series; first missing dates "
        f"{_describe(keys.uniques, keys.codes[jump], first_missing)}. Pass missing='zero' to "
        "treat them as no sales, missing='nan' to mark them unknown, or add the rows."
    )


def _fill_exog(col: pd.Series, inserted: np.ndarray, policy: str) -> pd.Series:
    if policy == "ffill" or not inserted.any():
        return col
    if policy == "zero" and ptypes.is_bool_dtype(col.dtype):
        return col.where(~inserted, False)
    if policy == "zero" and ptypes.is_numeric_dtype(col.dtype):
        return col.where(~inserted, 0)
    return col.mask(inserted)


def _assemble(
    frame: pd.DataFrame, keys: _Keys, y: np.ndarray | None, plan: dict, grid: _Grid, **opts: Any
) -> pd.DataFrame:
    """The output frame: one take per input column, vectorized over all series."""
    src = plan["src"]
    inserted = src < 0
    ffill = np.maximum.accumulate(src) if src.size else src  # each series starts observed
    take = keys.rows[ffill]

    def column(name: str) -> pd.Series:
        return frame[name].iloc[take].reset_index(drop=True)

    data: dict[str, Any] = {
        opts["id_col"]: column(opts["id_col"]),
        opts["time_col"]: _dates(grid, plan["pos"]).view("datetime64[ns]"),
    }
    if y is not None:
        fill = 0.0 if opts["missing"] == "zero" else np.nan
        data[opts["target_col"]] = np.where(inserted, fill, y[ffill])
    for name in opts["exog_cols"]:
        data[name] = _fill_exog(column(name), inserted, opts["exog_missing"])
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- public API
def to_pandas(df: Any) -> pd.DataFrame:
    """Return ``df`` as a pandas DataFrame.

    pandas frames pass through unchanged (no copy); polars ``DataFrame`` and
    ``LazyFrame`` are converted (polars is never imported here).

    Parameters
    ----------
    df : pandas.DataFrame, polars.DataFrame or polars.LazyFrame
        Input frame.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataValidationError
        If ``df`` is of any other type.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0]})
    >>> to_pandas(frame) is frame
    True
    """
    if isinstance(df, pd.DataFrame):
        return df
    kind = type(df)
    if kind.__module__.split(".")[0] == "polars":
        if kind.__name__ == "LazyFrame":
            df = df.collect()
        if type(df).__name__ == "DataFrame":
            try:
                return df.to_pandas()
            except ImportError:  # polars needs pyarrow for to_pandas
                return pd.DataFrame(df.to_dict(as_series=False))
    hint = " (use series.reset_index() or .to_frame())" if isinstance(df, pd.Series) else ""
    raise DataValidationError(
        f"expected a pandas or polars DataFrame, got {kind.__module__}.{kind.__qualname__}"
        f"{hint}; convert it with pd.DataFrame(...) first."
    )


def infer_freq(df: Any, *, id_col: str = "unique_id", time_col: str = "ds") -> str:
    """Infer the pandas offset alias shared by every series.

    The base step is the most common positive gap between consecutive dates
    within series; gaps that are whole multiples of it are missing periods.
    Dates on the first of the month give ``"MS"`` (quarterly ``"QS-JAN"``,
    yearly ``"YS-JAN"``), month ends give ``"ME"`` (``"M"`` on pandas <
    2.2), weekly dates give ``"W-<weekday>"`` anchored on their weekday,
    fixed steps give ``"D"``, ``"h"``, ``"15min"``...

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Long frame.
    id_col, time_col : str, default="unique_id", "ds"
        Series id and time columns.

    Returns
    -------
    str
        pandas offset alias.

    Raises
    ------
    FrequencyError
        If every series has a single date, if gaps are not multiples of the
        base step, or if series sit on different grids (mixed weekly
        anchors); the message names the series and dates.

    Examples
    --------
    >>> import pandas as pd
    >>> walmart = pd.DataFrame({"unique_id": "store-1",
    ...                         "ds": pd.date_range("2012-02-03", periods=4, freq="7D")})
    >>> infer_freq(walmart)
    'W-FRI'
    >>> monthly = pd.DataFrame({"unique_id": "a",
    ...                         "ds": pd.to_datetime(["2024-01-31", "2024-02-29", "2024-04-30"])})
    >>> infer_freq(monthly)
    'ME'
    """
    frame = _input_frame(df, [id_col, time_col], "df")
    keys = _sorted_keys(frame, id_col, time_col)
    grid = _infer_grid(keys)
    _grid_positions(keys, grid, explicit=False)
    return grid.freq


def prepare(
    df: Any,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    missing: Literal["zero", "nan", "error"] = "zero",
    exog_missing: Literal["ffill", "nan", "zero"] = "ffill",
    negative: Literal["clip", "error", "keep"] = "clip",
    nan_target: Literal["error", "zero", "keep", "drop"] = "error",
    min_length: int = 1,
    short: Literal["warn", "drop", "error"] = "warn",
    require_target: bool = True,
) -> PreparedData:
    """Validate a long sales frame and put it on a complete regular grid.

    Steps: convert (polars -> pandas), check columns, ids, dates and target,
    reject duplicated (id, date) pairs, infer or check the frequency, sort by
    (id, date), then insert the periods missing between each series' first
    and last date. Everything is vectorized over series. The input is never
    modified.

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Long frame, one row per series and period.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names. Every other column is exogenous.
    freq : str, optional
        pandas offset alias; inferred (:func:`infer_freq`) when omitted.
        Legacy and new aliases are both accepted (``"M"``/``"ME"``,
        ``"W"`` = ``"W-SUN"``, ``"H"``/``"h"``).
    missing : {"zero", "nan", "error"}, default="zero"
        Periods missing inside a series' range: insert rows with ``y=0``
        (no sale recorded), with ``y=NaN``, or raise.
    exog_missing : {"ffill", "nan", "zero"}, default="ffill"
        Exogenous values of inserted rows: previous period's value, missing,
        or 0 (False for booleans; non-numeric columns get missing). NaN in
        exogenous columns of input rows are left alone.
    negative : {"clip", "error", "keep"}, default="clip"
        Negative targets (returns): set to 0 with a :class:`DataWarning`,
        raise, or keep (for targets that may be negative).
    nan_target : {"error", "zero", "keep", "drop"}, default="error"
        NaN targets in the input: raise, set to 0, keep NaN, or drop the rows
        (the periods they leave empty are then handled by ``missing``).
    min_length : int, default=1
        Series with fewer observed (non-NaN) targets are short.
    short : {"warn", "drop", "error"}, default="warn"
        Short series: keep with a :class:`DataWarning`, drop with a warning,
        or raise :class:`InsufficientDataError`.
    require_target : bool, default=True
        ``False`` for frames without a target (future exogenous values); a
        target column that is present is still validated.

    Returns
    -------
    PreparedData
        ``df`` (ids keep their dtype, ``time_col`` is tz-naive
        ``datetime64[ns]``, target float64), ``freq`` and the ``report``.

    Raises
    ------
    DataValidationError
        Bad input type, empty frame, missing columns, missing ids, mixed id
        types, unparseable or missing dates, non-numeric/boolean/infinite
        target, NaN targets (``nan_target="error"``), negative targets
        (``negative="error"``), duplicated (id, date) pairs, missing periods
        (``missing="error"``).
    FrequencyError
        No frequency can be inferred, or dates are off the grid of ``freq``.
    InsufficientDataError
        Short series with ``short="error"``.

    Notes
    -----
    tz-aware dates are converted to naive local wall-clock time (a sale on
    2024-03-01 in Berlin stays on 2024-03-01). Numeric strings in the target
    are rejected rather than silently parsed.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "unique_id": ["A", "A", "A"],
    ...     "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"]),
    ...     "y": [2.0, 3.0, 1.0],
    ...     "price": [9.5, 9.0, 8.5],
    ... })
    >>> prepared = prepare(sales)
    >>> prepared.df
      unique_id         ds    y  price
    0         A 2024-01-01  2.0    9.5
    1         A 2024-01-02  3.0    9.0
    2         A 2024-01-03  0.0    9.0
    3         A 2024-01-04  1.0    8.5
    >>> print(prepared.report.summary())
    1 series, 3 rows in, 4 rows out, freq 'D'
    filled 1 missing periods in 1 series (missing='zero')
    """
    options = {
        "missing": missing,
        "exog_missing": exog_missing,
        "negative": negative,
        "nan_target": nan_target,
        "short": short,
    }
    _check_options(**options)
    integer = isinstance(min_length, (int, np.integer)) and not isinstance(min_length, bool)
    if not integer or min_length < 0:
        raise InvalidParameterError(
            f"min_length must be a non-negative integer, got {min_length!r}."
        )
    required = [id_col, time_col] + ([target_col] if require_target else [])
    frame = _input_frame(df, required, "df")
    has_target = target_col in frame.columns
    cols = {"id_col": id_col, "time_col": time_col, "target_col": target_col}
    keys = _sorted_keys(frame, id_col, time_col)
    _check_duplicates(keys, id_col, time_col)
    return _prepare_sorted(
        frame, keys, freq, has_target, cols, dict(options, min_length=int(min_length))
    )


def _prepare_sorted(
    frame: pd.DataFrame, keys: _Keys, freq: Any, has_target: bool, cols: dict, options: dict
) -> PreparedData:
    id_col, target_col = cols["id_col"], cols["target_col"]
    exog_cols = tuple(c for c in frame.columns if c not in cols.values())
    y, observed = None, np.ones(keys.codes.size, dtype=bool)
    messages: list[str] = []
    counts = {
        "nan_target": _per_series(keys, ~observed, id_col, "n_nan"),
        "clipped": _per_series(keys, ~observed, id_col, "n_negative"),
    }
    if has_target:
        y, observed, counts, messages = _clean_target(
            frame[target_col], keys, id_col=id_col, name=target_col, **options
        )
    grid, pos = _resolve_grid(keys, freq)
    n_obs = np.bincount(keys.codes[observed], minlength=len(keys.uniques))
    short = np.flatnonzero(n_obs < options["min_length"])
    short_ids = keys.uniques.take(short).tolist()
    if short.size:
        _handle_short(short_ids, n_obs[short], options, messages)
    keep = observed if options["nan_target"] == "drop" else np.ones_like(observed)
    if options["short"] == "drop":
        keep = keep & ~np.isin(keys.codes, short)
    kept, pos = _subset(keys, keep), pos[keep]
    if kept.codes.size == 0:
        raise InsufficientDataError(
            f"no rows left: nan_target={options['nan_target']!r} and short={options['short']!r} "
            f"removed all {len(keys.uniques)} series; keep them (nan_target='zero', "
            "short='warn') or fix the data."
        )
    if options["missing"] == "error":
        _raise_missing_periods(kept, pos, grid)
    plan = _fill_plan(kept.codes, pos)
    target = None if y is None else y[keep]
    out = _assemble(frame, kept, target, plan, grid, exog_cols=exog_cols, **cols, **options)
    for message in messages:
        warnings.warn(message, DataWarning, stacklevel=3)
    report = PreparationReport(
        n_rows_in=int(keys.codes.size),
        n_rows_out=len(out),
        freq=grid.freq,
        short_series=short_ids,
        options=dict(options),
        **_series_report(keys, plan, grid, n_obs, id_col),
        **counts,
    )
    return PreparedData(
        df=out,
        freq=grid.freq,
        id_col=id_col,
        time_col=cols["time_col"],
        target_col=target_col if has_target else None,
        exog_cols=exog_cols,
        report=report,
    )


def _handle_short(ids: list, counts: np.ndarray, options: dict, messages: list[str]) -> None:
    min_length, policy = options["min_length"], options["short"]
    what = (
        f"{len(ids)} series have fewer than min_length={min_length} observations: "
        f"{format_values(ids)} (counts {format_values(counts.tolist())})"
    )
    if policy == "error":
        raise InsufficientDataError(f"{what}; pass short='drop' to drop them or lower min_length.")
    action = "dropped them" if policy == "drop" else "kept them"
    messages.append(f"{what}; {action}. Pass short='error' or short='drop' to change this.")


def _series_report(
    keys: _Keys, plan: dict, grid: _Grid, n_obs: np.ndarray, id_col: str
) -> dict[str, Any]:
    codes, filled = plan["codes"], plan["n_filled"]
    has_fill = np.flatnonzero(filled)
    if has_fill.size:
        logger.info("filled %d missing periods in %d series", filled.sum(), has_fill.size)
    series = {
        id_col: keys.uniques.take(codes),
        "start": _dates(grid, plan["first"]).view("datetime64[ns]"),
        "end": _dates(grid, plan["last"]).view("datetime64[ns]"),
        "n_obs": n_obs[codes].astype(np.int64),
    }
    fills = {id_col: keys.uniques.take(codes[has_fill]), "n_filled": filled[has_fill]}
    dropped = np.setdiff1d(np.arange(len(keys.uniques)), codes)
    return {
        "n_series": int(codes.size),
        "filled": pd.DataFrame(fills),
        "series": pd.DataFrame(series),
        "dropped_series": keys.uniques.take(dropped).tolist(),
    }


def check_future_frame(
    X_future: Any,
    *,
    expected: pd.DataFrame,
    columns: Sequence[str],
    id_col: str = "unique_id",
    time_col: str = "ds",
    allow_nan: bool = False,
) -> pd.DataFrame:
    """Check that future exogenous values cover the whole forecast horizon.

    Parameters
    ----------
    X_future : pandas.DataFrame or polars.DataFrame
        Future values keyed on ``(id_col, time_col)``; extra rows and columns
        are ignored.
    expected : pandas.DataFrame
        The ``(id_col, time_col)`` pairs of the horizon.
    columns : sequence of str
        Exogenous columns needed for every pair.
    id_col, time_col : str, default="unique_id", "ds"
        Key columns (in both frames).
    allow_nan : bool, default=False
        Whether NaN values count as present.

    Returns
    -------
    pandas.DataFrame
        ``id_col, time_col, *columns`` aligned row by row with ``expected``,
        ``time_col`` as ``datetime64[ns]``, fresh RangeIndex.

    Raises
    ------
    DataValidationError
        If a column is absent, keys are duplicated or of another id type, or
        values are missing for some pairs; the message names the column, the
        series and the dates.

    Examples
    --------
    >>> import pandas as pd
    >>> horizon = pd.DataFrame({"unique_id": ["A", "A"],
    ...                         "ds": pd.to_datetime(["2024-01-08", "2024-01-09"])})
    >>> prices = pd.DataFrame({"unique_id": ["A", "A", "A"],
    ...                        "ds": pd.to_datetime(["2024-01-09", "2024-01-08", "2024-01-10"]),
    ...                        "price": [9.0, 9.5, 8.0]})
    >>> check_future_frame(prices, expected=horizon, columns=["price"])
      unique_id         ds  price
    0         A 2024-01-08    9.5
    1         A 2024-01-09    9.0
    """
    columns = [c for c in columns if c not in (id_col, time_col)]
    horizon = _input_frame(expected, [id_col, time_col], "expected")
    future = _input_frame(X_future, [id_col, time_col, *columns], "X_future")
    keys = _sorted_keys(future, id_col, time_col)
    _check_duplicates(keys, id_col, time_col)
    future_ds = np.empty_like(keys.ds)
    future_ds[keys.rows] = keys.ds
    right = pd.DataFrame({id_col: future[id_col].reset_index(drop=True)})
    right[time_col] = future_ds.view("datetime64[ns]")
    for name in columns:
        right[name] = future[name].reset_index(drop=True)
    left = pd.DataFrame({id_col: horizon[id_col].reset_index(drop=True)})
    left[time_col] = _to_ns(horizon[time_col], time_col, horizon[id_col]).view("datetime64[ns]")
    right["__forecastkit_row__"] = np.arange(len(right))
    try:
        merged = left.merge(right, on=[id_col, time_col], how="left", sort=False)
    except ValueError as err:
        raise DataValidationError(
            f"X_future[{id_col!r}] has dtype {future[id_col].dtype} but the series ids have "
            f"dtype {horizon[id_col].dtype}; convert them to the same type ({err})."
        ) from err
    absent = merged.pop("__forecastkit_row__").isna().to_numpy()
    gaps = {c: absent | (False if allow_nan else merged[c].isna().to_numpy()) for c in columns}
    bad = [c for c in columns if gaps[c].any()]
    if bad:
        mask = gaps[bad[0]]
        codes, uniques = pd.factorize(merged[id_col][mask], sort=True)
        where = _describe(uniques, codes, merged[time_col].to_numpy()[mask].view(np.int64))
        others = f"; columns {format_values(bad[1:])} have gaps too" if len(bad) > 1 else ""
        raise DataValidationError(
            f"X_future lacks values of column {bad[0]!r} for {int(mask.sum())} (series, date) "
            f"pairs of the horizon {where}{others}. Provide future values of every exogenous "
            "column for every series and horizon date."
        )
    return merged


def series_lengths(df: Any, *, id_col: str = "unique_id") -> pd.Series:
    """Number of rows of each series, indexed by sorted id.

    Parameters
    ----------
    df : pandas.DataFrame or polars.DataFrame
        Long frame.
    id_col : str, default="unique_id"
        Series id column.

    Returns
    -------
    pandas.Series
        Integer counts named ``"n_rows"``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"store": ["b", "a", "b"], "y": [1, 2, 3]})
    >>> series_lengths(frame, id_col="store").to_dict()
    {'a': 1, 'b': 2}
    """
    frame = _input_frame(df, [id_col], "df")
    return frame.groupby(id_col, sort=True, observed=True).size().rename("n_rows")
