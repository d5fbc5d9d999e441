"""Event awareness for every model: event codes, event effects and adjustment (private).

Two pieces, both working on right-aligned panels
(:mod:`forecastkit.timeseries._panel`):

* :func:`event_grid` gives every panel cell and every future step an integer
  *event code*: 0 outside events, otherwise one code per (event, position in
  its window) of an :class:`~forecastkit.calendar.EventCalendar`, e.g.
  ``("double_11", -2)`` two days before Singles' Day. Models that take
  regressors read :meth:`EventGrid.exog` / :meth:`EventGrid.future_exog`.
* :func:`fit_event_effects` estimates a multiplicative effect per series and
  code. Models without regressors are fitted on the history with the events
  taken out (:meth:`EventEffects.adjust`), and their forecasts, forecast
  variances (squared) and sample paths are multiplied back by
  :meth:`EventEffects.multipliers` on the future cells.

Baseline and effects
--------------------
The baseline of a cell is what demand would have been without the event: the
mean of the non-event, observed cells ``season_length``, ``2 *
season_length``, ... ``neighbors * season_length`` periods before and after
it (so daily data with ``season_length=7`` compare a Friday with the
surrounding Fridays). For series ``i`` and code ``c``, with ``a_ic`` the sum
of the actuals and ``b_ic`` the sum of the baselines over its event cells::

    r_ic = a_ic / b_ic                      (the series' own ratio)
    R_c  = sum_i a_ic / sum_i b_ic          (panel-wide ratio)
    v_ic = phi_i * R_c / b_ic               (sampling variance of r_ic)
    effect_ic = R_c + tau_c**2 / (tau_c**2 + shrinkage * v_ic) * (r_ic - R_c)

where ``phi_i`` is the series' quasi-Poisson dispersion (mean squared Pearson
residual of its non-event cells around their baselines; 1 for Poisson counts)
and ``tau_c**2`` the between-series variance of the true ratios, estimated by
the DerSimonian-Laird moment estimator. This is the posterior mean of a
gamma-Poisson model whose gamma prior has mean ``R_c`` and variance
``tau_c**2``: a series with little demand on the code, or a code whose ratio
hardly differs between series, gets the panel ratio; a large series with a
clearly different ratio keeps its own. Series that never saw a code get
``R_c``. Codes seen fewer than ``min_occurrences`` times by every series get
1, and effects are clipped to ``clip``.

``R_c`` and ``tau_c**2`` depend on the series only through sums over them,
computed in two rounds by :class:`EventEstimate`, so that disjoint groups of
whole series merging their sums get the whole panel's effects.

The baseline is a local mean, so a seasonal trough or peak under a long
window is partly read as event effect: on :func:`forecastkit.make_retail_demand`
(whose yearly and temperature cycles dip in November) the event-free truth
gives ratios of 0.93 for Double 11 and 1.04 for 618 instead of 1, a few
percent against lifts of 1.5 to 3 on the main days.

Use
---
::

    grid = event_grid(calendar, panel.last_dates, T, h, freq)
    fx = fit_event_effects(Y, grid.codes, season_length=7, n_codes=grid.n_codes)
    fit = kernel(fx.adjust(Y, grid.codes))             # an event-free model
    mult = fx.multipliers(grid.future)                 # (n_series, h)
    mean, var, paths = fit.mean(h) * mult, fit.variance(h) * mult**2, paths * mult[:, None]

References
----------
DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials.
*Controlled Clinical Trials* 7(3), 177-188 (the moment estimator of tau^2).
Efron, B. and Morris, C. (1975). Data analysis using Stein's estimator and its
generalizations. *JASA* 70(350), 311-319 (shrinkage toward the pooled value).
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from forecastkit._calendar_utils import _day_numbers, _parse_freq, _period_bounds
from forecastkit._validation import positive_int
from forecastkit.calendar import EventCalendar
from forecastkit.errors import FrequencyError, InvalidParameterError
from forecastkit.timeseries._profile import PanelSums, estimate_alone

__all__ = ["EventEffects", "EventEstimate", "EventGrid", "event_grid", "fit_event_effects"]

logger = logging.getLogger(__name__)

_CHUNK = 2048  # series per block in the estimation and lookups (bounds memory)
_MIN_NEIGHBORS = 2  # clean neighbours a cell needs for a baseline
_PARTS = ("pre", "main", "post")


# ---------------------------------------------------------------------- grid
@dataclass(frozen=True)
class EventGrid:
    """Event code of every panel cell and future step.

    Attributes
    ----------
    cells : numpy.ndarray
        ``(n_series, n_history + horizon)`` int16 (int32 beyond 32,767
        codes): the history columns, right-aligned like the panel, then the
        future steps 1..horizon.
    n_history : int
        Number of history columns ``T``.
    labels : pandas.DataFrame
        One row per code ``1..n_codes - 1``: ``code, event, position``
        (offset from the main day in periods of ``freq``: days, or weeks for
        weekly data), ``part`` (``"pre"``, ``"main"``, ``"post"``), and the
        event's window ``lower, upper`` in the same unit and its length in
        ``days`` (the overlap priority). Code 0 (no event) has no row. The table depends only on the calendar and ``freq``, so
        grids built at fit and at predict time share their codes.
    freq : str
        Frequency of the panel.
    """

    cells: np.ndarray
    n_history: int
    labels: pd.DataFrame
    freq: str

    @property
    def codes(self) -> np.ndarray:
        """History codes ``(n_series, n_history)``, aligned with the panel."""
        return self.cells[:, : self.n_history]

    @property
    def future(self) -> np.ndarray:
        """Codes of future steps 1..horizon, ``(n_series, horizon)``."""
        return self.cells[:, self.n_history :]

    @property
    def horizon(self) -> int:
        """Number of future steps."""
        return self.cells.shape[1] - self.n_history

    @property
    def n_codes(self) -> int:
        """Size of a code lookup table (codes are ``0 .. n_codes - 1``)."""
        return len(self.labels) + 1

    def at_origin(self, k: int, h: int) -> EventGrid:
        """The grid seen from ``k`` periods before the end of the history.

        History: the first ``n_history - k`` columns (as ``Panel.head(k)``);
        future: the ``h`` columns after them. Used for validation origins.

        Raises
        ------
        InvalidParameterError
            If ``k`` is negative or larger than the history, or the origin's
            future runs past the grid's horizon.
        """
        k, h = int(k), positive_int(h, "h")
        if not 0 <= k < self.n_history or self.n_history - k + h > self.cells.shape[1]:
            raise InvalidParameterError(
                f"at_origin(k={k}, h={h}) needs 0 <= k < {self.n_history} and k + horizon "
                f"{self.horizon} >= h; build the grid with a larger horizon."
            )
        end = self.n_history - k
        return EventGrid(self.cells[:, : end + h], end, self.labels, self.freq)

    @cached_property
    def _seen(self) -> np.ndarray:
        """Which codes occur in the history columns (computed once)."""
        return _present(self.codes, self.n_codes)

    def exog_names(self) -> list[str]:
        """Columns of :meth:`exog`: ``<event>_pre/_main/_post`` seen in the history."""
        return _exog_table(self.labels, self._seen, "step")[0]

    def exog(self, rows: Any = None, *, shape: Literal["ramp", "step"] = "ramp") -> np.ndarray:
        """Event regressors of the history cells, ``(n_rows, n_history, k)`` float32.

        Per event seen in the history, up to three columns (those seen):
        ``<event>_pre``, ``<event>_main`` and ``<event>_post``. With
        ``shape="ramp"`` the pre-window column rises linearly to 1 on the
        period before the main day (``(position - lower + 1) / -lower``), the
        main column is 1 on the main period and the post-window column falls
        linearly from 1 on the period after it (``(upper + 1 - position) /
        upper``), the usual build-up and slump; ``shape="step"`` gives plain
        0/1 indicators. A cell in overlapping windows belongs to one event
        (:func:`event_grid`). Columns never seen in the history are left out
        (a regressor that is always 0 cannot be estimated); rows of short
        series may still have all-zero columns.

        Parameters
        ----------
        rows : array-like of int or bool, optional
            Panel rows to return (e.g. a block of series); all by default.
        shape : {"ramp", "step"}, default="ramp"
        """
        table = _exog_table(self.labels, self._seen, shape)[1]
        return table[self.codes if rows is None else self.codes[rows]]

    def future_exog(
        self, rows: Any = None, *, shape: Literal["ramp", "step"] = "ramp"
    ) -> np.ndarray:
        """Event regressors of the future steps, ``(n_rows, horizon, k)``, columns as :meth:`exog`."""
        table = _exog_table(self.labels, self._seen, shape)[1]
        return table[self.future if rows is None else self.future[rows]]


def event_grid(
    calendar: EventCalendar, last_dates: pd.Series, n_columns: int, horizon: int, freq: str
) -> EventGrid:
    """Event codes of every cell of a right-aligned panel and of its future.

    Column ``j`` of row ``i`` is the date ``last_dates[i] - (n_columns - 1 -
    j)`` periods; future step ``s`` is ``last_dates[i] + s`` periods. The
    calendar features are computed once per distinct date of one range
    covering every row, and rows index into it, so the cost hardly depends
    on the number of series.

    Parameters
    ----------
    calendar : EventCalendar
        Events to encode; every event of ``calendar.event_names`` gets one
        code per position of its window.
    last_dates : pandas.Series
        Last date of each panel row, in row order (``Panel.last_dates``).
    n_columns : int
        Number of history columns ``T`` of the panel.
    horizon : int
        Number of future steps (0 for none).
    freq : str
        Frequency of the panel. Daily (``"D"``): positions in days. Weekly
        (``"W"``, ``"W-MON"`` ... ``"W-SUN"``): a week is in an event window
        when any of its days is; its position is the week offset from the
        week holding the main day (-1: the week before). Other frequencies
        (months...) get no events (all codes 0).

    Returns
    -------
    EventGrid

    Raises
    ------
    InvalidParameterError
        If ``calendar`` is not an EventCalendar, ``n_columns`` or ``horizon``
        is not a valid count, or ``last_dates`` has missing dates.

    Notes
    -----
    Where windows of different events overlap, the cell takes the event whose
    main day is nearest (smallest absolute position, so any main day wins);
    ties go to the event with the longer window, then to the one listed
    first in ``calendar.event_names``.

    Examples
    --------
    >>> cal = EventCalendar(festivals=["double_11"])
    >>> last = pd.Series(pd.to_datetime(["2024-11-12", "2024-11-20"]))
    >>> grid = event_grid(cal, last, n_columns=3, horizon=2, freq="D")
    >>> grid.codes.tolist(), grid.future.tolist()
    ([[20, 21, 22], [0, 0, 0]], [[23, 24], [0, 0]])
    >>> grid.labels.set_index("code").loc[[20, 21, 24], ["event", "position", "part"]]
              event  position  part
    code
    20    double_11        -1   pre
    21    double_11         0  main
    24    double_11         3  post
    """
    if not isinstance(calendar, EventCalendar):
        raise InvalidParameterError(
            f"calendar must be a forecastkit.EventCalendar, got {type(calendar).__name__}; "
            "e.g. EventCalendar(country='US', festivals='default')."
        )
    n_columns = positive_int(n_columns, "n_columns")
    horizon = 0 if horizon == 0 else positive_int(horizon, "horizon")
    unit = _unit(freq)
    labels = _labels(calendar, unit)
    lasts = _last_days(last_dates, freq, unit)
    dtype = np.int16 if len(labels) < np.iinfo(np.int16).max else np.int32
    width = n_columns + horizon
    if unit is None or lasts.size == 0 or labels.empty:
        return EventGrid(np.zeros((lasts.size, width), dtype), n_columns, labels, freq)
    step = 1 if unit == "D" else 7
    offsets = (lasts - lasts.min()) // step
    base = int(lasts.min()) - step * (n_columns - 1)
    days = base + step * np.arange(int(offsets.max()) + width, dtype=np.int64)
    line = _line_codes(calendar, days, freq, unit, labels).astype(dtype)
    cells = sliding_window_view(line, width)[offsets]
    logger.debug("event_grid: %d distinct dates for %d rows", days.size, lasts.size)
    return EventGrid(np.ascontiguousarray(cells), n_columns, labels, freq)


def _unit(freq: Any) -> str | None:
    """``"D"`` (daily), ``"W"`` (weekly) or None (no events at this frequency)."""
    if not isinstance(freq, str):
        raise InvalidParameterError(f"freq must be a pandas alias such as 'D', got {freq!r}.")
    try:
        kind = _parse_freq(freq)[0]
    except FrequencyError:
        kind = None
    if kind in ("D", "W"):
        return kind
    logger.info("event_grid: no event codes at freq=%r (daily and weekly only)", freq)
    return None


def _last_days(last_dates: Any, freq: str, unit: str | None) -> np.ndarray:
    """Day numbers of the last dates; weekly: the end of the week holding each."""
    stamps = pd.to_datetime(pd.Series(last_dates).reset_index(drop=True))
    if stamps.isna().any():
        raise InvalidParameterError(
            f"last_dates has {int(stamps.isna().sum())} missing dates; pass each panel row's "
            "last observed date (Panel.last_dates)."
        )
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = _day_numbers(stamps.to_numpy())
    if unit == "W":
        days = _period_bounds(days, _parse_freq(freq))[1]
    return days


def _event_extents(calendar: EventCalendar) -> dict[str, tuple[int, int]]:
    """Widest ``(lower, upper)`` window in days of every full event of the calendar."""
    config = calendar._config()
    user = config.user
    holiday = [config.default_window, *config.holiday_windows.values()]
    out = {}
    for name in config.events:
        if name in config.festivals:
            out[name] = config.festivals[name]
        elif (user["event"] == name).any():
            part = user[user["event"] == name]
            out[name] = (int(part["lower"].min()), int(part["upper"].max()))
        elif name == "holiday":  # holidays_as="one": every holiday's window
            out[name] = (min(w[0] for w in holiday), max(w[1] for w in holiday))
        else:
            out[name] = config.holiday_windows.get(name, config.default_window)
    return out


def _weeks(days: np.ndarray) -> np.ndarray:
    """Week offset of a week whose in-window day nearest the main day is ``days`` away."""
    days = np.asarray(days, dtype=np.int64)
    return np.sign(days) * ((np.abs(days) + 6) // 7)


def _labels(calendar: EventCalendar, unit: str | None) -> pd.DataFrame:
    """The code table: one row per (event, position), codes from 1, calendar order."""
    columns = ["code", "event", "position", "part", "lower", "upper", "days"]
    rows: list[tuple[int, str, int, str, int, int, int]] = []
    if unit is not None:
        for name, (lower, upper) in _event_extents(calendar).items():
            days = upper - lower + 1
            if unit == "W":
                lower, upper = (int(v) for v in _weeks(np.array([lower, upper])))
            for pos in range(lower, upper + 1):
                part = _PARTS[int(np.sign(pos)) + 1]
                rows.append((len(rows) + 1, name, pos, part, lower, upper, days))
    frame = pd.DataFrame(rows, columns=columns)
    frame["event"] = frame["event"].astype(object)
    frame["part"] = frame["part"].astype(object)
    for col in ("code", "position", "lower", "upper", "days"):
        frame[col] = frame[col].astype(np.int64)
    return frame


def _line_codes(
    calendar: EventCalendar, days: np.ndarray, freq: str, unit: str, labels: pd.DataFrame
) -> np.ndarray:
    """Code of each date of ``days`` (the global line), overlaps resolved by priority."""
    feats = calendar.features(days.astype("datetime64[D]"), freq=None if unit == "D" else freq)
    events = labels.drop_duplicates("event")
    longest = int(events["days"].max())
    n_events = len(events)
    best = np.full(days.size, np.iinfo(np.int64).max)
    code = np.zeros(days.size, dtype=np.int64)
    for e, row in enumerate(events.itertuples(index=False)):
        active = feats[f"ev_{row.event}"].to_numpy() == 1
        pos = feats[f"ev_{row.event}_pos"].to_numpy(dtype=np.int64)
        pos = np.clip(_weeks(pos) if unit == "W" else pos, row.lower, row.upper)
        # priority: nearest main day, then longer window, then calendar order
        key = (np.abs(pos) * (longest + 1) + (longest - row.days)) * n_events + e
        better = active & (key < best)
        code[better] = row.code + pos[better] - row.lower
        best[better] = key[better]
    return code


def _present(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Which codes occur in ``codes`` (counted block by block to bound memory)."""
    seen = np.zeros(n_codes, dtype=bool)
    for start in range(0, codes.shape[0], _CHUNK):
        block = codes[start : start + _CHUNK].ravel()
        seen |= np.bincount(block, minlength=n_codes)[:n_codes] > 0
    return seen


