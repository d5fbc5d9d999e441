"""Plots of forecasts, backtests, projected stock and the budget curve (matplotlib).

Every function draws a frame that a forecastkit function returns and owns no
computation of its own:

* :func:`plot_forecast`: history, forecast and quantile bands per SKU
  (``predict`` of a forecaster);
* :func:`plot_backtest`: errors by model and by horizon step
  (:func:`forecastkit.evaluate.backtest`, scored with
  :func:`forecastkit.evaluate.evaluate`);
* :func:`plot_stock_projection`: projected on-hand stock and stock-out risk
  per SKU (:func:`forecastkit.inventory.project_stock`);
* :func:`plot_budget_curve`: expected profit against budget
  (:func:`forecastkit.inventory.budget_curve`).

matplotlib is an optional dependency (``pip install "forecastkit[plot]"``),
imported when a function is called. Functions return the
:class:`matplotlib.figure.Figure`; they never call ``show()``, so scripts
call ``plt.show()`` or ``fig.savefig(...)`` and notebooks display the figure.
Figures are created with :mod:`matplotlib.pyplot`: close them
(``plt.close(fig)``) when drawing many.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecastkit._validation import positive_int
from forecastkit.data import quantile_column
from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    InvalidParameterError,
    MissingDependencyError,
    format_values,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_backtest", "plot_budget_curve", "plot_forecast", "plot_stock_projection"]

logger = logging.getLogger(__name__)

_BACKTEST_METRICS = ("mae", "rmse", "bias", "wape", "smape")
_HISTORY_COLOR, _FORECAST_COLOR, _RISK_COLOR = "C0", "C1", "C3"


# --------------------------------------------------------------------------- helpers
def _pyplot() -> Any:
    """``matplotlib.pyplot``, or an error saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise MissingDependencyError(
            "forecastkit.plotting needs matplotlib, which is not installed; install it with "
            'pip install "forecastkit[plot]".'
        ) from err
    return plt


def _require(frame: Any, columns: Sequence[str], name: str, hint: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} has no column(s) {format_values(missing)} (columns found: "
            f"{format_values(frame.columns, max_items=10)}); {hint}"
        )
    return frame


def _select_ids(available: pd.Index, ids: Any, max_series: int, name: str) -> list[Any]:
    """The series to draw: ``ids`` (checked) or the first ones, at most ``max_series``."""
    max_series = positive_int(max_series, "max_series")
    if ids is None:
        chosen = list(available[:max_series])
        if len(available) > max_series:
            logger.info("drawing %d of %d series (max_series)", max_series, len(available))
        return chosen
    chosen = [ids] if isinstance(ids, (str, bytes)) or np.isscalar(ids) else list(ids)
    if not chosen:
        raise InvalidParameterError("ids is empty; pass at least one series id, or None.")
    unknown = [i for i in chosen if i not in available]
    if unknown:
        raise DataValidationError(
            f"ids {format_values(unknown)} are not in {name} (it has "
            f"{format_values(available)}); pass ids that {name} holds."
        )
    if len(chosen) > max_series:
        warnings.warn(
            f"{len(chosen)} ids given but max_series={max_series}; drawing the first "
            f"{max_series} {format_values(chosen[:max_series])}. Raise max_series to draw all.",
            ForecastkitWarning,
            stacklevel=3,
        )
    return chosen[:max_series]


