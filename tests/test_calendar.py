"""Tests for forecastkit.calendar.EventCalendar."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.calendar import (
    BUILTIN_FESTIVALS,
    EventCalendar,
    _holiday_base_name,
    _slugify,
)
from forecastkit.errors import DataValidationError, DataWarning, FrequencyError

D = pd.Timestamp


@pytest.fixture(scope="module")
def us() -> EventCalendar:
    return EventCalendar(country="US", festivals=None)


@pytest.fixture(scope="module")
def promo() -> EventCalendar:
    events = pd.DataFrame(
        {"event": ["promo"], "ds": ["2024-03-10"], "lower_window": [-3], "upper_window": [2]}
    )
    return EventCalendar(festivals=None, events=events, max_distance=30)


def _row(frame: pd.DataFrame, day: str) -> pd.Series:
    (match,) = np.flatnonzero(frame["ds"].to_numpy() == np.datetime64(day))
    return frame.iloc[match]


def _main_days(cal: EventCalendar, event: str, start: str, end: str) -> list[str]:
    occ = cal.occurrences(start, end)
    return occ.loc[occ["event"] == event, "ds"].dt.strftime("%Y-%m-%d").tolist()


# -- built-in festival dates --------------------------------------------------


def test_black_friday_and_cyber_monday_dates():
    # Day after US Thanksgiving (4th Thursday of November) and the Monday after;
    # dates as listed on timeanddate.com "Black Friday" / "Cyber Monday" pages.
    cal = EventCalendar(festivals=["black_friday", "cyber_monday"])
    assert _main_days(cal, "black_friday", "2019-01-01", "2025-12-31") == [
        "2019-11-29", "2020-11-27", "2021-11-26", "2022-11-25",
        "2023-11-24", "2024-11-29", "2025-11-28",
    ]  # fmt: skip
    assert _main_days(cal, "cyber_monday", "2024-01-01", "2025-12-31") == [
        "2024-12-02",
        "2025-12-01",
    ]


@settings(max_examples=20, deadline=None)
@given(year=st.integers(1960, 2090))
def test_fixed_date_festivals_every_year(year):
    cal = EventCalendar(festivals=["618", "double_11", "double_12"])
    occ = cal.occurrences(f"{year}-01-01", f"{year}-12-31")
    assert occ["event"].tolist() == ["618", "double_11", "double_12"]
    assert occ["ds"].dt.strftime("%m-%d").tolist() == ["06-18", "11-11", "12-12"]
    assert (occ["ds"].dt.year == year).all()


def test_lunar_festivals_from_holidays_cn():
    # Official State Council holiday notices: Spring Festival 2024-02-10 and
    # 2025-01-29; Mid-Autumn 2024-09-17 and 2025-10-06.
    cal = EventCalendar(festivals=["chinese_new_year", "mid_autumn"])
    occ = cal.occurrences("2024-01-01", "2025-12-31")
    assert list(zip(occ["event"], occ["ds"].dt.strftime("%Y-%m-%d"), strict=True)) == [
        ("chinese_new_year", "2024-02-10"),
        ("mid_autumn", "2024-09-17"),
        ("chinese_new_year", "2025-01-29"),
        ("mid_autumn", "2025-10-06"),
    ]
    # CNY window -14..+7: 2025-01-15 is the first stock-up day, 2025-02-05 the last slump day.
    X = cal.features(["2025-01-14", "2025-01-15", "2025-02-05", "2025-02-06"])
    assert X["ev_chinese_new_year"].tolist() == [0, 1, 1, 0]
    assert X["ev_chinese_new_year_pos"].tolist() == [0, -14, 7, 0]


def test_mid_autumn_before_2008_warns():
    cal = EventCalendar(festivals=["mid_autumn"])
    with pytest.warns(DataWarning, match=r"mid_autumn.*\[2007\]"):
        X = cal.features(start="2007-09-20", end="2007-09-30")
    assert X["ev_mid_autumn"].sum() == 0
    assert (X["ev_mid_autumn_days_to"] == 60).all()


def test_festival_window_override_and_default_windows():
    cal = EventCalendar(festivals={"double_11": (-1, 0), "black_friday": None})
    occ = cal.occurrences("2024-11-01", "2024-11-30")
    assert occ[["lower_window", "upper_window"]].to_numpy().tolist() == [[-1, 0], [-7, 0]]
    X = cal.features(["2024-11-09", "2024-11-10"])
    assert X["ev_double_11"].tolist() == [0, 1]


# -- public holidays ------------------------------------------------------------


def test_us_thanksgiving_and_observed_independence_day(us):
    # Thanksgiving 2024: fourth Thursday of November = Nov 28 (5 U.S.C. 6103).
    assert _main_days(us, "thanksgiving_day", "2024-01-01", "2024-12-31") == ["2024-11-28"]
    # July 4, 2020 was a Saturday -> observed Friday July 3; 2021: Sunday -> Monday July 5.
    assert _main_days(us, "independence_day", "2020-01-01", "2021-12-31") == [
        "2020-07-03",
        "2020-07-04",
        "2021-07-04",
        "2021-07-05",
    ]
    X = us.features(["2020-07-01", "2020-07-03", "2020-07-06"])
    assert X["ev_independence_day"].tolist() == [0, 1, 0]
    assert X["ev_independence_day_days_to"].tolist() == [2, 0, 60]
    assert X["ev_independence_day_days_since"].tolist() == [60, 0, 2]
    assert X["ev_holiday"].tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("country", "subdiv", "event", "day"),
    [("US", "CA", "cesar_chavez_day", "2024-03-31"), ("DE", "BY", "epiphany", "2024-01-06")],
)
def test_subdivision_only_holiday(country, subdiv, event, day):
    national = EventCalendar(country=country, festivals=None)
    regional = EventCalendar(country=country, subdiv=subdiv, festivals=None)
    assert event not in national.event_names
    assert event in regional.event_names
    assert _row(national.features([day]), day)["ev_holiday"] == 0
    row = _row(regional.features([day]), day)
    assert (row[f"ev_{event}"], row[f"ev_{event}_pos"], row["ev_holiday"]) == (1, 0, 1)


def test_holidays_as_one_collapses_and_matches_aggregate(us):
    one = EventCalendar(country="US", festivals=None, holidays_as="one")
    assert one.event_names == ["holiday"]
    days = pd.date_range("2024-01-01", "2024-12-31")
    X1, Xe = one.features(days), us.features(days)
    assert (X1["ev_holiday"].to_numpy() == Xe["ev_holiday"].to_numpy()).all()
    # 11 federal holidays in 2024, none observed on another day.
    assert X1["ev_holiday"].sum() == 11
    assert _row(X1, "2024-11-27")["ev_holiday_days_to"] == 1  # Thanksgiving Nov 28
    assert set(one.occurrences("2024-01-01", "2024-12-31")["event"]) == {"holiday"}


def test_holiday_windows_per_name(us):
    cal = EventCalendar(country="US", festivals=None, holiday_windows={"Christmas Day": (-2, 1)})
    X = cal.features(pd.date_range("2024-12-22", "2024-12-31"))
    # Christmas Dec 25, window Dec 23..Dec 26.
    assert X["ev_christmas_day"].tolist() == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert X["ev_christmas_day_pos"].tolist() == [0, -2, -1, 0, 1, 0, 0, 0, 0, 0]
    assert X["ev_holiday"].tolist() == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert X["ev_new_years_day"].sum() == 0  # others keep the (0, 0) window
    X_all = EventCalendar(country="US", festivals=None, holiday_windows=(-1, 0)).features(
        ["2024-12-31"]
    )
    assert X_all["ev_new_years_day_pos"].tolist() == [-1]


def test_holiday_name_normalisation():
    assert _holiday_base_name("Independence Day (observed)") == "Independence Day"
    assert _holiday_base_name("Day off (substituted from 02/04/2024)") == "Day off"
    assert (
        _holiday_base_name("Chinese New Year (Second Day) (observed, estimated)")
        == "Chinese New Year (Second Day)"
    )
    assert _slugify("New Year's Day") == "new_years_day"
    assert _slugify("Heilige Drei Könige") == "heilige_drei_konige"
    cn = EventCalendar(country="CN", festivals=None)
    assert "day_off" in cn.event_names
    assert not any(ch.isdigit() for name in cn.event_names if "day_off" in name for ch in name)


# -- user events ----------------------------------------------------------------


def test_user_event_window_indicator_and_position(promo):
    X = promo.features(pd.date_range("2024-03-06", "2024-03-13"))
    # Main day Mar 10, window -3..+2 -> Mar 7..Mar 12.
    assert X["ev_promo"].tolist() == [0, 1, 1, 1, 1, 1, 1, 0]
    assert X["ev_promo_pos"].tolist() == [0, -3, -2, -1, 0, 1, 2, 0]
    assert X["ev_promo_days_to"].tolist() == [4, 3, 2, 1, 0, 30, 30, 30]
    assert X["ev_promo_days_since"].tolist() == [30, 30, 30, 30, 0, 1, 2, 3]


def test_days_to_and_since_exact_and_capped():
    events = pd.DataFrame({"holiday": ["Sale", "Sale"], "ds": ["2024-03-10", "2024-05-01"]})
    cal = EventCalendar(festivals=None, events=events, max_distance=30)
    assert cal.event_names == ["sale"]
    X = cal.features(["2024-01-01", "2024-04-05", "2024-04-15", "2024-05-01", "2024-06-15"])
    # Apr 5: 26 days since Mar 10 (21 + 5), 26 days to May 1; Apr 15: 36 -> 30, 16.
    assert X["ev_sale_days_since"].tolist() == [30, 26, 30, 0, 30]
    assert X["ev_sale_days_to"].tolist() == [30, 26, 16, 0, 30]
    assert X["ev_sale"].tolist() == [0, 0, 0, 1, 0]  # missing windows mean 0


def test_overlapping_windows_use_nearest_occurrence():
    events = pd.DataFrame(
        {"event": ["x", "x"], "ds": ["2024-03-01", "2024-03-05"], "lower_window": -3,
         "upper_window": 3}
    )  # fmt: skip
    X = EventCalendar(festivals=None, events=events).features(
        pd.date_range("2024-02-26", "2024-03-09")
    )
    # Windows Feb 27..Mar 4 and Mar 2..Mar 8 (2024 is a leap year).
    # Mar 3 is 2 days after Mar 1 and 2 days before Mar 5: the earlier wins (+2).
    assert X["ev_x_pos"].tolist() == [0, -3, -2, -1, 0, 1, 2, -1, 0, 1, 2, 3, 0]
    assert X["ev_x"].tolist() == [0] + [1] * 11 + [0]


def test_event_names_are_slugified_and_sorted():
    events = pd.DataFrame({"event": ["Store Anniversary", "B-Day!"], "ds": ["2024-01-05"] * 2})
    cal = EventCalendar(festivals=["618"], events=events)
    assert cal.event_names == ["618", "b_day", "store_anniversary"]
    assert cal.feature_names()[4:6] == ["ev_b_day", "ev_b_day_pos"]


# -- range edges -------------------------------------------------------------------


def test_occurrences_beyond_requested_range():
    cal = EventCalendar(festivals=["double_11", "double_12"], max_distance=400)
    X = cal.features(["2025-01-01"])
    # Dec 12, 2024 -> Jan 1, 2025: 19 days left in December + 1 = 20.
    assert X["ev_double_12_days_since"].item() == 20
    # Jan 1 -> Nov 11, 2025: 304 (Jan-Oct) + 10 = 314 days; the window of Double 11
    # starts Oct 22, 2024 (-20), so Oct 22 is the first in-window day.
    assert X["ev_double_11_days_to"].item() == 314
    edge = cal.features(["2024-10-21", "2024-10-22"])
    assert edge["ev_double_11"].tolist() == [0, 1]
    assert edge["ev_double_11_pos"].tolist() == [0, -20]


# -- oracle and properties -------------------------------------------------------


def _naive(cal: EventCalendar, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Per-date, per-occurrence loop over the occurrence table."""
    occ = cal.occurrences(days.min() - pd.Timedelta(days=800), days.max() + pd.Timedelta(days=800))
    cap = cal.max_distance
    rows = []
    for day in days:
        row: dict = {"ds": day}
        for event in cal.event_names:
            sub = occ[occ["event"] == event]
            offsets = [(day - o).days for o in sub["ds"]]
            cover = [
                off
                for off, lo, up in zip(
                    offsets, sub["lower_window"], sub["upper_window"], strict=True
                )
                if lo <= off <= up
            ]
            best = min(cover, key=lambda v: (abs(v), -v)) if cover else None
            row[f"ev_{event}"] = int(best is not None)
            row[f"ev_{event}_pos"] = best if best is not None else 0
            row[f"ev_{event}_days_to"] = min([-o for o in offsets if o <= 0] + [cap])
            row[f"ev_{event}_days_since"] = min([o for o in offsets if o >= 0] + [cap])
        rows.append(row)
    return pd.DataFrame(rows)


