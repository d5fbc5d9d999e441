"""Tests for forecastkit.data: validation, frequency inference and gap filling."""

from __future__ import annotations

import datetime as dt
import decimal
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.data import (
    PreparedData,
    check_future_frame,
    infer_freq,
    prepare,
    series_lengths,
    to_pandas,
)
from forecastkit.errors import (
    DataValidationError,
    DataWarning,
    FrequencyError,
    InsufficientDataError,
)

ME = pd.offsets.MonthEnd().freqstr  # "ME" on pandas >= 2.2, "M" before
HOURLY = pd.offsets.Hour().freqstr  # "h" on pandas >= 2.2, "H" before


def frame(ids, dates, y=None, **exog):
    data = {"unique_id": ids, "ds": pd.to_datetime(dates)}
    if y is not None:
        data["y"] = y
    data.update(exog)
    return pd.DataFrame(data)


def daily(n_days=5, ids=("SKU-001",), start="2024-01-01"):
    dates = pd.date_range(start, periods=n_days, freq="D")
    return frame(
        np.repeat(list(ids), n_days),
        np.tile(dates, len(ids)),
        np.arange(n_days * len(ids), dtype=float),
    )


# --------------------------------------------------------------------------- filling
def test_missing_day_filled_with_zero_and_exog_ffilled():
    df = frame(
        ["A"] * 3,
        ["2024-01-01", "2024-01-02", "2024-01-04"],
        [5.0, 7.0, 2.0],
        price=[1.5, 1.2, 1.1],
        promo=[False, True, False],
    )
    out = prepare(df).df
    assert out["ds"].tolist() == list(pd.date_range("2024-01-01", periods=4))
    assert out["y"].tolist() == [5.0, 7.0, 0.0, 2.0]
    # the inserted 2024-01-03 row carries the exogenous values of 2024-01-02
    assert out["price"].tolist() == [1.5, 1.2, 1.2, 1.1]
    assert out["promo"].tolist() == [False, True, True, False]


def test_missing_nan_and_exog_nan_policies():
    df = frame(
        ["A"] * 3,
        ["2024-01-01", "2024-01-02", "2024-01-04"],
        [5.0, 7.0, 2.0],
        price=[1.5, 1.2, 1.1],
    )
    out = prepare(df, missing="nan", exog_missing="nan").df
    assert np.isnan(out["y"].iloc[2]) and out["y"].iloc[[0, 1, 3]].tolist() == [5.0, 7.0, 2.0]
    assert np.isnan(out["price"].iloc[2]) and out["price"].iloc[3] == 1.1


def test_exog_zero_policy_by_column_kind():
    df = frame(
        ["A"] * 3,
        ["2024-01-01", "2024-01-03", "2024-01-04"],
        [1.0, 2.0, 3.0],
        units=[4, 6, 5],
        promo=[True, True, True],
        brand=["x", "y", "z"],
    )
    out = prepare(df, exog_missing="zero").df
    assert out["units"].tolist() == [4, 0, 6, 5]
    assert out["units"].dtype == np.int64  # zero keeps the integer dtype
    assert out["promo"].tolist() == [True, False, True, True]
    assert pd.isna(out["brand"].iloc[1]) and out["brand"].iloc[2] == "y"


def test_missing_error_names_series_and_first_missing_date():
    df = pd.concat(
        [daily(3, ("SKU-001",)), frame(["SKU-017"] * 2, ["2024-01-01", "2024-01-05"], [1.0, 1.0])]
    )
    with pytest.raises(DataValidationError, match=r"3 'D' periods.*SKU-017.*2024-01-02"):
        prepare(df, missing="error")


def test_fill_count_in_report_matches_grid_minus_rows():
    # A: 01-01..01-10 with 4 rows -> 10 periods, 6 filled; B: complete, 0 filled
    df = pd.concat(
        [
            frame(["A"] * 4, ["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-10"], [1.0] * 4),
            daily(3, ("B",)),
        ]
    )
    prepared = prepare(df)
    report = prepared.report
    assert report.filled.to_dict("list") == {"unique_id": ["A"], "n_filled": [6]}
    assert (report.n_rows_in, report.n_rows_out, report.n_series) == (7, 13, 2)
    assert report.series["n_obs"].tolist() == [4, 3]
    assert report.series["end"].tolist() == [pd.Timestamp("2024-01-10"), pd.Timestamp("2024-01-03")]
    assert len(prepared.df) == 13


