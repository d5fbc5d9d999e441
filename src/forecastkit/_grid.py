"""Time grids of :mod:`forecastkit.data`: frequency aliases, inference and positions.

A :class:`_Grid` is either a fixed step in nanoseconds (days, hours, anchored
weeks) or a number of calendar months (month, quarter, year starts or ends).
Dates map to integer period positions on it (:func:`_positions`) and back
(:func:`_dates`), which is what gap filling in :func:`forecastkit.data.prepare`
works on. Private: the public entry points are :func:`forecastkit.data.infer_freq`
and :func:`forecastkit.data.prepare`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from forecastkit._checks import _Keys, _where
from forecastkit.errors import DataWarning, FrequencyError, InvalidParameterError

# Records keep the public module's logger name, as before the split.
logger = logging.getLogger("forecastkit.data")

_DAY = 86_400 * 10**9  # nanoseconds
_WEEK = 7 * _DAY
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Aliases that only one side of the pandas 2.2 renaming understands.
_NEW_ALIASES = {"M": "ME", "Q": "QE", "Y": "YE", "A": "YE", "AS": "YS", "H": "h", "T": "min"}
_OLD_ALIASES = {"ME": "M", "QE": "Q", "YE": "A", "YS": "AS", "h": "H", "min": "T"}


@dataclass(frozen=True)
class _Grid:
    """A regular time grid: fixed steps of ``step`` ns, or calendar months."""

    freq: str
    step: int  # nanoseconds, or months when ``calendar``
    phase: int | None = None  # ns offset / month residue; None: read from the data
    calendar: bool = False
    month_end: bool = False
    weekday: int | None = None


def _mode(values: np.ndarray) -> int:
    """Most common value (smallest on ties)."""
    if (values == values[0]).all():
        return int(values[0])
    uniq, counts = np.unique(values, return_counts=True)
    return int(uniq[np.argmax(counts)])


def _to_offset(freq: Any) -> pd.offsets.BaseOffset:
    if isinstance(freq, pd.offsets.BaseOffset):
        return freq
    if not isinstance(freq, str):
        raise FrequencyError(f"freq must be a pandas offset alias such as 'D', got {freq!r}.")
    head, sep, tail = freq.partition("-")
    candidates = [freq] + [t[head] + sep + tail for t in (_NEW_ALIASES, _OLD_ALIASES) if head in t]
    for candidate in candidates:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # deprecated aliases
                return to_offset(candidate)
        except ValueError:
            continue
    raise FrequencyError(
        f"freq={freq!r} is not a pandas frequency; use an alias such as 'D', 'W-FRI', 'MS', "
        "'ME' or 'h'."
    )


def _grid_from_freq(freq: Any) -> _Grid:
    """The grid of an explicit ``freq`` (phase still to be read from the data)."""
    off = _to_offset(freq)
    kind, n = type(off), off.n
    calendar = {
        pd.offsets.MonthBegin: (1, False, 1),
        pd.offsets.MonthEnd: (1, True, 1),
        pd.offsets.QuarterBegin: (3, False, getattr(off, "startingMonth", 1)),
        pd.offsets.QuarterEnd: (3, True, getattr(off, "startingMonth", 1)),
        pd.offsets.YearBegin: (12, False, getattr(off, "month", 1)),
        pd.offsets.YearEnd: (12, True, getattr(off, "month", 1)),
    }
    if kind in calendar and n == 1:
        step, end, month = calendar[kind]
        return _Grid(off.freqstr, step, (month - 1) % step, calendar=True, month_end=end)
    if kind is pd.offsets.Week and off.weekday is not None and n == 1:
        return _Grid(off.freqstr, _WEEK, weekday=off.weekday)
    if n > 0 and kind is pd.offsets.Week and off.weekday is None:
        return _Grid(off.freqstr, n * _WEEK)
    if n > 0 and isinstance(off, pd.offsets.Day):
        return _Grid(off.freqstr, n * _DAY)
    if n > 0 and isinstance(off, pd.offsets.Tick):
        return _Grid(off.freqstr, pd.Timedelta(off).value)
    raise FrequencyError(
        f"freq={freq!r} ({kind.__name__}) is not supported; use a fixed step ('D', 'h', "
        "'15min'), an anchored week ('W-SUN'..'W-SAT') or a month/quarter/year start or end "
        "('MS', 'ME', 'QS', 'QE', 'YS', 'YE')."
    )


def _with_phase(grid: _Grid, ds: np.ndarray) -> _Grid:
    if grid.calendar or grid.phase is not None:
        return grid
    if grid.weekday is not None:
        day = (grid.weekday - _EPOCH_WEEKDAY) % 7
        return replace(grid, phase=(day * _DAY + _mode(ds % _DAY)) % _WEEK)
    return replace(grid, phase=_mode(ds % grid.step))


def _month_parts(ds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months since 1970-01, and whether each date is a month start / month end."""
    months = ds.view("datetime64[ns]").astype("datetime64[M]")
    starts = months.astype("datetime64[ns]").view(np.int64)
    ends = (months + 1).astype("datetime64[ns]").view(np.int64) - _DAY
    return months.astype(np.int64), ds == starts, ds == ends


