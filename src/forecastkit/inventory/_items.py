"""Validation of the optimizer's items and demand frames (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, format_values
from forecastkit.inventory._samples import SampleDemand

# column -> default (None: required)
ITEM_COLUMNS: dict[str, float | None] = {
    "unit_cost": None,
    "price": None,
    "holding_cost": 0.0,
    "salvage_value": 0.0,
    "shortage_cost": 0.0,
    "on_hand": 0.0,
    "on_order": 0.0,
    "moq": 0.0,
    "case_pack": 1.0,
    "max_order": np.inf,
    "volume": 0.0,
}


@dataclass(frozen=True)
class Items:
    """Validated item economics, one entry per item, in the items frame's order."""

    ids: pd.Index
    values: dict[str, np.ndarray]
    supplier: np.ndarray | None  # object array of supplier labels, or None
    min_service: np.ndarray | None  # cycle service level floor per item, or None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    @property
    def position(self) -> np.ndarray:
        """Inventory position before ordering: on hand plus on order."""
        return self.values["on_hand"] + self.values["on_order"]


def _bad(ids: pd.Index, mask: np.ndarray) -> str:
    return f"{int(mask.sum())} item(s) {format_values(ids[mask])}"


def _numeric(items: pd.DataFrame, name: str, default: float | None, ids: pd.Index) -> np.ndarray:
    if name not in items.columns:
        if default is None:
            raise DataValidationError(
                f"items has no column {name!r}; it needs {name!r} for every item "
                f"(columns found: {format_values(items.columns)})."
            )
        return np.full(len(items), default, dtype=float)
    try:
        col = pd.to_numeric(items[name]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"items column {name!r} is not numeric: {err}.") from err
    missing = np.isnan(col)
    if missing.any():
        raise DataValidationError(
            f"items column {name!r} is missing for {_bad(ids, missing)}; "
            "fill it in (or drop the column to use its default)."
        )
    negative = col < 0
    if negative.any():
        raise DataValidationError(
            f"items column {name!r} is negative for {_bad(ids, negative)}; costs, prices "
            "and quantities must be >= 0."
        )
    return col


def read_items(items: pd.DataFrame, *, id_col: str, service_level: float | None) -> Items:
    """Check the items frame and fill in defaults for optional columns."""
    if not isinstance(items, pd.DataFrame):
        raise DataValidationError(f"items must be a pandas DataFrame, got {type(items).__name__}.")
    if id_col not in items.columns:
        raise DataValidationError(f"items has no id column {id_col!r}.")
    ids = pd.Index(items[id_col])
    if ids.has_duplicates:
        raise DataValidationError(
            f"items has duplicate {id_col!r} values {format_values(ids[ids.duplicated()])}; "
            "give one row per item."
        )
    values = {name: _numeric(items, name, default, ids) for name, default in ITEM_COLUMNS.items()}
    _check_economics(values, ids)
    supplier = None
    if "supplier" in items.columns:
        if items["supplier"].isna().any():
            gap = items["supplier"].isna().to_numpy()
            raise DataValidationError(f"items column 'supplier' is missing for {_bad(ids, gap)}.")
        supplier = items["supplier"].to_numpy(dtype=object)
    return Items(ids, values, supplier, _min_service(items, ids, service_level))


def _check_economics(values: dict[str, np.ndarray], ids: pd.Index) -> None:
    pack, moq, cap = values["case_pack"], values["moq"], values["max_order"]
    bad_pack = (pack <= 0) | (pack != np.round(pack))
    if bad_pack.any():
        raise DataValidationError(
            f"case_pack must be a whole number >= 1; it is not for {_bad(ids, bad_pack)}."
        )
    base = np.maximum(np.ceil(moq / pack), 1) * pack
    too_big = base > cap
    if too_big.any():
        raise DataValidationError(
            f"moq (rounded up to a whole case_pack) is above max_order for "
            f"{_bad(ids, too_big)}: no order can satisfy both. Lower moq or raise max_order."
        )
    free = (values["salvage_value"] - values["holding_cost"] > values["unit_cost"]) & np.isinf(cap)
    if free.any():
        raise DataValidationError(
            f"salvage_value - holding_cost > unit_cost for {_bad(ids, free)}: every unit "
            "ordered pays for itself even unsold, so the best order is unbounded. Lower "
            "salvage_value or give a max_order."
        )


def _min_service(items: pd.DataFrame, ids: pd.Index, default: float | None) -> np.ndarray | None:
    if "min_service_level" in items.columns:
        level = pd.to_numeric(items["min_service_level"]).to_numpy(dtype=float, na_value=np.nan)
        if default is not None:
            level = np.where(np.isnan(level), default, level)
    elif default is not None:
        level = np.full(len(ids), float(default))
    else:
        return None
    bad = ~np.isnan(level) & ((level <= 0) | (level >= 1))
    if bad.any():
        raise DataValidationError(
            f"min_service_level must be in (0, 1) (a cycle service level); it is not for "
            f"{_bad(ids, bad)}."
        )
    return level


def read_demand(
    demand: pd.DataFrame, ids: pd.Index, *, id_col: str, demand_col: str
) -> SampleDemand:
    """Samples of demand over the protection interval, aligned to the items' order."""
    if not isinstance(demand, pd.DataFrame):
        raise DataValidationError(
            f"demand must be a pandas DataFrame, got {type(demand).__name__}."
        )
    for col in (id_col, demand_col):
        if col not in demand.columns:
            raise DataValidationError(
                f"demand has no column {col!r}; pass a long frame with {id_col!r}, a sample "
                f"column and {demand_col!r} (one row per item and sample path)."
            )
    codes = ids.get_indexer(pd.Index(demand[id_col]))
    unknown = codes < 0
    if unknown.any():
        raise DataValidationError(
            f"demand has samples for {len(set(demand[id_col][unknown]))} id(s) not in items: "
            f"{format_values(pd.unique(demand[id_col][unknown]))}; add them to items or drop them."
        )
    counts = np.bincount(codes, minlength=len(ids))
    if (counts == 0).any():
        raise DataValidationError(
            f"demand has no samples for {_bad(ids, counts == 0)}; every item needs demand "
            "samples (or drop the item from items)."
        )
    values = pd.to_numeric(demand[demand_col]).to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        where = np.zeros(len(ids), dtype=bool)
        where[np.unique(codes[bad])] = True
        raise DataValidationError(
            f"demand column {demand_col!r} has {int(bad.sum())} NaN, infinite or negative "
            f"value(s) for {_bad(ids, where)}; demand samples must be finite and >= 0."
        )
    return SampleDemand.from_codes(codes, values, len(ids))
