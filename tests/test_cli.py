"""The forecastkit command line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecastkit import __version__
from forecastkit.cli import main

ARGS = ["demo", "--series", "20", "--periods", "120", "--horizon", "21", "--seed", "3"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def test_demo_writes_forecasts_for_every_series(demo_dir):
    fc = pd.read_csv(demo_dir / "forecasts.csv", parse_dates=["ds"])
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "q0.1", "q0.5", "q0.9"]
    assert fc["unique_id"].nunique() == 19  # one of the 20 SKUs is discontinued
    assert (fc.groupby("unique_id").size() == 21).all()
    assert (fc[["yhat", "q0.1", "q0.5", "q0.9"]] >= 0).all().all()
    assert (fc["q0.1"] <= fc["q0.9"]).all()


def test_demo_forecasts_start_after_the_history_and_skip_discontinued(demo_dir):
    from forecastkit.datasets import make_retail_demand

    sales = make_retail_demand(n_series=20, periods=120, seed=3).sales
    last = sales.groupby("unique_id")["ds"].max()
    fc = pd.read_csv(demo_dir / "forecasts.csv", parse_dates=["ds"])
    assert fc.groupby("unique_id")["ds"].min().eq(last.max() + pd.Timedelta(days=1)).all()
    active = last.index[last == last.max()]
    assert len(active) == 19
    assert set(fc["unique_id"]) == set(active)


def test_demo_orders_follow_the_newsvendor_formula(demo_dir):
    # Recompute S* = P * mu + sqrt(P) * sigma * z_alpha (Snyder & Shen eq. 4.24)
    # from the written columns, and the order quantity ceil(S* - on_hand).
    orders = pd.read_csv(demo_dir / "orders.csv")
    fc_ids = pd.read_csv(demo_dir / "forecasts.csv")["unique_id"].unique()
    assert sorted(orders["unique_id"]) == sorted(fc_ids)
    z = stats.norm.ppf(orders["critical_ratio"])
    level = orders["mean_demand"] + orders["sd_demand"] * z
    np.testing.assert_allclose(orders["order_up_to"], level, rtol=1e-4, atol=1e-3)
    expected_qty = np.ceil(np.clip(orders["order_up_to"] - orders["on_hand"], 0, None))
    assert (orders["order_qty"] == expected_qty).all()
    # mean demand over 14 protection days equals the sum of the first 14 forecast days
    fc = pd.read_csv(demo_dir / "forecasts.csv")
    first = fc.groupby("unique_id").head(14).groupby("unique_id")["yhat"].sum()
    np.testing.assert_allclose(
        orders.set_index("unique_id")["mean_demand"], first.reindex(orders["unique_id"]), rtol=1e-5
    )


def test_demo_is_byte_identical_for_the_same_seed(demo_dir, tmp_path):
    assert main([*ARGS, "--out", str(tmp_path)]) == 0
    for name in ("forecasts.csv", "orders.csv"):
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"forecastkit {__version__}"


def test_bad_argument_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--series", "0"])
    assert exc.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_console_script_help_runs_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "forecastkit", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "demo" in done.stdout
