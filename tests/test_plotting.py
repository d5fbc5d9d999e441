"""forecastkit.plotting: each plot draws exactly the data of the frame it is given.

The tests read the drawn artists back (line data, band polygons, bar heights,
titles) and compare them with the input frames; expected backtest errors are
computed by hand in the tests.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    InvalidParameterError,
    MissingDependencyError,
)
from forecastkit.evaluate import backtest
from forecastkit.inventory.projection import project_stock
from forecastkit.plotting import (
    plot_backtest,
    plot_budget_curve,
    plot_forecast,
    plot_stock_projection,
)


@pytest.fixture
def close_figures():
    """Figures created by the test, closed afterwards even when it fails."""
    figures: list = []
    yield figures
    for fig in figures:
        plt.close(fig)


def _line(ax, label):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, [line.get_label() for line in ax.get_lines()]
    return lines[0]


def _band(ax, label):
    bands = [c for c in ax.collections if c.get_label() == label]
    assert len(bands) == 1, [c.get_label() for c in ax.collections]
    return bands[0].get_paths()[0].vertices


# ----------------------------------------------------------------------------- forecasts


def _history(ids=("A", "B"), periods=10):
    days = pd.date_range("2024-01-01", periods=periods)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, periods),
            "ds": np.tile(days, len(ids)),
            "y": np.arange(periods * len(ids), dtype=float),
        }
    )


def _forecast(ids=("A", "B"), h=3):
    days = pd.date_range("2024-01-11", periods=h)
    yhat = 100.0 + np.arange(h * len(ids))
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, h),
            "ds": np.tile(days, len(ids)),
            "yhat": yhat,
            "q0.1": yhat - 10,
            "q0.25": yhat - 4,
            "q0.75": yhat + 4,
            "q0.9": yhat + 10,
        }
    )


def test_plot_forecast_draws_history_forecast_and_bands_per_series(close_figures):
    history, forecast = _history(), _forecast()
    fig = plot_forecast(history, forecast, last_n=4)
    close_figures.append(fig)
    assert len(fig.axes) == 2
    for ax, sid in zip(fig.axes, ["A", "B"], strict=True):
        assert ax.get_title() == sid
        fc = forecast[forecast["unique_id"] == sid]
        past = history[history["unique_id"] == sid].tail(4)
        np.testing.assert_array_equal(_line(ax, "forecast").get_ydata(), fc["yhat"])
        np.testing.assert_array_equal(_line(ax, "history").get_ydata(), past["y"])
        np.testing.assert_array_equal(_line(ax, "history").get_xdata(), past["ds"].to_numpy())
        # the 80% band is the polygon between q0.1 and q0.9, the 50% band q0.25..q0.75
        outer = _band(ax, "80% interval")[:, 1]
        assert set(np.round(outer, 9)) == set(fc["q0.1"]) | set(fc["q0.9"])
        inner = _band(ax, "50% interval")[:, 1]
        assert set(np.round(inner, 9)) == set(fc["q0.25"]) | set(fc["q0.75"])


def test_plot_forecast_levels_pick_the_bands_and_history_is_optional(close_figures):
    fig = plot_forecast(None, _forecast(), ["B"], levels=[0.8])
    close_figures.append(fig)
    (ax,) = fig.axes
    assert ax.get_title() == "B"
    assert [line.get_label() for line in ax.get_lines()] == ["forecast"]
    assert [c.get_label() for c in ax.collections] == ["80% interval"]
    # without quantile columns and without levels there is nothing to shade
    fig = plot_forecast(_history(), _forecast()[["unique_id", "ds", "yhat"]])
    close_figures.append(fig)
    assert len(fig.axes[0].collections) == 0


def test_plot_forecast_draws_at_most_max_series_panels(close_figures):
    ids = ("A", "B", "C", "D", "E")
    fig = plot_forecast(_history(ids), _forecast(ids), max_series=3, ncols=2)
    close_figures.append(fig)
    assert [ax.get_title() for ax in fig.axes] == ["A", "B", "C"]
    with pytest.warns(ForecastkitWarning, match="max_series=2"):
        fig = plot_forecast(_history(ids), _forecast(ids), ["E", "D", "C"], max_series=2)
    close_figures.append(fig)
    assert [ax.get_title() for ax in fig.axes] == ["E", "D"]


def test_plot_forecast_custom_column_names(close_figures):
    names = {"unique_id": "sku", "ds": "day", "y": "units"}
    fig = plot_forecast(
        _history().rename(columns=names),
        _forecast().rename(columns=names),
        id_col="sku",
        time_col="day",
        target_col="units",
    )
    close_figures.append(fig)
    np.testing.assert_array_equal(_line(fig.axes[1], "history").get_ydata(), np.arange(10, 20))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"ids": ["A", "SKU-017"]}, DataValidationError, r"ids \['SKU-017'\] are not in forecast"),
        ({"levels": [0.95]}, DataValidationError, r"no columns 'q0.025' and 'q0.975'"),
        ({"levels": [80]}, InvalidParameterError, "coverages in"),
        ({"max_series": 0}, InvalidParameterError, "max_series"),
        ({"last_n": -1}, InvalidParameterError, "last_n"),
    ],
)
def test_plot_forecast_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_forecast(_history(), _forecast(), **kwargs)


def test_plot_forecast_missing_columns():
    with pytest.raises(DataValidationError, match=r"forecast has no column\(s\) \['yhat'\]"):
        plot_forecast(_history(), _forecast().drop(columns="yhat"))
    with pytest.raises(DataValidationError, match=r"history has no column\(s\) \['y'\]"):
        plot_forecast(_history().drop(columns="y"), _forecast())
    with pytest.raises(DataValidationError, match=r"no columns 'q0.1' and 'q0.9'"):
        plot_forecast(None, _forecast()[["unique_id", "ds", "yhat"]], levels=[0.8])


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingDependencyError, match=r"forecastkit\[plot\]"):
        plot_forecast(None, _forecast())


# ----------------------------------------------------------------------------- backtests


def _backtest_frame():
    """Two series, two cutoffs, two steps; model 'yhat' and model 'naive'."""
    cut = pd.to_datetime(["2024-01-02", "2024-01-04"])
    rows = []
    # (id, cutoff, step, y, yhat, naive)
    for sid, c, step, y, yhat, naive in [
        ("A", 0, 1, 4.0, 2.0, 4.0),
        ("A", 0, 2, 7.0, 2.0, 4.0),
        ("A", 1, 1, 11.0, 10.0, 7.0),
        ("A", 1, 2, 16.0, 10.0, 7.0),
        ("B", 0, 1, 1.0, 1.0, 2.0),
        ("B", 0, 2, 1.0, 3.0, 2.0),
        ("B", 1, 1, 2.0, 2.0, 2.0),
        ("B", 1, 2, 2.0, 2.0, 2.0),
    ]:
        rows.append((sid, cut[c] + pd.Timedelta(days=step), cut[c], y, yhat, naive))
    return pd.DataFrame(rows, columns=["unique_id", "ds", "cutoff", "y", "yhat", "naive"])


def test_plot_backtest_bars_and_horizon_lines_carry_the_errors(close_figures):
    frame = _backtest_frame().sample(frac=1.0, random_state=0)  # row order must not matter
    fig = plot_backtest(frame, models=["yhat", "naive"], metric="mae")
    close_figures.append(fig)
    bars, lines = fig.axes
    # MAE per series over all rows, then the mean over series:
    # yhat: A |4-2|,|7-2|,|11-10|,|16-10| -> 14/4 = 3.5; B 0,2,0,0 -> 0.5; mean 2.0
    # naive: A 0,3,4,9 -> 4.0; B 1,1,0,0 -> 0.5; mean 2.25
    assert [t.get_text() for t in bars.get_xticklabels()] == ["yhat", "naive"]
    assert [bar.get_height() for bar in bars.patches] == pytest.approx([2.0, 2.25])
    # step 1: yhat A (2+1)/2 = 1.5, B 0 -> 0.75; naive A (0+4)/2 = 2, B (1+0)/2 -> 1.25
    # step 2: yhat A (5+6)/2 = 5.5, B (2+0)/2 = 1 -> 3.25; naive A (3+9)/2 = 6, B 0.5 -> 3.25
    yhat, naive = _line(lines, "yhat"), _line(lines, "naive")
    assert yhat.get_xdata().tolist() == [1, 2]
    assert yhat.get_ydata().tolist() == pytest.approx([0.75, 3.25])
    assert naive.get_ydata().tolist() == pytest.approx([1.25, 3.25])
    assert lines.get_title() == "mae by horizon"


def test_plot_backtest_wape_is_pooled_and_by_selects_panels(close_figures):
    fig = plot_backtest(_backtest_frame(), metric="wape", by=("model",))
    close_figures.append(fig)
    (ax,) = fig.axes
    # pooled: sum |e| = 3.5 * 4 + 0.5 * 4 = 16 over sum y = 38 + 6 = 44
    assert [bar.get_height() for bar in ax.patches] == pytest.approx([16 / 44])


class _LastValue:
    """Test forecaster: repeat each series' last value."""

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.last_ = df.sort_values(time_col).groupby(id_col)[[time_col, target_col]].last()
        return self

    def predict(self, h):
        rows = [
            (i, t + pd.Timedelta(days=k), y)
            for i, (t, y) in self.last_.iterrows()
            for k in range(1, h + 1)
        ]
        return pd.DataFrame(rows, columns=["unique_id", "ds", "yhat"])


