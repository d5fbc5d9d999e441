"""Backtest: hand-computed windows, leakage checks, window isolation and error paths."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecastkit.errors import (
    DataValidationError,
    DataWarning,
    FrequencyError,
    InsufficientDataError,
    InvalidParameterError,
)
from forecastkit.evaluate import backtest, score_by_horizon
from forecastkit.timeseries import SeasonalNaive


class SharedLog(list):
    """A list that survives the copies backtest makes of a forecaster."""

    def __deepcopy__(self, memo):
        return self


def _future(last: pd.DataFrame, h: int, id_col: str, time_col: str, freq: str) -> pd.DataFrame:
    rows = []
    for sid, t, value in last.itertuples(index=False):
        for date in pd.date_range(t, periods=h + 1, freq=freq)[1:]:
            rows.append((sid, date, value))
    return pd.DataFrame(rows, columns=[id_col, time_col, "yhat"])


class LastValue:
    """Naive test double: repeat each series' last training value."""

    def __init__(self, freq="D", log=None):
        self.freq = freq
        self.log = log

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.cols_ = (id_col, time_col, target_col)
        last = df.sort_values(time_col).groupby(id_col, observed=True).tail(1)
        self.last_ = last[list(self.cols_)]
        if self.log is not None:
            self.log.append(("fit", df[time_col].max(), len(df)))
        return self

    def update(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        if self.log is not None:
            self.log.append(("update", df[time_col].min(), df[time_col].max()))
        both = pd.concat([self.last_, df[list(self.cols_)]])
        self.last_ = both.sort_values(time_col).groupby(id_col, observed=True).tail(1)
        return self

    def predict(self, h):
        id_col, time_col, _ = self.cols_
        return _future(self.last_, h, id_col, time_col, self.freq)


class LastValueQuantiles(LastValue):
    def predict(self, h, *, quantiles=None):
        out = super().predict(h)
        for q in quantiles or []:
            out[f"q{q:g}"] = out["yhat"] + (1.0 if q > 0.5 else -1.0)
        return out


class SkLearnStyle(LastValue):
    """Has get_params, so backtest clones it; counts fits on each copy."""

    def get_params(self, deep=True):
        return {"freq": self.freq, "log": self.log}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, df, **kw):
        self.n_fits_ = getattr(self, "n_fits_", 0) + 1
        self.log.append(("n_fits", self.n_fits_))
        return super().fit(df, **kw)


def _panel() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=8, freq="D")
    return pd.DataFrame(
        {
            "unique_id": ["a"] * 8 + ["b"] * 8,
            "ds": list(days) * 2,
            "y": [1, 2, 4, 7, 11, 16, 22, 29, 5, 5, 6, 6, 7, 7, 8, 8],
        }
    ).astype({"y": float})


# ------------------------------------------------------------------ hand-computed run
def test_last_value_windows_hand_computed():
    res = backtest(LastValue(), _panel(), h=2, n_windows=3, step_size=1)
    # 8 days, h=2, 3 windows 1 day apart: test days are the last 2 + 2 * 1 = 4 days
    assert list(res.cutoffs) == list(pd.to_datetime(["2024-01-04", "2024-01-05", "2024-01-06"]))
    mae = res.metrics.query("metric == 'mae'")["yhat"].tolist()
    # cutoff 01-04: a predicts 7 for [11, 16] -> 6.5, b predicts 6 for [7, 7] -> 1
    # cutoff 01-05: a 11 vs [16, 22] -> 8,   b 7 vs [7, 8] -> 0.5
    # cutoff 01-06: a 16 vs [22, 29] -> 9.5, b 7 vs [8, 8] -> 1
    assert mae == pytest.approx([(6.5 + 1) / 2, (8 + 0.5) / 2, (9.5 + 1) / 2])
    overall = res.overall.set_index("metric")["yhat"]
    assert overall["mae"] == pytest.approx((3.75 + 4.25 + 5.25) / 3)
    first = res.series_metrics[res.series_metrics["cutoff"] == res.cutoffs[0]]
    first = first.set_index(["unique_id", "metric"])["yhat"]
    assert first[("a", "bias")] == pytest.approx(-6.5)  # forecast - actual
    assert first[("a", "rmse")] == pytest.approx(np.sqrt((16 + 81) / 2))
    # MASE scale from the window's own training data: a [1, 2, 4, 7] -> mean |diff| 2,
    # b [5, 5, 6, 6] -> 1/3
    assert first[("a", "mase")] == pytest.approx(6.5 / 2)
    assert first[("b", "mase")] == pytest.approx(1 / (1 / 3))
    wape = res.metrics.query("metric == 'wape'")["yhat"].iloc[0]
    assert wape == pytest.approx((4 + 9 + 1 + 1) / (11 + 16 + 7 + 7))  # pooled
    assert res.forecasts.columns.tolist() == ["unique_id", "ds", "cutoff", "y", "yhat"]
    assert len(res.forecasts) == 3 * 2 * 2
    assert res.metrics.columns.tolist() == ["cutoff", "metric", "yhat"]
    assert res.skipped.empty


