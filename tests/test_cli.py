"""The forecastkit command line: every command end to end on small synthetic files.

Each command's output is compared with the same computation done directly
through the Python API, so a wrong option mapping, a dropped column or a
formatting slip shows up as a value difference.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import forecastkit as fk
from forecastkit import __version__
from forecastkit._cli_config import _quantiles
from forecastkit._cli_io import Progress
from forecastkit.cli import main
from forecastkit.inventory import demand_from_quantiles, protection_demand

H = 7
QUANTILES = [0.1, 0.5, 0.9]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Six SKUs x 150 days, with exogenous columns, static features and items."""
    root = tmp_path_factory.mktemp("cli")
    data = fk.make_retail_demand(
        n_series=6, periods=150, horizon=28, seed=3, share_discontinued=0.0
    )
    data.sales.to_csv(root / "sales.csv", index=False)
    pd.concat([data.exog, data.future_exog]).to_csv(root / "exog.csv", index=False)
    data.static.to_csv(root / "static.csv", index=False)
    items = data.static[["unique_id", "unit_cost", "price"]].assign(
        salvage_value=data.static["unit_cost"] * 0.9,
        supplier=["ACME", "BOLT"] * 3,
    )
    items.to_csv(root / "items.csv", index=False)
    return SimpleNamespace(
        root=root,
        data=data,
        items=items,
        sales=str(root / "sales.csv"),
        exog=str(root / "exog.csv"),
        static=str(root / "static.csv"),
        items_csv=str(root / "items.csv"),
    )


def run(*argv, capsys=None):
    """Run the command line; returns (exit code, stdout, stderr) when capsys is given."""
    code = main([str(a) for a in argv])
    if capsys is None:
        return code
    out = capsys.readouterr()
    return code, out.out, out.err


def stats_reference(data):
    return fk.StatsForecaster(calendar=fk.EventCalendar()).fit(data.sales)


# --------------------------------------------------------------------------- forecast
@pytest.fixture(scope="module")
def stats_forecast(files):
    out, paths = files.root / "fc.csv", files.root / "paths.csv"
    code = run(
        "forecast", "--sales", files.sales, "--horizon", H, "--out", out,
        "--paths-out", paths, "--paths", 50,
    )  # fmt: skip
    assert code == 0
    return out, paths


def test_forecast_equals_stats_forecaster(files, stats_forecast):
    fc = pd.read_csv(stats_forecast[0], parse_dates=["ds"])
    ref = stats_reference(files.data).predict(H, quantiles=QUANTILES)
    assert len(fc) == 6 * H  # series x horizon
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "q0.1", "q0.5", "q0.9"]
    assert fc["unique_id"].tolist() == ref["unique_id"].tolist()
    assert (fc["ds"] == ref["ds"]).all()
    # ten significant digits are written: relative error below 5e-10
    np.testing.assert_allclose(fc[ref.columns[2:]], ref[ref.columns[2:]], rtol=1e-9, atol=1e-12)
    assert (fc["q0.1"] <= fc["q0.5"]).all() and (fc["q0.5"] <= fc["q0.9"]).all()
    last = files.data.sales["ds"].max()
    assert fc["ds"].min() == last + pd.Timedelta(days=1)


def test_forecast_sample_paths_equal_the_model_paths(files, stats_forecast):
    paths = pd.read_csv(stats_forecast[1], parse_dates=["ds"])
    ref = stats_reference(files.data).sample_paths(H, 50, seed=0)
    assert len(paths) == 6 * 50 * H
    assert list(paths.columns) == ["unique_id", "sample", "ds", "y"]
    np.testing.assert_allclose(paths["y"], ref["y"], rtol=1e-9, atol=1e-12)


def test_forecast_is_byte_identical_on_rerun(files, stats_forecast, tmp_path):
    out, paths = tmp_path / "fc.csv", tmp_path / "paths.csv"
    args = ["--horizon", H, "--out", out, "--paths-out", paths, "--paths", 50]
    assert run("forecast", "--sales", files.sales, *args) == 0
    assert out.read_bytes() == stats_forecast[0].read_bytes()
    assert paths.read_bytes() == stats_forecast[1].read_bytes()


