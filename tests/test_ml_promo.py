"""Tests for the promotion and price features of forecastkit.ml._promo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.ml._promo import (
    _rolling_max,
    _rolling_median,
    estimate_regular_price,
    price_features,
    promo_features,
    promo_type_categories,
)

NAN = np.nan


def _layout(lengths, offsets=None, step="D"):
    """codes, starts, dates of series with these lengths, series i starting offsets[i] steps
    after 2024-01-01."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(len(lengths), dtype=np.int64) if offsets is None else np.asarray(offsets)
    starts = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    codes = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    position = np.arange(starts[-1]) - starts[:-1][codes]
    unit = np.timedelta64(7 if step == "W" else 1, "D")
    dates = np.datetime64("2024-01-01", "ns") + (offsets[codes] + position) * unit
    return codes, starts, dates.astype("datetime64[ns]")


def _naive_window(values, starts, window, stat):
    """Per-series loop: stat of the known values among the last `window` rows."""
    out = np.full(len(values), NAN)
    for i in range(len(starts) - 1):
        for r in range(starts[i], starts[i + 1]):
            cell = values[max(starts[i], r - window + 1) : r + 1]
            cell = cell[~np.isnan(cell)]
            if len(cell):
                out[r] = stat(cell)
    return out


# -- hand-checked values ---------------------------------------------------------


def test_promo_features_hand_checked_two_series():
    # Series A: 8 days, series B: 3 days, both from 2024-01-01.
    codes, starts, dates = _layout([8, 3])
    promo = [0, 1, 1, 0, 0, 1, 1, 1] + [0, 1, 0]
    price = [10, 8, 8, 10, 10, 7, 7, 7.5] + [5, 5, 5]
    X = promo_features(
        codes, starts, dates, promo=promo, price=price, windows=(3,), regular_window=4
    )
    # Regular price = max of the last 4 prices: 10 on every row of A, 5 on B
    # (B's first row does not see A's 10). Depth = 1 - price / regular:
    # A: 1-8/10=0.2, 1-7/10=0.3, 1-7.5/10=0.25.
    np.testing.assert_allclose(X["promo_depth"], [0, 0.2, 0.2, 0, 0, 0.3, 0.3, 0.25, 0, 0, 0])
    np.testing.assert_array_equal(X["promo_flag"], promo)
    # Days since the last promotion day (0 on one); B's first row has none of its own.
    np.testing.assert_array_equal(X["promo_days_since"], [NAN, 0, 0, 1, 2, 0, 0, 0] + [NAN, 0, 1])
    # Day within the running promotion; NaN outside.
    np.testing.assert_array_equal(
        X["promo_days_in"], [NAN, 0, 1, NAN, NAN, 0, 1, 2] + [NAN, 0, NAN]
    )
    # Days to the last promotion day: A's last run (rows 5-7) ends at A's last row,
    # it does not run on into B.
    np.testing.assert_array_equal(
        X["promo_days_to_end"], [NAN, 1, 0, NAN, NAN, 2, 1, 0] + [NAN, 0, NAN]
    )
    # Promotion days among the last 3 rows: A r3 = flags(r1, r2, r3) = 1+1+0 = 2,
    # r7 = 1+1+1 = 3; B r0 = 0 (A's three promotion days are not B's).
    np.testing.assert_array_equal(X["promo_count3"], [0, 1, 2, 2, 1, 1, 2, 3] + [0, 1, 1])
    assert all(v.dtype == np.float32 and len(v) == 11 for v in X.values())


def test_promo_days_are_calendar_days_on_weekly_data():
    codes, starts, dates = _layout([4], step="W")
    X = promo_features(codes, starts, dates, promo=[1, 0, 0, 1], windows=(2,))
    # Weeks are 7 days apart: 0, 7, 14 days since the first week's promotion.
    np.testing.assert_array_equal(X["promo_days_since"], [0, 7, 14, 0])
    np.testing.assert_array_equal(X["promo_count2"], [1, 1, 0, 1])


