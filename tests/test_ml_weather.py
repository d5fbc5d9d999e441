"""Tests for the weather features of forecastkit.ml._weather."""

from __future__ import annotations

import numpy as np
import pytest

from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.ml import _weather
from forecastkit.ml._weather import weather_features

NAN = np.nan


def _layout(dates_per_series):
    """codes, starts, dates from a list of date lists (one per series)."""
    lengths = [len(d) for d in dates_per_series]
    starts = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    codes = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    flat = [d for series in dates_per_series for d in series]
    return codes, starts, np.array(flat, dtype="datetime64[ns]")


def _naive_normal(values, locs, days, half):
    """Per-row loop over the definition: per (location, date) means, then the mean of
    those within `half` days of the same date 1, 2... years back, else of all earlier."""
    out = np.full(len(values), NAN)
    for r in range(len(values)):
        cells: dict[int, list[float]] = {}
        for j in range(len(values)):
            if locs[j] == locs[r] and days[j] < days[r] and not np.isnan(values[j]):
                cells.setdefault(int(days[j]), []).append(values[j])
        means = {day: np.mean(v) for day, v in cells.items()}
        seasonal = [
            m
            for day, m in means.items()
            if any(abs(day - (days[r] - round(365.2425 * k))) <= half for k in range(1, 12))
        ]
        if seasonal:
            out[r] = np.mean(seasonal)
        elif means:
            out[r] = np.mean(list(means.values()))
    return out


def test_seasonal_normal_hand_checked():
    dates = [
        "2022-06-30", "2022-07-01", "2022-07-02",
        "2023-07-01", "2023-07-02",
        "2024-07-01",
    ]  # fmt: skip
    codes, starts, stamps = _layout([dates])
    temp = [10.0, 20.0, 30.0, 26.0, 40.0, 50.0]
    X = weather_features(codes, starts, stamps, {"temp": temp}, normal_window_days=1)
    # 2022: no past year; expanding mean of earlier values: -, 10, (10 + 20) / 2 = 15.
    # 2023-07-01: 365 days back is 2022-07-01; window Jun 30 - Jul 2: (10+20+30)/3 = 20.
    # 2023-07-02: window Jul 1 - Jul 3 2022: (20 + 30) / 2 = 25.
    # 2024-07-01 (leap year): 365 days back is 2023-07-02 -> 26, 40; 730 days back is
    # 2022-07-02 -> 20, 30; normal (26 + 40 + 20 + 30) / 4 = 29.
    np.testing.assert_array_equal(X["weather_temp_dev"], [NAN, 10, 15, 6, 15, 21])
    np.testing.assert_array_equal(X["weather_temp"], np.float32(temp))
    assert all(v.dtype == np.float32 for v in X.values())


def test_series_of_one_location_share_a_per_date_normal():
    day = ["2024-01-01", "2024-01-02", "2024-01-03"]
    codes, starts, dates = _layout([day, day[1:], day])
    rain = [10.0, 20.0, 30.0] + [24.0, 34.0] + [0.0, 1.0, 2.0]
    X = weather_features(codes, starts, dates, {"rain": rain}, location=["s1", "s1", "s2"])
    # s1 per-date means: Jan 1 10, Jan 2 (20 + 24) / 2 = 22. Expanding normals:
    # Jan 2 -> 10, Jan 3 -> (10 + 22) / 2 = 16 (a per-row mean would give 18).
    # s2 is its own location: Jan 2 -> 0, Jan 3 -> 0.5.
    np.testing.assert_allclose(X["weather_rain_dev"], [NAN, 10, 14] + [14, 18] + [NAN, 1, 1.5])
    # Per-row location labels give the same result.
    per_row = np.array(["s1"] * 5 + ["s2"] * 3, dtype=object)
    X2 = weather_features(codes, starts, dates, {"rain": rain}, location=per_row)
    np.testing.assert_array_equal(X2["weather_rain_dev"], X["weather_rain_dev"])


def test_without_location_each_series_is_its_own():
    day = ["2024-01-01", "2024-01-02"]
    codes, starts, dates = _layout([day, day])
    X = weather_features(codes, starts, dates, {"t": [1.0, 2.0, 5.0, 9.0]})
    # Series 2's first row never sees series 1: NaN, and 9 - 5 on its second row.
    np.testing.assert_array_equal(X["weather_t_dev"], [NAN, 1, NAN, 4])


def _random_case(rng, n_series=4):
    base = np.datetime64("2021-01-01", "D")
    per_series = []
    for _ in range(n_series):
        days = np.sort(rng.choice(1200, size=int(rng.integers(1, 40)), replace=False))
        per_series.append((base + days).astype("datetime64[ns]"))
    codes, starts, dates = _layout(per_series)
    values = rng.normal(15, 8, len(codes)).round(1)
    values[rng.random(len(codes)) < 0.15] = NAN
    return codes, starts, dates, values


