"""Holiday, shopping-festival and user-event calendar features.

:class:`EventCalendar` combines public holidays (from the :mod:`holidays`
package), built-in e-commerce shopping festivals and Prophet-style user events
into numeric features (daily, weekly or monthly) for every forecaster.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import holidays
import numpy as np
import pandas as pd

from forecastkit._calendar_utils import (
    _date_range,
    _day_numbers,
    _event_columns,
    _make_grid,
    _parse_freq,
    _period_bounds,
    _timestamps,
    _years_of,
)
from forecastkit._festivals import FESTIVALS
from forecastkit.errors import DataValidationError, DataWarning, format_values

__all__ = ["BUILTIN_FESTIVALS", "EventCalendar"]

logger = logging.getLogger(__name__)

#: Chinese lunisolar festivals taken from ``holidays.country_holidays("CN")`` by
#: English name: (holiday name, lower_window, upper_window). Chinese New Year:
#: shoppers stock up on gifts and food in the two weeks before (-14), then shops,
#: factories and couriers are closed or slow for about a week (+7: the statutory
#: holiday plus the restart). Mid-Autumn: mooncake and gift purchases peak in
#: the ten days before (-10); the day after is usually still off (+1).
_LUNAR_FESTIVALS: dict[str, tuple[str, int, int]] = {
    "chinese_new_year": ("Chinese New Year (Spring Festival)", -14, 7),
    "mid_autumn": ("Mid-Autumn Festival", -10, 1),
}

#: Names accepted by ``festivals=``, in the order their columns appear.
BUILTIN_FESTIVALS: tuple[str, ...] = (*FESTIVALS, *_LUNAR_FESTIVALS)

#: Years whose holiday names define the per-holiday events, so that the
#: feature columns do not depend on the dates asked for.
_NAME_YEARS = range(2001, 2036)

_QUALIFIER = re.compile(
    r"\s*\((?:observed|estimated|observed, estimated|[^()]*\d[^()]*)\)\s*$", re.IGNORECASE
)
_AGGREGATE = "holiday"


def _slugify(name: Any) -> str:
    """Snake-case identifier for an event name.

    Accents are folded to ASCII, apostrophes dropped, other runs of
    non-alphanumeric characters become one underscore. Names without Latin
    letters keep their Unicode word characters.

    Examples
    --------
    >>> _slugify("Christmas Day"), _slugify("New Year's Day"), _slugify("Heilige Drei Könige")
    ('christmas_day', 'new_years_day', 'heilige_drei_konige')
    """
    text = str(name).strip().replace("'", "").replace("\u2019", "")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^0-9a-z]+", "_", ascii_text.lower()).strip("_")
    return slug or re.sub(r"\W+", "_", text.lower()).strip("_")


def _holiday_base_name(name: str) -> str:
    """Strip qualifiers such as ``(observed)`` or ``(substituted from 02/04/2024)``."""
    stripped = _QUALIFIER.sub("", name)
    return name if stripped in (name, "") else _holiday_base_name(stripped)


def _check_window(value: Any, where: str) -> tuple[int, int]:
    """Validate a ``(lower_window, upper_window)`` pair."""
    ints = isinstance(value, (tuple, list)) and len(value) == 2
    ints = ints and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    if not ints or value[0] > 0 or value[1] < 0:
        raise DataValidationError(
            f"{where}={value!r} is invalid; pass a (lower_window, upper_window) pair of ints "
            "with lower_window <= 0 <= upper_window (Prophet's convention), e.g. (-3, 1) for "
            "three days before to one day after."
        )
    return int(value[0]), int(value[1])


def _holiday_entity(country: str, subdiv: str | None, years: Any, *, observed: bool = True):
    """``holidays`` entity in English where available, years clipped to its range."""
    try:
        probe = holidays.country_holidays(country, subdiv=subdiv)
    except NotImplementedError as err:
        raise DataValidationError(_bad_code_message(country, subdiv)) from err
    language = "en_US" if "en_US" in probe.supported_languages else None
    years = [int(y) for y in years if probe.start_year <= int(y) <= probe.end_year]
    return holidays.country_holidays(
        country, subdiv=subdiv, years=years, language=language, observed=observed
    )


def _bad_code_message(country: Any, subdiv: Any) -> str:
    supported = holidays.list_supported_countries()
    if country not in supported:
        upper = str(country).upper()
        hint = f" Did you mean {upper!r}?" if upper in supported else ""
        return (
            f"country={country!r} is not a country code known to the holidays package.{hint} "
            "Pass an ISO 3166-1 alpha-2 code such as 'US', 'DE' or 'CN'; list the valid codes "
            "with holidays.list_supported_countries()."
        )
    valid = supported[country]
    return (
        f"country {country!r} has no subdivision subdiv={subdiv!r}; valid subdivisions are "
        f"{format_values(valid, max_items=10)} ({len(valid)} in all); list them with "
        f"holidays.list_supported_countries()[{country!r}]."
    )


def _holiday_rows(country: str, subdiv: str | None, years: Any) -> list[tuple[int, str]]:
    """Sorted ``(day, slug)`` of every public holiday, observed days included."""
    entity = _holiday_entity(country, subdiv, years)
    rows = {
        (int(_day_numbers(date)), _slugify(_holiday_base_name(name)))
        for date in entity
        for name in entity.get_list(date)
    }
    return sorted(rows)


def _lunar_days(festival: str, years: Any) -> np.ndarray:
    """Sorted main days (first day per year) of a festival from holidays' CN calendar."""
    wanted = _LUNAR_FESTIVALS[festival][0]
    entity = _holiday_entity("CN", None, years, observed=False)
    found: dict[int, int] = {}
    for date in entity:
        if any(_holiday_base_name(n) == wanted for n in entity.get_list(date)):
            day = int(_day_numbers(date))
            found[date.year] = min(found.get(date.year, day), day)
    return np.array(sorted(found.values()), dtype=np.int64)