def test_vectorised_equals_naive_loop():
    rng = np.random.default_rng(7)
    events = pd.DataFrame(
        {
            "event": ["launch", "launch", "launch", "clearance"],
            "ds": ["2023-12-30", "2024-01-04", "2024-06-01", "2024-02-14"],
            "lower_window": [-4, -2, -10, 0],
            "upper_window": [5, 1, 0, 3],
        }
    )
    cal = EventCalendar(
        country="US",
        festivals=["double_12", "black_friday", "chinese_new_year"],
        events=events,
        holidays_as="one",
        holiday_windows={"Christmas Day": (-3, 1)},
        max_distance=45,
    )
    days = pd.DatetimeIndex(D("2023-11-01") + pd.to_timedelta(rng.integers(0, 500, 60), "D"))
    X = cal.features(days)
    expected = _naive(cal, days)
    pd.testing.assert_frame_equal(X, expected, check_dtype=False)


@settings(max_examples=15, deadline=None)
@given(
    freq=st.sampled_from(["W", "W-FRI", "W-MON", "MS", "ME"]),
    offsets=st.lists(st.integers(0, 700), min_size=1, max_size=8),
)
def test_periods_aggregate_daily_features(freq, offsets):
    cal = EventCalendar(festivals=["double_11", "618"], max_distance=90)
    dates = D("2023-01-01") + pd.to_timedelta(offsets, "D")
    X = cal.features(dates, freq=freq)
    for i, day in enumerate(dates):
        # pandas periods as an independent reference: "W" = W-SUN, months = "M".
        period = day.to_period({"W": "W-SUN", "MS": "M", "ME": "M"}.get(freq, freq))
        daily = cal.features(pd.date_range(period.start_time, period.end_time.normalize()))
        for ev in cal.event_names:
            ind = daily[f"ev_{ev}"].to_numpy()
            pos = daily[f"ev_{ev}_pos"].to_numpy()
            inside = pos[ind == 1]
            best = min(inside, key=lambda v: (abs(v), -v)) if len(inside) else 0
            assert X[f"ev_{ev}"][i] == ind.max()
            assert X[f"ev_{ev}_days"][i] == ind.sum()
            assert X[f"ev_{ev}_pos"][i] == best
            assert X[f"ev_{ev}_days_to"][i] == daily[f"ev_{ev}_days_to"].iloc[0]
            assert X[f"ev_{ev}_days_since"][i] == daily[f"ev_{ev}_days_since"].iloc[-1]


