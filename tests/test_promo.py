"""forecastkit.promo.evaluate: counterfactual lift, pull-forward dip and ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.promo import cleanse_promotions, evaluate

DAYS = pd.date_range("2024-01-01", periods=70, freq="D")
WEEK = np.array([10.0, 12, 11, 13, 9, 20, 25])


def _sales(lift=15.0, pull=4.0, stop=70):
    # a weekly pattern repeated exactly; the promotion (days 56-62) adds `lift`
    # a day and the next three days lose `pull` each (demand pulled forward)
    y = np.tile(WEEK, 10)
    y[56:63] += lift
    y[63:66] -= pull
    a = pd.DataFrame({"unique_id": "A", "ds": DAYS, "y": y})
    b = a.assign(unique_id="B", y=2 * np.tile(WEEK, 10))  # B had no promotion
    both = pd.concat([a, b], ignore_index=True)
    return both[both["ds"] <= DAYS[stop - 1]].reset_index(drop=True)


def _naive():
    return fk.StatsForecaster(season_length=7, models=["seasonal_naive"])


def test_lift_dip_and_roi_by_hand():
    # seasonal naive on an exactly periodic history forecasts the pattern
    # itself, so the baseline over the 7 promotion days is WEEK.sum() = 100
    # (A) and 200 (B); lift = 7 x 15 = 105, dip = -3 x 4 = -12 for A.
    # ROI of A = (margin x (lift + dip) - cost) / cost = (2 x 93 - 60) / 60 = 2.1
    out = evaluate(
        _sales(),
        DAYS[56],
        DAYS[62],
        forecaster=_naive(),
        margin={"A": 2.0, "B": 1.0},
        promo_cost=60.0,
    )
    a, b = out.iloc[0], out.iloc[1]
    assert (a["baseline"], a["actual"], a["lift"], a["dip"]) == (100.0, 205.0, 105.0, -12.0)
    assert a["roi"] == pytest.approx(2.1)
    assert (b["lift"], b["dip"]) == (0.0, 0.0)
    assert b["roi"] == pytest.approx(-1.0)  # no lift: the whole cost is lost
    # the interval comes from sample paths of a model with no residual spread
    assert a["lift_lo"] <= a["lift"] <= a["lift_hi"]


def test_dip_is_nan_when_the_data_stop_at_the_promotion_end():
    out = evaluate(_sales(stop=63), DAYS[56], DAYS[62], ids=["A"], forecaster=_naive())
    assert out.loc[0, "lift"] == 105.0
    assert np.isnan(out.loc[0, "dip"]) and np.isnan(out.loc[0, "roi"])


def test_baseline_uses_no_data_from_the_window_or_after():
    seen = {}

    class Spy:
        def __init__(self):
            self.inner = _naive()

        def fit(self, df, **cols):
            seen["last"] = df["ds"].max()
            self.inner.fit(df, **cols)
            self.freq_ = self.inner.freq_
            return self

        def predict(self, h):
            return self.inner.predict(h)

        def sample_paths(self, h, n, seed=None):
            return self.inner.sample_paths(h, n, seed=seed)

    sales = _sales()
    first = evaluate(sales, DAYS[56], DAYS[62], forecaster=Spy())
    assert seen["last"] == DAYS[55]
    # rewriting everything from the promotion on changes the actuals, not the baseline
    changed = sales.assign(y=np.where(sales["ds"] >= DAYS[56], 999.0, sales["y"]))
    second = evaluate(changed, DAYS[56], DAYS[62], forecaster=Spy())
    assert second["baseline"].equals(first["baseline"])
    assert (second["actual"] == 7 * 999.0).all()


def test_errors():
    sales = _sales()
    with pytest.raises(InvalidParameterError, match="before start"):
        evaluate(sales, DAYS[62], DAYS[56], forecaster=_naive())
    with pytest.raises(DataValidationError, match="not in df"):
        evaluate(sales, DAYS[56], DAYS[62], ids=["Z"], forecaster=_naive())
    with pytest.raises(DataValidationError, match="no history before"):
        evaluate(sales, DAYS[0], DAYS[3], forecaster=_naive())
    with pytest.raises(DataValidationError, match="the whole window"):
        evaluate(_sales(stop=60), DAYS[56], DAYS[62], forecaster=_naive())
    with pytest.raises(InvalidParameterError, match="sample_paths"):
        evaluate(sales, DAYS[56], DAYS[62], forecaster=fk.SeasonalNaive(season_length=7))
    with pytest.raises(DataValidationError, match=r"margin lacks series \['B'\]"):
        evaluate(sales, DAYS[56], DAYS[62], forecaster=_naive(), margin={"A": 1.0}, promo_cost=1)
    with pytest.raises(DataValidationError, match="negative"):
        evaluate(sales.assign(y=-1.0), DAYS[56], DAYS[62], forecaster=_naive())


# ---------------------------------------------------------------- cleansing
def _with_earlier_promo():
    # 10 a day for 70 days; an earlier promotion (days 14-20) sold 30 a day,
    # the evaluated one (days 56-62) 25 a day; both flagged in "promo"
    y = np.full(70, 10.0)
    y[14:21], y[56:63] = 30.0, 25.0
    flag = np.zeros(70, dtype=int)
    flag[14:21] = flag[56:63] = 1
    return pd.DataFrame({"unique_id": "A", "ds": DAYS, "y": y, "promo": flag})


def test_earlier_promotions_are_cleansed_before_the_baseline_is_fitted():
    sales = _with_earlier_promo()
    mean_model = fk.StatsForecaster(season_length=7, models=["mean"])
    # as it is, the historic mean is (49 x 10 + 7 x 30) / 56 = 12.5 a day:
    # baseline 87.5 over the 7 days, lift 175 - 87.5 = 87.5 (biased low)
    raw = evaluate(sales, DAYS[56], DAYS[62], forecaster=mean_model)
    assert raw.loc[0, "baseline"] == pytest.approx(87.5)
    # cleansed, the earlier promotion's days take their weekdays' regular 10:
    # baseline 70, lift 7 x 15 = 105, the true lift
    clean = evaluate(sales, DAYS[56], DAYS[62], forecaster=mean_model, promo_col="promo")
    assert clean.loc[0, "baseline"] == pytest.approx(70.0)
    assert clean.loc[0, "lift"] == pytest.approx(105.0)


def test_cleanse_uses_the_same_weekday_of_the_neighbouring_weeks():
    sales = _with_earlier_promo().iloc[:42].copy()
    sales.loc[[7, 28, 35], "y"] = [12.0, 16.0, 20.0]  # days 14-20's weekday neighbours
    out = cleanse_promotions(sales, "promo")
    # day 14 (a Monday): same weekday at days 7, 0 (before; -21 and -28 are
    # outside the data) and 21, 28, 35 (after; 42 is outside): values 12, 10,
    # 10, 16, 20 -> mean 13.6; day 15 has 10 everywhere around it
    assert out.loc[14, "y"] == pytest.approx(13.6)
    assert out.loc[15, "y"] == pytest.approx(10.0)
    # unflagged days are left alone, and the flag is kept
    assert out.loc[7, "y"] == 12.0 and out["promo"].sum() == 7


def test_cleanse_falls_back_to_the_series_mean_and_keeps_always_promoted_series(caplog):
    days = pd.date_range("2024-01-01", periods=9, freq="D")
    a = pd.DataFrame({"unique_id": "A", "ds": days, "y": [4.0] * 8 + [20.0]})
    a["promo"] = [0] * 8 + [1]
    b = pd.DataFrame({"unique_id": "B", "ds": days, "y": 7.0, "promo": 1})
    frame = pd.concat([a, b], ignore_index=True)
    # weekly neighbours of A's day 8 (offsets +-7, ...) : day 1 -> 4
    with caplog.at_level("WARNING", logger="forecastkit.promo"):
        out = cleanse_promotions(frame, "promo")
    assert out.loc[8, "y"] == 4.0
    # B is on promotion every day: nothing to learn its regular sales from
    assert (out.loc[out["unique_id"] == "B", "y"] == 7.0).all()
    assert "every period" in caplog.text and "['B']" in caplog.text
    # a one-period season: the neighbours are days 4-7 (all 4); no neighbour
    # at all (neighbours outside the data) -> the series' regular mean
    assert cleanse_promotions(frame, "promo", season_length=1).loc[8, "y"] == 4.0
    short = frame[frame["ds"] >= days[4]]
    assert cleanse_promotions(short, "promo", season_length=7).loc[4, "y"] == 4.0


def test_cleanse_errors_name_the_column_and_series():
    sales = _with_earlier_promo()
    with pytest.raises(DataValidationError, match="'promotion'"):
        cleanse_promotions(sales, "promotion")
    bad = sales.assign(promo=sales["promo"] * 2)
    with pytest.raises(DataValidationError, match=r"other than 0/1 in series \['A'\]"):
        evaluate(bad, DAYS[56], DAYS[62], forecaster=_naive(), promo_col="promo")
    with pytest.raises(InvalidParameterError, match="neighbours"):
        cleanse_promotions(sales, "promo", neighbours=0)


# ---------------------------------------------------------------- placebo calibration
class _FivePaths:
    """Paths 8, 9, 10, 11, 12 a day (path s: 10 + s - 2), whatever the history."""

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.last_ = df.groupby(id_col)[time_col].max()
        self.id_col_, self.time_col_, self.target_col_ = id_col, time_col, target_col
        self.freq_ = "D"
        return self

    def _keys(self, h):
        rows = [
            (i, d + pd.Timedelta(days=k)) for i, d in self.last_.items() for k in range(1, h + 1)
        ]
        return pd.DataFrame(rows, columns=[self.id_col_, self.time_col_])

    def predict(self, h):
        return self._keys(h).assign(yhat=10.0)

    def sample_paths(self, h, n, seed=None):
        keys = self._keys(h)
        out = pd.concat([keys.assign(sample=s, y=10.0 + s - 2) for s in range(n)])
        return out.reset_index(drop=True)


def test_placebo_windows_rescale_the_interval_by_hand():
    # a two-day promotion on days 34-35 selling 25 a day; the three two-day
    # windows before it sold 27.2 (days 32-33), 20 (30-31) and 14.6 (28-29)
    y = np.full(40, 10.0)
    y[32:34], y[28:30], y[34:36] = 13.6, 7.3, 25.0
    sales = pd.DataFrame({"unique_id": "A", "ds": DAYS[:40], "y": y})
    # path sums over two days: 16, 18, 20, 22, 24 -> 5%, 50%, 95% quantiles
    # 16.4, 20, 23.6 (linear interpolation): half-widths 3.6 either side
    raw = evaluate(sales, DAYS[34], DAYS[35], forecaster=_FivePaths(), n_paths=5, dip_window=0)
    assert raw.loc[0, "lift"] == 30.0  # 50 sold, baseline 2 x 10
    assert (raw.loc[0, "lift_lo"], raw.loc[0, "lift_hi"]) == pytest.approx((26.4, 33.6))
    # placebo scores |actual - 20| / 3.6: 2.0, 0.0, 1.5; with 3 scores the
    # 90% conformal rank ceil(4 x 0.9) = 4 exceeds 3, so the largest, 2.0:
    # the baseline interval becomes 20 -+ 7.2, the lift interval 50 - (27.2, 12.8)
    model = _FivePaths()
    cal = evaluate(
        sales,
        DAYS[34],
        DAYS[35],
        forecaster=model,
        n_paths=5,
        dip_window=0,
        calibration_windows=3,
    )
    assert (cal.loc[0, "lift_lo"], cal.loc[0, "lift_hi"]) == pytest.approx((22.8, 37.2))
    assert cal.loc[0, "lift"] == 30.0
