"""Calendar and event features of the LightGBM forecaster, computed once per distinct date.

Rows follow the shared layout of :mod:`forecastkit.ml`: sorted by series then
date, ``codes`` (series index of each row), ``starts`` (row offsets, series
``i`` is ``rows[starts[i]:starts[i + 1]]``) and ``dates`` (``datetime64[ns]``).
Date features depend on the date alone, so they are computed for the distinct
dates (a few thousand) and gathered back to the rows (tens of millions).

This module also holds the row-layout checks shared by the other exogenous
feature families (:mod:`forecastkit.ml._promo`, :mod:`forecastkit.ml._weather`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from forecastkit._calendar_utils import _period_bounds
from forecastkit._grid import _DAY, _grid_from_freq
from forecastkit.calendar import EventCalendar
from forecastkit.errors import (
    FrequencyError,
    InvalidParameterError,
    format_values,
)
from forecastkit.ml._layout import _as_ns

__all__ = ["DATE_FAMILIES", "DEFAULT_ORIGIN", "date_feature_table", "date_features"]

logger = logging.getLogger(__name__)

#: Feature families of :func:`date_features`.
DATE_FAMILIES: tuple[str, ...] = ("calendar", "events")

#: Origin of ``cal_trend`` when none is given: a fixed date, so that the
#: index is the same at fit and predict time.
DEFAULT_ORIGIN = np.datetime64("2000-01-01", "ns")

_WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_DENSE_LIMIT = 1 << 26  # widest day span indexed with a lookup table


def _date_index(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct int64 ns dates and each row's index into them.

    Equivalent to ``np.unique(stamps, return_inverse=True)``; when every date
    is a midnight (daily and coarser data) a lookup table over the day span
    replaces the sort, so the cost is linear in the rows.
    """
    if len(stamps) == 0:
        return stamps[:0], np.zeros(0, dtype=np.intp)
    low = int(stamps.min())
    days, rest = np.divmod(stamps - low, _DAY)
    span = int(days.max()) + 1
    if rest.any() or span > _DENSE_LIMIT:
        uniq, found = np.unique(stamps, return_inverse=True)
        return uniq, found.ravel().astype(np.intp, copy=False)
    present = np.zeros(span, dtype=bool)
    present[days] = True
    day_ids = np.flatnonzero(present)
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return day_ids * _DAY + low, lookup[days].astype(np.intp, copy=False)