def test_weekly_hand_checked_values():
    cal = EventCalendar(festivals=["double_11"], max_distance=30)
    X = cal.features(start="2024-11-01", end="2024-11-30", freq="W-FRI")
    # W-FRI weeks run Sat..Fri; labels are the Fridays 11-01, 11-08, 11-15, 11-22, 11-29.
    # Window Oct 22..Nov 16. Week Nov 9-15 holds Nov 11 (days_to 2 from Sat Nov 9,
    # days_since 4 to Fri Nov 15); week Nov 16-22 holds one window day (Nov 16, pos +5).
    assert X["ds"].dt.strftime("%m-%d").tolist() == ["11-01", "11-08", "11-15", "11-22", "11-29"]
    assert X["ev_double_11"].tolist() == [1, 1, 1, 1, 0]
    assert X["ev_double_11_days"].tolist() == [7, 7, 7, 1, 0]
    assert X["ev_double_11_pos"].tolist() == [-10, -3, 0, 5, 0]
    assert X["ev_double_11_days_to"].tolist() == [16, 9, 2, 30, 30]
    assert X["ev_double_11_days_since"].tolist() == [30, 30, 4, 11, 18]
    monthly = cal.features(["2024-11-01"], freq="MS")
    # November: window days Nov 1..16 = 16; Nov 1 -> Nov 11 = 10; Nov 11 -> Nov 30 = 19.
    assert monthly.iloc[0, 1:].tolist() == [1, 16, 0, 10, 19]