def _exog_table(
    labels: pd.DataFrame, present: np.ndarray, shape: str
) -> tuple[list[str], np.ndarray]:
    """Column names and the ``(n_codes, k)`` float32 lookup table of the regressors."""
    if shape not in ("ramp", "step"):
        raise InvalidParameterError(f"shape={shape!r} is not valid; use 'ramp' or 'step'.")
    seen = labels[present[labels["code"].to_numpy()]] if len(labels) else labels
    keys = list(dict.fromkeys(zip(seen["event"], seen["part"], strict=True)))
    keys.sort(key=lambda k: _PARTS.index(k[1]))
    order = list(dict.fromkeys(seen["event"]))
    keys.sort(key=lambda k: order.index(k[0]))
    table = np.zeros((len(labels) + 1, len(keys)), dtype=np.float32)
    column = {k: j for j, k in enumerate(keys)}
    for row in labels.itertuples(index=False):
        j = column.get((row.event, row.part))
        if j is None:
            continue
        value = 1.0
        if shape == "ramp" and row.part == "pre":
            value = (row.position - row.lower + 1) / -row.lower
        elif shape == "ramp" and row.part == "post":
            value = (row.upper + 1 - row.position) / row.upper
        table[row.code, j] = value
    return [f"{event}_{part}" for event, part in keys], table


