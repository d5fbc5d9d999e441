"""The ``forecast``, ``plan`` and ``backtest`` commands (private).

Each ``run_*`` function takes the resolved options (see
:func:`forecastkit._cli_config.resolve`) and a :class:`~forecastkit._cli_io.Console`,
does its work through the public API, writes its outputs atomically and
returns the exit code. Errors in the inputs surface as
:class:`~forecastkit.errors.ForecastkitError` subclasses, which the command
line turns into exit code 2.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._cli_config import CliInputError
from forecastkit._cli_io import Console, read_table, write_table
from forecastkit.calendar import EventCalendar
from forecastkit.data import infer_freq
from forecastkit.errors import DataValidationError, format_values
from forecastkit.evaluate import backtest
from forecastkit.inventory import ReorderOptimizer, demand_from_quantiles, protection_demand
from forecastkit.ml import LGBMForecaster
from forecastkit.timeseries import StatsForecaster
from forecastkit.timeseries.forecaster import default_season_length

__all__ = ["run_backtest", "run_forecast", "run_plan"]

logger = logging.getLogger("forecastkit.cli")

# Column names the lgbm model picks up by itself when its flag is not given.
_ROLE_NAMES = {
    "price_col": "price",
    "regular_price_col": "regular_price",
    "promo_col": "promo",
    "promo_type_col": "promo_type",
}
_WEATHER_NAMES = ("temperature", "precipitation")
_STATIC_NAMES = {"category_col": "category", "location_col": "store"}


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Inputs:
    """The sales history with its exogenous columns, future values and static features."""

    sales: pd.DataFrame
    future: pd.DataFrame | None
    static: pd.DataFrame | None
    exog_cols: tuple[str, ...]
    cols: dict[str, str]

    @property
    def keys(self) -> list[str]:
        return [self.cols["id_col"], self.cols["time_col"]]

    @property
    def core(self) -> pd.DataFrame:
        """Id, date and target only."""
        return self.sales[[*self.keys, self.cols["target_col"]]]


def columns(job: argparse.Namespace) -> dict[str, str]:
    """The ``id_col``, ``time_col`` and ``target_col`` options."""
    return {"id_col": job.id_col, "time_col": job.time_col, "target_col": job.target_col}


def _merge_exog(
    sales: pd.DataFrame, exog: pd.DataFrame, cols: dict[str, str], path: str
) -> pd.DataFrame:
    keys = [cols["id_col"], cols["time_col"]]
    clash = [c for c in exog.columns if c in sales.columns and c not in keys]
    if clash:
        raise DataValidationError(
            f"exog file {path!r} repeats column(s) {format_values(clash)} of the sales file; "
            "keep each column in one file."
        )
    dup = exog.duplicated(keys).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"exog file {path!r} has {int(dup.sum())} repeated (id, date) rows, e.g. series "
            f"{format_values(pd.unique(exog.loc[dup, keys[0]]))}; give one row per series and "
            "date."
        )
    return sales.merge(exog, on=keys, how="left", sort=False)


def load_inputs(job: argparse.Namespace) -> Inputs:
    """Read ``--sales`` and merge ``--exog``; read ``--future-exog`` and ``--static``."""
    cols = columns(job)
    time_col, target_col = cols["time_col"], cols["target_col"]
    common = {"id_col": cols["id_col"], "time_col": time_col}
    sales = read_table(job.sales, "sales file", **common, required=[time_col, target_col])
    future = None
    if job.exog is not None:
        exog = read_table(job.exog, "exog file", **common, required=[time_col])
        if target_col in exog.columns:
            raise DataValidationError(
                f"exog file {job.exog!r} has the target column {target_col!r}; the target "
                "belongs in the sales file."
            )
        sales = _merge_exog(sales, exog, cols, job.exog)
        future = exog
    if job.future_exog is not None:
        future = read_table(job.future_exog, "future exog file", **common, required=[time_col])
    static = None
    if job.static is not None:
        static = read_table(job.static, "static file", id_col=cols["id_col"])
    exog_cols = tuple(c for c in sales.columns if c not in cols.values())
    sales = _early_ends(sales, cols, drop=job.drop_ended)
    return Inputs(sales, future, static, exog_cols, cols)


def _early_ends(sales: pd.DataFrame, cols: dict[str, str], *, drop: bool) -> pd.DataFrame:
    """Drop (``--drop-ended``) or warn about series that end before the last date."""
    last = sales.groupby(cols["id_col"], sort=True)[cols["time_col"]].max()
    early = last.index[last < last.max()]
    if not len(early):
        return sales
    if drop:
        logger.info("--drop-ended: %d series left out, e.g. %s", len(early), format_values(early))
        return sales[~sales[cols["id_col"]].isin(early)].reset_index(drop=True)
    logger.warning(
        "%d series end before the last date %s, e.g. %s; their forecasts start after their "
        "own last date. Pass --drop-ended to leave discontinued series out.",
        len(early),
        pd.Timestamp(last.max()).date(),
        format_values(early),
    )
    return sales


# --------------------------------------------------------------------------- models
def _calendar(job: argparse.Namespace) -> EventCalendar | None:
    festivals = job.festivals
    if job.country is None and festivals is None:
        return None
    if isinstance(festivals, tuple):
        festivals = list(festivals)
    return EventCalendar(country=job.country, subdiv=job.subdiv, festivals=festivals)


def _role(given: Any, conventional: str, present: Sequence[str]) -> Any:
    """The flag's column, else the conventional name when a file has it, else None."""
    if given is not None:
        return given
    return conventional if conventional in present else None


