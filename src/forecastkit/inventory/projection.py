"""What an order plan leads to: the budget curve and the projected stock.

Two computations behind the inventory plots of :mod:`forecastkit.plotting`
(which only draws the frames returned here):

* :func:`budget_curve`: the :class:`~forecastkit.ReorderOptimizer` re-run at
  several budgets, one row per budget with its spend, expected profit, fill
  rate and shadow price: how much each extra unit of money is worth;
* :func:`project_stock`: on-hand stock of every SKU, day by day, when the
  plan's orders arrive after their lead time and the forecaster's sample
  paths consume it with lost sales: its mean, quantiles, stock-out
  probability and expected lost sales.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._validation import check_quantiles
from forecastkit._values import per_id
from forecastkit.data import quantile_column
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.inventory._items import _numeric
from forecastkit.inventory._paths import path_values
from forecastkit.inventory.optimizer import ReorderOptimizer

__all__ = ["budget_curve", "project_stock"]

logger = logging.getLogger(__name__)

CURVE_COLUMNS = (
    "budget",
    "spend",
    "expected_profit",
    "expected_sales",
    "fill_rate",
    "n_ordered",
    "shadow_price",
)


# --------------------------------------------------------------------------- budget curve
def budget_curve(
    demand: pd.DataFrame,
    items: pd.DataFrame,
    budgets: Iterable[float],
    *,
    optimizer: ReorderOptimizer | None = None,
    include_unconstrained: bool = True,
) -> pd.DataFrame:
    """Expected profit of the best order plan at each budget.

    Parameters
    ----------
    demand, items : pandas.DataFrame
        Demand samples over the protection interval and item economics, as
        :meth:`forecastkit.ReorderOptimizer.optimize` takes them.
    budgets : iterable of float
        Budgets to try, each finite and >= 0 (repeats are dropped).
    optimizer : ReorderOptimizer, optional
        Settings to use (supplier budgets, capacity, service levels, solver
        options, column names); it is neither fitted nor changed: each budget
        runs a fresh copy built from its ``get_params()``, with ``budget``
        replaced. Default: ``ReorderOptimizer()``.
    include_unconstrained : bool, default=True
        Add a last row with ``budget=inf``: the plan without a total budget
        (the optimizer's other constraints still hold). Its ``spend`` is the
        most money worth spending; any budget at or above it gives the same
        plan.

    Returns
    -------
    pandas.DataFrame
        One row per budget, ascending: ``budget, spend`` (total order cost),
        ``expected_profit`` (total over items), ``expected_sales`` (units),
        ``fill_rate`` (expected units sold over expected units demanded, over
        all items; 1 without demand), ``n_ordered`` (items with an order) and
        ``shadow_price`` (expected profit of one more unit of budget, the
        budget multiplier of the LP relaxation; 0 when the budget does not
        bind).

    Raises
    ------
    InvalidParameterError
        If ``budgets`` is empty or holds a negative, NaN or infinite value.
    DataValidationError
        Whatever :meth:`~forecastkit.ReorderOptimizer.optimize` raises for
        ``demand`` and ``items``.

    Notes
    -----
    The best plan's expected profit never falls as the budget grows (a
    larger budget allows every smaller plan) and the LP relaxation's value is
    concave in the budget, so its shadow price falls. The integer plans
    (case packs, MOQs) can make the curve itself locally convex. At budget 0
    nothing is ordered: the profit is then that of the stock on hand alone,
    negative when a ``shortage_cost`` is charged on unmet demand.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> demand = pd.DataFrame({"unique_id": "A", "sample": np.arange(100),
    ...                        "demand": np.arange(100.0)})  # 0, 1, ..., 99 equally likely
    >>> items = pd.DataFrame({"unique_id": ["A"], "unit_cost": [2.03], "price": [5.0]})
    >>> curve = budget_curve(demand, items, [0, 10, 50])
    >>> curve[["budget", "spend", "n_ordered"]].round(2)
       budget   spend  n_ordered
    0     0.0    0.00          0
    1    10.0    8.12          1
    2    50.0   48.72          1
    3     inf  119.77          1
    """
    values = _check_budgets(budgets)
    base = ReorderOptimizer() if optimizer is None else optimizer
    params = base.get_params()
    rows = []
    runs: list[float | None] = [*values, None] if include_unconstrained else list(values)
    for budget in runs:
        model = type(base)(**{**params, "budget": budget})
        plan = model.optimize(demand, items)
        rows.append(_curve_row(plan, model, np.inf if budget is None else budget))
    logger.info("budget curve: %d budgets, %d items", len(values), len(plan))
    return pd.DataFrame(rows, columns=list(CURVE_COLUMNS))


def _check_budgets(budgets: Iterable[float]) -> list[float]:
    try:
        values = np.asarray(list(budgets), dtype=float)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"budgets must be numbers, got {budgets!r}.") from err
    if values.ndim != 1 or values.size == 0:
        raise InvalidParameterError(
            "budgets must be a non-empty list of numbers, e.g. np.linspace(0, 10_000, 11)."
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise InvalidParameterError(
            f"budgets must be finite and >= 0; got {format_values(values[bad].tolist())}. "
            "The unconstrained plan is added as the budget=inf row "
            "(include_unconstrained=True)."
        )
    return sorted(set(values.tolist()))


def _curve_row(plan: pd.DataFrame, model: ReorderOptimizer, budget: float) -> dict[str, Any]:
    sales = float(plan["expected_sales"].sum())
    demanded = sales + float(plan["expected_stockout"].sum())
    return {
        "budget": float(budget),
        "spend": float(plan["order_cost"].sum()),
        "expected_profit": float(plan["expected_profit"].sum()),
        "expected_sales": sales,
        "fill_rate": sales / demanded if demanded > 0 else 1.0,
        "n_ordered": int((plan["order_qty"] > 0).sum()),
        "shadow_price": float(model.multipliers_.get("budget", 0.0)),
    }


# --------------------------------------------------------------------------- stock projection
def project_stock(
    paths: pd.DataFrame,
    plan: pd.DataFrame,
    items: pd.DataFrame,
    *,
    lead_time: int | Mapping[Any, int] | pd.Series | None = None,
    on_order_arrival: int | Mapping[Any, int] | pd.Series | None = None,
    quantiles: Sequence[float] | None = (0.1, 0.5, 0.9),
    id_col: str = "unique_id",
    time_col: str = "ds",
    sample_col: str = "sample",
    target_col: str = "y",
) -> pd.DataFrame:
    """On-hand stock of every SKU, period by period, under an order plan.

    Every sample path starts from ``on_hand``; the open orders
    (``on_order``) arrive at the start of period ``on_order_arrival`` and the
    plan's ``order_qty``, placed now, at the start of period ``lead_time``
    (periods counted from 0, the first forecast period). Each period, the
    stock available after the receipts meets that path's demand; demand it
    cannot meet is lost (stock never goes negative).

    Parameters
    ----------
    paths : pandas.DataFrame
        Demand sample paths, as ``sample_paths`` of a forecaster returns them:
        ``id_col, sample_col, time_col, target_col``, one row per series,
        path and period. Every series needs the same number of paths, each
        path every period of its series.
    plan : pandas.DataFrame
        ``id_col`` and ``order_qty``, one row per SKU, e.g. the plan of
        :meth:`forecastkit.ReorderOptimizer.optimize`.
    items : pandas.DataFrame
        ``id_col``; optional ``on_hand`` (0), ``on_order`` (0), ``lead_time``
        and ``on_order_arrival`` (periods, used when the arguments of the
        same names are not given).
    lead_time : int, mapping or pandas.Series, optional
        Periods until the plan's orders arrive, one for all SKUs or one per
        id; default ``items["lead_time"]``, or 0 (they arrive in the first
        period). An order arriving after the last period never shows.
    on_order_arrival : int, mapping or pandas.Series, optional
        Periods until the open orders arrive; default
        ``items["on_order_arrival"]``, or 0.
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Quantiles of the on-hand stock over the paths (linear interpolation).
    id_col, time_col, sample_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per series and period (series in the order of ``paths``,
        periods ascending): ``id_col, time_col``, ``received`` (units
        arriving that period), ``on_hand_mean`` (end of period), one
        ``on_hand_q<p>`` column per quantile, ``stockout_prob`` (share of
        paths with unmet demand that period) and ``expected_lost`` (mean
        units of demand lost).

    Raises
    ------
    DataValidationError
        A column is missing; a series of ``paths`` has no row in ``plan`` or
        ``items``; demand, stock or orders are NaN or negative; a lead time
        is not a whole number >= 0; paths repeat or miss periods, or series
        have different numbers of paths.
    InvalidParameterError
        A quantile outside (0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"unique_id": "A", "sample": 0,
    ...                       "ds": pd.date_range("2024-01-01", periods=6), "y": 3.0})
    >>> plan = pd.DataFrame({"unique_id": ["A"], "order_qty": [6.0]})
    >>> items = pd.DataFrame({"unique_id": ["A"], "on_hand": [10.0]})
    >>> out = project_stock(paths, plan, items, lead_time=2, quantiles=None)
    >>> out[["received", "on_hand_mean", "stockout_prob", "expected_lost"]]
       received  on_hand_mean  stockout_prob  expected_lost
    0       0.0           7.0            0.0            0.0
    1       0.0           4.0            0.0            0.0
    2       6.0           7.0            0.0            0.0
    3       0.0           4.0            0.0            0.0
    4       0.0           1.0            0.0            0.0
    5       0.0           0.0            1.0            2.0
    """
    levels = check_quantiles(quantiles)
    cube, ids, dates = _demand_cube(paths, id_col, time_col, sample_col, target_col)
    start, on_order, order = _stock_inputs(plan, items, ids, id_col)
    received = np.zeros((len(ids), cube.shape[2]))
    for amount, name, value in (
        (order, "lead_time", lead_time),
        (on_order, "on_order_arrival", on_order_arrival),
    ):
        when = _periods(value, name, items, ids, id_col)
        inside = when < cube.shape[2]
        received[np.flatnonzero(inside), when[inside]] += amount[inside]
    stats = _run_periods(cube, start, received, levels)
    item, period = ids.get_indexer(dates[id_col]), dates["_period"].to_numpy()
    out = dates[[id_col, time_col]].reset_index(drop=True)
    out["received"] = received[item, period]
    out["on_hand_mean"] = stats["mean"][item, period]
    for j, q in enumerate(levels):
        out[f"on_hand_{quantile_column(q)}"] = stats["quantiles"][j][item, period]
    out["stockout_prob"] = stats["stockout"][item, period]
    out["expected_lost"] = stats["lost"][item, period]
    logger.debug("projected stock of %d series over %d periods", len(ids), cube.shape[2])
    return out


def _demand_cube(
    paths: pd.DataFrame, id_col: str, time_col: str, sample_col: str, target_col: str
) -> tuple[np.ndarray, pd.Index, pd.DataFrame]:
    """Demand as an array ``(series, paths, periods)``, the ids, and each series' dates.

    Series with fewer periods than the longest are padded with zero demand
    (those periods are not reported).
    """
    values = path_values(
        paths, id_col=id_col, sample_col=sample_col, time_col=time_col, target_col=target_col
    )
    frame = paths[[id_col, sample_col, time_col, target_col]].reset_index(drop=True)
    ids = pd.Index(pd.unique(frame[id_col]))
    grouped = frame.groupby(id_col, sort=False)
    period = grouped[time_col].rank(method="dense").to_numpy(dtype=np.int64) - 1
    sample = grouped[sample_col].rank(method="dense").to_numpy(dtype=np.int64) - 1
    item = ids.get_indexer(frame[id_col])
    n_periods = grouped[time_col].nunique().reindex(ids).to_numpy()
    n_paths = grouped[sample_col].nunique().reindex(ids).to_numpy()
    if (n_paths != n_paths[0]).any():
        raise DataValidationError(
            f"paths has different numbers of sample paths per series ({int(n_paths.min())} "
            f"to {int(n_paths.max())}; fewest in {format_values(ids[n_paths == n_paths.min()])}); "
            "draw the same number of paths for every series."
        )
    counts = np.bincount(item, minlength=len(ids))
    gaps = counts != n_paths * n_periods
    if gaps.any():
        raise DataValidationError(
            f"paths repeat or miss periods in {int(gaps.sum())} series "
            f"{format_values(ids[gaps])}: each needs one row per sample path and period."
        )
    cube = np.zeros((len(ids), int(n_paths[0]), int(n_periods.max())))
    cube[item, sample, period] = values
    dates = frame[[id_col, time_col]].assign(_period=period, _item=item)
    dates = dates.drop_duplicates([id_col, time_col]).sort_values(["_item", "_period"])
    return cube, ids, dates.reset_index(drop=True)


def _stock_inputs(
    plan: pd.DataFrame, items: pd.DataFrame, ids: pd.Index, id_col: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On hand, on order and the planned order of every series, aligned to ``ids``."""
    tables = {}
    for name, frame in (("plan", plan), ("items", items)):
        if not isinstance(frame, pd.DataFrame):
            raise DataValidationError(
                f"{name} must be a pandas DataFrame, got {type(frame).__name__}."
            )
        if id_col not in frame.columns:
            raise DataValidationError(f"{name} has no id column {id_col!r}.")
        index = pd.Index(frame[id_col])
        if index.has_duplicates:
            raise DataValidationError(
                f"{name} has duplicate {id_col!r} values "
                f"{format_values(index[index.duplicated()])}; give one row per SKU."
            )
        missing = ids[~ids.isin(index)]
        if len(missing):
            raise DataValidationError(
                f"{name} has no row for {len(missing)} series of paths {format_values(missing)}; "
                f"add them to {name} or drop their paths."
            )
        tables[name] = frame.iloc[index.get_indexer(ids)].reset_index(drop=True)
    if "order_qty" not in plan.columns:
        raise DataValidationError(
            "plan has no column 'order_qty'; pass the plan ReorderOptimizer.optimize returns."
        )
    order = pd.to_numeric(tables["plan"]["order_qty"]).to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(order) | (order < 0)
    if bad.any():
        raise DataValidationError(
            f"plan column 'order_qty' is NaN, infinite or negative for {int(bad.sum())} "
            f"SKU(s) {format_values(ids[bad])}; order quantities must be finite and >= 0."
        )
    on_hand = _numeric(tables["items"], "on_hand", 0.0, ids)
    on_order = _numeric(tables["items"], "on_order", 0.0, ids)
    return on_hand, on_order, order