def test_forecast_saves_the_fitted_model(files, stats_forecast, tmp_path):
    from forecastkit import persist

    path = tmp_path / "models" / "stats.fkm"
    argv = ["--horizon", H, "--out", tmp_path / "fc.csv", "--save-model", path]
    assert run("forecast", "--sales", files.sales, *argv) == 0
    model = persist.load(path, expected=fk.StatsForecaster)
    again = model.predict(H, quantiles=QUANTILES)
    written = pd.read_csv(stats_forecast[0])
    np.testing.assert_allclose(written["q0.9"], again["q0.9"], rtol=1e-9)
    assert persist.read_metadata(path)["user"]["command"] == "forecast"


def test_forecast_auto_uses_lgbm_with_inferred_columns(files, tmp_path, capsys):
    out = tmp_path / "fc.csv"
    code, stdout, _ = run(
        "forecast", "--sales", files.sales, "--exog", files.exog, "--static", files.static,
        "--horizon", H, "--n-estimators", 20, "--out", out, capsys=capsys,
    )  # fmt: skip
    assert code == 0
    assert "LGBMForecaster" in stdout
    data = files.data
    model = fk.LGBMForecaster(
        calendar=fk.EventCalendar(),
        horizon=H,
        n_estimators=20,
        price_col="price",
        regular_price_col="regular_price",
        promo_col="promo",
        weather_cols=["temperature", "precipitation"],
        category_col="category",
        location_col="store",
    ).fit(data.sales.merge(data.exog), static=data.static)
    ref = model.predict(H, X_future=data.future_exog, quantiles=QUANTILES)
    fc = pd.read_csv(out)
    assert len(fc) == 6 * H
    np.testing.assert_allclose(fc[["yhat", *fc.columns[3:]]], ref.iloc[:, 2:], rtol=1e-6)


def test_lgbm_without_future_values_names_the_flag(files, tmp_path, capsys):
    history = files.data.exog  # no rows after the history
    path = tmp_path / "exog.csv"
    history.to_csv(path, index=False)
    code, _, err = run(
        "forecast", "--sales", files.sales, "--exog", path, "--horizon", H, "--n-estimators", 5,
        "--out", tmp_path / "fc.csv", capsys=capsys,
    )  # fmt: skip
    assert code == 2
    assert "future exogenous values (--future-exog" in err and "'price'" in err


def test_stats_model_warns_that_it_ignores_exogenous_columns(
    files, stats_forecast, tmp_path, capsys
):
    out = tmp_path / "fc.csv"
    code, _, err = run(
        "forecast", "--sales", files.sales, "--exog", files.exog, "--model", "stats",
        "--horizon", H, "--out", out, capsys=capsys,
    )  # fmt: skip
    assert code == 0 and "--model stats uses the target only" in err
    assert out.read_bytes() == stats_forecast[0].read_bytes()


def test_forecast_parquet_in_and_out_matches_csv(files, stats_forecast, tmp_path):
    pytest.importorskip("pyarrow")
    sales = tmp_path / "sales.parquet"
    files.data.sales.to_parquet(sales, index=False)
    out = tmp_path / "fc.parquet"
    assert run("forecast", "--sales", sales, "--horizon", H, "--out", out) == 0
    got = pd.read_parquet(out)
    csv = pd.read_csv(stats_forecast[0])
    assert got["unique_id"].tolist() == csv["unique_id"].tolist()
    np.testing.assert_allclose(got["q0.9"], csv["q0.9"], rtol=1e-9)


def test_forecast_warnings_are_logged_not_raised(files, tmp_path, capsys):
    sales = files.data.sales.copy()
    sales.loc[3, "y"] = -2.0  # a return: prepare clips it with a DataWarning
    path = tmp_path / "sales.csv"
    sales.to_csv(path, index=False)
    code, _, err = run(
        "forecast", "--sales", path, "--horizon", H, "--out", tmp_path / "fc.csv", capsys=capsys
    )
    assert code == 0
    assert "WARNING forecastkit.cli: DataWarning:" in err and "negative" in err