def test_promo_flag_derived_from_price_when_not_given():
    codes, starts, dates = _layout([5])
    # Regular = running max = 10; depths 0, 0.04, 0.05, 0.3, NaN (unknown price).
    X = promo_features(codes, starts, dates, price=[10, 9.6, 9.5, 7, NAN], min_depth=0.05)
    np.testing.assert_allclose(X["promo_depth"], [0, 0.04, 0.05, 0.3, NAN], atol=1e-6)
    np.testing.assert_array_equal(X["promo_flag"], [0, 0, 1, 1, NAN])
    # The unknown flag counts as no promotion in the timing columns.
    np.testing.assert_array_equal(X["promo_days_since"], [NAN, NAN, 0, 0, 1])


def test_given_regular_price_and_negative_depth():
    codes, starts, dates = _layout([3])
    X = promo_features(codes, starts, dates, price=[8, 10, 11], regular_price=[10, 10, 10])
    # 1 - 8/10 = 0.2; 1 - 11/10 = -0.1 (price above the given regular price).
    np.testing.assert_allclose(X["promo_depth"], [0.2, 0.0, -0.1], atol=1e-6)
    np.testing.assert_array_equal(X["promo_flag"], [1, 0, 0])


def test_promo_type_codes_follow_the_given_categories():
    codes, starts, dates = _layout([5])
    types = np.array(["tpr", None, "bogo", "tpr", "flash"], dtype=object)
    assert promo_type_categories(types).tolist() == ["bogo", "flash", "tpr"]
    X = promo_features(codes, starts, dates, promo_type=types)
    np.testing.assert_array_equal(X["promo_type"], [2, NAN, 0, 2, 1])
    # Predict time: the fit-time categories keep the codes; an unseen label is NaN.
    X = promo_features(codes, starts, dates, promo_type=types, type_categories=["bogo", "tpr"])
    np.testing.assert_array_equal(X["promo_type"], [1, NAN, 0, 1, NAN])
    assert set(X) == {"promo_type"}  # no flag given: no timing columns


def test_estimate_regular_price_window_and_boundaries():
    codes, starts, _ = _layout([6, 2])
    price = [10, 7, NAN, 7, 7, 7] + [4, 4.5]
    # Max of the known prices among the last 3 rows; row 2 skips its NaN. The 10
    # leaves the window at row 3; series B's first row only sees its own 4.
    np.testing.assert_array_equal(
        estimate_regular_price(codes, starts, price, window=3), [10, 10, 10, 7, 7, 7, 4, 4.5]
    )


def test_price_features_hand_checked_with_missing_price():
    codes, starts, dates = _layout([5, 2])
    X = price_features(codes, starts, dates, price=[10, 8, NAN, 9, 12, 3, 3.3], windows=(3,))
    # Known prices among the last 3 rows: r1 {10, 8}, r3 {8, 9}, r4 {9, 12}.
    # max: 10, 10, 10, 9, 12 -> ratios 1, 0.8, NaN (own price unknown), 1, 1.
    np.testing.assert_allclose(X["price_rel_max3"], [1, 0.8, NAN, 1, 1, 1, 1])
    # median: 10, 9, 9, 8.5, 10.5; B: 3, 3.15 (B's first row does not see A).
    np.testing.assert_allclose(
        X["price_rel_median3"], [1, 8 / 9, NAN, 9 / 8.5, 12 / 10.5, 1, 3.3 / 3.15], rtol=1e-6
    )
    # change vs the previous row: 8/10-1, NaN around the gap, 12/9-1; NaN on first rows.
    np.testing.assert_allclose(X["price_change"], [NAN, -0.2, NAN, NAN, 1 / 3, NAN, 0.1], rtol=1e-6)
    np.testing.assert_array_equal(X["price"], np.float32([10, 8, NAN, 9, 12, 3, 3.3]))
    assert "price_rel_category" not in X