def test_month_end_fill_inserts_true_month_end():
    df = frame(["A"] * 3, ["2024-01-31", "2024-03-31", "2024-04-30"], [1.0, 2.0, 3.0])
    prepared = prepare(df)
    assert prepared.freq == ME
    # 2024 is a leap year: the inserted February period ends on the 29th
    assert prepared.df["ds"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
    ]
    assert prepared.df["y"].tolist() == [1.0, 0.0, 2.0, 3.0]


def test_quarter_start_fill():
    df = frame(["A"] * 2, ["2023-10-01", "2024-04-01"], [1.0, 2.0])
    df = pd.concat([df, frame(["B"] * 2, ["2023-01-01", "2023-04-01"], [1.0, 1.0])])
    prepared = prepare(df)
    assert prepared.freq == "QS-JAN"
    a = prepared.df[prepared.df["unique_id"] == "A"]
    assert a["ds"].dt.strftime("%Y-%m").tolist() == ["2023-10", "2024-01", "2024-04"]


# --------------------------------------------------------------------------- target
def test_negative_clip_warns_with_ids_and_sets_zero():
    df = daily(3, ("SKU-001", "SKU-017"))
    df.loc[4, "y"] = -2.0
    with pytest.warns(DataWarning, match=r"1 negative values.*SKU-017.*negative='keep'") as rec:
        prepared = prepare(df)
    assert rec[0].filename == __file__  # the warning points at the caller of prepare
    assert prepared.df["y"].tolist() == [0.0, 1.0, 2.0, 3.0, 0.0, 5.0]
    assert prepared.report.clipped.to_dict("list") == {"unique_id": ["SKU-017"], "n_negative": [1]}


def test_negative_error_names_series_and_date():
    df = daily(3, ("SKU-001", "SKU-017"))
    df.loc[5, "y"] = -1.0
    with pytest.raises(DataValidationError, match=r"SKU-017.*2024-01-03.*negative='clip'"):
        prepare(df, negative="error")


def test_negative_keep_leaves_values():
    df = daily(2)
    df.loc[1, "y"] = -3.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # keep must not warn
        out = prepare(df, negative="keep").df
    assert out["y"].tolist() == [0.0, -3.5]


def test_nan_target_error_names_series():
    df = daily(3, ("SKU-001", "SKU-017"))
    df.loc[3, "y"] = np.nan
    with pytest.raises(DataValidationError, match=r"1 NaN values in 1 series \['SKU-017'\]"):
        prepare(df)


@pytest.mark.parametrize(
    ("policy", "missing", "expected"),
    [
        ("zero", "zero", [0.0, 0.0, 2.0]),
        ("keep", "zero", [0.0, np.nan, 2.0]),
        ("drop", "zero", [0.0, 0.0, 2.0]),  # dropped row comes back as a filled period
        ("drop", "nan", [0.0, np.nan, 2.0]),
    ],
)
def test_nan_target_policies(policy, missing, expected):
    df = daily(3)
    df.loc[1, "y"] = np.nan
    prepared = prepare(df, nan_target=policy, missing=missing)
    np.testing.assert_array_equal(prepared.df["y"].to_numpy(), expected)
    assert prepared.report.nan_target["n_nan"].tolist() == [1]
    assert prepared.report.series["n_obs"].tolist() == [2]  # NaN is never an observation


def test_nullable_integer_target_with_na():
    df = daily(3)
    df["y"] = pd.array([1, None, 3], dtype="Int64")
    out = prepare(df, nan_target="keep").df
    assert out["y"].dtype == np.float64
    np.testing.assert_array_equal(out["y"].to_numpy(), [1.0, np.nan, 3.0])


def test_infinite_target_rejected():
    df = daily(3, ("SKU-001", "SKU-017"))
    df.loc[4, "y"] = np.inf
    with pytest.raises(DataValidationError, match=r"1 infinite values.*SKU-017"):
        prepare(df)


def test_numeric_strings_rejected_with_to_numeric_hint():
    df = daily(2)
    df["y"] = ["12", "oops"]
    with pytest.raises(DataValidationError, match=r"'oops'.*pd\.to_numeric"):
        prepare(df)


def test_boolean_target_rejected():
    df = daily(2)
    df["y"] = [True, False]
    with pytest.raises(DataValidationError, match="boolean"):
        prepare(df)