@dataclass(frozen=True)
class _Config:
    """Validated form of the constructor arguments."""

    festivals: dict[str, tuple[int, int]]
    holiday_windows: dict[str, tuple[int, int]]
    default_window: tuple[int, int]
    user: pd.DataFrame  # columns event, day, lower, upper
    columns: tuple[tuple[str, bool], ...]  # (event, all four features?) in column order

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(name for name, full in self.columns if full)


def _resolve_festivals(festivals: Any) -> dict[str, tuple[int, int]]:
    if festivals is None:
        return {}
    if isinstance(festivals, str) and festivals == "default":
        festivals = list(BUILTIN_FESTIVALS)
    if isinstance(festivals, str) or not hasattr(festivals, "__iter__"):
        raise DataValidationError(
            f"festivals={festivals!r} is invalid; pass 'default', None, a list of names or a "
            f"dict name -> (lower_window, upper_window). Names: {list(BUILTIN_FESTIVALS)}."
        )
    items = festivals.items() if isinstance(festivals, Mapping) else ((n, None) for n in festivals)
    out: dict[str, tuple[int, int]] = {}
    for name, window in items:
        if name not in BUILTIN_FESTIVALS:
            raise DataValidationError(
                f"unknown festival {name!r} in festivals=; built-in festivals are "
                f"{list(BUILTIN_FESTIVALS)}. Add other events through events=."
            )
        if window is None and name in FESTIVALS:
            window = (FESTIVALS[name].lower_window, FESTIVALS[name].upper_window)
        elif window is None:
            window = _LUNAR_FESTIVALS[name][1:]
        out[name] = _check_window(window, f"festivals[{name!r}]")
    return out