def test_project_seasonal_naive_runs_through_backtest():
    # season_length=1 is the last-value forecast: same window MAEs as the hand-computed test
    res = backtest(
        SeasonalNaive(season_length=1), _panel(), h=2, n_windows=3, step_size=1, metrics=["mae"]
    )
    assert res.metrics["yhat"].tolist() == pytest.approx([3.75, 4.25, 5.25])


def test_panel_metrics_use_each_windows_training_data_and_statics():
    from forecastkit.evaluate import wrmsse

    df = _panel().assign(store=lambda d: np.where(d["unique_id"] == "a", "S1", "S2"))
    levels = [[], ["store"]]
    res = backtest(
        LastValue(),
        df,
        h=2,
        n_windows=2,
        metrics=["wrmsse"],
        metric_kwargs={"levels": levels, "weight_window": 3},
    )
    for cutoff in res.cutoffs:
        window = res.forecasts[res.forecasts["cutoff"] == cutoff]
        train = df[df["ds"] <= cutoff]
        direct = wrmsse(window, train_df=train, levels=levels, weight_window=3)
        got = res.metrics.query("cutoff == @cutoff")["yhat"].iloc[0]
        assert got == pytest.approx(direct["yhat"].iloc[0])
    # cutoff 01-06, total level: train sums [6, 7, 10, 13, 18, 23] -> squared diffs
    # [1, 9, 9, 25, 25] mean 13.8; forecast 16 + 7 = 23 vs [30, 37]: MSE (49 + 196) / 2
    total = np.sqrt(122.5 / 13.8)
    # store level = bottom level: a scale mean of [1, 4, 9, 16, 25] = 11, MSE (36 + 169) / 2;
    # b scale mean of [0, 1, 0, 1, 0] = 0.4, MSE 1; weights = units of days 4-6: 34 and 20
    store = (34 * np.sqrt(102.5 / 11) + 20 * np.sqrt(1 / 0.4)) / 54
    assert res.metrics["yhat"].iloc[1] == pytest.approx((total + store) / 2)


def test_default_step_size_is_h():
    res = backtest(LastValue(), _panel(), h=2, n_windows=2, metrics=["mae"])
    assert list(res.cutoffs) == list(pd.to_datetime(["2024-01-04", "2024-01-06"]))


def test_quantile_forecasts_are_scored():
    res = backtest(
        LastValueQuantiles(),
        _panel(),
        h=2,
        n_windows=1,
        quantiles=[0.1, 0.9],
        metrics=["coverage", "pinball"],
    )
    assert res.forecasts.columns.tolist()[-2:] == ["q0.1", "q0.9"]
    got = res.metrics.set_index("metric")["yhat"]
    # cutoff 01-06: a [15, 17] vs [22, 29] -> 0 covered; b [6, 8] vs [8, 8] -> both covered
    assert got["coverage"] == pytest.approx(0.5)
    # a: 0.1 * (22 - 15), 0.1 * (29 - 15), 0.9 * (22 - 17), 0.9 * (29 - 17) -> 17.4 / 4
    # b: 0.1 * (8 - 6) twice, 0 twice -> 0.4 / 4
    assert got["pinball"] == pytest.approx((17.4 / 4 + 0.4 / 4) / 2)