@pytest.mark.parametrize("chunk_cells", [1 << 22, 60])
@pytest.mark.parametrize("with_location", [False, True])
def test_matches_a_per_row_loop(monkeypatch, chunk_cells, with_location):
    # A small chunk budget forces the location chunks (sorted and argsorted paths).
    monkeypatch.setattr(_weather, "_CHUNK_CELLS", chunk_cells)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        codes, starts, dates, values = _random_case(rng)
        location = np.array(["b", "a", "b", "c"]) if with_location else None
        locs = codes if location is None else location[codes]
        half = int(rng.integers(0, 40))
        X = weather_features(
            codes, starts, dates, {"t": values}, location=location, normal_window_days=half
        )
        days = dates.astype("datetime64[D]").astype(np.int64)
        expected = values - _naive_normal(values, locs, days, half)
        np.testing.assert_allclose(X["weather_t_dev"], expected, rtol=1e-5, atol=1e-4)


def test_weekly_data_compares_with_the_same_weeks_a_year_back():
    weeks = np.arange(np.datetime64("2022-01-02"), np.datetime64("2024-01-01"), 7)
    codes, starts, dates = _layout([weeks])
    values = np.arange(len(weeks), dtype=float)
    X = weather_features(codes, starts, dates, {"t": values})
    # 2023-01-01 (row 52): 365 days back is 2022-01-01; within 15 days lie the weeks of
    # Jan 2, 9 and 16 2022 (rows 0-2), normal 1; 52 - 1 = 51.
    assert X["weather_t_dev"][52] == 51


def test_no_feature_reads_later_rows():
    for seed in range(10):
        rng = np.random.default_rng(seed)
        codes, starts, dates, values = _random_case(rng)
        location = np.array(["a", "a", "b", "a"])
        row = int(rng.integers(0, len(codes)))
        # Later rows of the series, and every other row dated on or after this one.
        later = ((np.arange(len(codes)) > row) & (codes == codes[row])) | (dates >= dates[row])
        later[row] = False
        changed = np.where(later, rng.normal(0, 50, len(values)), values)
        before = weather_features(codes, starts, dates, {"t": values}, location=location)
        after = weather_features(codes, starts, dates, {"t": changed}, location=location)
        for name in before:
            np.testing.assert_array_equal(before[name][row], after[name][row], err_msg=name)


def test_deterministic_and_two_columns():
    codes, starts, dates, values = _random_case(np.random.default_rng(3))
    cols = {"temp": values, "rain": np.abs(values)}
    first = weather_features(codes, starts, dates, cols)
    second = weather_features(codes, starts, dates, cols)
    assert list(first) == ["weather_temp", "weather_temp_dev", "weather_rain", "weather_rain_dev"]
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_errors():
    day = ["2024-01-01", "2024-01-02"]
    codes, starts, dates = _layout([day, day])
    ids = ["SKU-1", "SKU-2"]
    ok = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(DataValidationError, match="weather column 'sky' must be numeric"):
        weather_features(codes, starts, dates, {"sky": ["sun", "rain", "sun", "sun"]})
    with pytest.raises(DataValidationError, match="one value per row"):
        weather_features(codes, starts, dates, {"t": [1.0]})
    with pytest.raises(DataValidationError, match=r"1 infinite values in 1 series \['SKU-2'\]"):
        weather_features(codes, starts, dates, {"t": [1.0, 2.0, 3.0, np.inf]}, ids=ids)
    with pytest.raises(DataValidationError, match=r"location changes within 1 series \['SKU-2'\]"):
        weather_features(codes, starts, dates, {"t": ok}, location=["a", "a", "a", "b"], ids=ids)
    with pytest.raises(DataValidationError, match="1 missing labels"):
        weather_features(codes, starts, dates, {"t": ok}, location=["a", None])
    with pytest.raises(DataValidationError, match="one label per row"):
        weather_features(codes, starts, dates, {"t": ok}, location=["a", "b", "c"])
    for bad in (200, True, 1.5):
        with pytest.raises(InvalidParameterError, match="normal_window_days"):
            weather_features(codes, starts, dates, {"t": ok}, normal_window_days=bad)
    with pytest.raises(InvalidParameterError, match="names must be strings"):
        weather_features(codes, starts, dates, {3: ok})
    with pytest.raises(InvalidParameterError, match="columns must map names"):
        weather_features(codes, starts, dates, [ok])
    with pytest.raises(DataValidationError, match="increase strictly"):
        weather_features(codes, starts, dates[[1, 0, 2, 3]], {"t": ok})