def test_object_column_of_numbers_accepted():
    df = daily(3)
    df["y"] = pd.Series([1, 2.5, decimal.Decimal("4")], dtype=object)
    assert prepare(df).df["y"].tolist() == [1.0, 2.5, 4.0]


# --------------------------------------------------------------------------- structure errors
def test_duplicates_name_pairs_count_and_groupby_hint():
    df = pd.concat([daily(3, ("SKU-001", "SKU-017")), daily(3, ("SKU-017",)).iloc[[1]]])
    with pytest.raises(
        DataValidationError, match=r"1 rows repeat.*\('SKU-017', '2024-01-02'\).*groupby"
    ):
        prepare(df)


def test_missing_columns_listed_with_argument_hint():
    df = daily(2).rename(columns={"y": "sales"})
    with pytest.raises(DataValidationError, match=r"no column \['y'\].*'sales'.*target_col="):
        prepare(df)


def test_empty_frame_rejected():
    with pytest.raises(DataValidationError, match="empty"):
        prepare(daily(2).iloc[:0])


@pytest.mark.parametrize("bad", [[1, 2, 3], {"y": [1]}, pd.Series([1.0])])
def test_non_frame_input_rejected(bad):
    with pytest.raises(DataValidationError, match="pandas or polars DataFrame"):
        prepare(bad)


def test_missing_ids_rejected():
    df = daily(3)
    df["unique_id"] = ["A", None, "A"]
    with pytest.raises(DataValidationError, match=r"1 missing series ids \(rows \[1\]\)"):
        prepare(df)


def test_mixed_id_types_rejected():
    df = daily(2, ("A", "B"))
    df["unique_id"] = pd.Series([1, 1, "1", "1"], dtype=object)
    with pytest.raises(DataValidationError, match=r"mixes id types \['int', 'str'\]"):
        prepare(df)


def test_unparseable_dates_named():
    df = daily(3)
    df["ds"] = ["2024-01-01", "2024-01-02", "not a date"]
    with pytest.raises(DataValidationError, match=r"1 values that are not dates.*'not a date'"):
        prepare(df)


def test_numeric_dates_rejected():
    df = daily(2)
    df["ds"] = [20240101, 20240102]
    with pytest.raises(DataValidationError, match=r"holds numbers.*format='%Y%m%d'"):
        prepare(df)


def test_missing_dates_name_series():
    df = daily(2, ("SKU-001", "SKU-017"))
    df.loc[3, "ds"] = pd.NaT
    with pytest.raises(DataValidationError, match=r"1 missing dates in series \['SKU-017'\]"):
        prepare(df)


