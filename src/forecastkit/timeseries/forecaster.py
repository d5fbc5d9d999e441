"""``StatsForecaster``: one statistical model per series, chosen per series.

Every candidate model family is fitted to all series at once by a vectorized
kernel (:mod:`forecastkit.timeseries._ets`, ``_theta``, ``_simple``,
``_intermittent``). Each series then gets the candidate with the lowest
rolling-origin validation error among those that suit its demand class
(Syntetos-Boylan: smooth and erratic series get the exponential smoothing
family, intermittent and lumpy ones the Croston family), and every decision
is recorded in ``model_table_``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from forecastkit._estimator import ParamsMixin
from forecastkit._grid import future_frame
from forecastkit._validation import check_quantiles, positive_int
from forecastkit.calendar import EventCalendar
from forecastkit.data import PreparedData, prepare, quantile_column
from forecastkit.errors import InvalidParameterError, NotFittedError
from forecastkit.timeseries import _registry
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._history import History, Setting
from forecastkit.timeseries._intermittent import sample_intermittent
from forecastkit.timeseries._panel import Panel, to_panel
from forecastkit.timeseries._profile import PanelSums, period_numbers

__all__ = ["StatsForecaster", "default_season_length", "default_validation_h"]

logger = logging.getLogger(__name__)

_SEASONS = {"D": 7, "B": 5, "W": 52, "M": 12, "Q": 4, "Y": 1, "A": 1, "h": 24, "H": 24}


def default_validation_h(season_length: int) -> int:
    """Periods per validation origin when ``validation_h`` is not given.

    One season for seasons of 7 to 24 periods (a week of days, a year of
    months, a day of hours), 13 periods (a quarter) for weekly data's 52,
    and 7 when there is no season or a short one.

    Examples
    --------
    >>> default_validation_h(7), default_validation_h(52), default_validation_h(12)
    (7, 13, 12)
    """
    if season_length > 24:
        return 13
    return max(season_length, 7)


def default_season_length(freq: str) -> int:
    """Season length implied by a pandas frequency alias.

    Daily data: 7 (the week), weekly: 52, monthly: 12, quarterly: 4,
    hourly: 24, anything else: 1. A multiple such as ``"3h"`` divides the
    season when it can (24 / 3 = 8 periods a day); otherwise (``"2D"``: half
    a week is not a whole number of periods) there is no season, 1.

    Examples
    --------
    >>> default_season_length("D"), default_season_length("W-FRI"), default_season_length("MS")
    (7, 52, 12)
    >>> default_season_length("3h"), default_season_length("2W"), default_season_length("2D")
    (8, 26, 1)
    """
    stripped = freq.lstrip("0123456789")
    multiple = int(freq[: len(freq) - len(stripped)] or 1)
    season = _base_season(stripped)
    if multiple <= 1:
        return season
    return season // multiple if season % multiple == 0 and season // multiple >= 2 else 1


def _base_season(freq: str) -> int:
    base = freq.split("-")[0]
    if base in ("MS", "ME"):
        base = "M"
    if base in ("QS", "QE"):
        base = "Q"
    if base in ("YS", "YE", "AS"):
        base = "Y"
    return _SEASONS.get(base, 1)


def _pooling(value: bool | str, season_length: int) -> bool:
    """Resolve ``pool_seasonality``: "auto" pools seasons of 2 to 24 periods."""
    if value == "auto":
        return 1 < season_length <= 24
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"pool_seasonality must be True, False or 'auto', got {value!r}."
        )
    return bool(value)


def _long_period(freq: str, season_length: int) -> float | None:
    """The long season on top of ``season_length``: a year of days, a week of hours.

    None for multiples ("2D", "3h"), whose periods the two constants do not count.
    """
    stripped = freq.lstrip("0123456789")
    if freq[: len(freq) - len(stripped)] not in ("", "1"):
        return None
    base = stripped.split("-")[0]
    if base == "D" and season_length == 7:
        return 365.25
    if base in ("h", "H") and season_length == 24:
        return 168.0
    return None


@dataclass(frozen=True)
class _Chosen:
    """A fitted kernel, its model name and the panel rows that use it."""

    name: str
    fit: KernelFit
    rows: np.ndarray


@dataclass
class _Problem:
    """What ``fit`` derives from the prepared frame before fitting any model.

    ``merged`` holds, per origin ``k``, the merged sums of the whole panel's
    rounds when the panel is one partition of the series; None: each history
    estimates from this panel alone, or is given the merged sums round by
    round (``History.statistics``). ``histories`` caches each origin's history.
    """

    panel: Panel
    setting: Setting
    classes: np.ndarray
    allowed: dict[str, np.ndarray]
    columns: tuple[str, str, str]
    merged: dict[int, list[PanelSums | None]] | None = None
    histories: dict[int, History] = field(default_factory=dict)

    def history(self, k: int, horizon: int = 0) -> History:
        """The history up to ``k`` periods before the end, with ``horizon`` future codes."""
        if k not in self.histories:
            values = self.panel.values
            width = max(values.shape[1] - k, 0)
            # every series ends before this origin: one unobserved column
            Y = values[:, :width] if width else np.full((values.shape[0], 1), np.nan)
            if self.merged is not None and k not in self.merged:
                raise InvalidParameterError(
                    f"no merged statistics for the history {k} periods before the end; "
                    "run the partition rounds with the same model parameters."
                )
            merged = None if self.merged is None else self.merged[k]
            self.histories[k] = History(Y, self.setting, k=k, horizon=horizon, merged=merged)
        return self.histories[k]


class StatsForecaster(ParamsMixin):
    """Per-series statistical forecasts with automatic model selection.

    Parameters
    ----------
    season_length : int, optional
        Season length in periods; inferred from the frequency when omitted
        (7 for daily, 52 for weekly, 12 for monthly data; see
        :func:`default_season_length` for multiples such as ``"3h"``).
    calendar : EventCalendar, optional
        Holidays, shopping festivals and user events. Their effects are
        estimated from the history (a multiplier per event and position in
        its window, pooled across series), taken out before the models are
        fitted and put back on the forecasts; ``sarimax`` takes them as
        regressors instead.
    models : "auto" or sequence of str, default="auto"
        Candidate models. ``"auto"`` fits the exponential smoothing family
        (SES, damped trend, Holt-Winters, Theta, seasonal naive, and
        ``hw_add_fourier`` on daily data with two years of history) for
        smooth and erratic series and the Croston family (SBA, TSB, ADIDA)
        for intermittent and lumpy ones. A list restricts the candidates to
        the named models (see :data:`forecastkit.timeseries.MODELS`) for
        every series; ``sarimax`` is only fitted when named.
    selection : {"validation", "aic"}, default="validation"
        ``"validation"`` picks, per series, the candidate with the lowest mean
        squared error over ``validation_windows`` rolling origins of
        ``validation_h`` periods at the end of the history; ``"aic"`` uses
        Akaike's criterion on the in-sample one-step errors (faster: no refit).
    validation_h : int, optional
        Periods forecast at each validation origin; default
        :func:`default_validation_h` (7 on daily data, 13 on weekly data).
    validation_windows : int, default=3
        Number of validation origins, ``validation_h`` periods apart.
    pool_seasonality : bool or "auto", default="auto"
        Estimate each series' seasonal profile shrunk toward the panel's
        common profile, and fit the models without a season of their own
        (SES, damped trend, Theta, the Croston family) to the seasonally
        adjusted history. ``"auto"`` pools seasons of up to 24 periods
        (weekdays, months, hours) and not weekly data's 52 weeks, for which
        a few years of history give too few observations per phase.
    freq : str, optional
        Frequency of the data; inferred when omitted.
    n_jobs : int, default=1
        Worker processes for the models fitted one series at a time
        (``sarimax``, through statsmodels); -1 for all cores. The other
        models are fitted to all series at once by vectorized kernels.
    random_state : int, default=0
        Seed for sample paths when :meth:`sample_paths` gets no ``seed``
        (a non-negative int).
    backend : {"local", "dask"}, default="local"
        Where the series are fitted: in this process, or on the workers of
        a ``dask.distributed`` cluster (the client given to :meth:`fit`, or
        the current default client), each fitting the series of its
        partitions. The forecasts, quantiles and sample paths are the local
        backend's (see ``docs/scale.md``). A model fitted on Dask keeps its
        fitted series on the cluster: it has ``freq_`` and ``dask_`` but
        not the per-series attributes, and cannot be saved.
    npartitions : int, optional
        Partitions of a pandas frame or of a shuffled dask DataFrame with
        ``backend="dask"``; default twice the number of workers.

    Attributes
    ----------
    model_table_ : pandas.DataFrame
        One row per series: ``demand_class``, ``model`` and ``reason``.
    freq_ : str
        Frequency of the fitted data.
    season_length_ : int
        Season length used.
    last_dates_ : pandas.Series
        Last observed date of each series, indexed by id.

    Examples
    --------
    >>> import forecastkit as fk
    >>> data = fk.make_retail_demand(n_series=6, periods=120, seed=0)
    >>> model = StatsForecaster().fit(data.sales)
    >>> fc = model.predict(7, quantiles=[0.1, 0.9])
    >>> list(fc.columns)
    ['unique_id', 'ds', 'yhat', 'q0.1', 'q0.9']
    >>> bool((fc["q0.1"] <= fc["yhat"]).all() and (fc["q0.1"] >= 0).all())
    True
    """

    def __init__(
        self,
        *,
        season_length: int | None = None,
        calendar: EventCalendar | None = None,
        models: Literal["auto"] | Sequence[str] = "auto",
        selection: Literal["validation", "aic"] = "validation",
        validation_h: int | None = None,
        validation_windows: int = 3,
        pool_seasonality: bool | Literal["auto"] = "auto",
        freq: str | None = None,
        n_jobs: int = 1,
        random_state: int = 0,
        backend: Literal["local", "dask"] = "local",
        npartitions: int | None = None,
    ) -> None:
        self.season_length = season_length
        self.calendar = calendar
        self.models = models
        self.selection = selection
        self.validation_h = validation_h
        self.validation_windows = validation_windows
        self.pool_seasonality = pool_seasonality
        self.freq = freq
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.backend = backend
        self.npartitions = npartitions

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        df: pd.DataFrame,
        *,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
        client: Any = None,
    ) -> StatsForecaster:
        """Fit every candidate to every series and choose one per series.

        Parameters
        ----------
        df : pandas.DataFrame
            Long frame with ``id_col``, ``time_col`` and ``target_col``
            (checked by :func:`forecastkit.prepare`). With ``backend="dask"``
            also a dask DataFrame or the path of a parquet dataset.
        id_col, time_col, target_col : str
            Column names.
        client : distributed.Client, optional
            The cluster for ``backend="dask"`` (default: the current client).

        Returns
        -------
        self
        """
        self._check_params()
        if self.backend == "dask":
            return self._fit_dask(df, client, (id_col, time_col, target_col))
        if client is not None:
            raise InvalidParameterError(
                "client= is for backend='dask'; this StatsForecaster has backend='local'."
            )
        self.__dict__.pop("dask_", None)
        prepared = prepare(
            df, id_col=id_col, time_col=time_col, target_col=target_col, freq=self.freq
        )
        return self._fit_problem(self._problem(prepared, (id_col, time_col, target_col)))

    def _problem(
        self,
        prepared: PreparedData,
        columns: tuple[str, str, str],
        merged: dict[int, list[PanelSums | None]] | None = None,
        width: int | None = None,
    ) -> _Problem:
        """The panel, setting, demand classes and candidate masks of a prepared frame.

        ``width``: the whole panel's number of columns when the frame holds
        some of its series only (the panel is padded to it).
        """
        id_col, time_col, target_col = columns
        panel = to_panel(prepared.df, id_col=id_col, time_col=time_col, target_col=target_col)
        if width is not None:
            panel = _pad(panel, width)
        m = (
            default_season_length(prepared.freq)
            if self.season_length is None
            else positive_int(self.season_length, "season_length")
        )
        setting = Setting(
            season_length=m,
            freq=prepared.freq,
            last_dates=panel.last_dates,
            period_last=period_numbers(panel.last_dates, prepared.freq),
            long_period=_long_period(prepared.freq, m),
            calendar=self.calendar,
            pool_seasonality=_pooling(self.pool_seasonality, m),
            n_jobs=int(self.n_jobs),
        )
        classes = _registry.demand_classes(panel.values)
        allowed = _registry.candidates(self.models, classes, panel.lengths, m, setting.long_period)
        return _Problem(panel, setting, classes, allowed, columns, merged)

    def _origins(self, season_length: int) -> list[tuple[int, int]]:
        """``(k, horizon)`` of the histories fit may use: the full one, the validation origins."""
        origins = [(0, 0)]
        if self.selection == "validation":
            vh = self._validation_h(season_length)
            windows = positive_int(self.validation_windows, "validation_windows")
            origins += [(w * vh, vh) for w in range(windows, 0, -1)]
        return origins

    def _fit_problem(self, problem: _Problem, names: list[str] | None = None) -> StatsForecaster:
        """Choose and fit a model per series; ``names``: the candidates present in the panel."""
        panel, setting, classes, allowed = (
            problem.panel,
            problem.setting,
            problem.classes,
            problem.allowed,
        )
        if names is None:
            names = [name for name in allowed if allowed[name].any()]
        errors, reason = self._selection_errors(problem, names)
        choice, why = _choose(errors, names, classes, panel.lengths, reason)
        self.id_col_, self.time_col_, self.target_col_ = problem.columns
        self.freq_, self.season_length_ = setting.freq, setting.season_length
        self.panel_ = panel
        self.last_dates_ = panel.last_dates
        history = problem.history(0)
        self.chosen_ = self._refit(history, choice)
        failed = _failed_rows(self.chosen_, panel.values.shape[0])
        if failed.any():  # a final fit gave no forecast: fall down the chain
            fallback, fallback_why = _registry.fallback(classes[failed], panel.lengths[failed])
            pairs = zip(choice[failed], fallback_why, strict=True)
            why[failed] = [f"{old} failed; {new}" for old, new in pairs]
            choice[failed] = fallback
            logger.warning("%d series fell back after a failed final fit", int(failed.sum()))
            self.chosen_ = self._refit(history, choice)
        history.release()
        self.history_ = history
        self.model_table_ = pd.DataFrame(
            {self.id_col_: panel.ids, "demand_class": classes, "model": choice, "reason": why}
        )
        logger.info("model counts: %s", self.model_table_["model"].value_counts().to_dict())
        return self

    def _fit_dask(self, data: Any, client: Any, columns: tuple[str, str, str]) -> StatsForecaster:
        from forecastkit.distributed._stats import fit_stats

        for name in list(self.__dict__):
            if name.endswith("_") and not name.startswith("_"):
                del self.__dict__[name]  # no attribute of an earlier local fit survives
        id_col, time_col, target_col = columns
        self.dask_ = fit_stats(
            self,
            data,
            client=client,
            npartitions=self.npartitions,
            id_col=id_col,
            time_col=time_col,
            target_col=target_col,
        )
        self.freq_ = self.dask_.freq
        self.id_col_, self.time_col_, self.target_col_ = columns
        return self

    def _check_params(self) -> None:
        if self.backend not in ("local", "dask"):
            raise InvalidParameterError(
                f"backend={self.backend!r} is not valid; choose 'local' or 'dask'."
            )
        if self.selection not in ("validation", "aic"):
            raise InvalidParameterError(
                f"selection={self.selection!r} is not valid; choose 'validation' or 'aic'."
            )
        if self.calendar is not None and not isinstance(self.calendar, EventCalendar):
            raise InvalidParameterError(
                f"calendar must be a forecastkit.EventCalendar or None, got "
                f"{type(self.calendar).__name__}; e.g. EventCalendar(country='US')."
            )
        if (
            isinstance(self.n_jobs, (bool, np.bool_))
            or not isinstance(self.n_jobs, (int, np.integer))
            or self.n_jobs == 0
            or self.n_jobs < -1
        ):
            raise InvalidParameterError(
                f"n_jobs must be a positive int or -1 (all cores), got {self.n_jobs!r}."
            )

    def _validation_h(self, m: int) -> int:
        if self.validation_h is not None:
            return positive_int(self.validation_h, "validation_h")
        return default_validation_h(m)

    def _selection_errors(
        self, problem: _Problem, names: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n_series, n_models) selection score, lower is better (inf: not scored).

        Each candidate is fitted only to the series allowed to choose it.
        Series too short for any validation fit are scored by AIC instead.
        """
        panel, setting, allowed = problem.panel, problem.setting, problem.allowed
        n = panel.values.shape[0]
        reason = np.full(n, "lowest AIC", dtype=object)
        if not names:
            return np.zeros((n, 0)), reason
        if len(names) == 1:  # nothing to choose between: no validation fits
            errors = np.where(allowed[names[0]], 0.0, np.inf)[:, None]
            return errors, np.full(n, "only candidate", dtype=object)
        full = problem.history(0)
        if self.selection == "aic":
            return _aic_errors(full, names, allowed, np.ones(n, dtype=bool)), reason
        m = setting.season_length
        origins = self._origins(m)[1:]
        per = np.full((n, len(names), len(origins)), np.nan)  # MSE per window, oldest first
        width = panel.values.shape[1]
        vh = origins[0][1]
        for i, (k, _) in enumerate(origins):
            origin = problem.history(k, vh)
            actual = panel.values[:, width - k : width - k + vh]
            for j, name in enumerate(names):
                need = k + _registry.min_train_length(name, m, setting.long_period)
                rows = np.flatnonzero(allowed[name] & (panel.lengths >= need))
                if rows.size:
                    pred = _forecast(origin, name, rows, vh)
                    per[rows, j, i] = np.mean((actual[rows] - pred) ** 2, axis=1)
            problem.histories.pop(k)  # done with this origin: free its adjusted copies
        errors, common = _common_window_scores(per)
        validated = np.isfinite(errors).any(axis=1)
        reason[validated] = [
            f"lowest validation MSE ({c} x {vh} periods)" for c in common[validated]
        ]
        short = np.asarray(~validated, dtype=bool)
        if short.any():
            reason[short] = "too short to validate: lowest AIC"
            errors[short] = _aic_errors(full, names, allowed, short)[short]
        return errors, reason

    @staticmethod
    def _refit(history: History, choice: np.ndarray) -> list[_Chosen]:
        chosen = []
        for name in pd.unique(choice):
            rows = np.flatnonzero(choice == name)
            chosen.append(_Chosen(name, _fit_rows(history, name, rows), rows))
        return chosen

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "chosen_") and not hasattr(self, "dask_"):
            raise NotFittedError(
                "StatsForecaster is not fitted yet; call fit(df) before predict or sample_paths."
            )

    def predict(self, h: int, *, quantiles: Sequence[float] | None = None) -> pd.DataFrame:
        """Forecast ``h`` periods after each series' last date.

        Quantiles assume normal forecast errors with each model's forecast
        variance (exact for the linear exponential smoothing models; the
        one-step residual variance for the others), clipped at zero.

        Parameters
        ----------
        h : int
            Forecast horizon in periods.
        quantiles : sequence of float, optional
            Probabilities in (0, 1); adds one ``q<p>`` column each.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, yhat`` and the quantile columns.
        """
        self._check_fitted()
        h = positive_int(h, "h")
        qs = check_quantiles(quantiles)
        if hasattr(self, "dask_"):
            return self.dask_.predict(h, qs or None, self.time_col_)
        n = len(self.panel_.ids)
        mean = np.zeros((n, h))
        sd = np.zeros((n, h))
        history = self.history_.with_horizon(h)
        for part in self.chosen_:
            factor = _factor(history, part, h)
            mean[part.rows] = part.fit.mean(h) * factor
            sd[part.rows] = np.sqrt(np.clip(_variance(part.fit, h), 0.0, None)) * factor
        mean = np.clip(np.nan_to_num(mean, nan=0.0), 0.0, None)
        sd = np.nan_to_num(sd, nan=0.0)
        out = future_frame(
            self.panel_.last_dates, h, self.freq_, id_col=self.id_col_, time_col=self.time_col_
        ).drop(columns="step")
        out["yhat"] = mean.ravel()
        for q in qs:
            out[quantile_column(q)] = np.clip(mean + ndtri(q) * sd, 0.0, None).ravel()
        return out

    def sample_paths(self, h: int, n: int, *, seed: int | None = None) -> pd.DataFrame:
        """Draw ``n`` future trajectories of every series.

        Paths come from each model's own state recursion driven by normal
        errors with the model's one-step residual scale, clipped at zero, so
        sums over several periods (a lead time) carry the model's
        autocorrelation. The Croston family draws a demand occurrence with
        the fitted probability and a positive size in each period (a
        compound Bernoulli process). Models without either form draw each
        period independently from its forecast distribution.

        Each series draws from its own random generator, seeded with
        ``seed`` and a hash of the series id (BLAKE2b of its text), so its
        paths do not depend on the other series of the panel: a model fitted
        to part of the series, or to them in another order, draws the same
        paths for them.

        Parameters
        ----------
        h : int
            Periods per path.
        n : int
            Number of paths per series.
        seed : int, optional
            Non-negative seed; ``random_state`` when omitted.

        Returns
        -------
        pandas.DataFrame
            ``id_col, "sample", time_col, target_col``: one row per series,
            path and period.
        """
        self._check_fitted()
        h, n = positive_int(h, "h"), positive_int(n, "n")
        if hasattr(self, "dask_"):
            return self.dask_.sample_paths(
                h, n, self.random_state if seed is None else seed, self.time_col_
            )
        gens = _series_generators(self.panel_.ids, self.random_state if seed is None else seed)
        n_series = len(self.panel_.ids)
        paths = np.zeros((n_series, n, h))
        history = self.history_.with_horizon(h)
        for part in self.chosen_:
            draws = _draw(part.fit, h, n, [gens[i] for i in part.rows])
            paths[part.rows] = draws * _factor(history, part, h)[:, None, :]
        paths = np.clip(np.nan_to_num(paths, nan=0.0), 0.0, None)
        dates = future_frame(
            self.panel_.last_dates, h, self.freq_, id_col=self.id_col_, time_col=self.time_col_
        )
        return pd.DataFrame(
            {
                self.id_col_: np.repeat(self.panel_.ids, n * h),
                "sample": np.tile(np.repeat(np.arange(n), h), n_series),
                self.time_col_: np.tile(
                    dates[self.time_col_].to_numpy().reshape(n_series, h), (1, n)
                ).ravel(),
                self.target_col_: paths.ravel(),
            }
        )