def test_drop_ended_leaves_out_discontinued_series(files, tmp_path, capsys):
    sales = files.data.sales
    ended = sales[
        ~((sales["unique_id"] == sales["unique_id"].iloc[0]) & (sales["ds"] > "2022-05-01"))
    ]
    path = tmp_path / "sales.csv"
    ended.to_csv(path, index=False)
    code, _, err = run(
        "forecast", "--sales", path, "--horizon", H, "--out", tmp_path / "a.csv", capsys=capsys
    )
    assert code == 0 and "1 series end before the last date" in err
    assert pd.read_csv(tmp_path / "a.csv")["unique_id"].nunique() == 6
    args = ["--horizon", H, "--out", tmp_path / "b.csv", "--drop-ended"]
    assert run("forecast", "--sales", path, *args) == 0
    assert pd.read_csv(tmp_path / "b.csv")["unique_id"].nunique() == 5


# --------------------------------------------------------------------------- plan
def test_plan_from_sample_paths_equals_the_optimizer(files, stats_forecast, tmp_path, capsys):
    out = tmp_path / "orders.csv"
    code, stdout, _ = run(
        "plan", "--forecasts", stats_forecast[1], "--items", files.items_csv, "--budget", 400,
        "--lead-time", 2, "--review-period", 3, "--out", out, capsys=capsys,
    )  # fmt: skip
    assert code == 0
    plan = pd.read_csv(out)
    paths = pd.read_csv(stats_forecast[1], parse_dates=["ds"])
    demand = protection_demand(paths, periods=5)
    optimizer = fk.ReorderOptimizer(budget=400)
    ref = optimizer.optimize(demand, files.items)
    assert plan["order_cost"].sum() <= 400 + 1e-9
    assert plan["order_qty"].tolist() == ref["order_qty"].tolist()
    np.testing.assert_allclose(plan["expected_profit"], ref["expected_profit"], rtol=1e-9)
    assert f"{ref['order_cost'].sum():,.2f} of budget 400.00" in stdout
    assert f"{optimizer.status_}, gap" in stdout


def test_plan_from_sales_uses_per_item_lead_times(files, tmp_path):
    items = files.items.assign(lead_time=[1, 4, np.nan, 1, 4, np.nan])  # NaN: --lead-time 2
    items_csv = tmp_path / "items.csv"
    items.to_csv(items_csv, index=False)
    out = tmp_path / "orders.csv"
    code = run(
        "plan", "--sales", files.sales, "--items", items_csv, "--budget", 500, "--paths", 80,
        "--lead-time", 2, "--review-period", 3, "--out", out,
    )  # fmt: skip
    assert code == 0
    periods = dict(zip(items["unique_id"], [4, 7, 5, 4, 7, 5], strict=True))
    paths = stats_reference(files.data).sample_paths(7, 80, seed=0)
    demand = protection_demand(paths, periods=periods)
    ref = fk.ReorderOptimizer(budget=500).optimize(demand, files.items)
    plan = pd.read_csv(out)
    assert plan["order_qty"].tolist() == ref["order_qty"].tolist()
    assert plan["order_cost"].sum() <= 500 + 1e-9


def test_plan_from_interval_quantiles(files, tmp_path):
    quantiles = pd.DataFrame(
        {"unique_id": files.items["unique_id"], "q0.1": 5.0, "q0.5": 20.0, "q0.9": 50.0}
    )
    path = tmp_path / "q.csv"
    quantiles.to_csv(path, index=False)
    out = tmp_path / "orders.csv"
    args = ["--items", files.items_csv, "--paths", 40, "--capacity", 1e9, "--out", out]
    assert run("plan", "--forecasts", path, *args) == 0
    demand = demand_from_quantiles(quantiles, n_samples=40)
    ref = fk.ReorderOptimizer(capacity=1e9).optimize(demand, files.items)
    assert pd.read_csv(out)["order_qty"].tolist() == ref["order_qty"].tolist()


