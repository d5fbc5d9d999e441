"""One value per id from a scalar, an array, a mapping or a Series (private).

Inventory and promotion functions take costs, lead times, margins and
intervals "one for all, or one per id". :func:`per_id` turns each form into a
checked float array aligned with the ids, with one error wording everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, format_values


def per_id(
    value: Any,
    name: str,
    ids: pd.Index,
    *,
    minimum: float | None = None,
    integer: bool = False,
    what: str = "items",
    unit: str = "",
) -> np.ndarray:
    """``value`` as one checked float per id (int64 when ``integer``).

    A scalar applies to every id; an array must have one entry per id, in
    order; a mapping or Series is matched by id and must cover every id.
    ``minimum`` is inclusive; ``what`` names the ids in messages ("items",
    "series"), ``unit`` follows the rule (" (in periods)").
    """
    if isinstance(value, Mapping):
        value = pd.Series(dict(value), dtype=object)
    if isinstance(value, pd.Series):
        missing = ids[~ids.isin(value.index)]
        if len(missing) or not value.index.is_unique:
            raise DataValidationError(
                f"{name} lacks {what} {format_values(missing)} or repeats ids; key it by id, "
                f"one value for each of the {what}."
            )
        value = value.reindex(ids).to_numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"{name} must be numeric, got {value!r}.") from err
    if arr.ndim == 0:
        arr = np.full(len(ids), float(arr))
    if arr.shape != (len(ids),):
        raise DataValidationError(
            f"{name} has shape {arr.shape} but there are {len(ids)} {what}; pass one value, "
            f"one value per id (shape ({len(ids)},)) or a mapping or Series keyed by id."
        )
    bad = ~np.isfinite(arr) | (False if minimum is None else arr < minimum)
    bad |= integer & (arr != np.round(arr))
    if bad.any():
        rule = "finite" if minimum is None else f"finite and >= {minimum:g}"
        rule = f"an integer >= {minimum:g}{unit}" if integer else rule
        raise DataValidationError(
            f"{name} must be {rule}; {what} {format_values(ids[bad])} have "
            f"{format_values(arr[bad].tolist())}."
        )
    return arr.astype(np.int64) if integer else arr