def _lgbm_roles(job: argparse.Namespace, inputs: Inputs) -> dict[str, Any]:
    """Column roles of the lgbm model: the flags, else the conventional names present."""
    static_cols = () if inputs.static is None else tuple(inputs.static.columns)
    roles = {
        name: _role(getattr(job, name), c, inputs.exog_cols) for name, c in _ROLE_NAMES.items()
    }
    roles |= {name: _role(getattr(job, name), c, static_cols) for name, c in _STATIC_NAMES.items()}
    weather = job.weather_col or [c for c in _WEATHER_NAMES if c in inputs.exog_cols]
    roles["weather_cols"] = list(weather) or None
    logger.info("lgbm column roles: %s", {k: v for k, v in roles.items() if v})
    return roles


def model_kind(job: argparse.Namespace, inputs: Inputs) -> str:
    """``stats`` or ``lgbm``: ``auto`` picks lgbm when exogenous or static data are given."""
    if job.model != "auto":
        return str(job.model)
    kind = "lgbm" if inputs.exog_cols or inputs.static is not None else "stats"
    logger.info("--model auto: %s", kind)
    return kind


def build_model(job: argparse.Namespace, inputs: Inputs, kind: str, horizon: int) -> Any:
    """An unfitted forecaster of ``kind`` configured from the options."""
    calendar = _calendar(job)
    if kind == "stats":
        if inputs.exog_cols or inputs.static is not None:
            logger.warning(
                "--model stats uses the target only; exogenous columns %s and --static are "
                "ignored (use --model lgbm to learn from them).",
                format_values(inputs.exog_cols),
            )
        return StatsForecaster(
            season_length=job.season_length,
            calendar=calendar,
            freq=job.freq,
            n_jobs=job.n_jobs,
            random_state=job.seed,
        )
    return LGBMForecaster(
        calendar=calendar,
        horizon=horizon,
        n_estimators=job.n_estimators,
        freq=job.freq,
        random_state=job.seed,
        n_jobs=job.n_jobs,
        **_lgbm_roles(job, inputs),
    )


def fit(model: Any, inputs: Inputs) -> Any:
    """Fit ``model`` to the history (lgbm with the exogenous and static columns)."""
    if isinstance(model, LGBMForecaster):
        return model.fit(inputs.sales, static=inputs.static, **inputs.cols)
    return model.fit(inputs.core, **inputs.cols)


def _future_kwargs(model: Any, inputs: Inputs) -> dict[str, Any]:
    if isinstance(model, LGBMForecaster) and inputs.exog_cols:
        if inputs.future is None:
            raise CliInputError(
                f"the lgbm model learned from exogenous columns {format_values(inputs.exog_cols)} "
                "and needs their future values: pass --future-exog (or future rows in --exog)."
            )
        return {"X_future": inputs.future}
    return {}


def _forecast_call(
    call: Callable[..., pd.DataFrame], model: Any, inputs: Inputs, *args: Any, **kwargs: Any
) -> pd.DataFrame:
    """``call(*args, **kwargs)`` with the future exogenous values; their errors name the flags."""
    future = _future_kwargs(model, inputs)
    try:
        return call(*args, **kwargs, **future)
    except DataValidationError as err:
        if future and str(err).startswith("X_future"):
            raise DataValidationError(
                f"future exogenous values (--future-exog, or the rows of --exog after the "
                f"history): {err}"
            ) from err
        raise


def predict(model: Any, inputs: Inputs, horizon: int, quantiles: Sequence[float]) -> pd.DataFrame:
    """Forecasts of ``model`` with quantiles."""
    return _forecast_call(model.predict, model, inputs, horizon, quantiles=list(quantiles))