class _Mean(_LastValue):
    """Test forecaster: each series' mean."""

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        grouped = df.groupby(id_col)
        self.last_ = pd.DataFrame(
            {time_col: grouped[time_col].max(), "y": grouped[target_col].mean()}
        )
        return self


def test_plot_backtest_of_backtest_results_agrees_with_their_overall_scores(close_figures):
    days = pd.date_range("2024-01-01", periods=20)
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "unique_id": np.repeat(["A", "B"], 20),
            "ds": np.tile(days, 2),
            "y": rng.poisson(5, 40).astype(float),
        }
    )
    results = {
        "last": backtest(_LastValue(), df, h=3, n_windows=3, metrics=["mae", "rmse"]),
        "mean": backtest(_Mean(), df, h=3, n_windows=3, metrics=["mae", "rmse"]),
    }
    fig = plot_backtest(results, by=["model"])
    close_figures.append(fig)
    # every series is scored on every step of every window, so the MAE over all rows
    # (mean over series) equals the backtest's mean over windows of the window MAEs
    expected = [r.overall.set_index("metric").loc["mae", "yhat"] for r in results.values()]
    assert [bar.get_height() for bar in fig.axes[0].patches] == pytest.approx(expected)
    fig = plot_backtest(results["last"], by="horizon")
    close_figures.append(fig)
    assert _line(fig.axes[0], "yhat").get_xdata().tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("results", "kwargs", "error", "match"),
    [
        (_backtest_frame(), {"metric": "mase"}, InvalidParameterError, "result.metrics"),
        (_backtest_frame(), {"by": ("model", "series")}, InvalidParameterError, "by must"),
        (_backtest_frame().drop(columns="cutoff"), {}, DataValidationError, "'cutoff'"),
        (_backtest_frame(), {"models": ["lgbm"]}, DataValidationError, "'lgbm'"),
        ({}, {}, InvalidParameterError, "empty mapping"),
        ([1, 2], {}, DataValidationError, "BacktestResult"),
    ],
)
def test_plot_backtest_errors(results, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_backtest(results, **kwargs)


# ----------------------------------------------------------------------------- inventory


def _projection():
    rows = []
    for sid, demand in (("A", [[2, 2, 2, 2], [5, 5, 5, 5]]), ("B", [[1, 1, 1, 1], [1, 3, 1, 3]])):
        for s, values in enumerate(demand):
            for t, v in enumerate(values):
                rows.append((sid, s, pd.Timestamp("2024-01-01") + pd.Timedelta(days=t), v))
    paths = pd.DataFrame(rows, columns=["unique_id", "sample", "ds", "y"])
    plan = pd.DataFrame({"unique_id": ["A", "B"], "order_qty": [6.0, 0.0]})
    items = pd.DataFrame({"unique_id": ["A", "B"], "on_hand": [6.0, 4.0], "lead_time": [2, 0]})
    return project_stock(paths, plan, items)


def test_plot_stock_projection_draws_the_projection(close_figures):
    proj = _projection()
    fig = plot_stock_projection(proj)
    close_figures.append(fig)
    assert len(fig.axes) == 4  # two SKU axes, then their two stock-out twins
    main, twins = fig.axes[:2], fig.axes[2:]
    for ax, twin, sid in zip(main, twins, ["A", "B"], strict=True):
        part = proj[proj["unique_id"] == sid]
        assert ax.get_title() == sid
        np.testing.assert_array_equal(_line(ax, "mean on hand").get_ydata(), part["on_hand_mean"])
        risk = _line(twin, "stock-out probability")
        np.testing.assert_array_equal(risk.get_ydata(), part["stockout_prob"])
        assert twin.get_ylim() == (0.0, 1.0)
        band = _band(ax, "80% interval")[:, 1]
        assert set(np.round(band, 9)) == set(part["on_hand_q0.1"]) | set(part["on_hand_q0.9"])
    # A's order (lead time 2) arrives on 2024-01-03; B orders nothing
    arrival = _line(main[0], "order arrives")
    assert list(arrival.get_xdata()) == [np.datetime64("2024-01-03")] * 2
    assert [line.get_label() for line in main[1].get_lines()] == ["mean on hand"]


def test_plot_stock_projection_selects_ids_and_checks_input(close_figures):
    fig = plot_stock_projection(_projection(), "B", levels=[0.8])
    close_figures.append(fig)
    assert [ax.get_title() for ax in fig.axes] == ["B", ""]
    with pytest.raises(DataValidationError, match=r"\['C'\] are not in projection"):
        plot_stock_projection(_projection(), ["C"])
    with pytest.raises(DataValidationError, match="'stockout_prob'"):
        plot_stock_projection(_projection().drop(columns="stockout_prob"))
    with pytest.raises(DataValidationError, match="'on_hand_q0.025'"):
        plot_stock_projection(_projection(), levels=[0.95])


def _curve():
    return pd.DataFrame(
        {
            "budget": [100.0, 0.0, 50.0, np.inf],
            "spend": [99.0, 0.0, 48.0, 119.77],
            "expected_profit": [84.0, 0.0, 56.0, 86.7],
            "shadow_price": [0.2, 1.4, 0.8, 0.0],
        }
    )


def test_plot_budget_curve_draws_the_curve(close_figures):
    fig = plot_budget_curve(_curve())
    close_figures.append(fig)
    ax, twin = fig.axes
    profit = _line(ax, "expected profit")
    assert profit.get_xdata().tolist() == [0.0, 50.0, 100.0]  # sorted, the inf row apart
    assert profit.get_ydata().tolist() == [0.0, 56.0, 84.0]
    assert _line(ax, "spend").get_ydata().tolist() == [0.0, 48.0, 99.0]
    star = _line(ax, "unconstrained")
    assert star.get_xdata().tolist() == [119.77]  # at the unconstrained spend
    assert star.get_ydata().tolist() == [86.7]
    assert _line(twin, "shadow price").get_ydata().tolist() == [1.4, 0.8, 0.2]


def test_plot_budget_curve_on_given_axes_without_shadow_price(close_figures):
    fig, ax = plt.subplots()
    close_figures.append(fig)
    out = plot_budget_curve(_curve().drop(columns="shadow_price"), ax=ax, shadow_price=False)
    assert out is fig
    assert fig.axes == [ax]
    assert [line.get_label() for line in ax.get_lines()] == [
        "expected profit",
        "spend",
        "unconstrained",
    ]


def test_plot_budget_curve_errors():
    with pytest.raises(DataValidationError, match="'shadow_price'"):
        plot_budget_curve(_curve().drop(columns="shadow_price"))
    with pytest.raises(DataValidationError, match="no rows"):
        plot_budget_curve(_curve().iloc[:0])
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        plot_budget_curve({"budget": [1.0]})
