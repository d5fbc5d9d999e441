"""StatsForecaster(backend="dask") on a two-worker LocalCluster: identical to the local backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.errors import InvalidParameterError

dd = pytest.importorskip("dask.dataframe")
KEYS = ["unique_id", "ds"]


@pytest.fixture(scope="module")
def sales():
    data = fk.make_retail_demand(n_series=24, periods=180, seed=5, exog=False, truth=False)
    return data.sales


def _params():
    return {"calendar": fk.EventCalendar(country="US"), "validation_windows": 2}


@pytest.fixture(scope="module")
def local(sales):
    return fk.StatsForecaster(**_params()).fit(sales)


def _sorted(frame, keys=KEYS):
    return frame.sort_values(keys, ignore_index=True)


def test_forecasts_quantiles_and_paths_equal_the_local_backend(dask_client, sales, local):
    model = fk.StatsForecaster(backend="dask", npartitions=3, **_params())
    model.fit(sales, client=dask_client)
    # same rows in the same order as the local backend's, not only the same values
    got = model.predict(14, quantiles=[0.1, 0.9])
    want = local.predict(14, quantiles=[0.1, 0.9])
    pd.testing.assert_frame_equal(got, want, check_exact=False, atol=1e-9, rtol=0)
    paths = model.sample_paths(7, 20, seed=3)
    pd.testing.assert_frame_equal(paths, local.sample_paths(7, 20, seed=3), atol=1e-9)
    assert model.freq_ == local.freq_ == "D"


def test_dask_dataframe_and_parquet_inputs_give_the_same_forecasts(
    dask_client, sales, local, tmp_path
):
    pytest.importorskip("pyarrow")
    want = _sorted(local.predict(7))
    ddf = dd.from_pandas(sales.sort_values("ds"), npartitions=4)  # series split by rows
    got = fk.StatsForecaster(backend="dask", **_params()).fit(ddf, client=dask_client)
    pd.testing.assert_frame_equal(_sorted(got.predict(7)), want, atol=1e-9)
    path = tmp_path / "sales"
    sales.to_parquet(path, partition_cols=["unique_id"])
    got = fk.StatsForecaster(backend="dask", **_params()).fit(path, client=dask_client)
    out = _sorted(got.predict(7).assign(unique_id=lambda d: d["unique_id"].astype(str)))
    pd.testing.assert_frame_equal(out, want, atol=1e-9, check_dtype=False)


def test_forecasts_written_per_partition(dask_client, sales, local, tmp_path):
    model = fk.StatsForecaster(backend="dask", npartitions=3, **_params())
    model.fit(sales, client=dask_client)
    files = fk.distributed.write_forecasts(model, tmp_path / "fc", h=7, quantiles=[0.5])
    assert len(files) == 3
    parts = [pd.read_parquet(f) for f in files]
    ids = [set(p["unique_id"]) for p in parts]
    assert sum(map(len, ids)) == len(set().union(*ids)) == 24  # each series in one file
    got = _sorted(pd.concat(parts))
    pd.testing.assert_frame_equal(got, _sorted(local.predict(7, quantiles=[0.5])), atol=1e-9)


def test_backtest_on_the_cluster_equals_the_local_backtest(dask_client, sales):
    local = fk.backtest(fk.StatsForecaster(**_params()), sales, h=7, n_windows=2)
    model = fk.StatsForecaster(backend="dask", **_params())
    remote = fk.backtest(model, sales, h=7, n_windows=2, fit_kwargs={"client": dask_client})
    np.testing.assert_allclose(remote.metrics["yhat"], local.metrics["yhat"], atol=1e-9)


def test_errors(dask_client, sales, local, monkeypatch, tmp_path):
    import distributed

    with pytest.raises(InvalidParameterError, match="backend"):
        fk.StatsForecaster(backend="spark").fit(sales)
    model = fk.StatsForecaster(backend="dask").fit(sales, client=dask_client)
    with pytest.raises(InvalidParameterError, match="cannot be pickled or saved"):
        model.save(tmp_path / "m.fkm")
    with pytest.raises(InvalidParameterError, match="backend='dask'"):
        fk.distributed.write_forecasts(local, tmp_path / "x", h=7)

    def no_client():
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "get_client", no_client)
    with pytest.raises(InvalidParameterError, match="running dask.distributed Client"):
        fk.StatsForecaster(backend="dask").fit(sales)