def test_string_and_date_objects_parsed():
    df = daily(3)
    df["ds"] = [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    strings = daily(3).assign(ds=["2024-01-01", "2024-01-02", "2024-01-03"])
    expected = pd.date_range("2024-01-01", periods=3).tolist()
    assert prepare(df).df["ds"].tolist() == expected
    assert prepare(strings).df["ds"].tolist() == expected


def test_tz_aware_dates_keep_local_wall_time():
    df = daily(3)
    df["ds"] = pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Berlin")
    out = prepare(df).df
    assert out["ds"].dt.tz is None and str(out["ds"].dtype) == "datetime64[ns]"
    # local calendar dates survive (the DST switch on 2024-03-31 does not shift them)
    assert out["ds"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-03-30 00:00",
        "2024-03-31 00:00",
        "2024-04-01 00:00",
    ]


def test_mixed_timezone_strings_rejected():
    df = daily(2)
    df["ds"] = ["2024-01-01T00:00+01:00", "2024-01-02T00:00+02:00"]
    with pytest.raises(DataValidationError, match="could not be parsed as dates"):
        prepare(df)


def test_dates_beyond_nanosecond_range_rejected():
    df = daily(2)
    df["ds"] = ["2024-01-01", "2300-01-01"]  # a typo'd year; pandas ns stamps end in 2262
    with pytest.raises(DataValidationError, match="outside 1677-09-22..2262-04-11"):
        prepare(df)


def test_id_in_index_gets_reset_index_hint():
    df = daily(2).set_index("unique_id")
    with pytest.raises(DataValidationError, match=r"in the index: call \.reset_index\(\)"):
        prepare(df)


def test_integer_ids_named_as_integers():
    df = frame([5, 5, 17, 17], ["2024-01-01", "2024-01-02"] * 2, [1.0, 2.0, 3.0, np.nan])
    with pytest.raises(
        DataValidationError, match=r"in 1 series \[17\], e\.g\. \[\(17, '2024-01-02'\)\]"
    ):
        prepare(df)


def test_all_rows_dropped_is_an_error():
    df = daily(3)
    df["y"] = np.nan
    with pytest.raises(InsufficientDataError, match="no rows left"):
        prepare(df, nan_target="drop", freq="D")


def test_series_without_observations_dropped_by_nan_drop():
    df = pd.concat([daily(3, ("SKU-001",)), daily(3, ("SKU-017",)).assign(y=np.nan)])
    with pytest.warns(DataWarning, match=r"SKU-017.*counts \[0\]"):
        prepared = prepare(df, nan_target="drop")
    assert prepared.df["unique_id"].unique().tolist() == ["SKU-001"]
    assert prepared.report.dropped_series == ["SKU-017"]
    assert prepared.report.nan_target.to_dict("list") == {"unique_id": ["SKU-017"], "n_nan": [3]}


def test_hourly_gap_filled():
    df = frame(
        ["A"] * 3, ["2024-01-01 22:00", "2024-01-01 23:00", "2024-01-02 01:00"], [1.0, 2.0, 3.0]
    )
    out = prepare(df).df
    assert out["ds"].iloc[2] == pd.Timestamp("2024-01-02 00:00") and out["y"].iloc[2] == 0.0


def test_invalid_option_rejected():
    with pytest.raises(ValueError, match=r"missing='ffill' is not valid"):
        prepare(daily(2), missing="ffill")
    with pytest.raises(ValueError, match="min_length"):
        prepare(daily(2), min_length=-1)


# --------------------------------------------------------------------------- frequency
def test_walmart_fridays_infer_w_fri():
    # Walmart (Kaggle M5 predecessor) weeks are dated on Fridays: 2010-02-05 was a Friday
    df = frame(
        ["1_1"] * 3 + ["1_2"] * 2,
        ["2010-02-05", "2010-02-12", "2010-02-26", "2010-02-05", "2010-02-12"],
        [24924.5, 46039.49, 19403.54, 50605.27, 44682.74],
    )
    assert infer_freq(df) == "W-FRI"
    out = prepare(df).df
    assert out["ds"].iloc[2] == pd.Timestamp("2010-02-19") and out["y"].iloc[2] == 0.0


@pytest.mark.parametrize("anchor", ["W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "W-SUN"])
def test_every_weekly_anchor_detected(anchor):
    dates = pd.date_range("1969-12-01", periods=5, freq=anchor)  # crosses the 1970 epoch
    assert infer_freq(frame(["A"] * 5, dates)) == anchor


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2024-01-01", "2024-02-01", "2024-05-01"], "MS"),
        (["2023-11-30", "2023-12-31", "2024-02-29"], ME),
        (["2023-01-01", "2023-04-01", "2023-10-01"], "QS-JAN"),
        (
            ["2023-03-31", "2023-06-30", "2023-12-31"],
            pd.offsets.QuarterEnd(startingMonth=12).freqstr,
        ),
        (["2020-01-01", "2021-01-01", "2023-01-01"], pd.offsets.YearBegin().freqstr),
        (["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 03:00"], HOURLY),
        (["2024-01-01 00:00", "2024-01-01 00:15", "2024-01-01 00:30"], "15min"),
    ],
)
def test_calendar_and_fixed_frequencies(dates, expected):
    assert infer_freq(frame(["A"] * 3, dates)) == expected


def test_custom_column_names_everywhere():
    df = pd.DataFrame(
        {
            "store": [7, 7, 7],
            "week": pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-26"]),
            "sales": [1, 2, 3],
        }
    )
    assert infer_freq(df, id_col="store", time_col="week") == "W-FRI"
    prepared = prepare(df, id_col="store", time_col="week", target_col="sales")
    assert list(prepared.df.columns) == ["store", "week", "sales"]
    assert prepared.report.filled.to_dict("list") == {"store": [7], "n_filled": [1]}
    assert series_lengths(df, id_col="store").to_dict() == {7: 3}


def test_mixed_weekly_anchors_name_the_odd_series():
    fridays = pd.date_range("2024-01-05", periods=4, freq="W-FRI")
    tuesdays = pd.date_range("2024-01-02", periods=3, freq="W-TUE")
    df = frame(["SKU-001"] * 4 + ["SKU-017"] * 3, list(fridays) + list(tuesdays))
    with pytest.raises(FrequencyError, match=r"3 dates in 1 series \['SKU-017'\].*Tuesdays"):
        infer_freq(df)


def test_irregular_gaps_ask_for_explicit_freq():
    df = frame(["SKU-017"] * 4, ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-18"])
    with pytest.raises(FrequencyError, match=r"SKU-017.*2024-01-18.*pass freq="):
        infer_freq(df)


def test_single_row_series_cannot_infer():
    df = frame(["A", "B"], ["2024-01-01", "2024-01-05"], [1.0, 2.0])
    with pytest.raises(FrequencyError, match="single date.*freq="):
        prepare(df)
    assert prepare(df, freq="D").df["y"].tolist() == [1.0, 2.0]


def test_tuesday_in_friday_series_is_off_grid():
    dates = ["2024-01-05", "2024-01-12", "2024-01-16", "2024-01-19"]  # 01-16 is a Tuesday
    df = pd.concat(
        [
            frame(["SKU-001"] * 3, ["2024-01-05", "2024-01-12", "2024-01-19"], [1.0] * 3),
            frame(["SKU-017"] * 4, dates, [1.0] * 4),
        ]
    )
    with pytest.raises(FrequencyError, match=r"SKU-017.*2024-01-16.*'W-FRI' grid.*Tuesdays"):
        prepare(df, freq="W-FRI")


def test_explicit_freq_mismatch_suggests_inferred():
    df = daily(10, ("SKU-017",))
    with pytest.raises(FrequencyError, match=r"not on the 'W-FRI' grid.*look like freq='D'"):
        prepare(df, freq="W-FRI")


@pytest.mark.parametrize(
    ("freq", "dates", "expected"),
    [
        ("W", ["2024-01-07", "2024-01-14"], "W-SUN"),
        ("M", ["2024-01-31", "2024-02-29"], ME),
        ("ME", ["2024-01-31", "2024-02-29"], ME),
        ("MS", ["2024-01-01", "2024-02-01"], "MS"),
        ("H", ["2024-01-01 05:00", "2024-01-01 06:00"], HOURLY),
    ],
)
def test_explicit_freq_aliases_normalized(freq, dates, expected):
    assert prepare(frame(["A", "A"], dates, [1.0, 2.0]), freq=freq).freq == expected


def test_explicit_finer_freq_warns_about_coarse_data():
    df = frame(["A"] * 3, pd.date_range("2024-01-05", periods=3, freq="W-FRI"), [1.0] * 3)
    with pytest.warns(DataWarning, match=r"no two dates.*smallest gap: 7 periods") as rec:
        out = prepare(df, freq="D").df
    assert rec[0].filename == __file__
    assert len(out) == 15  # 3 observed weeks become 15 days, 12 of them zero


def test_unsupported_and_invalid_freq():
    with pytest.raises(FrequencyError, match=r"freq='B' \(BusinessDay\) is not supported"):
        prepare(daily(3), freq="B")
    with pytest.raises(FrequencyError, match="not a pandas frequency"):
        prepare(daily(3), freq="fortnightly")


# --------------------------------------------------------------------------- contract
def test_output_sorted_with_dtypes_and_range_index():
    df = daily(3, ("b", "a")).iloc[::-1].set_index(pd.Index([10, 11, 12, 13, 14, 15]))
    out = prepare(df).df
    assert out["unique_id"].tolist() == ["a"] * 3 + ["b"] * 3
    assert out.groupby("unique_id")["ds"].apply(lambda s: s.is_monotonic_increasing).all()
    assert isinstance(out.index, pd.RangeIndex) and out.index.tolist() == list(range(6))
    assert str(out["ds"].dtype) == "datetime64[ns]" and out["y"].dtype == np.float64
    assert out["y"].tolist() == [3.0, 4.0, 5.0, 0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([3, 3, 1, 1], dtype="int64"),
        pd.Series(["x", "x", "w", "w"]),
        pd.Series(pd.Categorical(["x", "x", "w", "w"])),
    ],
)
def test_id_dtype_preserved(ids):
    df = frame(ids, ["2024-01-01", "2024-01-02"] * 2, [1.0, 2.0, 3.0, 4.0])
    out = prepare(df).df
    assert out["unique_id"].dtype == ids.dtype
    assert out["unique_id"].tolist() == sorted(ids.tolist())


def test_input_never_mutated():
    df = frame(
        ["B", "A", "A", "A"],
        ["2024-01-02", "2024-01-01", "2024-01-04", "2024-01-02"],
        [-1.0, np.nan, 2.0, 3.0],
        price=[1.0, 2.0, 3.0, 4.0],
    )
    df = df.set_index(pd.Index([5, 6, 7, 8]))
    before = df.copy(deep=True)
    with pytest.warns(DataWarning):
        prepare(df, nan_target="zero", exog_missing="zero")
    pd.testing.assert_frame_equal(df, before)


def test_short_series_policies():
    df = pd.concat([daily(5, ("SKU-001",)), daily(2, ("SKU-017",))])
    with pytest.warns(DataWarning, match=r"fewer than min_length=3.*SKU-017"):
        kept = prepare(df, min_length=3)
    assert kept.report.short_series == ["SKU-017"] and kept.report.n_series == 2
    with pytest.warns(DataWarning, match="dropped them"):
        dropped = prepare(df, min_length=3, short="drop")
    assert dropped.df["unique_id"].unique().tolist() == ["SKU-001"]
    assert dropped.report.dropped_series == ["SKU-017"]
    with pytest.raises(InsufficientDataError, match=r"SKU-017.*counts \[2\]"):
        prepare(df, min_length=3, short="error")


def test_frame_without_target():
    df = frame(["A"] * 3, ["2024-01-01", "2024-01-03", "2024-01-04"], price=[2.0, 3.0, 4.0])
    prepared = prepare(df, require_target=False)
    assert prepared.target_col is None and prepared.exog_cols == ("price",)
    assert prepared.df.to_dict("list")["price"] == [2.0, 2.0, 3.0, 4.0]
    with pytest.raises(DataValidationError, match=r"no column \['y'\]"):
        prepare(df)


def test_report_summary_lines():
    df = frame(["A"] * 3, ["2024-01-01", "2024-01-02", "2024-01-04"], [1.0, -1.0, np.nan])
    with pytest.warns(DataWarning):
        report = prepare(df, nan_target="zero").report
    assert report.summary().splitlines() == [
        "1 series, 3 rows in, 4 rows out, freq 'D'",
        "filled 1 missing periods in 1 series (missing='zero')",
        "1 negative targets in 1 series (clipped to 0)",
        "1 NaN targets in 1 series (nan_target='zero')",
    ]
    assert isinstance(prepare(daily(2)), PreparedData)


def test_polars_dataframe_and_lazyframe():
    pl = pytest.importorskip("polars")
    source = frame(["A"] * 3, ["2024-01-01", "2024-01-02", "2024-01-04"], [1.0, 2.0, 3.0])
    expected = prepare(source).df
    pl_frame = pl.DataFrame(
        {"unique_id": ["A"] * 3, "ds": source["ds"].tolist(), "y": [1.0, 2.0, 3.0]}
    )
    for polars_input in (pl_frame, pl_frame.lazy()):
        out = prepare(polars_input).df
        assert out["y"].tolist() == [1.0, 2.0, 0.0, 3.0]
        pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert isinstance(to_pandas(pl_frame), pd.DataFrame)


# --------------------------------------------------------------------------- future frames
@pytest.fixture
def horizon():
    return frame(["SKU-001", "SKU-001", "SKU-017", "SKU-017"], ["2024-02-01", "2024-02-02"] * 2)


def test_check_future_frame_aligns_to_horizon(horizon):
    future = horizon.iloc[::-1].assign(price=[4.0, 3.0, 2.0, 1.0], extra=0)
    out = check_future_frame(future, expected=horizon, columns=["price"])
    assert list(out.columns) == ["unique_id", "ds", "price"]
    assert out["price"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert out["unique_id"].tolist() == horizon["unique_id"].tolist()


def test_check_future_frame_names_column_series_and_dates(horizon):
    future = horizon.iloc[:3].assign(price=[1.0, 2.0, 3.0])  # SKU-017 lacks 2024-02-02
    with pytest.raises(DataValidationError, match=r"'price'.*SKU-017.*2024-02-02"):
        check_future_frame(future, expected=horizon, columns=["price"])
    with pytest.raises(DataValidationError, match=r"X_future has no column \['promo'\]"):
        check_future_frame(future, expected=horizon, columns=["price", "promo"])


def test_check_future_frame_nan_values(horizon):
    future = horizon.assign(price=[1.0, np.nan, 3.0, 4.0])
    with pytest.raises(DataValidationError, match=r"'price' for 1 .*SKU-001.*2024-02-02"):
        check_future_frame(future, expected=horizon, columns=["price"])
    out = check_future_frame(future, expected=horizon, columns=["price"], allow_nan=True)
    assert np.isnan(out["price"].iloc[1])


def test_check_future_frame_id_type_mismatch(horizon):
    future = horizon.assign(unique_id=[1, 1, 2, 2], price=1.0)
    with pytest.raises(DataValidationError, match="convert them to the same type"):
        check_future_frame(future, expected=horizon, columns=["price"])


def test_series_lengths_counts_rows():
    df = pd.concat([daily(4, ("b",)), daily(2, ("a",))])
    assert series_lengths(df).to_dict() == {"a": 2, "b": 4}


# --------------------------------------------------------------------------- properties
FREQS = ["D", "W-WED", "MS", ME, HOURLY]


@st.composite
def gappy_frames(draw):
    freq = draw(st.sampled_from(FREQS))
    n_series = draw(st.integers(1, 4))
    grid = pd.date_range("2023-11-01", periods=15, freq=freq)
    rows = []
    for i in range(n_series):
        positions = draw(st.sets(st.integers(0, 14), min_size=1, max_size=15))
        rows += [(f"S{i}", grid[p], float(p + 10 * i)) for p in sorted(positions)]
    df = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    order = draw(st.permutations(range(len(df))))
    return freq, df, df.iloc[list(order)]


def naive_fill(df, freq):
    """Oracle: one pandas reindex per series."""
    parts = []
    for uid, group in df.groupby("unique_id", sort=True):
        full = pd.date_range(group["ds"].min(), group["ds"].max(), freq=freq)
        part = group.set_index("ds")["y"].reindex(full, fill_value=0.0)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": full, "y": part.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


@settings(max_examples=60, deadline=None)
@given(gappy_frames())
def test_vectorized_fill_matches_per_series_oracle_and_shuffle(case):
    freq, df, shuffled = case
    with warnings.catch_warnings():
        # sparse draws trigger "no two dates of any series are one period apart"
        warnings.simplefilter("ignore", DataWarning)
        prepared = prepare(shuffled, freq=freq)
        unshuffled = prepare(df, freq=freq)
    expected = naive_fill(df, freq)
    pd.testing.assert_frame_equal(prepared.df, expected, check_dtype=False)
    pd.testing.assert_frame_equal(prepared.df, unshuffled.df)
    assert prepared.report.filled["n_filled"].sum() == len(expected) - len(df)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FREQS), st.integers(2, 30), st.sets(st.integers(1, 28), max_size=20))
