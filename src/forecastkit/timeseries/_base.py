"""The common result of every vectorized model kernel (private).

A kernel fits one model family to all rows of a right-aligned panel
(:mod:`forecastkit.timeseries._panel`) at once and returns a
:class:`KernelFit`. The estimator (``StatsForecaster``) only talks to this
interface: it selects among fits by their validation errors, asks each for
point forecasts, forecast variances and sample paths, and never needs to know
the recursion behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["KernelFit"]


@dataclass(frozen=True)
class KernelFit:
    """One model family fitted to every series of a panel.

    Attributes
    ----------
    name : str
        Model name as it appears in ``model_table_`` (``"ses"``, ``"holt_damped"``,
        ``"croston_sba"``...).
    mean : callable
        ``mean(h) -> ndarray (n_series, h)``: point forecasts for steps 1..h.
    residuals : numpy.ndarray
        ``(n_series, T)`` one-step-ahead in-sample errors ``y - yhat`` (NaN
        where the model has no one-step forecast, e.g. the first observations
        and the left padding).
    params : dict of str to numpy.ndarray
        Fitted parameters, one value per series (``alpha``, ``beta``, ``phi``...).
    variance : callable or None
        ``variance(h) -> ndarray (n_series, h)``: forecast error variance of
        steps 1..h when the model has a closed form; None when quantiles must
        come from simulated or bootstrapped paths.
    simulate : callable or None
        ``simulate(h, errors) -> ndarray (n_series, n_paths, h)``: future
        trajectories given standardized or bootstrapped one-step errors of
        shape ``(n_series, n_paths, h)``, propagated through the model's own
        state recursion (so sums over a lead time are right). None when the
        model has no state-space form.
    n_params : numpy.ndarray
        ``(n_series,)`` number of estimated parameters (for information criteria).
    notes : dict
        Anything the estimator should record (e.g. series where the fit fell
        back to a simpler form).
    """

    name: str
    mean: Callable[[int], np.ndarray]
    residuals: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)
    variance: Callable[[int], np.ndarray] | None = None
    simulate: Callable[[int, np.ndarray], np.ndarray] | None = None
    n_params: np.ndarray | None = None
    notes: dict = field(default_factory=dict)

    def sigma(self) -> np.ndarray:
        """Root mean squared one-step residual per series (0 when none)."""
        res = self.residuals
        count = np.sum(~np.isnan(res), axis=1)
        ss = np.nansum(res**2, axis=1)
        return np.sqrt(np.divide(ss, count, out=np.zeros_like(ss), where=count > 0))
