"""Input checks of :func:`forecastkit.promo.plan` (private): the model, the promotions table."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._grid import future_frame
from forecastkit._values import per_id
from forecastkit.data import to_pandas
from forecastkit.errors import (
    DataValidationError,
    InvalidParameterError,
    NotFittedError,
    format_values,
)


@dataclass(frozen=True)
class _Roles:
    """Column names of a fitted model: keys and its promotion/price columns."""

    id_col: str
    time_col: str
    target_col: str
    freq: str
    promo: str | None
    price: str | None
    regular: str | None
    promo_type: str | None


def _check_model(model: Any) -> _Roles:
    if not callable(getattr(model, "sample_paths", None)):
        raise InvalidParameterError(
            f"model {type(model).__name__} has no sample_paths; plan needs a fitted forecaster "
            "with sample paths and promotion or price features, such as LGBMForecaster."
        )
    promo, price = getattr(model, "promo_col", None), getattr(model, "price_col", None)
    if promo is None and price is None:
        raise InvalidParameterError(
            f"model {type(model).__name__} has no promotion or price features, so it cannot "
            "forecast a promotion; fit LGBMForecaster(promo_col=..., price_col=...) on sales "
            "with those columns."
        )
    fitted = ("id_col_", "time_col_", "target_col_", "freq_")
    if not all(hasattr(model, name) for name in fitted):
        raise NotFittedError(f"{type(model).__name__} is not fitted yet; call fit(df) before plan.")
    return _Roles(
        id_col=model.id_col_,
        time_col=model.time_col_,
        target_col=model.target_col_,
        freq=model.freq_,
        promo=promo,
        price=price,
        regular=getattr(model, "regular_price_col", None),
        promo_type=getattr(model, "promo_type_col", None),
    )


def _check_args(h: Any, dip_window: Any, n_paths: Any, level: Any) -> None:
    def whole(value: Any, low: int) -> bool:
        return bool(
            isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
        )

    for name, value, low in (("dip_window", dip_window, 0), ("n_paths", n_paths, 1)):
        if not whole(value, low):
            raise InvalidParameterError(f"{name} must be an integer >= {low}, got {value!r}.")
    if h is not None and not whole(h, 1):
        raise InvalidParameterError(f"h must be a positive integer or None, got {h!r}.")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise InvalidParameterError(f"level must lie strictly between 0 and 1, got {level!r}.")


def _first_dates(model: Any, X_future: Any, roles: _Roles) -> pd.Series:
    """First forecast date of every series of the model, indexed by id."""
    layout = getattr(model, "layout_", None)
    if layout is not None and callable(getattr(layout, "last_dates", None)):
        nxt = future_frame(layout.last_dates(), 1, roles.freq, id_col="id", time_col="ds")
        return pd.Series(nxt["ds"].to_numpy(), index=pd.Index(nxt["id"].to_numpy()))
    fc = model.predict(1, X_future=X_future)
    first = fc.groupby(roles.id_col, sort=False)[roles.time_col].min()
    return pd.Series(pd.to_datetime(first).to_numpy(dtype="datetime64[ns]"), index=first.index)


def _dates(values: pd.Series, name: str, ids: pd.Series) -> np.ndarray:
    try:
        with warnings.catch_warnings():  # "could not infer format": parsed one by one
            warnings.simplefilter("ignore", UserWarning)
            out = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"promotions[{name!r}] must hold dates; {err}. Pass dates or ISO strings."
        ) from err
    if np.isnat(out).any():
        raise DataValidationError(
            f"promotions[{name!r}] is missing for SKUs {format_values(ids[np.isnat(out)])}; "
            "give the first and last day of every promotion."
        )
    return out


def _check_promotions(promotions: Any, roles: _Roles, ids: pd.Index) -> pd.DataFrame:
    """Checked promotions sorted by SKU (model order) and start, with a fresh index."""
    df = to_pandas(promotions)
    id_col = roles.id_col
    missing = [c for c in (id_col, "start", "end") if c not in df.columns]
    if missing or not ({"discount", "price"} & set(df.columns)):
        need = missing or ["discount or price"]
        raise DataValidationError(
            f"promotions lacks the columns {format_values(need)}; give one row per promotion "
            f"with {id_col!r}, 'start', 'end' and 'discount' (depth) or 'price'."
        )
    if df.empty:
        raise DataValidationError("promotions is empty; give at least one promotion.")
    out = pd.DataFrame({id_col: df[id_col].to_numpy(dtype=object)})
    unknown = pd.unique(out[id_col][~out[id_col].isin(ids)])
    if len(unknown):
        raise DataValidationError(
            f"promotions names {len(unknown)} SKUs the model was not fitted on: "
            f"{format_values(unknown)}; plan promotions for series of the training data."
        )
    out["start"] = _dates(df["start"], "start", out[id_col])
    out["end"] = _dates(df["end"], "end", out[id_col])
    end_note = "end before they start; 'end' is the last day of the promotion (inclusive)."
    _refuse(out, out["end"] < out["start"], id_col, end_note)
    for name in ("discount", "price", "promo_cost"):
        out[name] = _numeric(df, name, out[id_col])
    out["promo_type"] = df["promo_type"].to_numpy(dtype=object) if "promo_type" in df else None
    _check_offer(out, roles)
    out["_code"] = ids.get_indexer(out[id_col])
    out = out.sort_values(["_code", "start"], kind="stable", ignore_index=True)
    same = out["_code"].eq(out["_code"].shift())
    overlap = same & (out["start"] <= out["end"].shift())
    starts = format_values(out.loc[overlap, "start"])
    overlap_note = f"overlap (starting on {starts}); merge them into one row or move one."
    _refuse(out, overlap, id_col, overlap_note)
    return out.drop(columns="_code")


def _refuse(promos: pd.DataFrame, bad: Any, id_col: str, text: str) -> None:
    """Raise for the promotions in ``bad``, naming their SKUs, if there are any."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        skus = format_values(pd.unique(promos[id_col].to_numpy()[bad]))
        raise DataValidationError(f"promotions of SKUs {skus} {text}")