def _panels(n: int, ncols: int, figsize: tuple[float, float] | None) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels on a grid of ``ncols`` columns (unused cells removed)."""
    plt = _pyplot()
    ncols = min(positive_int(ncols, "ncols"), n)
    nrows = math.ceil(n / ncols)
    size = figsize or (5.0 * ncols, 3.0 * nrows)
    fig, grid = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
    flat = list(grid.ravel())
    for ax in flat[n:]:
        fig.delaxes(ax)
    return fig, flat[:n]


def _level(column: object, prefix: str) -> float | None:
    """The quantile level of a column named ``prefix + quantile_column(level)``, or None."""
    name = str(column)
    if not name.startswith(prefix + "q"):
        return None
    try:
        level = float(name[len(prefix) + 1 :])
    except ValueError:
        return None
    return level if 0 < level < 1 and name == prefix + quantile_column(level) else None


def _bands(
    columns: pd.Index, levels: Sequence[float] | None, prefix: str, name: str
) -> list[tuple[float, str, str]]:
    """``(coverage, lower column, upper column)`` of the central intervals, widest first.

    ``levels=None`` finds every symmetric pair ``q<p>`` / ``q<1-p>`` among the
    columns; otherwise each coverage level needs its two columns.
    """
    found = {c: lv for c in columns if (lv := _level(c, prefix)) is not None}
    if levels is None:
        pairs = [(lv, prefix + quantile_column(1 - lv)) for lv in found.values() if lv < 0.5]
        wanted = [(1 - 2 * lv, prefix + quantile_column(lv), hi) for lv, hi in pairs]
        return sorted([w for w in wanted if w[2] in found], reverse=True)
    out = []
    for coverage in levels:
        if not 0 < coverage < 1:
            raise InvalidParameterError(
                f"levels must be coverages in (0, 1) such as 0.8 (the q0.1 to q0.9 band); "
                f"got {coverage!r}."
            )
        low = (1 - coverage) / 2
        lo, hi = prefix + quantile_column(low), prefix + quantile_column(1 - low)
        if lo not in found or hi not in found:
            raise DataValidationError(
                f"levels asks for the {coverage:g} interval, but {name} has no columns "
                f"{lo!r} and {hi!r} (quantile columns found: {format_values(list(found))}); "
                f"predict with quantiles=[{low:g}, {1 - low:g}] or change levels."
            )
        out.append((float(coverage), lo, hi))
    return sorted(out, reverse=True)


def _date_axis(ax: Axes, x: np.ndarray) -> None:
    """Concise date labels on a time axis (left alone for non-date x values)."""
    if np.issubdtype(x.dtype, np.datetime64):
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _draw_bands(
    ax: Axes, x: np.ndarray, part: pd.DataFrame, bands: list[tuple[float, str, str]], color: str
) -> None:
    for j, (coverage, lo, hi) in enumerate(bands):
        ax.fill_between(
            x,
            part[lo].to_numpy(dtype=float),
            part[hi].to_numpy(dtype=float),
            color=color,
            alpha=0.15 + 0.15 * j / max(len(bands), 1),
            linewidth=0,
            label=f"{coverage:.0%} interval",
        )


# --------------------------------------------------------------------------- forecasts
def plot_forecast(
    history: pd.DataFrame | None,
    forecast: pd.DataFrame,
    ids: Any = None,
    *,
    max_series: int = 6,
    levels: Sequence[float] | None = None,
    last_n: int | None = None,
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> Figure:
    """History, point forecast and quantile bands, one panel per series.

    Parameters
    ----------
    history : pandas.DataFrame or None
        Long history ``id_col, time_col, target_col``; None draws the
        forecast alone.
    forecast : pandas.DataFrame
        Output of a forecaster's ``predict``: ``id_col, time_col, "yhat"``
        and optional quantile columns ``q<p>``.
    ids : id or list of ids, optional
        Series to draw; default the first ``max_series`` of ``forecast``.
    max_series : int, default=6
        Most panels drawn.
    levels : sequence of float, optional
        Coverages of the central bands to shade, e.g. ``[0.8]`` for
        ``q0.1`` to ``q0.9``; default every symmetric pair of quantile
        columns found (none: no band).
    last_n : int, optional
        Periods of history drawn per series (default all).
    ncols : int, default=2
        Panels per row.
    figsize : tuple of float, optional
        Figure size in inches; default 5 x 3 per panel.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per series, titled with its id; lines labelled
        ``"history"`` and ``"forecast"``, bands ``"80% interval"``...

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    DataValidationError
        A column is missing, an id is unknown, or ``levels`` asks for a band
        whose quantile columns ``forecast`` lacks.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> history = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2024-01-01", periods=5),
    ...                         "y": [3.0, 5.0, 4.0, 6.0, 5.0]})
    >>> forecast = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2024-01-06", periods=2),
    ...                          "yhat": [5.0, 5.0], "q0.1": [3.0, 2.5], "q0.9": [7.0, 7.5]})
    >>> fig = plot_forecast(history, forecast)
    >>> ax = fig.axes[0]
    >>> ax.get_title(), [line.get_label() for line in ax.get_lines()]
    ('A', ['history', 'forecast'])
    >>> plt.close(fig)
    """
    cols = [id_col, time_col]
    forecast = _require(forecast, [*cols, "yhat"], "forecast", "pass the frame predict returns.")
    if history is not None:
        history = _require(history, [*cols, target_col], "history", "pass the long history.")
    bands = _bands(forecast.columns, levels, "", "forecast")
    chosen = _select_ids(pd.Index(pd.unique(forecast[id_col])), ids, max_series, "forecast")
    tail = None if last_n is None else positive_int(last_n, "last_n")
    fig, axes = _panels(len(chosen), ncols, figsize)
    for ax, sid in zip(axes, chosen, strict=True):
        if history is not None:
            past = history[history[id_col] == sid].sort_values(time_col)
            past = past if tail is None else past.tail(tail)
            ax.plot(
                past[time_col].to_numpy(),
                past[target_col].to_numpy(dtype=float),
                color=_HISTORY_COLOR,
                label="history",
            )
        part = forecast[forecast[id_col] == sid].sort_values(time_col)
        x = part[time_col].to_numpy()
        _draw_bands(ax, x, part, bands, _FORECAST_COLOR)
        ax.plot(x, part["yhat"].to_numpy(dtype=float), color=_FORECAST_COLOR, label="forecast")
        ax.set_title(str(sid))
        _date_axis(ax, x)
    axes[0].legend(loc="upper left", fontsize="small")
    return fig


# --------------------------------------------------------------------------- backtests
def _backtest_frames(results: Any, models: Sequence[str] | None) -> list[tuple[str, Any, str]]:
    """``(label, forecasts frame, forecast column)`` for every model to compare."""
    from forecastkit.evaluate.backtest import BacktestResult

    if isinstance(results, BacktestResult):
        return [(column, results.forecasts, column) for column in models or ["yhat"]]
    if isinstance(results, Mapping):
        if not results:
            raise InvalidParameterError("results is an empty mapping; pass {name: result}.")
        out = []
        for label, value in results.items():
            frame = value.forecasts if isinstance(value, BacktestResult) else value
            out.append((str(label), frame, "yhat"))
        return out
    if isinstance(results, pd.DataFrame):
        return [(column, results, column) for column in models or ["yhat"]]
    raise DataValidationError(
        f"results must be a BacktestResult, a mapping {{model name: BacktestResult}} or the "
        f"forecasts frame of a backtest, got {type(results).__name__}."
    )


def _backtest_errors(
    results: Any, metric: str, models: Sequence[str] | None, cols: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metric per model over all windows and steps, and per model and horizon step.

    Both come from :mod:`forecastkit.evaluate`: :func:`~forecastkit.evaluate.evaluate`
    (``agg="mean"``) over every row, :func:`~forecastkit.evaluate.score_by_horizon`
    per step.
    """
    from forecastkit.evaluate import evaluate, score_by_horizon

    id_col, time_col, target_col = cols["id_col"], cols["time_col"], cols["target_col"]
    overall, by_step = [], []
    for label, frame, column in _backtest_frames(results, models):
        frame = _require(
            frame,
            [id_col, time_col, "cutoff", target_col, column],
            f"the backtest forecasts of {label!r}",
            "pass BacktestResult objects or result.forecasts (with models= naming the "
            "forecast columns).",
        )
        mean = evaluate(
            frame[[id_col, target_col, column]],
            [metric],
            models=[column],
            agg="mean",
            id_col=id_col,
            target_col=target_col,
        )
        overall.append({"model": label, metric: float(mean[column].iloc[0])})
        steps = score_by_horizon(frame, metric, models=[column], **cols)
        by_step.append(
            pd.DataFrame({"model": label, "horizon": steps["horizon"], metric: steps[column]})
        )
    return pd.DataFrame(overall), pd.concat(by_step, ignore_index=True)


