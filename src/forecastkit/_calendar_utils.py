"""Day-number arithmetic and vectorised feature kernels of :mod:`forecastkit.calendar`.

Dates are int64 day numbers (days since 1970-01-01). This module parses the
``freq`` of :meth:`forecastkit.calendar.EventCalendar.features` into a period
kind, maps days to their day/week/month periods, expands periods into a grid of
days, and computes the per-period window and distance features of one event
with :func:`numpy.searchsorted` and ``reduceat``. Private: the public entry
point is :class:`forecastkit.calendar.EventCalendar`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from forecastkit.errors import DataValidationError, FrequencyError

_WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}
_FREQ = re.compile(r"^(?:1?(D)|(W)(?:-(MON|TUE|WED|THU|FRI|SAT|SUN))?|(M|ME|MS))$")


def _day_numbers(values: Any) -> np.ndarray:
    """Days since 1970-01-01 (int64) of datetime-like values."""
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _timestamps(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _years_of(days: Any) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _parse_freq(freq: Any) -> tuple[str, int]:
    """``("D", 0)``, ``("W", weekday the week ends on)`` or ``("MS"|"ME", 0)``."""
    match = _FREQ.match(freq) if isinstance(freq, str) else None
    if freq is None or (match and match.group(1)):
        return "D", 0
    if match is None:
        raise FrequencyError(
            f"freq={freq!r} is not supported; use None or 'D' (daily), 'W' or 'W-MON'...'W-SUN' "
            "(weeks ending on that day, pandas' convention) or 'MS'/'ME' (calendar months)."
        )
    if match.group(2):
        return "W", _WEEKDAYS[match.group(3) or "SUN"]
    return ("MS" if freq == "MS" else "ME"), 0


def _period_bounds(days: np.ndarray, step: tuple[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of the period (day, week or month) holding each day."""
    kind, weekday = step
    if kind == "D":
        return days, days
    if kind == "W":
        end = days + (weekday - (days + 3) % 7) % 7  # 1970-01-01 was a Thursday (3)
        return end - 6, end
    month = days.astype("datetime64[D]").astype("datetime64[M]")
    start = month.astype("datetime64[D]").astype(np.int64)
    return start, (month + 1).astype("datetime64[D]").astype(np.int64) - 1


def _date_range(start: Any, end: Any, step: tuple[str, int]) -> np.ndarray:
    """Period labels in ``[start, end]``: days, week ends, month starts or ends."""
    try:
        lo, hi = (int(_day_numbers(pd.Timestamp(v).to_datetime64())) for v in (start, end))
    except (TypeError, ValueError) as err:
        raise DataValidationError(
            f"start={start!r} and end={end!r} must be dates such as '2024-01-01'."
        ) from err
    if hi < lo:
        raise DataValidationError(f"end={end!r} is before start={start!r}; swap them.")
    if step[0] == "D":
        return np.arange(lo, hi + 1)
    if step[0] == "W":
        return np.arange(_period_bounds(np.array([lo]), step)[1][0], hi + 1, 7)
    first, last = (np.datetime64(int(d), "D").astype("datetime64[M]") for d in (lo, hi))
    months = np.arange(first, last + 1).astype("datetime64[D]").astype(np.int64)
    labels = _period_bounds(months, step)[0 if step[0] == "MS" else 1]
    return labels[(labels >= lo) & (labels <= hi)]


def _window_hits(
    grid: np.ndarray, occ: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each grid day lies in an occurrence's window, and its position there.

    Every window is expanded into its days; where windows overlap, the
    occurrence nearest to the day wins, ties going to the earlier occurrence.
    """
    if len(occ) == 0:
        return np.zeros(len(grid), bool), np.zeros(len(grid), np.int64)
    lengths = upper - lower + 1
    owner = np.repeat(np.arange(len(occ)), lengths)
    pos = lower[owner] + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    day = occ[owner] + pos
    order = np.lexsort((-pos, np.abs(pos), day))
    day, pos = day[order], pos[order]
    first = np.r_[True, day[1:] != day[:-1]]
    day, pos = day[first], pos[first]
    j = np.minimum(np.searchsorted(day, grid), len(day) - 1)
    hit = day[j] == grid
    return hit, np.where(hit, pos[j], 0)


def _distances(grid: np.ndarray, occ: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Days to the next and since the last main day (0 on it), capped at ``cap``."""
    to = np.full(len(grid), cap, dtype=np.int64)
    since = np.full(len(grid), cap, dtype=np.int64)
    if len(occ):
        nxt = np.searchsorted(occ, grid, side="left")
        has = nxt < len(occ)
        to[has] = np.minimum(occ[nxt[has]] - grid[has], cap)
        prev = np.searchsorted(occ, grid, side="right") - 1
        has = prev >= 0
        since[has] = np.minimum(grid[has] - occ[prev[has]], cap)
    return to, since


def _make_grid(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All days of the periods, period after period, with each period's first/last index."""
    lengths = ends - starts + 1
    first = np.cumsum(lengths) - lengths
    days = np.repeat(starts, lengths) + np.arange(lengths.sum()) - np.repeat(first, lengths)
    return days, first, first + lengths - 1


def _event_columns(
    grid: tuple[np.ndarray, np.ndarray, np.ndarray], frame: pd.DataFrame, cap: int, counts: bool
) -> dict[str, np.ndarray]:
    """Per-period feature arrays of one event, keyed by column suffix."""
    days, first, last = grid
    occ = frame["day"].to_numpy(dtype=np.int64)
    hit, pos = _window_hits(
        days, occ, frame["lower"].to_numpy(dtype=np.int64), frame["upper"].to_numpy(dtype=np.int64)
    )
    to, since = _distances(days, occ, int(cap))
    # Position nearest the main day: encode |pos| with the sign as tie-breaker
    # (positive first), take the minimum per period, decode.
    big = np.iinfo(np.int64).max
    best = np.minimum.reduceat(np.where(hit, 2 * np.abs(pos) + (pos < 0), big), first)
    out = {"": np.maximum.reduceat(hit.astype(np.int8), first)}
    if counts:
        out["_days"] = np.add.reduceat(hit.astype(np.int64), first)
    out["_pos"] = np.where(best == big, 0, np.where(best % 2 == 1, -(best // 2), best // 2))
    out["_days_to"] = to[first]
    out["_days_since"] = since[last]
    return out
