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

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from forecastkit._estimator import ParamsMixin
from forecastkit._grid import future_frame
from forecastkit._validation import check_quantiles, positive_int
from forecastkit.data import prepare, quantile_column
from forecastkit.errors import InvalidParameterError, NotFittedError
from forecastkit.timeseries import _registry
from forecastkit.timeseries._base import KernelFit
from forecastkit.timeseries._intermittent import sample_intermittent
from forecastkit.timeseries._panel import Panel, to_panel

__all__ = ["StatsForecaster", "default_season_length"]

logger = logging.getLogger(__name__)

_SEASONS = {"D": 7, "B": 5, "W": 52, "M": 12, "Q": 4, "Y": 1, "A": 1, "h": 24, "H": 24}


def default_season_length(freq: str) -> int:
    """Season length implied by a pandas frequency alias.

    Daily data: 7 (the week), weekly: 52, monthly: 12, quarterly: 4,
    hourly: 24, anything else: 1.

    Examples
    --------
    >>> default_season_length("D"), default_season_length("W-FRI"), default_season_length("MS")
    (7, 52, 12)
    """
    base = freq.lstrip("0123456789").split("-")[0]
    if base in ("MS", "ME"):
        base = "M"
    if base in ("QS", "QE"):
        base = "Q"
    if base in ("YS", "YE", "AS"):
        base = "Y"
    return _SEASONS.get(base, 1)


@dataclass(frozen=True)
class _Chosen:
    """A fitted kernel and the panel rows that use it."""

    fit: KernelFit
    rows: np.ndarray