def plot_backtest(
    results: Any,
    *,
    metric: str = "mae",
    models: Sequence[str] | None = None,
    by: Sequence[str] = ("model", "horizon"),
    figsize: tuple[float, float] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> Figure:
    """Backtest errors by model (bars) and by horizon step (one line per model).

    Parameters
    ----------
    results : BacktestResult, mapping or pandas.DataFrame
        One :class:`~forecastkit.evaluate.BacktestResult`; a mapping
        ``{model name: BacktestResult}`` (or ``{name: result.forecasts}``) to
        compare forecasters; or a backtest's forecasts frame (``id_col,
        time_col, "cutoff", target_col`` and forecast columns).
    metric : {"mae", "rmse", "bias", "wape", "smape"}, default="mae"
        Error measure, computed by :func:`forecastkit.evaluate.evaluate` with
        ``agg="mean"`` (mean over series, WAPE pooled). Scaled metrics need
        each window's training data: read them from ``result.metrics``.
    models : sequence of str, optional
        Forecast columns to compare when ``results`` is one result or a
        frame (default ``["yhat"]``); with a mapping each entry's ``yhat``.
    by : sequence of {"model", "horizon"}, default=("model", "horizon")
        Panels to draw: the metric over every window and step per model, and
        the metric per horizon step (1 = the first period after the cutoff,
        pooling the windows).
    figsize : tuple of float, optional
        Figure size in inches.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per entry of ``by``, in that order.

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    InvalidParameterError
        An unsupported ``metric`` or ``by``.
    DataValidationError
        A column is missing, or forecasts or actuals are NaN.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> fc = pd.DataFrame({"unique_id": "A", "cutoff": pd.Timestamp("2024-01-02"),
    ...                    "ds": pd.date_range("2024-01-03", periods=2),
    ...                    "y": [4.0, 7.0], "yhat": [2.0, 2.0], "naive": [4.0, 4.0]})
    >>> fig = plot_backtest(fc, models=["yhat", "naive"])
    >>> [float(bar.get_height()) for bar in fig.axes[0].patches]  # |4-2|, |7-2|; 0, 3
    [3.5, 1.5]
    >>> plt.close(fig)
    """
    if metric not in _BACKTEST_METRICS:
        raise InvalidParameterError(
            f"plot_backtest cannot draw metric {metric!r}; choose from "
            f"{list(_BACKTEST_METRICS)}. Scaled metrics (mase, rmsse) need each window's "
            "training data: plot result.metrics instead."
        )
    panels = [by] if isinstance(by, str) else list(by)
    if not panels or any(p not in ("model", "horizon") for p in panels):
        raise InvalidParameterError(f"by must name 'model' and/or 'horizon'; got {by!r}.")
    cols = {"id_col": id_col, "time_col": time_col, "target_col": target_col}
    overall, by_step = _backtest_errors(results, metric, models, cols)
    plt = _pyplot()
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=figsize or (5.0 * len(panels), 3.5),
        squeeze=False,
        layout="constrained",
    )
    for ax, panel in zip(axes.ravel(), panels, strict=True):
        if panel == "model":
            colors = [f"C{i}" for i in range(len(overall))]
            ax.bar(overall["model"].tolist(), overall[metric].to_numpy(), color=colors)
            ax.set_title(f"{metric} by model")
        else:
            for i, (label, rows) in enumerate(by_step.groupby("model", sort=False)):
                x, y = rows["horizon"].to_numpy(), rows[metric].to_numpy()
                ax.plot(x, y, marker="o", color=f"C{i}", label=str(label))
            ax.set_title(f"{metric} by horizon")
            ax.set_xlabel("horizon (periods after the cutoff)")
            ax.legend(fontsize="small")
        ax.set_ylabel(metric)
    return fig


