"""Tests for the calendar and event features of forecastkit.ml._dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.calendar import EventCalendar
from forecastkit.errors import DataValidationError, FrequencyError, InvalidParameterError
from forecastkit.ml._dates import DEFAULT_ORIGIN, _date_index, date_feature_table, date_features


def _dates(*values):
    return np.array(values, dtype="datetime64[ns]")


def _cols(features, *names):
    return {name: features[name].tolist() for name in names}


# -- calendar family -------------------------------------------------------------


def test_daily_calendar_hand_checked():
    dates = _dates(
        "2024-01-01",  # Monday, ISO week 1, payday (1st)
        "2024-01-15",  # Monday, week 3, payday (15th)
        "2024-01-29",  # 29 > 31 - 3: month end
        "2024-01-31",  # Wednesday, month end and payday (last day)
        "2024-02-27",  # leap February has 29 days: 27 > 26, month end
        "2023-02-26",  # Sunday; 28-day February: 26 > 25, month end
        "2024-12-30",  # Monday of ISO week 1 of 2025
        "2021-01-03",  # Sunday of ISO week 53 of 2020
    )
    X = date_features(dates, freq="D", origin="2024-01-01")
    assert list(X) == [
        "cal_dayofweek", "cal_dayofmonth", "cal_weekofyear", "cal_month",
        "cal_month_end", "cal_payday", "cal_trend",
    ]  # fmt: skip
    assert _cols(X, "cal_dayofweek", "cal_weekofyear", "cal_month_end", "cal_payday") == {
        "cal_dayofweek": [0, 0, 0, 2, 1, 6, 0, 6],
        "cal_weekofyear": [1, 3, 5, 5, 9, 8, 1, 53],
        "cal_month_end": [0, 0, 1, 1, 1, 1, 1, 0],
        "cal_payday": [1, 1, 0, 1, 0, 0, 0, 0],
    }
    assert X["cal_dayofmonth"].tolist() == [1, 15, 29, 31, 27, 26, 30, 3]
    # Days since 2024-01-01: 2023-02-26 is day 57 of 2023, 365 - 56 = 309 days before;
    # 2021-01-03 is 363 + 365 + 365 = 1093 days before; 2024-12-30 is day 365 of 2024.
    assert X["cal_trend"].tolist() == [0, 14, 28, 30, 57, -309, 364, -1093]
    assert all(v.dtype == np.float32 for v in X.values())


def test_weekly_calendar_counts_days_of_the_week():
    dates = _dates("2024-03-03", "2024-03-17", "2024-06-02")
    X = date_features(dates, freq="W-SUN", origin="2024-01-07")
    assert list(X) == [
        "cal_weekofyear", "cal_month", "cal_month_end", "cal_payday", "cal_trend"
    ]  # fmt: skip
    # Week Feb 26 - Mar 3 2024: month-end days Feb 27, 28, 29; paydays Feb 29 and Mar 1.
    # Week Mar 11 - 17: payday Mar 15. Week May 27 - Jun 2: May 29-31; May 31 and Jun 1.
    assert X["cal_month_end"].tolist() == [3, 0, 3]
    assert X["cal_payday"].tolist() == [2, 1, 2]
    assert X["cal_weekofyear"].tolist() == [9, 11, 22]
    assert X["cal_trend"].tolist() == [8, 10, 21]  # 56 / 7, 70 / 7, 147 / 7 weeks


def test_weekly_anchor_decides_the_days_of_the_period():
    # W-WED: the week ending Wednesday 2024-03-06 runs Thursday Feb 29 - Mar 6, so it
    # holds one month-end day (Feb 29) and two paydays (Feb 29, Mar 1).
    X = date_features(_dates("2024-03-06"), freq="W-WED")
    assert (X["cal_month_end"][0], X["cal_payday"][0]) == (1, 2)


def test_monthly_quarterly_yearly_and_hourly_columns():
    X = date_features(_dates("2023-02-01", "2024-02-01"), freq="MS", origin="2023-01-01")
    assert _cols(X, "cal_month", "cal_days_in_month", "cal_trend") == {
        "cal_month": [2, 2],
        "cal_days_in_month": [28, 29],
        "cal_trend": [1, 13],
    }
    assert list(X) == ["cal_month", "cal_days_in_month", "cal_trend"]
    X = date_features(_dates("2024-02-29"), freq="ME", origin="2023-12-31")
    assert (X["cal_days_in_month"][0], X["cal_trend"][0]) == (29, 2)
    X = date_features(_dates("2024-04-01", "2025-01-01"), freq="QS", origin="2024-01-01")
    assert _cols(X, "cal_quarter", "cal_trend") == {"cal_quarter": [2, 1], "cal_trend": [1, 4]}
    X = date_features(_dates("2030-01-01"), freq="YS")
    assert X == {"cal_trend": pytest.approx(np.float32([30]))}  # years since 2000
    X = date_features(_dates("2024-01-02 13:30", "2024-01-02 14:00"), freq="30min")
    assert X["cal_hour"].tolist() == [13.5, 14.0]
    assert X["cal_dayofweek"].tolist() == [1, 1]
    # Half hours since 2000-01-01: 8767 days * 48 + 27 and + 28.
    assert X["cal_trend"].tolist() == [8767 * 48 + 27, 8767 * 48 + 28]


def test_default_origin_is_fixed():
    X = date_features(_dates("2000-01-11"), freq="D")
    assert DEFAULT_ORIGIN == np.datetime64("2000-01-01") and X["cal_trend"][0] == 10


# -- events family ---------------------------------------------------------------


def test_events_equal_the_calendar_features_of_each_row():
    cal = EventCalendar(country="US", festivals=["double_11", "black_friday"], max_distance=30)
    days = pd.date_range("2024-11-05", "2024-12-05", freq="D").to_numpy()
    # Two series over the same dates: every date appears twice.
    dates = np.concatenate([days, days[3:]])
    X = date_features(dates, freq="D", calendar=cal, families=("events",))
    expected = cal.features(dates)
    assert list(X) == cal.feature_names()
    for name in X:
        np.testing.assert_array_equal(X[name], expected[name].to_numpy(), err_msg=name)
    eleventh = np.flatnonzero(dates == np.datetime64("2024-11-11"))
    assert X["ev_double_11"][eleventh].tolist() == [1, 1]
    assert X["ev_black_friday_days_to"][eleventh].tolist() == [18, 18]  # Nov 29 - Nov 11


def test_weekly_events_use_the_anchor():
    cal = EventCalendar(festivals=["double_11"], max_distance=30)
    dates = pd.date_range("2024-10-27", "2024-11-24", freq="W-SUN").to_numpy()
    X = date_features(dates, freq="W-SUN", calendar=cal, families=("events",))
    expected = cal.features(dates, freq="W-SUN")
    for name in X:
        np.testing.assert_array_equal(X[name], expected[name].to_numpy(), err_msg=name)
    # Double 11's window is Oct 22 - Nov 16 (-20..+5 days). Weeks end on Sundays:
    # Oct 21-27 holds 6 window days (22-27), the next two weeks 7, Nov 11-17 6
    # (11-16), Nov 18-24 none; days_to counts from the week's first day (Oct 21: 21).
    assert X["ev_double_11_days"].tolist() == [6, 7, 7, 6, 0]
    assert X["ev_double_11_days_to"].tolist() == [21, 14, 7, 0, 30]


def test_families_switch_columns_on_and_off():
    cal = EventCalendar(festivals=["618"])
    dates = _dates("2024-06-18")
    both = date_features(dates, freq="D", calendar=cal)
    assert [n for n in both if n.startswith("ev_")] == cal.feature_names()
    only_cal = date_features(dates, freq="D", calendar=cal, families=("calendar",))
    assert all(n.startswith("cal_") for n in only_cal) and len(only_cal) == 7
    assert set(date_features(dates, freq="D", calendar=cal, families="events")) == set(
        cal.feature_names()
    )
    assert all(n.startswith("cal_") for n in date_features(dates, freq="D"))  # no calendar


# -- distinct dates, no look-ahead ------------------------------------------------

stamps = st.lists(
    st.integers(0, 3000).map(lambda d: np.datetime64("2020-01-01", "D") + d),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(days=stamps, hours=st.booleans())
def test_date_index_equals_numpy_unique(days, hours):
    values = np.array(days, dtype="datetime64[ns]").view(np.int64)
    if hours:
        values = values + (np.arange(len(values)) % 5) * 3_600_000_000_000
    uniq, inverse = _date_index(values)
    expected, expected_inverse = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(uniq, expected)
    np.testing.assert_array_equal(inverse, expected_inverse)


@settings(max_examples=20, deadline=None)
@given(days=stamps, cut=st.integers(1, 40))
def test_a_row_depends_on_its_own_date_only(days, cut):
    # Dropping every later row (the strongest change after row r) changes nothing before.
    cal = EventCalendar(festivals=["double_11", "618"], max_distance=20)
    dates = np.array(days, dtype="datetime64[ns]")
    full = date_features(dates, freq="D", calendar=cal)
    head = date_features(dates[:cut], freq="D", calendar=cal)
    for name in full:
        np.testing.assert_array_equal(full[name][:cut], head[name], err_msg=name)


# -- errors ----------------------------------------------------------------------


def test_errors():
    with pytest.raises(DataValidationError, match="1-D datetime64"):
        date_features(np.array(["2024-01-01"]), freq="D")
    with pytest.raises(DataValidationError, match=r"1 missing values \(NaT\) at rows \[1\]"):
        date_features(_dates("2024-01-01", "NaT"), freq="D")
    with pytest.raises(InvalidParameterError, match=r"unknown entries \['holidays'\]"):
        date_features(_dates("2024-01-01"), freq="D", families=("calendar", "holidays"))
    with pytest.raises(FrequencyError, match="freq="):
        date_features(_dates("2024-01-01"), freq="fortnightly")
    with pytest.raises(FrequencyError, match="daily, weekly and monthly"):
        date_features(_dates("2024-01-01"), freq="QS", calendar=EventCalendar())
    with pytest.raises(InvalidParameterError, match="origin must be a date"):
        date_features(_dates("2024-01-01"), freq="D", origin="not a date")
    with pytest.raises(InvalidParameterError, match="EventCalendar"):
        date_features(_dates("2024-01-01"), freq="D", calendar="US")


def test_table_and_inverse_rebuild_the_row_features():
    cal = EventCalendar(festivals=["double_12"], max_distance=10)
    dates = _dates("2024-12-13", "2024-12-10", "2024-12-13", "2024-12-12")
    rows = date_features(dates, freq="D", calendar=cal)
    table, inverse = date_feature_table(dates, freq="D", calendar=cal)
    assert inverse.tolist() == [2, 0, 2, 1]  # distinct dates sorted: 10th, 12th, 13th
    assert table["ev_double_12_days_since"].tolist() == [10, 0, 1]  # capped at 10 before
    for name in rows:
        np.testing.assert_array_equal(rows[name], table[name][inverse])
