"""The pre-festival stock build (:func:`forecastkit.promo.festival_orders`).

A shopping festival (Double 11, 618, Black Friday...) is one big selling
season: demand ramps up in the pre-sale, peaks on the main day and slumps
afterwards. Stock for it is ordered once, ahead of time: an item with a lead
time of ``L`` periods must be ordered ``L`` periods before the window opens.
:func:`festival_orders` turns a forecaster's sample paths over the window
into that order plan, under the budgets, capacity and service floors of a
:class:`~forecastkit.ReorderOptimizer`.

The method, path by path (no normal approximation):

1. the order arrives at the start of the window, or ``lead_time`` periods
   after the first forecast date when it is already too late for that;
2. the stock available before the festival (``on_hand + on_order``) meets
   the demand of the periods before the order arrives; what it cannot meet
   is lost, what is left is carried into the window:
   ``C = max(on_hand + on_order - demand before arrival, 0)``;
3. the carry is sold first (FIFO), so the order serves the window demand
   from arrival to the window's last day beyond the carry:
   ``max(D - C, 0)``;
4. the optimizer chooses the order quantities on these net-demand samples
   with no stock of its own.

Step 4 is exact, not an approximation: for any order ``Q``, the festival's
total sales are ``min(D, C + Q) = min(D, C) + min(max(D - C, 0), Q)`` and its
total leftover is ``(C + Q - D)+ = (C - D)+ + (Q - max(D - C, 0))+``, and its
lost sales ``(D - C - Q)+ = (max(D - C, 0) - Q)+``; what depends on ``Q`` is
exactly the newsvendor outcome of ``Q`` against the net demand, so the
optimizer's best ``Q`` on net demand is the best order for the festival.

Assumptions: sales lost before the festival are lost (no backorders);
``on_order`` arrives before the window (before the new order); one order per
item per festival, placed on ``order_date``; every period of every path from
the first forecast date to the window's last day is given.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._checks import _to_ns
from forecastkit._values import per_id
from forecastkit.calendar import BUILTIN_FESTIVALS, EventCalendar
from forecastkit.errors import DataValidationError, InvalidParameterError, format_values
from forecastkit.inventory._items import read_items
from forecastkit.inventory._paths import path_values
from forecastkit.inventory.optimizer import ReorderOptimizer

__all__ = ["festival_orders"]

logger = logging.getLogger(__name__)

_DAY_NS = 86_400 * 10**9


def festival_orders(
    paths: pd.DataFrame,
    items: pd.DataFrame,
    window: tuple[Any, Any] | None = None,
    *,
    event: str | None = None,
    calendar: EventCalendar | None = None,
    year: int | None = None,
    optimizer: ReorderOptimizer | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    sample_col: str = "sample",
    target_col: str = "y",
) -> pd.DataFrame:
    """Order plan for a festival: what to order, by when, under the budget.

    Each item's order must be placed ``lead_time`` periods before the
    festival window opens; it then meets the window's demand beyond the
    stock carried into the window (see the module notes for the method).
    The quantities come from ``optimizer`` run on the sample paths of that
    net demand, so budgets, supplier budgets, capacity, MOQs, case packs and
    service floors all apply.

    Parameters
    ----------
    paths : pandas.DataFrame
        Demand sample paths as ``sample_paths`` of
        :class:`~forecastkit.StatsForecaster` or
        :class:`~forecastkit.LGBMForecaster` return them: ``id_col,
        sample_col, time_col, target_col``, from the first forecast period
        (today's decision point) to at least the window's last day.
    items : pandas.DataFrame
        The :meth:`forecastkit.ReorderOptimizer.optimize` items frame (keyed
        by ``id_col``), plus a ``lead_time`` column: whole periods (>= 0)
        from placing an order to its arrival. ``on_hand`` and ``on_order``
        (default 0) are the stock available before the festival;
        ``on_order`` is assumed to arrive before the window.
    window : (date-like, date-like), optional
        First and last day of the festival window, inclusive: the whole span
        from pre-sale to slump. Give either ``window`` or ``event``.
    event : str, optional
        An event of ``calendar`` (a built-in festival such as
        ``"double_11"``); its window is the main day plus its
        ``lower_window`` .. ``upper_window`` days.
    calendar : EventCalendar, optional
        Where ``event`` is looked up; default
        ``EventCalendar(festivals=[event])``.
    year : int, optional
        Which occurrence of ``event`` to plan for when the paths span several.
    optimizer : ReorderOptimizer, optional
        Budgets, capacity and service levels (default: unconstrained). Its
        ``id_col`` must be ``id_col``. It is fitted in place: its
        ``status_``, ``gap_`` and ``multipliers_`` describe this plan.
    id_col, time_col, sample_col, target_col : str
        Column names of ``paths`` (and ``id_col`` of ``items``).

    Returns
    -------
    pandas.DataFrame
        One row per item, sorted by ``order_date`` then id, fresh RangeIndex:
        ``id_col, order_date, arrival_date, late``, the optimizer's plan
        columns (``order_qty`` ... ``budget_shadow_price``), then
        ``window_start, window_end, window_demand, carry_in, net_demand``:

        * ``order_date``: when to place the order, ``lead_time`` periods
          before the window opens; ``arrival_date`` when it lands;
        * ``late``: the window opens less than ``lead_time`` periods after
          the first forecast date (or before it): the order is placed on the
          first forecast date and misses the start of the window;
        * ``window_demand``: mean demand from arrival to ``window_end``;
          ``carry_in``: mean stock carried into it; ``net_demand``: mean of
          ``max(window demand - carry, 0)``, the demand the order serves;
        * ``stock_after``: ``carry_in + order_qty``, the expected stock when
          the order lands;
        * ``expected_sales``, ``expected_leftover``: of the ordered units;
          ``expected_stockout``: the festival's expected lost sales from
          arrival on; ``fill_rate`` and ``cycle_service_level`` are those of
          the net demand; ``expected_profit`` is the optimizer's objective on
          the net demand;
        * ``reason``: the optimizer's, with ``"no demand"`` replaced by
          ``"covered by stock on hand"`` where the carry meets every path.

    Raises
    ------
    InvalidParameterError
        If both or neither of ``window`` and ``event`` are given, or
        ``optimizer`` is not a ReorderOptimizer or keys items differently.
    DataValidationError
        If a column is missing; a value is NaN or negative; ``lead_time`` is
        missing, negative or fractional; items lack paths or paths lack
        items; the event does not occur in the paths' span (or occurs
        several times and ``year`` is not given); the window ends before a
        series' first forecast date, beyond its last one or between its
        periods; an order arrives after the window ends (lead time too long:
        drop the item or plan it separately); or a path misses a period.
        Errors name the series and dates. The optimizer's own errors
        (budgets below service floors...) pass through.

    See Also
    --------
    forecastkit.ReorderOptimizer : the plan under shared constraints.
    forecastkit.inventory.protection_demand : the everyday reorder demand.
    forecastkit.EventCalendar.occurrences : festival windows.

    Notes
    -----
    Timing is on each series' forecast periods ``t_0, t_1, ...``. The window
    holds the periods whose date lies in ``[window_start, window_end]``; if
    the first is ``t_s``, the order is placed on ``t_(s - lead_time)`` and
    arrives on ``t_s``. When ``s < lead_time`` (or the window opened before
    ``t_0``), it is placed on ``t_0`` and arrives on ``t_(lead_time)``;
    such items are logged at WARNING level. With daily paths,
    ``order_date = window_start - lead_time`` days. Per path, with ``a`` the
    arrival period and ``e`` the window's last,
    ``C = max(on_hand + on_order - sum(y[t_0 .. t_(a-1)]), 0)``,
    ``D = sum(y[t_a .. t_e])`` and the order's demand is ``max(D - C, 0)``;
    all sums are vectorized over items and paths.

    Examples
    --------
    Double 11 (window October 22 - November 16) planned from October 15:
    ``A`` has a 5-day lead time; ``B`` has a 10-day one, too long to land by October 22,
    so it is late.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> days = pd.date_range("2024-10-15", "2024-11-16")
    >>> paths = pd.DataFrame({
    ...     "unique_id": np.repeat(["A", "B"], 100 * len(days)),
    ...     "sample": np.tile(np.repeat(np.arange(100), len(days)), 2),
    ...     "ds": np.tile(days, 200),
    ...     "y": rng.poisson(np.tile(np.r_[[5.0] * 7, [20.0] * 26], 200)),
    ... })
    >>> items = pd.DataFrame({"unique_id": ["A", "B"], "unit_cost": [6.0, 4.0],
    ...                       "price": [10.0, 9.0], "on_hand": [40, 0],
    ...                       "lead_time": [5, 10]})
    >>> plan = festival_orders(paths, items, event="double_11")
    >>> plan[["unique_id", "order_date", "arrival_date", "late", "order_qty"]]
      unique_id order_date arrival_date   late  order_qty
    0         B 2024-10-15   2024-10-25   True      465.0
    1         A 2024-10-17   2024-10-22  False      512.0
    >>> plan[["unique_id", "window_demand", "carry_in", "net_demand"]].round(1)
      unique_id  window_demand  carry_in  net_demand
    0         B          460.8       0.0       460.8
    1         A          523.8       6.4       517.4
    """
    optimizer = _check_optimizer(optimizer, id_col)
    values = path_values(
        paths, id_col=id_col, sample_col=sample_col, time_col=time_col, target_col=target_col
    )
    parsed = read_items(items, id_col=id_col, service_level=optimizer.service_level)
    ids = parsed.ids
    lead = _lead_times(items, ids)
    codes = _item_codes(paths[id_col], ids)
    ds = _to_ns(paths[time_col], time_col, paths[id_col])
    start, end = _resolve_window(window, event, calendar, year, ds)
    grid = _Grid.build(codes, ds, len(ids))
    timing = _timing(grid, start, end, lead, ids)
    sums = _path_sums(grid, codes, paths[sample_col], values, timing, ids)
    carry = np.maximum(parsed.position[sums["code"]] - sums["before"], 0.0)
    net = np.maximum(sums["window"] - carry, 0.0)
    demand = pd.DataFrame(
        {
            id_col: ids.take(sums["code"]),
            sample_col: sums["sample"],
            optimizer.demand_col: net,
        }
    )
    plan = optimizer.optimize(demand, items.assign(on_hand=0.0, on_order=0.0))
    count = np.bincount(sums["code"], minlength=len(ids))

    def mean(x: np.ndarray) -> np.ndarray:
        return np.bincount(sums["code"], weights=x, minlength=len(ids)) / count

    extra = {
        "window_demand": mean(sums["window"]),
        "carry_in": mean(carry),
        "net_demand": mean(net),
    }
    return _assemble(plan, timing, extra, start, end, id_col, paths[time_col].dtype)


# --------------------------------------------------------------------------- checks
def _check_optimizer(optimizer: Any, id_col: str) -> ReorderOptimizer:
    if optimizer is None:
        return ReorderOptimizer(id_col=id_col)
    if not isinstance(optimizer, ReorderOptimizer):
        raise InvalidParameterError(
            f"optimizer must be a ReorderOptimizer, got {type(optimizer).__name__}; pass e.g. "
            "ReorderOptimizer(budget=10_000)."
        )
    if optimizer.id_col != id_col:
        raise InvalidParameterError(
            f"optimizer.id_col is {optimizer.id_col!r} but id_col is {id_col!r}; items and "
            f"paths are keyed by id_col, so build the optimizer with id_col={id_col!r}."
        )
    return optimizer


def _lead_times(items: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    if "lead_time" not in items.columns:
        raise DataValidationError(
            "items has no column 'lead_time'; give every item its supplier lead time in "
            f"whole periods of the paths (columns found: {format_values(items.columns)})."
        )
    lead = pd.to_numeric(items["lead_time"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return per_id(lead, "items column 'lead_time'", ids, minimum=0, integer=True, unit=" (periods)")


def _item_codes(path_ids: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position in ``ids`` of each row's item; every item needs paths and vice versa."""
    codes = ids.get_indexer(pd.Index(path_ids))
    unknown = codes < 0
    if unknown.any():
        raise DataValidationError(
            f"paths has series not in items: {format_values(pd.unique(path_ids[unknown]))}; "
            "add them to items (with their lead_time) or drop their paths."
        )
    absent = np.bincount(codes, minlength=len(ids)) == 0
    if absent.any():
        raise DataValidationError(
            f"items {format_values(ids[absent])} have no sample paths; forecast them or drop "
            "them from items."
        )
    return codes.astype(np.int64)


