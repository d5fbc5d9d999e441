"""Scale out on Dask: series partitioned across the workers of a cluster.

``StatsForecaster(backend="dask")`` and ``LGBMForecaster(backend="dask")``
fit on a ``dask.distributed`` cluster (see ``docs/scale.md``). This package
holds what they share: partitions of whole series from pandas frames, dask
DataFrames or parquet datasets (:func:`series_partitions`), the client
(:func:`get_client`), and :func:`write_forecasts`, which forecasts on the
workers and writes one file per partition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forecastkit.distributed._input import get_client, series_partitions
from forecastkit.errors import InvalidParameterError

__all__ = ["get_client", "series_partitions", "write_forecasts"]


def write_forecasts(
    model: Any, path: str | Path, *, h: int, quantiles: Any = None, X_future: Any = None
) -> list[str]:
    """Forecast on the workers and write one parquet file per partition.

    Parameters
    ----------
    model : StatsForecaster or LGBMForecaster
        A ``StatsForecaster`` fitted with ``backend="dask"``, or any fitted
        ``LGBMForecaster`` (its ``predict_partitions``).
    path : str or pathlib.Path
        Directory for the files ``part-00000.parquet``, ... (created; it must
        be reachable from the workers: a shared file system or object store).
    h : int
        Forecast horizon.
    quantiles : sequence of float, optional
        Quantile columns to add, as in ``predict``.
    X_future : pandas.DataFrame, optional
        Future exogenous values of an ``LGBMForecaster``.
    X_future : pandas.DataFrame, optional
        Future exogenous values of an ``LGBMForecaster``.

    Returns
    -------
    list of str
        The files written, one per partition, each holding whole series.
    """
    if hasattr(model, "predict_partitions"):
        return model.predict_partitions(h, X_future, path=path, quantiles=quantiles)
    fit = getattr(model, "dask_", None)
    if fit is None:
        raise InvalidParameterError(
            "write_forecasts needs a model fitted with backend='dask'; call predict() on a "
            "model fitted locally."
        )
    return fit.write(path, h, quantiles)
