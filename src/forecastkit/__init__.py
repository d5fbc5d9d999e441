"""forecastkit: retail demand forecasting and inventory optimization."""

from forecastkit._version import __version__

__all__ = ["__version__"]