def test_plan_supplier_budget_caps_the_supplier_spend(files, stats_forecast, tmp_path):
    out = tmp_path / "orders.csv"
    code = run(
        "plan", "--forecasts", stats_forecast[1], "--items", files.items_csv,
        "--supplier-budget", "ACME=150", "--lead-time", 2, "--review-period", 3, "--out", out,
    )  # fmt: skip
    assert code == 0
    plan = pd.read_csv(out).merge(files.items[["unique_id", "supplier"]])
    spend = plan.groupby("supplier")["order_cost"].sum()
    free = fk.ReorderOptimizer().optimize(
        protection_demand(pd.read_csv(stats_forecast[1], parse_dates=["ds"]), 5), files.items
    )
    assert spend["ACME"] <= 150 + 1e-9
    # the other supplier is unconstrained: its items order their own optimum
    bolt = files.items["supplier"] == "BOLT"
    assert plan.loc[bolt.to_numpy(), "order_qty"].tolist() == free.loc[bolt, "order_qty"].tolist()


def test_plan_rejects_per_period_quantiles(files, stats_forecast, tmp_path, capsys):
    code, _, err = run(
        "plan", "--forecasts", stats_forecast[0], "--items", files.items_csv, "--lead-time", 2,
        "--review-period", 3, "--out", tmp_path / "o.csv", capsys=capsys,
    )  # fmt: skip
    assert code == 2
    assert "per-period quantiles" in err and "--paths-out" in err
    assert not (tmp_path / "o.csv").exists()


def test_plan_needs_a_protection_interval(files, stats_forecast, tmp_path, capsys):
    code, _, err = run(
        "plan", "--forecasts", stats_forecast[1], "--items", files.items_csv,
        "--out", tmp_path / "o.csv", capsys=capsys,
    )  # fmt: skip
    assert code == 2 and "--lead-time" in err


def test_plan_needs_sales_or_forecasts_not_both(files, stats_forecast, tmp_path, capsys):
    code, _, err = run(
        "plan", "--sales", files.sales, "--forecasts", stats_forecast[1], "--items",
        files.items_csv, "--out", tmp_path / "o.csv", capsys=capsys,
    )  # fmt: skip
    assert code == 2 and "not both" in err


# --------------------------------------------------------------------------- backtest
def test_backtest_metrics_equal_the_api(files, tmp_path, capsys):
    out, fc_out = tmp_path / "metrics.csv", tmp_path / "bt.csv"
    code, stdout, _ = run(
        "backtest", "--sales", files.sales, "--horizon", H, "--windows", 2, "--out", out,
        "--forecasts-out", fc_out, "--metrics", "mae,wape,mase", capsys=capsys,
    )  # fmt: skip
    assert code == 0
    ref = fk.backtest(
        fk.StatsForecaster(calendar=fk.EventCalendar()),
        files.data.sales,
        H,
        2,
        metrics=["mae", "wape", "mase"],
        season_length=7,
    )
    metrics = pd.read_csv(out, parse_dates=["cutoff"])
    assert list(metrics.columns) == ["cutoff", "metric", "yhat"]
    assert (metrics["cutoff"] == ref.metrics["cutoff"]).all()
    np.testing.assert_allclose(metrics["yhat"], ref.metrics["yhat"], rtol=1e-9)
    # the window's metrics are forecastkit.evaluate of its forecasts
    fc = pd.read_csv(fc_out, parse_dates=["ds", "cutoff"])
    last = fc[fc["cutoff"] == fc["cutoff"].max()]
    direct = fk.evaluate(last, ["mae", "wape"], agg="mean")
    window = metrics[metrics["cutoff"] == fc["cutoff"].max()].set_index("metric")["yhat"]
    np.testing.assert_allclose(window[["mae", "wape"]], direct["yhat"], rtol=1e-9)
    assert re.search(rf"mae\s+{ref.overall['yhat'].iloc[0]:.4g}\n", stdout)


# --------------------------------------------------------------------------- demo
DEMO = ["demo", "--series", 12, "--periods", 150, "--horizon", 14, "--paths", 100, "--seed", 5]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    code = run(*DEMO, "--out", out)
    assert code == 0
    return out


