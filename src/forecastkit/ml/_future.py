"""Future exogenous values of :class:`~forecastkit.ml.LGBMForecaster` (private).

:func:`check_future` aligns ``X_future`` with the forecast horizon and
refuses gaps: every column the model uses is needed for every (series, date)
of the horizon, and the error names the column, the series and the dates.
:func:`apply_changes` builds the scenario of a what-if forecast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.data import check_future_frame, to_pandas
from forecastkit.errors import DataValidationError, format_values
from forecastkit.ml._exog import ExogDesign

__all__ = ["apply_changes", "check_future"]


def check_future(
    keys: pd.DataFrame,
    X_future: Any,
    design: ExogDesign,
    *,
    id_col: str,
    time_col: str,
    h: int,
) -> pd.DataFrame:
    """``keys`` (the horizon's ``id_col, time_col``) with the future values of ``design.required``.

    NaN is accepted only in the columns that had NaN in the training history
    (``design.nan_ok``): the model has learned what a missing value means there.
    """
    if not design.required:
        return keys
    if X_future is None:
        first = keys[time_col].min()
        raise DataValidationError(
            f"X_future is required: the model uses future values of the columns "
            f"{format_values(design.required, 10)}; pass a frame with {id_col!r}, "
            f"{time_col!r} and those columns for every series and each of the h={h} dates "
            f"after its history (from {format_values([first])})."
        )
    strict = [c for c in design.required if c not in design.nan_ok]
    out = keys.copy()
    for names, allow in ((strict, False), (list(design.nan_ok), True)):
        if names:
            aligned = check_future_frame(
                X_future,
                expected=keys,
                columns=names,
                allow_nan=allow,
                id_col=id_col,
                time_col=time_col,
            )
            for name in names:
                out[name] = aligned[name].to_numpy()
    return out


def apply_changes(
    future: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, Any],
    design: ExogDesign,
    *,
    id_col: str,
    time_col: str,
) -> pd.DataFrame:
    """A copy of the checked ``future`` values with ``changes`` applied.

    ``changes``: a mapping ``{column: value}`` for every row, or a frame keyed
    on ``id_col, time_col`` whose non-missing values replace the baseline ones.
    """
    used = design.required
    if isinstance(changes, Mapping):
        names = list(changes)
    else:
        changes = to_pandas(changes)
        names = [c for c in changes.columns if c not in (id_col, time_col)]
    unknown = [c for c in names if c not in used]
    if unknown or not names:
        raise DataValidationError(
            f"changes sets columns {format_values(unknown or names)} that the model does not "
            f"use; its exogenous columns are {format_values(list(used), 10)}."
        )
    out = future.copy()
    if isinstance(changes, Mapping):
        for name, value in changes.items():
            out[name] = value
        return out
    if id_col not in changes.columns or time_col not in changes.columns:
        raise DataValidationError(
            f"changes needs the key columns {id_col!r} and {time_col!r} to say which "
            "(series, date) pairs change."
        )
    keys = changes[[id_col, time_col]].copy()
    keys[time_col] = pd.to_datetime(keys[time_col]).astype("datetime64[ns]")
    index = pd.MultiIndex.from_frame(out[[id_col, time_col]])
    where = index.get_indexer(pd.MultiIndex.from_frame(keys))
    if (where < 0).any():
        bad = keys[where < 0]
        raise DataValidationError(
            f"changes has {int((where < 0).sum())} rows outside the forecast horizon, in series "
            f"{format_values(pd.unique(bad[id_col]))} (dates "
            f"{format_values(pd.DatetimeIndex(bad[time_col]))}); keep the (series, date) "
            "pairs of the h periods after each series' history."
        )
    labels = set(design.categorical) | {design.roles.get("promo_type")}
    for name in names:
        new = changes[name].to_numpy()
        given = ~pd.isna(new)
        column = out[name].to_numpy(dtype=object if name in labels else np.float64, copy=True)
        column[where[given]] = new[given]
        out[name] = column
    return out
