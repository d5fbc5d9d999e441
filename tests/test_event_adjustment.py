"""Event codes on panels, event effects and the adjust / fit / multiply-back recipe."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import forecastkit as fk
from forecastkit._festivals import FESTIVALS
from forecastkit.calendar import EventCalendar
from forecastkit.errors import InvalidParameterError
from forecastkit.timeseries._ets import fit_ets
from forecastkit.timeseries._events import (
    _baseline,
    event_grid,
    fit_event_effects,
)
from forecastkit.timeseries._panel import to_panel

KEYS = {"id_col": "unique_id", "time_col": "ds"}
H = 60  # 2024-10-16 .. 2024-12-14: Double 11, Black Friday, Cyber Monday, Double 12


def _decode(grid, code):
    """(event, position) of a code, None for 0."""
    if code == 0:
        return None
    row = grid.labels.set_index("code").loc[int(code)]
    return row["event"], int(row["position"])


def _last(*dates):
    return pd.Series(pd.to_datetime(list(dates)))


# -- the code grid -------------------------------------------------------------


def test_double_11_2024_window_hand_checked():
    # Double 11 window is (-20, +5) days: 2024-10-22 .. 2024-11-16.
    cal = EventCalendar(festivals=["double_11"])
    grid = event_grid(cal, _last("2024-11-20", "2024-11-13"), n_columns=40, horizon=10, freq="D")
    assert grid.cells.dtype == np.int16
    assert grid.codes.shape == (2, 40) and grid.future.shape == (2, 10)
    # codes count from 1 at position -20: code = position + 21
    assert grid.n_codes == 27
    assert _decode(grid, 21) == ("double_11", 0)
    # Row 0 ends 2024-11-20: column j is 2024-11-20 minus (39 - j) days.
    row = grid.codes[0]
    assert row[9] == 0  # 2024-11-20 - 30 days = 10-21, the day before the window
    assert _decode(grid, row[10]) == ("double_11", -20)  # 10-22
    assert _decode(grid, row[30]) == ("double_11", 0)  # 11-11
    assert _decode(grid, row[35]) == ("double_11", 5)  # 11-16
    assert row[36] == 0  # 11-17
    assert (grid.future[0] == 0).all()  # 11-21 .. 11-30
    # Row 1 ends 2024-11-13, seven days earlier: column 37 is its 11-11, row 0's 11-18.
    assert _decode(grid, grid.codes[1, 37]) == ("double_11", 0)
    assert grid.codes[0, 37] == 0
    np.testing.assert_array_equal(grid.codes[1, 7:], grid.codes[0, :-7])
    # Its future: 11-14 (+3), 11-15 (+4), 11-16 (+5), then nothing.
    assert [_decode(grid, c) for c in grid.future[1, :4]] == [
        ("double_11", 3),
        ("double_11", 4),
        ("double_11", 5),
        None,
    ]


def test_grid_matches_calendar_features_row_by_row():
    # Oracle: one EventCalendar.features call per row, with pandas dates.
    cal = EventCalendar(festivals=["618", "black_friday"])
    last = _last("2023-06-25", "2023-12-01", "2024-06-05", "2023-06-19")
    grid = event_grid(cal, last, n_columns=200, horizon=30, freq="D")
    first = {"618": 1, "black_friday": 22}  # 618 is (-17, 3): 21 codes; then BF (-7, 0)
    lower = {"618": -17, "black_friday": -7}
    for i, end in enumerate(last):
        dates = pd.date_range(end=end, periods=200).append(
            pd.date_range(end + pd.Timedelta(days=1), periods=30)
        )
        feats = cal.features(dates)
        expected = np.zeros(230, dtype=np.int64)
        for name in ("618", "black_friday"):  # never overlap
            on = feats[f"ev_{name}"].to_numpy() == 1
            pos = feats[f"ev_{name}_pos"].to_numpy()
            expected[on] = first[name] + pos[on] - lower[name]
        np.testing.assert_array_equal(grid.cells[i], expected)


def test_overlaps_take_the_nearest_main_day_then_the_longer_window():
    events = pd.DataFrame(
        {
            "event": ["promo", "zlong", "short"],
            "ds": ["2024-11-12", "2024-03-10", "2024-03-06"],
            "lower_window": [0, -5, 0],
            "upper_window": [0, 0, 2],
        }
    )
    cal = EventCalendar(festivals=["double_11", "black_friday"], events=events)
    # 2024-11-12 is Double 11 +1 and the promo's main day: the main day wins.
    grid = event_grid(cal, _last("2024-11-12"), n_columns=1, horizon=0, freq="D")
    assert _decode(grid, grid.codes[0, 0]) == ("promo", 0)
    # 2024-03-08: "zlong" -2 and "short" +2 tie on distance; "zlong" has the longer
    # window (6 days against 3) although "short" comes first in the calendar.
    assert cal.event_names.index("short") < cal.event_names.index("zlong")
    grid = event_grid(cal, _last("2024-03-08"), n_columns=1, horizon=0, freq="D")
    assert _decode(grid, grid.codes[0, 0]) == ("zlong", -2)
    # 2029: Thanksgiving on Nov 22, Black Friday window from Nov 16 = Double 11 +5;
    # Double 11 is 5 days away, Black Friday 7.
    grid = event_grid(cal, _last("2029-11-16"), n_columns=1, horizon=0, freq="D")
    assert _decode(grid, grid.codes[0, 0]) == ("double_11", 5)


def test_weekly_grid_uses_week_offsets():
    cal = EventCalendar(festivals=["double_11"])
    # Weeks ending on Sundays 10-20 .. 11-24 (2024-11-11 is a Monday); the window
    # 10-22 .. 11-16 meets the weeks ending 10-27 (nearest day 10-27: -15 days,
    # 3 weeks), 11-03 (-8: 2 weeks), 11-10 (-1: 1 week), 11-17 (main day).
    grid = event_grid(cal, _last("2024-11-24"), n_columns=6, horizon=2, freq="W-SUN")
    assert [_decode(grid, c) for c in grid.codes[0]] == [
        None,
        ("double_11", -3),
        ("double_11", -2),
        ("double_11", -1),
        ("double_11", 0),
        None,
    ]
    # positions run -3 .. +1 (5 days after the main day reach at most one week on)
    assert grid.labels["position"].tolist() == [-3, -2, -1, 0, 1]
    # A last date inside a week stands for that week.
    mid = event_grid(cal, _last("2024-11-20"), n_columns=6, horizon=2, freq="W-SUN")
    np.testing.assert_array_equal(mid.cells, grid.cells)
    # W-FRI weeks: 11-09..11-15 holds the main day, the next one the last day (+5, 11-16).
    fri = event_grid(cal, _last("2024-11-22"), n_columns=2, horizon=0, freq="W-FRI")
    assert [_decode(fri, c) for c in fri.codes[0]] == [("double_11", 0), ("double_11", 1)]


@pytest.mark.parametrize("freq", ["MS", "ME", "h", "2D"])
def test_other_frequencies_have_no_events(freq):
    cal = EventCalendar(festivals="default")
    grid = event_grid(cal, _last("2024-11-01"), n_columns=24, horizon=3, freq=freq)
    assert grid.cells.shape == (1, 27) and not grid.cells.any()
    assert grid.n_codes == 1 and grid.exog().shape == (1, 24, 0)


def test_exog_ramps_indicators_and_unseen_columns():
    cal = EventCalendar(festivals=["double_11", "black_friday"])
    # History 2024-10-03 .. 2024-12-01 holds both festivals; a second row ending
    # 11-20 has seen no Black Friday, but the grid as a whole has.
    grid = event_grid(cal, _last("2024-12-01", "2024-11-20"), 60, 10, "D")
    names = grid.exog_names()
    assert names == [
        "double_11_pre",
        "double_11_main",
        "double_11_post",
        "black_friday_pre",
        "black_friday_main",
    ]
    X = grid.exog()
    assert X.dtype == np.float32 and X.shape == (2, 60, 5)
    day = {d: j for j, d in enumerate(pd.date_range(end="2024-12-01", periods=60))}
    frame = pd.DataFrame(X[0], columns=names)
    # pre-window ramp (position - lower + 1) / -lower: 10-22 is 1/20, 11-10 is 20/20
    assert frame.loc[day[pd.Timestamp("2024-10-22")], "double_11_pre"] == pytest.approx(0.05)
    assert frame.loc[day[pd.Timestamp("2024-11-10")], "double_11_pre"] == pytest.approx(1.0)
    assert frame.loc[day[pd.Timestamp("2024-11-11")]].tolist() == [0, 1, 0, 0, 0]
    # post ramp (upper + 1 - position) / upper: +2 (11-13) is 4/5
    assert frame.loc[day[pd.Timestamp("2024-11-13")], "double_11_post"] == pytest.approx(0.8)
    # Black Friday 2024-11-29, window (-7, 0): 11-22 is 1/7
    assert frame.loc[day[pd.Timestamp("2024-11-22")], "black_friday_pre"] == pytest.approx(1 / 7)
    assert frame.loc[day[pd.Timestamp("2024-10-21")]].sum() == 0
    step = grid.exog(rows=[0], shape="step")
    assert step.shape == (1, 60, 5) and set(np.unique(step)) == {0.0, 1.0}
    assert step[0, :, 0].sum() == 20  # twenty pre-sale days
    # Row 1's future (11-21 .. 11-30) holds Black Friday.
    fut = pd.DataFrame(grid.future_exog(rows=[1])[0], columns=names)
    assert fut["black_friday_main"].tolist() == [0] * 8 + [1, 0]
    # Columns never seen in the history are dropped: here Black Friday is future only.
    short = event_grid(cal, _last("2024-11-20"), 60, 10, "D")
    assert short.exog_names() == ["double_11_pre", "double_11_main", "double_11_post"]
    assert not short.future_exog().any()  # 11-21..11-30: Black Friday has no column


def test_at_origin_slices_history_and_future():
    cal = EventCalendar(festivals=["double_11"])
    grid = event_grid(cal, _last("2024-11-05", "2024-11-20"), 50, 14, "D")
    sub = grid.at_origin(7, 14)
    np.testing.assert_array_equal(sub.codes, grid.codes[:, :43])
    np.testing.assert_array_equal(sub.future, grid.cells[:, 43:57])
    assert sub.n_codes == grid.n_codes
    with pytest.raises(InvalidParameterError, match="larger horizon"):
        grid.at_origin(7, 22)
    with pytest.raises(InvalidParameterError, match="at_origin"):
        grid.at_origin(50, 1)


def test_grid_errors():
    cal = EventCalendar(festivals=["double_11"])
    with pytest.raises(InvalidParameterError, match="EventCalendar"):
        event_grid({"double_11": (-20, 5)}, _last("2024-11-01"), 10, 0, "D")
    with pytest.raises(InvalidParameterError, match="n_columns"):
        event_grid(cal, _last("2024-11-01"), 0, 0, "D")
    with pytest.raises(InvalidParameterError, match="horizon"):
        event_grid(cal, _last("2024-11-01"), 10, -1, "D")
    with pytest.raises(InvalidParameterError, match="1 missing dates"):
        event_grid(cal, pd.Series([pd.Timestamp("2024-11-01"), pd.NaT]), 10, 0, "D")
    with pytest.raises(InvalidParameterError, match="freq"):
        event_grid(cal, _last("2024-11-01"), 10, 0, None)


# -- effects on synthetic retail data with a known festival lift ----------------


@pytest.fixture(scope="module")
def retail():
    # History 2022-01-01 .. 2024-10-15 (two Double 11s, Black Fridays ..., three
    # 618s), horizon 2024-10-16 .. 2024-12-14; 10% of the series launch late.
    data = fk.make_retail_demand(
        n_series=60, periods=1019, horizon=H, seed=3, share_discontinued=0.0
    )
    panel = to_panel(data.sales, target_col="y", **KEYS)
    truth = {
        name: to_panel(frame, target_col=col, **KEYS).values
        for name, frame, col in [
            ("mean", data.truth.components, "mean"),
            ("no_event", data.truth.components, "mean_no_event"),
            ("future_mean", data.truth.future_components, "mean"),
            ("future_no_event", data.truth.future_components, "mean_no_event"),
        ]
    }
    cal = EventCalendar(festivals=list(FESTIVALS))
    grid = event_grid(cal, panel.last_dates, panel.values.shape[1], H, "D")
    effects = fit_event_effects(panel.values, grid.codes, season_length=7, n_codes=grid.n_codes)
    return data, panel, truth, grid, effects


def _ratio(num, den, mask):
    return float(np.where(mask, num, 0.0).sum() / np.where(mask, den, 0.0).sum())


def test_grid_codes_agree_with_the_simulated_festival_days(retail):
    data, panel, _, grid, _ = retail
    days = data.truth.festival_days
    d11 = days[(days["event"] == "double_11") & (days["main_ds"] == "2023-11-11")]
    last = panel.last_dates.iloc[0]  # a series spanning the whole history
    column = panel.values.shape[1] - 1 - (last - d11["ds"]).dt.days.to_numpy()
    decoded = [_decode(grid, c) for c in grid.codes[0, column]]
    assert decoded == [("double_11", int(o)) for o in d11["offset"]]


def test_effects_recover_the_festival_lift_in_the_history(retail):
    _, panel, truth, grid, effects = retail
    labels, codes = grid.labels, grid.codes
    seen = ~np.isnan(panel.values)
    mult = effects.multipliers(codes)
    errors = {}
    for name in FESTIVALS:
        for part in ("window", "main"):
            chosen = labels[
                (labels["event"] == name) & ((labels["part"] == "main") | (part == "window"))
            ]
            cells = np.isin(codes, chosen["code"]) & seen
            true = _ratio(truth["mean"], truth["no_event"], cells)
            est = _ratio(truth["no_event"] * mult, truth["no_event"], cells)
            errors[name, part] = est / true - 1
    # Measured (seed 3): window lifts off by 618 +2.9%, Double 11 -2.6%,
    # Double 12 +1.9%, Black Friday -6.4%, Cyber Monday +4.2%.
    assert max(abs(errors[n, "window"]) for n in FESTIVALS) < 0.20
    # Main days vary +-10% from year to year (peak_lift), so the two-year average
    # is further off: measured +5.5%, +11.5%, -1.4%, -8.0%, +17.1%.
    assert max(abs(errors[n, "main"]) for n in FESTIVALS) < 0.25
    # The strongest day is recognised: Double 11's main-day pooled ratio.
    main = labels.query("event == 'double_11' and part == 'main'")["code"].item()
    assert 2.2 < effects.pooled[main] < 3.2  # truth 2.69 (demand-weighted)


def test_adjusted_history_has_no_festival_spikes(retail):
    _, panel, truth, grid, effects = retail
    codes, labels = grid.codes, grid.labels
    adjusted = effects.adjust(panel.values, codes)
    seen = ~np.isnan(panel.values)
    festival = (codes != 0) & seen
    main = np.isin(codes, labels.loc[labels["part"] == "main", "code"]) & seen
    # actual / event-free truth: 1.13 and 1.95 raw; measured 1.008 and 0.976 adjusted
    assert _ratio(panel.values, truth["no_event"], main) > 1.5
    assert _ratio(adjusted, truth["no_event"], festival) == pytest.approx(1.0, abs=0.06)
    assert _ratio(adjusted, truth["no_event"], main) == pytest.approx(1.0, abs=0.1)
    # Only event cells change; padding stays NaN.
    np.testing.assert_array_equal(np.isnan(adjusted), ~seen)
    np.testing.assert_array_equal(adjusted[codes == 0], panel.values[codes == 0])


def test_adjust_fit_multiply_back_recovers_the_festival_lift(retail):
    # The recipe for models without regressors (ETS here): fit on the adjusted
    # history, multiply the forecast by the future multipliers.
    _, panel, truth, grid, effects = retail
    adjusted = effects.adjust(panel.values, grid.codes)
    base = np.clip(fit_ets(adjusted, season="add", season_length=7).mean(H), 0, None)
    raw = np.clip(fit_ets(panel.values, season="add", season_length=7).mean(H), 0, None)
    multipliers = effects.multipliers(grid.future)
    forecast = base * multipliers
    main_codes = grid.labels.loc[grid.labels["part"] == "main", "code"]
    results = {}
    for days, cells in [("window", grid.future != 0), ("main", np.isin(grid.future, main_codes))]:
        true = _ratio(truth["future_mean"], truth["future_no_event"], cells)
        results[days] = (
            _ratio(forecast, base, cells) / true - 1,
            _ratio(raw, base, cells) / true - 1,
        )
    # Measured: whole windows (truth lift 1.153) adjusted -6.1%, unadjusted -13.7%;
    # main days (truth 2.01) adjusted -7.8%, unadjusted -50.6%.
    adjusted_window, raw_window = results["window"]
    adjusted_main, raw_main = results["main"]
    assert abs(adjusted_window) < 0.20 and abs(raw_window) > 2 * abs(adjusted_window)
    assert abs(adjusted_main) < 0.20 and raw_main < -0.40
    # Variances scale with the squared multiplier, sample paths with the multiplier.
    variance = fit_ets(adjusted, season="add", season_length=7).variance(H)
    assert np.isfinite(variance * multipliers**2).all()


def test_weekly_effects_recover_the_lift():
    data = fk.make_retail_demand(n_series=40, periods=145, freq="W-SUN", seed=0)
    panel = to_panel(data.sales, target_col="y", **KEYS)
    mean = to_panel(data.truth.components, target_col="mean", **KEYS).values
    no_event = to_panel(data.truth.components, target_col="mean_no_event", **KEYS).values
    grid = event_grid(
        EventCalendar(festivals=list(FESTIVALS)), panel.last_dates, mean.shape[1], 0, "W-SUN"
    )
    effects = fit_event_effects(panel.values, grid.codes, season_length=1, n_codes=grid.n_codes)
    cells = (grid.codes != 0) & ~np.isnan(panel.values)
    true = _ratio(mean, no_event, cells)
    est = _ratio(no_event * effects.multipliers(grid.codes), no_event, cells)
    assert true > 1.05  # weekly sums dilute the lift
    assert est / true - 1 == pytest.approx(0.0, abs=0.2)  # measured +1.3%


# -- the estimator on hand-made panels -----------------------------------------


def _naive_effects(Y, codes, step, neighbors, shrinkage, n_codes):
    """Per-series loop version of the estimator (module docstring formulas)."""
    n, width = Y.shape
    a, b, cells = (np.zeros((n, n_codes)) for _ in range(3))
    phi = np.ones(n)
    for i in range(n):
        resid = []
        for t in range(width):
            near = [t + s * k * step for k in range(1, neighbors + 1) for s in (-1, 1)]
            vals = [
                Y[i, u]
                for u in near
                if 0 <= u < width and codes[i, u] == 0 and not np.isnan(Y[i, u])
            ]
            if len(vals) < 2 or np.isnan(Y[i, t]):
                continue
            base = np.mean(vals)
            if codes[i, t]:
                a[i, codes[i, t]] += Y[i, t]
                b[i, codes[i, t]] += base
                cells[i, codes[i, t]] += 1
            elif base > 0:
                resid.append((Y[i, t] - base) ** 2 / (base * (1 + 1 / len(vals))))
        phi[i] = max(np.mean(resid), 1e-2) if resid else 1.0
    out = np.ones((n, n_codes))
    for c in range(1, n_codes):
        ok = (cells[:, c] > 0) & (b[:, c] > 0)
        pooled = a[ok, c].sum() / b[ok, c].sum()
        own = a[ok, c] / b[ok, c]
        var = phi[ok] * pooled / b[ok, c]
        w = 1 / var
        q = np.sum(w * (own - pooled) ** 2)
        tau2 = max(0.0, (q - (ok.sum() - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
        out[:, c] = pooled
        out[ok, c] = pooled + tau2 / (tau2 + shrinkage * var) * (own - pooled)
    return np.clip(out, 0.1, 10.0)


def _toy_panel(seed=0, n=12, width=120):
    rng = np.random.default_rng(seed)
    level = rng.uniform(2, 40, n)[:, None]
    Y = rng.poisson(level * np.ones((n, width))).astype(float)
    codes = np.zeros((n, width), dtype=np.int16)
    for start, lift in [(30, 3.0), (65, 2.5), (100, 3.5)]:
        codes[:, start : start + 3] = [1, 2, 3]
        Y[:, start + 1] = rng.poisson(level[:, 0] * lift * rng.uniform(0.6, 1.4, n))
    Y[0, :20] = np.nan  # late start
    Y[1] = 0.0  # never sold
    return Y, codes


def test_vectorized_estimator_matches_a_per_series_loop():
    Y, codes = _toy_panel()
    fit = fit_event_effects(Y, codes, season_length=7, neighbors=4, min_occurrences=1)
    naive = _naive_effects(Y, codes, 7, 4, 1.0, 4)
    np.testing.assert_allclose(fit.effects, naive, rtol=1e-9)
    # the main day (code 2) carries the lift; never-sold series get the pooled ratio
    assert 2.3 < fit.pooled[2] < 3.7 and fit.effects[1, 2] == fit.pooled[2]


def test_baseline_matches_a_loop_on_each_weekday():
    rng = np.random.default_rng(1)
    Y = rng.poisson(5.0, (3, 40)).astype(float)
    Y[2, :9] = np.nan
    clean = ~np.isnan(Y) & (rng.random(Y.shape) > 0.2)
    base, count = _baseline(Y, clean, 7, 2)
    # cell (0, 20): neighbours 6, 13, 27, 34 on the same weekday
    near = [u for u in (6, 13, 27, 34) if clean[0, u]]
    assert count[0, 20] == len(near)
    assert base[0, 20] == pytest.approx(np.mean(Y[0, near]))
    for i, t in np.ndindex(Y.shape):
        near = [u for u in (t - 14, t - 7, t + 7, t + 14) if 0 <= u < 40 and clean[i, u]]
        expected = np.mean(Y[i, near]) if len(near) >= 2 else 0.0
        assert count[i, t] == len(near) and base[i, t] == pytest.approx(expected, abs=1e-12)


def test_shrinkage_extremes_and_heterogeneous_lifts():
    rng = np.random.default_rng(2)
    level = np.r_[np.full(10, 200.0), np.full(10, 0.5)][:, None]
    lift = np.r_[np.full(5, 2.0), np.full(5, 4.0), np.full(10, 4.0)]
    Y = rng.poisson(level * np.ones((20, 150))).astype(float)
    codes = np.zeros(Y.shape, dtype=np.int16)
    days = [40, 80, 120]
    codes[:, days] = 1
    Y[:, days] = rng.poisson(level * lift[:, None] * np.ones((1, 3)))
    fit = fit_event_effects(Y, codes, season_length=7)
    # Large series keep their own lift (2 or 4); the pooled ratio is in between.
    assert fit.effects[:5, 1] == pytest.approx(np.full(5, 2.0), rel=0.1)
    assert fit.effects[5:10, 1] == pytest.approx(np.full(5, 4.0), rel=0.1)
    assert 2.5 < fit.pooled[1] < 3.5 and fit.tau[1] > 0.5
    # Small series (0.5 a day, 1.5 expected event sales) are pulled to the pooled ratio.
    own = Y[10:, days].sum(axis=1) / (0.5 * 3)
    assert (
        np.abs(fit.effects[10:, 1] - fit.pooled[1]).max() < 0.5 * np.abs(own - fit.pooled[1]).max()
    )
    pooled_only = fit_event_effects(Y, codes, season_length=7, shrinkage=np.inf)
    assert np.ptp(pooled_only.effects[:, 1]) == 0
    raw = fit_event_effects(Y, codes, season_length=7, shrinkage=0)
    mask = codes == 1
    base = _baseline(Y, codes == 0, 7, 8)[0]
    own_ratio = np.where(mask, Y, 0).sum(1) / np.where(mask, base, 0).sum(1)
    np.testing.assert_allclose(raw.effects[:, 1], np.clip(own_ratio, 0.1, 10.0))


def test_rare_codes_get_one_and_effects_are_clipped():
    rng = np.random.default_rng(3)
    Y = rng.poisson(10.0, (30, 100)).astype(float)
    codes = np.zeros(Y.shape, dtype=np.int16)
    codes[:, 50] = 1  # seen once
    codes[:, [30, 70]] = 2  # seen twice, 50x the usual demand
    Y[:, 50] *= 3
    Y[:, [30, 70]] = 500.0
    fit = fit_event_effects(Y, codes, season_length=7, n_codes=5)
    assert fit.effects.shape == (30, 5)
    assert (fit.effects[:, 1] == 1).all() and not fit.estimated[1] and fit.occurrences[1] == 1
    assert (fit.effects[:, 2] == 10.0).all() and fit.estimated[2]  # clipped at 10
    assert (fit.effects[:, 3:] == 1).all()  # never seen
    once = fit_event_effects(Y, codes, season_length=7, min_occurrences=1, clip=(0.5, 100))
    assert once.pooled[1] == pytest.approx(3.0, rel=0.1)
    assert once.pooled[2] == pytest.approx(50.0, rel=0.1)
    # codes beyond the table (events the history never had) multiply by 1
    assert fit.multipliers(np.array([[0, 2, 7]]), rows=[0]).tolist() == [[1.0, 10.0, 1.0]]


def test_no_events_changes_nothing():
    Y, _ = _toy_panel()
    codes = np.zeros(Y.shape, dtype=np.int16)
    fit = fit_event_effects(Y, codes, season_length=7)
    assert fit.effects.shape == (Y.shape[0], 1) and (fit.effects == 1).all()
    np.testing.assert_array_equal(fit.adjust(Y, codes), Y)
    assert (fit.multipliers(np.zeros((Y.shape[0], 5), dtype=np.int16)) == 1).all()


def test_zeros_nan_and_padding_pass_through():
    Y, codes = _toy_panel()
    Y[2] = np.nan  # an empty row
    Y[3, 31] = np.nan  # a missing event day
    Y[4, 40:] = 0.0  # stops selling
    fit = fit_event_effects(Y, codes, season_length=7, min_occurrences=1)
    assert np.isfinite(fit.effects).all() and (fit.effects > 0).all()
    adjusted = fit.adjust(Y, codes)
    np.testing.assert_array_equal(np.isnan(adjusted), np.isnan(Y))
    assert (adjusted[Y == 0] == 0).all()
    # rows without data get the pooled ratio
    np.testing.assert_array_equal(fit.effects[2], fit.pooled)
    empty = fit_event_effects(np.empty((0, 10)), np.empty((0, 10), np.int16), season_length=7)
    assert empty.effects.shape == (0, 1)


def test_deterministic_and_row_order_free():
    Y, codes = _toy_panel(seed=5)
    first = fit_event_effects(Y, codes, season_length=7, min_occurrences=1)
    again = fit_event_effects(Y.copy(), codes.copy(), season_length=7, min_occurrences=1)
    np.testing.assert_array_equal(first.effects, again.effects)
    order = np.random.default_rng(0).permutation(Y.shape[0])
    shuffled = fit_event_effects(Y[order], codes[order], season_length=7, min_occurrences=1)
    np.testing.assert_allclose(shuffled.effects, first.effects[order], rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    Y=hnp.arrays(
        np.float64,
        (4, 30),
        elements=st.one_of(st.just(np.nan), st.floats(0, 1e4, allow_subnormal=False)),
    ),
    codes=hnp.arrays(np.int16, (4, 30), elements=st.integers(0, 3)),
    shrinkage=st.sampled_from([0.0, 1.0, 5.0, np.inf]),
)
def test_adjust_then_multiply_is_the_identity(Y, codes, shrinkage):
    fit = fit_event_effects(Y, codes, season_length=2, min_occurrences=1, shrinkage=shrinkage)
    assert ((fit.effects >= 0.1) & (fit.effects <= 10)).all()
    adjusted = fit.adjust(Y, codes)
    np.testing.assert_array_equal(np.isnan(adjusted), np.isnan(Y))
    np.testing.assert_allclose(adjusted * fit.multipliers(codes), Y, rtol=1e-12)


def test_effects_errors():
    Y, codes = _toy_panel()
    with pytest.raises(InvalidParameterError, match="same panel"):
        fit_event_effects(Y[:, :-1], codes, season_length=7)
    with pytest.raises(InvalidParameterError, match="negative codes"):
        fit_event_effects(Y, -codes, season_length=7)
    with pytest.raises(InvalidParameterError, match="integer array"):
        fit_event_effects(Y, codes.astype(float), season_length=7)
    with pytest.raises(InvalidParameterError, match="n_codes=2"):
        fit_event_effects(Y, codes, season_length=7, n_codes=2)
    with pytest.raises(InvalidParameterError, match="season_length"):
        fit_event_effects(Y, codes, season_length=0)
    with pytest.raises(InvalidParameterError, match="shrinkage"):
        fit_event_effects(Y, codes, season_length=7, shrinkage=-1)
    with pytest.raises(InvalidParameterError, match="shrinkage"):
        fit_event_effects(Y, codes, season_length=7, shrinkage=float("nan"))
    with pytest.raises(InvalidParameterError, match="clip"):
        fit_event_effects(Y, codes, season_length=7, clip=(2.0, 10.0))
    with pytest.raises(InvalidParameterError, match="infinite"):
        fit_event_effects(np.where(codes > 0, np.inf, Y), codes, season_length=7)
    fit = fit_event_effects(Y, codes, season_length=7)
    with pytest.raises(InvalidParameterError, match="same shape"):
        fit.adjust(Y, codes[:, :-1])
    with pytest.raises(InvalidParameterError, match="12 rows"):
        fit.multipliers(codes[:3])


def test_near_zero_baselines_are_not_ratios():
    # a series selling 1e-300 units a period except 50 on its event days: a baseline near
    # zero, whose ratio (5e301) is meaningless and whose square overflowed; it is left out
    rng = np.random.default_rng(0)
    Y = rng.poisson(20.0, (4, 30)).astype(float)
    codes = np.tile(np.array([0, 0, 1, 0, 2, 0]), 5)[None, :].repeat(4, axis=0).astype(np.int16)
    Y[0] = np.where(codes[0] == 1, 50.0, 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit = fit_event_effects(Y, codes, season_length=2, min_occurrences=1, shrinkage=1.0)
    assert ((fit.effects >= 0.1) & (fit.effects <= 10)).all()
    np.testing.assert_allclose(fit.adjust(Y, codes) * fit.multipliers(codes), Y, rtol=1e-12)