def _demo_reference():
    """The demo's chain through the Python API (lead time 7, review period 7)."""
    data = fk.make_retail_demand(n_series=12, periods=150, horizon=14, seed=5)
    last = data.sales.groupby("unique_id")["ds"].max()
    active = last.index[last == last.max()]
    history = data.sales[data.sales["unique_id"].isin(active)]
    model = fk.StatsForecaster(calendar=fk.EventCalendar(), random_state=5).fit(history)
    demand = protection_demand(model.sample_paths(14, 100, seed=5), 14)
    items = data.static.set_index("unique_id").loc[active, ["unit_cost", "price"]].reset_index()
    items["salvage_value"] = items["unit_cost"] * 0.9
    items["holding_cost"] = items["unit_cost"] * 0.25 * 7 / 365
    return data, active, demand, items


def test_demo_runs_the_chain_under_the_budget(demo):
    data, active, demand, items = _demo_reference()
    summary = pd.read_csv(demo / "summary.csv").set_index("metric")["value"]
    free = fk.ReorderOptimizer().optimize(demand, items)
    budget = round(0.6 * free["order_cost"].sum(), 2)
    assert float(summary["spend without budget"]) == pytest.approx(free["order_cost"].sum())
    assert float(summary["budget"]) == budget
    orders = pd.read_csv(demo / "orders.csv")
    ref = fk.ReorderOptimizer(budget=budget).optimize(demand, items)
    assert orders["order_qty"].tolist() == ref["order_qty"].tolist()
    assert orders["order_cost"].sum() <= budget + 1e-9
    fc = pd.read_csv(demo / "forecasts.csv")
    assert len(fc) == len(active) * 14 and set(fc["unique_id"]) == set(active)


def test_demo_simulation_matches_a_hand_check(demo):
    # One cycle with lost sales: each SKU sells min(demand over 14 days, stock_after).
    data, active, _, items = _demo_reference()
    orders = pd.read_csv(demo / "orders.csv").set_index("unique_id").loc[active]
    true = data.future_sales.groupby("unique_id")["y"].sum().reindex(active).fillna(0.0)
    stock = orders["stock_after"]
    sold = np.minimum(true, stock)
    leftover = stock - sold
    cost = items.set_index("unique_id")
    profit = (
        cost["price"] * sold
        + (cost["salvage_value"] - cost["holding_cost"]) * leftover
        - cost["unit_cost"] * orders["order_qty"]
    )
    summary = pd.read_csv(demo / "summary.csv").set_index("metric")["value"]
    assert float(summary["fill rate on the true demand"]) == pytest.approx(sold.sum() / true.sum())
    assert float(summary["profit on the true demand"]) == pytest.approx(profit.sum())


def test_demo_forecast_accuracy_is_evaluate_on_the_true_future(demo):
    data, active, _, _ = _demo_reference()
    fc = pd.read_csv(demo / "forecasts.csv", parse_dates=["ds"])
    scored = fc.merge(data.future_sales, on=["unique_id", "ds"])
    ref = fk.evaluate(scored, ["mae", "wape"], agg="mean").set_index("metric")["yhat"]
    summary = pd.read_csv(demo / "summary.csv").set_index("metric")["value"]
    assert float(summary["MAE"]) == pytest.approx(ref["mae"], rel=1e-8)
    assert float(summary["WAPE"]) == pytest.approx(ref["wape"], rel=1e-8)


def test_demo_is_byte_identical_for_the_same_seed(demo, tmp_path, capsys):
    code, stdout, _ = run(*DEMO, "--out", tmp_path, capsys=capsys)
    assert code == 0
    for name in ("forecasts.csv", "orders.csv", "summary.csv"):
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))
    assert "simulate  fill rate on the true demand" in stdout


def test_demo_horizon_must_cover_the_protection_interval(tmp_path, capsys):
    code, _, err = run("demo", "--horizon", 10, "--out", tmp_path, capsys=capsys)
    assert code == 2 and "protection interval" in err and "Traceback" not in err


