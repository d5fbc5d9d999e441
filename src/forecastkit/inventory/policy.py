"""The reorder optimizer as a replenishment policy for :func:`simulate`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, format_values
from forecastkit.inventory.optimizer import ReorderOptimizer
from forecastkit.inventory.simulate import PolicyState

__all__ = ["OptimizerPolicy"]


@dataclass
class OptimizerPolicy:
    """Re-run a :class:`~forecastkit.ReorderOptimizer` at every review.

    A callable policy for :func:`~forecastkit.simulate`: at each review
    period it hands the optimizer each path's stock (on hand, on order,
    backorders) and the protection-interval demand samples, and orders what
    the plan says. Between reviews it orders nothing. Backordered units must
    be served before new demand, so they are added to the demand samples.

    Parameters
    ----------
    optimizer : ReorderOptimizer
        Its budget and other constraints apply at every review.
    items : pandas.DataFrame
        The items frame of :meth:`ReorderOptimizer.optimize`, one row per
        simulated item in the simulation's item order; ``on_hand`` and
        ``on_order`` are replaced by the simulated stock.
    demand : pandas.DataFrame
        Demand samples over the protection interval (``id_col, sample,
        demand_col``), used at every review.
    review_period : int, default=1
        Periods between reviews.
    offset : int, default=0
        First review period.

    Attributes
    ----------
    plans_ : list of pandas.DataFrame
        Every plan, in order (path 0 first at each review).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastkit.inventory import OptimizerPolicy, simulate
    >>> from forecastkit import ReorderOptimizer
    >>> rng = np.random.default_rng(0)
    >>> samples = pd.DataFrame({"unique_id": "A", "sample": np.arange(400),
    ...                         "demand": rng.poisson(20, 400)})
    >>> items = pd.DataFrame({"unique_id": ["A"], "unit_cost": [4.0], "price": [10.0],
    ...                       "salvage_value": [4.0], "holding_cost": [0.2]})
    >>> policy = OptimizerPolicy(ReorderOptimizer(), items, samples)
    >>> history = rng.poisson(20, (1, 60)).astype(float)
    >>> result = simulate(history, policy, holding_cost=0.2, stockout_cost=6.0,
    ...                   ids=["A"], lost_sales=True)
    >>> float(policy.plans_[0]["stock_after"].iloc[0])  # order up to the 0.968 quantile
    29.0
    >>> round(float(result.per_item["fill_rate"].iloc[0]), 3)  # no stockout in 60 periods
    1.0
    """

    optimizer: ReorderOptimizer
    items: pd.DataFrame
    demand: pd.DataFrame
    review_period: int = 1
    offset: int = 0
    plans_: list[pd.DataFrame] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if int(self.review_period) != self.review_period or self.review_period < 1:
            raise DataValidationError(
                f"review_period must be a whole number >= 1, got {self.review_period!r}."
            )

    def __call__(self, t: int, state: PolicyState) -> np.ndarray:
        orders = np.zeros(state.on_hand.shape)
        if (t - self.offset) % int(self.review_period):
            return orders
        id_col = self.optimizer.id_col
        ids = pd.Index(self.items[id_col])
        if not ids.equals(pd.Index(state.ids)):
            missing = [i for i in state.ids if i not in set(ids)]
            raise DataValidationError(
                f"items must list the simulated items in the simulation's order; "
                f"items ids {format_values(ids)} vs simulated {format_values(state.ids)}"
                + (f" (missing {format_values(missing)})." if missing else ".")
            )
        pipeline = state.pipeline.sum(axis=-1)
        for path in range(state.on_hand.shape[0]):
            net = state.on_hand[path] - state.backlog[path] + pipeline[path]
            on_hand = np.maximum(state.on_hand[path] - state.backlog[path], 0.0)
            on_order = np.maximum(net, 0.0) - on_hand
            items = self.items.assign(on_hand=on_hand, on_order=np.maximum(on_order, 0.0))
            shortfall = pd.Series(np.maximum(-net, 0.0), index=ids)
            demand = self.demand
            if (shortfall > 0).any():
                extra = self.demand[id_col].map(shortfall).to_numpy()
                demand = demand.assign(
                    **{self.optimizer.demand_col: demand[self.optimizer.demand_col] + extra}
                )
            plan = self.optimizer.optimize(demand, items)
            self.plans_.append(plan)
            orders[path] = plan["order_qty"].to_numpy()
        return orders
