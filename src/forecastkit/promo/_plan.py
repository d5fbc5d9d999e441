"""Plan a promotion before it runs (:func:`forecastkit.promo.plan`).

:func:`plan` answers "what will that promotion bring?": it forecasts each
SKU's demand twice from a fitted forecaster with promotion and price
features, with the planned future (the baseline) and with the promotion
written into it (the scenario), on sample paths, and turns the two
into units, revenue, margin, markdown cost, profit and ROI with intervals,
and the pull-forward dip after the promotion.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._values import per_id
from forecastkit.data import to_pandas
from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    format_values,
)
from forecastkit.promo._plan_input import (
    _check_args,
    _check_model,
    _check_promotions,
    _first_dates,
    _refuse,
    _regular_prices,
    _Roles,
)

__all__ = ["PromoPlan", "plan"]

logger = logging.getLogger(__name__)

# random quantities before profit and roi, in output order (each with _lo, _hi columns)
_RANDOM = tuple(
    "baseline_units promoted_units incremental_units dip_units baseline_revenue promoted_revenue "
    "incremental_revenue baseline_margin promoted_margin incremental_margin markdown_cost".split()
)


@dataclass(frozen=True, repr=False)
class PromoPlan:
    """Forecast outcome of planned promotions (returned by :func:`plan`).

    Attributes
    ----------
    skus : pandas.DataFrame
        One row per promotion: ``id_col, start, end``, then the mean over
        sample paths of ``baseline_units, promoted_units, incremental_units,
        dip_units, baseline_revenue, promoted_revenue, incremental_revenue,
        baseline_margin, promoted_margin, incremental_margin, markdown_cost,
        profit, roi``, each followed by ``<name>_lo`` and ``<name>_hi`` (the
        central ``level`` interval over the paths), and the fixed
        ``promo_cost`` (after ``markdown_cost``).
    total : pandas.DataFrame
        One row: ``n_promotions``, ``start`` (earliest), ``end`` (latest) and
        the same quantities for all promotions together, from per-path sums.
    daily : pandas.DataFrame
        One row per SKU and period of its promotion and dip windows:
        ``id_col, time_col, baseline_units, promoted_units`` (means over the
        paths), ``baseline_price, promo_price`` (the price of the scenario)
        and ``in_promotion``.
    h : int
        Periods forecast after each series' history.
    level : float
        Coverage of the intervals.
    n_paths : int
        Sample paths behind every number.
    """

    skus: pd.DataFrame
    total: pd.DataFrame
    daily: pd.DataFrame
    h: int
    level: float
    n_paths: int

    def __repr__(self) -> str:
        t = self.total.iloc[0]

        def show(name: str, digits: int = 1) -> str:
            lo, hi = t[f"{name}_lo"], t[f"{name}_hi"]
            return f"{t[name]:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"

        n_skus = self.skus.iloc[:, 0].nunique()
        return (
            f"PromoPlan({int(t['n_promotions'])} promotions on {n_skus} SKUs, h={self.h}, "
            f"{self.level:.0%} intervals from {self.n_paths} paths: "
            f"incremental_units={show('incremental_units')}, dip_units={show('dip_units')}, "
            f"profit={show('profit', 2)}, roi={show('roi', 3)})"
        )


def plan(
    model: Any,
    promotions: pd.DataFrame,
    X_future: pd.DataFrame | None = None,
    *,
    unit_cost: float | Mapping | pd.Series,
    regular_price: float | Mapping | pd.Series | None = None,
    h: int | None = None,
    dip_window: int = 7,
    n_paths: int = 500,
    level: float = 0.9,
    seed: int = 0,
) -> PromoPlan:
    """Forecast units, revenue, margin and ROI of planned promotions, with intervals.

    The fitted ``model`` forecasts every series twice on ``n_paths`` sample
    paths drawn with the same ``seed``: from ``X_future`` as given (the
    baseline) and from a scenario, a copy of ``X_future`` in which each
    promotion's SKU has, on every period of its window, the promotion flag
    set to 1, the price set to the promotion price and the promotion type
    set (only the columns the model uses: a model without ``price_col``
    sees the flag, not the depth). Both use the same ``seed``, and
    scenario path ``s`` is compared with baseline path ``s + n_paths // 2``
    (modulo ``n_paths``, a fixed rotation): two draws that share no randomness, like the
    promotion's real sales and the sales it would have had without it,
    which are never both observed. The means are those of the two forecasts
    whatever the pairing; the intervals cover the realized outcome, the same
    lift :func:`evaluate` measures afterwards (actual sales minus a baseline
    draw). Pairing path ``s`` with path ``s`` would cancel the noise the
    two share and, with conformal paths, leave a zero-width interval that
    claims a certainty the model does not have.
    With :class:`~forecastkit.LGBMForecaster` the effect is what the
    model learned from past promotions and prices (depth, type, days into
    the promotion...); a model fitted with a ``calendar`` also
    forecasts the event effects of the future dates (Double 11, Black
    Friday...) in both the baseline and the scenario, so a promotion planned
    on an event is valued on top of it. With a recursive model (or the
    hybrid's recursive half) the promotion also reaches the periods after
    it through the lags: the pull-forward dip.

    Per promotion and sample path, with ``W`` the promotion window, ``D`` the
    ``dip_window`` periods after it, ``b`` the baseline price, ``q`` the
    price of the scenario (the promotion price in ``W``, else ``b``), ``c``
    the unit cost, ``B`` and ``P`` the baseline and scenario units:

    * ``baseline_units = sum_W B``, ``promoted_units = sum_W P``,
      ``incremental_units = promoted_units - baseline_units``;
    * ``dip_units = sum_D (P - B)`` (negative when demand is pulled forward);
    * ``baseline_revenue = sum_{W+D} b B``, ``promoted_revenue = sum_{W+D} q P``;
    * ``baseline_margin = sum_{W+D} (b - c) B``,
      ``promoted_margin = sum_{W+D} (q - c) P``; the ``incremental_*``
      quantities are promoted minus baseline (so the dip is counted);
    * ``markdown_cost = sum_W (b - q) P``, the revenue given away on the
      promoted units; ``promo_cost``: the promotion's fixed cost;
    * ``profit = incremental_margin - promo_cost`` and
      ``roi = profit / (markdown_cost + promo_cost)``: the profit per unit of
      money put into the promotion, NaN where that is 0. It is the planning
      counterpart of :func:`evaluate`'s ``(margin x (lift + dip) -
      promo_cost) / promo_cost``, with the markdown counted as an investment
      because the plan knows the price.

    Each is reported as its mean over the paths and the central ``level``
    interval of its per-path values, except ``roi``, which is the mean
    profit over the mean investment (the ROI of the expected outcome; a mean
    of per-path ratios is dominated by paths with little investment); its
    interval is the per-path one. Units are never negative.

    Parameters
    ----------
    model : estimator
        A fitted forecaster with ``sample_paths(h, n, X_future=, seed=)``
        and promotion or price features: an
        :class:`~forecastkit.LGBMForecaster` fitted with ``promo_col`` and/or
        ``price_col`` (and optionally ``regular_price_col``,
        ``promo_type_col``).
    promotions : pandas.DataFrame
        One row per promotion of a SKU: the model's ``id_col``, ``start`` and
        ``end`` (inclusive dates), and ``discount`` (depth in [0, 1)) or
        ``price`` (the promotion price, > 0); optional ``promo_type`` (needed
        when the model has a ``promo_type_col``) and ``promo_cost`` (fixed
        cost of that promotion; missing means 0). A discount applies to the
        baseline price of each period: ``X_future``'s ``regular_price_col``
        when the model has one, else its ``price_col``, else
        ``regular_price``. Promotions of one SKU must not overlap.
    X_future : pandas.DataFrame
        The baseline plan of future exogenous values, as for the model's
        ``predict`` (keyed on ``id_col``, ``time_col``). Never modified.
    unit_cost : float, mapping or pandas.Series
        Cost of one unit, one for all SKUs or one per SKU.
    regular_price : float, mapping or pandas.Series, optional
        The baseline selling price per SKU; needed (and only allowed) when
        the model has no ``price_col``, whose ``X_future`` values are
        otherwise the baseline prices.
    h : int, optional
        Periods to forecast after each series' history; default: just enough
        to cover every promotion and its dip window.
    dip_window : int, default=7
        Periods after each promotion's end in which its pull-forward dip is
        measured (and counted in revenue and margin).
    n_paths : int, default=500
        Sample paths of each forecast.
    level : float, default=0.9
        Coverage of the central intervals (``_lo``: quantile ``(1 - level) /
        2`` of the per-path values, ``_hi``: ``(1 + level) / 2``).
    seed : int, default=0
        Seed of both forecasts' sample paths.

    Returns
    -------
    PromoPlan
        ``skus`` (one row per promotion), ``total`` (one row) and ``daily``
        (per SKU and period).

    Raises
    ------
    InvalidParameterError
        A model without ``sample_paths`` or without promotion and price
        columns, ``regular_price`` missing or not allowed, or an invalid
        ``h``, ``dip_window``, ``n_paths`` or ``level``.
    NotFittedError
        If the model is not fitted.
    DataValidationError
        Promotions with unknown SKUs, bad dates or prices, overlapping
        promotions of one SKU, dates before the first forecast date or past
        ``h``; an ``X_future`` without the needed columns or rows. Messages
        name the SKUs and dates.

    Warns
    -----
    ForecastkitWarning
        When a promotion's dip window meets the next promotion of the same
        SKU: those periods count in both.

    See Also
    --------
    evaluate : the measured lift, dip and ROI of a past promotion.
    forecastkit.LGBMForecaster.what_if : point forecasts of a changed future.

    Notes
    -----
    The intervals carry the demand noise around the two forecasts, not the
    error of the effect the model learned: a model that has the price
    elasticity wrong gives a confident interval around the wrong lift.
    Check the model's promotion effects on past promotions
    (:func:`evaluate`) before trusting a plan.

    All promotions are forecast together, in one scenario, so a promotion's
    effect on the series of the others (through category price features)
    is included in their numbers; the effect on series without a
    promotion (cannibalization) is not counted. The ``total`` adds the
    promotions' values path by path (path ``s`` of every SKU), which treats
    paths of the same index as joint draws across series. The conformal
    paths of :class:`~forecastkit.LGBMForecaster` are drawn independently
    per series, so the total's interval assumes the SKUs' forecast errors
    independent, and is too narrow where they move together.

    Examples
    --------
    Two promotions planned on a simulated panel whose true price elasticity is
    known: 30% off a winter coat for a week, 20% off a beverage.

    >>> import forecastkit as fk
    >>> from forecastkit.promo import plan
    >>> data = fk.make_retail_demand(n_series=6, periods=300, horizon=21, seed=0,
    ...                              share_new=0, share_discontinued=0, share_intermittent=0)
    >>> cols = ["unique_id", "ds", "price", "regular_price", "promo"]
    >>> model = fk.LGBMForecaster(price_col="price", regular_price_col="regular_price",
    ...                           promo_col="promo", strategy="recursive", n_estimators=50,
    ...                           horizon=21, calibration_windows=2)
    >>> model = model.fit(data.sales.merge(data.exog[cols]))
    >>> static = data.static.set_index("unique_id")
    >>> promotions = pd.DataFrame({
    ...     "unique_id": static.index[:2],
    ...     "start": ["2022-11-01", "2022-11-03"], "end": ["2022-11-07", "2022-11-09"],
    ...     "discount": [0.3, 0.2], "promo_cost": [50.0, 50.0]})
    >>> out = plan(model, promotions, data.future_exog, unit_cost=static["unit_cost"],
    ...            n_paths=200, seed=0)
    >>> out.skus[["baseline_units", "incremental_units", "dip_units", "roi"]].round(1)
       baseline_units  incremental_units  dip_units  roi
    0           197.1               91.7        5.7 -0.5
    1           181.7               39.1      -11.3 -0.8
    >>> out.skus[["incremental_units_lo", "incremental_units_hi"]].round(1)
       incremental_units_lo  incremental_units_hi
    0                 -41.3                 224.7
    1                -181.9                 242.8
    >>> out.h, int(out.daily["in_promotion"].sum())
    (20, 14)

    The coat's true elasticity gives ``197.1 x (0.7 ** -e - 1)`` extra units
    on this baseline; the model, fitted on 300 days of 6 series with 50
    trees, finds a third of them: test a plan's model on held-out
    promotions (:func:`evaluate`) before trusting its ROI.

    >>> e = float(data.truth.series.set_index("unique_id").loc[static.index[0],
    ...                                                        "price_elasticity"])
    >>> round(197.1 * (0.7 ** -e - 1), 1)
    284.2
    """
    roles = _check_model(model)
    _check_args(h, dip_window, n_paths, level)
    frame, where = _future_index(X_future, roles)
    first = _first_dates(model, X_future, roles)
    promos = _check_promotions(promotions, roles, first.index)
    skus = pd.Index(pd.unique(promos[roles.id_col]))
    cost = per_id(unit_cost, "unit_cost", skus, minimum=0, what="SKUs")
    regular = _regular_prices(regular_price, skus, roles)
    steps = _steps(promos, first, roles)
    h = _horizon(promos, steps[1], h, dip_window, roles)
    window = _window_rows(promos, steps, roles)
    window["row"] = _lookup(where, window, "the promotion windows")
    window["price"] = _promo_prices(promos, window, frame, regular, skus, roles)
    scenario = _scenario(frame, promos, window, roles)
    base = model.sample_paths(h, n_paths, X_future=X_future, seed=seed)
    promo = model.sample_paths(h, n_paths, X_future=scenario, seed=seed)
    base_y, dates = _path_array(base, skus, n_paths, h, roles)
    promo_y, promo_dates = _path_array(promo, skus, n_paths, h, roles)
    if not np.array_equal(dates, promo_dates):
        raise DataValidationError("sample_paths returned different dates for the scenario.")
    grid = _grid(promos, window, skus, dates, dip_window, roles)
    prices = _prices(grid, frame, where, skus, dates, regular, roles)
    # scenario path s against baseline path s + n/2: independent outcomes (see Notes)
    values = _quantities(np.roll(base_y, -(n_paths // 2), axis=1), promo_y, grid, prices, cost)
    per_promo, total = _tables(promos, values, level, roles)
    daily = _daily(skus, dates, (base_y, promo_y), grid, prices, roles)
    logger.info(
        "promo plan: %d promotions on %d SKUs, h=%d, %d paths", len(promos), len(skus), h, n_paths
    )
    return PromoPlan(per_promo, total, daily, h=h, level=float(level), n_paths=int(n_paths))


# --------------------------------------------------------------------------- horizon
def _steps(promos: pd.DataFrame, first: pd.Series, roles: _Roles) -> tuple[np.ndarray, ...]:
    """First and last forecast step (1-based) of each promotion's window, and their dates.

    Returns ``lo, hi, axis, origin``: the grid of dates from the earliest first
    forecast date to the latest end, and the position of each promotion's SKU's
    first forecast date on it (step ``k`` of that SKU is ``axis[origin + k - 1]``).
    """
    id_col = roles.id_col
    f = first.reindex(promos[id_col]).to_numpy(dtype="datetime64[ns]")
    early = promos["start"].to_numpy() < f
    dates = format_values(promos.loc[early, "start"])
    firsts = format_values(pd.DatetimeIndex(f[early]))
    note = f"start on {dates}, before their first forecast date {firsts}; plan them after it."
    _refuse(promos, early, id_col, note)
    axis = pd.date_range(f.min(), promos["end"].max(), freq=roles.freq).to_numpy()
    origin = np.searchsorted(axis, f, "left")
    lo = np.searchsorted(axis, promos["start"].to_numpy(), "left") - origin + 1
    hi = np.searchsorted(axis, promos["end"].to_numpy(), "right") - origin
    note = f"contain no period of the model's frequency {roles.freq!r}; widen them."
    _refuse(promos, hi < lo, id_col, note)
    return lo, hi, axis, origin


def _horizon(
    promos: pd.DataFrame, hi: np.ndarray, h: int | None, dip_window: int, roles: _Roles
) -> int:
    need = hi + dip_window
    if h is None:
        return int(need.max())
    late = need > h
    note = (
        f"(ending {format_values(promos.loc[late, 'end'])}) need {int(need.max())} periods "
        f"with their dip window of {dip_window}, beyond h={h}; raise h or leave it to default."
    )
    _refuse(promos, late, roles.id_col, note)
    return int(h)


# --------------------------------------------------------------------------- scenario
def _future_index(X_future: Any, roles: _Roles) -> tuple[pd.DataFrame, pd.MultiIndex]:
    """``X_future`` as pandas and its (id, date) index; checks the columns plan needs."""
    if X_future is None:
        raise DataValidationError(
            "X_future is required: the scenario writes the promotions into the baseline plan "
            f"of future values; pass a frame with {roles.id_col!r}, {roles.time_col!r} and the "
            "model's exogenous columns for the forecast horizon."
        )
    frame = to_pandas(X_future)
    cols = [roles.id_col, roles.time_col, roles.promo, roles.price, roles.regular]
    cols.append(roles.promo_type)
    missing = [c for c in cols if c is not None and c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"X_future lacks the columns {format_values(missing)} of the model; give them for "
            "every series and date of the horizon."
        )
    dates = pd.to_datetime(frame[roles.time_col]).to_numpy(dtype="datetime64[ns]")
    where = pd.MultiIndex.from_arrays([frame[roles.id_col].to_numpy(dtype=object), dates])
    if not where.is_unique:
        dup = where[where.duplicated()]
        raise DataValidationError(
            f"X_future repeats (series, date) pairs of SKUs "
            f"{format_values(pd.unique(dup.get_level_values(0)))}; give one row per pair."
        )
    return frame, where


def _window_rows(
    promos: pd.DataFrame, steps: tuple[np.ndarray, ...], roles: _Roles
) -> pd.DataFrame:
    """One row per (promotion, period of its window): ``promo`` (row), ``step``, id, date."""
    lo, hi, axis, origin = steps
    count = hi - lo + 1
    which = np.repeat(np.arange(len(promos)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    step = lo[which] + offset
    return pd.DataFrame(
        {
            "promo": which,
            "step": step,
            "id": promos[roles.id_col].to_numpy()[which],
            "ds": axis[origin[which] + step - 1],
        }
    )


def _lookup(where: pd.MultiIndex, keys: pd.DataFrame, what: str) -> np.ndarray:
    """Row of ``X_future`` of each (``id``, ``ds``) of ``keys``; missing rows are an error."""
    rows = where.get_indexer(pd.MultiIndex.from_arrays([keys["id"], keys["ds"]]))
    if (rows < 0).any():
        bad = keys[rows < 0]
        raise DataValidationError(
            f"X_future has no rows for {int((rows < 0).sum())} periods of {what}, in SKUs "
            f"{format_values(pd.unique(bad['id']))} (dates "
            f"{format_values(pd.DatetimeIndex(bad['ds']))}); give X_future for every series "
            "and date of the horizon."
        )
    return rows


def _promo_prices(
    promos: pd.DataFrame,
    window: pd.DataFrame,
    frame: pd.DataFrame,
    regular: np.ndarray | None,
    skus: pd.Index,
    roles: _Roles,
) -> np.ndarray:
    """Promotion price of each window row: the given price or the discounted baseline."""
    given = promos["price"].to_numpy()[window["promo"]]
    depth = promos["discount"].to_numpy()[window["promo"]]
    source = roles.regular or roles.price
    if source is not None:
        reference = frame[source].to_numpy(dtype=np.float64, na_value=np.nan)[window["row"]]
    else:
        assert regular is not None  # _regular_prices requires it without a price column
        reference = regular[skus.get_indexer(window["id"])]
    out = np.where(np.isnan(given), reference * (1.0 - depth), given)
    _check_prices(out, window, source, "the discount needs it; give it or a promotion 'price'")
    return out


def _check_prices(values: np.ndarray, keys: pd.DataFrame, column: Any, why: str) -> None:
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataValidationError(
            f"X_future[{column!r}] is missing or negative for SKUs "
            f"{format_values(pd.unique(keys.loc[bad, 'id']))} on "
            f"{format_values(pd.DatetimeIndex(keys.loc[bad, 'ds']))}; {why}."
        )


def _scenario(
    frame: pd.DataFrame, promos: pd.DataFrame, window: pd.DataFrame, roles: _Roles
) -> pd.DataFrame:
    """A copy of ``X_future`` with the promotions written into their windows."""
    out = frame.copy()
    rows = window["row"].to_numpy()
    if roles.promo is not None:
        flag = out[roles.promo].to_numpy(copy=True)
        flag[rows] = 1
        out[roles.promo] = flag
    if roles.price is not None:
        price = out[roles.price].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        price[rows] = window["price"].to_numpy()
        out[roles.price] = price
    if roles.promo_type is not None:
        kind = out[roles.promo_type].to_numpy(dtype=object, copy=True)
        kind[rows] = promos["promo_type"].to_numpy(dtype=object)[window["promo"]]
        out[roles.promo_type] = kind
    return out


# --------------------------------------------------------------------------- paths
def _path_array(
    paths: pd.DataFrame, skus: pd.Index, n: int, h: int, roles: _Roles
) -> tuple[np.ndarray, np.ndarray]:
    """``(n_skus, n, h)`` non-negative path values and the ``(n_skus, h)`` dates."""
    id_col, time_col = roles.id_col, roles.time_col
    code = skus.get_indexer(paths[id_col].to_numpy(dtype=object))
    keep = code >= 0
    sample = paths["sample"].to_numpy()[keep]
    ds = pd.to_datetime(paths[time_col]).to_numpy(dtype="datetime64[ns]")[keep]
    order = np.lexsort((ds, sample, code[keep]))
    if order.size != len(skus) * n * h:
        raise DataValidationError(
            f"sample_paths returned {order.size} rows for the {len(skus)} SKUs, expected "
            f"{len(skus) * n * h} ({n} paths of {h} periods each)."
        )
    y = paths[roles.target_col].to_numpy(dtype=np.float64)[keep][order].reshape(len(skus), n, h)
    if not np.isfinite(y).all():
        raise DataValidationError("sample_paths returned NaN or infinite values.")
    dates = ds[order].reshape(len(skus), n, h)[:, 0, :]
    return np.clip(y, 0.0, None), dates


def _grid(
    promos: pd.DataFrame,
    window: pd.DataFrame,
    skus: pd.Index,
    dates: np.ndarray,
    dip_window: int,
    roles: _Roles,
) -> dict[str, np.ndarray]:
    """Per promotion ``(P, h)`` window and dip masks; per SKU ``(S, h)`` scenario prices."""
    n_promos, h = len(promos), dates.shape[1]
    sku = skus.get_indexer(promos[roles.id_col])
    step = window["step"].to_numpy() - 1
    promo = window["promo"].to_numpy()
    if not np.array_equal(dates[sku[promo], step], window["ds"].to_numpy()):
        raise DataValidationError(
            f"sample_paths returned dates off the model's frequency {roles.freq!r}; "
            "expected consecutive periods after each series' history."
        )
    inside = np.zeros((n_promos, h), dtype=bool)
    inside[promo, step] = True
    last = h - 1 - np.argmax(inside[:, ::-1], axis=1)
    steps = np.arange(h)
    dip = (steps > last[:, None]) & (steps <= last[:, None] + dip_window)
    price = np.full((len(skus), h), np.nan)
    price[sku[promo], step] = window["price"].to_numpy()
    on = ~np.isnan(price)  # (S, h): some promotion of the SKU runs
    clash = (dip & on[sku]).any(axis=1)
    if clash.any():
        warnings.warn(
            f"the dip windows of promotions of SKUs "
            f"{format_values(pd.unique(promos.loc[clash, roles.id_col]))} meet the next "
            "promotion of the same SKU; those periods count in both. Lower dip_window to "
            "keep them apart.",
            ForecastkitWarning,
            stacklevel=3,
        )
    used = np.zeros((len(skus), h), dtype=bool)
    np.logical_or.at(used, sku, inside | dip)
    return {"sku": sku, "inside": inside, "dip": dip, "promo_price": price, "used": used, "on": on}


def _prices(
    grid: dict[str, np.ndarray],
    frame: pd.DataFrame,
    where: pd.MultiIndex,
    skus: pd.Index,
    dates: np.ndarray,
    regular: np.ndarray | None,
    roles: _Roles,
) -> tuple[np.ndarray, np.ndarray]:
    """``(S, h)`` baseline and scenario prices on the periods used (0 elsewhere)."""
    used = grid["used"]
    base = np.zeros(used.shape)
    if roles.price is None:
        assert regular is not None  # _regular_prices requires it without a price column
        base[:] = regular[:, None]
    else:
        s, k = np.nonzero(used)
        keys = pd.DataFrame({"id": skus.to_numpy()[s], "ds": dates[s, k]})
        rows = _lookup(where, keys, "the promotion and dip windows")
        values = frame[roles.price].to_numpy(dtype=np.float64, na_value=np.nan)[rows]
        _check_prices(values, keys, roles.price, "revenue and margin need the baseline price")
        base[s, k] = values
    base = np.where(used, base, 0.0)
    promo = np.where(np.isnan(grid["promo_price"]), base, grid["promo_price"])
    return base, np.where(used, promo, 0.0)


def _quantities(
    base: np.ndarray,
    promo: np.ndarray,
    grid: dict[str, np.ndarray],
    prices: tuple[np.ndarray, np.ndarray],
    cost: np.ndarray,
) -> dict[str, np.ndarray]:
    """``(P, n)`` per-path values of every quantity, by name."""
    sku, inside, dip = grid["sku"], grid["inside"], grid["dip"]
    both = inside | dip
    b, q = prices[0][sku], prices[1][sku]
    c = cost[sku][:, None]
    B, P = base[sku], promo[sku]

    def total(paths: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return np.einsum("pnh,ph->pn", paths, weight.astype(np.float64))

    out = {
        "baseline_units": total(B, inside),
        "promoted_units": total(P, inside),
        "dip_units": total(P - B, dip),
        "baseline_revenue": total(B, both * b),
        "promoted_revenue": total(P, both * q),
        "baseline_margin": total(B, both * (b - c)),
        "promoted_margin": total(P, both * (q - c)),
        "markdown_cost": total(P, inside * (b - q)),
    }
    for name in ("units", "revenue", "margin"):
        out[f"incremental_{name}"] = out[f"promoted_{name}"] - out[f"baseline_{name}"]
    return out


# --------------------------------------------------------------------------- tables
def _summary(
    values: dict[str, np.ndarray], promo_cost: np.ndarray, level: float
) -> dict[str, np.ndarray]:
    """Mean and central interval of every quantity; profit and ROI (rows: promotions)."""
    tail = (1.0 - level) / 2.0
    out: dict[str, np.ndarray] = {}

    def add(name: str, paths: np.ndarray) -> None:
        out[name] = paths.mean(axis=1)
        out[f"{name}_lo"], out[f"{name}_hi"] = np.quantile(paths, [tail, 1 - tail], axis=1)

    for name in _RANDOM:
        add(name, values[name])
    out["promo_cost"] = promo_cost
    profit = values["incremental_margin"] - promo_cost[:, None]
    add("profit", profit)
    spent = values["markdown_cost"] + promo_cost[:, None]
    out["roi"] = _ratio(out["profit"], spent.mean(axis=1))
    ratio = _ratio(profit, spent)
    lo, hi = np.full(len(ratio), np.nan), np.full(len(ratio), np.nan)
    some = ~np.isnan(ratio).all(axis=1)
    if some.any():
        lo[some], hi[some] = np.nanquantile(ratio[some], [tail, 1 - tail], axis=1)
    out["roi_lo"], out["roi_hi"] = lo, hi
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0."""
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _tables(
    promos: pd.DataFrame, values: dict[str, np.ndarray], level: float, roles: _Roles
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-promotion table and the one-row total."""
    cost = promos["promo_cost"].to_numpy(dtype=np.float64)
    keys = promos[[roles.id_col, "start", "end"]]
    per = pd.concat([keys, pd.DataFrame(_summary(values, cost, level))], axis=1)
    summed = {name: v.sum(axis=0, keepdims=True) for name, v in values.items()}
    head = {"n_promotions": [len(promos)], "start": [keys["start"].min()]}
    head["end"] = [keys["end"].max()]
    summary = _summary(summed, cost.sum(keepdims=True), level)
    return per, pd.concat([pd.DataFrame(head), pd.DataFrame(summary)], axis=1)


def _daily(
    skus: pd.Index,
    dates: np.ndarray,
    paths: tuple[np.ndarray, np.ndarray],
    grid: dict[str, np.ndarray],
    prices: tuple[np.ndarray, np.ndarray],
    roles: _Roles,
) -> pd.DataFrame:
    """Per SKU and period of its windows: mean units, prices, promotion flag."""
    base, promo = paths
    used = grid["used"]
    s, k = np.nonzero(used)
    return pd.DataFrame(
        {
            roles.id_col: skus.to_numpy()[s],
            roles.time_col: dates[s, k],
            "baseline_units": base.mean(axis=1)[s, k],
            "promoted_units": promo.mean(axis=1)[s, k],
            "baseline_price": prices[0][s, k],
            "promo_price": prices[1][s, k],
            "in_promotion": grid["on"][s, k],
        }
    )
