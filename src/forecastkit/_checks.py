"""Input checks of :mod:`forecastkit.data`: series keys, dates and the target.

:func:`_sorted_keys` validates the id and date columns and returns the
:class:`_Keys` (series codes and dates sorted by series, then date) that the
rest of :mod:`forecastkit.data` works on; :func:`_clean_target` validates the
target and applies the NaN and negative-value policies. :func:`_where` and
:func:`_describe` format the offending series and dates for error messages.
Private: the public entry point is :func:`forecastkit.data.prepare`.
"""

from __future__ import annotations

import decimal
import logging
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from forecastkit.errors import DataValidationError, format_values

# Records keep the public module's logger name, as before the split.
logger = logging.getLogger("forecastkit.data")


# --------------------------------------------------------------------------- keys
@dataclass(frozen=True)
class _Keys:
    """Series codes and dates sorted by (series, date), with their source rows."""

    codes: np.ndarray
    ds: np.ndarray  # int64 nanoseconds
    rows: np.ndarray  # positions in the input frame
    uniques: pd.Index  # sorted ids; codes index into it


def _iso(ns: np.ndarray) -> list[str]:
    stamps = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"))
    return [t.date().isoformat() if t == t.normalize() else t.isoformat() for t in stamps]


def _where(keys: _Keys, mask: np.ndarray) -> str:
    """'in 2 series ['A', 'B'], e.g. [('A', '2024-01-02'), ...]' for the masked rows."""
    return _describe(keys.uniques, keys.codes[mask], keys.ds[mask])


def _describe(uniques: pd.Index, codes: np.ndarray, ds: np.ndarray) -> str:
    series = np.unique(codes)
    ids = uniques.take(series[:6]).tolist()
    pairs = list(zip(uniques.take(codes[:4]).tolist(), _iso(ds[:4]), strict=True))
    return f"in {series.size} series {format_values(ids)}, e.g. {format_values(pairs, 3)}"


def _per_series(keys: _Keys, mask: np.ndarray, id_col: str, name: str) -> pd.DataFrame:
    counts = np.bincount(keys.codes[mask], minlength=len(keys.uniques))
    hit = np.flatnonzero(counts)
    return pd.DataFrame({id_col: keys.uniques.take(hit), name: counts[hit].astype(np.int64)})


def _parse_dates(col: pd.Series, name: str) -> pd.Series:
    if ptypes.is_bool_dtype(col.dtype) or ptypes.is_numeric_dtype(col.dtype):
        raise DataValidationError(
            f"column {name!r} holds numbers ({col.dtype}), not dates; convert it first, e.g. "
            f"pd.to_datetime(df[{name!r}], format='%Y%m%d') or unit='D'."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
            warnings.simplefilter("ignore", FutureWarning)  # pandas 2: mixed offsets
            parsed = pd.to_datetime(col, errors="coerce")
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"column {name!r} could not be parsed as dates ({err}); convert it with "
            f"pd.to_datetime(df[{name!r}], ...) first."
        ) from err
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    elif not ptypes.is_datetime64_dtype(parsed.dtype):
        # pandas 2 returns objects for strings with mixed UTC offsets
        raise DataValidationError(
            f"column {name!r} could not be parsed as dates (mixed time zones); convert it with "
            f"pd.to_datetime(df[{name!r}], utc=True) first."
        )
    bad = (parsed.isna() & col.notna()).to_numpy()
    if bad.any():
        raise DataValidationError(
            f"column {name!r} has {int(bad.sum())} values that are not dates "
            "(or lie outside 1677-09-22..2262-04-11), e.g. "
            f"{format_values(col[bad].tolist())}; fix them or convert the column with "
            f"pd.to_datetime(df[{name!r}], format=...) first."
        )
    return parsed


