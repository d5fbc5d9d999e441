"""forecastkit.promo.evaluate: counterfactual lift, pull-forward dip and ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.promo import evaluate

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

        def fit(self, df):
            seen["last"] = df["ds"].max()
            self.inner.fit(df)
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