def sample_paths(model: Any, inputs: Inputs, horizon: int, n: int, seed: int) -> pd.DataFrame:
    """``n`` sample paths per series."""
    return _forecast_call(model.sample_paths, model, inputs, horizon, n, seed=seed)


def _model_line(model: Any) -> str:
    if isinstance(model, StatsForecaster):
        counts = model.model_table_["model"].value_counts()
        top = ", ".join(f"{name} {count}" for name, count in counts.head(4).items())
        return f"StatsForecaster (models chosen per series: {top})"
    return f"LGBMForecaster ({len(model.feature_names_)} features)"


# --------------------------------------------------------------------------- forecast
def _save_model(model: Any, job: argparse.Namespace) -> None:
    """Save the fitted forecaster with :func:`forecastkit.persist.save` (atomic)."""
    from forecastkit.persist import save

    target = Path(job.save_model)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        save(model, target, metadata={"command": "forecast", "sales": str(job.sales)})
    except OSError as err:
        raise CliInputError(f"cannot save the model to {str(target)!r}: {err}") from err
    logger.info("saved the fitted model to %s", target)


def run_forecast(job: argparse.Namespace, console: Console) -> int:
    """``forecastkit forecast``: fit, forecast with quantiles, optionally sample paths."""
    steps = 3 + (job.paths_out is not None)
    with console.progress(steps, "forecast") as bar:
        inputs = load_inputs(job)
        kind = model_kind(job, inputs)
        model = build_model(job, inputs, kind, job.horizon)
        bar.advance(f"fitting {kind}")
        fit(model, inputs)
        bar.advance("forecasting")
        forecasts = predict(model, inputs, job.horizon, job.quantiles)
        paths = None
        if job.paths_out is not None:
            bar.advance("sample paths")
            paths = sample_paths(model, inputs, job.horizon, job.paths, job.seed)
        out = write_table(forecasts, job.out, "forecasts")
        if paths is not None:
            write_table(paths, job.paths_out, "sample paths")
        if job.save_model is not None:
            _save_model(model, job)
        bar.advance()
    n_series = forecasts[job.id_col].nunique()
    console.say(f"forecast: {n_series} series x {job.horizon} periods, {_model_line(model)}")
    console.say(f"forecasts: {out} ({len(forecasts)} rows)")
    if paths is not None:
        console.say(f"sample paths: {job.paths_out} ({job.paths} per series)")
    if job.save_model is not None:
        console.say(f"model: {job.save_model}")
    return 0


# --------------------------------------------------------------------------- plan
def _whole(values: pd.Series, name: str, minimum: int, ids: pd.Index, flag: str) -> np.ndarray:
    raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(raw)
    if missing.any():
        raise DataValidationError(
            f"{name} is unknown for {int(missing.sum())} item(s) {format_values(ids[missing])}; "
            f"give {flag} or a numeric {name!r} column in the items file."
        )
    bad = (raw != np.round(raw)) | (raw < minimum)
    if bad.any():
        raise DataValidationError(
            f"{name} must be a whole number of periods >= {minimum}; it is not for "
            f"{int(bad.sum())} item(s) {format_values(ids[bad])}."
        )
    return raw.astype(np.int64)


def protection_periods(job: argparse.Namespace, items: pd.DataFrame) -> pd.Series:
    """Each item's protection interval: ``lead_time + review_period`` periods.

    From the items' ``lead_time`` / ``review_period`` columns where present
    and filled, else from ``--lead-time`` / ``--review-period``.
    """
    ids = pd.Index(items[job.id_col])
    total = np.zeros(len(ids), dtype=np.int64)
    for name, flag, minimum in (
        ("lead_time", job.lead_time, 0),
        ("review_period", job.review_period, 1),
    ):
        option = "--" + name.replace("_", "-")
        if flag is None and name not in items.columns:
            raise CliInputError(
                f"the protection interval needs {option} (in periods of the data), or a "
                f"{name!r} column in the items file."
            )
        default = pd.Series(np.nan if flag is None else float(flag), index=items.index)
        values = items[name].fillna(default) if name in items.columns else default
        total += _whole(values, name, minimum, ids, option)
    return pd.Series(total, index=ids, name="periods")


def _quantile_level(column: object) -> float | None:
    name = str(column)
    try:
        level = float(name[1:]) if name.startswith("q") else None
    except ValueError:
        return None
    return level if level is not None and 0 < level < 1 else None


