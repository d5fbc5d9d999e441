"""Global machine-learning forecasters: :class:`LGBMForecaster`.

Feature families live in private modules that share one flat row layout
(:mod:`forecastkit.ml._layout`): target lags and rolling statistics
(``_target``), calendar and events (``_dates``), promotion and price
(``_promo``), weather (``_weather``), other exogenous and static columns
(``_exog``).
"""

from forecastkit.ml.forecaster import LGBMForecaster

__all__ = ["LGBMForecaster"]
