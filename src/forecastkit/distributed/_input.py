"""Series-partitioned data on a Dask cluster (private).

Every distributed computation in forecastkit works on *partitions of whole
series*: each partition is a pandas frame holding every row of the series it
has, and no series is split between two partitions. :func:`series_partitions`
turns what the user has (a pandas frame, a dask DataFrame, or a parquet
dataset partitioned by series) into futures of such frames, living on the
workers.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, InvalidParameterError, MissingDependencyError

__all__ = ["get_client", "series_codes", "series_partitions"]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - dask is a dev dependency
        raise MissingDependencyError(
            "the Dask backend needs dask and distributed; install them with "
            '`pip install "forecastkit[dask]"`.'
        ) from err
    return distributed


def get_client(client: Any = None) -> Any:
    """``client``, or the current default ``distributed.Client``; a clear error without one."""
    distributed = _distributed()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise InvalidParameterError(
                f"client must be a dask.distributed.Client, got {type(client).__name__}."
            )
        return client
    try:
        return distributed.get_client()
    except ValueError as err:
        raise InvalidParameterError(
            'backend="dask" needs a running dask.distributed Client: create one first '
            "(`from dask.distributed import Client; client = Client()` for this machine, or "
            "the client of your cluster) or pass client=."
        ) from err


def series_codes(ids: Any, n: int) -> np.ndarray:
    """Partition number of each id, stable across processes and runs (CRC-32 of its text)."""
    text = pd.Index(ids).astype(str)
    codes = np.fromiter((zlib.crc32(s.encode()) for s in text), dtype=np.int64, count=len(text))
    return codes % n


def _default_partitions(client: Any) -> int:
    workers = len(client.scheduler_info().get("workers", {})) or 1
    return 2 * workers


def series_partitions(
    data: Any,
    *,
    client: Any,
    id_col: str = "unique_id",
    npartitions: int | None = None,
    columns: list[str] | None = None,
) -> list[Any]:
    """Futures of pandas frames on the workers, each holding whole series.

    Parameters
    ----------
    data : pandas.DataFrame, dask.dataframe.DataFrame, str or pathlib.Path
        A pandas frame (split by series here and scattered to the workers); a
        dask DataFrame (shuffled on ``id_col`` so that every series lands in
        one partition); or the path of a parquet dataset, read with
        ``dask.dataframe.read_parquet`` and kept as it is partitioned when
        every file holds whole series (a dataset written per series or per
        group of series, e.g. hive-partitioned on ``id_col``), else shuffled.
    client : distributed.Client
    id_col : str
    npartitions : int, optional
        Partitions of a pandas frame or of a shuffle; default twice the
        number of workers.
    columns : list of str, optional
        Columns to keep (default: all).

    Returns
    -------
    list of distributed.Future
        One future per non-empty partition.
    """
    n = int(npartitions) if npartitions is not None else _default_partitions(client)
    if n < 1:
        raise InvalidParameterError(f"npartitions must be >= 1, got {npartitions!r}.")
    if isinstance(data, (str, Path)):
        return _from_parquet(Path(data), client=client, id_col=id_col, n=n, columns=columns)
    if isinstance(data, pd.DataFrame):
        return _from_pandas(data, client=client, id_col=id_col, n=n, columns=columns)
    try:
        import dask.dataframe as dd
    except ImportError as err:  # pragma: no cover
        raise MissingDependencyError(
            'dask DataFrames need dask; install it with `pip install "forecastkit[dask]"`.'
        ) from err
    if isinstance(data, dd.DataFrame):
        return _from_dask(data, client=client, id_col=id_col, n=n, columns=columns, whole=False)
    raise DataValidationError(
        f"data must be a pandas DataFrame, a dask DataFrame or the path of a parquet dataset, "
        f"got {type(data).__name__}."
    )


def _check_id(columns: Any, id_col: str) -> None:
    if id_col not in columns:
        raise DataValidationError(
            f"data has no column {id_col!r}; name the series column with id_col= "
            f"(columns found: {list(columns)[:10]})."
        )


def _from_pandas(
    df: pd.DataFrame, *, client: Any, id_col: str, n: int, columns: list[str] | None
) -> list[Any]:
    _check_id(df.columns, id_col)
    frame = df if columns is None else df[columns]
    ids = pd.unique(frame[id_col])
    part = pd.Series(series_codes(ids, n), index=pd.Index(ids))
    rows = part.reindex(frame[id_col].to_numpy()).to_numpy()
    pieces = [frame[rows == k].reset_index(drop=True) for k in range(n) if (rows == k).any()]
    return list(client.scatter(pieces))


def _from_dask(
    ddf: Any, *, client: Any, id_col: str, n: int, columns: list[str] | None, whole: bool
) -> list[Any]:
    _check_id(ddf.columns, id_col)
    if columns is not None:
        ddf = ddf[columns]
    if not whole:
        ddf = ddf.shuffle(on=id_col, npartitions=n)
    futures = client.compute(ddf.to_delayed())
    return list(futures)


def _from_parquet(
    path: Path, *, client: Any, id_col: str, n: int, columns: list[str] | None
) -> list[Any]:
    import dask.dataframe as dd

    if not path.exists():
        raise DataValidationError(f"parquet dataset {str(path)!r} does not exist.")
    ddf = dd.read_parquet(str(path), columns=columns)
    _check_id(ddf.columns, id_col)
    # A dataset written per series keeps its partitions; check that no series
    # spans two of them, else shuffle.
    per_part = ddf[id_col].map_partitions(lambda s: pd.Series(pd.unique(s.astype(str))))
    seen = per_part.compute()
    whole = not seen.duplicated().any()
    return _from_dask(ddf, client=client, id_col=id_col, n=n, columns=None, whole=whole)