def test_input_types_order_and_no_mutation(promo):
    strings = ["2024-03-11", "2024-03-01", "2024-03-11"]
    series = pd.Series(pd.to_datetime(strings), index=[10, 3, 7], name="when")
    before = series.copy()
    variants = [
        strings,
        np.array(strings, dtype="datetime64[D]"),
        pd.DatetimeIndex(strings),
        series,
    ]
    frames = [promo.features(v) for v in variants]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0], check_dtype=False)
    assert frames[0].index.equals(pd.RangeIndex(3))
    assert frames[0]["ev_promo_pos"].tolist() == [1, 0, 1]
    pd.testing.assert_series_equal(series, before)
    renamed = promo.features(series, time_col="date")
    assert renamed.columns[0] == "date"
    assert promo.features("2024-03-10")["ev_promo"].tolist() == [1]


def test_shuffling_dates_permutes_rows_and_is_deterministic(us):
    rng = np.random.default_rng(3)
    days = pd.date_range("2023-06-01", "2024-06-30")
    perm = rng.permutation(len(days))
    X = us.features(days)
    Y = us.features(days[perm])
    pd.testing.assert_frame_equal(Y, X.iloc[perm].reset_index(drop=True))
    pd.testing.assert_frame_equal(us.features(days), X)


def test_time_zone_and_time_of_day_use_local_calendar_day(promo):
    stamps = pd.DatetimeIndex(["2024-03-10 23:30", "2024-03-12 00:15"]).tz_localize("Asia/Tokyo")
    X = promo.features(stamps)
    assert X["ev_promo_pos"].tolist() == [0, 2]
    assert X["ds"].dt.tz is not None


