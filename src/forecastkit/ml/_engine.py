"""Training and multi-step forecasting with LightGBM boosters (private).

A forecaster holds one :class:`Band` model per range of horizon steps:

* recursive: one band for every step, trained on one-step-ahead target
  features (``shift = 1``); step ``k`` reads the forecasts of steps
  ``1 .. k - 1`` in place of the unknown targets;
* direct: bands of steps ``1``, ``2-3``, ``4-7``, ``8-15``... The band whose
  last step is ``s`` is trained on features that end ``s`` periods back
  (``shift = s``), so every step of the band is forecast from the origin in
  one pass, without feeding forecasts back;
* hybrid: the recursive model and one horizon-safe model (``shift`` = the
  horizon, so it never reads a forecast), averaged step by step; beyond the
  horizon the recursive model alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecastkit.ml._target import Prefix, TargetSpec, target_features, target_features_at

__all__ = [
    "Band",
    "BandModel",
    "direct_lags",
    "forecast",
    "make_bands",
    "matrix",
    "train",
    "train_matrix",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Band:
    """Horizon steps ``first .. last`` (1-based) served by one model."""

    first: int
    last: int
    spec: TargetSpec


@dataclass(eq=False)
class BandModel:
    """A trained booster, its band and its feature names."""

    band: Band
    booster: Any
    names: list[str] = field(default_factory=list)


def direct_lags(lags: Sequence[int], shift: int, season: int) -> tuple[int, ...]:
    """Lags of a direct model whose features end ``shift`` periods back.

    A lag below ``shift`` moves to the nearest later lag in the same phase of
    the season (daily data: same weekday), and ``shift`` itself is added.

    Examples
    --------
    >>> direct_lags([1, 7, 14, 28], shift=8, season=7)
    (8, 14, 28)
    >>> direct_lags([1, 2, 12], shift=3, season=1)
    (3, 12)
    """
    out = {int(shift)}
    for lag in lags:
        if lag >= shift:
            out.add(int(lag))
        else:
            out.add(int(lag + season * -(-(shift - lag) // season)))
    return tuple(sorted(out))


def make_bands(
    strategy: str,
    horizon: int,
    *,
    lags: Sequence[int],
    windows: Sequence[int],
    stats: Sequence[str],
    expanding: bool,
    season: int,
) -> list[Band]:
    """The bands of a strategy: one for recursive, two for hybrid, doubling ranges for direct.

    Examples
    --------
    >>> bands = make_bands("direct", 10, lags=[1, 7], windows=[7], stats=["mean"],
    ...                    expanding=False, season=7)
    >>> [(b.first, b.last, b.spec.lags) for b in bands]
    [(1, 1, (1, 7)), (2, 3, (3, 7, 8)), (4, 7, (7, 8)), (8, 10, (10, 14, 15))]
    """

    def ending(shift: int, *, move_lags: bool = True) -> TargetSpec:
        """Features that end ``shift`` periods back (the recursive model keeps its lags)."""
        return TargetSpec(
            lags=direct_lags(lags, shift, season) if move_lags else lags,
            windows=windows,
            shift=shift,
            stats=stats,
            expanding=expanding,
        )

    if strategy == "recursive":
        return [Band(1, horizon, ending(1, move_lags=False))]
    if strategy == "hybrid":
        return [Band(1, horizon, ending(1, move_lags=False)), Band(1, horizon, ending(horizon))]
    bands = []
    first = 1
    while first <= horizon:
        last = min(2 * first - 1, horizon)
        bands.append(Band(first, last, ending(last)))
        first = last + 1
    return bands


def matrix(blocks: Sequence[Mapping[str, np.ndarray]], rows: np.ndarray | None) -> np.ndarray:
    """float32 ``(len(rows), n_features)`` C-ordered matrix of the columns of ``blocks``."""
    columns = [col for block in blocks for col in block.values()]
    n = (columns[0].size if rows is None else rows.size) if columns else 0
    out = np.empty((n, len(columns)), dtype=np.float32)
    for j, col in enumerate(columns):
        out[:, j] = col if rows is None else col[rows]
    return out


def train_matrix(
    target: Mapping[str, np.ndarray], exog: Mapping[str, np.ndarray], rows: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """float32 ``(len(rows), n_features)`` training matrix and its feature names.

    ``target`` holds the features of ``rows`` only, ``exog`` those of every row.
    """
    names = [*target, *exog]
    X = np.empty((rows.size, len(names)), dtype=np.float32)
    for j, col in enumerate(target.values()):
        X[:, j] = col
    for j, col in enumerate(exog.values(), start=len(target)):
        X[:, j] = col[rows]
    return X, names


def train(
    band: Band,
    target: Mapping[str, np.ndarray],
    exog: Mapping[str, np.ndarray],
    y: np.ndarray,
    rows: np.ndarray,
    *,
    params: Mapping[str, Any],
    n_estimators: int,
    categorical: Sequence[str],
) -> BandModel:
    """Fit one booster on ``rows``: ``target`` holds their features, ``exog`` every row's."""
    import lightgbm as lgb

    X, names = train_matrix(target, exog, rows)
    cats = [c for c in categorical if c in exog]
    data = lgb.Dataset(
        X,
        label=y[rows],
        feature_name=names,
        categorical_feature=cats,
        free_raw_data=True,
        params={"verbosity": -1, "num_threads": params.get("num_threads", 0)},
    )
    booster = lgb.train(dict(params), data, num_boost_round=n_estimators)
    logger.debug("band %d-%d: %d rows x %d features", band.first, band.last, *X.shape)
    return BandModel(band, booster, names)