# --------------------------------------------------------------------------- inventory
def plot_stock_projection(
    projection: pd.DataFrame,
    ids: Any = None,
    *,
    max_series: int = 6,
    levels: Sequence[float] | None = None,
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
) -> Figure:
    """Projected on-hand stock with its quantile band and the stock-out risk, per SKU.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`forecastkit.inventory.project_stock`: ``id_col,
        time_col, on_hand_mean, stockout_prob``, optional ``received`` and
        ``on_hand_q<p>`` columns.
    ids : id or list of ids, optional
        SKUs to draw; default the first ``max_series``.
    max_series : int, default=6
        Most panels drawn.
    levels : sequence of float, optional
        Coverages of the bands to shade (``[0.8]``: ``on_hand_q0.1`` to
        ``on_hand_q0.9``); default every symmetric pair found.
    ncols : int, default=2
        Panels per row.
    figsize : tuple of float, optional
        Figure size in inches.
    id_col, time_col : str
        Column names.

    Returns
    -------
    matplotlib.figure.Figure
        Per SKU an axes titled with its id (line ``"mean on hand"``, bands,
        dotted vertical lines where orders arrive) and its twin axes on the
        right with the stock-out probability (a step line from 0 to 1,
        ``"stock-out probability"``); ``fig.axes`` lists the SKU axes first,
        then the twins.

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    DataValidationError
        A column is missing, an id is unknown, or ``levels`` asks for missing
        quantile columns.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> proj = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2024-01-01", periods=3),
    ...                      "on_hand_mean": [4.0, 1.0, 0.0], "stockout_prob": [0.0, 0.2, 0.7]})
    >>> fig = plot_stock_projection(proj)
    >>> len(fig.axes)  # the SKU's axes and its stock-out twin
    2
    >>> plt.close(fig)
    """
    need = [id_col, time_col, "on_hand_mean", "stockout_prob"]
    hint = "pass the frame forecastkit.inventory.project_stock returns."
    projection = _require(projection, need, "projection", hint)
    bands = _bands(projection.columns, levels, "on_hand_", "projection")
    chosen = _select_ids(pd.Index(pd.unique(projection[id_col])), ids, max_series, "projection")
    fig, axes = _panels(len(chosen), ncols, figsize)
    twins = []
    for ax, sid in zip(axes, chosen, strict=True):
        part = projection[projection[id_col] == sid].sort_values(time_col)
        x = part[time_col].to_numpy()
        _draw_bands(ax, x, part, bands, _HISTORY_COLOR)
        mean = part["on_hand_mean"].to_numpy(dtype=float)
        ax.plot(x, mean, color=_HISTORY_COLOR, label="mean on hand")
        if "received" in part.columns:
            for when in x[part["received"].to_numpy(dtype=float) > 0]:
                ax.axvline(when, color="0.4", linestyle=":", label="order arrives")
        ax.set_ylim(bottom=0)
        ax.set_ylabel("on hand")
        ax.set_title(str(sid))
        _date_axis(ax, x)
        twin = ax.twinx()
        prob = part["stockout_prob"].to_numpy(dtype=float)
        twin.step(x, prob, where="mid", color=_RISK_COLOR, label="stock-out probability")
        twin.set_ylim(0, 1)
        twin.set_ylabel("stock-out probability", color=_RISK_COLOR)
        twins.append(twin)
    handles, labels = _legend_entries([axes[0], twins[0]])
    axes[0].legend(handles, labels, loc="upper right", fontsize="small")
    return fig


