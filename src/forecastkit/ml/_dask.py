"""``LGBMForecaster(backend="dask")``: features per partition, distributed LightGBM (private).

Data flow
---------
1. The input becomes partitions of whole series on the workers
   (:func:`forecastkit.distributed._input.series_partitions`): a pandas frame
   is split by a hash of the series id and scattered, a dask DataFrame is
   shuffled on the id, a parquet dataset partitioned by series is read as it
   is (shuffled only when a file holds part of a series). Polars frames are
   converted to pandas first.
2. Each partition runs :func:`forecastkit.prepare` on its series (its
   warnings are re-emitted on the driver) and sends back a summary: its ids,
   first and last dates, frequency, and what each exogenous column holds
   (:class:`~forecastkit.ml._exog.ColumnSummary`). The driver merges them
   into the design of the whole panel (categories of the text columns,
   columns with NaN, static features) and the series order of a local fit,
   and refuses a series found in two partitions or partitions that inferred
   different frequencies.
3. The series are regrouped into *buckets*: bucket ``b`` holds the series
   whose id hashes to ``b`` (CRC-32, ``npartitions`` buckets, by default
   ``2 x n_workers``, as the partitions of a pandas frame, which therefore do
   not move), in the global
   order, pinned to worker ``b % n_workers`` (by address). Each bucket
   becomes a *partition model*: an ``LGBMForecaster`` holding the fitted
   state of its series only (layout, target, raw exogenous values) and the
   panel's first and last dates, so that ``max_train_periods`` and the
   calibration windows cut every series at the same dates as a local fit.
4. The features that read other series (``price_rel_category``: the
   category's mean price per date; the weather deviation from a location's
   normal when ``location_col`` pools series) come from a global reduction:
   each bucket sends its sums and counts per (category or location, date),
   the driver adds them up, and every bucket builds its features from the
   panel's totals (:mod:`forecastkit.ml._panel`). Every other feature reads
   the row's own series only, so each bucket runs the same feature code as a
   local fit and its rows get the same features (the two pooled ones up to
   the order of the float64 additions, about 1e-16 relative).
5. Each band model trains with LightGBM's data-parallel learner, as
   ``lightgbm.dask`` drives it: every worker is a LightGBM machine
   (``machines``, ``local_listen_port``, ``num_machines``), trains on the
   blocks of its buckets (float32 training rows that never leave the worker,
   one LightGBM Dataset over the blocks without concatenating them), and the
   machines sum their histograms over the network. The machines are ranked
   by worker address here, whereas ``lightgbm.dask`` 4.x ranks them in the
   order of a set of task keys, which changes from run to run; since each
   feature's bin boundaries come from the rows of one machine, its boosters
   changed from run to run too. With the buckets and the ranks fixed, the same
   data on the same number of workers gives the same booster, whether it came
   as a pandas frame, a dask DataFrame or a parquet dataset. The booster is
   close to, not identical with, the local one (bins from part of the rows):
   ``tests/test_lgbm_dask.py`` measures the gap. The parameters are the
   local ones, but ``n_jobs``: each worker trains with its own threads.
6. The boosters and the raw history of every series (not its features)
   come back to the driver: the fitted model is an ordinary
   ``LGBMForecaster`` whose ``predict``, ``sample_paths``, ``what_if``,
   ``save`` and ``feature_importance`` run locally as after a local fit.

While the model lives in the session that fitted it, it keeps the partition
models on the workers (dropped when it is pickled or saved). The conformal
calibration (trained the first time quantiles or sample paths are asked
for) then trains its models on the same buckets with the same learner,
forecasts the held-out windows on the workers and pools their scores on the
driver in the local order; and
:meth:`~forecastkit.ml.LGBMForecaster.predict_partitions` forecasts each
bucket on its worker (the future's category and location sums added to the
history's) and writes one parquet file per bucket. A model loaded again, or
whose client was closed, calibrates locally, and ``predict_partitions``
splits its series into the same buckets and scatters them to the current
client.
"""

from __future__ import annotations

import copy
import logging
import operator
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from forecastkit.data import prepare, to_pandas
from forecastkit.errors import (
    DataValidationError,
    FrequencyError,
    InvalidParameterError,
    format_values,
)
from forecastkit.ml import _engine
from forecastkit.ml._exog import (
    ColumnSummary,
    design_from_summary,
    exog_features,
    raw_columns,
    series_design,
)
from forecastkit.ml._layout import Layout, _positions, layout_from_frame, series_codes
from forecastkit.ml._panel import PanelSums, panel_sums

