"""SeasonalNaive against hand-computed values and a per-series loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecastkit.errors import InvalidParameterError, NotFittedError
from forecastkit.timeseries import SeasonalNaive


def _frame(values, uid="a", start="2024-01-01", freq="D"):
    return pd.DataFrame(
        {
            "unique_id": uid,
            "ds": pd.date_range(start, periods=len(values), freq=freq),
            "y": np.asarray(values, dtype=float),
        }
    )


def test_repeats_last_season_and_wraps():
    y = list(range(1, 8)) * 2 + list(range(10, 17))
    fc = SeasonalNaive(season_length=7).fit(_frame(y)).predict(10)
    assert fc["yhat"].tolist() == [10, 11, 12, 13, 14, 15, 16, 10, 11, 12]
    assert fc["ds"].iloc[0] == pd.Timestamp("2024-01-22")
    assert fc["ds"].iloc[-1] == pd.Timestamp("2024-01-31")


def test_quantiles_use_rms_of_seasonal_differences():
    # Seasonal differences: seven 0s (cycle 2 - cycle 1) and seven 9s (cycle 3 - cycle 2):
    # sigma = sqrt((7 * 0 + 7 * 81) / 14) = sqrt(40.5).
    y = list(range(1, 8)) * 2 + list(range(10, 17))
    model = SeasonalNaive(season_length=7).fit(_frame(y))
    sigma = np.sqrt(40.5)
    assert model.sigma_[0] == pytest.approx(sigma)
    fc = model.predict(8, quantiles=[0.9])
    z = stats.norm.ppf(0.9)
    # step 1: k = 0 -> sigma; step 8: k = floor(7 / 7) = 1 -> sigma * sqrt(2) (FPP3 Table 5.2)
    assert fc["q0.9"].iloc[0] == pytest.approx(10 + z * sigma)
    assert fc["q0.9"].iloc[7] == pytest.approx(10 + z * sigma * np.sqrt(2))


def test_quantiles_never_negative():
    y = [0, 0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    fc = SeasonalNaive(season_length=7).fit(_frame(y)).predict(14, quantiles=[0.05, 0.5])
    assert (fc["q0.05"] >= 0).all()
    assert (fc["q0.05"] == 0).sum() >= 12
    assert fc["q0.5"].tolist() == fc["yhat"].tolist()


def test_short_series_fall_back_to_mean_and_are_recorded():
    df = pd.concat([_frame([2, 4, 9], uid="short"), _frame(list(range(14)), uid="long")])
    model = SeasonalNaive(season_length=7).fit(df)
    table = model.model_table_.set_index("unique_id")
    assert table.loc["short", "model"] == "mean"
    assert "season_length=7" in table.loc["short", "reason"]
    assert table.loc["long", "model"] == "seasonal_naive"
    fc = model.predict(2)
    assert fc.loc[fc["unique_id"] == "short", "yhat"].tolist() == [5.0, 5.0]
    # the short series starts on its own dates
    assert fc.loc[fc["unique_id"] == "short", "ds"].iloc[0] == pd.Timestamp("2024-01-04")


def test_matches_per_series_loop_on_random_panel():
    rng = np.random.default_rng(7)
    frames = []
    for i in range(12):
        n = int(rng.integers(20, 60))
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 10)))
        frames.append(_frame(rng.poisson(3, n), uid=f"s{i:02d}", start=start))
    df = pd.concat(frames, ignore_index=True)
    fc = SeasonalNaive(season_length=7).fit(df).predict(9, quantiles=[0.8])
    z = stats.norm.ppf(0.8)
    for uid, part in df.groupby("unique_id"):
        y = part["y"].to_numpy()
        expected = np.array([y[len(y) - 7 + (j % 7)] for j in range(9)])
        sigma = np.sqrt(np.mean((y[7:] - y[:-7]) ** 2))
        got = fc[fc["unique_id"] == uid]
        np.testing.assert_allclose(got["yhat"], expected)
        spread = sigma * np.sqrt(np.arange(9) // 7 + 1)
        np.testing.assert_allclose(got["q0.8"], np.clip(expected + z * spread, 0, None))
        assert got["ds"].iloc[0] == part["ds"].max() + pd.Timedelta(days=1)


def test_weekly_anchor_is_kept():
    df = _frame(np.arange(60) % 5, freq="W-FRI", start="2023-01-06")
    fc = SeasonalNaive(season_length=52).fit(df).predict(3)
    assert (fc["ds"].dt.day_of_week == 4).all()
    assert fc["ds"].iloc[0] == df["ds"].max() + pd.Timedelta(weeks=1)


def test_custom_column_names_round_trip():
    df = _frame([1, 2, 3, 4]).rename(columns={"unique_id": "sku", "ds": "date", "y": "units"})
    fc = (
        SeasonalNaive(season_length=2)
        .fit(df, id_col="sku", time_col="date", target_col="units")
        .predict(2)
    )
    assert list(fc.columns) == ["sku", "date", "yhat"]
    assert fc["yhat"].tolist() == [3.0, 4.0]


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError, match="call fit"):
        SeasonalNaive().predict(3)


@pytest.mark.parametrize("quantiles", [[0.0], [1.2], [-0.1, 0.5]])
def test_bad_quantiles_raise(quantiles):
    model = SeasonalNaive(season_length=1).fit(_frame([1, 2, 3]))
    with pytest.raises(InvalidParameterError, match="between 0 and 1"):
        model.predict(2, quantiles=quantiles)


def test_bad_season_length_raises():
    with pytest.raises(InvalidParameterError, match="season_length"):
        SeasonalNaive(season_length=0).fit(_frame([1, 2, 3]))