def _periods(value: Any, name: str, items: pd.DataFrame, ids: pd.Index, id_col: str) -> np.ndarray:
    """Arrival period of each series: the argument, else the items column, else 0."""
    if value is None and name in items.columns:
        value = pd.Series(items[name].to_numpy(), index=pd.Index(items[id_col]))
    if value is None:
        return np.zeros(len(ids), dtype=np.int64)
    return per_id(value, name, ids, minimum=0, integer=True, what="series", unit=" (in periods)")


def _run_periods(
    cube: np.ndarray, start: np.ndarray, received: np.ndarray, levels: list[float]
) -> dict[str, Any]:
    """Lost-sales stock recursion over periods, for every series and path at once."""
    n_items, _, horizon = cube.shape
    mean, stockout, lost_mean = (np.zeros((n_items, horizon)) for _ in range(3))
    quant = np.zeros((len(levels), n_items, horizon))
    stock = np.repeat(start[:, None], cube.shape[1], axis=1)
    for t in range(horizon):
        stock = stock + received[:, t, None]
        sales = np.minimum(stock, cube[:, :, t])
        lost = cube[:, :, t] - sales
        stock = stock - sales
        mean[:, t] = stock.mean(axis=1)
        stockout[:, t] = (lost > 0).mean(axis=1)
        lost_mean[:, t] = lost.mean(axis=1)
        if levels:
            quant[:, :, t] = np.quantile(stock, levels, axis=1)
    return {"mean": mean, "quantiles": quant, "stockout": stockout, "lost": lost_mean}