# ------------------------------------------------------------------------- leakage
class Recorder:
    """Checks what it is shown: the training end and the future exogenous frame."""

    def __init__(self, log):
        self.log = log

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.train_ = df
        self.cols_ = (id_col, time_col, target_col)
        return self

    def predict(self, h, *, X_future=None):
        id_col, time_col, target_col = self.cols_
        self.log.append(
            {
                "max_ds": self.train_[time_col].max(),
                "future_columns": list(X_future.columns),
                "future_dates": sorted(X_future[time_col].unique()),
                "price_sum": X_future["price"].sum(),
            }
        )
        last = self.train_.sort_values(time_col).groupby(id_col, observed=True).tail(1)
        return _future(last[[id_col, time_col, target_col]], h, id_col, time_col, "D")


class Cheater:
    """Built with the whole frame: returns the true future. backtest must score it 0."""

    def __init__(self, full):
        self.full = full

    def fit(self, df, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.end_ = df[time_col].max()
        return self

    def predict(self, h):
        ahead = self.full[self.full["ds"] > self.end_]
        ahead = ahead[ahead["ds"] <= self.end_ + pd.Timedelta(days=h)]
        return ahead.rename(columns={"y": "yhat"})


def test_forecaster_sees_only_data_up_to_the_cutoff_and_no_future_target():
    df = _panel().assign(price=np.arange(16, dtype=float), promo=1)
    log = SharedLog()
    res = backtest(Recorder(log), df, h=2, n_windows=3, step_size=1, metrics=["mae"])
    assert [entry["max_ds"] for entry in log] == list(res.cutoffs)
    for entry, cutoff in zip(log, res.cutoffs, strict=True):
        assert entry["future_columns"] == ["unique_id", "ds", "price", "promo"]  # no 'y'
        expected = [cutoff + pd.Timedelta(days=k) for k in (1, 2)]
        assert entry["future_dates"] == expected
    # the exogenous values are the real future ones: cutoff 01-04 -> days 5, 6 of a and b,
    # prices 4 + 5 + 12 + 13
    assert log[0]["price_sum"] == 34.0


def test_cheating_forecaster_scores_zero():
    df = _panel()
    res = backtest(Cheater(df), df, h=2, n_windows=3, metrics=["mae", "rmse"])
    assert res.metrics["yhat"].abs().max() == 0.0


def test_each_window_gets_a_fresh_clone():
    log = SharedLog()
    original = SkLearnStyle(log=log)
    backtest(original, _panel(), h=2, n_windows=3, metrics=["mae"])
    assert [entry for entry in log if entry[0] == "n_fits"] == [("n_fits", 1)] * 3
    assert not hasattr(original, "n_fits_")  # the caller's object is never fitted


def test_refit_false_fits_once_and_updates_with_new_periods_only():
    log = SharedLog()
    res = backtest(LastValue(log=log), _panel(), h=2, n_windows=3, step_size=1, refit=False)
    stamps = pd.to_datetime
    assert log == [
        ("fit", stamps("2024-01-04"), 8),
        ("update", stamps("2024-01-05"), stamps("2024-01-05")),
        ("update", stamps("2024-01-06"), stamps("2024-01-06")),
    ]
    refit = backtest(LastValue(), _panel(), h=2, n_windows=3, step_size=1)
    pd.testing.assert_frame_equal(res.forecasts, refit.forecasts)
    with pytest.raises(TypeError, match="update"):
        backtest(Recorder(SharedLog()), _panel(), h=2, refit=False)


# --------------------------------------------------------------- ragged panels
def test_series_outside_a_window_are_skipped_and_reported():
    df = _panel()
    late = pd.DataFrame(
        {"unique_id": "late", "ds": pd.date_range("2024-01-06", periods=3), "y": 3.0}
    )
    gone = pd.DataFrame(
        {"unique_id": "gone", "ds": pd.date_range("2024-01-01", periods=4), "y": 1.0}
    )
    ends = pd.DataFrame(
        {"unique_id": "ends", "ds": pd.date_range("2024-01-01", periods=5), "y": 2.0}
    )
    res = backtest(
        LastValue(),
        pd.concat([df, late, gone, ends]),
        h=2,
        n_windows=3,
        step_size=1,
        metrics=["mae"],
    )
    skipped = {(c.strftime("%m-%d"), i): r for c, i, r in res.skipped.itertuples(index=False)}
    assert skipped == {
        ("01-04", "late"): "starts after the cutoff",
        ("01-04", "gone"): "ends at or before the cutoff",
        ("01-05", "late"): "starts after the cutoff",
        ("01-05", "gone"): "ends at or before the cutoff",
        ("01-05", "ends"): "ends at or before the cutoff",
        ("01-06", "gone"): "ends at or before the cutoff",
        ("01-06", "ends"): "ends at or before the cutoff",
    }
    # 'ends' is scored at 01-04 on the one test day it has; 'late' at 01-06 with 1 training day
    fc = res.forecasts
    assert len(fc[(fc["unique_id"] == "ends")]) == 1
    assert fc.loc[fc["unique_id"] == "late", "cutoff"].unique().tolist() == [res.cutoffs[2]]
    strict = backtest(
        LastValue(), pd.concat([df, late]), h=2, n_windows=1, metrics=["mae"], min_train_size=2
    )
    assert strict.skipped["reason"].tolist() == ["fewer than min_train_size=2 periods"]


def test_custom_columns_and_weekly_frequency():
    weeks = pd.date_range("2024-01-07", periods=6, freq="W-SUN")
    df = pd.DataFrame({"sku": "x", "week": weeks, "units": [3.0, 1, 4, 1, 5, 9]})
    before = df.copy()
    res = backtest(
        LastValue(freq="W-SUN"),
        df,
        h=1,
        n_windows=2,
        id_col="sku",
        time_col="week",
        target_col="units",
        metrics=["mae", "mase"],
    )
    assert res.forecasts.columns.tolist() == ["sku", "week", "cutoff", "units", "yhat"]
    got = res.metrics.set_index(["cutoff", "metric"])["yhat"]
    # cutoff week 4: 1 vs 5 -> 4, scale mean |diff| of [3, 1, 4, 1] = 8/3
    assert got[(weeks[3], "mae")] == pytest.approx(4.0)
    assert got[(weeks[3], "mase")] == pytest.approx(4 / (8 / 3))
    # cutoff week 5: 5 vs 9 -> 4
    assert got[(weeks[4], "mae")] == pytest.approx(4.0)
    pd.testing.assert_frame_equal(df, before)


# ---------------------------------------------------------------------- error paths
def test_too_short_history_is_reported():
    with pytest.raises(InsufficientDataError, match="n_windows=3"):
        backtest(LastValue(), _panel(), h=3, n_windows=3)


def test_missing_forecast_names_the_series():
    class DropsB(LastValue):
        def predict(self, h):
            out = super().predict(h)
            return out[out["unique_id"] != "b"]

    with pytest.raises(DataValidationError, match=r"cutoff 2024-01-04.*\['b'\]"):
        backtest(DropsB(), _panel(), h=2, n_windows=2)


def test_bad_predictions_are_rejected():
    class NoYhat(LastValue):
        def predict(self, h):
            return super().predict(h).rename(columns={"yhat": "mean"})

    class NotAFrame(LastValue):
        def predict(self, h):
            return super().predict(h).to_numpy()

    with pytest.raises(DataValidationError, match=r"missing column.*'yhat'"):
        backtest(NoYhat(), _panel(), h=2)
    with pytest.raises(TypeError, match="not a DataFrame"):
        backtest(NotAFrame(), _panel(), h=2)

    class IgnoresQuantiles(LastValue):
        def predict(self, h, *, quantiles=None):
            return super().predict(h)

    with pytest.raises(DataValidationError, match="'q0.9'"):
        backtest(IgnoresQuantiles(), _panel(), h=2, quantiles=[0.9], metrics=["pinball"])

    class TzAware(LastValue):
        def predict(self, h):
            out = super().predict(h)
            return out.assign(ds=out["ds"].dt.tz_localize("UTC"))

    class Repeats(LastValue):
        def predict(self, h):
            return pd.concat([super().predict(h)] * 2)

    with pytest.raises(DataValidationError, match=r"cutoff 2024-01-02 has column 'ds'.*tz-naive"):
        backtest(TzAware(), _panel(), h=2)
    with pytest.raises(DataValidationError, match=r"cutoff 2024-01-02 has 4 rows that repeat"):
        backtest(Repeats(), _panel(), h=2)


def test_forecasts_must_start_the_period_after_the_cutoff():
    class StartsAtCutoff(LastValue):
        def predict(self, h):
            out = super().predict(h)
            return out.assign(ds=out["ds"] - pd.Timedelta(days=1))

    # cutoff 01-02 is scored on 01-03 and 01-04; the forecasts cover 01-02 and 01-03
    with pytest.raises(
        DataValidationError, match=r"2 series \['a', 'b'\] \(dates \['2024-01-04'\]"
    ):
        backtest(StartsAtCutoff(), _panel(), h=2)


def test_invalid_input_frames():
    df = _panel()
    # duplicates are caught by forecastkit.data.prepare, which names the series and date
    with pytest.raises(DataValidationError, match=r"repeat an earlier.*\['b'\].*2024-01-08"):
        backtest(LastValue(), pd.concat([df, df.tail(1)]), h=2)
    with pytest.raises(DataValidationError, match="holds numbers"):
        backtest(LastValue(), df.assign(ds=np.arange(16)), h=2)
    with pytest.raises(DataValidationError, match="'y'"):
        backtest(LastValue(), df.drop(columns="y"), h=2)
    with pytest.raises(FrequencyError):
        backtest(LastValue(), df, h=2, freq="W-SUN")  # daily dates off a weekly grid
    one_date_each = df.groupby("unique_id").head(1)  # no gap to infer a frequency from
    with pytest.raises(FrequencyError):
        backtest(LastValue(), one_date_each, h=1)
    with pytest.raises(DataValidationError, match="expected a pandas or polars"):
        backtest(LastValue(), df.to_dict(), h=2)


def test_dates_given_as_strings_are_parsed_like_prepare_does():
    df = _panel().assign(ds=lambda d: d["ds"].dt.strftime("%Y-%m-%d"))
    res = backtest(LastValue(), df, h=2, n_windows=3, step_size=1, metrics=["mae"])
    assert res.metrics["yhat"].tolist() == pytest.approx([3.75, 4.25, 5.25])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"h": 0}, "h must be a positive integer"),
        ({"h": 2.5}, "h must be a positive integer"),
        ({"h": 2, "n_windows": True}, "n_windows must be a positive integer"),
        ({"h": 2, "step_size": -1}, "step_size must be a positive integer"),
        ({"h": 2, "season_length": 1.5}, "season_length must be a positive integer"),
        ({"h": 2, "min_train_size": 0}, "min_train_size must be a positive integer"),
        ({"h": 2, "metrics": ["mape"]}, "unknown metric"),
        ({"h": 2, "metrics": ["coverage"]}, r"\['coverage'\] score quantile forecasts"),
        ({"h": 2, "quantiles": [0.5, 90]}, "strictly between 0 and 1"),
        ({"h": 2, "prepare_kwargs": {"freq": "D"}}, r"prepare_kwargs has unsupported key.*'freq'"),
        ({"h": 2, "prepare_kwargs": {"negative": "drop"}}, "negative='drop' is not valid"),
    ],
)
def test_bad_arguments_fail_before_any_fit(kwargs, match):
    log = SharedLog()
    with pytest.raises((DataValidationError, InvalidParameterError), match=match):
        backtest(LastValue(log=log), _panel(), **kwargs)
    assert log == []  # nothing was fitted