# ------------------------------------------------------------------ effects
@dataclass(frozen=True)
class EventEffects:
    """Multiplicative event effects per series and event code.

    Attributes
    ----------
    effects : numpy.ndarray
        ``(n_series, n_codes)`` float64 multipliers; column 0 (no event) is 1.
    pooled : numpy.ndarray
        ``(n_codes,)`` panel-wide ratio ``R_c`` (1 where not estimated).
    occurrences : numpy.ndarray
        ``(n_codes,)`` most cells with a baseline any one series had per code.
    tau : numpy.ndarray
        ``(n_codes,)`` between-series standard deviation of the ratios.
    estimated : numpy.ndarray
        ``(n_codes,)`` bool: the code had enough occurrences to get an effect.
    """

    effects: np.ndarray
    pooled: np.ndarray
    occurrences: np.ndarray
    tau: np.ndarray
    estimated: np.ndarray

    @property
    def n_codes(self) -> int:
        return self.effects.shape[1]

    def multipliers(self, codes: np.ndarray, rows: Any = None) -> np.ndarray:
        """Effect of every cell, ``codes.shape`` float64 (1 outside events).

        Multiply point forecasts and sample paths of the event-free model by
        it on the future cells, and forecast variances by its square. Codes
        beyond the table (events the history never had) get 1.

        Parameters
        ----------
        codes : numpy.ndarray
            ``(n_rows, n_cells)`` codes, e.g. ``EventGrid.future``.
        rows : array-like of int or bool, optional
            Series (rows of ``effects``) that ``codes`` belong to; all by default.
        """
        effects = self.effects if rows is None else self.effects[rows]
        codes = _check_codes(codes, "codes", effects.shape[0])
        out = np.empty(codes.shape, dtype=np.float64)
        for start in range(0, codes.shape[0], _CHUNK):
            block = slice(start, start + _CHUNK)
            out[block] = _lookup(effects[block], codes[block])
        return out

    def adjust(self, Y: np.ndarray, codes: np.ndarray, rows: Any = None) -> np.ndarray:
        """History with the events taken out: ``Y`` divided by the cells' effects.

        Returns a new float64 array; NaN (padding, missing) and zeros stay
        as they are.
        """
        arr = np.asarray(Y, dtype=np.float64)
        if arr.ndim != 2 or np.shape(codes) != arr.shape:
            raise InvalidParameterError(
                f"Y {arr.shape} and codes {np.shape(codes)} must be 2-D arrays of the same "
                "shape (the panel and EventGrid.codes)."
            )
        effects = self.effects if rows is None else self.effects[rows]
        codes = _check_codes(codes, "codes", effects.shape[0])
        out = np.empty(arr.shape, dtype=np.float64)
        for start in range(0, arr.shape[0], _CHUNK):
            block = slice(start, start + _CHUNK)
            np.divide(arr[block], _lookup(effects[block], codes[block]), out=out[block])
        return out

    def summary(self, labels: pd.DataFrame) -> pd.DataFrame:
        """One row per code of ``labels``: pooled ratio, spread and median series effect."""
        code = labels["code"].to_numpy(dtype=np.int64)
        code = code[code < self.n_codes]
        out = labels.set_index("code").loc[code].reset_index()
        out["pooled"] = self.pooled[code]
        out["median_effect"] = np.median(self.effects[:, code], axis=0) if code.size else []
        out["tau"] = self.tau[code]
        out["occurrences"] = self.occurrences[code]
        out["estimated"] = self.estimated[code]
        return out


