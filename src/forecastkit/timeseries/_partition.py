"""Fit a ``StatsForecaster`` on partitions of the series, as if on the whole panel (private).

A *partition* is a long frame holding every row of some series (disjoint
groups of whole series, e.g. one per Dask worker). :class:`PartitionPlan`
fits each partition so that its fitted model gives, for its series, the
forecasts of the model fitted to the whole panel at once. No partition ever
sees another's rows: what couples the series travels as small picklable
objects, through the driver.

What couples the series
-----------------------
* The frequency, when inferred from the data (``freq=None``): every
  partition infers its own and they must agree (else pass ``freq=``); the
  season length, validation horizon and pooling follow from it.
* The panel's width (the longest series, in periods): each partition pads
  its right-aligned panel to it, so that every per-series computation sees
  the same array as in the whole panel (and validation origins, ``k``
  periods before each series' own end, are the same columns).
* The candidate models present in the panel (``names``): with a single
  candidate there is no selection, and the order of the candidates breaks
  ties. Partitions report theirs in round 0.
* The event effects (panel ratio ``R_c``, DerSimonian-Laird ``tau_c^2``)
  and the pooled seasonal profile (``P_d``, ``tau2_d``) of the full history
  and of every validation origin: functions of sums over series, computed
  in :data:`N_ROUNDS` rounds (:mod:`forecastkit.timeseries._history`): two
  for the effects, then four for the profile of the event-free history.
  The sums are exact (:class:`~forecastkit.timeseries._profile.PanelSums`),
  so the merged sums, effects and profiles equal the whole panel's to the
  last bit, whatever the partition.
* Nothing else: models are fitted per series (the exponential smoothing
  search picks its float32 or float64 precision per series, and no panel
  is trimmed to the rows being fitted), every series keeps its own dates
  (a series that ends early is forecast from its own last date), and
  sample paths come from one random generator per series, seeded with the
  seed and a hash of the series id.

Forecasts and paths are then bitwise those of the whole panel, but for the
``theta`` and ``hw_add_fourier`` rows: their BLAS matrix products round in
the last bits differently with the number of rows fitted together (about
1e-15 relative).

Protocol
--------
Driver and workers exchange only the plan, :class:`PartitionGlobals`,
:class:`PanelGlobals`, :class:`PartitionStatistics` and :class:`PanelParams`
(ids, a frequency, sums per event code or weekday: kilobytes)::

    plan = PartitionPlan(model)                  # an unfitted StatsForecaster
    g = plan.merge_globals([plan.globals(df) for df in parts])      # on the driver
    states = [plan.prepare(df, g) for df in parts]                  # kept on the workers
    params = None
    for r in range(plan.n_rounds):
        stats = [plan.statistics(r, state, g, params) for state in states]
        params = plan.merge(r, stats, params)                        # on the driver
    fitted = [plan.fit(state, g, params) for state in states]       # StatsForecaster each

``statistics`` and ``fit`` also take the partition's frame in place of its
state (it is then prepared again each time). A state caches per-series work
between rounds; it is recomputed from ``params`` when missing, so a copied
or rebuilt state gives the same results. ``fitted[i].predict`` and
``sample_paths`` give the whole panel's rows for the series of partition
``i``. Empty partitions are allowed: their statistics are empty and their
fit is None.

Examples
--------
>>> import forecastkit as fk
>>> from forecastkit.timeseries.forecaster import StatsForecaster
>>> sales = fk.make_retail_demand(n_series=6, periods=120, seed=0).sales
>>> groups = np.array_split(sales["unique_id"].unique(), 3)  # 3 partitions of 2 series
>>> parts = [sales[sales["unique_id"].isin(ids)] for ids in groups]
>>> model = StatsForecaster()
>>> plan = PartitionPlan(model)
>>> g = plan.merge_globals([plan.globals(df) for df in parts])
>>> params = None
>>> for r in range(plan.n_rounds):
...     params = plan.merge(r, [plan.statistics(r, df, g, params) for df in parts], params)
>>> fitted = [plan.fit(df, g, params) for df in parts]
>>> together = model.fit(sales).predict(7).set_index(["unique_id", "ds"])
>>> apart = pd.concat([f.predict(7) for f in fitted]).set_index(["unique_id", "ds"])
>>> bool(np.allclose(apart.loc[together.index, "yhat"], together["yhat"], rtol=1e-9))
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.data import infer_freq, prepare
from forecastkit.errors import (
    DataValidationError,
    FrequencyError,
    InvalidParameterError,
    format_values,
)
from forecastkit.timeseries._history import N_ROUNDS
from forecastkit.timeseries._profile import PanelSums, merge_sums
from forecastkit.timeseries.forecaster import StatsForecaster, _Problem

__all__ = [
    "N_ROUNDS",
    "PanelGlobals",
    "PanelParams",
    "PartitionGlobals",
    "PartitionPlan",
    "PartitionState",
    "PartitionStatistics",
]


@dataclass(frozen=True)
class PartitionGlobals:
    """What one partition tells the driver first: its ids, frequency and panel width.

    ``freq`` is None when it cannot be told (an empty partition, or one
    whose series all have a single date); ``width`` is the length in periods
    of its longest series (gaps filled).
    """

    ids: np.ndarray
    freq: str | None
    width: int


@dataclass(frozen=True)
class PanelGlobals:
    """The panel's frequency, size and width (periods of its longest series)."""

    freq: str
    n_series: int
    width: int
    n_partitions: int