def test_no_usable_series_at_a_cutoff_is_reported():
    with pytest.raises(InsufficientDataError, match=r"cutoff 2024-01-04.*min_train_size=5"):
        backtest(LastValue(), _panel(), h=2, n_windows=2, min_train_size=5)


# ------------------------------------------------------------ data contract (prepare)
def _two_series_with_gap() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=20, freq="D")
    df = pd.DataFrame(
        {"unique_id": ["a"] * 20 + ["b"] * 20, "ds": list(days) * 2, "y": np.arange(40.0)}
    )
    return df[~((df["unique_id"] == "b") & (df["ds"] == "2024-01-14"))].reset_index(drop=True)


def test_series_without_a_row_on_the_cutoff_is_filled_and_scored():
    # b has no row on 2024-01-14, the first cutoff: prepare inserts it with y=0
    # (missing="zero"), so b's training data end on the cutoff and its forecasts
    # start the day after, like every other series
    res = backtest(SeasonalNaive(season_length=1), _two_series_with_gap(), h=3, n_windows=2)
    assert list(res.cutoffs) == list(pd.to_datetime(["2024-01-14", "2024-01-17"]))
    first = res.forecasts[res.forecasts["cutoff"] == res.cutoffs[0]]
    b = first[first["unique_id"] == "b"]
    assert b["ds"].tolist() == list(pd.date_range("2024-01-15", periods=3))
    assert b["yhat"].tolist() == [0.0, 0.0, 0.0]  # last value = the filled 0
    mae = res.series_metrics.query("metric == 'mae'").set_index(["cutoff", "unique_id"])["yhat"]
    # a (y = t, t = 0..19): cutoff t=13 predicts 13 for [14, 15, 16] -> 2;
    # b (y = 20 + t): 0 vs [34, 35, 36] -> 35; then 36 vs [37, 38, 39] -> 2
    assert mae.tolist() == pytest.approx([2.0, 35.0, 2.0, 2.0])
    assert res.skipped.empty


