"""The ``forecastkit demo`` command: the whole chain on synthetic data (private).

1. ``make_retail_demand`` simulates the history and the true future;
2. :class:`~forecastkit.StatsForecaster` (with the built-in shopping
   festivals) forecasts it with quantiles, scored against the true future;
3. its sample paths, summed over the protection interval (lead time plus
   review period), are the demand samples of the
   :class:`~forecastkit.ReorderOptimizer`, run once without a budget and
   then under a budget (a share of that unconstrained spend by default);
4. :func:`~forecastkit.simulate` plays the plan's stock against the true
   demand of the protection interval, with lost sales, and the realized
   fill rate and profit are set against the plan's expected ones.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecastkit._cli_io import Console, write_table
from forecastkit._version import __version__
from forecastkit.calendar import EventCalendar
from forecastkit.data import quantile_column
from forecastkit.datasets import RetailDemand, make_retail_demand
from forecastkit.errors import InvalidParameterError
from forecastkit.evaluate import evaluate
from forecastkit.inventory import ReorderOptimizer, protection_demand, simulate
from forecastkit.timeseries import StatsForecaster

__all__ = ["SALVAGE_SHARE", "demo_items", "plan_check", "run_demo"]

logger = logging.getLogger("forecastkit.cli")

#: A leftover unit is worth this share of its unit cost (it sells next cycle, a
#: little of it marked down).
SALVAGE_SHARE = 0.9


@dataclass(frozen=True)
class _Row:
    section: str
    metric: str
    value: float | int | str

    def raw(self) -> str:
        """The value as written to summary.csv: ten significant digits."""
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, (int, np.integer)):
            return str(int(self.value))
        return format(float(self.value), ".10g")

    def text(self) -> str:
        value = self.value
        if isinstance(value, str):
            return value
        if isinstance(value, (int, np.integer)):
            return f"{value:,}"
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.3f}"


def demo_items(
    static: pd.DataFrame, ids: pd.Index, *, holding_rate: float, review_period: int
) -> pd.DataFrame:
    """The demo's items frame: synthetic costs and prices, nothing in stock.

    ``holding_cost`` is the cost of carrying a leftover unit through one more
    review period (``holding_rate`` a year times the unit cost) and
    ``salvage_value`` is :data:`SALVAGE_SHARE` of the unit cost.
    """
    items = static.set_index("unique_id").loc[ids, ["unit_cost", "price"]].reset_index()
    items["salvage_value"] = items["unit_cost"] * SALVAGE_SHARE
    items["holding_cost"] = items["unit_cost"] * holding_rate * review_period / 365.0
    return items


def plan_check(plan: pd.DataFrame, items: pd.DataFrame, actual: np.ndarray) -> dict[str, float]:
    """Realized outcome of a plan on the true demand of its protection interval.

    ``actual`` is ``(n_items, periods)`` in the plan's item order. Each item
    starts with its ``stock_after`` on hand, orders nothing more, and loses
    the demand it cannot serve; its profit is counted as the optimizer counts
    it: ``price * sold + (salvage_value - holding_cost) * leftover -
    unit_cost * order_qty``.
    """
    ids = plan["unique_id"].to_numpy()
    result = simulate(
        actual,
        lambda t, state: np.zeros(len(ids)),
        holding_cost=0.0,
        stockout_cost=0.0,
        lost_sales=True,
        initial_on_hand=plan["stock_after"].to_numpy(),
        ids=ids,
        keep_trajectory=True,
    )
    periods = actual.shape[1]
    assert result.trajectory is not None
    sold = result.per_item["filled"].to_numpy() * periods
    leftover = result.trajectory["on_hand"][0, :, -1]
    net_salvage = (items["salvage_value"] - items["holding_cost"]).to_numpy()
    profit = (
        items["price"].to_numpy() * sold
        + net_salvage * leftover
        - items["unit_cost"].to_numpy() * plan["order_qty"].to_numpy()
    )
    demand = float(actual.sum())
    return {
        "fill_rate": float(sold.sum()) / demand if demand > 0 else float("nan"),
        "profit": float(profit.sum()),
    }


def _accuracy(
    forecasts: pd.DataFrame, data: RetailDemand, history: pd.DataFrame, quantiles: tuple[float, ...]
) -> list[_Row]:
    scored = forecasts.merge(data.future_sales, on=["unique_id", "ds"], how="inner")
    metrics = ["mae", "wape", "mase"] + (["coverage"] if len(quantiles) > 1 else [])
    scores = evaluate(
        scored,
        metrics,
        train_df=history,
        quantiles=list(quantiles) if len(quantiles) > 1 else None,
        season_length=7,
        agg="mean",
    )
    values = dict(zip(scores["metric"], scores["yhat"], strict=True))
    rows = [_Row("forecast", m.upper(), float(values[m])) for m in ("mae", "wape", "mase")]
    if "coverage" in values:
        lo, hi = quantile_column(min(quantiles)), quantile_column(max(quantiles))
        nominal = max(quantiles) - min(quantiles)
        rows.append(
            _Row(
                "forecast", f"coverage {lo}-{hi} (nominal {nominal:.2f})", float(values["coverage"])
            )
        )
    return rows


def _history(job: argparse.Namespace) -> tuple[RetailDemand, pd.DataFrame, pd.Index]:
    protection = job.lead_time + job.review_period
    data = make_retail_demand(
        n_series=job.series,
        periods=job.periods,
        horizon=max(job.horizon, protection),
        seed=job.seed,
    )
    last = data.sales.groupby("unique_id", sort=True)["ds"].max()
    active = last.index[last == last.max()]
    if len(active) < len(last):
        logger.info("%d discontinued SKUs left out", len(last) - len(active))
    history = data.sales[data.sales["unique_id"].isin(active)].reset_index(drop=True)
    return data, history, pd.Index(active)


def _actual(data: RetailDemand, ids: pd.Index, periods: int) -> np.ndarray:
    future = data.future_sales
    assert future is not None
    wide = future.pivot(index="unique_id", columns="ds", values="y")
    return wide.reindex(ids).iloc[:, :periods].fillna(0.0).to_numpy(dtype=float)


def run_demo(job: argparse.Namespace, console: Console) -> int:
    """``forecastkit demo``: forecast, optimize, simulate and report on synthetic data."""
    protection = job.lead_time + job.review_period
    if job.horizon < protection:
        raise InvalidParameterError(
            f"--horizon {job.horizon} is shorter than the protection interval "
            f"--lead-time + --review-period = {protection}; forecast at least that many days."
        )
    out = Path(job.out)
    with console.progress(6, "demo") as bar:
        data, history, ids = _history(job)
        bar.advance("fitting StatsForecaster")
        model = StatsForecaster(calendar=EventCalendar(), random_state=job.seed).fit(history)
        forecasts = model.predict(job.horizon, quantiles=list(job.quantiles))
        bar.advance("sample paths")
        paths = model.sample_paths(protection, job.paths, seed=job.seed)
        demand = protection_demand(paths, protection)
        bar.advance("optimizing")
        items = demo_items(
            data.static, ids, holding_rate=job.holding_rate, review_period=job.review_period
        )
        free = ReorderOptimizer().optimize(demand, items)
        unconstrained = float(free["order_cost"].sum())
        budget = (
            job.budget if job.budget is not None else round(job.budget_share * unconstrained, 2)
        )
        optimizer = ReorderOptimizer(budget=budget)
        plan = optimizer.optimize(demand, items)
        bar.advance("simulating")
        check = plan_check(plan, items, _actual(data, ids, protection))
        rows = _summary(job, data, history, ids, forecasts, plan, optimizer, unconstrained, check)
        bar.advance("writing")
        write_table(forecasts, out / "forecasts.csv", "forecasts")
        write_table(plan, out / "orders.csv", "order plan")
        summary = pd.DataFrame(
            {
                "section": [r.section for r in rows],
                "metric": [r.metric for r in rows],
                "value": [r.raw() for r in rows],
            }
        )
        write_table(summary, out / "summary.csv", "summary")
        bar.advance()
    console.say(
        f"forecastkit {__version__} demo: {job.series} synthetic SKUs ({len(ids)} on sale), "
        f"{job.periods} days of history, seed {job.seed}"
    )
    console.table(
        [(r.section, r.metric, r.text()) for r in rows], header=("step", "metric", "value")
    )
    console.say(f"files: {out / 'forecasts.csv'}, {out / 'orders.csv'}, {out / 'summary.csv'}")
    return 0


def _summary(
    job: argparse.Namespace,
    data: RetailDemand,
    history: pd.DataFrame,
    ids: pd.Index,
    forecasts: pd.DataFrame,
    plan: pd.DataFrame,
    optimizer: ReorderOptimizer,
    unconstrained: float,
    check: dict[str, float],
) -> list[_Row]:
    protection = job.lead_time + job.review_period
    sales = float(plan["expected_sales"].sum())
    demand = sales + float(plan["expected_stockout"].sum())
    rows = [
        _Row("data", "SKUs on sale", len(ids)),
        _Row("forecast", f"horizon (days), {job.paths} sample paths", job.horizon),
        *_accuracy(forecasts, data, history, tuple(job.quantiles)),
        _Row(
            "plan",
            f"protection interval (days: lead {job.lead_time} + review {job.review_period})",
            protection,
        ),
        _Row("plan", "spend without budget", unconstrained),
        _Row("plan", "budget", float(optimizer.budget or 0.0)),
        _Row("plan", "spend", float(plan["order_cost"].sum())),
        _Row("plan", "SKUs ordering", int((plan["order_qty"] > 0).sum())),
        _Row("plan", "units ordered", int(plan["order_qty"].sum())),
        _Row("plan", "solver", f"{optimizer.status_}, gap {optimizer.gap_:.1e}"),
        _Row("plan", "expected fill rate", sales / demand if demand > 0 else float("nan")),
        _Row("simulate", "fill rate on the true demand", check["fill_rate"]),
        _Row("plan", "expected profit", float(plan["expected_profit"].sum())),
        _Row("simulate", "profit on the true demand", check["profit"]),
    ]
    return rows
