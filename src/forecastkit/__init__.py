"""forecastkit: retail demand forecasting and inventory optimization.

The public API, from sales history to purchase orders:

* data contract: :func:`prepare`, :func:`infer_freq`, :func:`to_pandas`;
* calendars: :class:`EventCalendar` (national holidays and shopping festivals);
* synthetic data with known truth: :func:`make_retail_demand`;
* forecasting: :class:`StatsForecaster` (per-series statistical models with
  automatic selection), :class:`LGBMForecaster` (a global LightGBM model
  with promotion, price, weather and event features), :class:`SeasonalNaive`
  (baseline);
* evaluation: :func:`evaluate`, :func:`backtest`;
* promotions and festivals: :func:`forecastkit.promo.plan` (what-if units,
  revenue, margin, ROI), :func:`forecastkit.promo.evaluate` (measured lift,
  dip, ROI), :func:`forecastkit.promo.festival_orders` (the festival stock
  build by order date);
* inventory: :class:`ReorderOptimizer` (order plans under budgets, MOQs,
  case packs and capacity), :func:`simulate` (policy simulation),
  :func:`newsvendor_normal`, :func:`newsvendor_poisson`; the rest of the
  formulas live in :mod:`forecastkit.inventory`;
* persistence: every estimator's ``save(path)``, :func:`load`,
  :func:`read_metadata`;
* plots: :mod:`forecastkit.plotting` (forecasts with quantile bands,
  backtest errors, projected stock, the budget curve; needs matplotlib).
"""

from forecastkit import plotting, promo
from forecastkit._version import __version__
from forecastkit.calendar import BUILTIN_FESTIVALS, EventCalendar
from forecastkit.data import (
    PreparationReport,
    PreparedData,
    check_future_frame,
    infer_freq,
    prepare,
    quantile_column,
    to_pandas,
)
from forecastkit.datasets import RetailDemand, RetailTruth, make_retail_demand
from forecastkit.errors import (
    DataValidationError,
    DataWarning,
    ForecastkitError,
    ForecastkitWarning,
    FrequencyError,
    InsufficientDataError,
    InvalidParameterError,
    MissingDependencyError,
    ModelFileError,
    NotFittedError,
)
from forecastkit.evaluate import BacktestResult, backtest, evaluate
from forecastkit.inventory import ReorderOptimizer, newsvendor_normal, newsvendor_poisson, simulate
from forecastkit.ml import LGBMForecaster
from forecastkit.persist import load, read_metadata
from forecastkit.timeseries import SeasonalNaive, StatsForecaster

__all__ = [
    "BUILTIN_FESTIVALS",
    "BacktestResult",
    "DataValidationError",
    "DataWarning",
    "EventCalendar",
    "ForecastkitError",
    "ForecastkitWarning",
    "FrequencyError",
    "InsufficientDataError",
    "InvalidParameterError",
    "LGBMForecaster",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "PreparationReport",
    "PreparedData",
    "ReorderOptimizer",
    "RetailDemand",
    "RetailTruth",
    "SeasonalNaive",
    "StatsForecaster",
    "__version__",
    "backtest",
    "check_future_frame",
    "evaluate",
    "infer_freq",
    "make_retail_demand",
    "newsvendor_normal",
    "newsvendor_poisson",
    "prepare",
    "load",
    "plotting",
    "read_metadata",
    "promo",
    "quantile_column",
    "simulate",
    "to_pandas",
]
