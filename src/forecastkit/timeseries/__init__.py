"""Per-series statistical forecasting."""

from forecastkit.timeseries.baselines import SeasonalNaive, quantile_column

__all__ = ["SeasonalNaive", "quantile_column"]