class StatsForecaster(ParamsMixin):
    """Per-series statistical forecasts with automatic model selection.

    Parameters
    ----------
    season_length : int, optional
        Season length in periods; inferred from the frequency when omitted
        (7 for daily, 52 for weekly, 12 for monthly data).
    models : "auto" or sequence of str, default="auto"
        Candidate models. ``"auto"`` fits the exponential smoothing family
        (SES, damped trend, Holt-Winters, Theta, seasonal naive) for smooth
        and erratic series and the Croston family (SBA, TSB, ADIDA) for
        intermittent and lumpy ones. A list restricts the candidates to the
        named models (see :data:`forecastkit.timeseries.MODELS`) for every
        series.
    selection : {"validation", "aic"}, default="validation"
        ``"validation"`` picks, per series, the candidate with the lowest mean
        squared error over ``validation_windows`` rolling origins of
        ``validation_h`` periods at the end of the history; ``"aic"`` uses
        Akaike's criterion on the in-sample one-step errors (faster: no refit).
    validation_h : int, optional
        Periods forecast at each validation origin; default ``max(season_length, 7)``.
    validation_windows : int, default=2
        Number of validation origins, ``validation_h`` periods apart.
    freq : str, optional
        Frequency of the data; inferred when omitted.
    random_state : int, default=0
        Seed for sample paths when :meth:`sample_paths` gets no ``seed``.

    Attributes
    ----------
    model_table_ : pandas.DataFrame
        One row per series: ``demand_class``, ``model`` and ``reason``.
    freq_ : str
        Frequency of the fitted data.
    season_length_ : int
        Season length used.

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
        models: Literal["auto"] | Sequence[str] = "auto",
        selection: Literal["validation", "aic"] = "validation",
        validation_h: int | None = None,
        validation_windows: int = 2,
        freq: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.season_length = season_length
        self.models = models
        self.selection = selection
        self.validation_h = validation_h
        self.validation_windows = validation_windows
        self.freq = freq
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        df: pd.DataFrame,
        *,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> StatsForecaster:
        """Fit every candidate to every series and choose one per series.

        Parameters
        ----------
        df : pandas.DataFrame
            Long frame with ``id_col``, ``time_col`` and ``target_col``
            (checked by :func:`forecastkit.prepare`).
        id_col, time_col, target_col : str
            Column names.

        Returns
        -------
        self
        """
        if self.selection not in ("validation", "aic"):
            raise InvalidParameterError(
                f"selection={self.selection!r} is not valid; choose 'validation' or 'aic'."
            )
        prepared = prepare(
            df, id_col=id_col, time_col=time_col, target_col=target_col, freq=self.freq
        )
        panel = to_panel(prepared.df, id_col=id_col, time_col=time_col, target_col=target_col)
        m = (
            default_season_length(prepared.freq)
            if self.season_length is None
            else positive_int(self.season_length, "season_length")
        )
        classes = _registry.demand_classes(panel.values)
        allowed = _registry.candidates(self.models, classes, panel.lengths, m)
        names = [name for name in allowed if allowed[name].any()]
        errors, reason = self._selection_errors(panel, names, allowed, m)
        choice, why = _choose(errors, names, classes, panel.lengths, reason)
        self.id_col_, self.time_col_, self.target_col_ = id_col, time_col, target_col
        self.freq_, self.season_length_ = prepared.freq, m
        self.panel_ = panel
        self.chosen_ = self._refit(panel, choice, m)
        self.model_table_ = pd.DataFrame(
            {id_col: panel.ids, "demand_class": classes, "model": choice, "reason": why}
        )
        logger.info("model counts: %s", self.model_table_["model"].value_counts().to_dict())
        return self

    def _validation_h(self, m: int) -> int:
        if self.validation_h is not None:
            return positive_int(self.validation_h, "validation_h")
        return max(m, 7)

    def _selection_errors(
        self, panel: Panel, names: list[str], allowed: dict[str, np.ndarray], m: int
    ) -> tuple[np.ndarray, str]:
        """(n_series, n_models) selection score, lower is better (inf: not scored).

        Each candidate is fitted only to the series allowed to choose it.
        """
        n = panel.values.shape[0]
        errors = np.full((n, len(names)), np.inf)
        if self.selection == "aic":
            for j, name in enumerate(names):
                rows = np.flatnonzero(allowed[name])
                fit = _registry.fit(name, _trim(panel.values[rows]), m)
                errors[rows, j] = _aic(fit)
            return errors, "lowest AIC"
        vh = self._validation_h(m)
        windows = positive_int(self.validation_windows, "validation_windows")
        usable = panel.lengths >= windows * vh + 2 * m
        width = panel.values.shape[1]
        for j, name in enumerate(names):
            rows = np.flatnonzero(allowed[name] & usable)
            if rows.size == 0:
                continue
            total = np.zeros(rows.size)
            for w in range(windows, 0, -1):
                k = w * vh
                train = _trim(panel.values[rows, : width - k])
                actual = panel.values[rows, width - k : width - k + vh]
                pred = np.clip(_registry.fit(name, train, m).mean(vh), 0.0, None)
                total += np.mean((actual - pred) ** 2, axis=1)
            errors[rows, j] = total / windows
        errors[~np.isfinite(errors)] = np.inf
        return errors, f"lowest validation MSE ({windows} x {vh} periods)"

    def _refit(self, panel: Panel, choice: np.ndarray, m: int) -> list[_Chosen]:
        chosen = []
        for name in pd.unique(choice):
            rows = np.flatnonzero(choice == name)
            values = _trim(panel.values[rows])
            chosen.append(_Chosen(_registry.fit(name, values, m), rows))
        return chosen

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "chosen_"):
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
        n = len(self.panel_.ids)
        mean = np.zeros((n, h))
        sd = np.zeros((n, h))
        for part in self.chosen_:
            mean[part.rows] = part.fit.mean(h)
            sd[part.rows] = np.sqrt(np.clip(_variance(part.fit, h), 0.0, None))
        mean = np.clip(np.nan_to_num(mean, nan=0.0), 0.0, None)
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

        Parameters
        ----------
        h : int
            Periods per path.
        n : int
            Number of paths per series.
        seed : int, optional
            Seed of the random generator; ``random_state`` when omitted.

        Returns
        -------
        pandas.DataFrame
            ``id_col, "sample", time_col, target_col``: one row per series,
            path and period.
        """
        self._check_fitted()
        h, n = positive_int(h, "h"), positive_int(n, "n")
        rng = np.random.default_rng(self.random_state if seed is None else seed)
        n_series = len(self.panel_.ids)
        paths = np.zeros((n_series, n, h))
        for part in self.chosen_:
            paths[part.rows] = _draw(part.fit, h, n, rng)
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
def _trim(values: np.ndarray) -> np.ndarray:
    """Drop the columns that are NaN for every row (after subsetting rows)."""
    observed = ~np.isnan(values).all(axis=0)
    first = int(np.argmax(observed)) if observed.any() else values.shape[1] - 1
    return values[:, first:]


def _variance(fit: KernelFit, h: int) -> np.ndarray:
    if fit.variance is not None:
        return fit.variance(h)
    return np.repeat(fit.sigma()[:, None] ** 2, h, axis=1)


def _draw(fit: KernelFit, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if "demand_probability" in fit.params:
        # Croston family: compound Bernoulli occurrence x size, never negative
        return sample_intermittent(fit, h, n_paths=n, rng=rng)
    sigma = fit.sigma()
    if fit.simulate is not None:
        errors = rng.standard_normal((sigma.size, n, h)) * sigma[:, None, None]
        return fit.simulate(h, errors)
    mean = fit.mean(h)[:, None, :]
    sd = np.sqrt(np.clip(_variance(fit, h), 0.0, None))[:, None, :]
    return mean + sd * rng.standard_normal((sigma.size, n, h))


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
    reason: str,
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