# --------------------------------------------------------------------------- window
def _day(value: Any, name: str) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"{name}={value!r} is not a date such as '2024-11-11'.") from err
    if stamp is pd.NaT or pd.isna(stamp):
        raise DataValidationError(f"{name} is missing (NaT); pass a date such as '2024-11-11'.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(stamp.as_unit("ns").value)


def _resolve_window(
    window: Any, event: str | None, calendar: Any, year: int | None, ds: np.ndarray
) -> tuple[int, int]:
    """First and last day of the window, as int64 nanoseconds."""
    if (window is None) == (event is None):
        raise InvalidParameterError(
            "pass exactly one of window=(first_day, last_day) and event= (e.g. event='double_11')."
        )
    if window is None:
        return _event_window(str(event), calendar, year, ds)
    if calendar is not None or year is not None:
        raise InvalidParameterError(
            "calendar= and year= pick an occurrence of event=; with window= leave them out."
        )
    if isinstance(window, (str, bytes)) or np.ndim(window) != 1 or len(window) != 2:
        raise InvalidParameterError(
            f"window={window!r} is invalid; pass (first_day, last_day), e.g. "
            "('2024-10-20', '2024-11-16')."
        )
    start, end = _day(window[0], "window[0]"), _day(window[1], "window[1]")
    if end < start:
        raise InvalidParameterError(f"window={window!r} ends before it starts; swap the dates.")
    return start, end


def _event_window(event: str, calendar: Any, year: int | None, ds: np.ndarray) -> tuple[int, int]:
    if calendar is None:
        if event not in BUILTIN_FESTIVALS:
            raise DataValidationError(
                f"event {event!r} is not a built-in festival {list(BUILTIN_FESTIVALS)}; pass "
                "calendar=EventCalendar(events=...) defining it, or window=(first, last)."
            )
        calendar = EventCalendar(festivals=[event])
    elif not isinstance(calendar, EventCalendar):
        raise InvalidParameterError(
            f"calendar must be an EventCalendar, got {type(calendar).__name__}."
        )
    elif event not in calendar.event_names:
        raise DataValidationError(
            f"event {event!r} is not an event of the calendar; its events are "
            f"{format_values(calendar.event_names, max_items=20)}."
        )
    lo, hi = (pd.Timestamp(int(v)) for v in (ds.min(), ds.max()))
    occ = calendar.occurrences(lo.normalize(), hi.normalize())
    occ = occ[occ["event"] == event]
    span = f"the paths' span {format_values([lo, hi])}"
    if occ.empty:
        raise DataValidationError(
            f"event {event!r} has no occurrence in {span}; forecast paths over the festival "
            "or pass window=(first_day, last_day)."
        )
    found = occ["ds"]
    if year is not None:
        occ = occ[found.dt.year == year]
        if occ.empty:
            raise DataValidationError(
                f"event {event!r} has no occurrence in {year!r} within {span}; its "
                f"occurrences there are {format_values(found)}."
            )
    elif len(occ) > 1:
        raise DataValidationError(
            f"event {event!r} occurs {len(occ)} times in {span}: {format_values(found)}; "
            "pass year= to pick one."
        )
    row = occ.iloc[0]
    main = int(pd.Timestamp(row["ds"]).as_unit("ns").value)
    return main + int(row["lower_window"]) * _DAY_NS, main + int(row["upper_window"]) * _DAY_NS


# --------------------------------------------------------------------------- timing
class _Grid:
    """Each item's forecast dates, sorted, back to back, and each row's period."""

    def __init__(self, dates: np.ndarray, first: np.ndarray, count: np.ndarray, pos: np.ndarray):
        self.dates = dates  # int64 ns, unique per item, sorted within item
        self.first = first  # index in dates of each item's first date
        self.count = count  # forecast periods per item
        self.pos = pos  # period index (0 = first forecast date) of each paths row

    @classmethod
    def build(cls, codes: np.ndarray, ds: np.ndarray, n_items: int) -> _Grid:
        rel = ds - ds.min()
        unit = int(np.gcd.reduce(rel)) or 1
        span = int(rel.max()) // unit + 1
        if n_items * span < 2**62:
            keys, inverse = np.unique(codes * span + rel // unit, return_inverse=True)
            ucodes, dates = keys // span, (keys % span) * unit + ds.min()
        else:
            pairs, inverse = np.unique(np.column_stack([codes, ds]), axis=0, return_inverse=True)
            ucodes, dates = pairs[:, 0], pairs[:, 1]
        inverse = inverse.ravel()
        first = np.searchsorted(ucodes, np.arange(n_items))
        count = np.bincount(ucodes, minlength=n_items)
        return cls(dates, first, count, inverse - first[codes])

    def periods(self, mask: np.ndarray) -> np.ndarray:
        """Number of each item's dates where ``mask`` (over ``dates``) holds."""
        codes = np.repeat(np.arange(len(self.count)), self.count)
        return np.bincount(codes, weights=mask, minlength=len(self.count)).astype(np.int64)

    def date(self, period: np.ndarray) -> np.ndarray:
        return self.dates[self.first + period]


def _timing(
    grid: _Grid, start: int, end: int, lead: np.ndarray, ids: pd.Index
) -> dict[str, np.ndarray]:
    """Order and arrival periods and dates of each item, with the window's last period."""
    t0 = grid.date(np.zeros(len(ids), dtype=np.int64))
    last = grid.date(grid.count - 1)
    window = format_values([pd.Timestamp(start), pd.Timestamp(end)])
    first = "first forecast dates"
    _refuse(t0 > end, ids, f"the window {window} ends before their first forecast date", t0, first)
    _refuse(
        last < end, ids, f"their paths stop before the window {window} ends", last, "last dates"
    )
    s = grid.periods(grid.dates < start)  # first window period
    e = grid.periods(grid.dates <= end) - 1  # last window period
    _refuse(e < s, ids, f"none of their forecast periods falls in the window {window}", t0, first)
    late = (s < lead) | (t0 > start)
    order = np.maximum(s - lead, 0)
    arrival = order + lead
    too_long = arrival > e
    _refuse(
        too_long,
        ids,
        f"with lead times {format_values(lead[too_long].tolist())}, an order placed on their "
        f"first forecast date arrives after the window {window} ends; drop them from items",
        t0,
        first,
    )
    if late.any():
        logger.warning(
            "festival_orders: %d item(s) %s cannot be ordered lead_time periods before the "
            "window opens; ordered on their first forecast date, they arrive on %s",
            int(late.sum()),
            format_values(ids[late]),
            format_values(pd.to_datetime(grid.date(arrival)[late])),
        )
    return {
        "order": grid.date(order),
        "arrival": grid.date(arrival),
        "late": late,
        "a": arrival,
        "e": e,
    }


def _refuse(mask: np.ndarray, ids: pd.Index, what: str, dates: np.ndarray, label: str) -> None:
    if mask.any():
        raise DataValidationError(
            f"{int(mask.sum())} series {format_values(ids[mask])} cannot be planned: {what} "
            f"({label}: {format_values(pd.to_datetime(dates[mask]))})."
        )


# --------------------------------------------------------------------------- sums
def _path_sums(
    grid: _Grid,
    codes: np.ndarray,
    samples: pd.Series,
    values: np.ndarray,
    timing: dict[str, np.ndarray],
    ids: pd.Index,
) -> dict[str, Any]:
    """Per (item, path): demand before arrival and from arrival to the window's end."""
    sample_codes, sample_values = pd.factorize(samples)
    if (sample_codes < 0).any():
        raise DataValidationError(
            f"paths has missing sample numbers in series "
            f"{format_values(pd.unique(ids.take(codes[sample_codes < 0])))}; number every path."
        )
    n_samples = len(sample_values)
    keys, path = np.unique(codes * n_samples + sample_codes, return_inverse=True)
    path, path_code = path.ravel(), keys // n_samples
    e = timing["e"]
    keep = grid.pos <= e[codes]
    path, pos, v = path[keep], grid.pos[keep], values[keep]
    cells, repeats = np.unique(path * (int(e.max()) + 1) + pos, return_counts=True)
    broken = np.bincount(path, minlength=len(keys)) != e[path_code] + 1
    broken[cells[repeats > 1] // (int(e.max()) + 1)] = True
    if broken.any():
        raise DataValidationError(
            f"{int(broken.sum())} sample path(s) of series "
            f"{format_values(pd.unique(ids.take(path_code[broken])))} miss or repeat periods "
            "up to the window's end; every path needs each period from the first forecast "
            "date to the window's last day, once."
        )
    before = pos < timing["a"][codes[keep]]
    return {
        "code": path_code,
        "sample": sample_values.take(keys % n_samples),
        "before": np.bincount(path, weights=np.where(before, v, 0.0), minlength=len(keys)),
        "window": np.bincount(path, weights=np.where(before, 0.0, v), minlength=len(keys)),
    }


def _assemble(
    plan: pd.DataFrame,
    timing: dict[str, np.ndarray],
    extra: dict[str, np.ndarray],
    start: int,
    end: int,
    id_col: str,
    dtype: Any,
) -> pd.DataFrame:
    def stamps(ns: np.ndarray) -> np.ndarray:
        out = np.asarray(ns, dtype=np.int64).view("datetime64[ns]")
        return out.astype(dtype) if pd.api.types.is_datetime64_dtype(dtype) else out

    n = len(plan)
    out = plan.copy()
    out.insert(1, "order_date", stamps(timing["order"]))
    out.insert(2, "arrival_date", stamps(timing["arrival"]))
    out.insert(3, "late", timing["late"])
    out["stock_after"] = extra["carry_in"] + out["order_qty"].to_numpy()
    covered = (out["reason"] == "no demand").to_numpy() & (extra["window_demand"] > 0)
    out.loc[covered, "reason"] = "covered by stock on hand"
    out["window_start"] = stamps(np.full(n, start))
    out["window_end"] = stamps(np.full(n, end))
    for name, value in extra.items():
        out[name] = value
    out = out.sort_values(["order_date", id_col], kind="stable")
    return out.reset_index(drop=True)