__all__ = ["calibration_windows", "fit", "held_out", "predict_partitions"]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Partitions:
    """The partition models of a panel on a cluster, each pinned to one worker.

    Pinning makes the rows each worker trains on, and so the booster, the
    same from run to run: LightGBM's distributed learner takes each feature's
    bins from the rows of one worker.
    """

    client: Any
    shells: list[Any]  # futures of the partition models
    series: list[np.ndarray]  # per partition, the global index of its series
    workers: list[str]  # per partition, the address of its worker

    def alive(self) -> bool:
        try:
            running = self.client.status == "running"
            return running and all(f.status == "finished" for f in self.shells)
        except Exception:  # a closed client may raise on any attribute
            return False

    def each(self, func: Any, *iterables: Any, **kwargs: Any) -> list[Any]:
        """``func(shell, *items)`` on every partition, on its worker."""
        return _pinned(self.client, self.workers, func, self.shells, *iterables, **kwargs)


def _pinned(client: Any, workers: list[str], func: Any, *iterables: Any, **kwargs: Any):
    return [
        client.submit(func, *args, workers=[w], allow_other_workers=False, pure=False, **kwargs)
        for w, *args in zip(workers, *iterables, strict=True)
    ]


def _n_buckets(client: Any, npartitions: int | None) -> int:
    """``npartitions``, by default twice the number of workers (as the shared input helper)."""
    if npartitions is not None:
        return int(npartitions)
    return 2 * (len(client.scheduler_info().get("workers", {})) or 1)


def _assign_workers(client: Any, n: int) -> list[str]:
    """Partition ``k`` goes to the ``k % n_workers``-th worker, by address."""
    names = sorted(client.scheduler_info().get("workers", {}))
    if not names:
        raise InvalidParameterError(
            "the Dask cluster has no workers; start some (LocalCluster(n_workers=2)) first."
        )
    return [names[k % len(names)] for k in range(n)]


@dataclass(frozen=True, eq=False)
class _Summary:
    """What the driver learns of a prepared partition."""

    ids: pd.Series
    freq: str
    columns: ColumnSummary
    first: np.datetime64
    last: np.datetime64
    warned: list[tuple[str, type]]


# --------------------------------------------------------------------------- worker tasks
def _prepare_part(frame: pd.DataFrame, *, freq: Any, columns: tuple[str, str, str]) -> Any:
    """``prepare`` one partition; its warnings travel back to the driver."""
    if len(frame) == 0:
        return None
    id_col, time_col, target_col = columns
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared = prepare(
            frame, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq
        )
    warned = [(str(w.message), w.category) for w in caught]
    return prepared.df, prepared.freq, prepared.exog_cols, warned


def _summarize(prepared: Any, *, id_col: str, time_col: str, promo_type: Any) -> Any:
    if prepared is None:
        return None
    frame, freq, exog_cols, warned = prepared
    dates = frame[time_col].to_numpy(dtype="datetime64[ns]")
    ids = frame[id_col].drop_duplicates().reset_index(drop=True)
    columns = ColumnSummary.of(frame, exog_cols, promo_type)
    return _Summary(ids, freq, columns, dates.min(), dates.max(), warned)


def _shell(params: dict, layout: Layout, y: np.ndarray, values: dict, design: Any, **state: Any):
    """A partition model: the fitted state of some series, without boosters."""
    from forecastkit.ml.forecaster import LGBMForecaster

    shell = LGBMForecaster(**dict(params, backend="local"))
    shell._install(layout, y, values, design, **state)
    return shell


def _split_buckets(prepared: Any, *, n: int, id_col: str) -> list[pd.DataFrame | None]:
    """The rows of a prepared partition by bucket (a hash of the series id)."""
    from forecastkit.distributed._input import series_codes as bucket_of

    frame = prepared[0]
    codes, uniques = pd.factorize(frame[id_col])
    rows = bucket_of(uniques, n)[codes]
    return [frame[rows == b] if (rows == b).any() else None for b in range(n)]


def _shell_from_pieces(
    pieces: list[Any], ids: np.ndarray, design: Any, *, params: dict, **state: Any
) -> Any:
    """The partition model of one bucket: its series, from every input partition, in ``ids`` order."""
    id_col, time_col, target_col = state["columns"]
    frame = pd.concat([p for p in pieces if p is not None], ignore_index=True)
    where = pd.Index(ids, dtype=object).get_indexer(frame[id_col].astype(object))
    frame = frame.take(np.argsort(where, kind="stable")).reset_index(drop=True)
    layout = layout_from_frame(frame, id_col=id_col, time_col=time_col)
    y = frame[target_col].to_numpy(dtype=np.float64)
    return _shell(params, layout, y, raw_columns(frame, design), design, **state)


