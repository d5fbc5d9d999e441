"""Contender registry: who forecasts in the benchmarks, and how each one is run.

Interface (used by every ``task_*.py``)
---------------------------------------
All frames use the long contract with fixed names: ``unique_id`` (str),
``ds`` (datetime64), ``y`` (float), further columns exogenous (numeric,
known ahead: prices, SNAP, events, markdowns...). Forecasts come back as
``unique_id, ds, yhat`` plus one ``q<p>`` column per quantile (``q0.005``,
``q0.5``...; the forecastkit output contract), and a ``cutoff`` column when
run through :func:`run_contender`.

In-process forecasters (call them inside your own child process, or use
:func:`run_contender`, which does the subprocess for you):

* ``forecast_forecastkit(model_name, train_df, h, freq, season_length,
  quantiles=None, n_jobs=1, future_df=None, static_df=None, options=None)``
* ``forecast_statsforecast(model_name, train_df, h, freq, season_length,
  quantiles=None, n_jobs=1, options=None)``; ``model_name`` in
  ``SeasonalNaive, AutoETS, CrostonOptimized, TSB, ADIDA``.
* ``forecast_mlforecast(train_df, h, freq, *, future_df=None,
  static_df=None, quantiles=None, n_jobs=1, options=None)``: LightGBM on
  lags, rolling means, date features, static and dynamic exogenous columns.

One contender on one task, isolated and measured::

    row, forecasts = run_contender(
        "statsforecast.AutoETS", frame=df, h=13, freq="W-SUN", season_length=52,
        workdir=Path("/tmp/x"), cutoffs=None,   # None: forecast after the end of df
    )

``cutoffs`` (list of timestamps) gives rolling-origin windows: for each,
the contender is fit on ``ds <= cutoff`` and forecasts ``h`` periods; the
rows of ``frame`` after the cutoff supply the future exogenous values
(never ``y``). ``row`` has ``contender, status, wall_s, peak_rss_mb,
notes`` (status ``ok``, ``failed: <reason>`` or ``not yet implemented
(issue N)``); ``forecasts`` is None unless ``ok``. Wall time covers fit and
predict of every window, after an untimed warm-up on two series (first-call
costs: lazy imports, compilation, caches). ``peak_rss_mb`` is the child
process's peak resident memory during the timed call (reset just before it
on Linux; interpreter, imports and the loaded input included), plus the
largest worker's for a contender run with ``n_jobs > 1``;
``extra_rss_mb`` is that peak minus the resident memory just before the
call. Score ``forecasts`` with :func:`join_actuals` and
:mod:`forecastkit.evaluate`.

Adding a contender (e.g. ``forecastkit.StatsForecaster`` when issue 4
lands) is one entry in :data:`CONTENDERS` plus, if it is a new library, one
``forecast_*`` function.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from _measure import run_timed

logger = logging.getLogger(__name__)

ID, TIME, TARGET = "unique_id", "ds", "y"


@dataclass(frozen=True)
class Contender:
    """One registry entry: library, model and, until it exists, why it cannot run."""

    library: str  # "forecastkit", "statsforecast" or "mlforecast"
    model: str
    missing: str | None = None  # status text while the model is not implemented
    uses_exog: bool = False


CONTENDERS: dict[str, Contender] = {
    "forecastkit.SeasonalNaive": Contender("forecastkit", "SeasonalNaive"),
    "forecastkit.StatsForecaster": Contender("forecastkit", "StatsForecaster"),
    "forecastkit.LGBMForecaster": Contender("forecastkit", "LGBMForecaster", uses_exog=True),
    "statsforecast.SeasonalNaive": Contender("statsforecast", "SeasonalNaive"),
    "statsforecast.AutoETS": Contender("statsforecast", "AutoETS"),
    "statsforecast.CrostonOptimized": Contender("statsforecast", "CrostonOptimized"),
    "statsforecast.TSB": Contender("statsforecast", "TSB"),
    "statsforecast.ADIDA": Contender("statsforecast", "ADIDA"),
    "mlforecast.LightGBM": Contender("mlforecast", "LightGBM", uses_exog=True),
}

M5_QUANTILES = (0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995)
# statsforecast models with their own (model-based) prediction intervals;
# the others get conformal intervals when quantiles are asked for.
_NATIVE_INTERVALS = {"SeasonalNaive", "AutoETS"}
TSB_ALPHAS = {"alpha_d": 0.1, "alpha_p": 0.1}


def qcol(q: float) -> str:
    """Quantile column name, ``q0.005`` style."""
    return f"q{q:g}"


def _point_and_quantiles(out: pd.DataFrame, quantiles: Sequence[float] | None) -> list[str]:
    return [ID, TIME, "yhat", *(qcol(q) for q in quantiles or ())]


def _clip(out: pd.DataFrame, options: dict | None) -> pd.DataFrame:
    """Clip forecasts at zero (demand), unless ``options["nonnegative"]`` is False."""
    if (options or {}).get("nonnegative", True):
        cols = [c for c in out.columns if c == "yhat" or re.fullmatch(r"q[0-9.e-]+", c)]
        out[cols] = out[cols].clip(lower=0.0)
    return out


# --------------------------------------------------------------------------- forecastkit
def forecast_forecastkit(
    model_name: str,
    train_df: pd.DataFrame,
    h: int,
    freq: str,
    season_length: int,
    quantiles: Sequence[float] | None = None,
    n_jobs: int = 1,
    future_df: pd.DataFrame | None = None,
    static_df: pd.DataFrame | None = None,
    options: dict | None = None,
) -> pd.DataFrame:
    """Fit a forecastkit model on ``train_df`` and forecast ``h`` periods."""
    import forecastkit

    if model_name == "LGBMForecaster":
        return _forecast_lgbm(
            train_df, h, freq, quantiles, n_jobs, future_df, static_df, options or {}
        )
    if model_name == "SeasonalNaive":
        model = forecastkit.SeasonalNaive(season_length=season_length, freq=freq)
    elif model_name == "StatsForecaster":
        # validation on the last h periods: the horizon the task scores
        model = forecastkit.StatsForecaster(
            season_length=season_length,
            freq=freq,
            validation_h=h,
            **(options or {}).get("stats", {}),
        )
    else:
        raise NotImplementedError(f"forecastkit.{model_name} has no benchmark wrapper yet")
    model.fit(train_df[[ID, TIME, TARGET]])
    out = model.predict(h, quantiles=list(quantiles) if quantiles else None)
    out[ID] = out[ID].astype(str)
    return _clip(out[_point_and_quantiles(out, quantiles)], options)


def _forecast_lgbm(
    train_df: pd.DataFrame,
    h: int,
    freq: str,
    quantiles: Sequence[float] | None,
    n_jobs: int,
    future_df: pd.DataFrame | None,
    static_df: pd.DataFrame | None,
    options: dict,
) -> pd.DataFrame:
    """forecastkit's LGBMForecaster with every exogenous column of the task.

    ``options["lgbm_fk"]``: LGBMForecaster arguments (``price_col``,
    ``weather_cols``...); every other column of ``train_df`` is a raw feature.
    """
    import forecastkit

    model = forecastkit.LGBMForecaster(
        freq=freq, horizon=h, random_state=0, n_jobs=n_jobs, **options.get("lgbm_fk", {})
    )
    model.fit(train_df, static=static_df)
    exog = [c for c in train_df.columns if c not in (ID, TIME, TARGET)]
    future = None if future_df is None or not exog else future_df[[ID, TIME, *exog]]
    out = model.predict(h, X_future=future, quantiles=list(quantiles) if quantiles else None)
    out[ID] = out[ID].astype(str)
    return _clip(out[_point_and_quantiles(out, quantiles)], options)


# --------------------------------------------------------------------------- statsforecast
def _levels(quantiles: Sequence[float]) -> dict[float, tuple[str, int | float]]:
    """Map each quantile to (``lo``/``hi``, interval level); the median is the point forecast."""
    out: dict[float, tuple[str, int | float]] = {}
    for q in quantiles:
        if abs(q - 0.5) < 1e-12:
            continue
        level = round(100 * (1 - 2 * min(q, 1 - q)), 6)
        level = int(level) if float(level).is_integer() else level
        out[q] = ("lo" if q < 0.5 else "hi", level)
    return out


def _to_contract(raw: pd.DataFrame, model: str, quantiles: Sequence[float] | None) -> pd.DataFrame:
    """Nixtla output (``model``, ``model-lo-95``...) to ``unique_id, ds, yhat, q...``."""
    out = pd.DataFrame({ID: raw[ID].astype(str), TIME: raw[TIME], "yhat": raw[model]})
    levels = _levels(quantiles or ())
    for q in quantiles or ():
        side, level = levels.get(q, (None, None))
        out[qcol(q)] = raw[model] if side is None else raw[f"{model}-{side}-{level}"]
    return out


def _statsforecast_model(model_name: str, season_length: int, intervals, options: dict):
    from statsforecast import models

    kwargs = {"prediction_intervals": intervals}
    if model_name in ("SeasonalNaive", "AutoETS"):
        kwargs["season_length"] = season_length
    if model_name == "TSB":
        kwargs.update(options.get("tsb", TSB_ALPHAS))
    return getattr(models, model_name)(**kwargs)


def forecast_statsforecast(
    model_name: str,
    train_df: pd.DataFrame,
    h: int,
    freq: str,
    season_length: int,
    quantiles: Sequence[float] | None = None,
    n_jobs: int = 1,
    options: dict | None = None,
    **_: object,
) -> pd.DataFrame:
    """Fit one statsforecast model per series and forecast ``h`` periods.

    Quantiles come from symmetric prediction intervals (``level=``): the
    quantile q < 0.5 is the lower bound of the ``100 (1 - 2q)`` % interval,
    its mirror the upper bound, and the median the point forecast. Models
    without their own intervals (Croston, TSB, ADIDA) get conformal ones
    (``options["conformal_windows"]`` backtest windows, default 3).
    """
    from statsforecast import StatsForecast
    from statsforecast.utils import ConformalIntervals

    options = options or {}
    levels = _levels(quantiles or ())
    intervals = None
    if levels and model_name not in _NATIVE_INTERVALS:
        intervals = ConformalIntervals(h=h, n_windows=int(options.get("conformal_windows", 3)))
    model = _statsforecast_model(model_name, season_length, intervals, options)
    sf = StatsForecast(models=[model], freq=freq, n_jobs=n_jobs)
    level_list = sorted({lv for _, lv in levels.values()}) or None
    raw = sf.forecast(h=h, df=train_df[[ID, TIME, TARGET]], level=level_list)
    return _clip(_to_contract(raw, model_name, quantiles), options)


# --------------------------------------------------------------------------- mlforecast
def week_of_year(dates: pd.DatetimeIndex) -> np.ndarray:
    """ISO week number, a date feature for weekly data."""
    return pd.DatetimeIndex(dates).isocalendar().week.to_numpy().astype(np.int64)


_DATE_FEATURES = {"week": week_of_year}


def _target_transform(spec: str):
    """``"scale"`` (per-series standardisation) or ``"diff<k>"`` (lag-k differences)."""
    from mlforecast.target_transforms import Differences, LocalStandardScaler

    if spec == "scale":
        return LocalStandardScaler()
    if spec.startswith("diff"):
        return Differences([int(spec[4:])])
    raise ValueError(f"unknown target transform {spec!r}; use 'scale' or 'diff<k>'")


def _numeric_or_codes(col: pd.Series) -> pd.Series:
    """A static column as numbers (store size) or else integer category codes (store id)."""
    try:
        return pd.to_numeric(col)
    except (TypeError, ValueError):
        return col.astype("category").cat.codes.astype(np.int32)


def _mlforecast_inputs(
    train_df: pd.DataFrame, future_df: pd.DataFrame | None, static_df: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Train frame with integer-coded static columns, and the future exogenous frame."""
    static_cols: list[str] = []
    train = train_df
    if static_df is not None:
        codes = static_df.set_index(ID)
        codes = codes.apply(_numeric_or_codes)
        static_cols = list(codes.columns)
        train = train.merge(codes.reset_index(), on=ID, how="left")
    dynamic = [c for c in train_df.columns if c not in (ID, TIME, TARGET)]
    future = None if future_df is None or not dynamic else future_df[[ID, TIME, *dynamic]]
    return train, future, static_cols


