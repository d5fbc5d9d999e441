"""Forecast evaluation: accuracy metrics on long frames and rolling-origin backtests."""

from forecastkit.evaluate.backtest import BacktestResult, backtest
from forecastkit.evaluate.horizon import score_by_horizon
from forecastkit.evaluate.metrics import (
    bias,
    coverage,
    evaluate,
    mae,
    mase,
    pinball,
    rmse,
    rmsse,
    scaled_pinball,
    smape,
    wape,
    wrmsse,
    wspl,
)

__all__ = [
    "BacktestResult",
    "backtest",
    "bias",
    "coverage",
    "evaluate",
    "mae",
    "mase",
    "pinball",
    "rmse",
    "rmsse",
    "scaled_pinball",
    "score_by_horizon",
    "smape",
    "wape",
    "wrmsse",
    "wspl",
]