def band_features(
    band: Band, y: np.ndarray, starts: np.ndarray, rows: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Target features of ``band`` at ``rows`` (every row when None).

    With ``rows``, only those rows' windows are gathered: memory in
    proportion to the rows, not to the history (a fit that trains on the
    last year of a long panel).
    """
    if rows is None:
        return target_features(y, starts, band.spec)
    return target_features_at(y, starts, rows, band.spec)


def forecast(
    models: Sequence[BandModel],
    y: np.ndarray,
    starts: np.ndarray,
    rows: np.ndarray,
    exog: np.ndarray,
    prefix: Prefix,
    *,
    strategy: str,
    n_jobs: int,
) -> np.ndarray:
    """Forecast the ``(n, h)`` ``rows`` (-1: none) after each series' origin.

    ``y`` holds the known targets and NaN at the forecast rows; forecasts
    are written into it step by step (recursive models read them back).
    ``exog`` is the ``(n * h, n_exog)`` feature matrix of ``rows``
    (row-major). Forecasts are clipped at 0.
    """
    n, h = rows.shape
    out = np.zeros((n, h))
    exog = exog.reshape(n, h, -1)
    if strategy != "direct":  # the recursive model, one step at a time
        for k in range(h):
            _predict_steps(models[0], y, starts, rows, exog, prefix, [k], out, n_jobs)
    if strategy == "hybrid":  # averaged with the horizon-safe model within its horizon
        steps = list(range(min(models[1].band.last, h)))
        safe = np.zeros((n, h))
        _predict_steps(models[1], y, starts, rows, exog, prefix, steps, safe, n_jobs)
        out[:, steps] = 0.5 * (out[:, steps] + safe[:, steps])
        y[rows[rows >= 0]] = out[rows >= 0]
    if strategy != "direct":
        return out
    for model in models:  # direct: each band in one pass from the origin
        steps = list(range(model.band.first - 1, min(model.band.last, h)))
        if steps:
            _predict_steps(model, y, starts, rows, exog, prefix, steps, out, n_jobs)
    return out


def _predict_steps(
    model: BandModel,
    y: np.ndarray,
    starts: np.ndarray,
    rows: np.ndarray,
    exog: np.ndarray,
    prefix: Prefix,
    steps: list[int],
    out: np.ndarray,
    n_jobs: int,
) -> None:
    at = rows[:, steps]
    valid = at >= 0
    target_rows = at[valid]
    if target_rows.size == 0:
        return
    tf = target_features_at(y, starts, target_rows, model.band.spec, prefix=prefix)
    X = np.empty((target_rows.size, len(model.names)), dtype=np.float32)
    X[:, : len(tf)] = matrix([tf], None)
    X[:, len(tf) :] = exog[:, steps][valid]
    pred = model.booster.predict(X, num_threads=n_jobs)
    pred = np.clip(np.nan_to_num(pred, nan=0.0, posinf=0.0), 0.0, None)
    block = np.zeros(at.shape)
    block[valid] = pred
    out[:, steps] = block
    y[target_rows] = pred