def _panel_of(shell: Any) -> PanelSums:
    return panel_sums(shell.exog_design_, shell.layout_.codes, shell.layout_.dates, shell.values_)


def _with_panel(shell: Any, panel: PanelSums) -> Any:
    out = copy.copy(shell)  # shares the arrays
    out._panel = panel
    return out


def _exog_of(shell: Any) -> dict:
    return exog_features(shell.exog_design_, shell.layout_, shell.values_, shell._panel_sums)


def _band_xy(shell: Any, exog: dict, *, index: int, cutoff: Any) -> tuple:
    """Training matrix, labels and feature names of band ``index`` in one partition."""
    mask = shell._train_rows(shell.layout_, shell.y_)
    if cutoff is not None:
        mask &= shell.layout_.dates <= cutoff
    rows, target = shell._band_rows(shell.bands_[index], exog, mask, check=True)
    X, names = _engine.train_matrix(target, exog, rows)
    return X, shell.y_[rows], names


def _n_rows(xy: tuple) -> int:
    return int(xy[0].shape[0])


def _windows_of(shell: Any, exog: dict, *, models: list, cutoffs: list) -> list:
    return [shell._window(models, exog, cutoff) for cutoff in cutoffs]


def _history_of(shell: Any) -> tuple:
    return shell.layout_.lengths, shell.layout_.dates, shell.y_, shell.values_


def _predict_part(shell: Any, future: pd.DataFrame, path: str, **job: Any) -> str:
    """Forecast one partition with the driver's boosters and write it to ``path``."""
    model = _with_panel(shell, PanelSums.merge([shell._panel, job["future_panel"]]))
    model.models_, model._calibration = job["models"], job["calibration"]
    forecast = model.predict(job["h"], X_future=future, quantiles=job["quantiles"])
    forecast.to_parquet(path, index=False)
    return path


# --------------------------------------------------------------------------- driver: fit
def _modules() -> None:
    from forecastkit.distributed._input import _distributed

    _distributed()  # MissingDependencyError with the install hint


def _common_freq(summaries: list[_Summary]) -> str:
    found = sorted({s.freq for s in summaries})
    if len(found) > 1:
        raise FrequencyError(
            f"the partitions of df have different frequencies {format_values(found)}: each "
            "partition inferred its own. Pass LGBMForecaster(freq=...) to fix one."
        )
    return found[0]


def _global_order(summaries: list[_Summary]) -> np.ndarray:
    """Series ids in the order of a local fit; no series may sit in two partitions."""
    every = pd.concat([s.ids for s in summaries], ignore_index=True)
    codes, uniques = pd.factorize(every, sort=True)  # as forecastkit.prepare orders them
    twice = pd.Series(codes).duplicated(keep=False).to_numpy()
    if twice.any():
        raise DataValidationError(
            f"{len(np.unique(codes[twice]))} series are split across partitions of df "
            f"{format_values(pd.unique(every[twice]).tolist())}; every series must sit whole in "
            "one partition. Shuffle the dask DataFrame on the id column (ddf.shuffle(on=id_col)) "
            "or write the parquet dataset partitioned by series."
        )
    return np.asarray(uniques)


def _take_series(
    starts: np.ndarray, series: np.ndarray, dates: np.ndarray, ids: np.ndarray
) -> tuple[Layout, np.ndarray]:
    """The layout of some ``series`` (in that order) of a history layout, and their rows."""
    lengths = np.diff(starts)[series]
    new = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    n_rows = int(new[-1])
    rows = np.repeat(starts[series] - new[:-1], lengths) + np.arange(n_rows)
    layout = Layout(
        codes=series_codes(new),
        starts=new,
        dates=dates[rows],
        position=_positions(new, n_rows),
        is_future=np.zeros(n_rows, dtype=bool),
        ids=ids,
    )
    return layout, rows


def _assemble(pieces: list[tuple], series: list[np.ndarray], ids: np.ndarray) -> tuple:
    """The panel's layout, target and values, series in global order, from the partitions'."""
    lengths = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    order = np.argsort(np.concatenate(series), kind="stable")  # global series -> concat position
    dates = np.concatenate([p[1] for p in pieces])
    layout, rows = _take_series(np.r_[0, np.cumsum(lengths)], order, dates, ids)
    y = np.concatenate([p[2] for p in pieces])[rows]
    values = {name: np.concatenate([p[3][name] for p in pieces])[rows] for name in pieces[0][3]}
    return layout, y, values