def _positions(grid: _Grid, ds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer period positions of the dates, and whether each lies on the grid."""
    if not grid.calendar:
        rel = ds - grid.phase
        return rel // grid.step, rel % grid.step == 0
    months, is_start, is_end = _month_parts(ds)
    rel = months - grid.phase
    return rel // grid.step, (is_end if grid.month_end else is_start) & (rel % grid.step == 0)


def _dates(grid: _Grid, pos: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_positions`: int64 nanoseconds of period positions."""
    if not grid.calendar:
        return pos * grid.step + grid.phase
    months = pos * grid.step + grid.phase + int(grid.month_end)
    stamps = months.astype("datetime64[M]").astype("datetime64[ns]").view(np.int64)
    return stamps - _DAY if grid.month_end else stamps


def _calendar_alias(step: int, residue: int, end: bool) -> str:
    if step == 1:
        off = pd.offsets.MonthEnd() if end else pd.offsets.MonthBegin()
    elif step == 3:  # QE-OCT/NOV/DEC and QS-JAN/FEB/MAR cover the three quarter phases
        off = (
            pd.offsets.QuarterEnd(startingMonth=residue + 10)
            if end
            else (pd.offsets.QuarterBegin(startingMonth=residue + 1))
        )
    else:
        off = (
            pd.offsets.YearEnd(month=residue + 1)
            if end
            else pd.offsets.YearBegin(month=residue + 1)
        )
    return off.freqstr


def _infer_calendar(ds: np.ndarray, gaps: np.ndarray, valid: np.ndarray) -> _Grid | None:
    if gaps[valid].min() < 28 * _DAY:
        return None
    months, is_start, is_end = _month_parts(ds)
    if not (is_start.all() or is_end.all()):
        return None
    step = _mode(np.diff(months)[valid])
    if step not in (1, 3, 12):
        return None
    end = not is_start.all()
    residue = _mode(months % step)
    return _Grid(_calendar_alias(step, residue, end), step, residue, True, end)


def _tick_alias(step: int) -> str:
    if step % _DAY == 0:
        return "D" if step == _DAY else f"{step // _DAY}D"
    return to_offset(pd.Timedelta(step)).freqstr


def _infer_grid(keys: _Keys) -> _Grid:
    ds = keys.ds
    gaps = np.diff(ds)
    valid = (keys.codes[1:] == keys.codes[:-1]) & (gaps > 0)
    if not valid.any():
        raise FrequencyError(
            f"cannot infer the frequency: each of the {len(keys.uniques)} series has a single "
            "date; pass freq=... explicitly, e.g. freq='D' or freq='W-SUN'."
        )
    grid = _infer_calendar(ds, gaps, valid)
    if grid is not None:
        return grid
    step = _mode(gaps[valid])
    bad = np.r_[False, valid & (gaps % step != 0)]
    if bad.any():
        raise FrequencyError(
            f"cannot infer the frequency: the most common gap is {pd.Timedelta(step)}, but "
            f"{int(bad.sum())} gaps are not multiples of it, ending {_where(keys, bad)}; "
            "pass freq=... explicitly or align the dates to one grid." + _monthly_hint(step)
        )
    if step == _WEEK:
        phase = _mode(ds % _WEEK)
        weekday = pd.Timestamp(phase).weekday()
        return _Grid(pd.offsets.Week(weekday=weekday).freqstr, _WEEK, phase, weekday=weekday)
    return _Grid(_tick_alias(step), step, _mode(ds % step))


def _monthly_hint(step: int) -> str:
    """For dates about a month apart but not on month starts or ends."""
    if not 28 * _DAY <= step <= 92 * _DAY:
        return ""
    return (
        " Monthly or quarterly dates must fall on period starts or ends: e.g. "
        "df['ds'] = df['ds'].dt.to_period('M').dt.to_timestamp() labels each month by its "
        "first day."
    )


def _grid_positions(keys: _Keys, grid: _Grid, *, explicit: bool) -> np.ndarray:
    """Positions of every date; FrequencyError naming the dates off the grid."""
    pos, on = _positions(grid, keys.ds)
    if on.all():
        return pos
    bad = ~on
    msg = f"{int(bad.sum())} dates {_where(keys, bad)} are not on the {grid.freq!r} grid"
    if grid.weekday is not None:
        days = pd.DatetimeIndex(keys.ds[bad].view("datetime64[ns]")).day_of_week.unique()
        msg += (
            f" ({grid.freq} weeks end on {_DAY_NAMES[grid.weekday]}s; these fall on "
            f"{', '.join(_DAY_NAMES[d] + 's' for d in sorted(days))})"
        )
    if explicit:
        try:
            guess = _infer_grid(keys)
            _, guess_on = _positions(guess, keys.ds)
            hint = f" (the dates look like freq={guess.freq!r})" if guess_on.all() else ""
        except FrequencyError:
            hint = ""
        msg += f". Check freq={grid.freq!r}{hint} or align the dates to the grid."
    else:
        msg += ". Align the dates to one grid or pass freq=... explicitly."
    raise FrequencyError(msg + (_monthly_hint(28 * _DAY) if grid.calendar else ""))


def _resolve_grid(keys: _Keys, freq: Any) -> tuple[_Grid, np.ndarray]:
    if freq is None:
        grid = _infer_grid(keys)
        logger.info("inferred frequency %r", grid.freq)
        if not grid.calendar and grid.step % _DAY == 0 and grid.step not in (_DAY, _WEEK):
            warnings.warn(
                f"inferred freq={grid.freq!r} from the most common gap between dates; if the "
                "data is daily with days missing, pass freq='D' so they are filled.",
                DataWarning,
                stacklevel=4,
            )
        return grid, _grid_positions(keys, grid, explicit=False)
    grid = _with_phase(_grid_from_freq(freq), keys.ds)
    pos = _grid_positions(keys, grid, explicit=True)
    steps = np.diff(pos)[keys.codes[1:] == keys.codes[:-1]]
    if steps.size and steps.min() > 1:
        warnings.warn(
            f"freq={grid.freq!r} but no two dates of any series are one period apart "
            f"(smallest gap: {int(steps.min())} periods); the data may be coarser than "
            f"{grid.freq!r}, and filling would insert many rows. Check freq.",
            DataWarning,
            stacklevel=4,
        )
    return grid, pos


def future_frame(
    last_dates: pd.Series,
    h: int,
    freq: str,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
) -> pd.DataFrame:
    """Build the ``h`` periods after each series' last date, on the grid of ``freq``.

    Parameters
    ----------
    last_dates : pandas.Series
        Last observed date of each series, indexed by series id.
    h : int
        Number of future periods.
    freq : str
        pandas offset alias of the series (``"D"``, ``"W-FRI"``, ``"MS"``...).
    id_col, time_col : str
        Names of the output columns.

    Returns
    -------
    pandas.DataFrame
        ``id_col``, ``time_col`` and ``step`` (1..h), series in the order of
        ``last_dates`` and dates ascending within each series. A last date
        off the grid is followed by the next date on it.

    Examples
    --------
    >>> last = pd.Series(pd.to_datetime(["2024-01-31", "2024-02-29"]), index=["a", "b"])
    >>> future_frame(last, 2, "MS")["ds"].dt.strftime("%Y-%m-%d").tolist()
    ['2024-02-01', '2024-03-01', '2024-03-01', '2024-04-01']
    """
    if int(h) != h or h < 1:
        raise InvalidParameterError(f"h must be a positive integer number of periods, got {h!r}.")
    steps = np.arange(1, int(h) + 1)
    last = last_dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    grid = _grid_from_freq(freq)
    if not grid.calendar and grid.weekday is None:
        # plain steps (days, hours): each series continues from its own last date
        stamps = last[:, None] + steps * grid.step
    else:
        grid = _with_phase(grid, last)
        pos, on_grid = _positions(grid, last)
        # off the grid, floor division lands on the grid point before the date,
        # except for month ends, whose position is the month containing the date
        pos = pos - (~on_grid & grid.month_end)
        stamps = _dates(grid, pos[:, None] + steps)
    return _future(last_dates, stamps, steps, id_col, time_col)


def _future(
    last_dates: pd.Series, stamps: np.ndarray, steps: np.ndarray, id_col: str, time_col: str
) -> pd.DataFrame:
    n, h = stamps.shape
    return pd.DataFrame(
        {
            id_col: np.repeat(last_dates.index.to_numpy(), h),
            time_col: stamps.ravel().view("datetime64[ns]"),
            "step": np.tile(steps, n),
        }
    )