def test_forecaster_trains_on_the_prepared_frame():
    log = SharedLog()
    backtest(Recorder(log), _two_series_with_gap().assign(price=1.0), h=3, n_windows=2)
    # every series' training data end on the cutoff, the filled row included
    assert [entry["max_ds"] for entry in log] == list(pd.to_datetime(["2024-01-14", "2024-01-17"]))
    assert log[0]["future_columns"] == ["unique_id", "ds", "price"]


def test_scales_are_computed_over_periods_not_rows():
    # a loses its row of 2024-01-03 (y=4): prepare fills it with 0, so the MASE scale
    # at cutoff 01-06 is the mean |diff| of [1, 2, 0, 7, 11, 16] = (1+2+7+4+5)/5 = 3.8,
    # not that of the rows [1, 2, 7, 11, 16] (3.75)
    df = _panel()
    df = df[~((df["unique_id"] == "a") & (df["ds"] == "2024-01-03"))]
    res = backtest(LastValue(), df, h=2, n_windows=1, metrics=["mae", "mase", "rmsse"])
    got = res.series_metrics.set_index(["unique_id", "metric"])["yhat"]
    assert got[("a", "mae")] == pytest.approx(9.5)  # 16 vs [22, 29]
    assert got[("a", "mase")] == pytest.approx(9.5 / 3.8)
    # squared diffs [1, 4, 49, 16, 25] -> 19; MSE (36 + 169) / 2
    assert got[("a", "rmsse")] == pytest.approx(np.sqrt(102.5 / 19))