@dataclass(frozen=True)
class PartitionStatistics:
    """One partition's sums of one round, per history origin ``k`` (empty when no series).

    ``names`` (round 0 only): every candidate model and whether some series
    of the partition may choose it, in the estimator's order.
    """

    round: int
    sums: dict[int, PanelSums | None]
    names: tuple[tuple[str, bool], ...] | None = None


@dataclass(frozen=True)
class PanelParams:
    """The merged sums of the rounds run so far, per origin, and the panel's candidates."""

    rounds: int
    merged: dict[int, tuple[PanelSums | None, ...]]
    names: tuple[str, ...]


class PartitionState:
    """One partition prepared for the rounds: its panel and histories (kept on its worker).

    The histories cache the per-series sums and adjusted panels between
    rounds and for :meth:`PartitionPlan.fit`.
    """

    def __init__(self, problem: _Problem | None, origins: list[tuple[int, int]]) -> None:
        self.problem = problem
        self.origins = origins

    @property
    def n_series(self) -> int:
        return 0 if self.problem is None else len(self.problem.panel.ids)


class PartitionPlan:
    """Drive the fit of a ``StatsForecaster`` over partitions of the series.

    See the module docstring for the protocol. The plan holds the model's
    parameters only: it can be pickled to the workers and its methods called
    in any process. Their results depend on their arguments only (a state
    passed to :meth:`statistics` or :meth:`fit` keeps caches, not results).

    Parameters
    ----------
    model : StatsForecaster
        The estimator to fit (its parameters; it is not modified).
    id_col, time_col, target_col : str
        Column names of the partitions' frames.
    """

    n_rounds = N_ROUNDS

    def __init__(
        self,
        model: StatsForecaster,
        *,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        if not isinstance(model, StatsForecaster):
            raise InvalidParameterError(
                f"PartitionPlan fits a StatsForecaster, got {type(model).__name__}."
            )
        model._check_params()
        self.model = model
        self.columns = (id_col, time_col, target_col)

    # ---------------------------------------------------------------- globals
    def globals(self, df: pd.DataFrame) -> PartitionGlobals:
        """A partition's ids, frequency (given, or inferred from it) and panel width."""
        id_col, time_col, target_col = self.columns
        if len(df) == 0:
            return PartitionGlobals(np.array([], dtype=object), None, 0)
        if id_col not in df.columns:
            raise DataValidationError(
                f"the partition has no column {id_col!r}; name the series column with id_col="
                f" (columns found: {format_values(list(df.columns), 10)})."
            )
        ids = pd.unique(df[id_col])
        freq = self.model.freq
        if freq is None and df[id_col].duplicated().any():
            freq = infer_freq(df, id_col=id_col, time_col=time_col)
        width = 1
        if freq is not None:
            with warnings.catch_warnings():  # the same warnings come again from prepare
                warnings.simplefilter("ignore")
                prepared = prepare(
                    df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq
                )
            width = int(np.bincount(pd.factorize(prepared.df[id_col])[0]).max())
        return PartitionGlobals(np.asarray(ids), freq, width)

    def merge_globals(self, parts: Sequence[PartitionGlobals]) -> PanelGlobals:
        """The panel's frequency and width; every series must be whole in one partition.

        Raises
        ------
        DataValidationError
            If a series has rows in more than one partition.
        FrequencyError
            If the partitions' inferred frequencies differ, or none can be inferred.
        """
        ids = np.concatenate(
            [np.asarray(part.ids, dtype=object) for part in parts] or [np.array([], object)]
        )
        counts = pd.Series(ids, dtype=object).value_counts(sort=False)
        split = counts.index[counts.to_numpy() > 1].tolist()
        if split:
            raise DataValidationError(
                f"{len(split)} series have rows in more than one partition: "
                f"{format_values(split)}; each series must be whole in one partition. "
                "Partition the data by the series id (e.g. ddf.shuffle(on=id_col))."
            )
        freqs = sorted({part.freq for part in parts if part.freq is not None})
        if len(freqs) > 1:
            raise FrequencyError(
                f"the partitions' series have different frequencies {freqs}; pass the "
                "frequency of the panel explicitly, e.g. StatsForecaster(freq=...)."
            )
        if not freqs:
            raise FrequencyError(
                f"cannot infer the frequency: each of the {ids.size} series has a single "
                "date; pass freq=... explicitly, e.g. StatsForecaster(freq='D')."
            )
        width = max(part.width for part in parts)
        return PanelGlobals(freqs[0], int(ids.size), width, len(parts))

    # ---------------------------------------------------------------- rounds
    def prepare(self, df: pd.DataFrame, g: PanelGlobals) -> PartitionState:
        """A partition's panel, demand classes and candidates, ready for the rounds."""
        if len(df) == 0:
            return PartitionState(None, [])
        id_col, time_col, target_col = self.columns
        prepared = prepare(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=g.freq)
        problem = self.model._problem(prepared, self.columns, width=g.width)
        return PartitionState(problem, self.model._origins(problem.setting.season_length))

    def _state(self, part: pd.DataFrame | PartitionState, g: PanelGlobals) -> PartitionState:
        return part if isinstance(part, PartitionState) else self.prepare(part, g)

    def statistics(
        self,
        r: int,
        part: pd.DataFrame | PartitionState,
        g: PanelGlobals,
        params: PanelParams | None = None,
    ) -> PartitionStatistics:
        """A partition's sums of round ``r``, given the params merged from rounds ``0 .. r - 1``.

        Parameters
        ----------
        r : int
            Round, ``0 .. n_rounds - 1``.
        part : pandas.DataFrame or PartitionState
            The partition's frame, or its state from :meth:`prepare`.
        g : PanelGlobals
            From :meth:`merge_globals`.
        params : PanelParams, optional
            From :meth:`merge` of round ``r - 1`` (None for round 0).
        """
        _check_round(r, params)
        state = self._state(part, g)
        problem = state.problem
        if problem is None:
            return PartitionStatistics(r, {})
        sums = {}
        for k, horizon in state.origins:
            merged = () if params is None else params.merged[k]
            sums[k] = problem.history(k, horizon).statistics(r, merged)
        names = None
        if r == 0:
            names = tuple((name, bool(mask.any())) for name, mask in problem.allowed.items())
        return PartitionStatistics(r, sums, names)

    def merge(
        self, r: int, stats: Sequence[PartitionStatistics], params: PanelParams | None = None
    ) -> PanelParams:
        """Add up the partitions' sums of round ``r`` onto ``params`` (None for round 0)."""
        _check_round(r, params)
        if any(part.round != r for part in stats):
            raise InvalidParameterError(f"merge({r}, ...) got statistics of other rounds.")
        present = [part for part in stats if part.sums]
        if not present:
            raise DataValidationError("every partition is empty: the panel has no series.")
        origins = list(present[0].sums)
        merged = {}
        for k in origins:
            previous = () if params is None else params.merged[k]
            merged[k] = (*previous, merge_sums([part.sums[k] for part in present]))
        names = params.names if params is not None else _merge_names(present)
        return PanelParams(rounds=r + 1, merged=merged, names=names)

    # ---------------------------------------------------------------- fit
    def fit(
        self, part: pd.DataFrame | PartitionState, g: PanelGlobals, params: PanelParams
    ) -> StatsForecaster | None:
        """A ``StatsForecaster`` fitted to the partition's series with the panel's estimates.

        Returns None for an empty partition.
        """
        if params is None or params.rounds != self.n_rounds:
            done = 0 if params is None else params.rounds
            raise InvalidParameterError(
                f"fit needs the params of all {self.n_rounds} rounds; got {done}. Run "
                "statistics and merge for every round first."
            )
        state = self._state(part, g)
        problem = state.problem
        if problem is None:
            return None
        problem.merged = {k: list(v) for k, v in params.merged.items()}
        for k, history in problem.histories.items():
            history.share(problem.merged[k])
        model = type(self.model)(**self.model.get_params())
        return model._fit_problem(problem, names=list(params.names))


def _check_round(r: Any, params: PanelParams | None) -> None:
    done = 0 if params is None else params.rounds
    if r != done or not 0 <= done < N_ROUNDS:
        raise InvalidParameterError(
            f"round {r!r} cannot run after {done} merged rounds; run rounds 0 .. "
            f"{N_ROUNDS - 1} in order, passing each merge's params to the next round."
        )


def _merge_names(stats: Sequence[PartitionStatistics]) -> tuple[str, ...]:
    """Candidates some series of some partition may choose, in the estimator's order."""
    order = [name for name, _ in stats[0].names or ()]
    present = {name for part in stats for name, any_ in part.names or () if any_}
    return tuple(name for name in order if name in present)
