"""Allocation of limited stock across channels and locations.

When a product's available quantity (a delivery, warehouse stock, a festival
allotment) is less than what every channel or store would like, each unit
should go where it earns the most expected profit. :func:`allocate` solves that
with the reorder optimizer's machinery: each location is an item whose demand
samples, price and costs give its expected profit of receiving ``q`` units,
and each product's available quantity is a shared supply row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.inventory._items import Items
from forecastkit.inventory._mckp import Row
from forecastkit.inventory.optimizer import ReorderOptimizer

__all__ = ["allocate"]


class _Allocator(ReorderOptimizer):
    """The reorder optimizer with one supply row per product instead of budgets."""

    def __init__(self, available: Mapping[Any, float], products: np.ndarray, **kwargs: Any):
        super().__init__(**kwargs)
        self.available = available
        self._products = products  # each location's product, in the items' order

    def _rows(self, items: Items) -> list[Row]:
        products = self._products
        rows = []
        for j, (product, quantity) in enumerate(self.available.items()):
            member = products == product
            if not member.any():
                raise DataValidationError(
                    f"available names product {product!r}, which no location has "
                    f"(products: {format_values(pd.unique(products))})."
                )
            rows.append(Row(f"supply_{j}", "supply", member.astype(float), float(quantity)))
        return rows


def allocate(
    available: float | Mapping[Any, float],
    demand: pd.DataFrame,
    locations: pd.DataFrame,
    *,
    product_col: str | None = None,
    mip_rel_gap: float = 1e-4,
    time_limit: float | None = None,
    id_col: str = "unique_id",
    demand_col: str = "demand",
) -> pd.DataFrame:
    """Split the available stock of one or more products across locations.

    Parameters
    ----------
    available : float or mapping
        Units available to allocate: one number when every location carries
        the same product, else ``{product: units}``.
    demand : pandas.DataFrame
        Demand samples per location over the period the allocation must
        cover: ``id_col``, a sample column and ``demand_col`` (see
        :meth:`forecastkit.ReorderOptimizer.optimize`).
    locations : pandas.DataFrame
        One row per location (store, channel, or store x product): ``id_col``,
        ``price``; optional ``unit_cost`` (cost of sending one unit there,
        default 0: the stock is already owned), ``holding_cost``,
        ``salvage_value``, ``shortage_cost``, ``on_hand``, ``on_order``,
        ``moq``, ``case_pack``, ``max_order``, ``min_service_level``, and the
        product column when there are several products.
    product_col : str, optional
        Column of ``locations`` naming each location's product; required when
        ``available`` is a mapping.
    mip_rel_gap, time_limit : see :class:`~forecastkit.ReorderOptimizer`.
    id_col, demand_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The optimizer's plan with ``order_qty`` renamed ``allocated_qty``;
        ``reason`` says ``"supply-limited"`` where a location gets less than it
        would want, and ``budget_shadow_price`` is dropped
        (the expected profit of one more unit of each product is in
        ``attrs["shadow_prices"]``: a number for one product, else a mapping
        by product). A location's ``max_order`` defaults to its product's
        availability.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastkit.inventory import allocate
    >>> rng = np.random.default_rng(1)
    >>> demand = pd.DataFrame({
    ...     "unique_id": np.repeat(["online", "store"], 400),
    ...     "sample": np.tile(np.arange(400), 2),
    ...     "demand": np.concatenate([rng.poisson(30, 400), rng.poisson(30, 400)]),
    ... })
    >>> locations = pd.DataFrame({"unique_id": ["online", "store"], "price": [10.0, 14.0]})
    >>> plan = allocate(50, demand, locations)
    >>> plan[["unique_id", "allocated_qty"]].to_dict("list")
    {'unique_id': ['online', 'store'], 'allocated_qty': [23.0, 27.0]}
    """
    if not isinstance(locations, pd.DataFrame):
        raise DataValidationError(
            f"locations must be a pandas DataFrame, got {type(locations).__name__}."
        )
    supply = _supply(available, product_col)
    frame = locations if "unit_cost" in locations.columns else locations.assign(unit_cost=0.0)
    # a location never gets more than its product's availability; saying so bounds
    # every location's candidates even when leftovers are worth more than they cost
    products = _products(frame, product_col, supply)
    cap = np.array([supply[p] for p in products], dtype=float)
    if "max_order" in frame.columns:
        given = pd.to_numeric(frame["max_order"]).to_numpy(dtype=float, na_value=np.nan)
        cap = np.where(np.isnan(given), cap, np.minimum(given, cap))
    frame = frame.assign(max_order=cap)
    allocator = _Allocator(
        supply,
        products,
        mip_rel_gap=mip_rel_gap,
        time_limit=time_limit,
        id_col=id_col,
        demand_col=demand_col,
    )
    plan = allocator.optimize(demand, frame)
    plan = plan.rename(columns={"order_qty": "allocated_qty"}).drop(columns="budget_shadow_price")
    prices = {product: allocator.multipliers_[f"supply_{j}"] for j, product in enumerate(supply)}
    plan.attrs["shadow_prices"] = prices if product_col is not None else prices[None]
    plan.attrs["gap"] = allocator.gap_
    return plan


def _supply(available: float | Mapping[Any, float], product_col: str | None) -> dict[Any, float]:
    if isinstance(available, Mapping):
        if product_col is None:
            raise InvalidParameterError(
                "available is a mapping of products, so pass product_col naming the "
                "locations' product column."
            )
        supply = {key: float(value) for key, value in available.items()}
    else:
        supply = {None: float(available)}
    for product, value in supply.items():
        if not (np.isfinite(value) and value >= 0):
            where = "" if product is None else f" for product {product!r}"
            raise InvalidParameterError(
                f"available must be a finite number >= 0{where}, got {value!r}."
            )
    return supply


def _products(frame: pd.DataFrame, product_col: str | None, supply: dict) -> np.ndarray:
    if product_col is None:
        return np.full(len(frame), None, dtype=object)
    if product_col not in frame.columns:
        raise DataValidationError(f"locations has no product column {product_col!r}.")
    products = frame[product_col].to_numpy(dtype=object)
    unknown = ~pd.Series(products).isin(list(supply)).to_numpy()
    if unknown.any():
        raise DataValidationError(
            f"{int(unknown.sum())} location(s) carry products with no available quantity: "
            f"{format_values(pd.unique(products[unknown]))}; add them to available."
        )
    return products