def forecast_mlforecast(
    train_df: pd.DataFrame,
    h: int,
    freq: str,
    *,
    future_df: pd.DataFrame | None = None,
    static_df: pd.DataFrame | None = None,
    quantiles: Sequence[float] | None = None,
    n_jobs: int = 1,
    options: dict | None = None,
    **_: object,
) -> pd.DataFrame:
    """Global LightGBM through mlforecast (recursive, its default).

    ``options``: ``lags`` (list), ``rolling`` ({lag: [windows]}, rolling
    means of the lagged target), ``date_features`` (pandas attribute names
    or ``"week"``), ``target_transforms`` (``"scale"``, ``"diff52"``...),
    ``lgbm`` (LGBMRegressor parameters) and
    ``conformal_windows`` (conformal intervals when quantiles are asked).
    Every column of ``train_df`` besides ``unique_id, ds, y`` is a dynamic
    exogenous feature whose horizon values come from ``future_df``.
    """
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.utils import PredictionIntervals

    options = options or {}
    params = {"verbosity": -1, "random_state": 0, "n_jobs": n_jobs, **options.get("lgbm", {})}
    rolling = {
        int(lag): [RollingMean(window_size=int(w)) for w in windows]
        for lag, windows in options.get("rolling", {}).items()
    }
    dates = [_DATE_FEATURES.get(f, f) for f in options.get("date_features", [])]
    transforms = [_target_transform(spec) for spec in options.get("target_transforms", [])]
    fcst = MLForecast(
        models={"LightGBM": lgb.LGBMRegressor(**params)},
        freq=freq,
        lags=options.get("lags"),
        lag_transforms=rolling or None,
        date_features=dates or None,
        num_threads=n_jobs,
        target_transforms=transforms or None,
    )
    train, future, static_cols = _mlforecast_inputs(train_df, future_df, static_df)
    levels = _levels(quantiles or ())
    intervals = None
    if levels:
        intervals = PredictionIntervals(n_windows=int(options.get("conformal_windows", 3)), h=h)
    fcst.fit(train, static_features=static_cols, prediction_intervals=intervals)
    level_list = sorted({lv for _, lv in levels.values()}) or None
    raw = fcst.predict(h, X_df=future, level=level_list)
    return _clip(_to_contract(raw, "LightGBM", quantiles), options)