def _with_returns() -> pd.DataFrame:
    df = _panel()
    df.loc[1, "y"] = -2.0  # a, 2024-01-02: a return, in every training window
    df.loc[7, "y"] = -5.0  # a, 2024-01-08: a return, in the test window of cutoff 01-06
    return df


def test_negative_actuals_are_clipped_like_the_training_data():
    with pytest.warns(DataWarning, match=r"2 negative values in 1 series \['a'\]"):
        res = backtest(LastValue(), _with_returns(), h=2, n_windows=1, metrics=["mae", "mase"])
    fc = res.forecasts
    assert fc.loc[fc["unique_id"] == "a", "y"].tolist() == [22.0, 0.0]
    got = res.series_metrics.set_index(["unique_id", "metric"])["yhat"]
    # 16 vs [22, 0] -> (6 + 16) / 2; training [1, 0, 4, 7, 11, 16]: |diffs| sum 17 over 5
    assert got[("a", "mae")] == pytest.approx(11.0)
    assert got[("a", "mase")] == pytest.approx(11.0 / 3.4)


def test_negative_actuals_kept_on_request():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = backtest(
            LastValue(),
            _with_returns(),
            h=2,
            n_windows=1,
            metrics=["mae", "mase"],
            prepare_kwargs={"negative": "keep"},
        )
    got = res.series_metrics.set_index(["unique_id", "metric"])["yhat"]
    # 16 vs [22, -5] -> (6 + 21) / 2; training [1, -2, 4, 7, 11, 16]: |diffs| 21 / 5
    assert got[("a", "mae")] == pytest.approx(13.5)
    assert got[("a", "mase")] == pytest.approx(13.5 / 4.2)


