"""Parameters of :class:`~forecastkit.ml.LGBMForecaster`: checks, defaults, LightGBM's (private)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from forecastkit._validation import positive_int
from forecastkit.calendar import EventCalendar
from forecastkit.errors import InsufficientDataError, InvalidParameterError

__all__ = [
    "OBJECTIVES",
    "check_ints",
    "check_params",
    "frequency_defaults",
    "lightgbm_params",
    "no_training_rows",
    "resolved",
]

OBJECTIVES = {
    "tweedie": "tweedie",
    "poisson": "poisson",
    "l2": "regression",
    "l1": "regression_l1",
}
# (lags, rolling windows, season used to align direct lags, default horizon) by base frequency
DEFAULTS: dict[str, tuple[tuple[int, ...], tuple[int, ...], int, int]] = {
    "D": ((1, 2, 3, 4, 5, 6, 7, 14, 21, 28), (7, 28), 7, 28),
    "B": ((1, 2, 3, 4, 5, 10, 20), (5, 20), 5, 20),
    "W": ((1, 2, 3, 4, 8, 13, 26, 52), (4, 13), 1, 13),
    "M": ((1, 2, 3, 6, 12), (3, 12), 1, 12),
    "Q": ((1, 2, 4), (4,), 1, 4),
    "Y": ((1, 2), (3,), 1, 2),
    "h": ((1, 2, 3, 24, 48, 168), (24, 168), 24, 48),
}


def base_unit(freq: str) -> str:
    """Base unit of a frequency alias: ``"W-FRI"`` -> ``"W"``, ``"MS"`` -> ``"M"``."""
    head = freq.lstrip("0123456789").split("-")[0]
    if head[:1] in ("M", "Q", "Y", "A"):  # month, quarter, year starts and ends
        return {"A": "Y"}.get(head[0], head[0])
    return {"H": "h"}.get(head, head)


def frequency_defaults(freq: str) -> tuple[tuple[int, ...], tuple[int, ...], int, int]:
    return DEFAULTS.get(base_unit(freq), ((1, 2, 3, 4), (4,), 1, 12))


def no_training_rows(band: Any) -> InsufficientDataError:
    return InsufficientDataError(
        f"no training rows: every series is shorter than {band.spec.shift + 1} periods; "
        "give longer histories or lower horizon (direct strategy)."
    )


def check_ints(value: Any, name: str, *, allow_empty: bool = True) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) or not isinstance(value, Sequence):
        raise InvalidParameterError(
            f"{name} must be a sequence of positive integers such as (1, 7, 28), got {value!r}."
        )
    out = tuple(positive_int(v, name) for v in value)
    if not out and not allow_empty:
        raise InvalidParameterError(f"{name} must not be empty.")
    return out


def check_params(model: Any) -> None:
    """Validate the constructor parameters of an LGBMForecaster (at fit)."""
    choices = {
        "objective": tuple(OBJECTIVES),
        "strategy": ("recursive", "direct", "hybrid"),
        "quantile_method": ("conformal",),
        "backend": ("local", "dask"),
    }
    for name, allowed in choices.items():
        if getattr(model, name) not in allowed:
            raise InvalidParameterError(
                f"{name}={getattr(model, name)!r} is not valid; choose one of {allowed}."
            )
    if model.calendar is not None and not isinstance(model.calendar, EventCalendar):
        raise InvalidParameterError(
            f"calendar must be a forecastkit.EventCalendar or None, got "
            f"{type(model.calendar).__name__}; e.g. EventCalendar(country='US')."
        )
    n_jobs = model.n_jobs
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise InvalidParameterError(f"n_jobs must be a positive int or -1, got {n_jobs!r}.")
    positive_int(model.n_estimators, "n_estimators")
    if not (isinstance(model.learning_rate, (int, float)) and model.learning_rate > 0):
        raise InvalidParameterError(
            f"learning_rate must be a positive number, got {model.learning_rate!r}."
        )
    if not 1.0 < float(model.tweedie_variance_power) < 2.0:
        raise InvalidParameterError(
            "tweedie_variance_power must lie strictly between 1 (Poisson) and 2 (gamma), "
            f"got {model.tweedie_variance_power!r}."
        )
    if model.npartitions is not None:
        positive_int(model.npartitions, "npartitions")
    calib = model.calibration_windows
    if isinstance(calib, bool) or not isinstance(calib, (int, np.integer)) or calib < 0:
        raise InvalidParameterError(
            f"calibration_windows must be a non-negative integer, got {calib!r}."
        )


def lightgbm_params(model: Any) -> dict[str, Any]:
    """The LightGBM training parameters of an LGBMForecaster."""
    params: dict[str, Any] = {
        "objective": OBJECTIVES[model.objective],
        "learning_rate": float(model.learning_rate),
        "num_leaves": int(model.num_leaves),
        "min_data_in_leaf": int(model.min_data_in_leaf),
        "feature_fraction": float(model.feature_fraction),
        "seed": int(model.random_state),
        "num_threads": 0 if model.n_jobs == -1 else int(model.n_jobs),
        "deterministic": True,
        "force_row_wise": True,
        "verbosity": -1,
    }
    if model.objective == "tweedie":
        params["tweedie_variance_power"] = float(model.tweedie_variance_power)
    params.update(dict(model.lgbm_params or {}))
    return params


def resolved(model: Any, freq: str) -> dict[str, Any]:
    """Lags, windows, season and horizon: the parameters, or the defaults of ``freq``."""
    lags, windows, season, horizon = frequency_defaults(freq)
    return {
        "lags": lags if model.lags is None else check_ints(model.lags, "lags"),
        "windows": windows if model.windows is None else check_ints(model.windows, "windows"),
        "season": season,
        "horizon": horizon if model.horizon is None else positive_int(model.horizon, "horizon"),
    }