# --------------------------------------------------------------------------- frequency
def _freq_kind(freq: Any) -> tuple[str, int]:
    """``("sub", step ns)``, ``("D", step days)``, ``("W", weekday)`` or ``("M", months)``."""
    grid = _grid_from_freq(freq)
    if grid.calendar:
        return "M", int(grid.step)
    if grid.weekday is not None:
        return "W", int(grid.weekday)
    if grid.step % _DAY == 0:
        return "D", int(grid.step // _DAY)
    return "sub", int(grid.step)


def _trend(uniq: np.ndarray, kind: tuple[str, int], origin: np.datetime64) -> np.ndarray:
    """Whole periods from ``origin`` to each date (negative before it)."""
    start = int(np.asarray(origin).astype("datetime64[ns]").astype(np.int64))
    if kind[0] == "M":
        months = uniq.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        first = np.datetime64(start, "ns").astype("datetime64[M]").astype(np.int64)
        return (months - first) // kind[1]
    step = {"sub": kind[1], "D": kind[1] * _DAY, "W": 7 * _DAY}[kind[0]]
    return (uniq - start) // step


def _day_flags(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each day number is a month-end day (last 3) and a payday (1st, 15th, last)."""
    month = days.astype("datetime64[D]").astype("datetime64[M]")
    first = month.astype("datetime64[D]").astype(np.int64)
    length = (month + 1).astype("datetime64[D]").astype(np.int64) - first
    dom = days - first + 1
    return dom > length - 3, (dom == 1) | (dom == 15) | (dom == length)


def _calendar_columns(
    uniq: np.ndarray, kind: tuple[str, int], origin: np.datetime64
) -> dict[str, np.ndarray]:
    """Calendar features of the distinct dates, the ones meaningful at this frequency."""
    index = pd.DatetimeIndex(uniq.view("datetime64[ns]"))
    out: dict[str, np.ndarray] = {}
    if kind[0] == "sub":
        out["cal_hour"] = np.asarray(index.hour + index.minute / 60.0)
    if kind[0] in ("sub", "D"):
        days = uniq // _DAY
        month_end, payday = _day_flags(days)
        out["cal_dayofweek"] = np.asarray(index.day_of_week)
        out["cal_dayofmonth"] = np.asarray(index.day)
        out["cal_weekofyear"] = index.isocalendar()["week"].to_numpy(dtype=np.int64)
        out["cal_month"] = np.asarray(index.month)
        out["cal_month_end"] = month_end
        out["cal_payday"] = payday
    elif kind[0] == "W":
        last = _period_bounds(uniq // _DAY, ("W", kind[1]))[1]
        flags = [_day_flags(last - k) for k in range(7)]
        out["cal_weekofyear"] = index.isocalendar()["week"].to_numpy(dtype=np.int64)
        out["cal_month"] = np.asarray(index.month)
        out["cal_month_end"] = np.sum([f[0] for f in flags], axis=0)
        out["cal_payday"] = np.sum([f[1] for f in flags], axis=0)
    elif kind[1] == 1:
        out["cal_month"] = np.asarray(index.month)
        out["cal_days_in_month"] = np.asarray(index.days_in_month)
    elif kind[1] == 3:
        out["cal_quarter"] = np.asarray(index.quarter)
    out["cal_trend"] = _trend(uniq, kind, origin)
    return out


def _event_columns(
    uniq: np.ndarray, kind: tuple[str, int], calendar: EventCalendar, freq: Any
) -> dict[str, np.ndarray]:
    """``calendar.features`` of the distinct dates, as plain arrays."""
    if not isinstance(calendar, EventCalendar):
        raise InvalidParameterError(
            f"calendar must be a forecastkit.EventCalendar or None, got {type(calendar).__name__}."
        )
    if kind[0] in ("sub", "D"):
        cal_freq = "D"
    elif kind[0] == "W":
        cal_freq = f"W-{_WEEKDAY_NAMES[kind[1]]}"
    elif kind[1] == 1:
        month_end = bool(_grid_from_freq(freq).month_end)
        cal_freq = "ME" if month_end else "MS"
    else:
        raise FrequencyError(
            f"event features support daily, weekly and monthly data, not freq={freq!r}; "
            "drop 'events' from families or aggregate the data to months."
        )
    frame = calendar.features(uniq.view("datetime64[ns]"), freq=cal_freq, time_col="__ds__")
    return {name: frame[name].to_numpy() for name in frame.columns if name != "__ds__"}


def _check_families(families: Any) -> tuple[str, ...]:
    if isinstance(families, str):
        families = (families,)
    families = tuple(families) if isinstance(families, Iterable) else (families,)
    unknown = [f for f in families if f not in DATE_FAMILIES]
    if unknown:
        raise InvalidParameterError(
            f"families has unknown entries {format_values(unknown)}; choose among "
            f"{list(DATE_FAMILIES)}, e.g. families=('calendar',)."
        )
    return families


def _check_origin(origin: Any) -> np.datetime64:
    if origin is None:
        return DEFAULT_ORIGIN
    try:
        value = pd.Timestamp(origin)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(
            f"origin must be a date such as '2020-01-01', got {origin!r}."
        ) from err
    if value is pd.NaT:
        raise InvalidParameterError("origin must be a date such as '2020-01-01', got NaT.")
    return np.datetime64(value.tz_localize(None) if value.tz else value, "ns")


def date_features(
    dates: np.ndarray,
    *,
    freq: str,
    calendar: EventCalendar | None = None,
    origin: Any = None,
    families: Iterable[str] = DATE_FAMILIES,
) -> dict[str, np.ndarray]:
    """Calendar and event features of every row, computed once per distinct date.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64
        Date of each row (any order, repeats expected).
    freq : str
        pandas offset alias of the data (``"D"``, ``"W-SUN"``, ``"MS"``,
        ``"h"``...), e.g. ``PreparedData.freq``. It decides which calendar
        features are meaningful and how event windows map onto periods.
    calendar : EventCalendar or None, default=None
        Source of the event features; None skips the ``"events"`` family.
    origin : date-like or None, default=None
        Date where ``cal_trend`` is 0; None means :data:`DEFAULT_ORIGIN`
        (2000-01-01). Pass the same value at fit and predict time.
    families : iterable of {"calendar", "events"}, default=("calendar", "events")
        Families to compute.

    Returns
    -------
    dict of str to numpy.ndarray
        float32 arrays of length ``len(dates)``, in this order:

        ``"calendar"`` (the ones meaningful at ``freq``):

        * ``cal_hour`` (sub-daily): hour of day, minutes as a fraction;
        * ``cal_dayofweek`` (daily, sub-daily): Monday 0 ... Sunday 6;
        * ``cal_dayofmonth`` (daily, sub-daily): 1-31;
        * ``cal_weekofyear`` (daily, weekly): ISO week, 1-53;
        * ``cal_month`` (daily, weekly, monthly): 1-12;
        * ``cal_month_end`` (daily, weekly): days of the period among the
          last three of a month (0/1 for days, 0-3 for weeks);
        * ``cal_payday`` (daily, weekly): days of the period that are a
          1st, 15th or last day of a month, the usual pay dates;
        * ``cal_days_in_month`` (monthly): 28-31;
        * ``cal_quarter`` (quarterly): 1-4;
        * ``cal_trend``: whole periods since ``origin``.

        ``"events"``: the columns of ``calendar.features(..., freq=...)``
        (``ev_<event>`` indicator, ``ev_<event>_pos``, ``_days_to``,
        ``_days_since``, and ``_days`` counts for weeks and months).

    Raises
    ------
    DataValidationError
        If ``dates`` is not a 1-D datetime64 array or holds NaT.
    FrequencyError
        On an unknown ``freq``, or event features at a quarterly or yearly one.
    InvalidParameterError
        On an unknown family or an unparseable ``origin``.

    See Also
    --------
    date_feature_table : The same features per distinct date, with the row index.

    Notes
    -----
    A weekly date stands for the week ending on it and a monthly date for its
    month (pandas' convention, as in :meth:`EventCalendar.features`). Every
    feature is a function of the row's own date only, so none reads ahead.

    Examples
    --------
    >>> dates = np.array(["2024-11-10", "2024-11-11", "2024-11-10"], dtype="datetime64[ns]")
    >>> X = date_features(dates, freq="D", calendar=EventCalendar(festivals=["double_11"]),
    ...                   origin="2024-11-01")
    >>> X["cal_dayofweek"], X["cal_trend"], X["ev_double_11_days_to"]
    (array([6., 0., 6.], dtype=float32), array([ 9., 10.,  9.], dtype=float32), array([1., 0., 1.], dtype=float32))
    """
    table, inverse = date_feature_table(
        dates, freq=freq, calendar=calendar, origin=origin, families=families
    )
    return {name: np.take(values, inverse) for name, values in table.items()}


def date_feature_table(
    dates: np.ndarray,
    *,
    freq: str,
    calendar: EventCalendar | None = None,
    origin: Any = None,
    families: Iterable[str] = DATE_FAMILIES,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The features of :func:`date_features` for the distinct dates only.

    Use it to gather the columns straight into a preallocated feature matrix
    (``np.take(table[name], inverse, out=X[:, j])``) instead of holding one
    array per row and column.

    Parameters
    ----------
    dates, freq, calendar, origin, families
        As in :func:`date_features`.

    Returns
    -------
    table : dict of str to numpy.ndarray
        float32 column per feature, one value per distinct date (sorted).
    inverse : numpy.ndarray
        ``(len(dates),)`` intp index of each row's date in the table.

    Raises
    ------
    DataValidationError, FrequencyError, InvalidParameterError
        As :func:`date_features`.

    Examples
    --------
    >>> dates = np.array(["2024-01-02", "2024-01-01", "2024-01-02"], dtype="datetime64[ns]")
    >>> table, inverse = date_feature_table(dates, freq="D", families=("calendar",))
    >>> table["cal_dayofweek"], inverse
    (array([0., 1.], dtype=float32), array([1, 0, 1]))
    """
    families = _check_families(families)
    origin = _check_origin(origin)
    kind = _freq_kind(freq)
    stamps = _as_ns(dates, len(np.asarray(dates)))
    uniq, inverse = _date_index(stamps)
    logger.debug("date features: %d rows, %d distinct dates", len(stamps), len(uniq))
    columns: dict[str, np.ndarray] = {}
    if "calendar" in families:
        columns.update(_calendar_columns(uniq, kind, origin))
    if "events" in families and calendar is not None:
        columns.update(_event_columns(uniq, kind, calendar, freq))
    return {name: values.astype(np.float32) for name, values in columns.items()}, inverse