def test_tz_aware_dates_give_the_naive_local_result():
    df = _panel()
    aware = df.assign(ds=df["ds"].dt.tz_localize("Europe/Berlin"))
    res = backtest(LastValue(), aware, h=2, n_windows=2)
    naive = backtest(LastValue(), df, h=2, n_windows=2)
    pd.testing.assert_frame_equal(res.forecasts, naive.forecasts)
    assert res.forecasts["ds"].min() == pd.Timestamp("2024-01-05")  # local wall-clock date
    assert res.metrics["yhat"].tolist() == pytest.approx(naive.metrics["yhat"].tolist())


def test_polars_history():
    pl = pytest.importorskip("polars")
    res = backtest(LastValue(), pl.from_pandas(_panel()), h=2, n_windows=3, step_size=1)
    # the window MAEs of test_last_value_windows_hand_computed
    mae = res.metrics.query("metric == 'mae'")["yhat"].tolist()
    assert mae == pytest.approx([3.75, 4.25, 5.25])
    assert res.forecasts["unique_id"].tolist()[:2] == ["a", "a"]


def test_nan_actual_names_the_cutoff_and_series():
    df = _panel()
    df.loc[15, "y"] = np.nan  # b, 2024-01-08: in the test window of cutoff 01-06
    # prepare's default nan_target="error" stops it first, and says how to pass the option
    with pytest.raises(
        DataValidationError,
        match=r"1 NaN values in 1 series \['b'\].*prepare_kwargs=\{'nan_target'",
    ):
        backtest(LastValue(), df, h=2, n_windows=1)
    with pytest.raises(
        DataValidationError, match=r"NaN in the test window after cutoff 2024-01-06.*\['b'\]"
    ):
        backtest(LastValue(), df, h=2, n_windows=1, prepare_kwargs={"nan_target": "keep"})
    # a gap left missing (missing="nan") inside the test window is reported the same way
    gap = _panel().drop(index=14)  # b, 2024-01-07
    with pytest.raises(DataValidationError, match=r"cutoff 2024-01-06.*\['b'\].*2024-01-07"):
        backtest(LastValue(), gap, h=2, n_windows=1, prepare_kwargs={"missing": "nan"})


def test_nan_in_training_data_of_a_scaled_metric_names_the_cutoff():
    df = _panel()
    df.loc[9, "y"] = np.nan  # b, 2024-01-02: training data of every window
    match = r"cutoff 2024-01-04 \(.*train_df: its training data\): column 'y' of train_df.*'b'"
    with pytest.raises(DataValidationError, match=match):
        backtest(LastValue(), df, h=2, n_windows=2, prepare_kwargs={"nan_target": "keep"})