def _resolve_holiday_windows(
    country: Any, subdiv: Any, holiday_windows: Any, names: tuple[str, ...]
) -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
    """Per-holiday windows (by slug) and the default window."""
    is_map = isinstance(holiday_windows, Mapping)
    if country is None:
        if subdiv is not None:
            raise DataValidationError(
                f"subdiv={subdiv!r} needs a country; pass e.g. country='US', subdiv={subdiv!r}."
            )
        if (is_map and holiday_windows) or (not is_map and tuple(holiday_windows) != (0, 0)):
            raise DataValidationError(
                "holiday_windows is set but country is None, so there are no holidays; "
                "pass country= (e.g. 'US') or leave holiday_windows=(0, 0)."
            )
    if not is_map:
        return {}, _check_window(holiday_windows, "holiday_windows")
    unknown = [k for k in holiday_windows if _slugify(k) not in names]
    if unknown:
        raise DataValidationError(
            f"holiday_windows has {len(unknown)} names that are not holidays of {country!r}: "
            f"{format_values(unknown)}; valid names are {format_values(names, max_items=30)}."
        )
    items = holiday_windows.items()
    return {_slugify(k): _check_window(v, f"holiday_windows[{k!r}]") for k, v in items}, (0, 0)


def _bad_rows(frame: pd.DataFrame, mask: Any, name_col: str) -> str:
    rows = frame.index[np.asarray(mask)]
    events = frame.loc[rows, name_col].astype(str).unique()
    return f"rows {format_values(rows)} (events {format_values(events)})"