# --------------------------------------------------------------------------- job files
def test_config_file_gives_the_same_bytes_as_flags(files, stats_forecast, tmp_path):
    job = tmp_path / "job.toml"
    out = tmp_path / "fc.csv"
    job.write_text(
        f"[forecast]\nsales = '{files.sales}'\nhorizon = {H}\nquantiles = [0.9, 0.1, 0.5]\n"
        f"out = '{out}'\npaths-out = '{tmp_path / 'paths.csv'}'\npaths = 50\n"
    )
    assert run("forecast", "--config", job) == 0
    assert out.read_bytes() == stats_forecast[0].read_bytes()
    assert (tmp_path / "paths.csv").read_bytes() == stats_forecast[1].read_bytes()


def test_flags_override_the_config_file(files, tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(f"sales = '{files.sales}'\nhorizon = {H}\nout = '{tmp_path / 'a.csv'}'\n")
    assert run("forecast", "--config", job, "--horizon", 3, "--quantiles", "0.2") == 0
    fc = pd.read_csv(tmp_path / "a.csv")
    assert len(fc) == 6 * 3
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "q0.2"]


def test_supplier_budget_table_equals_repeated_flags(files, stats_forecast, tmp_path):
    common = ["--items", files.items_csv, "--lead-time", 2, "--review-period", 3]
    flags = tmp_path / "flags.csv"
    code = run(
        "plan", "--forecasts", stats_forecast[1], *common, "--supplier-budget", "ACME=150",
        "--supplier-budget", "BOLT=90", "--out", flags,
    )  # fmt: skip
    assert code == 0
    job = tmp_path / "job.toml"
    job.write_text(
        f"forecasts = '{stats_forecast[1]}'\nout = '{tmp_path / 'toml.csv'}'\n"
        "[supplier_budget]\nACME = 150\nBOLT = 90\n"
    )
    assert run("plan", "--config", job, *common) == 0
    assert (tmp_path / "toml.csv").read_bytes() == flags.read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("horizn = 3\n", "unknown key 'horizn' for the 'forecast' command"),
        ("horizon = 2.5\n", "key 'horizon': expected a positive integer, got '2.5'"),
        ("quantiles = [0.5, 1.5]\n", "bad quantile '1.5'"),
        ("model = 'prophet'\n", "'prophet' is not one of ['auto', 'stats', 'lgbm']"),
        ("verbose = 'yes'\n", "key 'verbose': expected true or false"),
        ("[forcast]\nhorizon = 3\n", "unknown table(s) ['forcast']"),
        ("horizon = \n", "is not valid TOML"),
    ],
)
def test_bad_config_file_exits_2_with_the_message(files, tmp_path, capsys, text, message):
    job = tmp_path / "job.toml"
    job.write_text(f"sales = '{files.sales}'\nout = 'x.csv'\n" + text)
    code, _, err = run("forecast", "--config", job, "--horizon", 3, capsys=capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sales", "missing.csv"], "sales file 'missing.csv' does not exist"),
        (["--sales", "{sales}", "--target-col", "units"], "has no column ['units']"),
        (["--sales", "{sales}", "--quantiles", "0.5,95"], "bad quantile '95'"),
        (["--sales", "{sales}", "--horizon", "0"], "expected a positive integer, got '0'"),
        (["--sales", "{sales}", "--out", "fc.xlsx"], "use .csv or .parquet"),
        (["--sales", "{sales}", "--country", "XX"], "XX"),
        (["--config", "nowhere.toml"], "config file 'nowhere.toml' does not exist"),
    ],
)
def test_bad_input_exits_2_without_traceback(files, tmp_path, capsys, argv, message):
    argv = [a.format(sales=files.sales) for a in argv]
    base = ["--horizon", "3", "--out", str(tmp_path / "fc.csv")]
    code, _, err = run("forecast", *base, *argv, capsys=capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "fc.csv").exists()


def test_missing_required_option_names_it(capsys):
    code, _, err = run("backtest", "--horizon", 3, capsys=capsys)
    assert code == 2 and "backtest needs --sales, --out" in err


