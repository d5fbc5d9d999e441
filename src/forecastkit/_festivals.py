"""Date rules for the built-in e-commerce shopping festivals.

Private module shared by :mod:`forecastkit.calendar` and
:mod:`forecastkit.datasets`; the public entry point is
:class:`forecastkit.EventCalendar`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["FESTIVALS", "Festival", "festival_date"]


def _fixed(month: int, day: int) -> Callable[[int], _dt.date]:
    return lambda year: _dt.date(year, month, day)


def _thanksgiving_us(year: int) -> _dt.date:
    """Fourth Thursday of November (US Thanksgiving)."""
    first = _dt.date(year, 11, 1)
    # weekday(): Monday=0 ... Thursday=3
    offset = (3 - first.weekday()) % 7
    return first + _dt.timedelta(days=offset + 21)


def _black_friday(year: int) -> _dt.date:
    return _thanksgiving_us(year) + _dt.timedelta(days=1)


def _cyber_monday(year: int) -> _dt.date:
    return _thanksgiving_us(year) + _dt.timedelta(days=4)


@dataclass(frozen=True)
class Festival:
    """A recurring shopping festival.

    Attributes
    ----------
    name : str
        Snake-case identifier used as the event name (``"double_11"``).
    label : str
        Human-readable name.
    rule : callable
        Maps a year to the festival's main day.
    lower_window : int
        Days before the main day that belong to the event (pre-sale ramp-up),
        as a non-positive number (Prophet's convention).
    upper_window : int
        Days after the main day that belong to the event (post-event slump).
    """

    name: str
    label: str
    rule: Callable[[int], _dt.date]
    lower_window: int
    upper_window: int

    def dates(self, years: Iterable[int]) -> list[_dt.date]:
        """Main day of the festival in each year."""
        return [self.rule(int(y)) for y in years]


# Windows follow how the platforms run them: 618 pre-sales open around
# June 1, Double 11 pre-sales around October 20-24 with a final-payment
# phase; Black Friday "week" deals start about a week before. The upper
# windows cover the post-event slump, when pulled-forward demand is missing.
FESTIVALS: dict[str, Festival] = {
    f.name: f
    for f in (
        Festival("618", "618 shopping festival (June 18)", _fixed(6, 18), -17, 3),
        Festival("double_11", "Double 11 / Singles' Day (Nov 11)", _fixed(11, 11), -20, 5),
        Festival("double_12", "Double 12 (Dec 12)", _fixed(12, 12), -3, 2),
        Festival("black_friday", "Black Friday (day after US Thanksgiving)", _black_friday, -7, 0),
        Festival("cyber_monday", "Cyber Monday (Monday after Thanksgiving)", _cyber_monday, 0, 3),
    )
}


def festival_date(name: str, year: int) -> _dt.date:
    """Main day of a built-in festival in a given year.

    Parameters
    ----------
    name : str
        One of ``"618"``, ``"double_11"``, ``"double_12"``, ``"black_friday"``,
        ``"cyber_monday"``.
    year : int
        Calendar year.

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> festival_date("black_friday", 2024)
    datetime.date(2024, 11, 29)
    >>> festival_date("cyber_monday", 2025)
    datetime.date(2025, 12, 1)
    """
    try:
        festival = FESTIVALS[name]
    except KeyError:
        raise KeyError(
            f"unknown festival {name!r}; built-in festivals are {sorted(FESTIVALS)}"
        ) from None
    return festival.rule(int(year))
