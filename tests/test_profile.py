"""Pooled seasonal profiles (``_profile.pooled_profile``) and the common period clock."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecastkit.timeseries._profile import period_numbers, pooled_profile

# Monday .. Sunday, mean 1
WEEK_A = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.5, 0.7])
WEEK_B = np.array([1.6, 1.2, 1.0, 0.9, 0.8, 0.7, 0.8])
WEEKS = 52
T = 7 * WEEKS  # the default window: 52 seasons


def _poisson(rng, levels, profiles):
    """Right-aligned (n, T) Poisson panel whose last column is phase 6."""
    mean = np.asarray(levels, dtype=float)[:, None] * np.tile(profiles, (1, WEEKS))
    return rng.poisson(mean).astype(float)


def _own(Y):
    """Each row's unpooled profile: its phase means over its own mean."""
    per_phase = Y.reshape(Y.shape[0], WEEKS, 7).mean(axis=1)
    return per_phase / per_phase.mean(axis=1, keepdims=True)


def test_recovers_a_known_weekday_profile_from_poisson_series():
    rng = np.random.default_rng(0)
    Y = _poisson(rng, np.full(30, 20.0), np.tile(WEEK_A, (30, 1)))
    prof = pooled_profile(Y, 7)
    # The panel index of phase d is a ratio of sums of 30 x 52 Poisson counts with
    # mean 20 P_d: sd ~ sqrt(P_d / (1560 x 20)), at most 0.0069 (P = 1.5); 4 sd = 0.028.
    np.testing.assert_allclose(prof.panel, WEEK_A, atol=0.03)  # measured 0.017
    # Every series shares the profile, so the between-series spread tau^2 is ~0 and
    # each row gets the panel profile: measured 0.022 off, against 0.077 for the
    # rows' own profiles (sd sqrt(1.5 / (52 x 20)) = 0.038 at the peak).
    assert np.abs(prof.index - WEEK_A).max() < 0.03
    assert np.abs(_own(Y) - WEEK_A).max() > 0.05
    np.testing.assert_allclose(prof.index.mean(axis=1), 1.0)
    assert (prof.last_phase == 6).all()  # no clock: the last column is phase m - 1


def test_a_single_noise_series_gets_a_nearly_flat_profile():
    # One Poisson(20) series without a weekly pattern, 52 weeks: its own phase
    # ratios have sd sqrt(7 / (364 x 20)) = 0.031, so their largest deviation from
    # 1 over 7 phases is ~0.05 (measured mean 0.048, up to 0.076 over these seeds).
    # The panel profile is shrunk toward flat by the DerSimonian-Laird tau^2, which
    # is 0 whenever the spread is no larger than the noise (Q <= k - 1, about half
    # the seeds): measured mean 0.0074, at most 0.036.
    shrunk, own = [], []
    for seed in range(40):
        Y = np.random.default_rng(seed).poisson(20.0, (1, T)).astype(float)
        shrunk.append(np.abs(pooled_profile(Y, 7).index - 1).max())
        own.append(np.abs(_own(Y) - 1).max())
    shrunk, own = np.array(shrunk), np.array(own)
    assert (shrunk < 0.05).all()
    assert (shrunk <= own + 1e-12).all()  # shrinkage never adds a pattern
    assert shrunk.mean() < 0.3 * own.mean()
    assert (shrunk == 0).mean() > 0.3  # flat exactly when tau^2 = 0


def test_a_big_series_keeps_its_profile_and_tiny_ones_take_the_panels():
    rng = np.random.default_rng(0)
    levels = np.r_[np.full(30, 20.0), 100.0, np.full(10, 0.3)]
    profiles = np.vstack([np.tile(WEEK_A, (30, 1)), WEEK_B, np.tile(WEEK_A, (10, 1))])
    Y = _poisson(rng, levels, profiles)
    prof = pooled_profile(Y, 7)
    big, tiny = prof.index[30], prof.index[31:]
    # The big series (100 a day, the other pattern) keeps its own: its own-profile
    # noise is sqrt(1.6 / (52 x 100)) = 0.018 at the peak; measured 0.012 off B,
    # while the panel (demand-weighted, mostly A) is 0.5 away from B on Monday.
    assert np.abs(big - WEEK_B).max() < 0.07
    assert np.abs(prof.panel - WEEK_B).max() > 0.4
    # Tiny series (0.3 a day, ~16 sales per weekday in a year) are pulled to the
    # panel profile: measured mean distance 0.035 against 0.19 for their own profiles,
    # and closer to their true profile A (0.052 against 0.191).
    own = _own(Y)[31:]
    assert np.abs(tiny - prof.panel).mean() < 0.3 * np.abs(own - prof.panel).mean()
    assert np.abs(tiny - WEEK_A).mean() < 0.5 * np.abs(own - WEEK_A).mean()


