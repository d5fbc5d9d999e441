"""One history as the models see it: adjusted for events and pooled seasonality (private).

:class:`History` wraps a right-aligned panel (the full history at fit time,
or the history up to a validation origin) with what the estimator learned
from it before any model is fitted:

* event effects (:mod:`forecastkit.timeseries._events`), when a calendar is
  given: every model except ``sarimax`` (which takes the events as
  regressors) is fitted to the history with the events taken out, and its
  forecasts are multiplied back by the future cells' effects;
* the pooled seasonal profile (:mod:`forecastkit.timeseries._profile`): the
  models without a season of their own (SES, damped trend, Theta, the
  Croston family) are fitted to the seasonally adjusted history and their
  forecasts multiplied back by the future periods' indices.

Both are estimated on this history only, so a validation origin never sees
the periods it is scored on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from forecastkit.calendar import EventCalendar
from forecastkit.timeseries import _registry
from forecastkit.timeseries._events import EventEffects, EventGrid, event_grid, fit_event_effects
from forecastkit.timeseries._profile import SeasonalProfile, pooled_profile

__all__ = ["History", "Setting"]


@dataclass(frozen=True)
class Setting:
    """What the estimator fixed at fit time and every history shares."""

    season_length: int
    freq: str
    last_dates: pd.Series
    period_last: np.ndarray | None
    long_period: float | None
    calendar: EventCalendar | None
    pool_seasonality: bool
    n_jobs: int

    def event_season(self) -> int:
        """Season used by the event baselines: the week on daily data, else 1."""
        return self.season_length if self.season_length <= 24 else 1


class History:
    """A panel up to an origin, with its event effects and seasonal profile.

    Parameters
    ----------
    Y : numpy.ndarray
        ``(n_series, T)`` right-aligned panel.
    setting : Setting
    k : int, default=0
        Periods held out after this history (its origin is ``k`` periods
        before the end of the full history).
    horizon : int, default=0
        Future steps whose event codes are needed (validation: ``validation_h``).
    """

    def __init__(self, Y: np.ndarray, setting: Setting, *, k: int = 0, horizon: int = 0) -> None:
        self.Y = Y
        self.setting = setting
        self.k = k
        self.horizon = horizon

    # -------------------------------------------------------------- pieces
    @cached_property
    def t_last(self) -> np.ndarray | None:
        period = self.setting.period_last
        return None if period is None else period - self.k

    @cached_property
    def grid(self) -> EventGrid | None:
        cal = self.setting.calendar
        if cal is None:
            return None
        last = self.setting.last_dates
        shifted = last - self.k * pd.tseries.frequencies.to_offset(self.setting.freq)
        return event_grid(cal, shifted, self.Y.shape[1], self.horizon, self.setting.freq)

    @cached_property
    def effects(self) -> EventEffects | None:
        grid = self.grid
        if grid is None or not (grid.codes != 0).any():
            return None
        return fit_event_effects(
            self.Y,
            grid.codes,
            season_length=self.setting.event_season(),
            n_codes=grid.n_codes,
        )

    @cached_property
    def profile(self) -> SeasonalProfile | None:
        m = self.setting.season_length
        if not self.setting.pool_seasonality or m <= 1:
            return None
        return pooled_profile(self._event_free, m, last_period=self.t_last)

    @cached_property
    def _event_free(self) -> np.ndarray:
        fx = self.effects
        return self.Y if fx is None else fx.adjust(self.Y, self.grid.codes)  # type: ignore[union-attr]

    @cached_property
    def _deseasonalized(self) -> np.ndarray:
        prof = self.profile
        base = self._event_free
        return base if prof is None else base / prof.history(base.shape[1])

    # -------------------------------------------------------------- per model
    def inputs(self, name: str) -> np.ndarray:
        """The panel model ``name`` is fitted to."""
        if not _registry.uses_event_adjustment(name):
            return self.Y
        return self._deseasonalized if _registry.uses_profile(name) else self._event_free

    def factor(
        self, name: str, h: int, future_codes: np.ndarray | None = None
    ) -> np.ndarray | None:
        """``(n_series, h)`` multipliers of model ``name``'s forecasts, None for all ones.

        ``future_codes`` are the event codes of the ``h`` future steps (from
        a grid with a horizon); the validation grid's own future is used when
        omitted.
        """
        if not _registry.uses_event_adjustment(name):
            return None
        out = None
        fx = self.effects
        if fx is not None:
            codes = self.grid.future[:, :h] if future_codes is None else future_codes  # type: ignore[union-attr]
            out = fx.multipliers(codes)
        prof = self.profile
        if prof is not None and _registry.uses_profile(name):
            seasonal = prof.future(h)
            out = seasonal if out is None else out * seasonal
        return out

    def context(self, name: str, rows: np.ndarray, first: int) -> _registry.Context:
        """Kernel context of ``rows`` whose trimmed panel starts at column ``first``."""
        s = self.setting
        t_last = None if self.t_last is None else self.t_last[rows]
        if name != "sarimax":
            return _registry.Context(t_last=t_last, long_period=s.long_period)
        grid = self.grid
        if grid is None or not grid.exog_names():
            return _registry.Context(n_jobs=s.n_jobs)
        exog = grid.exog(rows)[:, first:, :]

        def future_exog(h: int) -> np.ndarray:
            if h <= grid.horizon:
                return grid.future_exog(rows)[:, :h, :]
            longer = self.with_horizon(h).grid
            return longer.future_exog(rows)  # type: ignore[union-attr]

        return _registry.Context(
            exog=exog, future_exog=future_exog, exog_names=grid.exog_names(), n_jobs=s.n_jobs
        )

    def release(self) -> None:
        """Drop the adjusted copies of the panel (kept: effects and profile)."""
        for name in ("_event_free", "_deseasonalized"):
            self.__dict__.pop(name, None)

    def with_horizon(self, h: int) -> History:
        """The same history with event codes for ``h`` future steps."""
        if h <= self.horizon:
            return self
        other = History(self.Y, self.setting, k=self.k, horizon=h)
        for name in ("effects", "profile", "_event_free", "_deseasonalized"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other