_FORECASTERS = {
    "forecastkit": forecast_forecastkit,
    "statsforecast": forecast_statsforecast,
}


def _forecast_one(spec: dict, train: pd.DataFrame, future, static) -> pd.DataFrame:
    """Dispatch one window to the contender's library wrapper."""
    entry = CONTENDERS[spec["contender"]]
    common = {"quantiles": spec["quantiles"], "n_jobs": spec["n_jobs"], "options": spec["options"]}
    if entry.library == "mlforecast":
        return forecast_mlforecast(
            train, spec["h"], spec["freq"], future_df=future, static_df=static, **common
        )
    if not entry.uses_exog:
        train = train[[ID, TIME, TARGET]]
    fn = _FORECASTERS[entry.library]
    return fn(
        entry.model,
        train,
        spec["h"],
        spec["freq"],
        spec["season_length"],
        future_df=future,
        static_df=static,
        **common,
    )


# --------------------------------------------------------------------------- child process
def load(job: str) -> dict:
    """Child side, untimed: read the job and cut the frame into windows."""
    spec = json.loads(Path(job).read_text())
    frame = pd.read_parquet(spec["frame"])
    frame[ID] = frame[ID].astype(str)
    static = pd.read_parquet(spec["static"]) if spec.get("static") else None
    if static is not None:
        static[ID] = static[ID].astype(str)
    exog = [c for c in frame.columns if c not in (ID, TIME, TARGET)]
    windows = []
    cutoffs = spec["cutoffs"] or [frame[TIME].max().isoformat()]
    for cutoff in map(pd.Timestamp, cutoffs):
        train = frame[frame[TIME] <= cutoff].reset_index(drop=True)
        future = frame.loc[frame[TIME] > cutoff, [ID, TIME, *exog]]
        future = future[future[TIME] <= _shift(cutoff, spec["h"], spec["freq"])]
        windows.append((cutoff, train, future.reset_index(drop=True) if exog else None))
    return {"spec": spec, "windows": windows, "static": static}