def _lookup(effects: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``effects[i, codes[i, t]]``, 1 for codes beyond the table."""
    n_codes = effects.shape[1]
    known = codes < n_codes
    index = np.where(known, codes, 0).astype(np.intp)
    return np.where(known, np.take_along_axis(effects, index, axis=1), 1.0)


def fit_event_effects(
    Y: np.ndarray,
    codes: np.ndarray,
    *,
    season_length: int,
    n_codes: int | None = None,
    neighbors: int = 8,
    min_occurrences: int = 2,
    shrinkage: float = 1.0,
    clip: tuple[float, float] = (0.1, 10.0),
) -> EventEffects:
    """Estimate a multiplicative effect per series and event code.

    See the module docstring for the estimator.

    Parameters
    ----------
    Y : numpy.ndarray
        Right-aligned panel ``(n_series, T)``, NaN where unobserved.
    codes : numpy.ndarray
        Event codes of the cells, same shape (``EventGrid.codes``).
    season_length : int
        Spacing of the neighbours a baseline is built from: the short cycle
        the comparison must respect. 7 for daily data (same weekday), 1 for
        weekly data (adjacent weeks; not 52, which would compare with last
        year's event).
    n_codes : int, optional
        Size of the code table (``EventGrid.n_codes``), so that codes absent
        from the history still get a column (effect 1); default
        ``codes.max() + 1``.
    neighbors : int, default=8
        Neighbours on each side (8 weeks around a day of daily data), wide
        enough to reach past a long festival window such as Double 11's.
    min_occurrences : int, default=2
        A code gets an effect only when some series has it on at least this
        many cells with a baseline (two festivals, not one anomaly).
    shrinkage : float, default=1.0
        Multiplies each series' sampling variance in the shrinkage weight:
        0 keeps every series' own ratio, 1 is empirical Bayes, ``inf``
        gives every series the panel-wide ratio.
    clip : (float, float), default=(0.1, 10.0)
        Range of the effects (``low <= 1 <= high``).

    Returns
    -------
    EventEffects

    Raises
    ------
    InvalidParameterError
        On a bad panel, codes of another shape or negative, or a bad option.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.poisson(20.0, (50, 140)).astype(float)
    >>> codes = np.zeros(Y.shape, dtype=np.int16)
    >>> codes[:, [40, 75, 110]] = 1
    >>> Y[:, [40, 75, 110]] = rng.poisson(60.0, (50, 3))
    >>> fit = fit_event_effects(Y, codes, season_length=7)
    >>> fit.effects.shape, round(float(fit.pooled[1]), 2)  # true lift 60 / 20 = 3
    ((50, 2), 3.01)

    Every series has the same lift; their own ratios (three event days
    each) are shrunk toward the pooled one, and the adjusted history is back
    at the level of 20:

    >>> own = Y[:, [40, 75, 110]].sum(axis=1) / 60.0
    >>> round(float(np.ptp(own)), 2), round(float(np.ptp(fit.effects[:, 1])), 2)
    (1.3, 0.65)
    >>> round(float(fit.adjust(Y, codes)[:, [40, 75, 110]].mean()), 1)
    19.9
    """
    estimate = EventEstimate(
        Y,
        codes,
        season_length=season_length,
        n_codes=n_codes,
        neighbors=neighbors,
        min_occurrences=min_occurrences,
        shrinkage=shrinkage,
        clip=clip,
    )
    result = estimate.result(estimate_alone(estimate))
    logger.info(
        "event effects: %d of %d codes estimated (min_occurrences=%d)",
        int(result.estimated.sum()),
        result.n_codes - 1,
        estimate.options["min_occurrences"],
    )
    return result


class EventEstimate:
    """:func:`fit_event_effects` (same parameters) in two rounds of sums over series.

    Round 0 sums each code's actuals and baselines (``R_c``), round 1 the
    DerSimonian-Laird weights and deviations from ``R_c`` (``tau_c^2``);
    :meth:`result` shrinks every series' ratio with the merged sums. Alone
    (:func:`~forecastkit.timeseries._profile.estimate_alone`) it is
    :func:`fit_event_effects`; on disjoint groups of whole series, with each
    round's sums merged across the groups, each gets its rows of the whole
    panel's effects.
    """

    n_rounds = 2

    def __init__(
        self,
        Y: np.ndarray,
        codes: np.ndarray,
        *,
        season_length: int,
        n_codes: int | None = None,
        neighbors: int = 8,
        min_occurrences: int = 2,
        shrinkage: float = 1.0,
        clip: tuple[float, float] = (0.1, 10.0),
    ) -> None:
        Y = _check_panel(Y)
        codes = _check_codes(codes, "codes", Y.shape[0])
        if codes.shape != Y.shape:
            raise InvalidParameterError(
                f"codes has shape {codes.shape} but Y has {Y.shape}; pass EventGrid.codes of "
                "the same panel."
            )
        options = _check_options(season_length, neighbors, min_occurrences, shrinkage, clip)
        top = int(codes.max()) + 1 if codes.size else 1
        n_codes = top if n_codes is None else positive_int(n_codes, "n_codes")
        if n_codes < top:
            raise InvalidParameterError(
                f"codes go up to {top - 1} but n_codes={n_codes}; pass EventGrid.n_codes."
            )
        empty = np.zeros((0, n_codes))
        parts = [(empty, empty, empty.astype(np.int64), np.zeros(0))]  # for 0 rows
        parts += [
            _block_stats(Y[s : s + _CHUNK], codes[s : s + _CHUNK], options, n_codes)
            for s in range(0, Y.shape[0], _CHUNK)
        ]
        self.a, self.b, self.cells, self.phi = (np.concatenate(p) for p in zip(*parts, strict=True))
        # a baseline below 1e-9 units carries no ratio (and 1 / b would overflow)
        self.valid = (self.cells > 0) & (self.b > 1e-9)
        self.options = options

    def _weights(self, pooled: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each series' own ratio, its sampling variance and inverse-variance weight."""
        own = np.divide(self.a, self.b, out=np.zeros_like(self.a), where=self.valid)
        var = self.phi[:, None] * np.maximum(pooled, 1e-9) / np.where(self.valid, self.b, 1.0)
        return own, var, np.where(self.valid, 1.0 / var, 0.0)

    def statistics(self, r: int, merged: Sequence[PanelSums]) -> PanelSums:
        """This panel's sums of round ``r`` given the merged sums of the rounds before."""
        if r == 0:
            terms = {
                "a": np.where(self.valid, self.a, 0.0),
                "b": np.where(self.valid, self.b, 0.0),
                "k": self.valid.astype(np.int64),
            }
            return PanelSums(terms, maxima={"occurrences": self.cells})
        if r == 1:
            pooled = _pooled(merged[0])
            own, _, w = self._weights(pooled)
            return PanelSums({"sw": w, "sw2": w**2, "q": w * (own - pooled) ** 2})
        raise InvalidParameterError(f"round {r} is not one of 0..{self.n_rounds - 1}")

    def result(self, merged: Sequence[PanelSums]) -> EventEffects:
        """Every series' effects from the merged sums of the two rounds (module docstring)."""
        totals, spread = merged[0], merged[1]
        pooled = _pooled(totals)
        own, var, _ = self._weights(pooled)
        sw, k = spread["sw"], totals["k"]
        denom = sw - spread["sw2"] / np.maximum(sw, 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            tau2 = (spread["q"] - (k - 1)) / denom
            tau2 = np.where((k >= 2) & (denom > 0), np.maximum(0.0, tau2), 0.0)
        shrink = self.options["shrinkage"]
        if shrink == 0:
            weight = self.valid.astype(np.float64)
        else:
            with np.errstate(invalid="ignore"):
                weight = np.where(self.valid, tau2 / (tau2 + shrink * var), 0.0)
            weight = np.nan_to_num(weight, nan=0.0)
        effects = pooled + weight * (own - pooled)
        occurrences = totals["occurrences"]
        estimated = (occurrences >= self.options["min_occurrences"]) & (totals["b"] > 0)
        estimated[0] = False
        low, high = self.options["clip"]
        effects = np.clip(np.where(estimated, effects, 1.0), low, high)
        pooled = np.clip(np.where(estimated, pooled, 1.0), low, high)
        effects[:, 0] = 1.0
        return EventEffects(effects, pooled, occurrences, np.sqrt(tau2), estimated)


def _pooled(totals: PanelSums) -> np.ndarray:
    """Panel-wide ratio ``R_c`` (1 where no series has a baseline)."""
    a, b = totals["a"], totals["b"]
    return np.divide(a, b, out=np.ones_like(a), where=b > 0)


def _check_panel(Y: Any) -> np.ndarray:
    arr = np.asarray(Y, dtype=np.float64)
    if arr.ndim != 2 or np.isinf(arr).any():
        raise InvalidParameterError(
            f"Y must be a 2-D panel (n_series, T) without infinite values; got shape "
            f"{arr.shape}. Build it with forecastkit.timeseries._panel.to_panel."
        )
    return arr


def _check_codes(codes: Any, name: str, n_rows: int) -> np.ndarray:
    arr = np.asarray(codes)
    if arr.ndim != 2 or arr.shape[0] != n_rows or not np.issubdtype(arr.dtype, np.integer):
        raise InvalidParameterError(
            f"{name} must be a 2-D integer array with {n_rows} rows (one per series); got "
            f"dtype {arr.dtype} and shape {arr.shape}. Use EventGrid.codes or .future."
        )
    if arr.size and arr.min() < 0:
        raise InvalidParameterError(f"{name} has negative codes; codes are 0 (no event) or more.")
    return arr


def _check_options(
    season_length: Any, neighbors: Any, min_occurrences: Any, shrinkage: Any, clip: Any
) -> dict[str, Any]:
    ok = isinstance(shrinkage, numbers.Real) and not isinstance(shrinkage, bool)
    if not ok or math.isnan(shrinkage) or shrinkage < 0:
        raise InvalidParameterError(
            f"shrinkage must be a number >= 0 (0: no shrinkage, 1: empirical Bayes, inf: "
            f"pooled ratio only); got {shrinkage!r}."
        )
    try:
        low, high = (float(v) for v in clip)
    except (TypeError, ValueError):
        low, high = math.nan, math.nan
    if not 0 < low <= 1 <= high < math.inf:
        raise InvalidParameterError(
            f"clip must be a pair (low, high) with 0 < low <= 1 <= high; got {clip!r}, "
            "e.g. clip=(0.1, 10.0)."
        )
    return {
        "step": positive_int(season_length, "season_length"),
        "neighbors": positive_int(neighbors, "neighbors"),
        "min_occurrences": positive_int(min_occurrences, "min_occurrences"),
        "shrinkage": float(shrinkage),
        "clip": (low, high),
    }


def _baseline(
    Y: np.ndarray, clean: np.ndarray, step: int, neighbors: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the clean cells ``+-step .. +-neighbors*step`` away, and their count.

    The columns are folded into ``step`` phases (a phase per weekday for
    ``step=7``); along each phase a cumulative sum gives every window sum at
    once, whatever ``neighbors``, and the cell itself is taken out.
    """
    n, width = Y.shape
    rows = -(-width // step)
    pad = rows * step - width  # left padding so that phases line up
    k = neighbors
    sums = []
    for part in (np.where(clean, Y, 0.0), clean.astype(np.float64)):
        folded = np.zeros((n, rows * step))
        folded[:, pad:] = part
        folded = folded.reshape(n, rows, step)
        # cum[:, k + 1 + j] = sum of folded[:, :j + 1], flat (0 / total) beyond the ends
        cum = np.zeros((n, rows + 2 * k + 1, step))
        np.cumsum(folded, axis=1, out=cum[:, k + 1 : k + 1 + rows])
        cum[:, k + 1 + rows :] = cum[:, k + rows : k + 1 + rows]
        window = cum[:, 2 * k + 1 :] - cum[:, :rows] - folded
        # rounding of the differences: exact zeros where the window is empty
        tol = 1e-10 * np.abs(folded).sum(axis=(1, 2))
        window[np.abs(window) <= tol[:, None, None]] = 0.0
        sums.append(window.reshape(n, rows * step)[:, pad:])
    total, count = sums
    count = np.rint(count)  # exact small integers despite the subtraction
    base = np.divide(total, count, out=np.zeros_like(total), where=count >= _MIN_NEIGHBORS)
    return np.maximum(base, 0.0), count


def _block_stats(Y: np.ndarray, codes: np.ndarray, options: dict, n_codes: int):
    """Per series and code: sums of actuals, of baselines, cell counts; and dispersion."""
    observed = ~np.isnan(Y)
    event = codes != 0
    base, count = _baseline(Y, observed & ~event, options["step"], options["neighbors"])
    enough = count >= _MIN_NEIGHBORS
    use = observed & event & enough
    n = Y.shape[0]
    index = (np.arange(n)[:, None] * n_codes + codes)[use]
    size = n * n_codes
    # (float: bincount of an empty selection returns int64 even with weights)
    a = np.bincount(index, weights=Y[use], minlength=size).astype(np.float64)
    b = np.bincount(index, weights=base[use], minlength=size).astype(np.float64)
    a, b = a.reshape(n, n_codes), b.reshape(n, n_codes)
    cells = np.bincount(index, minlength=size).reshape(n, n_codes)
    # quasi-Poisson dispersion from the non-event cells, baseline noise removed
    fit = observed & ~event & enough & (base > 0)
    resid = np.where(fit, Y - base, 0.0)
    scale = np.where(fit, base * (1.0 + 1.0 / np.maximum(count, 1.0)), 1.0)
    used = fit.sum(axis=1)
    phi = np.where(used > 0, (resid**2 / scale).sum(axis=1) / np.maximum(used, 1), 1.0)
    return a, b, cells, np.maximum(phi, 1e-2)
