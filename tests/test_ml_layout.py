"""Tests of the flat row layout shared by the LightGBM feature builders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastkit.ml._layout import extend_layout, layout_from_frame, series_codes


def _frame(lengths: list[int], *, freq: str = "D", start: str = "2024-01-01") -> pd.DataFrame:
    parts = []
    for i, n in enumerate(lengths):
        # each series starts a different number of periods in, so last dates differ
        dates = pd.date_range(start, periods=n + i, freq=freq)[i:]
        parts.append(pd.DataFrame({"item": f"S{i:02d}", "ds": dates}))
    return pd.concat(parts, ignore_index=True)


def test_layout_from_frame_hand_example():
    df = pd.DataFrame(
        {
            "item": ["b", "b", "b", "a", "a"],
            "ds": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-02", "2024-01-03"]
            ),
        }
    )
    lay = layout_from_frame(df, id_col="item", time_col="ds")
    assert lay.codes.dtype == np.int32
    assert lay.codes.tolist() == [0, 0, 0, 1, 1]
    assert lay.starts.tolist() == [0, 3, 5]
    assert lay.position.tolist() == [0, 1, 2, 0, 1]
    assert lay.ids.tolist() == ["b", "a"]  # ids in row order, not re-sorted
    assert lay.lengths.tolist() == [3, 2]
    assert lay.last_history.tolist() == [2, 4]
    assert not lay.is_future.any()
    assert lay.last_dates().dt.day.tolist() == [3, 3]


def test_layout_rejects_interleaved_series():
    df = pd.DataFrame(
        {"item": ["a", "b", "a"], "ds": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-02"])}
    )
    with pytest.raises(ValueError, match="contiguous"):
        layout_from_frame(df, id_col="item", time_col="ds")


def test_layout_rejects_dates_out_of_order():
    df = pd.DataFrame({"item": ["a", "a"], "ds": pd.to_datetime(["2024-01-02", "2024-01-01"])})
    with pytest.raises(ValueError, match="increase"):
        layout_from_frame(df, id_col="item", time_col="ds")


def test_extend_layout_weekly_grid_and_row_maps():
    df = _frame([3, 2], freq="W-FRI")
    hist = layout_from_frame(df, id_col="item", time_col="ds")
    lay, old, new = extend_layout(hist, 2, "W-FRI")
    # series 0: 3 history + 2 future rows (0..4); series 1: 2 + 2 (5..8)
    assert lay.starts.tolist() == [0, 5, 9]
    assert old.tolist() == [0, 1, 2, 5, 6]
    assert new.tolist() == [[3, 4], [7, 8]]
    assert lay.n_future.tolist() == [2, 2]
    assert lay.last_history.tolist() == [2, 6]
    last = hist.dates[hist.last_history]
    week = np.timedelta64(7, "D")
    np.testing.assert_array_equal(lay.dates[new[:, 0]], last + week)
    np.testing.assert_array_equal(lay.dates[new[:, 1]], last + 2 * week)
    np.testing.assert_array_equal(lay.dates[old], hist.dates)


def test_extend_layout_refuses_future_rows():
    hist = layout_from_frame(_frame([2]), id_col="item", time_col="ds")
    lay, _, _ = extend_layout(hist, 1, "D")
    with pytest.raises(ValueError, match="history rows only"):
        extend_layout(lay, 1, "D")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), st.integers(1, 5))
def test_extend_layout_invariants(lengths, h):
    hist = layout_from_frame(_frame(lengths), id_col="item", time_col="ds")
    lay, old, new = extend_layout(hist, h, "D")
    n = len(lengths)
    assert lay.n_rows == sum(lengths) + n * h
    # codes agree with starts, positions restart at every series
    np.testing.assert_array_equal(lay.codes, series_codes(lay.starts))
    np.testing.assert_array_equal(lay.position, np.arange(lay.n_rows) - lay.starts[lay.codes])
    # history rows keep their order and series; future rows are each series' tail
    assert np.all(np.diff(old) > 0)
    np.testing.assert_array_equal(lay.codes[old], hist.codes)
    assert sorted([*old.tolist(), *new.ravel().tolist()]) == list(range(lay.n_rows))
    np.testing.assert_array_equal(new[:, -1], lay.starts[1:] - 1)
    assert lay.is_future[new].all() and not lay.is_future[old].any()
    # dates strictly increase within each series, one day apart
    same = lay.codes[1:] == lay.codes[:-1]
    steps = np.diff(lay.dates)[same]
    assert (steps == np.timedelta64(1, "D")).all()