def test_series_ending_on_different_weekdays_are_phased_by_the_clock():
    rng = np.random.default_rng(0)
    n = 28
    # four series ending on each weekday, same calendar profile
    ends = pd.Series(pd.Timestamp("2024-06-30") - pd.to_timedelta(np.arange(n) % 7, unit="D"))
    weekdays = [pd.date_range(end=end, periods=T).day_of_week.to_numpy() for end in ends]
    Y = rng.poisson(20.0 * WEEK_A[np.array(weekdays)]).astype(float)
    last = period_numbers(ends, "D")
    prof = pooled_profile(Y, 7, last_period=last)
    # phase = days since 1970-01-01 (a Thursday) mod 7: phase 0 is Thursday (weekday 3)
    np.testing.assert_array_equal(prof.last_phase, last % 7)
    np.testing.assert_allclose(prof.panel, WEEK_A[(np.arange(7) + 3) % 7], atol=0.03)
    # Each series' history and next days get the index of their own weekdays.
    np.testing.assert_allclose(prof.history(T), WEEK_A[np.array(weekdays)], atol=0.03)
    after = [(end + pd.to_timedelta([1, 2, 3], unit="D")).day_of_week for end in ends]
    np.testing.assert_allclose(prof.future(3), WEEK_A[np.array(after)], atol=0.03)
    # Without the clock every row's last column is taken as the same phase: the
    # weekdays are mixed evenly and the pattern vanishes (measured 0.0002 off flat).
    assert np.abs(pooled_profile(Y, 7).panel - 1).max() < 0.01


def test_zeros_padding_and_empty_rows_give_finite_indices():
    rng = np.random.default_rng(0)
    Y = rng.poisson(10.0, (7, 100)).astype(float)
    Y[0] = 0.0  # never sold
    Y[1, :90] = np.nan  # launched 10 days ago
    Y[2, :-1] = np.nan  # one observation
    Y[3, ::7] = 0.0  # closed one day a week
    Y[4] = np.nan  # no data at all
    Y[5, 50:] = 0.0  # stopped selling
    Y[6, :40] = np.nan
    prof = pooled_profile(Y, 7)
    assert np.isfinite(prof.index).all() and (prof.index > 0).all()
    assert np.isfinite(prof.history(100)).all() and np.isfinite(prof.future(10)).all()
    np.testing.assert_array_equal(prof.index[[0, 4]], np.ones((2, 7)))
    np.testing.assert_allclose(prof.index.mean(axis=1), 1.0)
    # The closed weekday (columns 98 - 7k: phase (6 + 98 - 99) % 7 = 5) sits at the
    # floor: clipped to 0.05, then divided by the row mean (~1): measured 0.052.
    assert 0.04 < prof.index[3, 5] < 0.06
    # one observation is no evidence: that row takes the panel profile
    np.testing.assert_allclose(prof.index[2], prof.panel)
    for Z in (np.zeros((3, 20)), np.full((2, 20), np.nan)):
        empty = pooled_profile(Z, 7)
        np.testing.assert_array_equal(empty.index, np.ones((Z.shape[0], 7)))
        np.testing.assert_array_equal(empty.panel, np.ones(7))


@settings(max_examples=60, deadline=None)
@given(
    Y=hnp.arrays(
        np.float64,
        (5, 30),
        # demand: missing, zero, or from a millionth of a unit (a fractional
        # quantity) up to 10,000
        elements=st.one_of(st.just(np.nan), st.just(0.0), st.floats(1e-6, 1e4)),
    ),
    m=st.sampled_from([2, 4, 7, 12]),
)
def test_indices_are_finite_positive_and_average_one(Y, m):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning reaches the user
        prof = pooled_profile(Y, m)
    assert prof.index.shape == (5, m) and np.isfinite(prof.index).all()
    assert ((prof.index >= 0.05 / 20) & (prof.index <= 20 / 0.05)).all()
    np.testing.assert_allclose(prof.index.mean(axis=1), 1.0, rtol=1e-9)
    empty = ~(np.nan_to_num(Y) > 0).any(axis=1)  # nothing sold: no seasonal evidence
    np.testing.assert_array_equal(prof.index[empty], 1.0)


# -- the common clock ------------------------------------------------------------


def test_period_numbers_hand_checked():
    # 2024-01-01 is day 19,723 since 1970-01-01 (54 years, 13 of them leap: 54 x 365 + 13).
    last = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-07", "2024-01-14"]))
    assert period_numbers(last, "D").tolist() == [19723, 19729, 19736]
    # weeks: consecutive Sundays are consecutive numbers (19729 // 7 = 2818)
    assert period_numbers(last[1:], "W-SUN").tolist() == [2818, 2819]
    assert period_numbers(last, "2D").tolist() == [9861, 9864, 9868]  # days // 2
    hours = pd.Series(pd.to_datetime(["2024-01-01 05:00", "2024-01-01 06:00"]))
    assert period_numbers(hours, "h").tolist() == [19723 * 24 + 5, 19723 * 24 + 6]
    months = pd.Series(pd.to_datetime(["2024-03-01", "2024-04-01"]))
    assert period_numbers(months, "MS").tolist() == [2024 * 12 + 2, 2024 * 12 + 3]
    assert period_numbers(months, "QS").tolist() == [(2024 * 12 + 2) // 3, (2024 * 12 + 3) // 3]
    assert period_numbers(months, "QS").tolist() == [8096, 8097]
    assert period_numbers(last, "B") is None
    # tz-aware dates count in local time
    local = pd.Series(pd.to_datetime(["2024-01-01 23:30"]).tz_localize("America/New_York"))
    assert period_numbers(local, "D").tolist() == [19723]
    # the estimator's clock moves one step per period, whatever the multiple
    for freq in ("D", "2D", "W-WED", "3h", "MS", "2MS", "QS-DEC"):
        dates = pd.Series(pd.date_range("2023-02-01", periods=5, freq=freq))
        assert np.diff(period_numbers(dates, freq)).tolist() == [1, 1, 1, 1]