def _only_items(frame: pd.DataFrame, ids: pd.Index, id_col: str, what: str) -> pd.DataFrame:
    keep = frame[id_col].isin(ids).to_numpy()
    if not keep.all():
        dropped = pd.unique(frame.loc[~keep, id_col])
        logger.info("%s: %d series not in the items file left out", what, len(dropped))
    return frame.loc[keep].reset_index(drop=True)


def _demand_from_file(job: argparse.Namespace, items: pd.DataFrame) -> pd.DataFrame:
    """Demand samples from a ``--forecasts`` file; its kind is told by its columns."""
    cols = columns(job)
    id_col, time_col, target_col = cols["id_col"], cols["time_col"], cols["target_col"]
    frame = read_table(job.forecasts, "forecasts file", id_col=id_col, time_col=time_col)
    ids = pd.Index(items[id_col])
    names = set(frame.columns)
    levels = [c for c in frame.columns if _quantile_level(c) is not None]
    if {"sample", time_col, target_col} <= names:
        paths = _only_items(frame, ids, id_col, "sample paths")
        periods = protection_periods(job, items)
        return protection_demand(paths, periods, **cols, sample_col="sample")
    if {"sample", "demand"} <= names:
        return _only_items(frame[[id_col, "sample", "demand"]], ids, id_col, "demand samples")
    if levels and time_col not in names:
        quantiles = _only_items(frame[[id_col, *levels]], ids, id_col, "quantiles")
        return demand_from_quantiles(quantiles, n_samples=job.paths, id_col=id_col)
    if levels:
        raise DataValidationError(
            f"forecasts file {job.forecasts!r} holds per-period quantiles (column {time_col!r} "
            f"and {format_values(levels)}); quantiles of single periods do not add up to the "
            "quantiles of the protection interval. Pass sample paths instead (forecastkit "
            "forecast --paths-out paths.csv), one row per item with quantiles of the interval "
            "demand, or plan from --sales."
        )
    raise DataValidationError(
        f"forecasts file {job.forecasts!r} has columns {format_values(list(frame.columns), 10)}; "
        f"expected sample paths ({id_col!r}, 'sample', {time_col!r}, {target_col!r}), interval "
        f"quantiles ({id_col!r} and q<p> columns such as 'q0.9') or demand samples "
        f"({id_col!r}, 'sample', 'demand')."
    )


def _demand_from_sales(job: argparse.Namespace, items: pd.DataFrame, bar: Any) -> pd.DataFrame:
    """Fit a forecaster, draw sample paths and sum them over each item's interval."""
    inputs = load_inputs(job)
    periods = protection_periods(job, items)
    ids = pd.Index(items[job.id_col])
    unknown = ids[~ids.isin(pd.unique(inputs.sales[job.id_col]))]
    if len(unknown):
        raise DataValidationError(
            f"{len(unknown)} item(s) of the items file have no sales history: "
            f"{format_values(unknown)}; add their sales or drop them from the items file."
        )
    horizon = int(periods.max())
    kind = model_kind(job, inputs)
    model = build_model(job, inputs, kind, horizon)
    bar.advance(f"fitting {kind}")
    fit(model, inputs)
    bar.advance("sample paths")
    paths = sample_paths(model, inputs, horizon, job.paths, job.seed)
    paths = _only_items(paths, ids, job.id_col, "sample paths")
    return protection_demand(paths, periods, **columns(job), sample_col="sample")


def optimizer_items(job: argparse.Namespace, items: pd.DataFrame) -> pd.DataFrame:
    """The items frame the optimizer gets: suppliers as text, interval columns dropped."""
    frame = items.drop(columns=[c for c in ("lead_time", "review_period") if c in items.columns])
    if "supplier" in frame.columns:
        supplier = frame["supplier"]
        frame = frame.assign(supplier=supplier.where(supplier.isna(), supplier.astype(str)))
    return frame


def make_optimizer(job: argparse.Namespace) -> ReorderOptimizer:
    budgets = dict(job.supplier_budget) if job.supplier_budget else None
    return ReorderOptimizer(
        budget=job.budget,
        supplier_budgets=budgets,
        capacity=job.capacity,
        service_level=job.service_level,
        time_limit=job.time_limit,
        id_col=job.id_col,
    )