class _Port:
    """A port reserved on a worker (a bound socket) until LightGBM listens on it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("", 0))
        self.number = int(self.socket.getsockname()[1])

    def release(self) -> int:
        self.socket.close()
        return self.number


def _port_number(port: _Port) -> int:
    return port.number


def _train_worker(port: _Port, blocks: list[tuple], *, params: dict, rounds: int, **data: Any):
    """Train on this worker's blocks, in LightGBM's network; the first machine returns the model."""
    import lightgbm as lgb

    X = [block[0] for block in blocks]
    dataset = lgb.Dataset(
        X[0] if len(X) == 1 else X,
        label=np.concatenate([block[1] for block in blocks]),
        feature_name=data["names"],
        categorical_feature=data["categorical"],
        free_raw_data=True,
        params={"verbosity": -1, "num_threads": params["num_threads"]},
    )
    params = dict(params, local_listen_port=port.release())
    booster = lgb.train(params, dataset, num_boost_round=rounds)
    if params.get("num_machines", 1) > 1:
        booster.free_network()
    return booster if data["first"] else None


def _network(client: Any, workers: list[str]) -> tuple[list[Any], str]:
    """Ports reserved on ``workers`` and LightGBM's ``machines`` list, in that order (the ranks)."""
    ports = _pinned(client, workers, _Port)
    numbers = client.gather(_pinned(client, workers, _port_number, ports))
    hosts = [urlparse(w).hostname for w in workers]
    return ports, ",".join(f"{host}:{n}" for host, n in zip(hosts, numbers, strict=True))


def _train_band(
    parts: _Partitions,
    exog: list[Any],
    model: Any,
    band: _engine.Band,
    index: int,
    *,
    cutoff: Any = None,
    categorical: tuple[str, ...],
) -> _engine.BandModel:
    """Band ``index``'s booster, trained by LightGBM's data-parallel learner on the workers.

    Each worker trains on the blocks of its partitions; the machines are
    ranked by worker address, so the booster is the same from run to run.
    """
    from forecastkit.ml._params import no_training_rows

    client = parts.client
    xy = parts.each(_band_xy, exog, index=index, cutoff=cutoff)
    sizes = client.gather(_pinned(client, parts.workers, _n_rows, xy))
    keep = [k for k, n in enumerate(sizes) if n > 0]
    if not keep:
        raise no_training_rows(band)
    names = list(client.submit(operator.itemgetter(2), xy[keep[0]], pure=False).result())
    workers = sorted({parts.workers[k] for k in keep})
    params = model._params()
    if params.get("tree_learner") not in ("data", "feature", "voting"):
        params["tree_learner"] = "data"
    ports, machines = _network(client, workers)
    nthreads = client.nthreads()
    jobs = []
    for rank, worker in enumerate(workers):
        mine = [xy[k] for k in keep if parts.workers[k] == worker]
        network = {"machines": machines, "num_machines": len(workers)} if len(workers) > 1 else {}
        params_w = dict(params, num_threads=int(nthreads[worker]), **network)
        job = dict(names=names, categorical=[c for c in categorical if c in names], first=rank == 0)
        jobs += _pinned(
            client,
            [worker],
            _train_worker,
            [ports[rank]],
            [mine],
            params=params_w,
            rounds=int(model.n_estimators),
            **job,
        )
    booster = client.gather(jobs)[0]
    logger.debug("band %d-%d: %d rows on %d workers", band.first, band.last, sum(sizes), len(jobs))
    return _engine.BandModel(band, booster, names)


def _summaries(model: Any, df: Any, client: Any, columns: tuple[str, str, str]):
    """Prepared partitions (futures) and their summaries, empty partitions left out."""
    from forecastkit.distributed._input import series_partitions

    id_col, time_col, _ = columns
    frames = series_partitions(df, client=client, id_col=id_col, npartitions=model.npartitions)
    prepared = client.map(_prepare_part, frames, freq=model.freq, columns=columns, pure=False)
    found = client.gather(
        client.map(
            _summarize,
            prepared,
            id_col=id_col,
            time_col=time_col,
            promo_type=model.promo_type_col,
            pure=False,
        )
    )
    keep = [k for k, summary in enumerate(found) if summary is not None]
    if not keep:
        raise DataValidationError("df has no rows; give at least one series.")
    for k in keep:
        for message, category in found[k].warned:
            warnings.warn(message, category, stacklevel=4)
    return [prepared[k] for k in keep], [found[k] for k in keep]