def test_pickle_roundtrip_and_repr(us):
    cal = EventCalendar(country="US", festivals=["double_11"], max_distance=20)
    clone = pickle.loads(pickle.dumps(cal))
    days = pd.date_range("2024-11-01", "2024-12-31")
    pd.testing.assert_frame_equal(clone.features(days), cal.features(days))
    assert repr(cal) == "EventCalendar(country='US', festivals=['double_11'], max_distance=20)"


def test_empty_dates_and_feature_names(us):
    X = us.features(pd.DatetimeIndex([]))
    assert len(X) == 0
    assert list(X.columns) == ["ds", *us.feature_names()]
    weekly = us.features(start="2024-01-01", end="2024-02-01", freq="W")
    assert list(weekly.columns[1:]) == us.feature_names(freq="W")
    assert weekly["ds"].dt.day_of_week.eq(6).all()  # "W" = weeks ending Sunday
    assert us.feature_names()[:2] == ["ev_holiday", "ev_christmas_day"]


def test_default_festivals_are_all_builtins():
    assert EventCalendar().event_names == list(BUILTIN_FESTIVALS)
    assert EventCalendar(festivals=None).features(["2024-01-01"]).columns.tolist() == ["ds"]


# -- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"country": "XX"}, r"'XX'.*list_supported_countries"),
        ({"country": "us"}, r"Did you mean 'US'"),
        ({"country": "US", "subdiv": "ZZ"}, r"subdiv='ZZ'.*'CA'|subdiv='ZZ'"),
        ({"subdiv": "CA"}, r"needs a country"),
        ({"festivals": ["singles_day"]}, r"unknown festival 'singles_day'"),
        ({"festivals": "618"}, r"festivals='618' is invalid"),
        (
            {"festivals": {"618": (2, 0)}},
            r"festivals\['618'\]=\(2, 0\) is invalid.*lower_window <= 0",
        ),
        ({"holidays_as": "all"}, r"holidays_as='all'"),
        ({"max_distance": 0}, r"max_distance must be a positive int"),
        ({"holiday_windows": (-1, 0)}, r"country is None"),
        ({"country": "US", "holiday_windows": {"Xmas": (0, 1)}}, r"'Xmas'"),
        ({"country": "US", "holiday_windows": (0, -1)}, r"holiday_windows=\(0, -1\) is invalid"),
        ({"events": [("a", "2024-01-01")]}, r"must be a pandas DataFrame"),
    ],
)
def test_constructor_validation(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        EventCalendar(**kwargs)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"event": ["a"]}), r"missing columns \['ds'\]"),
        (pd.DataFrame({"name": ["a"], "ds": ["2024-01-01"]}), r"missing columns \['event'\]"),
        (
            pd.DataFrame({"event": ["a"], "holiday": ["a"], "ds": ["2024-01-01"]}),
            r"both an 'event' and a 'holiday'",
        ),
        (
            pd.DataFrame(
                {
                    "event": ["ok", "launch"],
                    "ds": ["2024-01-01", "2024-01-02"],
                    "lower_window": [0, 2],
                }
            ),
            r"'lower_window' must be <= 0.*rows \[1\] \(events \['launch'\]\)",
        ),  # fmt: skip
        (
            pd.DataFrame({"event": ["sale"], "ds": ["2024-01-01"], "upper_window": [-1]}),
            r"'upper_window' must be >= 0.*\['sale'\]",
        ),
        (
            pd.DataFrame({"event": ["sale"], "ds": ["2024-01-01"], "upper_window": [1.5]}),
            r"whole numbers.*\['sale'\]",
        ),
        (
            pd.DataFrame({"event": ["ok", "SKU-017 launch"], "ds": ["2024-01-01", "not a date"]}),
            r"unparseable dates.*rows \[1\].*SKU-017 launch",
        ),
        (pd.DataFrame({"event": ["a", None], "ds": ["2024-01-01"] * 2}), r"empty names.*\[1\]"),
    ],
)
def test_events_validation(frame, match):
    with pytest.raises(DataValidationError, match=match):
        EventCalendar(festivals=None, events=frame)