def plan_summary(plan: pd.DataFrame, optimizer: ReorderOptimizer) -> list[tuple[str, str]]:
    """(label, value) lines describing a plan."""
    ordering = int((plan["order_qty"] > 0).sum())
    spend = float(plan["order_cost"].sum())
    budget = "" if optimizer.budget is None else f" of budget {optimizer.budget:,.2f}"
    sales = float(plan["expected_sales"].sum())
    demand = sales + float(plan["expected_stockout"].sum())
    fill = sales / demand if demand > 0 else float("nan")
    return [
        ("items", f"{len(plan)} ({ordering} ordering)"),
        ("units", f"{plan['order_qty'].sum():,.0f}"),
        ("spend", f"{spend:,.2f}{budget}"),
        ("expected profit", f"{plan['expected_profit'].sum():,.2f}"),
        ("expected fill rate", f"{fill:.3f}"),
        ("solver", f"{optimizer.status_}, gap {optimizer.gap_:.2g}"),
    ]


def run_plan(job: argparse.Namespace, console: Console) -> int:
    """``forecastkit plan``: demand samples, then the optimizer's order plan."""
    if (job.sales is None) == (job.forecasts is None):
        raise CliInputError(
            "plan needs either --sales (fit a forecaster and draw sample paths) or "
            "--forecasts (sample paths, interval quantiles or demand samples), not both."
        )
    with console.progress(4 if job.sales is not None else 2, "plan") as bar:
        items = read_table(job.items, "items file", id_col=job.id_col)
        if job.sales is not None:
            demand = _demand_from_sales(job, items, bar)
        else:
            demand = _demand_from_file(job, items)
        bar.advance("optimizing")
        optimizer = make_optimizer(job)
        plan = optimizer.optimize(demand, optimizer_items(job, items))
        out = write_table(plan, job.out, "order plan")
        bar.advance()
    console.say("order plan:")
    console.table([(f"  {label}", value) for label, value in plan_summary(plan, optimizer)])
    console.say(f"orders: {out}")
    return 0


# --------------------------------------------------------------------------- backtest
class _Counted:
    """A forecaster that ticks a progress bar after each window's forecast.

    :func:`forecastkit.evaluate.backtest` deep-copies forecasters without
    ``get_params``; the copy is a fresh clone that keeps the same tick.
    """

    def __init__(self, model: Any, tick: Callable[[], None]) -> None:
        self.model = model
        self.tick = tick

    def __deepcopy__(self, memo: dict) -> _Counted:
        from sklearn.base import clone

        return type(self)(clone(self.model), self.tick)

    def fit(self, df: pd.DataFrame, **kwargs: Any) -> _Counted:
        self.model.fit(df, **kwargs)
        return self

    def predict(self, h: int, *, quantiles: Sequence[float] | None = None) -> pd.DataFrame:
        out = self.model.predict(h, quantiles=quantiles)
        self.tick()
        return out


class _CountedExog(_Counted):
    """:class:`_Counted` for forecasters that take future exogenous values."""

    def predict(
        self, h: int, X_future: Any = None, quantiles: Sequence[float] | None = None
    ) -> pd.DataFrame:
        out = self.model.predict(h, X_future=X_future, quantiles=quantiles)
        self.tick()
        return out


def run_backtest(job: argparse.Namespace, console: Console) -> int:
    """``forecastkit backtest``: rolling-origin metrics of the chosen forecaster."""
    inputs = load_inputs(job)
    kind = model_kind(job, inputs)
    model = build_model(job, inputs, kind, job.horizon)
    freq = job.freq or infer_freq(inputs.sales, id_col=job.id_col, time_col=job.time_col)
    season = job.season_length or default_season_length(freq)
    lgbm = isinstance(model, LGBMForecaster)
    with console.progress(job.windows, "backtest") as bar:
        counted = (_CountedExog if lgbm else _Counted)(model, bar.advance)
        result = backtest(
            counted,
            inputs.sales if lgbm else inputs.core,
            job.horizon,
            job.windows,
            job.step_size,
            quantiles=list(job.quantiles) if job.quantiles else None,
            metrics=list(job.metrics),
            season_length=season,
            freq=job.freq,
            fit_kwargs={"static": inputs.static} if lgbm and inputs.static is not None else None,
            id_col=job.id_col,
            time_col=job.time_col,
            target_col=job.target_col,
        )
        out = write_table(result.metrics, job.out, "metrics")
        if job.forecasts_out is not None:
            write_table(result.forecasts, job.forecasts_out, "backtest forecasts")
    overall = result.overall
    console.say(
        f"backtest: {kind}, {job.windows} window(s) of {job.horizon} periods, cutoffs "
        f"{result.cutoffs[0].date()} .. {result.cutoffs[-1].date()}"
    )
    console.table(
        [(f"  {m}", f"{v:.4g}") for m, v in zip(overall["metric"], overall["yhat"], strict=True)]
    )
    if len(result.skipped):
        console.say(f"  {len(result.skipped)} (window, series) pairs skipped")
    console.say(f"metrics: {out}")
    return 0
