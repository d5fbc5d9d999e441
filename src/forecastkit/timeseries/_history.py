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

Both couple the series through sums over the panel, computed in
:data:`N_ROUNDS` rounds (two for the event effects, then four for the
profile of the event-free history; see
:class:`~forecastkit.timeseries._events.EventEstimate` and
:class:`~forecastkit.timeseries._profile.ProfileEstimate`). A history of the
whole panel runs the rounds on itself. A history of one partition of the
series (:mod:`forecastkit.timeseries._partition`) instead sends its sums of
each round (:meth:`History.statistics`) to be merged with the other
partitions' and gets the merged sums back (``merged=``), so that its effects
and profile are the whole panel's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

from forecastkit.calendar import EventCalendar
from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries import _registry
from forecastkit.timeseries._events import EventEffects, EventEstimate, EventGrid, event_grid
from forecastkit.timeseries._profile import PanelSums, ProfileEstimate, SeasonalProfile

__all__ = ["N_ROUNDS", "History", "Setting"]

_EVENT_ROUNDS = EventEstimate.n_rounds
N_ROUNDS = _EVENT_ROUNDS + ProfileEstimate.n_rounds
"""Rounds of sums over series behind a history's event effects and seasonal profile."""


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
    merged : sequence of PanelSums or None, optional
        The merged sums of the whole panel's rounds (:data:`N_ROUNDS`, None
        for a round without work) when ``Y`` holds some of its series only;
        omitted: ``Y`` is the whole panel and the rounds run on it alone.
        Rounds given one by one through :meth:`statistics` are kept too.
    """

    def __init__(
        self,
        Y: np.ndarray,
        setting: Setting,
        *,
        k: int = 0,
        horizon: int = 0,
        merged: Sequence[PanelSums | None] | None = None,
    ) -> None:
        self.Y = Y
        self.setting = setting
        self.k = k
        self.horizon = horizon
        self._shared = None if merged is None else list(merged)
        self._alone: list[PanelSums | None] = []

    # -------------------------------------------------------------- rounds
    def statistics(self, r: int, merged: Sequence[PanelSums | None]) -> PanelSums | None:
        """This history's sums of round ``r``, given the merged sums of rounds ``0 .. r - 1``.

        None when the round has nothing to estimate (no calendar, no pooling).
        """
        if len(merged) != r:
            raise InvalidParameterError(
                f"round {r} needs the merged sums of {r} rounds, got {len(merged)}"
            )
        self._shared = list(merged)
        return self._round(r, merged)

    def share(self, merged: Sequence[PanelSums | None]) -> None:
        """Use the merged sums of every round (after the last round, before fitting)."""
        if len(merged) != N_ROUNDS:
            raise InvalidParameterError(
                f"expected the merged sums of {N_ROUNDS} rounds, got {len(merged)}"
            )
        self._shared = list(merged)

    def _round(self, r: int, merged: Sequence[PanelSums | None]) -> PanelSums | None:
        # an estimate's own rounds are never None: every partition has it or none
        known = cast("Sequence[PanelSums]", merged)
        if r < _EVENT_ROUNDS:
            events = self._event_estimate
            return None if events is None else events.statistics(r, known[:r])
        profile = self._profile_estimate
        return (
            None
            if profile is None
            else profile.statistics(r - _EVENT_ROUNDS, known[_EVENT_ROUNDS:r])
        )

    def _merged(self, upto: int) -> list[PanelSums | None]:
        """Merged sums of rounds ``0 .. upto - 1``: shared, or this panel's own."""
        if self._shared is not None:
            if len(self._shared) < upto:
                raise InvalidParameterError(
                    f"this history has the merged sums of {len(self._shared)} rounds; "
                    f"{upto} are needed (run every round before fitting)"
                )
            return self._shared[:upto]
        while len(self._alone) < upto:
            self._alone.append(self._round(len(self._alone), self._alone))
        return self._alone[:upto]

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
    def _event_estimate(self) -> EventEstimate | None:
        grid = self.grid
        if grid is None:
            return None
        return EventEstimate(
            self.Y, grid.codes, season_length=self.setting.event_season(), n_codes=grid.n_codes
        )

    @cached_property
    def effects(self) -> EventEffects | None:
        """Event effects; None when no event code got an effect (all would be 1)."""
        events = self._event_estimate
        if events is None:
            return None
        fx = events.result(self._merged(_EVENT_ROUNDS))  # type: ignore[arg-type]
        return fx if fx.estimated.any() else None

    @cached_property
    def _profile_estimate(self) -> ProfileEstimate | None:
        m = self.setting.season_length
        if not self.setting.pool_seasonality or m <= 1:
            return None
        return ProfileEstimate(self._event_free, m, last_period=self.t_last)

    @cached_property
    def profile(self) -> SeasonalProfile | None:
        profile = self._profile_estimate
        if profile is None:
            return None
        return profile.result(self._merged(N_ROUNDS)[_EVENT_ROUNDS:])  # type: ignore[arg-type]

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
        """Drop the adjusted copies of the panel and the per-series sums (kept: effects, profile).

        What was dropped is computed again from ``Y`` and the merged sums if needed.
        """
        for name in ("_event_free", "_deseasonalized", "_event_estimate", "_profile_estimate"):
            self.__dict__.pop(name, None)

    def with_horizon(self, h: int) -> History:
        """The same history with event codes for ``h`` future steps."""
        if h <= self.horizon:
            return self
        other = History(self.Y, self.setting, k=self.k, horizon=h, merged=self._shared)
        other._alone = self._alone
        names = ("effects", "profile", "_event_free", "_deseasonalized")
        for name in (*names, "_event_estimate", "_profile_estimate"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other