def _shift(cutoff: pd.Timestamp, h: int, freq: str) -> pd.Timestamp:
    return pd.date_range(cutoff, periods=h + 1, freq=freq)[-1]


def forecast_job(data: dict) -> pd.DataFrame:
    """Child side, timed: fit and predict every window; one frame with ``cutoff``."""
    outs = []
    for cutoff, train, future in data["windows"]:
        out = _forecast_one(data["spec"], train, future, data["static"])
        outs.append(out.assign(cutoff=cutoff))
    return pd.concat(outs, ignore_index=True)


def warmup_job(data: dict) -> None:
    """Child side, untimed: the same contender on two series of the first window."""
    _, train, future = data["windows"][0]
    ids = pd.unique(train[ID])[:2]
    sub_future = None if future is None else future[future[ID].isin(ids)]
    _forecast_one(data["spec"], train[train[ID].isin(ids)], sub_future, data["static"])


# --------------------------------------------------------------------------- parent side
def slug(name: str) -> str:
    """File-safe version of a contender or task name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)


def save_frame(df: pd.DataFrame, path: Path) -> Path:
    """Write a long frame for the children (ids as strings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df.assign(**{ID: df[ID].astype(str)})
    out.to_parquet(path, index=False)
    return path


def task_inputs(
    data,
    workdir: Path,
    *,
    h: int,
    freq: str,
    season_length: int,
    quick: bool,
    quantiles: Sequence[float] | None = None,
) -> dict:
    """The keyword arguments of :func:`run_all` shared by every contender of a task.

    ``data`` is a loaded task (``frame``, ``static``, ``cutoffs``); the frames
    are written once to ``workdir`` for the children to read.
    """
    return {
        "frame": save_frame(data.frame, workdir / "frame.parquet"),
        "static": save_frame(data.static, workdir / "static.parquet"),
        "h": h,
        "freq": freq,
        "season_length": season_length,
        "cutoffs": data.cutoffs,
        "quantiles": quantiles,
        "workdir": workdir,
        "timeout_s": 300 if quick else 1800,
    }


def run_contender(
    name: str,
    *,
    frame: pd.DataFrame | Path,
    h: int,
    freq: str,
    season_length: int,
    workdir: Path,
    cutoffs: Sequence[pd.Timestamp] | None = None,
    static: pd.DataFrame | Path | None = None,
    quantiles: Sequence[float] | None = None,
    n_jobs: int = 1,
    options: dict | None = None,
    timeout_s: float | None = None,
    python: str | None = None,
) -> tuple[dict, pd.DataFrame | None]:
    """Run contender ``name`` on every window in its own subprocess (see module docstring)."""
    entry = CONTENDERS[name]
    row = {"contender": name, "status": entry.missing, "wall_s": np.nan, "peak_rss_mb": np.nan}
    row["notes"] = ""
    if entry.missing:
        return row, None
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(frame, pd.DataFrame):
        frame = save_frame(frame, workdir / "frame.parquet")
    if isinstance(static, pd.DataFrame):
        static = save_frame(static, workdir / "static.parquet")
    spec = {
        "contender": name,
        "frame": str(frame),
        "static": str(static) if static is not None else None,
        "cutoffs": [pd.Timestamp(c).isoformat() for c in cutoffs] if cutoffs else None,
        "h": int(h),
        "freq": freq,
        "season_length": int(season_length),
        "quantiles": [float(q) for q in quantiles] if quantiles else None,
        "n_jobs": int(n_jobs),
        "options": options or {},
    }
    job = workdir / f"{slug(name)}.job.json"
    job.write_text(json.dumps(spec, indent=1))
    out_path = workdir / f"{slug(name)}.forecast.parquet"
    res = run_timed(
        "_contenders:forecast_job",
        {"job": str(job)},
        out_path=str(out_path),
        warmup="warmup_job",
        python=python,
        timeout_s=timeout_s,
    )
    if "error" in res:
        logger.warning("%s failed: %s\n%s", name, res["error"], res.get("detail", ""))
        row["status"] = f"failed: {res['error']}"
        return row, None
    peak = res["peak_rss_mb"] + res.get("worker_peak_rss_mb", 0.0)  # workers: the largest one
    row.update(status="ok", wall_s=res["wall_s"], peak_rss_mb=peak)
    row["extra_rss_mb"] = peak - res["rss_before_mb"]
    row["warmup_s"] = res.get("warmup_s")
    return row, pd.read_parquet(out_path)


def join_actuals(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Inner join of forecasts with actuals (``unique_id, ds, y``) on series and date."""
    act = actuals[[ID, TIME, TARGET]].assign(**{ID: actuals[ID].astype(str)})
    return forecasts.merge(act, on=[ID, TIME], how="inner")


def skipped_rows(task: str, names: Sequence[str], status: str) -> list[dict]:
    """One row per contender when a whole task cannot run (e.g. ``skipped: data absent``)."""
    return [
        {"task": task, "contender": n, "status": status, "wall_s": np.nan, "peak_rss_mb": np.nan}
        for n in names
    ]


def run_all(
    task: str,
    names: Sequence[str],
    score,
    *,
    run_options: dict | None = None,
    **common,
) -> list[dict]:
    """Run each contender of ``names`` with :func:`run_contender` and score it.

    ``score(name, forecasts) -> dict`` returns the task's metric columns for
    one contender; ``run_options`` maps a contender name to extra keyword
    arguments of :func:`run_contender` (``options``, ``quantiles``...);
    ``common`` holds the arguments shared by all (``frame, h, freq...``).
    A scoring error marks the row failed instead of stopping the task.
    """
    rows = []
    for name in names:
        kwargs = {**common, **(run_options or {}).get(name, {})}
        row, forecasts = run_contender(name, **kwargs)
        row = {"task": task, **row}
        if forecasts is not None:
            try:
                row.update(score(name, forecasts))
            except Exception as err:  # keep the other contenders' rows
                logger.exception("%s: scoring %s failed", task, name)
                row["status"] = f"failed: scoring: {type(err).__name__}: {err}"[:200]
        logger.info("%s %s: %s", task, name, row["status"])
        rows.append(row)
    return rows
