"""Per-series statistical forecasting."""

from forecastkit.timeseries._registry import MODELS
from forecastkit.timeseries.baselines import SeasonalNaive
from forecastkit.timeseries.forecaster import (
    StatsForecaster,
    default_season_length,
    default_validation_h,
)

__all__ = [
    "MODELS",
    "SeasonalNaive",
    "StatsForecaster",
    "default_season_length",
    "default_validation_h",
]
