"""forecastkit.distributed: whole series per partition, from pandas, dask and parquet."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.distributed._input import get_client, series_codes, series_partitions
from forecastkit.errors import DataValidationError, InvalidParameterError

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def sales():
    return fk.make_retail_demand(n_series=12, periods=60, seed=4, exog=False, truth=False).sales


def _gathered(client, futures):
    return client.gather(futures)


def _check_whole(parts, sales):
    # every series in exactly one partition, every row kept
    owners = {}
    for k, part in enumerate(parts):
        for sku in pd.unique(part["unique_id"].astype(str)):
            assert sku not in owners, f"{sku} in partitions {owners[sku]} and {k}"
            owners[sku] = k
    assert set(owners) == set(sales["unique_id"])
    got = pd.concat(parts).assign(unique_id=lambda d: d["unique_id"].astype(str))
    got = got.sort_values(["unique_id", "ds"], ignore_index=True)
    want = sales.sort_values(["unique_id", "ds"], ignore_index=True)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


def test_codes_are_stable_across_processes_and_spread():
    ids = [f"SKU-{i:03d}" for i in range(200)]
    codes = series_codes(ids, 4)
    # CRC-32, not Python's salted hash: another process with another hash
    # seed puts every series in the same partition
    script = (
        "from forecastkit.distributed._input import series_codes;"
        "print(series_codes([f'SKU-{i:03d}' for i in range(200)], 4).tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str(codes.tolist())
    assert pd.Series(codes).value_counts().min() > 30  # 200 ids over 4 partitions, none starved


def test_pandas_input_is_split_by_series(dask_client, sales):
    futures = series_partitions(sales, client=dask_client, npartitions=3)
    parts = _gathered(dask_client, futures)
    assert 1 < len(parts) <= 3
    _check_whole(parts, sales)


def test_dask_input_is_shuffled_into_whole_series(dask_client, sales):
    # row-wise partitions split every series; the shuffle makes them whole
    ddf = dd.from_pandas(sales.sort_values("ds"), npartitions=4)
    parts = _gathered(dask_client, series_partitions(ddf, client=dask_client, npartitions=3))
    _check_whole(parts, sales)


def test_parquet_dataset_partitioned_by_series(dask_client, sales, tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "sales"
    sales.to_parquet(path, partition_cols=["unique_id"])
    parts = _gathered(dask_client, series_partitions(path, client=dask_client))
    _check_whole(parts, sales)


def test_errors(dask_client, sales, tmp_path):
    with pytest.raises(DataValidationError, match="no column 'sku'"):
        series_partitions(sales, client=dask_client, id_col="sku")
    with pytest.raises(DataValidationError, match="does not exist"):
        series_partitions(tmp_path / "nothing", client=dask_client)
    with pytest.raises(DataValidationError, match="got list"):
        series_partitions([1, 2], client=dask_client)
    with pytest.raises(InvalidParameterError, match="npartitions"):
        series_partitions(sales, client=dask_client, npartitions=0)
    with pytest.raises(InvalidParameterError, match="dask.distributed.Client"):
        get_client("tcp://localhost:8786")