def _numeric(df: pd.DataFrame, name: str, ids: pd.Series) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    try:
        return pd.to_numeric(df[name]).to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"promotions[{name!r}] must be numeric; {err}.") from err


def _check_offer(out: pd.DataFrame, roles: _Roles) -> None:
    """Exactly one of discount and price per row, in range; promo_cost >= 0; promo_type."""
    id_col, discount, price = roles.id_col, out["discount"], out["price"]
    both = discount.notna() == price.notna()
    rules = {
        "need exactly one of 'discount' and 'price'": both,
        "have a discount outside [0, 1)": discount.notna() & ~discount.between(0, 1, "left"),
        "have a promotion price that is not > 0": price.notna() & ~(price > 0),
        "have a negative promo_cost": out["promo_cost"] < 0,
    }
    for rule, bad in rules.items():
        fix = "the discount is the depth (0.3 = 30% off), the price the promotion price."
        _refuse(out, bad, id_col, f"{rule}; {fix}")
    out["promo_cost"] = out["promo_cost"].fillna(0.0)
    if roles.promo_type is not None and out["promo_type"].isna().any():
        lacking = out.loc[out["promo_type"].isna(), id_col]
        raise DataValidationError(
            f"promotions needs a 'promo_type' for SKUs {format_values(lacking)}: the model "
            f"uses the promotion type ({roles.promo_type!r}); give one per promotion."
        )


def _regular_prices(value: Any, skus: pd.Index, roles: _Roles) -> np.ndarray | None:
    if value is not None and roles.price is not None:
        raise InvalidParameterError(
            f"regular_price is only used with a model that has no price_col; this model reads "
            f"the baseline prices from X_future[{roles.price!r}]. Drop regular_price."
        )
    if value is None and roles.price is None:
        raise InvalidParameterError(
            "regular_price is required: the model has no price_col, so the baseline prices of "
            "the revenue and margin must be given, one for all SKUs or one per SKU."
        )
    if value is None:
        return None
    return per_id(value, "regular_price", skus, minimum=0, what="SKUs")