def test_price_relative_to_category_mean_on_the_same_date():
    # Three series; A and B in "food", C in "toys". C starts a day later.
    codes, starts, dates = _layout([2, 2, 2], offsets=[0, 0, 1])
    price = [10, 12, 6, NAN, 50, 40]
    X = price_features(codes, starts, dates, price=price, category=["food", "food", "toys"])
    # 2024-01-01: food mean (10 + 6) / 2 = 8 -> A 10/8, B 6/8.
    # 2024-01-02: food mean over known prices = 12 (B unknown) -> A 1, B NaN;
    # toys mean on 2024-01-02 = 50 (C alone) -> 1; C on 2024-01-03 -> 1.
    np.testing.assert_allclose(X["price_rel_category"], [1.25, 1, 0.75, NAN, 1, 1])
    # Per-row category labels give the same result.
    per_row = np.repeat(["food", "food", "toys"], 2)
    X2 = price_features(codes, starts, dates, price=price, category=per_row)
    np.testing.assert_array_equal(X2["price_rel_category"], X["price_rel_category"])


# -- oracles and properties ------------------------------------------------------

series_values = st.lists(
    st.lists(st.one_of(st.none(), st.floats(0, 100, width=32)), min_size=0, max_size=12),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(series=series_values, window=st.integers(1, 9))
def test_rolling_max_and_median_match_a_per_series_loop(series, window):
    lengths = [len(s) for s in series]
    codes, starts, _ = _layout(lengths)
    flat = [NAN if v is None else v for s in series for v in s]
    values = np.asarray(flat, dtype=np.float32)
    np.testing.assert_array_equal(
        _rolling_max(values, starts, window), _naive_window(values, starts, window, np.max)
    )
    np.testing.assert_allclose(
        _rolling_median(values, codes, starts, window),
        _naive_window(values, starts, window, np.median),
        rtol=1e-6,
    )


def _random_inputs(rng, lengths, offsets):
    n = int(np.sum(lengths))
    price = rng.uniform(1, 20, n).round(1)
    price[rng.random(n) < 0.1] = NAN
    promo = (rng.random(n) < 0.3).astype(float)
    types = rng.choice(np.array(["a", "b", "c"], dtype=object), n)
    return {"price": price, "promo": promo, "promo_type": types}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_no_feature_reads_later_rows_except_days_to_end(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 25, 3)
    offsets = rng.integers(0, 5, 3)
    codes, starts, dates = _layout(lengths, offsets)
    inputs = _random_inputs(rng, lengths, offsets)
    category = ["x", "x", "y"]
    row = int(rng.integers(0, len(codes)))
    # Change every row after `row` in its series and every row of any series dated later.
    later = (np.arange(len(codes)) > row) & (codes == codes[row]) | (dates > dates[row])
    changed = {k: v.copy() for k, v in _random_inputs(rng, lengths, offsets).items()}
    changed = {k: np.where(later, changed[k], inputs[k]) for k in inputs}

    def features(data):
        kwargs = {"price": data["price"], "windows": (2, 5)}
        out = price_features(codes, starts, dates, category=category, **kwargs)
        out.update(promo_features(codes, starts, dates, **data, type_categories=["a", "b", "c"]))
        return out

    before, after = features(inputs), features(changed)
    for name in before:
        if name != "promo_days_to_end":
            np.testing.assert_array_equal(before[name][row], after[name][row], err_msg=name)


def test_days_to_end_reads_the_future_promotion_plan():
    # The one documented read-ahead: extending a promotion after row 1 moves its end.
    codes, starts, dates = _layout([4])
    short = promo_features(codes, starts, dates, promo=[1, 1, 0, 0])["promo_days_to_end"]
    longer = promo_features(codes, starts, dates, promo=[1, 1, 1, 1])["promo_days_to_end"]
    assert (short[1], longer[1]) == (0, 2)


def test_category_mean_uses_same_date_prices_of_other_series_only():
    codes, starts, dates = _layout([3, 3])
    price = np.array([10.0, 10, 10, 20, 20, 20])
    base = price_features(codes, starts, dates, price=price, category=["x", "x"])
    other_dates = price.copy()
    other_dates[[3, 5]] = [99, 1]  # B on 2024-01-01 and 01-03
    moved = price_features(codes, starts, dates, price=other_dates, category=["x", "x"])
    assert moved["price_rel_category"][1] == base["price_rel_category"][1] == pytest.approx(2 / 3)
    same_date = price.copy()
    same_date[4] = 30  # B on 2024-01-02, A's date: A's ratio moves to 10 / 20
    moved = price_features(codes, starts, dates, price=same_date, category=["x", "x"])
    assert moved["price_rel_category"][1] == pytest.approx(0.5)


def test_deterministic_and_inputs_untouched():
    rng = np.random.default_rng(7)
    codes, starts, dates = _layout([30, 20])
    inputs = _random_inputs(rng, [30, 20], [0, 0])
    copies = {k: v.copy() for k, v in inputs.items()}
    first = promo_features(codes, starts, dates, **inputs)
    second = promo_features(codes, starts, dates, **inputs)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    for k in inputs:
        np.testing.assert_array_equal(inputs[k], copies[k])


# -- errors ----------------------------------------------------------------------


def test_negative_price_names_series_and_date():
    codes, starts, dates = _layout([2, 3])
    price = [1.0, 2.0, 3.0, 3.0, -1.0]
    with pytest.raises(DataValidationError, match=r"1 negative values in 1 series \['SKU-2'\]"):
        price_features(codes, starts, dates, price=price, ids=["SKU-1", "SKU-2"])
    with pytest.raises(DataValidationError, match=r"2024-01-03"):
        promo_features(codes, starts, dates, price=price, ids=["SKU-1", "SKU-2"])
    with pytest.raises(DataValidationError, match=r"indices \[1\]"):
        estimate_regular_price(codes, starts, price)


def test_promo_flags_must_be_zero_or_one():
    codes, starts, dates = _layout([3])
    with pytest.raises(DataValidationError, match=r"0/1 flags.*\[2\.0\].*'SKU-9'"):
        promo_features(codes, starts, dates, promo=[0, 2, 1], ids=["SKU-9"])


@pytest.mark.parametrize(
    ("price", "match"),
    [
        (["1", "2", "3"], "must be numeric"),
        ([1.0, 2.0], "one value per row"),
        ([1.0, np.inf, 2.0], "1 infinite values"),
    ],
)
def test_bad_price_columns(price, match):
    codes, starts, dates = _layout([3])
    with pytest.raises(DataValidationError, match=match):
        price_features(codes, starts, dates, price=np.asarray(price))


def test_parameter_and_layout_errors():
    codes, starts, dates = _layout([3])
    with pytest.raises(InvalidParameterError, match="regular_price is given without price"):
        promo_features(codes, starts, dates, regular_price=[1, 1, 1])
    with pytest.raises(InvalidParameterError, match="positive number of periods"):
        price_features(codes, starts, dates, price=[1, 2, 3], windows=(0,))
    with pytest.raises(InvalidParameterError, match="min_depth"):
        promo_features(codes, starts, dates, price=[1, 2, 3], min_depth=1.5)
    with pytest.raises(InvalidParameterError, match="starts must rise"):
        price_features(codes, np.array([0, 2]), dates, price=[1, 2, 3])
    with pytest.raises(DataValidationError, match="increase strictly"):
        price_features(codes, starts, dates[::-1], price=[1, 2, 3])
    with pytest.raises(DataValidationError, match="category must have one label"):
        price_features(codes, starts, dates, price=[1, 2, 3], category=["a", "b"])
    with pytest.raises(InvalidParameterError, match=r"repeated labels \['b'\]"):
        promo_features(codes, starts, dates, promo_type=["a"] * 3, type_categories=["b", "b"])


def test_pandas_inputs_are_accepted():
    codes, starts, dates = _layout([3])
    price = pd.Series([10.0, None, 8.0])
    X = price_features(codes, starts, pd.Series(dates).to_numpy(), price=price, windows=(3,))
    np.testing.assert_allclose(X["price_rel_max3"], [1, NAN, 0.8])
