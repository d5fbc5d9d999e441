"""Model names, the kernels behind them, and the automatic candidate sets (private).

The estimator refers to models by name only; this module maps each name to
the vectorized kernel that fits it, says which names suit which demand class,
and which model a series gets when it cannot be scored (the fallback chain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries import _ets, _intermittent, _multiseason, _sarimax, _simple, _theta
from forecastkit.timeseries._base import KernelFit

__all__ = [
    "MODELS",
    "Context",
    "candidates",
    "demand_classes",
    "fallback",
    "fit",
    "min_train_length",
    "uses_event_adjustment",
    "uses_profile",
]


@dataclass(frozen=True)
class Context:
    """What some kernels need beyond the panel (rows already selected).

    Attributes
    ----------
    t_last : numpy.ndarray or None
        Period number of each row's last column (the long-season phase).
    long_period : float or None
        Long season in periods (365.25 on daily data), None when there is none.
    exog, future_exog : regressors for ``sarimax`` (see ``_sarimax.fit_sarimax``).
    exog_names : list of str
    n_jobs : int
        Worker processes of the per-series statsmodels fits.
    """

    t_last: np.ndarray | None = None
    long_period: float | None = None
    exog: np.ndarray | None = None
    future_exog: Callable[[int], np.ndarray] | None = None
    exog_names: list[str] | None = None
    n_jobs: int = 1


_Kernel = Callable[[np.ndarray, int, Context], KernelFit]


def _fourier(Y: np.ndarray, m: int, ctx: Context) -> KernelFit:
    if ctx.t_last is None or ctx.long_period is None:
        raise InvalidParameterError(
            "hw_add_fourier needs a long season (daily or hourly data) and dates."
        )
    return _multiseason.fit_multiseason(
        Y, m, t_last=ctx.t_last.astype(float), long_period=ctx.long_period
    )


def _arima(Y: np.ndarray, m: int, ctx: Context) -> KernelFit:
    return _sarimax.fit_sarimax(
        Y,
        m,
        exog=ctx.exog,
        future_exog=ctx.future_exog,
        exog_names=ctx.exog_names,
        n_jobs=ctx.n_jobs,
    )


MODELS: dict[str, _Kernel] = {
    "naive": lambda Y, m, c: _simple.fit_naive(Y),
    "seasonal_naive": lambda Y, m, c: _simple.fit_seasonal_naive(Y, season_length=m),
    "moving_average": lambda Y, m, c: _simple.fit_moving_average(Y, window=max(m, 7)),
    "mean": lambda Y, m, c: _simple.fit_mean(Y),
    "ses": lambda Y, m, c: _ets.fit_ets(Y, trend=None, season=None, season_length=m),
    "holt": lambda Y, m, c: _ets.fit_ets(Y, trend="add", season=None, season_length=m),
    "holt_damped": lambda Y, m, c: _ets.fit_ets(Y, trend="damped", season=None, season_length=m),
    "hw_add": lambda Y, m, c: _ets.fit_ets(Y, trend=None, season="add", season_length=m),
    "hw_add_damped": lambda Y, m, c: _ets.fit_ets(Y, trend="damped", season="add", season_length=m),
    "hw_mul": lambda Y, m, c: _ets.fit_ets(Y, trend=None, season="mul", season_length=m),
    "hw_mul_damped": lambda Y, m, c: _ets.fit_ets(Y, trend="damped", season="mul", season_length=m),
    "hw_add_fourier": _fourier,
    "theta": lambda Y, m, c: _theta.fit_theta(Y, season_length=m),
    "croston": lambda Y, m, c: _intermittent.croston_classic(Y),
    "croston_sba": lambda Y, m, c: _intermittent.croston_sba(Y),
    "croston_optimized": lambda Y, m, c: _intermittent.croston_optimized(Y),
    "tsb": lambda Y, m, c: _intermittent.tsb(Y),
    "adida": lambda Y, m, c: _intermittent.adida(Y),
    "sarimax": _arima,
}
"""Every model name :class:`~forecastkit.StatsForecaster` accepts."""

_SEASONAL = {
    "seasonal_naive",
    "hw_add",
    "hw_add_damped",
    "hw_mul",
    "hw_mul_damped",
    "hw_add_fourier",
    "sarimax",
}
# Models fitted to the raw history: they take events as regressors.
_REGRESSION = {"sarimax"}


def uses_profile(name: str) -> bool:
    """Whether ``name`` is fitted to the seasonally adjusted history (no season of its own)."""
    return name not in _SEASONAL


def uses_event_adjustment(name: str) -> bool:
    """Whether ``name`` is fitted to the history with event effects taken out."""
    return name not in _REGRESSION


# Automatic candidates by Syntetos-Boylan class. Smooth and erratic series
# get the exponential smoothing family; intermittent and lumpy ones the
# Croston family plus SES (which often wins on series that are only mildly
# intermittent). Few candidates per class keep selection on a short
# validation window from chasing noise.
_SMOOTH = (
    "ses",
    "holt_damped",
    "hw_add",
    "hw_add_damped",
    "hw_add_fourier",
    "theta",
    "seasonal_naive",
)
_AUTO = {
    "smooth": _SMOOTH,
    "erratic": _SMOOTH,
    "intermittent": ("croston_sba", "tsb", "adida", "ses"),
    "lumpy": ("croston_sba", "tsb", "adida", "ses"),
}


def min_train_length(name: str, season_length: int, long_period: float | None = None) -> int:
    """Fewest observations a validation fit of model ``name`` needs.

    Seasonal naive needs one full season, the other seasonal models one
    season plus eight observations (their initial seasonal states come from
    the first season or seasons; weekly data with two years of history must
    still be able to use them), ``hw_add_fourier`` two long seasons; the
    others eight observations (a level, a trend and a few one-step errors).
    """
    if name == "hw_add_fourier":
        return int(np.ceil(2 * long_period)) if long_period else np.iinfo(np.int64).max
    if name == "seasonal_naive" and season_length > 1:
        return season_length
    if name in _SEASONAL and season_length > 1:
        return season_length + 8
    return 8


def fit(name: str, Y: np.ndarray, season_length: int, ctx: Context | None = None) -> KernelFit:
    """Fit model ``name`` to every row of the panel ``Y``."""
    return MODELS[name](Y, season_length, ctx or Context())


def demand_classes(Y: np.ndarray) -> np.ndarray:
    """Syntetos-Boylan category of each panel row, as an object array."""
    table = _intermittent.classify_demand(Y)
    return table["category"].astype(str).to_numpy(dtype=object)


def candidates(
    models: str | Sequence[str],
    classes: np.ndarray,
    lengths: np.ndarray,
    season_length: int,
    long_period: float | None = None,
) -> dict[str, np.ndarray]:
    """Boolean mask per model name: which series may choose it.

    Seasonal models need the history of :func:`min_train_length`, and are
    never candidates when ``season_length`` is 1; ``hw_add_fourier`` needs a long
    season (daily or hourly data) and two of them of history.
    """
    if isinstance(models, str):
        if models != "auto":
            raise InvalidParameterError(
                f"models={models!r} is not valid; pass 'auto' or a list of names from "
                f"{sorted(MODELS)}."
            )
        names = sorted({name for group in _AUTO.values() for name in group})
        masks = {
            name: np.isin(classes, [c for c, g in _AUTO.items() if name in g]) for name in names
        }
    else:
        unknown = [name for name in models if name not in MODELS]
        if unknown or not models:
            raise InvalidParameterError(
                f"unknown model names {unknown}; choose from {sorted(MODELS)}."
                if unknown
                else "models is empty; pass 'auto' or at least one model name."
            )
        masks = {name: np.ones(classes.size, dtype=bool) for name in dict.fromkeys(models)}
    for name in masks:
        if name == "hw_add_fourier":
            usable = long_period is not None and long_period >= 2 * season_length
            need = min_train_length(name, season_length, long_period)
            masks[name] = masks[name] & (lengths >= need) & usable
        elif name == "sarimax":
            continue
        elif name in _SEASONAL - {"seasonal_naive"} and season_length == 1:
            masks[name] = np.zeros(classes.size, dtype=bool)  # no season to model
        elif name in _SEASONAL and season_length > 1:
            masks[name] = masks[name] & (lengths >= min_train_length(name, season_length))
    return masks


def fallback(classes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model and reason for series that could not be scored.

    The chain: no demand at all -> ``mean`` (a zero forecast); fewer than two
    observations -> ``mean``; intermittent or lumpy -> ``croston_sba``;
    otherwise -> ``ses``.
    """
    choice = np.where(np.isin(classes, ["intermittent", "lumpy"]), "croston_sba", "ses")
    why = np.full(classes.size, "too short to validate: class default", dtype=object)
    short = (lengths < 2) | (classes == "too_short")
    zero = classes == "no_demand"
    choice = np.where(short | zero, "mean", choice).astype(object)
    why[short] = "fewer than 2 observations: mean"
    why[zero] = "no demand in the history: zero forecast"
    return choice, why