def _window_column(frame: pd.DataFrame, column: str, name_col: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    given = frame[column].notna().to_numpy()
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = given & (np.isnan(values) | (np.nan_to_num(values) % 1 != 0))
    if bad.any():
        raise DataValidationError(
            f"events column {column!r} must hold whole numbers of days; bad values at "
            f"{_bad_rows(frame, bad, name_col)}."
        )
    values = np.nan_to_num(values, nan=0.0).astype(np.int64)
    lower = column == "lower_window"
    sign_bad = values > 0 if lower else values < 0
    if sign_bad.any():
        rule = "<= 0 (days before the event)" if lower else ">= 0 (days after the event)"
        raise DataValidationError(
            f"events column {column!r} must be {rule}, Prophet's convention; "
            f"{int(sign_bad.sum())} values break it at {_bad_rows(frame, sign_bad, name_col)}. "
            f"Use e.g. {'lower_window=-3' if lower else 'upper_window=2'}."
        )
    return values


def _resolve_events(events: Any) -> pd.DataFrame:
    """Validate the user event table into columns ``event, day, lower, upper``."""
    if events is None:
        events = pd.DataFrame({"event": pd.Series([], dtype=object), "ds": []})
    if not isinstance(events, pd.DataFrame):
        raise DataValidationError(
            "events must be a pandas DataFrame with columns 'event', 'ds' and optionally "
            f"'lower_window', 'upper_window'; got {type(events).__name__}."
        )
    if "event" in events.columns and "holiday" in events.columns:
        raise DataValidationError(
            "events has both an 'event' and a 'holiday' column; 'holiday' is an alias of "
            "'event' (Prophet's name), keep only one."
        )
    name_col = "holiday" if "holiday" in events.columns else "event"
    missing = [c for c in (name_col, "ds") if c not in events.columns]
    if missing:
        raise DataValidationError(
            f"events is missing columns {missing}; it needs 'event' (or 'holiday') and 'ds', "
            f"plus optional 'lower_window' and 'upper_window'. Found {list(events.columns)}."
        )
    slugs = events[name_col].map(lambda v: "" if pd.isna(v) else _slugify(v))
    if (slugs == "").any():
        raise DataValidationError(
            f"events column {name_col!r} has missing or empty names at rows "
            f"{format_values(events.index[(slugs == '').to_numpy()])}; name every event."
        )
    stamps = _parse_datetimes(events["ds"])
    if stamps.isna().any():
        raise DataValidationError(
            f"events column 'ds' has {int(stamps.isna().sum())} missing or unparseable dates at "
            f"{_bad_rows(events, stamps.isna(), name_col)}; use dates like '2024-11-11'."
        )
    return pd.DataFrame(
        {
            "event": slugs.to_numpy(dtype=object),
            "day": _day_numbers(stamps.to_numpy()),
            "lower": _window_column(events, "lower_window", name_col),
            "upper": _window_column(events, "upper_window", name_col),
        }
    )


def _check_collisions(groups: dict[str, list[str]]) -> None:
    seen: dict[str, str] = {}
    for source, names in groups.items():
        for name in names:
            if seen.setdefault(name, source) != source:
                raise DataValidationError(
                    f"event name {name!r} is used by both {seen[name]} and {source}; feature "
                    f"columns would clash. Rename the user event (e.g. '{name}_promo'), drop "
                    "the festival from festivals= or pass holidays_as='one'."
                )


def _parse_datetimes(values: pd.Series) -> pd.Series:
    """Naive wall-clock datetimes; unparseable (and numeric) values become NaT."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, errors="coerce", format="mixed")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values


def _input_dates(dates: Any, start: Any, end: Any, step: tuple[str, int]) -> pd.Series:
    """The dates to describe, as a datetime Series with a RangeIndex (time zone kept)."""
    if dates is None:
        if start is None or end is None:
            raise DataValidationError(
                "pass dates, or both start= and end= (e.g. start='2024-01-01', end='2024-12-31')."
            )
        return pd.Series(_timestamps(_date_range(start, end, step)))
    if start is not None or end is not None:
        raise DataValidationError("pass either dates or start=/end=, not both.")
    if isinstance(dates, pd.DataFrame):
        raise DataValidationError(
            "dates must be one-dimensional; pass a column such as df['ds'], not a DataFrame."
        )
    original = pd.Series([dates] if np.ndim(dates) == 0 else dates)
    original = original.reset_index(drop=True)
    series = original
    if not pd.api.types.is_datetime64_any_dtype(series):
        series = _parse_datetimes(series)
    bad = series.isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"dates has {int(bad.sum())} missing or unparseable values at positions "
            f"{format_values(np.flatnonzero(bad).tolist())}: {format_values(map(str, original[bad]))}; "
            "drop missing dates and pass datetimes or ISO strings such as '2024-11-11'."
        )
    return series


def _dtype(column: str) -> str:
    if column.endswith(("_pos", "_days_to", "_days_since")):
        return "int32"
    return "int16" if column.endswith("_days") else "int8"


class EventCalendar:
    """Holidays, shopping festivals and user events as forecasting features.

    Parameters
    ----------
    country : str or None, default=None
        Country code for public holidays from the ``holidays`` package
        (``"US"``, ``"DE"``, ``"CN"``...). None means no public holidays.
    subdiv : str or None, default=None
        Subdivision (state, province) code, e.g. ``"CA"`` with ``country="US"``.
    festivals : "default", list of str, dict or None, default="default"
        Built-in festivals: ``"default"`` is all of :data:`BUILTIN_FESTIVALS`
        (``"618"``, ``"double_11"``, ``"double_12"``, ``"black_friday"``,
        ``"cyber_monday"``, ``"chinese_new_year"``, ``"mid_autumn"``); a list
        selects some; a dict maps names to ``(lower_window, upper_window)``
        (None keeps the built-in window); None disables them.
    events : pandas.DataFrame or None, default=None
        User events in Prophet's holidays shape: columns ``event`` (alias
        ``holiday``) and ``ds``, optional ``lower_window`` (<= 0) and
        ``upper_window`` (>= 0); missing windows mean 0.
    holidays_as : {"each", "one"}, default="each"
        ``"each"``: every distinct holiday name is its own event, plus an
        aggregate ``ev_holiday`` indicator; ``"one"``: all public holidays form
        a single event named ``"holiday"``.
    holiday_windows : tuple of int or dict, default=(0, 0)
        ``(lower_window, upper_window)`` for every holiday, or a dict from
        holiday name (``"Christmas Day"`` or ``"christmas_day"``) to window;
        holidays left out of the dict get ``(0, 0)``.
    max_distance : int, default=60
        Cap of the ``days_to`` / ``days_since`` features, also their value
        when no occurrence is known.

    Attributes
    ----------
    event_names : list of str
        Event names in column order: festivals, holidays, user events (sorted).

    Raises
    ------
    DataValidationError
        On an unknown country, subdivision or festival, an invalid window, a
        malformed ``events`` table or clashing event names. Arguments are
        stored unchanged and validated when the calendar is built.

    Notes
    -----
    Event names are snake case (``"Christmas Day"`` -> ``christmas_day``).
    Holiday names come from ``holidays`` in English where it has a
    translation; qualifiers such as ``(observed)``, ``(estimated)`` or
    ``(substituted from ...)`` are dropped, so an observed day is an
    occurrence of the holiday it replaces. The per-holiday events are the
    names that occur in 2001-2035, so the columns do not depend on the dates
    asked for; a holiday named differently outside that span only counts
    towards ``ev_holiday``. Chinese New Year and Mid-Autumn come from the
    ``holidays`` CN calendar (Mid-Autumn from 2008, when it became a public
    holiday; earlier years warn with :class:`~forecastkit.errors.DataWarning`).
    Occurrences are computed for the years the requested dates need, plus
    margin for the windows and ``max_distance``. The calendar is picklable.

    Examples
    --------
    >>> cal = EventCalendar(country="US", festivals=["black_friday"])
    >>> cal.event_names[:3]
    ['black_friday', 'christmas_day', 'columbus_day']
    >>> occ = cal.occurrences("2024-11-20", "2024-11-30")
    >>> for row in occ.itertuples():
    ...     print(row.event, row.ds.date(), row.lower_window, row.upper_window)
    thanksgiving_day 2024-11-28 0 0
    black_friday 2024-11-29 -7 0
    """

    def __init__(
        self,
        *,
        country: str | None = None,
        subdiv: str | None = None,
        festivals: Any = "default",
        events: pd.DataFrame | None = None,
        holidays_as: Literal["each", "one"] = "each",
        holiday_windows: tuple[int, int] | Mapping[str, tuple[int, int]] = (0, 0),
        max_distance: int = 60,
    ) -> None:
        self.country = country
        self.subdiv = subdiv
        self.festivals = festivals
        self.events = events
        self.holidays_as = holidays_as
        self.holiday_windows = holiday_windows
        self.max_distance = max_distance
        self._config()

    def __repr__(self) -> str:
        parts = []
        for name, default in (EventCalendar.__init__.__kwdefaults__ or {}).items():
            value = getattr(self, name)
            if isinstance(value, pd.DataFrame):
                parts.append(f"{name}=<DataFrame with {len(value)} rows>")
            elif type(value) is not type(default) or value != default:
                parts.append(f"{name}={value!r}")
        return f"EventCalendar({', '.join(parts)})"

    def _holiday_names(self) -> tuple[str, ...]:
        """Per-holiday event names (cached per country and subdivision)."""
        if not isinstance(self.country, str) or not isinstance(self.subdiv, (str, type(None))):
            raise DataValidationError(
                f"country and subdiv must be strings such as 'US' and 'CA', got "
                f"{self.country!r}, {self.subdiv!r}."
            )
        cache = self.__dict__.setdefault("_names_cache", {})
        key = (self.country, self.subdiv)
        if key not in cache:
            rows = _holiday_rows(self.country, self.subdiv, _NAME_YEARS)
            cache[key] = tuple(sorted({slug for _, slug in rows}))
        return cache[key]

    def _config(self) -> _Config:
        """Validate the stored arguments."""
        md = self.max_distance
        if not isinstance(md, (int, np.integer)) or isinstance(md, bool) or md < 1:
            raise DataValidationError(
                f"max_distance must be a positive int (days), got {md!r}; e.g. max_distance=60."
            )
        if self.holidays_as not in ("each", "one"):
            raise DataValidationError(
                f"holidays_as={self.holidays_as!r} is invalid; use 'each' or 'one'."
            )
        festivals = _resolve_festivals(self.festivals)
        names = () if self.country is None else self._holiday_names()
        windows, default = _resolve_holiday_windows(
            self.country, self.subdiv, self.holiday_windows, names
        )
        user = _resolve_events(self.events)
        user_names = sorted(set(user["event"]))
        each = self.holidays_as == "each"
        holiday_events = [] if self.country is None else [_AGGREGATE, *(names if each else ())]
        sources = {"a built-in festival": list(festivals), "a public holiday": holiday_events}
        _check_collisions({**sources, "a user event": user_names})
        columns = [
            (n, n != _AGGREGATE or not each) for n in [*festivals, *holiday_events, *user_names]
        ]
        return _Config(festivals, windows, default, user, tuple(columns))

    @property
    def event_names(self) -> list[str]:
        """Event names, in the order of their feature columns."""
        return list(self._config().events)

    def feature_names(self, *, freq: str | None = None) -> list[str]:
        """Names of the feature columns of :meth:`features`, after the date column.

        Parameters
        ----------
        freq : str or None, default=None
            As in :meth:`features`; periods longer than a day add ``_days``
            count columns.

        Returns
        -------
        list of str

        Examples
        --------
        >>> EventCalendar(festivals=["double_11"]).feature_names()
        ['ev_double_11', 'ev_double_11_pos', 'ev_double_11_days_to', 'ev_double_11_days_since']
        """
        return self._feature_names(self._config(), _parse_freq(freq)[0] != "D")

    def _feature_names(self, config: _Config, counts: bool) -> list[str]:
        days = ["_days"] if counts else []
        full = ["_pos", "_days_to", "_days_since"]
        return [
            f"ev_{name}{suffix}"
            for name, is_full in config.columns
            for suffix in ["", *days, *(full if is_full else [])]
        ]

    def _table(self, config: _Config, lo: int, hi: int) -> dict[str, pd.DataFrame]:
        """Occurrences (``day, lower, upper``, sorted by day) of every event.

        Public holidays also appear together under ``"holiday"``.
        """
        windows = [*config.festivals.values(), *config.holiday_windows.values()]
        reach = max(max(-a, b) for a, b in [config.default_window, *windows])
        pad = int(self.max_distance) + reach + 366  # a year beyond windows and distances
        years = range(int(_years_of(lo - pad)), int(_years_of(hi + pad)) + 1)
        logger.debug("EventCalendar: occurrences for years %d-%d", years[0], years[-1])
        frames: dict[str, pd.DataFrame] = {}
        for name, (lower, upper) in config.festivals.items():
            if name in FESTIVALS:
                days = _day_numbers(FESTIVALS[name].dates(years))
            else:
                days = _lunar_days(name, years)
            frames[name] = pd.DataFrame({"day": days, "lower": lower, "upper": upper})
        if self.country is not None:
            hol = pd.DataFrame(
                _holiday_rows(self.country, self.subdiv, years), columns=["day", "event"]
            )
            win = [config.holiday_windows.get(s, config.default_window) for s in hol["event"]]
            hol[["lower", "upper"]] = np.array(win, dtype=np.int64).reshape(-1, 2)
            frames[_AGGREGATE] = hol.drop(columns="event")
            if self.holidays_as == "each":
                frames.update({str(k): v.drop(columns="event") for k, v in hol.groupby("event")})
        frames.update({str(k): v.drop(columns="event") for k, v in config.user.groupby("event")})
        return {k: v.sort_values("day", kind="stable") for k, v in frames.items()}

    def occurrences(self, start: Any, end: Any) -> pd.DataFrame:
        """Every event instance whose main day lies in ``[start, end]``.

        Parameters
        ----------
        start, end : date-like
            First and last day, inclusive.

        Returns
        -------
        pandas.DataFrame
            Columns ``event``, ``ds``, ``lower_window``, ``upper_window``, one
            row per occurrence, sorted by ``ds`` then event order, with a fresh
            RangeIndex. Public holidays appear under their own names with
            ``holidays_as="each"`` and as ``"holiday"`` with ``"one"``.

        Examples
        --------
        >>> cal = EventCalendar(festivals=["double_11", "double_12"])
        >>> cal.occurrences("2024-01-01", "2024-12-31")["ds"].dt.strftime("%m-%d").tolist()
        ['11-11', '12-12']
        """
        lo, hi = (int(d) for d in _date_range(start, end, ("D", 0))[[0, -1]])
        config = self._config()
        table = self._table(config, lo, hi)
        if self.country is not None and self.holidays_as == "each":
            del table[_AGGREGATE]
        rank = {name: i for i, name in enumerate(config.events)}
        out = pd.concat(
            [pd.DataFrame({"day": [], "lower": [], "upper": []}, dtype=np.int64)]
            + [f.assign(event=k, rank=rank.get(k, len(rank))) for k, f in table.items()],
            ignore_index=True,
        )
        out = out[(out["day"] >= lo) & (out["day"] <= hi)].drop_duplicates()
        out = out.sort_values(["day", "rank", "event"], kind="stable")
        return pd.DataFrame(
            {
                "event": out["event"].to_numpy(dtype=object),
                "ds": _timestamps(out["day"].to_numpy(dtype=np.int64)),
                "lower_window": out["lower"].to_numpy(dtype=np.int64),
                "upper_window": out["upper"].to_numpy(dtype=np.int64),
            }
        )

    def features(
        self,
        dates: Any = None,
        *,
        start: Any = None,
        end: Any = None,
        freq: str | None = None,
        time_col: str = "ds",
    ) -> pd.DataFrame:
        """Event features for each date (or the period it stands for).

        Parameters
        ----------
        dates : DatetimeIndex, Series or array-like of dates, optional
            Dates to describe, any order, repeats allowed (e.g. the ``ds``
            column of a long frame). Times of day are ignored; time-zone aware
            dates use their local calendar day.
        start, end : date-like, optional
            Instead of ``dates``: every period label from ``start`` to ``end``
            inclusive (days, week ends, or month starts/ends per ``freq``).
        freq : str or None, default=None
            None or ``"D"``: daily. ``"W"``, ``"W-MON"`` ... ``"W-SUN"``: weeks
            ending on that weekday (pandas' convention: ``"W-FRI"`` weeks run
            Saturday to Friday). ``"MS"``/``"ME"``: calendar months. Each date
            stands for the period that contains it.
        time_col : str, default="ds"
            Name of the date column of the output.

        Returns
        -------
        pandas.DataFrame
            One row per input date, in input order, fresh RangeIndex:
            ``time_col`` (the dates as given), then the columns of
            :meth:`feature_names`. Per event:

            * ``ev_<event>`` (int8): 1 inside a window of the event, else 0;
            * ``ev_<event>_pos`` (int32): offset from the main day,
              ``lower_window .. upper_window`` (-3: three days before), 0
              outside windows, so read it together with ``ev_<event>``;
            * ``ev_<event>_days_to`` / ``_days_since`` (int32): days to the
              next / since the last main day (0 on it), capped at
              ``max_distance``.

            With ``holidays_as="each"``, ``ev_holiday`` (before the holiday
            events) is 1 inside any holiday's window. For periods longer than
            a day, ``ev_<event>`` is 1 when any day of the period is in a
            window, ``ev_<event>_days`` (int16) counts those days, ``_pos`` is
            the in-window offset nearest the main day, ``_days_to`` counts
            from the period's first day and ``_days_since`` from its last, so
            a period holds a main day exactly when ``_days_to`` < its length.

        Raises
        ------
        DataValidationError
            On missing or unparseable dates, or when both or neither of
            ``dates`` and ``start``/``end`` are given.
        FrequencyError
            On an unsupported ``freq``.

        Notes
        -----
        There is no NaN, so the output suits both regressions and gradient
        boosting. Where windows of one event overlap, a day belongs to the
        nearest occurrence (ties: the earlier one). The computation is
        vectorised over unique days with :func:`numpy.searchsorted`.

        Examples
        --------
        >>> cal = EventCalendar(festivals=["double_11"], max_distance=30)
        >>> X = cal.features(start="2024-11-09", end="2024-11-13")
        >>> X[["ds", "ev_double_11", "ev_double_11_pos", "ev_double_11_days_to"]]
                  ds  ev_double_11  ev_double_11_pos  ev_double_11_days_to
        0 2024-11-09             1                -2                     2
        1 2024-11-10             1                -1                     1
        2 2024-11-11             1                 0                     0
        3 2024-11-12             1                 1                    30
        4 2024-11-13             1                 2                    30
        >>> weekly = cal.features(start="2024-11-01", end="2024-11-22", freq="W-FRI")
        >>> weekly[["ds", "ev_double_11_days", "ev_double_11_pos", "ev_double_11_days_to"]]
                  ds  ev_double_11_days  ev_double_11_pos  ev_double_11_days_to
        0 2024-11-01                  7               -10                    16
        1 2024-11-08                  7                -3                     9
        2 2024-11-15                  7                 0                     2
        3 2024-11-22                  1                 5                    30
        """
        config = self._config()
        step = _parse_freq(freq)
        if not isinstance(time_col, str):
            raise DataValidationError(f"time_col must be a column name (str), got {time_col!r}.")
        stamps = _input_dates(dates, start, end, step)
        uniq, inverse = np.unique(_day_numbers(_parse_datetimes(stamps)), return_inverse=True)
        periods, period_of = np.unique(_period_bounds(uniq, step)[0], return_inverse=True)
        grid = _make_grid(periods, _period_bounds(periods, step)[1])
        counts = step[0] != "D"
        columns: dict[str, np.ndarray] = {}
        if len(periods):
            table = self._table(config, int(grid[0][0]), int(grid[0][-1]))
            self._warn_missing_lunar(config, table, grid[0])
            for name, _ in config.columns:
                part = table.get(name, config.user.iloc[:0])
                part = _event_columns(grid, part, self.max_distance, counts)
                columns.update({f"ev_{name}{suffix}": v for suffix, v in part.items()})
        rows = period_of[inverse.ravel()]
        out: dict[str, Any] = {time_col: stamps}
        for name in self._feature_names(config, counts):
            values = columns.get(name, np.zeros(0, dtype=np.int64))
            out[name] = values[rows].astype(_dtype(name))
        return pd.DataFrame(out)

    def _warn_missing_lunar(
        self, config: _Config, table: dict[str, pd.DataFrame], days: np.ndarray
    ) -> None:
        wanted = set(np.unique(_years_of(days)).tolist())
        for name in (n for n in config.festivals if n in _LUNAR_FESTIVALS):
            missing = sorted(wanted - set(_years_of(table[name]["day"]).tolist()))
            if missing:
                warnings.warn(
                    f"festival {name!r} has no date in the holidays package's CN calendar for "
                    f"years {format_values(missing)} (Mid-Autumn is listed from 2008, the "
                    "calendar covers 1950-2100); its indicator is 0 and distances are capped "
                    "there. Pass those dates through events= or drop it from festivals=.",
                    DataWarning,
                    stacklevel=3,
                )
