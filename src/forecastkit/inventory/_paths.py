"""The one check of demand sample paths taken by the inventory and promo functions (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, format_values

__all__ = ["path_values"]


def path_values(
    paths: Any, *, id_col: str, sample_col: str, time_col: str, target_col: str
) -> np.ndarray:
    """The demand values of ``paths`` as float64, after checking the frame.

    ``paths`` must be a pandas DataFrame with the four columns (the frame a
    forecaster's ``sample_paths`` returns) and finite, non-negative, numeric
    demand; errors name the column and the series.
    """
    if not isinstance(paths, pd.DataFrame):
        raise DataValidationError(f"paths must be a pandas DataFrame, got {type(paths).__name__}.")
    missing = [c for c in (id_col, sample_col, time_col, target_col) if c not in paths.columns]
    if missing:
        raise DataValidationError(
            f"paths has no column {format_values(missing)[1:-1]}; pass the frame a forecaster's "
            f"sample_paths returns ({id_col!r}, {sample_col!r}, {time_col!r}, {target_col!r}) "
            "or name its columns with id_col=, sample_col=, time_col=, target_col=."
        )
    try:
        values = pd.to_numeric(paths[target_col]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"paths column {target_col!r} is not numeric: {err}.") from err
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataValidationError(
            f"paths column {target_col!r} has {int(bad.sum())} NaN, infinite or negative "
            f"value(s) in series {format_values(pd.unique(paths[id_col][bad]))}; demand "
            "samples must be finite and >= 0."
        )
    return values