def test_internal_error_exits_1_with_a_traceback(files, tmp_path, capsys, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fk.StatsForecaster, "fit", boom)
    code, _, err = run(
        "forecast", "--sales", files.sales, "--horizon", 3, "--out", tmp_path / "fc.csv",
        capsys=capsys,
    )  # fmt: skip
    assert code == 1
    assert "internal error (RuntimeError: boom)" in err and "Traceback" in err


@pytest.mark.parametrize(("error", "code"), [(OSError(28, "No space left"), 2), (RuntimeError, 1)])
def test_a_failed_write_leaves_the_previous_file_intact(files, tmp_path, monkeypatch, error, code):
    out = tmp_path / "orders.csv"
    out.write_text("previous plan\n")

    def half_write(frame, handle, kind):
        handle.write(b"unique_id,order_qty\nSKU-1,")  # then the disk fills up
        raise error

    monkeypatch.setattr("forecastkit._cli_io._write", half_write)
    argv = ["forecast", "--sales", files.sales, "--horizon", 3, "--out", out]
    assert run(*argv) == code
    assert out.read_text() == "previous plan\n"
    assert [p.name for p in tmp_path.iterdir()] == ["orders.csv"]  # no temporary file left


def test_written_files_get_ordinary_permissions(files, stats_forecast):
    assert stats_forecast[0].stat().st_mode & 0o044  # readable by group/others, not mkstemp's 0600


# --------------------------------------------------------------------------- output
def test_progress_is_silent_when_stderr_is_not_a_terminal(files, tmp_path, capfd):
    argv = ["forecast", "--sales", files.sales, "--horizon", 3, "--out", tmp_path / "fc.csv"]
    assert run(*argv) == 0
    err = capfd.readouterr().err
    assert "\r" not in err and "[#" not in err and "[-" not in err


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_is_drawn_on_a_terminal_and_erased(files, tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["forecast", "--sales", files.sales, "--horizon", 3, "--out", tmp_path / "fc.csv"]
    assert run(*argv) == 0
    drawn = terminal.getvalue()
    assert "forecast [########----------------] 1/3 fitting stats" in drawn
    assert "3/3" in drawn
    assert drawn.endswith("\r")  # the last line is blanked


def test_progress_counts_steps():
    stream = _Terminal()
    with Progress(4, "job", enabled=True, stream=stream) as bar:
        bar.advance("a")
        bar.advance("b")
    assert "job [############------------] 2/4 b" in stream.getvalue()
    silent = _Terminal()
    with Progress(4, "job", enabled=False, stream=silent) as bar:
        bar.advance("a")
    assert silent.getvalue() == ""


def test_quiet_prints_nothing_and_verbose_logs(files, tmp_path, capsys):
    argv = ["forecast", "--sales", files.sales, "--horizon", 3, "--out", tmp_path / "fc.csv"]
    code, out, err = run(*argv, "--quiet", capsys=capsys)
    assert (code, out, err) == (0, "", "")
    code, out, err = run("-v", *argv, capsys=capsys)
    assert code == 0 and "forecast: 6 series x 3 periods" in out
    assert "INFO forecastkit.cli: read sales file" in err


@given(st.lists(st.floats(0.001, 0.999), min_size=1, max_size=6))
@settings(max_examples=50, deadline=None)
def test_quantile_option_parses_to_sorted_unique_levels(levels):
    text = ",".join(repr(q) for q in levels)
    assert _quantiles(text) == tuple(sorted(set(levels)))


def test_version_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "forecastkit", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"forecastkit {__version__}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "--budget", "-5"], "--budget: expected a finite number >= 0, got '-5'"),
        (["plan", "--budget", "inf"], "--budget: expected a finite number >= 0, got 'inf'"),
        (["forecast", "--horizon", "0"], "--horizon: expected a positive integer, got '0'"),
        (["demo", "--series", "abc"], "--series: expected a positive integer, got 'abc'"),
        (["plan", "--service-level", "1"], "strictly between 0 and 1, got '1'"),
        (["demo", "--budget-share", "0"], "--budget-share: expected a share in (0, 1], got '0'"),
    ],
)
def test_bad_flag_values_exit_2_with_the_rule(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err