def test_categorical_ids_with_unused_category():
    df = _panel()
    df["unique_id"] = df["unique_id"].astype(pd.CategoricalDtype(["a", "b", "zzz"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 2: no observed=False FutureWarning
        res = backtest(LastValue(), df, h=2, n_windows=3, step_size=1)
    assert res.skipped.empty  # 'zzz' has no rows: not a series, not "starts after the cutoff"
    assert sorted(set(res.series_metrics["unique_id"].astype(str))) == ["a", "b"]
    mae = res.metrics.query("metric == 'mae'")["yhat"].tolist()
    assert mae == pytest.approx([3.75, 4.25, 5.25])


class StaticRecorder(Recorder):
    """Recorder whose fit also takes the static frame (as LGBMForecaster's does)."""

    def fit(self, df, static=None, *, id_col="unique_id", time_col="ds", target_col="y"):
        self.log.append({"static_ids": sorted(static[id_col])})
        return super().fit(df, id_col=id_col, time_col=time_col, target_col=target_col)


def test_fit_kwargs_reach_fit_and_series_ending_inside_a_window_are_left_out():
    df = _panel().assign(price=np.arange(16, dtype=float))
    short = pd.DataFrame(
        {"unique_id": "c", "ds": pd.date_range("2024-01-01", periods=5), "y": 1.0, "price": 9.0}
    )
    static = pd.DataFrame({"unique_id": ["a", "b", "c"], "store": ["s1", "s1", "s2"]})
    log = SharedLog()
    res = backtest(
        StaticRecorder(log),
        pd.concat([df, short]),
        h=2,
        n_windows=2,
        step_size=1,
        metrics=["mae"],
        fit_kwargs={"static": static},
    )
    assert [e["static_ids"] for e in log if "static_ids" in e] == [["a", "b", "c"]] * 2
    # cutoffs 01-06 and 01-07: 'c' ends on 01-05, so at 01-06 it has none of the 2 test days
    # ("ends at or before"); the panel ends 01-08, so no window is cut short for a and b
    assert res.skipped["reason"].tolist() == ["ends at or before the cutoff"] * 2
    # a series with 1 of the 2 test days: left out, since its exogenous values stop early
    mid = pd.DataFrame(
        {"unique_id": "c", "ds": pd.date_range("2024-01-01", periods=7), "y": 1.0, "price": 9.0}
    )
    res = backtest(Recorder(SharedLog()), pd.concat([df, mid]), h=2, n_windows=1, metrics=["mae"])
    assert res.skipped[["unique_id", "reason"]].values.tolist() == [
        [
            "c",
            "ends inside the test window (1 of 2 periods); the forecaster needs future "
            "exogenous values for all of them",
        ]
    ]
    assert sorted(res.forecasts["unique_id"].unique()) == ["a", "b"]
    # without exogenous columns the partial window is scored
    plain = backtest(
        LastValue(),
        pd.concat([df, mid])[["unique_id", "ds", "y"]],
        h=2,
        n_windows=1,
        metrics=["mae"],
    )
    assert len(plain.forecasts[plain.forecasts["unique_id"] == "c"]) == 1


# ---------------------------------------------------------------- by horizon
def test_score_by_horizon_pools_windows_step_by_step():
    # two series, two cutoffs, two steps each; yhat is always 10
    rows = []
    for cutoff, actual in (
        ("2024-01-02", {"A": [12, 16], "B": [9, 4]}),
        ("2024-01-04", {"A": [10, 14], "B": [11, 2]}),
    ):
        start = pd.Timestamp(cutoff) + pd.Timedelta(days=1)
        for sku, ys in actual.items():
            for k, y in enumerate(ys):
                rows.append((sku, pd.Timestamp(cutoff), start + pd.Timedelta(days=k), y))
    fc = pd.DataFrame(rows, columns=["unique_id", "cutoff", "ds", "y"]).assign(yhat=10.0)
    fc = fc.sample(frac=1, random_state=0)  # row order must not matter
    out = score_by_horizon(fc, ["mae", "bias"])
    # step 1: A errors 2, 0 -> MAE 1; B errors 1, 1 -> 1; mean over series 1.0
    # step 2: A errors 6, 4 -> 5; B errors 6, 8 -> 7; mean 6.0
    mae = out[out["metric"] == "mae"].set_index("horizon")["yhat"]
    assert mae.to_dict() == {1: 1.0, 2: 6.0}
    # bias = mean(yhat - y): step 1 A -1, B +0 (1 and -1) -> -0.5; step 2 A -5, B +7 -> 1.0
    bias = out[out["metric"] == "bias"].set_index("horizon")["yhat"]
    assert bias.to_dict() == {1: -0.5, 2: 1.0}


def test_score_by_horizon_errors():
    fc = pd.DataFrame(
        {
            "unique_id": "A",
            "cutoff": pd.Timestamp("2024-01-02"),
            "ds": pd.date_range("2024-01-03", periods=2),
            "y": [1.0, 2.0],
            "yhat": [1.0, 1.0],
        }
    )
    with pytest.raises(DataValidationError, match="'mase'"):
        score_by_horizon(fc, "mase")
    with pytest.raises(DataValidationError, match="no column 'naive'"):
        score_by_horizon(fc, "mae", models=["naive"])