def _buckets(
    client: Any, prepared: list[Any], ids: np.ndarray, design: Any, params: dict, state: dict
) -> tuple[list[Any], list[np.ndarray], list[str]]:
    """Partition models of the buckets of series, whatever the input's partitions were.

    Bucket ``b`` of ``npartitions`` holds the series whose id hashes to ``b``
    (CRC-32, as the partitions of a pandas frame), in the global order, on the
    ``b % n_workers``-th worker: every input route (pandas, dask, parquet) then gives the workers
    the same rows in the same order, and LightGBM the same booster.
    """
    from forecastkit.distributed._input import series_codes as bucket_of

    n = _n_buckets(client, params["npartitions"])
    splits = client.map(_split_buckets, prepared, n=n, id_col=state["columns"][0], pure=False)
    of_series = bucket_of(ids, n)
    groups = [(b, np.flatnonzero(of_series == b)) for b in range(n)]
    groups = [(b, idx) for b, idx in groups if idx.size]
    workers = _assign_workers(client, n)
    shells = []
    for b, idx in groups:
        pieces = [client.submit(operator.itemgetter(b), split, pure=False) for split in splits]
        shells += _pinned(
            client,
            [workers[b]],
            _shell_from_pieces,
            [pieces],
            [ids[idx]],
            [series_design(design, idx)],
            params=params,
            **state,
        )
    return shells, [idx for _, idx in groups], [workers[b] for b, _ in groups]


def fit(model: Any, df: Any, static: Any, *, client: Any, columns: tuple[str, str, str]) -> Any:
    """Fit ``model`` on the cluster of ``client`` (see the module docstring)."""
    from forecastkit.distributed._input import get_client

    _modules()
    client = get_client(client)
    if not isinstance(df, (pd.DataFrame, str, Path)) and not _is_dask(df):
        df = to_pandas(df)  # polars
    prepared, summaries = _summaries(model, df, client, columns)
    freq = _common_freq(summaries)
    ids = _global_order(summaries)
    design = design_from_summary(
        ColumnSummary.merge([s.columns for s in summaries]),
        static=None if static is None else to_pandas(static),
        ids=ids,
        id_col=columns[0],
        options=model._design_options(freq),
    )
    state = {
        "freq": freq,
        "columns": columns,
        "bounds": (min(s.first for s in summaries), max(s.last for s in summaries)),
    }
    raw, series, workers = _buckets(client, prepared, ids, design, model.get_params(), state)
    del prepared
    panel = PanelSums.merge(client.gather(_pinned(client, workers, _panel_of, raw)))
    parts = _Partitions(
        client, _pinned(client, workers, _with_panel, raw, panel=panel), series, workers
    )
    del raw
    exog = parts.each(_exog_of)
    bands = model._bands(freq)
    models = [
        _train_band(parts, exog, model, band, i, categorical=design.categorical_features)
        for i, band in enumerate(bands)
    ]
    del exog
    pieces = client.gather(parts.each(_history_of))
    layout, y, values = _assemble(pieces, series, ids)
    del pieces
    model._install(layout, y, values, design, **state)
    model.models_ = models
    model._dask_handle = parts
    logger.info("trained on Dask: %d partitions on %d workers", len(series), len(set(workers)))
    return model._finish(int(model._train_rows(layout, y).sum()))


def _is_dask(df: Any) -> bool:
    return type(df).__module__.split(".")[0] == "dask"


def calibration_windows(model: Any, cutoffs: list) -> list[tuple[np.ndarray, ...]]:
    """Forecasts, actuals and scales of the held-out windows, trained and run on the cluster.

    The calibration models train on the rows up to the first cutoff, with
    the same learner as the fit; one ``(pred, actual, scale)`` per cutoff,
    series in the local order.
    """
    parts: _Partitions = model._dask_handle
    exog = parts.each(_exog_of)
    cats = model.exog_design_.categorical_features
    models = [
        _train_band(parts, exog, model, band, i, cutoff=cutoffs[0], categorical=cats)
        for i, band in enumerate(model.bands_)
    ]
    return held_out(parts, exog, models, cutoffs)


