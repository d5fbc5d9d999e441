"""Per-series statistical forecasting."""

from forecastkit.timeseries.baselines import SeasonalNaive

__all__ = ["SeasonalNaive"]
