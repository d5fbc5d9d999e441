"""``StatsForecaster`` on a Dask cluster (private): partitions of series, global reductions.

Each worker fits the series of its partitions. The panel-level estimates
that couple series (event effects, the pooled seasonal profile, the panel's
shape) are computed from small mergeable statistics: every partition sends
its statistics to the driver, which merges them into the global parameters
and sends those back (:mod:`forecastkit.timeseries._partition`). The fitted
partition models stay on the workers; forecasts and sample paths are
computed there and gathered, or written per partition.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from forecastkit.distributed._input import get_client, series_partitions

__all__ = ["DaskFit", "fit_stats"]

logger = logging.getLogger(__name__)


def _ids(model: Any) -> list[Any]:
    return [] if model is None else list(model.last_dates_.index)


def _predict(model: Any, h: int, quantiles: Any) -> pd.DataFrame:
    return model.predict(h, quantiles=quantiles)


def _paths(model: Any, h: int, n: int, seed: Any) -> pd.DataFrame:
    return model.sample_paths(h, n, seed=seed)


def _write(model: Any, h: int, quantiles: Any, path: str) -> str:
    model.predict(h, quantiles=quantiles).to_parquet(path, index=False)
    return path


class DaskFit:
    """The fitted partitions of a ``StatsForecaster``: futures on the workers."""

    def __init__(self, client: Any, parts: list[Any], ids: list[list[Any]], id_col: str, freq: str):
        self.client = client
        self.parts = parts
        self.ids = ids
        self.id_col = id_col
        self.freq = freq

    def __getstate__(self) -> dict[str, Any]:
        from forecastkit.errors import InvalidParameterError

        raise InvalidParameterError(
            "a StatsForecaster fitted with backend='dask' keeps its fitted series on the "
            "cluster and cannot be pickled or saved; fit it with backend='local' to save it."
        )

    def _order(self, frames: list[pd.DataFrame], time_col: str) -> pd.DataFrame:
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values([self.id_col, time_col], kind="stable", ignore_index=True)

    def predict(self, h: int, quantiles: Any, time_col: str) -> pd.DataFrame:
        frames = self.client.gather(self.client.map(_predict, self.parts, h=h, quantiles=quantiles))
        return self._order(frames, time_col)

    def sample_paths(self, h: int, n: int, seed: Any, time_col: str) -> pd.DataFrame:
        frames = self.client.gather(self.client.map(_paths, self.parts, h=h, n=n, seed=seed))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values([self.id_col, "sample", time_col], ignore_index=True)

    def write(self, directory: str | Path, h: int, quantiles: Any) -> list[str]:
        """Forecast on the workers and write one parquet file per partition."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        paths = [str(root / f"part-{k:05d}.parquet") for k in range(len(self.parts))]
        futures = [
            self.client.submit(_write, part, h, quantiles, path, pure=False)
            for part, path in zip(self.parts, paths, strict=True)
        ]
        return list(self.client.gather(futures))


def fit_stats(
    model: Any,
    data: Any,
    *,
    client: Any = None,
    npartitions: int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> DaskFit:
    """Fit ``model`` (an unfitted StatsForecaster) partition by partition on the cluster."""
    from forecastkit.timeseries._partition import PartitionPlan

    client = get_client(client)
    parts = series_partitions(
        data,
        client=client,
        id_col=id_col,
        npartitions=npartitions,
        columns=[id_col, time_col, target_col],
    )
    plan = PartitionPlan(model, id_col=id_col, time_col=time_col, target_col=target_col)
    globals_ = plan.merge_globals(client.gather(client.map(plan.globals, parts)))
    # each partition's prepared panel stays on its worker through the rounds
    states = client.map(plan.prepare, parts, g=globals_)
    params: Any = None
    for r in range(plan.n_rounds):
        stats = client.gather(
            client.map(plan.statistics, [r] * len(states), states, g=globals_, params=params)
        )
        params = plan.merge(r, stats, params)
    fitted = client.map(plan.fit, states, g=globals_, params=params)
    ids = client.gather(client.map(_ids, fitted))
    del states  # the prepared panels are released once nothing refers to them
    keep = [k for k, part_ids in enumerate(ids) if part_ids]  # empty partitions fit None
    fitted, ids = [fitted[k] for k in keep], [ids[k] for k in keep]
    logger.info("fitted %d series in %d partitions on Dask", sum(map(len, ids)), len(fitted))
    return DaskFit(client, fitted, ids, id_col, globals_.freq)
