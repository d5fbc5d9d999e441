"""Metrics against hand-computed values, utilsforecast, an M5 reference loop and properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.errors import (
    DataValidationError,
    ForecastkitWarning,
    InsufficientDataError,
    InvalidParameterError,
)
from forecastkit.evaluate import (
    bias,
    coverage,
    evaluate,
    mae,
    mase,
    pinball,
    rmse,
    rmsse,
    scaled_pinball,
    smape,
    wape,
    wrmsse,
    wspl,
)
from forecastkit.evaluate._scales import _pinball

A, B = "SKU-001", "SKU-017"
TRAIN_DAYS = pd.date_range("2024-01-01", periods=6, freq="D")
TEST_DAYS = pd.date_range("2024-01-07", periods=3, freq="D")


def _train() -> pd.DataFrame:
    # SKU-001 starts with two zeros (not on sale yet); SKU-017 has no zeros.
    return pd.DataFrame(
        {
            "unique_id": [A] * 6 + [B] * 6,
            "ds": list(TRAIN_DAYS) * 2,
            "y": [0, 0, 5, 9, 6, 10, 3, 1, 4, 1, 5, 9],
            "price": [2.0] * 6 + [1.0] * 6,
        }
    )


def _test() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": [A] * 3 + [B] * 3,
            "ds": list(TEST_DAYS) * 2,
            "y": [10.0, 12.0, 8.0, 0.0, 4.0, 0.0],
            "yhat": [11.0, 12.0, 5.0, 0.0, 2.0, 1.0],
            "naive": [10.0, 10.0, 10.0, 1.0, 1.0, 1.0],
            "q0.1": [8.0, 9.0, 7.0, 0.0, 1.0, 1.0],
            "q0.9": [13.0, 12.0, 9.0, 2.0, 3.0, 2.0],
        }
    )


def _values(frame: pd.DataFrame, col: str = "yhat") -> list[float]:
    return frame[col].tolist()


# ----------------------------------------------------------------- hand-computed values
def test_point_metrics_hand_computed():
    df = _test()
    # errors yhat - y: SKU-001 [1, 0, -3]; SKU-017 [0, -2, 1]
    assert _values(mae(df)) == pytest.approx([4 / 3, 3 / 3])
    assert _values(rmse(df)) == pytest.approx([np.sqrt(10 / 3), np.sqrt(5 / 3)])
    # bias is forecast - actual: both under-forecast on average
    assert _values(bias(df)) == pytest.approx([-2 / 3, -1 / 3])
    assert _values(wape(df)) == pytest.approx([4 / 30, 3 / 4])
    assert _values(wape(df, pooled=True)) == pytest.approx([(4 + 3) / (30 + 4)])
    # naive: SKU-001 errors [0, -2, 2], SKU-017 [1, -3, 1]
    assert _values(mae(df, ["naive"]), "naive") == pytest.approx([4 / 3, 5 / 3])
    assert mae(df).columns.tolist() == ["unique_id", "yhat"]
    assert mae(df)["unique_id"].tolist() == [A, B]


def test_smape_m4_definition_counts_zero_over_zero_as_zero():
    df = _test()
    # M4 (Makridakis et al. 2020, eq. 1): 200/h * sum |y - f| / (|y| + |f|)
    # SKU-001: (1/21 + 0/24 + 3/13) * 200 / 3; SKU-017: (0 [0/0] + 2/6 + 1/1) * 200 / 3
    expected = [(1 / 21 + 3 / 13) * 200 / 3, (2 / 6 + 1) * 200 / 3]
    assert _values(smape(df)) == pytest.approx(expected)


def test_mase_hand_computed_for_two_season_lengths():
    df, train = _test(), _train()
    # m=1: SKU-001 |diffs| of [0,0,5,9,6,10] = [0,5,4,3,4], mean 16/5; SKU-017 [2,3,3,4,4] -> 16/5
    got = mase(df, train_df=train, season_length=1)
    assert _values(got) == pytest.approx([(4 / 3) / 3.2, 1 / 3.2])
    # m=2: SKU-001 |y_t - y_{t-2}| = [5, 9, 1, 1] -> 4; SKU-017 [1, 0, 1, 8] -> 2.5
    got = mase(df, train_df=train, season_length=2)
    assert _values(got) == pytest.approx([(4 / 3) / 4, 1 / 2.5])


def test_rmsse_scale_starts_at_first_nonzero_value():
    df, train = _test(), _train()
    # M5 Competitors' Guide eq. (1). SKU-001 trimmed to [5, 9, 6, 10]: squared diffs
    # [16, 9, 16] -> 41/3; MSE 10/3. SKU-017 squared diffs [4, 9, 9, 16, 16] -> 10.8; MSE 5/3.
    got = rmsse(df, train_df=train)
    assert _values(got) == pytest.approx([np.sqrt(10 / 41), np.sqrt((5 / 3) / 10.8)])


def test_pinball_coverage_and_scaled_pinball_hand_computed():
    df, train = _test(), _train()
    # SKU-001 q0.1 losses 0.1 * [2, 3, 1]; q0.9 losses 0.1 * [3, 0, 1]: total 1.0 over 6 terms
    # SKU-017 q0.1 losses [0, 0.3, 0.9]; q0.9 losses [0.2, 0.9, 0.2]: total 2.5 over 6 terms
    assert _values(pinball(df, quantiles=[0.1, 0.9])) == pytest.approx([1 / 6, 2.5 / 6])
    # scales: mean |diff| of trimmed SKU-001 [4, 3, 4] = 11/3; SKU-017 16/5
    got = scaled_pinball(df, train_df=train, quantiles=[0.1, 0.9])
    assert _values(got) == pytest.approx([(1 / 6) / (11 / 3), (2.5 / 6) / 3.2])
    # SKU-001: 10 in [8, 13], 12 in [9, 12] (bounds inclusive), 8 in [7, 9]; SKU-017: 0 in
    # [0, 2] only
    assert _values(coverage(df, lower=0.1, upper=0.9)) == pytest.approx([1.0, 1 / 3])


def test_pinball_kernel_is_asymmetric():
    # under-forecast by 2 at tau=0.9 costs 0.9 * 2; over-forecast by 2 costs 0.1 * 2
    assert _pinball(np.array([10.0, 10.0]), np.array([8.0, 12.0]), 0.9) == pytest.approx([1.8, 0.2])


def test_wrmsse_hand_computed_total_and_bottom_levels():
    df, train = _test(), _train()
    # Weights: sales value over the last 2 training days: SKU-001 (6 + 10) * 2 = 32,
    # SKU-017 (5 + 9) * 1 = 14, total 46.
    bottom = (32 * np.sqrt(10 / 41) + 14 * np.sqrt((5 / 3) / 10.8)) / 46
    # Total: train sums [3, 1, 9, 10, 11, 19], squared diffs [4, 64, 1, 1, 64] -> 26.8;
    # test sums y [10, 16, 8], yhat [11, 14, 6]: squared errors [1, 4, 4] -> MSE 3.
    total = np.sqrt(3 / 26.8)
    got = wrmsse(df, train_df=train, levels=[[], ["unique_id"]], price_col="price", weight_window=2)
    assert got.columns.tolist() == ["yhat"]
    assert got["yhat"].iloc[0] == pytest.approx((total + bottom) / 2)
    by_level = wrmsse(
        df,
        train_df=train,
        levels=[[], ["unique_id"]],
        price_col="price",
        weight_window=2,
        by_level=True,
    )
    assert by_level["level"].tolist() == ["total", "unique_id"]
    assert by_level["n_series"].tolist() == [1, 2]
    assert by_level["yhat"].tolist() == pytest.approx([total, bottom])


def test_wrmsse_without_price_weights_by_units():
    df, train = _test(), _train()
    # units over the last 2 days: 16 and 14
    expected = (16 * np.sqrt(10 / 41) + 14 * np.sqrt((5 / 3) / 10.8)) / 30
    got = wrmsse(df, train_df=train, weight_window=2)
    assert got["yhat"].iloc[0] == pytest.approx(expected)


def test_wspl_hand_computed():
    df, train = _test(), _train()
    # SPL per series from the scaled pinball test, weights 32/46 and 14/46
    expected = (32 * (1 / 6) / (11 / 3) + 14 * (2.5 / 6) / 3.2) / 46
    got = wspl(df, train_df=train, quantiles=[0.1, 0.9], price_col="price", weight_window=2)
    assert got["yhat"].iloc[0] == pytest.approx(expected)


# ------------------------------------------------------------------------ evaluate
def test_evaluate_tidy_per_series_and_mean():
    df, train = _test(), _train()
    out = evaluate(df, ["mae", "wape", "mase"], train_df=train, models=["yhat", "naive"])
    assert out.columns.tolist() == ["unique_id", "metric", "yhat", "naive"]
    assert out["metric"].tolist() == ["mae", "mae", "wape", "wape", "mase", "mase"]
    assert out["yhat"].tolist() == pytest.approx([4 / 3, 1, 4 / 30, 3 / 4, 4 / 3 / 3.2, 1 / 3.2])
    assert out.index.equals(pd.RangeIndex(6))
    agg = evaluate(df, ["mae", "wape"], models=["yhat", "naive"], agg="mean")
    assert agg.columns.tolist() == ["metric", "yhat", "naive"]
    # mae: mean over series; wape: pooled (7 / 34 for yhat, (4 + 5) / 34 for naive)
    assert agg["yhat"].tolist() == pytest.approx([(4 / 3 + 1) / 2, 7 / 34])
    assert agg["naive"].tolist() == pytest.approx([(4 / 3 + 5 / 3) / 2, 9 / 34])


def test_evaluate_quantile_and_panel_metrics():
    df, train = _test(), _train()
    out = evaluate(
        df,
        ["coverage", "pinball", "wrmsse", "wspl"],
        train_df=train,
        quantiles=[0.1, 0.9],
        price_col="price",
        weight_window=2,
        agg="mean",
    )
    assert out["metric"].tolist() == ["coverage", "pinball", "wrmsse", "wspl"]
    bottom = (32 * np.sqrt(10 / 41) + 14 * np.sqrt((5 / 3) / 10.8)) / 46
    expected = [(1 + 1 / 3) / 2, (1 / 6 + 2.5 / 6) / 2, bottom]
    assert out["yhat"].tolist()[:3] == pytest.approx(expected)


def test_evaluate_argument_errors():
    df = _test()
    with pytest.raises(DataValidationError, match="agg='mean'"):
        evaluate(df, ["wrmsse"], train_df=_train())
    with pytest.raises(DataValidationError, match="unknown metric"):
        evaluate(df, ["mape"])
    with pytest.raises(DataValidationError, match="needs train_df"):
        evaluate(df, ["mase"])
    with pytest.raises(DataValidationError, match=r"\['pinball'\] score quantile.*quantiles="):
        evaluate(df, ["pinball"])
    with pytest.raises(DataValidationError, match="agg must be"):
        evaluate(df, ["mae"], agg="median")
    with pytest.raises(DataValidationError, match=r"train_df: expected a pandas or polars"):
        evaluate(df, ["mase"], train_df={"y": [1.0]})


# ------------------------------------------------------------------- error paths
def test_series_missing_from_train_is_named():
    train = _train().query("unique_id != @B")
    with pytest.raises(DataValidationError, match="SKU-017"):
        mase(_test(), train_df=train)


def test_nan_forecast_is_named():
    df = _test()
    df.loc[4, "yhat"] = np.nan
    with pytest.raises(DataValidationError, match=r"'yhat'.*SKU-017"):
        mae(df)


def test_nan_in_training_target_is_named():
    train = _train()
    train.loc[7, "y"] = np.nan
    with pytest.raises(DataValidationError, match=r"train_df.*SKU-017"):
        rmsse(_test(), train_df=train)


def test_repeated_periods_are_rejected():
    df = _test()
    stacked = pd.concat([df.assign(cutoff=1), df.assign(cutoff=2)])  # two backtest windows
    # same wording as forecastkit.data.prepare; 6 rows repeat an earlier one
    with pytest.raises(
        DataValidationError, match=r"6 rows that repeat an earlier.*SKU-001.*one cutoff"
    ):
        evaluate(stacked, ["mae"])
    with pytest.raises(DataValidationError, match=r"train_df has 1 rows that repeat.*SKU-017"):
        rmsse(df, train_df=pd.concat([_train(), _train().tail(1)]))
    with pytest.raises(DataValidationError, match="repeat an earlier"):
        wrmsse(stacked, train_df=_train())


def test_missing_quantile_column_lists_available_columns():
    with pytest.raises(DataValidationError, match=r"'q0\.95'.*available columns.*'q0\.9'"):
        pinball(_test(), quantiles=[0.1, 0.95])


def test_missing_model_column_is_named():
    with pytest.raises(DataValidationError, match="'ets'"):
        rmse(_test(), ["ets"])


def test_several_models_need_model_field_in_quantile_format():
    with pytest.raises(DataValidationError, match=r"\{model\}_q\{q:g\}"):
        pinball(_test(), ["yhat", "naive"], quantiles=[0.1])


def test_quantile_format_with_model_prefix():
    df = _test().rename(columns={"q0.1": "yhat_q0.1", "q0.9": "yhat_q0.9"})
    df["naive_q0.1"], df["naive_q0.9"] = 0.0, 100.0
    out = coverage(df, ["yhat", "naive"], lower=0.1, upper=0.9, quantile_format="{model}_q{q:g}")
    assert out["yhat"].tolist() == pytest.approx([1.0, 1 / 3])
    assert out["naive"].tolist() == [1.0, 1.0]


def test_bad_arguments_raise_data_validation_error():
    df, train = _test(), _train()
    with pytest.raises(InvalidParameterError, match=r"strictly between 0 and 1; got \[0\.0\]"):
        pinball(df, quantiles=[0.0, 0.5])
    with pytest.raises(InvalidParameterError, match="strictly between 0 and 1"):
        wspl(df, train_df=train, quantiles=[50, 90])
    with pytest.raises(InvalidParameterError, match="quantiles is empty"):
        scaled_pinball(df, train_df=train, quantiles=[])
    with pytest.raises(InvalidParameterError, match="sequence of numbers"):
        pinball(df, quantiles=["low"])
    with pytest.raises(DataValidationError, match="lower must be below upper"):
        coverage(df, lower=0.9, upper=0.1)
    with pytest.raises(DataValidationError, match="models is empty"):
        mae(df, [])
    with pytest.raises(InvalidParameterError, match=r"weight_window must be a positive integer"):
        wrmsse(df, train_df=train, weight_window=0)
    with pytest.raises(DataValidationError, match=r"levels must be a list of lists"):
        wrmsse(df, train_df=train, levels=["store"])
    with pytest.raises(DataValidationError, match=r"df: expected a pandas or polars"):
        mae(df.to_dict())


@pytest.mark.parametrize("season_length", [0, -7, 2.5, True, "7", None, float("nan")])
def test_mase_rejects_season_length_that_is_not_a_positive_integer(season_length):
    # 2.5 used to be truncated to a lag of 2 without a word
    with pytest.raises(InvalidParameterError, match="season_length must be a positive integer"):
        mase(_test(), train_df=_train(), season_length=season_length)


def test_mase_accepts_whole_float_season_length():
    # 2.0 is the lag-2 scale of the hand-computed test: SKU-001 4, SKU-017 2.5
    got = mase(_test(), train_df=_train(), season_length=2.0)
    assert _values(got) == pytest.approx([(4 / 3) / 4, 1 / 2.5])


# -------------------------------------------------------------- zero and undefined scales
def test_constant_history_gives_nan_with_warning_not_inf():
    train = _train()
    train.loc[train["unique_id"] == B, "y"] = 4.0
    with pytest.warns(ForecastkitWarning, match=r"mase: 1 series.*SKU-017"):
        got = mase(_test(), train_df=train)
    assert got["yhat"].iloc[0] == pytest.approx((4 / 3) / 3.2)
    assert np.isnan(got["yhat"].iloc[1])
    with pytest.warns(ForecastkitWarning, match="SKU-017"):
        means = evaluate(_test(), ["rmsse"], train_df=train, agg="mean")
    # the NaN series is left out of the mean
    assert means["yhat"].iloc[0] == pytest.approx(np.sqrt(10 / 41))


def test_all_zero_history_gives_nan_rmsse():
    train = _train()
    train.loc[train["unique_id"] == A, "y"] = 0.0
    with pytest.warns(ForecastkitWarning, match=r"rmsse.*SKU-001"):
        got = rmsse(_test(), train_df=train)
    assert np.isnan(got["yhat"].iloc[0]) and np.isfinite(got["yhat"].iloc[1])


def test_too_short_history_for_season_gives_nan():
    train = _train().groupby("unique_id").head(2)  # 2 values, season_length 2: no difference
    with pytest.warns(ForecastkitWarning, match="2 or fewer training values"):
        got = mase(_test(), train_df=train, season_length=2)
    assert got["yhat"].isna().all()


def test_wape_of_all_zero_actuals_is_nan():
    df = _test()
    df.loc[df["unique_id"] == B, "y"] = 0.0
    got = wape(df)
    assert got["yhat"].iloc[0] == pytest.approx(4 / 30)
    assert np.isnan(got["yhat"].iloc[1])


def test_wrmsse_drops_weighted_series_with_zero_scale_and_rescales():
    train = _train()
    train.loc[train["unique_id"] == B, "y"] = 4.0  # constant: zero scale, weight 8 > 0
    with pytest.warns(ForecastkitWarning, match=r"SKU-017.*left out"):
        got = wrmsse(_test(), train_df=train, weight_window=2)
    assert got["yhat"].iloc[0] == pytest.approx(np.sqrt(10 / 41))


def test_wrmsse_zero_weight_series_contributes_nothing_without_warning():
    train = _train()
    # SKU-017: all zero history -> undefined scale, but no sales -> weight 0 (as in M5)
    train.loc[train["unique_id"] == B, "y"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = wrmsse(_test(), train_df=train, weight_window=2)
    assert got["yhat"].iloc[0] == pytest.approx(np.sqrt(10 / 41))


# ----------------------------------------------------------------- WRMSSE input errors
def _with_statics(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(store=np.where(df["unique_id"] == A, "S1", "S2"))


def test_wrmsse_static_errors():
    df, train = _with_statics(_test()), _train()
    bad = df.copy()
    bad.loc[5, "store"] = "S9"
    with pytest.raises(DataValidationError, match=r"not constant.*SKU-017"):
        wrmsse(bad, train_df=train, levels=[["store"]])
    statics = pd.DataFrame({"unique_id": [A], "store": ["S1"]})
    with pytest.raises(DataValidationError, match=r"missing from static_df.*SKU-017"):
        wrmsse(df, train_df=train, levels=[["store"]], static_df=statics)
    with pytest.raises(DataValidationError, match=r"missing column.*'cat'"):
        wrmsse(df, train_df=train, levels=[["cat"]])
    with pytest.raises(DataValidationError, match=r"wrap it: \['store'\]"):
        wrmsse(df, train_df=train, levels=["store"])
    with pytest.raises(InsufficientDataError, match="weight_window"):
        wrmsse(df, train_df=train.assign(y=0.0))


def test_wrmsse_store_level_equals_bottom_when_one_series_per_store():
    df, train = _with_statics(_test()), _train()
    kw = {"train_df": train, "price_col": "price", "weight_window": 2, "by_level": True}
    store = wrmsse(df, levels=[["store"]], **kw)
    statics = pd.DataFrame({"unique_id": [B, A], "store": ["S2", "S1"]})
    from_static = wrmsse(df.drop(columns="store"), levels=[["store"]], static_df=statics, **kw)
    from_train = wrmsse(_test(), levels=[["store"]], **{**kw, "train_df": _with_statics(train)})
    bottom = wrmsse(df, levels=[["unique_id"]], **kw)
    assert from_train["yhat"].iloc[0] == pytest.approx(bottom["yhat"].iloc[0])
    assert store["yhat"].iloc[0] == pytest.approx(bottom["yhat"].iloc[0])
    assert from_static["yhat"].iloc[0] == pytest.approx(bottom["yhat"].iloc[0])


# --------------------------------------------------- M5 reference implementation (oracle)
def _m5_rmsse(train_y, y, yhat):
    # M5 Competitors' Guide (2020) eq. (1): scale from the first non-zero observation
    start = np.flatnonzero(train_y != 0)[0]
    scale = np.mean(np.diff(train_y[start:]) ** 2)
    return np.sqrt(np.mean((y - yhat) ** 2) / scale)


def _m5_wrmsse(panel, levels, window):
    """Direct transcription of the M5 WRMSSE (guide eq. (1)-(2)): a loop over groups."""
    scores = []
    for level in levels:
        groups = {}
        for s in panel.values():
            key = tuple(s["statics"][c] for c in level) if level else ("total",)
            groups.setdefault(key, []).append(s)
        total_value = sum(np.sum((s["train"] * s["price"])[-window:]) for s in panel.values())
        level_score = 0.0
        for members in groups.values():
            train_y = np.sum([m["train"] for m in members], axis=0)
            y = np.sum([m["y"] for m in members], axis=0)
            yhat = np.sum([m["yhat"] for m in members], axis=0)
            value = sum(np.sum((m["train"] * m["price"])[-window:]) for m in members)
            level_score += value / total_value * _m5_rmsse(train_y, y, yhat)
        scores.append(level_score)
    return scores


def test_wrmsse_matches_m5_reference_loop():
    rng = np.random.default_rng(7)
    n_train, h = 40, 7
    stores, cats = ["CA_1", "CA_1", "CA_2", "TX_1", "TX_1", "TX_1"], list("ABCABC")
    panel, train_rows, test_rows = {}, [], []
    train_days = pd.date_range("2024-01-01", periods=n_train)
    test_days = pd.date_range(train_days[-1] + pd.Timedelta(days=1), periods=h)
    for i, (store, cat) in enumerate(zip(stores, cats, strict=True)):
        sid = f"item{i}_{store}"
        tr = rng.poisson(3.0, n_train).astype(float)
        tr[: rng.integers(0, 10)] = 0.0  # launch later: leading zeros
        tr[-1] = 1.0 + i  # at least one non-zero value
        price = rng.uniform(1, 5, n_train)
        y = rng.poisson(3.0, h).astype(float)
        yhat = y + rng.normal(0, 1.5, h)
        statics = {"unique_id": sid, "store": store, "cat": cat}
        panel[sid] = {"train": tr, "price": price, "y": y, "yhat": yhat, "statics": statics}
        train_rows.append(pd.DataFrame({"unique_id": sid, "ds": train_days, "y": tr, "p": price}))
        test_rows.append(
            pd.DataFrame({"unique_id": sid, "ds": test_days, "y": y, "yhat": yhat, **statics})
        )
    train_df, df = pd.concat(train_rows), pd.concat(test_rows)
    levels = [[], ["store"], ["cat"], ["store", "cat"], ["unique_id"]]
    expected = _m5_wrmsse(panel, levels, window=28)
    got = wrmsse(df, train_df=train_df, levels=levels, price_col="p", by_level=True)
    assert got["yhat"].tolist() == pytest.approx(expected, rel=1e-10)
    assert got["n_series"].tolist() == [1, 3, 3, 6, 6]
    total = wrmsse(df, train_df=train_df, levels=levels, price_col="p")
    assert total["yhat"].iloc[0] == pytest.approx(np.mean(expected), rel=1e-10)
    # RMSSE of each bottom series against the same reference
    per = rmsse(df, train_df=train_df).set_index("unique_id")["yhat"]
    for sid, s in panel.items():
        assert per[sid] == pytest.approx(_m5_rmsse(s["train"], s["y"], s["yhat"]), rel=1e-10)


# ---------------------------------------------------------- utilsforecast as a reference
def _random_panel(seed: int, n_series: int = 5, n_train: int = 30, h: int = 6):
    rng = np.random.default_rng(seed)
    train, test = [], []
    for i in range(n_series):
        days = pd.date_range("2023-01-01", periods=n_train + h)
        y = rng.gamma(2.0, 5.0, n_train + h) + 0.5  # strictly positive: no leading zeros
        sid = f"s{i}"
        train.append(pd.DataFrame({"unique_id": sid, "ds": days[:n_train], "y": y[:n_train]}))
        mid = y[n_train:] + rng.normal(0, 3, h)
        test.append(
            pd.DataFrame(
                {
                    "unique_id": sid,
                    "ds": days[n_train:],
                    "y": y[n_train:],
                    "yhat": mid,
                    "q0.1": mid - 4,
                    "q0.5": mid,
                    "q0.9": mid + 4,
                }
            )
        )
    return pd.concat(train, ignore_index=True), pd.concat(test, ignore_index=True)


def _by_id(frame: pd.DataFrame, col: str = "yhat") -> np.ndarray:
    return frame.sort_values("unique_id")[col].to_numpy(dtype=float)


def test_point_metrics_match_utilsforecast():
    uf = pytest.importorskip("utilsforecast.losses")
    train, df = _random_panel(1)
    pairs = [(mae, uf.mae), (rmse, uf.rmse), (bias, uf.bias), (wape, uf.wape)]
    for ours, theirs in pairs:
        assert _by_id(ours(df)) == pytest.approx(_by_id(theirs(df, ["yhat"])), rel=1e-12)
    # utilsforecast reports sMAPE on a 0-1 scale, M4 on 0-200
    assert _by_id(smape(df)) == pytest.approx(200 * _by_id(uf.smape(df, ["yhat"])), rel=1e-12)


def test_scaled_metrics_match_utilsforecast():
    uf = pytest.importorskip("utilsforecast.losses")
    train, df = _random_panel(2)
    theirs = uf.mase(df, ["yhat"], seasonality=7, train_df=train)
    assert _by_id(mase(df, train_df=train, season_length=7)) == pytest.approx(
        _by_id(theirs), rel=1e-12
    )
    # without leading zeros the M5 RMSSE equals utilsforecast's RMSSE with seasonality 1
    theirs = uf.rmsse(df, ["yhat"], seasonality=1, train_df=train)
    assert _by_id(rmsse(df, train_df=train)) == pytest.approx(_by_id(theirs), rel=1e-12)


def test_quantile_metrics_match_utilsforecast():
    uf = pytest.importorskip("utilsforecast.losses")
    train, df = _random_panel(3)
    qs = np.array([0.1, 0.5, 0.9])
    models = {"yhat": ["q0.1", "q0.5", "q0.9"]}
    theirs = uf.mqloss(df, models, quantiles=qs)
    assert _by_id(pinball(df, quantiles=qs)) == pytest.approx(_by_id(theirs), rel=1e-12)
    theirs = uf.scaled_mqloss(df, models, quantiles=qs, seasonality=1, train_df=train)
    ours = scaled_pinball(df, train_df=train, quantiles=qs)
    assert _by_id(ours) == pytest.approx(_by_id(theirs), rel=1e-12)
    single = uf.quantile_loss(df, {"yhat": "q0.9"}, q=0.9)
    assert _by_id(pinball(df, quantiles=[0.9])) == pytest.approx(_by_id(single), rel=1e-12)
    renamed = df.assign(**{"yhat-lo-80": df["q0.1"], "yhat-hi-80": df["q0.9"]})
    theirs = uf.coverage(renamed, ["yhat"], level=80)
    assert _by_id(coverage(df, lower=0.1, upper=0.9)) == pytest.approx(_by_id(theirs))


# ------------------------------------------------------------------------- properties
_values_st = st.lists(st.floats(0.5, 100.0), min_size=4, max_size=12)


@settings(max_examples=30, deadline=None)
@given(y=_values_st)
def test_perfect_forecast_scores_zero(y):
    n = len(y)
    df = pd.DataFrame({"unique_id": ["a"] * (n // 2) + ["b"] * (n - n // 2), "y": y, "yhat": y})
    out = evaluate(df, ["mae", "rmse", "bias", "wape", "smape"])
    assert out["yhat"].abs().max() == 0.0


@settings(max_examples=30, deadline=None)
@given(
    y=_values_st,
    noise=st.lists(st.floats(-5.0, 5.0), min_size=12, max_size=12),
    c=st.floats(0.1, 50.0),
)
def test_scaling_data_scales_mae_and_leaves_scaled_metrics_unchanged(y, noise, c):
    n = len(y)
    days = pd.date_range("2024-01-01", periods=n)
    train = pd.DataFrame({"unique_id": "a", "ds": days, "y": y})
    if np.ptp(y) < 1e-3:  # a (near) constant history has no scale
        return
    df = pd.DataFrame({"unique_id": "a", "y": y[:3], "yhat": np.add(y[:3], noise[:3])})
    scaled_df = df.assign(y=df["y"] * c, yhat=df["yhat"] * c)
    scaled_train = train.assign(y=train["y"] * c)
    assert mae(scaled_df)["yhat"].iloc[0] == pytest.approx(c * mae(df)["yhat"].iloc[0])
    for metric in (mase, rmsse):
        base = metric(df, train_df=train)["yhat"].iloc[0]
        assert metric(scaled_df, train_df=scaled_train)["yhat"].iloc[0] == pytest.approx(base)
    assert smape(scaled_df)["yhat"].iloc[0] == pytest.approx(smape(df)["yhat"].iloc[0])


@settings(max_examples=20, deadline=None)
@given(perm=st.permutations(list(range(6))))
def test_row_order_does_not_matter(perm):
    df, train = _test(), _train()
    shuffled = df.iloc[list(perm)]
    train_shuffled = train.iloc[list(perm) + list(range(6, 12))[::-1]]
    names = ["mae", "rmse", "bias", "wape", "smape", "mase", "rmsse", "pinball"]
    a = evaluate(df, names, train_df=train, quantiles=[0.1, 0.9])
    b = evaluate(shuffled, names, train_df=train_shuffled, quantiles=[0.1, 0.9])
    pd.testing.assert_frame_equal(a, b)
    assert a["yhat"].iloc[:2].tolist() == pytest.approx([4 / 3, 1])  # the mae rows


# ------------------------------------------------------------- conventions of the API
def test_custom_column_names_and_inputs_untouched():
    df = _test().rename(columns={"unique_id": "sku", "y": "sales", "ds": "week"})
    df.index = [10, 11, 12, 13, 14, 15]
    train = _train().rename(columns={"unique_id": "sku", "y": "sales", "ds": "week"})
    df_before, train_before = df.copy(), train.copy()
    cols = {"id_col": "sku", "target_col": "sales"}
    out = evaluate(df, ["mae", "rmsse"], train_df=train, time_col="week", **cols)
    assert out.columns.tolist() == ["sku", "metric", "yhat"]
    assert out.index.equals(pd.RangeIndex(4))
    assert out["yhat"].tolist() == pytest.approx(
        [4 / 3, 1, np.sqrt(10 / 41), np.sqrt((5 / 3) / 10.8)]
    )
    got = wrmsse(df, train_df=train, time_col="week", weight_window=2, **cols)
    assert got["yhat"].iloc[0] == pytest.approx(
        (16 * np.sqrt(10 / 41) + 14 * np.sqrt((5 / 3) / 10.8)) / 30
    )
    pd.testing.assert_frame_equal(df, df_before)
    pd.testing.assert_frame_equal(train, train_before)


def _all_metrics(df, train) -> dict[str, tuple[list, list[float]]]:
    """Every public metric on the same inputs, as (ids, values) per metric."""
    q = {"quantiles": [0.1, 0.9]}
    frames = {
        "mae": mae(df),
        "rmse": rmse(df),
        "bias": bias(df),
        "wape": wape(df),
        "smape": smape(df),
        "mase": mase(df, train_df=train),
        "rmsse": rmsse(df, train_df=train),
        "pinball": pinball(df, **q),
        "scaled_pinball": scaled_pinball(df, train_df=train, **q),
        "coverage": coverage(df, lower=0.1, upper=0.9),
        "evaluate": evaluate(df, ["mae", "mase"], train_df=train),
    }
    out = {k: (v["unique_id"].tolist(), v["yhat"].tolist()) for k, v in frames.items()}
    panel = {
        "wrmsse": wrmsse(df, train_df=train, price_col="price", weight_window=2),
        "wspl": wspl(df, train_df=train, weight_window=2, **q),
    }
    out.update({k: ([], v["yhat"].tolist()) for k, v in panel.items()})
    return out


def _assert_same_scores(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for name, (ids, values) in expected.items():
        assert got[name][0] == ids, name
        assert got[name][1] == pytest.approx(values, rel=1e-12), name


def test_every_metric_accepts_polars_frames():
    pl = pytest.importorskip("polars")
    expected = _all_metrics(_test(), _train())
    # sanity: the reference holds the hand-computed MAE of the first test
    assert expected["mae"] == ([A, B], pytest.approx([4 / 3, 1.0]))
    _assert_same_scores(_all_metrics(pl.from_pandas(_test()), pl.from_pandas(_train())), expected)
    # static_df may be polars too; one store for both series: the store level is the total
    statics = pl.DataFrame({"unique_id": [A, B], "store": ["S1", "S1"]})
    store = wrmsse(_test(), train_df=_train(), levels=[["store"]], static_df=statics)
    total = wrmsse(_test(), train_df=_train(), levels=[[]])
    assert store["yhat"].iloc[0] == pytest.approx(total["yhat"].iloc[0])


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    # SKU-999 is a category without rows: pandas 2 groupbys (observed=False) would
    # create an empty group for it and warn (FutureWarning)
    dtype = pd.CategoricalDtype([A, B, "SKU-999"])
    return frame.assign(unique_id=frame["unique_id"].astype(dtype))


def test_categorical_ids_with_unused_category():
    df, train = _categorical(_test()), _categorical(_train())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning, no 'undefined scale' for SKU-999
        got = _all_metrics(df, train)
        levels = wrmsse(df, train_df=train, levels=[[], ["unique_id"]], by_level=True)
    _assert_same_scores(got, _all_metrics(_test(), _train()))  # only the used ids
    assert levels["n_series"].tolist() == [1, 2]


def test_series_missing_from_train_listed_in_order_for_categorical_ids():
    df = pd.concat([_test(), _test().assign(unique_id="SKU-204")], ignore_index=True)
    df = df.assign(unique_id=df["unique_id"].astype("category"))
    with pytest.raises(DataValidationError, match=r"1 series in df .*\['SKU-204'\]"):
        mase(df, train_df=_train())