def test_event_name_collisions():
    clash = pd.DataFrame({"event": ["Double 11"], "ds": ["2024-11-11"]})
    with pytest.raises(DataValidationError, match=r"'double_11' is used by both a built-in"):
        EventCalendar(events=clash)
    assert "double_11" in EventCalendar(festivals=["618"], events=clash).event_names
    named_holiday = pd.DataFrame({"event": ["holiday"], "ds": ["2024-01-01"]})
    with pytest.raises(DataValidationError, match=r"'holiday' is used by both a public holiday"):
        EventCalendar(country="US", festivals=None, events=named_holiday)


def test_features_validation(promo):
    with pytest.raises(FrequencyError, match=r"freq='2W'"):
        promo.features(["2024-01-01"], freq="2W")
    with pytest.raises(DataValidationError, match=r"positions \[1\]: \['2024-13-45'\]"):
        promo.features(["2024-01-01", "2024-13-45"])
    with pytest.raises(DataValidationError, match=r"positions \[0\]"):
        promo.features(pd.Series([pd.NaT, D("2024-01-01")]))
    with pytest.raises(DataValidationError, match=r"not both"):
        promo.features(["2024-01-01"], start="2024-01-01", end="2024-02-01")
    with pytest.raises(DataValidationError, match=r"both start= and end="):
        promo.features(start="2024-01-01")
    with pytest.raises(DataValidationError, match=r"before start"):
        promo.features(start="2024-02-01", end="2024-01-01")
    with pytest.raises(DataValidationError, match=r"df\['ds'\]"):
        promo.features(pd.DataFrame({"ds": ["2024-01-01"]}))
    with pytest.raises(DataValidationError, match=r"unparseable values at positions \[0\]"):
        promo.features([20240101])