def _legend_entries(axes: Sequence[Axes]) -> tuple[list[Any], list[str]]:
    """Legend handles of several axes, each label once."""
    handles: list[Any] = []
    labels: list[str] = []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    return handles, labels


def plot_budget_curve(
    curve: pd.DataFrame,
    *,
    ax: Axes | None = None,
    shadow_price: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Expected profit and spend against the budget, with the budget's shadow price.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`forecastkit.inventory.budget_curve`: ``budget,
        spend, expected_profit`` and, for the twin axis, ``shadow_price``.
        The ``budget=inf`` row (the plan without a budget) is drawn as a
        star at its spend.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure.
    shadow_price : bool, default=True
        Draw the shadow price on a twin axis on the right.
    figsize : tuple of float, optional
        Size of the new figure in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes: lines ``"expected profit"`` and ``"spend"``,
        the marker ``"unconstrained"`` and, on the twin, ``"shadow price"``.

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    DataValidationError
        A column is missing, or the curve has no row.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, pandas as pd
    >>> curve = pd.DataFrame({"budget": [0.0, 50.0, np.inf], "spend": [0.0, 48.0, 120.0],
    ...                       "expected_profit": [0.0, 90.0, 110.0],
    ...                       "shadow_price": [2.0, 0.5, 0.0]})
    >>> fig = plot_budget_curve(curve)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['expected profit', 'spend', 'unconstrained']
    >>> plt.close(fig)
    """
    need = ["budget", "spend", "expected_profit", *(["shadow_price"] if shadow_price else [])]
    hint = "pass the frame forecastkit.inventory.budget_curve returns."
    curve = _require(curve, need, "curve", hint)
    if curve.empty:
        raise DataValidationError("curve has no rows; pass the frame budget_curve returns.")
    budget = curve["budget"].to_numpy(dtype=float)
    finite = curve[np.isfinite(budget)].sort_values("budget")
    free = curve[~np.isfinite(budget)]
    if ax is None:
        fig, ax = _pyplot().subplots(figsize=figsize or (6.0, 4.0), layout="constrained")
    x = finite["budget"].to_numpy(dtype=float)
    ax.plot(
        x,
        finite["expected_profit"].to_numpy(dtype=float),
        marker="o",
        color="C0",
        label="expected profit",
    )
    ax.plot(x, finite["spend"].to_numpy(dtype=float), linestyle="--", color="C2", label="spend")
    if len(free):
        ax.plot(
            free["spend"].to_numpy(dtype=float),
            free["expected_profit"].to_numpy(dtype=float),
            marker="*",
            markersize=12,
            linestyle="none",
            color="C1",
            label="unconstrained",
        )
    ax.set_xlabel("budget")
    ax.set_ylabel("expected profit, spend")
    axes = [ax]
    if shadow_price:
        twin = ax.twinx()
        twin.plot(
            x,
            finite["shadow_price"].to_numpy(dtype=float),
            linestyle=":",
            marker=".",
            color="0.4",
            label="shadow price",
        )
        twin.set_ylabel("shadow price (profit per unit of budget)")
        axes.append(twin)
    handles, labels = _legend_entries(axes)
    ax.legend(handles, labels, loc="best", fontsize="small")
    figure = ax.get_figure()
    assert figure is not None  # an axes always belongs to a figure
    return figure  # type: ignore[return-value]
