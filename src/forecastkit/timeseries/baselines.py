"""Baseline forecasters: vectorized across all series at once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtri

from forecastkit._estimator import ParamsMixin
from forecastkit._grid import future_frame
from forecastkit._validation import check_quantiles, positive_int
from forecastkit.data import prepare, quantile_column
from forecastkit.errors import NotFittedError

__all__ = ["SeasonalNaive"]

logger = logging.getLogger(__name__)


class SeasonalNaive(ParamsMixin):
    """Seasonal naive forecast: repeat the last observed season.

    ``yhat[T + j] = y[T + j - m * (k + 1)]`` with ``k = floor((j - 1) / m)``.
    Quantiles assume normal errors with the in-sample RMS of seasonal
    differences ``sigma`` growing as ``sigma * sqrt(k + 1)`` (Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., Table
    5.2), and are clipped at zero because demand cannot be negative.

    Parameters
    ----------
    season_length : int, default=7
        Season length ``m`` in periods (7 for daily data with a weekly
        cycle, 52 for weekly data with a yearly one, 1 for the naive method).
    freq : str, optional
        pandas frequency of the data; inferred when omitted.

    Attributes
    ----------
    model_table_ : pandas.DataFrame
        One row per series: ``model`` (``"seasonal_naive"``, or ``"mean"``
        for series shorter than one season) and ``reason``.
    sigma_ : numpy.ndarray
        One-step residual standard deviation per series.
    freq_ : str
        Frequency used for the future dates.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "unique_id": "a",
    ...     "ds": pd.date_range("2024-01-01", periods=14, freq="D"),
    ...     "y": [1.0, 2, 3, 4, 5, 6, 7] * 2,
    ... })
    >>> fc = SeasonalNaive(season_length=7).fit(df).predict(3)
    >>> fc["yhat"].tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(self, *, season_length: int = 7, freq: str | None = None) -> None:
        self.season_length = season_length
        self.freq = freq

    def fit(
        self,
        df: pd.DataFrame,
        *,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> SeasonalNaive:
        """Store the last season of every series and its residual scale.

        Parameters
        ----------
        df : pandas.DataFrame
            Long frame with ``id_col``, ``time_col`` and ``target_col``.
        id_col, time_col, target_col : str
            Column names.

        Returns
        -------
        self
        """
        m = positive_int(self.season_length, "season_length")
        prepared = prepare(
            df, id_col=id_col, time_col=time_col, target_col=target_col, freq=self.freq
        )
        data = prepared.df
        grouped = data.groupby(id_col, sort=False, observed=True)
        ids = pd.unique(data[id_col])
        codes = pd.Index(ids).get_indexer(data[id_col])
        y = data[target_col].to_numpy(dtype=float)
        from_end = grouped.cumcount(ascending=False).to_numpy()
        lengths = np.bincount(codes, minlength=len(ids))

        last = np.full((len(ids), m), np.nan)
        tail = from_end < m
        last[codes[tail], m - 1 - from_end[tail]] = y[tail]
        short = lengths < m
        means = np.bincount(codes, weights=y, minlength=len(ids)) / lengths
        last[short] = means[short, None]

        diff = y - grouped[target_col].shift(m).to_numpy(dtype=float)
        ok = ~np.isnan(diff)
        n_diff = np.bincount(codes[ok], minlength=len(ids))
        ss = np.bincount(codes[ok], weights=diff[ok] ** 2, minlength=len(ids))
        sq_dev = np.bincount(codes, weights=(y - means[codes]) ** 2, minlength=len(ids))
        sigma = np.where(n_diff > 0, np.sqrt(ss / np.maximum(n_diff, 1)), np.sqrt(sq_dev / lengths))

        self.id_col_, self.time_col_ = id_col, time_col
        self.freq_ = prepared.freq
        self.last_dates_ = grouped[time_col].max().reindex(ids)
        self.last_season_ = last
        self.sigma_ = sigma
        self.model_table_ = pd.DataFrame(
            {
                id_col: ids,
                "model": np.where(short, "mean", "seasonal_naive"),
                "reason": np.where(short, f"fewer than season_length={m} observations", "default"),
            }
        )
        if short.any():
            logger.info("%d series shorter than one season use their mean", int(short.sum()))
        return self

    def predict(self, h: int, *, quantiles: Sequence[float] | None = None) -> pd.DataFrame:
        """Forecast ``h`` periods after each series' last date.

        Parameters
        ----------
        h : int
            Forecast horizon in periods.
        quantiles : sequence of float, optional
            Probabilities in (0, 1); adds one ``q<p>`` column each.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, yhat`` and the quantile columns.
        """
        if not hasattr(self, "last_season_"):
            raise NotFittedError("SeasonalNaive is not fitted yet; call fit(df) before predict(h).")
        qs = check_quantiles(quantiles)
        out = future_frame(
            self.last_dates_, h, self.freq_, id_col=self.id_col_, time_col=self.time_col_
        )
        m = self.last_season_.shape[1]
        n = len(self.last_dates_)
        step = np.arange(h)
        yhat = self.last_season_[:, step % m]
        out["yhat"] = yhat.ravel()
        spread = self.sigma_[:, None] * np.sqrt(step // m + 1.0)
        for q in qs:
            values = np.clip(yhat + ndtri(q) * spread, 0.0, None)
            out[quantile_column(q)] = values.ravel()
        logger.debug("forecast %d series x %d periods", n, h)
        return out.drop(columns="step")