# ---------------------------------------------------------------------- helpers
def _pad(panel: Panel, width: int) -> Panel:
    """``panel`` with unobserved columns added on the left up to ``width`` columns."""
    missing = width - panel.values.shape[1]
    if missing < 0:
        raise InvalidParameterError(
            f"the panel has {panel.values.shape[1]} columns, more than the {width} it should "
            "have; pass the width of the whole panel."
        )
    left = np.full((panel.values.shape[0], missing), np.nan)
    return Panel(np.hstack([left, panel.values]), panel.lengths, panel.ids, panel.last_dates)


def _fit_rows(history: History, name: str, rows: np.ndarray) -> KernelFit:
    """Fit model ``name`` to ``rows`` of a history.

    The rows keep the panel's full width (no column is trimmed even when
    the rows are all shorter), so a series' fit is the same whatever other
    series are fitted with it: the same in a partition of the panel as in
    the whole panel.
    """
    values = history.inputs(name)[rows]
    context = history.context(name, rows, 0)
    return _registry.fit(name, values, history.setting.season_length, context)


def _common_window_scores(per: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean validation error of each series and candidate over the windows they share.

    ``per`` is ``(n_series, n_models, windows)``, oldest window first, NaN
    where a candidate could not be fitted (its history at that origin was
    too short; the newer windows always have the longer histories). Each
    series compares its scored candidates on the most recent windows all of
    them have, so a seasonal model that only fits at the last origin is
    compared with the others on that origin alone rather than left out.
    Returns the ``(n_series, n_models)`` scores (inf: not scored) and the
    number of windows each series used.
    """
    windows = per.shape[2]
    usable = (~np.isnan(per)).sum(axis=2)  # (n, J): the most recent `usable` windows
    scored = usable > 0
    common = np.where(scored, usable, windows + 1).min(axis=1)
    common = np.where(scored.any(axis=1), common, 0)
    keep = np.arange(windows)[None, :] >= windows - common[:, None]  # (n, windows)
    masked = np.where(keep[:, None, :], per, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = masked.sum(axis=2) / common[:, None]
    scores = np.where(scored & np.isfinite(scores), scores, np.inf)
    return scores, common


def _failed_rows(chosen: list[_Chosen], n: int) -> np.ndarray:
    """Rows whose chosen fit has no finite one-step forecast (e.g. sarimax could not fit)."""
    failed = np.zeros(n, dtype=bool)
    for part in chosen:
        failed[part.rows] = ~np.isfinite(part.fit.mean(1)[:, 0])
    return failed


def _factor(history: History, part: _Chosen, h: int) -> np.ndarray:
    """``(len(part.rows), h)`` multipliers of a chosen model's forecasts (ones when none)."""
    factor = history.factor(part.name, h)
    return np.ones((part.rows.size, h)) if factor is None else factor[part.rows]


def _forecast(history: History, name: str, rows: np.ndarray, h: int) -> np.ndarray:
    """Point forecasts of model ``name`` for ``rows``, back on the scale of the data."""
    pred = _fit_rows(history, name, rows).mean(h)
    factor = history.factor(name, h)
    if factor is not None:
        pred = pred * factor[rows]
    return np.clip(pred, 0.0, None)


def _aic_errors(
    history: History, names: list[str], allowed: dict[str, np.ndarray], among: np.ndarray
) -> np.ndarray:
    """AIC of each candidate on the full history of the rows in ``among``.

    Models fitted to adjusted histories are compared on their own scale: the
    adjustment is the same for every candidate of a kind, so the choice is
    between like and like.
    """
    errors = np.full((history.Y.shape[0], len(names)), np.inf)
    for j, name in enumerate(names):
        rows = np.flatnonzero(allowed[name] & among)
        if rows.size:
            errors[rows, j] = _aic(_fit_rows(history, name, rows))
    errors[~np.isfinite(errors)] = np.inf
    return errors


def _variance(fit: KernelFit, h: int) -> np.ndarray:
    if fit.variance is not None:
        return fit.variance(h)
    return np.repeat(fit.sigma()[:, None] ** 2, h, axis=1)


def _series_generators(ids: np.ndarray, seed: object) -> list[np.random.Generator]:
    """One generator per series from ``seed`` and a stable hash of the series id.

    The hash (8 bytes of BLAKE2b of the id's text) is the same in every
    process and run, unlike Python's ``hash`` of strings.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(
            f"seed must be a non-negative int, got {seed!r}; e.g. seed=0 (random_state "
            "when omitted)."
        )
    out = []
    for value in ids:
        digest = hashlib.blake2b(str(value).encode(), digest_size=8).digest()
        sequence = np.random.SeedSequence((int(seed), int.from_bytes(digest, "little")))
        out.append(np.random.Generator(np.random.PCG64(sequence)))
    return out


def _standard_normal(gens: list[np.random.Generator], n: int, h: int) -> np.ndarray:
    """``(len(gens), n, h)`` standard normal draws, row ``i`` from generator ``i``."""
    out = np.empty((len(gens), n, h))
    for gen, block in zip(gens, out, strict=True):
        gen.standard_normal(out=block)
    return out


def _draw(fit: KernelFit, h: int, n: int, gens: list[np.random.Generator]) -> np.ndarray:
    """``(n_rows, n, h)`` paths of a fit's rows, row ``i`` drawn with generator ``gens[i]``."""
    if "demand_probability" in fit.params:
        # Croston family: compound Bernoulli occurrence x size, never negative
        return sample_intermittent(fit, h, n_paths=n, rng=gens)
    sigma = fit.sigma()
    if fit.simulate is not None:
        return fit.simulate(h, _standard_normal(gens, n, h) * sigma[:, None, None])
    mean = fit.mean(h)[:, None, :]
    sd = np.sqrt(np.clip(_variance(fit, h), 0.0, None))[:, None, :]
    return mean + sd * _standard_normal(gens, n, h)


def _aic(fit: KernelFit) -> np.ndarray:
    res = fit.residuals
    count = np.sum(~np.isnan(res), axis=1)
    sse = np.nansum(res**2, axis=1)
    k = fit.n_params if fit.n_params is not None else np.ones(count.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        aic = count * np.log(np.maximum(sse, 1e-12) / np.maximum(count, 1)) + 2 * (k + 1)
    return np.where(count > k + 1, aic, np.inf)


def _choose(
    errors: np.ndarray,
    names: list[str],
    classes: np.ndarray,
    lengths: np.ndarray,
    reason: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-series model and reason: the best score, else the class default."""
    fallback, fallback_why = _registry.fallback(classes, lengths)
    if not errors.size:
        return fallback, fallback_why
    best = np.argmin(errors, axis=1)
    scored = np.isfinite(errors).any(axis=1)
    choice = np.where(scored, np.asarray(names, dtype=object)[best], fallback)
    why = np.where(scored, reason, fallback_why)
    return choice.astype(object), why.astype(object)