def held_out(
    parts: _Partitions, exog: list[Any], models: list[_engine.BandModel], cutoffs: list
) -> list[tuple[np.ndarray, ...]]:
    """``models``' forecasts of the windows after ``cutoffs`` on the workers, in the local order.

    Per cutoff, what :meth:`LGBMForecaster._window` gives on the whole panel.
    """
    [shared] = parts.client.scatter([models], broadcast=True)
    found = parts.client.gather(parts.each(_windows_of, exog, models=shared, cutoffs=cutoffs))
    out = []
    for w in range(len(cutoffs)):
        windows = [found_k[w] for found_k in found]
        where = np.concatenate([idx[p[3]] for idx, p in zip(parts.series, windows, strict=True)])
        order = np.argsort(where, kind="stable")
        out.append(tuple(np.concatenate([p[j] for p in windows])[order] for j in range(3)))
    return out


# --------------------------------------------------------------------------- per-partition output
def _scatter_partitions(model: Any, client: Any) -> _Partitions:
    """Partition models of a fitted model's series, built here and scattered to the workers."""
    from forecastkit.distributed._input import series_codes as partition_of

    layout, design = model.layout_, model.exog_design_
    params = _params_of(model)
    n = _n_buckets(client, params.get("npartitions"))
    part = partition_of(layout.ids, n)  # the buckets of a fit
    panel = panel_sums(design, layout.codes, layout.dates, model.values_)
    axis = model._axis()
    state = {
        "freq": model.freq_,
        "columns": (model.id_col_, model.time_col_, model.target_col_),
        "bounds": (axis[0].to_datetime64(), axis[-1].to_datetime64()),
    }
    every = _assign_workers(client, n)
    groups, workers, shells = [], [], []
    for b in np.unique(part):
        idx = np.flatnonzero(part == b)
        sub, rows = _take_series(layout.starts, idx, layout.dates, layout.ids[idx])
        values = {name: v[rows] for name, v in model.values_.items()}
        design_b = series_design(design, idx)
        shell = _shell(params, sub, model.y_[rows], values, design_b, **state)
        shells.append(client.scatter(_with_panel(shell, panel), workers=[every[b]]))
        groups.append(idx)
        workers.append(every[b])
    return _Partitions(client, shells, groups, workers)


def _params_of(model: Any) -> dict[str, Any]:
    """The constructor parameters a model has (one saved by an older version may lack some)."""
    return {name: vars(model)[name] for name in model._param_names() if name in vars(model)}


def _partitions(model: Any, client: Any) -> _Partitions:
    from forecastkit.distributed._input import get_client

    parts = getattr(model, "_dask_handle", None)
    if parts is not None and parts.alive() and client in (None, parts.client):
        return parts
    parts = _scatter_partitions(model, get_client(client))
    if getattr(model, "backend", "local") == "dask":  # its calibration trains on them
        model._dask_handle = parts
    return parts


def _output_dir(path: Any) -> Path:
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    stale = sorted(root.glob("part-*.parquet"))
    if stale:
        raise InvalidParameterError(
            f"path={str(root)!r} already holds {len(stale)} forecast files "
            f"{format_values([p.name for p in stale])}; pass a new or empty directory (old "
            "files would mix with the new ones when the dataset is read)."
        )
    return root


def predict_partitions(
    model: Any, h: int, X_future: Any, *, path: Any, quantiles: Any, client: Any
) -> list[str]:
    """Forecast each partition on its worker and write ``path/part-<k>.parquet``."""
    from forecastkit._validation import check_quantiles

    _modules()
    h, qs = model._check_h(h), check_quantiles(quantiles)
    parts = _partitions(model, client)
    calibration = None
    if qs:
        model._require_calibration("quantiles")
        calibration = model._calibration
    root = _output_dir(path)
    future = model._future(h, X_future)[3]
    design = model.exog_design_
    codes = np.repeat(np.arange(model.layout_.n_series), h)
    dates = future[model.time_col_].to_numpy(dtype="datetime64[ns]")
    future_panel = panel_sums(design, codes, dates, raw_columns(future, design))
    steps = np.arange(h)
    pieces = [future.iloc[(idx[:, None] * h + steps).ravel()] for idx in parts.series]
    [models] = parts.client.scatter([model.models_], broadcast=True)
    paths = [str(root / f"part-{k:05d}.parquet") for k in range(len(pieces))]
    done = parts.each(
        _predict_part,
        pieces,
        paths,
        h=h,
        quantiles=qs,
        models=models,
        calibration=calibration,
        future_panel=future_panel,
    )
    written = parts.client.gather(done)
    logger.info("wrote %d forecast files to %s", len(written), root)
    return list(written)