def test_inferred_freq_round_trips_with_missing_periods(freq, n_periods, holes):
    # a complete series plus a gappy one: the most common gap is one period
    grid = pd.date_range("1999-12-01", periods=n_periods, freq=freq)
    gappy = [d for i, d in enumerate(grid) if i not in holes or i in (0, n_periods - 1)]
    df = frame(["full"] * n_periods + ["gappy"] * len(gappy), list(grid) + gappy)
    assert infer_freq(df) == pd.tseries.frequencies.to_offset(freq).freqstr
    prepared = prepare(df, require_target=False)
    assert len(prepared.df) == 2 * n_periods
    assert prepared.report.filled["n_filled"].sum() == n_periods - len(gappy)


def test_mid_month_dates_get_a_normalisation_hint():
    df = pd.DataFrame(
        {
            "unique_id": "m",
            "ds": pd.to_datetime(["2024-01-15", "2024-02-15", "2024-03-15", "2024-04-15"]),
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    for freq in (None, "MS"):
        with pytest.raises(FrequencyError, match=r"to_period\('M'\)"):
            prepare(df, freq=freq)
    df["ds"] = df["ds"].dt.to_period("M").dt.to_timestamp()
    assert prepare(df).freq == "MS"


def test_multi_day_inferred_step_warns_and_names_the_fix():
    df = pd.DataFrame(
        {
            "unique_id": "s",
            "ds": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-09"]),
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    with pytest.warns(DataWarning, match="pass freq='D'"):
        prepared = prepare(df)
    assert prepared.freq == "2D"
    assert len(prepared.df) == 5  # 2024-01-07 filled on the 2-day grid
    with pytest.warns(DataWarning, match="coarser than 'D'"):
        daily = prepare(df, freq="D")
    assert len(daily.df) == 9
