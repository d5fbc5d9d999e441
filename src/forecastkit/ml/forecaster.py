"""``LGBMForecaster``: one LightGBM model across all series, with exogenous features.

A global gradient-boosting model learns demand from every series at once, so
slow movers borrow strength from fast ones and promotion, price, weather and
event effects are learned from every item that saw them. Features (each
family switchable):

* target: lags, rolling mean / standard deviation / share of zeros over
  several windows, expanding mean (:mod:`forecastkit.ml._target`);
* calendar and events (:mod:`forecastkit.ml._dates`), once per distinct date;
* promotion and price (:mod:`forecastkit.ml._promo`), weather
  (:mod:`forecastkit.ml._weather`), other numeric or text columns raw or as
  categoricals, static columns (store, category) as categoricals
  (:mod:`forecastkit.ml._exog`).

Multi-step strategy
-------------------
``strategy="recursive"`` fits one model on one-step-ahead features and feeds
its forecasts back as lags for the next step. ``strategy="direct"`` fits one
model per band of horizon steps (1, 2-3, 4-7, 8-15, 16-31...), each on
features that end ``s`` periods back (``s``: the band's last step), and
forecasts the band from the origin in one pass. ``strategy="hybrid"`` (the
default) averages the recursive model with one horizon-safe model whose
features end ``horizon`` periods back, so it never reads a forecast: the two
make different errors (the recursive one compounds its own, the safe one
misses the latest weeks), and their mean is more accurate than either, for
twice the training time of recursive. See ``docs/ml.md`` for the measured
trade-off on M5, Walmart and a synthetic panel.

Training rows
-------------
Each series trains from its first non-zero demand on
(``train_from_first_sale=True``): the periods before a launch carry no
demand signal. On the M5 subset (3 windows), training on them too gave
WRMSSE 0.775 against 0.700 without them.

Uncertainty
-----------
Quantiles and sample paths are conformal: the model is refitted once on the
history before ``calibration_windows`` held-out windows of ``horizon``
periods, forecasts them, and the pooled, scaled errors give the quantiles
(:mod:`forecastkit.ml._conformal`). That refit happens the first time
quantiles or sample paths are asked for, so point forecasts never pay for it.

Scale-out
---------
``backend="dask"`` builds the features partition by partition of whole
series on a ``dask.distributed`` cluster and trains the same band models
there with LightGBM's data-parallel learner (:mod:`forecastkit.ml._dask`);
the fitted model then predicts locally as usual, or per partition on the
workers with :meth:`LGBMForecaster.predict_partitions`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecastkit._estimator import ParamsMixin
from forecastkit._validation import check_quantiles, positive_int
from forecastkit.calendar import EventCalendar
from forecastkit.data import prepare, quantile_column, to_pandas
from forecastkit.errors import (
    InsufficientDataError,
    InvalidParameterError,
    NotFittedError,
)
from forecastkit.ml import _conformal, _engine, _params
from forecastkit.ml._exog import (
    ExogDesign,
    design_exog,
    exog_features,
    merge_features,
    raw_columns,
)
from forecastkit.ml._future import apply_changes, check_future
from forecastkit.ml._layout import Layout, extend_layout, layout_from_frame
from forecastkit.ml._panel import PanelSums
from forecastkit.ml._target import STATS, prefix_sums

__all__ = ["LGBMForecaster"]

logger = logging.getLogger(__name__)


class LGBMForecaster(ParamsMixin):
    """Global LightGBM demand forecaster with promotion, price, weather and event features.

    Parameters
    ----------
    calendar : EventCalendar, optional
        Holidays and shopping festivals, as event features (indicator,
        position in the window, days to and since).
    lags : sequence of int, optional
        Target lags; default by frequency (daily: 1-7, 14, 21, 28; weekly:
        1-4, 8, 13, 26, 52; monthly: 1, 2, 3, 6, 12). ``()`` disables them.
    windows : sequence of int, optional
        Rolling windows of the target statistics; default by frequency
        (daily: 7 and 28; weekly: 4 and 13; monthly: 3 and 12). ``()``
        disables them.
    window_stats : sequence of {"mean", "std", "zero"}, default=("mean", "std", "zero")
        Rolling statistics: mean, standard deviation, share of zero periods.
    expanding : bool, default=True
        Add the expanding mean of each series' history (its level).
    date_features : bool, default=True
        Calendar features (day of week, week of year, month, day of month,
        month end and paydays, trend index), and event features when
        ``calendar`` is given.
    price_col, regular_price_col, promo_col, promo_type_col : str, optional
        Columns of ``df`` holding the selling price, the regular price
        (estimated from the price history when omitted), a 0/1 promotion
        flag and the promotion type. They give the promotion family (flag,
        discount depth, type as a categorical, days since the last and into
        the current promotion, days to its end, promotion days in the last 7
        and 28 periods) and the price family (price, relative to its rolling
        max and median, change, relative to the category's mean price).
    weather_cols : sequence of str, optional
        Numeric weather columns of ``df`` (temperature, precipitation...):
        raw, and as a deviation from the location's seasonal normal.
    category_col : str, optional
        Column of ``static`` whose mean price per date the price is compared to.
    location_col : str, optional
        Column of ``static`` naming each series' location (store, city): the
        series of a location share its seasonal weather normal. Default: each
        series is its own location.
    objective : {"tweedie", "poisson", "l2", "l1"}, default="tweedie"
        LightGBM loss: Tweedie and Poisson suit non-negative counts with
        many zeros; l2 targets the mean, l1 the median.
    tweedie_variance_power : float, default=1.1
        Tweedie power ``p`` in (1, 2); closer to 1 for Poisson-like counts.
    strategy : {"hybrid", "recursive", "direct"}, default="hybrid"
        Multi-step strategy: the mean of a recursive and a horizon-safe
        model, the recursive model alone (half the training time), or one
        model per band of steps (see the module docstring).
    horizon : int, optional
        Periods calibrated for quantiles, the longest horizon of the direct
        strategy and the shift of the hybrid's horizon-safe model (beyond it
        the hybrid forecasts with its recursive model alone); default by
        frequency (daily 28, weekly 13, monthly 12).
    n_estimators : int, default=300
        Boosting rounds.
    learning_rate : float, default=0.05
    num_leaves : int, default=63
    min_data_in_leaf : int, default=20
    feature_fraction : float, default=0.9
        Share of features tried by each tree.
    lgbm_params : dict, optional
        Further LightGBM parameters; they override the ones above.
    quantile_method : {"conformal"}, default="conformal"
        How quantiles and sample paths are made (see the module docstring).
    calibration_windows : int, default=3
        Held-out windows of ``horizon`` periods used by the conformal
        calibration; 0 skips it (faster fit, no quantiles). Fewer are used
        when the history is short.
    max_train_periods : int, optional
        Train on the last periods of the history only (the features still
        read the earlier ones).
    train_from_first_sale : bool, default=True
        Leave out of training each series' periods before its first
        non-zero demand (a product not yet launched or listed): they teach
        the model nothing about demand and would pull it toward zero. Their
        values still feed the target features.
    freq : str, optional
        Frequency of the data; inferred when omitted.
    random_state : int, default=0
        Seed of LightGBM and of the sample paths.
    n_jobs : int, default=1
        LightGBM threads; -1 for all cores. With ``backend="dask"`` each
        worker trains with its own thread count instead.
    backend : {"local", "dask"}, default="local"
        Where :meth:`fit` builds the features and trains: in this process,
        or on a ``dask.distributed`` cluster, partition by partition of
        whole series, with LightGBM's data-parallel learner (see
        :mod:`forecastkit.ml._dask`; needs ``pip install "forecastkit[dask]"``).
        The fitted model is the same kind of object either way; after a Dask
        fit it also keeps its partitions on the workers, for the calibration
        and :meth:`predict_partitions`, until it is deleted or pickled.
    npartitions : int, optional
        Partitions of whole series with ``backend="dask"`` (the series are
        hashed to them by id): one block of training rows on one worker, one
        file of :meth:`predict_partitions`; default twice the number of
        workers.

    Attributes
    ----------
    models_ : list
        The fitted band models (recursive: one; hybrid: the recursive and
        the horizon-safe model).
    feature_names_ : list of str
        Features of the first model, in column order.
    exog_design_ : ExogDesign
        What each exogenous and static column became.
    calibration_ : Calibration or None
        Conformal cells; None when calibration was skipped or impossible.
        Trained on first use (quantiles, sample paths), so a fit for point
        forecasts trains one model per band, not two.
    freq_ : str
        Frequency of the fitted data.

    Examples
    --------
    >>> import forecastkit as fk
    >>> data = fk.make_retail_demand(n_series=8, periods=200, horizon=14, seed=0)
    >>> train = data.sales.merge(data.exog[["unique_id", "ds", "price", "promo"]])
    >>> model = LGBMForecaster(price_col="price", promo_col="promo", n_estimators=30,
    ...                        horizon=14, calibration_windows=2).fit(train)
    >>> fc = model.predict(14, X_future=data.future_exog, quantiles=[0.1, 0.9])
    >>> list(fc.columns), len(fc)
    (['unique_id', 'ds', 'yhat', 'q0.1', 'q0.9'], 112)
    >>> bool((fc["q0.1"] <= fc["q0.9"]).all() and (fc["yhat"] >= 0).all())
    True
    """

    def __init__(
        self,
        *,
        calendar: EventCalendar | None = None,
        lags: Sequence[int] | None = None,
        windows: Sequence[int] | None = None,
        window_stats: Sequence[str] = STATS,
        expanding: bool = True,
        date_features: bool = True,
        price_col: str | None = None,
        regular_price_col: str | None = None,
        promo_col: str | None = None,
        promo_type_col: str | None = None,
        weather_cols: Sequence[str] | None = None,
        category_col: str | None = None,
        location_col: str | None = None,
        objective: Literal["tweedie", "poisson", "l2", "l1"] = "tweedie",
        tweedie_variance_power: float = 1.1,
        strategy: Literal["recursive", "direct", "hybrid"] = "hybrid",
        horizon: int | None = None,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 63,
        min_data_in_leaf: int = 20,
        feature_fraction: float = 0.9,
        lgbm_params: Mapping[str, Any] | None = None,
        quantile_method: Literal["conformal"] = "conformal",
        calibration_windows: int = 3,
        max_train_periods: int | None = None,
        train_from_first_sale: bool = True,
        freq: str | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
        backend: Literal["local", "dask"] = "local",
        npartitions: int | None = None,
    ) -> None:
        self.calendar = calendar
        self.lags = lags
        self.windows = windows
        self.window_stats = window_stats
        self.expanding = expanding
        self.date_features = date_features
        self.price_col = price_col
        self.regular_price_col = regular_price_col
        self.promo_col = promo_col
        self.promo_type_col = promo_type_col
        self.weather_cols = weather_cols
        self.category_col = category_col
        self.location_col = location_col
        self.objective = objective
        self.tweedie_variance_power = tweedie_variance_power
        self.strategy = strategy
        self.horizon = horizon
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.lgbm_params = lgbm_params
        self.quantile_method = quantile_method
        self.calibration_windows = calibration_windows
        self.max_train_periods = max_train_periods
        self.train_from_first_sale = train_from_first_sale
        self.freq = freq
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.backend = backend
        self.npartitions = npartitions

    # ------------------------------------------------------------------ parameters
    def _check_params(self) -> None:
        _params.check_params(self)

    def _params(self) -> dict[str, Any]:
        return _params.lightgbm_params(self)

    def _resolved(self, freq: str) -> dict[str, Any]:
        return _params.resolved(self, freq)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        df: Any,
        static: pd.DataFrame | None = None,
        *,
        client: Any = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> LGBMForecaster:
        """Build the features of every series and train the model(s).

        Parameters
        ----------
        df : pandas.DataFrame, polars.DataFrame, dask.dataframe.DataFrame or path
            Long frame: ``id_col``, ``time_col``, ``target_col``; every other
            column is a historical exogenous feature whose future values
            ``predict`` will need (checked by :func:`forecastkit.prepare`).
            With ``backend="dask"`` also a dask DataFrame or the path of a
            parquet dataset partitioned by series.
        static : pandas.DataFrame, optional
            One row per series: ``id_col`` and static features (store,
            category...); text columns become categoricals.
        client : distributed.Client, optional
            The cluster of ``backend="dask"``; default: the current client
            (``distributed.get_client()``).
        id_col, time_col, target_col : str
            Column names.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Bad data (see :func:`forecastkit.prepare`), a ``*_col`` argument
            that names no column, or a ``static`` frame that lacks series.
        InvalidParameterError
            Invalid constructor parameters; ``backend="dask"`` without a
            client; ``client`` with ``backend="local"``.
        MissingDependencyError
            ``backend="dask"`` without dask and distributed installed.
        """
        self._check_params()
        columns = (id_col, time_col, target_col)
        if self.backend == "dask":
            from forecastkit.ml import _dask

            return _dask.fit(self, df, static, client=client, columns=columns)
        if client is not None:
            raise InvalidParameterError(
                "client= is used by backend='dask' only; pass LGBMForecaster(backend='dask', "
                "...) to train on the cluster, or drop client=."
            )
        prepared = prepare(
            df, id_col=id_col, time_col=time_col, target_col=target_col, freq=self.freq
        )
        frame = prepared.df
        layout = layout_from_frame(frame, id_col=id_col, time_col=time_col)
        design = design_exog(
            frame,
            prepared.exog_cols,
            static=None if static is None else to_pandas(static),
            ids=layout.ids,
            id_col=id_col,
            options=self._design_options(prepared.freq),
        )
        y = frame[target_col].to_numpy(dtype=np.float64)
        values = raw_columns(frame, design)
        self._install(layout, y, values, design, freq=prepared.freq, columns=columns)
        exog = exog_features(design, layout, values)
        train_rows = self._train_rows(layout, y)
        self.models_ = [self._train(b, exog, train_rows, check=True) for b in self.bands_]
        return self._finish(int(train_rows.sum()))

    def _design_options(self, freq: str) -> dict[str, Any]:
        return {
            "price_col": self.price_col,
            "regular_price_col": self.regular_price_col,
            "promo_col": self.promo_col,
            "promo_type_col": self.promo_type_col,
            "weather_cols": self.weather_cols,
            "category_col": self.category_col,
            "location_col": self.location_col,
            "freq": freq,
            "calendar": self.calendar,
            "date_families": ("calendar", "events") if self.date_features else (),
        }

    def _install(
        self,
        layout: Layout,
        y: np.ndarray,
        values: dict[str, np.ndarray],
        design: ExogDesign,
        *,
        freq: str,
        columns: tuple[str, str, str],
        bounds: tuple[np.datetime64, np.datetime64] | None = None,
    ) -> None:
        """Set the fitted state but the models (shared by both backends and the partitions)."""
        self.id_col_, self.time_col_, self.target_col_ = columns
        self.freq_, self.horizon_ = freq, self._resolved(freq)["horizon"]
        self.strategy_ = self.strategy
        self.exog_design_ = design
        self.layout_, self.y_, self.values_ = layout, y, values
        self.bands_ = self._bands(freq)
        if bounds is None and layout.n_rows:
            bounds = (layout.dates.min(), layout.dates.max())
        self._bounds = bounds
        self._panel: PanelSums | None = None
        self._calibration: tuple[_conformal.Calibration | None, float] | None = None
        for stale in ("models_", "_dask_handle"):  # a refit that fails leaves no old models
            self.__dict__.pop(stale, None)

    def _bands(self, freq: str) -> list[_engine.Band]:
        options = self._resolved(freq)
        return _engine.make_bands(
            self.strategy,
            options["horizon"],
            lags=options["lags"],
            windows=options["windows"],
            stats=tuple(self.window_stats),
            expanding=bool(self.expanding),
            season=options["season"],
        )

    def _finish(self, n_train_rows: int) -> LGBMForecaster:
        self.feature_names_ = list(self.models_[0].names)
        logger.info(
            "LGBMForecaster: %d series, %d training rows, %d features, %d model(s)",
            self.layout_.n_series,
            n_train_rows,
            len(self.feature_names_),
            len(self.models_),
        )
        return self

    def _axis(self) -> pd.DatetimeIndex:
        """Every period of the panel's history (all series), first to last."""
        bounds = getattr(self, "_bounds", None)  # the whole panel's, in a partition
        low, high = bounds or (self.layout_.dates.min(), self.layout_.dates.max())
        return pd.date_range(low, high, freq=self.freq_)

    @property
    def _panel_sums(self) -> PanelSums | None:
        """The whole panel's cross-series sums in a partition; None: this model's rows."""
        return getattr(self, "_panel", None)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_dask_handle", None)  # futures on a cluster: not saved
        return state

    def _train_rows(self, layout: Layout, y: np.ndarray) -> np.ndarray:
        rows = ~np.isnan(y) & (layout.position >= 1)
        if self.train_from_first_sale:
            sold = np.cumsum(np.nan_to_num(y) > 0)
            before = np.concatenate(([0], sold))[layout.starts[:-1]]
            rows &= sold - before[layout.codes] > 0
        if self.max_train_periods is not None:
            keep = positive_int(self.max_train_periods, "max_train_periods")
            axis = self._axis()
            rows &= layout.dates >= axis[max(len(axis) - keep, 0)].to_datetime64()
        return rows

    def _band_rows(
        self, band: _engine.Band, exog: dict, mask: np.ndarray, *, check: bool = False
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The training rows of a band among ``mask`` and their target features."""
        rows = np.flatnonzero(mask & (self.layout_.position >= band.spec.shift))
        target = _engine.band_features(band, self.y_, self.layout_.starts, rows)
        if check:
            merge_features({"the target features": target, "the exogenous features": exog})
        return rows, target

    def _train(
        self, band: _engine.Band, exog: dict, mask: np.ndarray, *, check: bool = False
    ) -> _engine.BandModel:
        """One band's model on the ``mask`` rows; their target features live only meanwhile."""
        rows, target = self._band_rows(band, exog, mask, check=check)
        if rows.size == 0:
            raise _params.no_training_rows(band)
        return _engine.train(
            band,
            target,
            exog,
            self.y_,
            rows,
            params=self._params(),
            n_estimators=positive_int(self.n_estimators, "n_estimators"),
            categorical=self.exog_design_.categorical_features,
        )

    # ------------------------------------------------------------------ calibration
    @property
    def calibration_(self) -> _conformal.Calibration | None:
        """Conformal cells; None when calibration was skipped or impossible.

        Computed the first time quantiles, sample paths or this attribute
        are asked for (models trained on the history before the held-out
        windows), then cached: point forecasts never pay for it.
        """
        return self._calibrated()[0]

    @property
    def scale_reference_(self) -> float:
        """Median series scale of the calibration windows (the scale floor's reference)."""
        return self._calibrated()[1]

    def _calibrated(self) -> tuple[_conformal.Calibration | None, float]:
        self._check_fitted()
        if self._calibration is None:
            self._calibration = self._calibrate()
        return self._calibration

    def _calibrate(self) -> tuple[_conformal.Calibration | None, float]:
        """Conformal cells from held-out windows (None when there is no room for one)."""
        cutoffs = self._cutoffs()
        if not cutoffs:
            return None, 1.0
        handle = getattr(self, "_dask_handle", None)
        if handle is not None and handle.alive():
            from forecastkit.ml import _dask

            parts = _dask.calibration_windows(self, cutoffs)
        else:
            layout = self.layout_
            before = self._train_rows(layout, self.y_) & (layout.dates <= cutoffs[0])
            exog = exog_features(self.exog_design_, layout, self.values_, self._panel_sums)
            models = [self._train(b, exog, before) for b in self.bands_]
            parts = [self._window(models, exog, cutoff)[:3] for cutoff in cutoffs]
        pred, actual, scale = (np.concatenate(p) for p in zip(*parts, strict=True))
        reference = float(np.nanmedian(scale)) if np.isfinite(scale).any() else 1.0
        scale = _conformal.floor_scale(scale, reference)
        keep = ~np.isnan(actual).all(axis=1)
        if not keep.any():
            logger.warning("no held-out actuals for the conformal calibration; skipped")
            return None, reference
        cal = _conformal.calibrate(pred[keep], actual[keep], scale[keep])
        logger.info("conformal calibration: %d windows, %d scores", len(cutoffs), cal.n_scores)
        return cal, reference

    def _cutoffs(self) -> list[np.datetime64]:
        """Origins of the held-out windows of the calibration (as many as fit)."""
        axis, H = self._axis(), self.horizon_
        windows = int(self.calibration_windows)
        while windows and len(axis) - windows * H < 2 * H:
            windows -= 1
        if windows < int(self.calibration_windows):
            logger.warning(
                "history of %d periods: %d of %d calibration windows of %d periods fit",
                len(axis),
                windows,
                self.calibration_windows,
                H,
            )
        return [axis[len(axis) - 1 - (windows - w) * H].to_datetime64() for w in range(windows)]

    def _window(
        self, models: list[_engine.BandModel], exog: dict, cutoff: np.datetime64
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Forecasts, actuals, scales and series of one held-out window after ``cutoff``."""
        layout, H = self.layout_, self.horizon_
        known = layout.dates <= cutoff
        count = np.bincount(layout.codes[known], minlength=layout.n_series)
        origin = layout.starts[:-1] + count - 1
        series = np.flatnonzero((count > 0) & (origin + 1 < layout.starts[1:]))
        rows = origin[series, None] + 1 + np.arange(H)
        rows = np.where(rows < layout.starts[series + 1, None], rows, -1)
        y = np.where(known, self.y_, np.nan)
        prefix = prefix_sums(y, layout.starts, origin)
        matrix = _engine.matrix([exog], np.maximum(rows, 0).ravel())
        pred = self._run(models, y, layout.starts, rows, matrix, prefix)
        actual = np.where(rows >= 0, self.y_[np.maximum(rows, 0)], np.nan)
        scale = _conformal.series_scale(y, layout.starts, origin, self._scale_window)[series]
        return pred, actual, scale, series

    def _run(self, models: list[_engine.BandModel], *args: Any) -> np.ndarray:
        threads = 0 if self.n_jobs == -1 else int(self.n_jobs)
        return _engine.forecast(models, *args, strategy=self.strategy_, n_jobs=threads)

    @property
    def _scale_window(self) -> int:
        return max(4 * self.horizon_, 28)

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(
                "LGBMForecaster is not fitted yet; call fit(df) before predict, sample_paths, "
                "what_if or feature_importance."
            )

    def _check_h(self, h: int) -> int:
        h = positive_int(h, "h")
        if self.strategy_ == "direct" and h > self.horizon_:
            raise InvalidParameterError(
                f"h={h} exceeds horizon={self.horizon_}, the longest horizon the direct models "
                f"were trained for; refit with LGBMForecaster(horizon={h}, ...) or use "
                "strategy='recursive'."
            )
        return h

    def _future(self, h: int, X_future: Any) -> tuple[Layout, np.ndarray, np.ndarray, pd.DataFrame]:
        """Extended layout, history and future rows, and the checked future values."""
        layout = self.layout_
        ext, history_rows, future_rows = extend_layout(layout, h, self.freq_)
        keys = pd.DataFrame(
            {
                self.id_col_: np.repeat(layout.ids, h),
                self.time_col_: ext.dates[future_rows.ravel()],
            }
        )
        future = check_future(
            keys, X_future, self.exog_design_, id_col=self.id_col_, time_col=self.time_col_, h=h
        )
        return ext, history_rows, future_rows, future

    def _mean(
        self, ext: Layout, history_rows: np.ndarray, future_rows: np.ndarray, future: pd.DataFrame
    ) -> np.ndarray:
        """``(n_series, h)`` point forecasts from checked future values."""
        design = self.exog_design_
        fut_values = raw_columns(future, design)
        values = {}
        flat = future_rows.ravel()
        for name, hist in self.values_.items():
            col = np.empty(ext.n_rows, dtype=hist.dtype)
            col[history_rows] = hist
            col[flat] = fut_values[name]
            values[name] = col
        exog = exog_features(design, ext, values, self._panel_sums)
        matrix = _engine.matrix([exog], flat)
        y = np.full(ext.n_rows, np.nan)
        y[history_rows] = self.y_
        prefix = prefix_sums(y, ext.starts, ext.last_history)
        return self._run(self.models_, y, ext.starts, future_rows, matrix, prefix)

    def _scale(self) -> np.ndarray:
        layout = self.layout_
        raw = _conformal.series_scale(
            self.y_, layout.starts, layout.starts[1:] - 1, self._scale_window
        )
        return _conformal.floor_scale(raw, self.scale_reference_)

    def _require_calibration(self, what: str) -> _conformal.Calibration:
        if self.calibration_ is None:
            raise InsufficientDataError(
                f"{what} need the conformal calibration, which was skipped: "
                f"calibration_windows={self.calibration_windows}, and one window of horizon="
                f"{self.horizon_} periods needs a history of at least {3 * self.horizon_} periods "
                "(two horizons to train on). Pass calibration_windows >= 1 or a lower horizon."
            )
        return self.calibration_

    def _frame(self, ext: Layout, future_rows: np.ndarray) -> pd.DataFrame:
        h = future_rows.shape[1]
        return pd.DataFrame(
            {
                self.id_col_: np.repeat(self.layout_.ids, h),
                self.time_col_: ext.dates[future_rows.ravel()],
            }
        )

    def predict(
        self, h: int, X_future: Any = None, quantiles: Sequence[float] | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` periods after each series' last date.

        Parameters
        ----------
        h : int
            Forecast horizon in periods.
        X_future : pandas.DataFrame or polars.DataFrame, optional
            Future values of every exogenous column of the training frame,
            keyed on ``id_col, time_col``: needed for every series and each
            of its ``h`` future dates (extra rows and columns are ignored).
        quantiles : sequence of float, optional
            Probabilities in (0, 1); adds one conformal ``q<p>`` column each.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, yhat`` and the quantile columns; never NaN,
            never negative.

        Raises
        ------
        DataValidationError
            If ``X_future`` is missing, lacks a column, or lacks values for
            some (series, date) pairs; the message names the column, the
            series and the dates.
        InsufficientDataError
            Quantiles asked of a model whose calibration was skipped.
        """
        self._check_fitted()
        h, qs = self._check_h(h), check_quantiles(quantiles)
        cal = self._require_calibration("quantiles") if qs else None
        ext, history_rows, future_rows, future = self._future(h, X_future)
        mean = self._mean(ext, history_rows, future_rows, future)
        out = self._frame(ext, future_rows)
        out["yhat"] = mean.ravel()
        if cal is not None:
            q = _conformal.conformal_quantiles(cal, mean, self._scale(), qs)
            for j, p in enumerate(qs):
                out[quantile_column(p)] = q[..., j].ravel()
        return out

    def sample_paths(
        self, h: int, n: int, X_future: Any = None, seed: int | None = None
    ) -> pd.DataFrame:
        """Draw ``n`` future trajectories of every series.

        Each step's marginal distribution is the conformal one of
        :meth:`predict` (its quantiles match the ``q<p>`` columns); steps
        share the dependence of the calibration errors (see
        :mod:`forecastkit.ml._conformal`). Values are never negative.

        Parameters
        ----------
        h : int
            Periods per path.
        n : int
            Paths per series.
        X_future : pandas.DataFrame, optional
            As in :meth:`predict`.
        seed : int, optional
            Seed of the random generator; ``random_state`` when omitted.

        Returns
        -------
        pandas.DataFrame
            ``id_col, "sample", time_col, target_col``.
        """
        self._check_fitted()
        h, n = self._check_h(h), positive_int(n, "n")
        cal = self._require_calibration("sample paths")
        ext, history_rows, future_rows, future = self._future(h, X_future)
        mean = self._mean(ext, history_rows, future_rows, future)
        rng = np.random.default_rng(self.random_state if seed is None else seed)
        paths = _conformal.sample_conformal(cal, mean, self._scale(), n, rng)
        n_series = mean.shape[0]
        dates = ext.dates[future_rows]
        return pd.DataFrame(
            {
                self.id_col_: np.repeat(self.layout_.ids, n * h),
                "sample": np.tile(np.repeat(np.arange(n), h), n_series),
                self.time_col_: np.repeat(dates[:, None, :], n, axis=1).ravel(),
                self.target_col_: paths.ravel(),
            }
        )

    def what_if(
        self,
        h: int,
        X_future: Any = None,
        *,
        changes: pd.DataFrame | Mapping[str, Any],
        quantiles: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """Forecast the same horizon with some future exogenous values changed.

        Parameters
        ----------
        h : int
            Forecast horizon in periods.
        X_future : pandas.DataFrame, optional
            The baseline future values, as in :meth:`predict`.
        changes : pandas.DataFrame or mapping
            A frame keyed on ``id_col, time_col`` with some of the model's
            exogenous columns: its non-missing values replace the baseline
            ones for those (series, date) pairs (e.g. a promotion on three
            days at a lower price). Or a mapping ``{column: value}`` that sets
            a column for every series and date of the horizon.
        quantiles : sequence of float, optional
            Quantiles of the scenario forecast.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, yhat_base, yhat, delta`` (``yhat -
            yhat_base``) and the scenario's quantile columns. With the
            recursive strategy a change also moves the later forecasts
            through the lags (a post-promotion dip).

        Raises
        ------
        DataValidationError
            If ``changes`` names a column the model does not use, or rows
            outside the horizon.
        """
        self._check_fitted()
        h, qs = self._check_h(h), check_quantiles(quantiles)
        ext, history_rows, future_rows, future = self._future(h, X_future)
        base = self._mean(ext, history_rows, future_rows, future)
        changed = apply_changes(
            future, changes, self.exog_design_, id_col=self.id_col_, time_col=self.time_col_
        )
        mean = self._mean(ext, history_rows, future_rows, changed)
        out = self._frame(ext, future_rows)
        out["yhat_base"] = base.ravel()
        out["yhat"] = mean.ravel()
        out["delta"] = out["yhat"] - out["yhat_base"]
        if qs:
            cal = self._require_calibration("quantiles")
            q = _conformal.conformal_quantiles(cal, mean, self._scale(), qs)
            for j, p in enumerate(qs):
                out[quantile_column(p)] = q[..., j].ravel()
        return out

    def predict_partitions(
        self,
        h: int,
        X_future: Any = None,
        *,
        path: str | Path,
        quantiles: Sequence[float] | None = None,
        client: Any = None,
    ) -> list[str]:
        """Forecast on the workers of a Dask cluster and write one parquet file per partition.

        Each partition of whole series is forecast on its worker, as
        :meth:`predict` would forecast it (same boosters, calibration and
        features, the category and location sums reduced over the whole
        panel), and written to ``path/part-<k>.parquet``; the forecasts never
        gather on the driver. A model fitted with ``backend="dask"`` reuses
        the partitions of its fit while its client runs; otherwise the
        series are split by id and scattered to ``client``.

        Parameters
        ----------
        h : int
            Forecast horizon in periods.
        X_future : pandas.DataFrame, optional
            As in :meth:`predict`; checked here, then split by partition.
        path : str or path-like
            Directory of the files, new or empty (on a storage every worker
            can write to); created when missing.
        quantiles : sequence of float, optional
            As in :meth:`predict`.
        client : distributed.Client, optional
            Default: the client of the fit, else the current one.

        Returns
        -------
        list of str
            The files written, one per partition; together they hold the
            rows of ``predict(h, X_future, quantiles)``.

        Raises
        ------
        InvalidParameterError
            No running Dask client, or ``path`` already holds forecast files.
        MissingDependencyError
            dask and distributed are not installed.

        Examples
        --------
        A one-worker cluster in this process (use a ``LocalCluster`` of worker
        processes, or a real cluster, for speed):

        >>> import tempfile
        >>> import forecastkit as fk
        >>> from distributed import Client
        >>> data = fk.make_retail_demand(n_series=8, periods=200, seed=0)
        >>> model = LGBMForecaster(backend="dask", n_estimators=30, calibration_windows=0)
        >>> with Client(processes=False, n_workers=1, threads_per_worker=1,
        ...             dashboard_address=None) as client, tempfile.TemporaryDirectory() as tmp:
        ...     files = model.fit(data.sales, client=client).predict_partitions(14, path=tmp)
        ...     written = pd.concat([pd.read_parquet(f) for f in files])
        >>> len(files), len(written), list(written.columns)
        (2, 112, ['unique_id', 'ds', 'yhat'])
        >>> bool(written.sort_values(["unique_id", "ds"])["yhat"].round(6).tolist()
        ...      == model.predict(14)["yhat"].round(6).tolist())
        True
        """
        self._check_fitted()
        from forecastkit.ml import _dask

        return _dask.predict_partitions(
            self, h, X_future, path=path, quantiles=quantiles, client=client
        )

    # ------------------------------------------------------------------ inspection
    def feature_importance(self) -> pd.DataFrame:
        """Total gain and number of splits of each feature, summed over the models.

        Returns
        -------
        pandas.DataFrame
            ``feature, gain, split``, by decreasing gain.
        """
        self._check_fitted()
        gain: dict[str, float] = {}
        split: dict[str, int] = {}
        for model in self.models_:
            g = model.booster.feature_importance(importance_type="gain")
            s = model.booster.feature_importance(importance_type="split")
            for name, gv, sv in zip(model.names, g, s, strict=True):
                gain[name] = gain.get(name, 0.0) + float(gv)
                split[name] = split.get(name, 0) + int(sv)
        out = pd.DataFrame(
            {"feature": list(gain), "gain": list(gain.values()), "split": list(split.values())}
        )
        return out.sort_values(["gain", "feature"], ascending=[False, True], ignore_index=True)