def _to_ns(col: pd.Series, name: str, ids: pd.Series) -> np.ndarray:
    """Dates as int64 nanoseconds (tz-aware columns keep their local wall time)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        logger.info("column %r is tz-aware (%s); using local wall-clock times", name, col.dt.tz)
        col = col.dt.tz_localize(None)
    elif isinstance(col.dtype, pd.PeriodDtype):
        col = col.dt.to_timestamp()
    elif not ptypes.is_datetime64_dtype(col.dtype):
        col = _parse_dates(col, name)
    missing = col.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {name!r} has {int(missing.sum())} missing dates in series "
            f"{format_values(pd.unique(ids[missing]).tolist())}; drop those rows or fill the dates."
        )
    try:
        return col.astype("datetime64[ns]").to_numpy().view(np.int64)
    except (ValueError, OverflowError) as err:
        raise DataValidationError(
            f"column {name!r} has dates outside 1677-09-22..2262-04-11 ({err}); fix them."
        ) from err


def _sorted_keys(frame: pd.DataFrame, id_col: str, time_col: str) -> _Keys:
    ids = frame[id_col]
    na = ids.isna().to_numpy()
    if na.any():
        raise DataValidationError(
            f"column {id_col!r} has {int(na.sum())} missing series ids (rows "
            f"{format_values(np.flatnonzero(na).tolist())}); every row needs an id. "
            "Drop or fill those rows, or point id_col= at the id column."
        )
    codes, uniques = pd.factorize(ids, sort=True)
    if ptypes.infer_dtype(uniques, skipna=True) in ("mixed", "mixed-integer"):
        kinds = sorted({type(v).__name__ for v in uniques})
        raise DataValidationError(
            f"column {id_col!r} mixes id types {kinds}, so ids such as 1 and '1' would be "
            f"different series; convert them to one type, e.g. df[{id_col!r}].astype(str)."
        )
    ds = _to_ns(frame[time_col], time_col, ids)
    codes = codes.astype(np.int64, copy=False)
    dc = np.diff(codes)
    if (dc >= 0).all() and ((dc > 0) | (np.diff(ds) >= 0)).all():
        return _Keys(codes, ds, np.arange(len(codes)), uniques)
    order = _sort_order(codes, ds)
    return _Keys(codes[order], ds[order], order, uniques)


def _sort_order(codes: np.ndarray, ds: np.ndarray) -> np.ndarray:
    """Stable order by (code, date); one integer key when it fits (2x faster than lexsort)."""
    rel = ds - ds.min()
    unit = int(np.gcd.reduce(rel)) or 1
    span = int(rel.max()) // unit + 1
    if (int(codes.max()) + 1) * span < 2**62:
        return np.argsort(codes * span + rel // unit, kind="stable")
    return np.lexsort((ds, codes))


def _check_duplicates(keys: _Keys, id_col: str, time_col: str) -> None:
    same = (keys.codes[1:] == keys.codes[:-1]) & (keys.ds[1:] == keys.ds[:-1])
    dup = np.r_[False, same]
    if dup.any():
        raise DataValidationError(
            f"{int(dup.sum())} rows repeat an earlier ({id_col}, {time_col}) pair "
            f"{_where(keys, dup)}; each series needs one row per period. Aggregate first, e.g. "
            f"df.groupby([{id_col!r}, {time_col!r}], as_index=False).sum()."
        )


# --------------------------------------------------------------------------- target
def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Real, decimal.Decimal)) and not isinstance(
        value, (bool, np.bool_)
    )


def _target_values(col: pd.Series, name: str) -> np.ndarray:
    """The target as a new float64 array (nullable NA -> NaN)."""
    dtype = col.dtype
    if ptypes.is_bool_dtype(dtype):
        raise DataValidationError(
            f"column {name!r} is boolean; a target must be numeric. If True/False are counts, "
            f"convert with df[{name!r}].astype(float)."
        )
    numeric = ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype)
    if ptypes.is_object_dtype(dtype):  # e.g. Python ints/floats/Decimals after an apply
        numeric = bool(col.dropna().map(_is_number).all())
    if not numeric:
        values = col.dropna()
        examples = values[pd.to_numeric(values, errors="coerce").isna()]
        examples = examples if len(examples) else values
        raise DataValidationError(
            f"column {name!r} must be numeric, got dtype {dtype} with values such as "
            f"{format_values(examples.head(5).tolist())}; convert it with "
            f"pd.to_numeric(df[{name!r}], errors='coerce') (non-numbers become NaN)."
        )
    return np.array(pd.to_numeric(col).to_numpy(dtype=np.float64, na_value=np.nan), copy=True)


def _clean_target(
    col: pd.Series,
    keys: _Keys,
    *,
    name: str,
    id_col: str,
    nan_target: str,
    negative: str,
    **_: Any,
) -> tuple[np.ndarray, np.ndarray, dict[str, pd.DataFrame], list[str]]:
    """Sorted float target after the NaN and negative policies.

    Returns ``(y, observed, per_series_counts, warning_messages)``.
    """
    y = _target_values(col, name)[keys.rows]
    inf = np.isinf(y)
    if inf.any():
        raise DataValidationError(
            f"column {name!r} has {int(inf.sum())} infinite values {_where(keys, inf)}; "
            "replace them (e.g. with NaN and choose nan_target=...) before preparing."
        )
    nan = np.isnan(y)
    if nan.any() and nan_target == "error":
        raise DataValidationError(
            f"column {name!r} has {int(nan.sum())} NaN values {_where(keys, nan)}; pass "
            "nan_target='zero' to treat them as no sales, 'drop' to remove those rows or "
            "'keep' to leave them missing."
        )
    if nan_target == "zero":
        y = np.where(nan, 0.0, y)
    neg = y < 0
    messages = []
    if neg.any() and negative == "error":
        raise DataValidationError(
            f"column {name!r} has {int(neg.sum())} negative values {_where(keys, neg)}; demand "
            "must be >= 0. Clip returns upstream or pass negative='clip'."
        )
    if neg.any() and negative == "clip":
        y = np.where(neg, 0.0, y)
        messages.append(
            f"column {name!r} had {int(neg.sum())} negative values {_where(keys, neg)}; they "
            "were set to 0. Pass negative='keep' to keep them or negative='error' to reject them."
        )
    counts = {
        "nan_target": _per_series(keys, nan, id_col, "n_nan"),
        "clipped": _per_series(keys, neg, id_col, "n_negative"),
    }
    return y, ~nan, counts, messages
