"""Tests of forecastkit.persist: save / load / read_metadata and ParamsMixin.save."""

from __future__ import annotations

import json
import os
import pickle
import re
import struct
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit.errors import ForecastkitWarning, InvalidParameterError, ModelFileError
from forecastkit.persist import FORMAT_VERSION, load, read_metadata, save
from forecastkit.timeseries import MODELS

QUANTILES = [0.1, 0.5, 0.9]


def _stats_model() -> fk.StatsForecaster:
    data = fk.make_retail_demand(n_series=5, periods=120, horizon=14, seed=0)
    return fk.StatsForecaster(calendar=fk.EventCalendar(country="US")).fit(data.sales)


@pytest.fixture(scope="module")
def data() -> fk.RetailDemand:
    return fk.make_retail_demand(n_series=5, periods=120, horizon=14, seed=0)


@pytest.fixture(scope="module")
def stats() -> fk.StatsForecaster:
    return _stats_model()


@pytest.fixture(scope="module")
def naive(data: fk.RetailDemand) -> fk.SeasonalNaive:
    return fk.SeasonalNaive(season_length=7).fit(data.sales)


def _lgbm(data: fk.RetailDemand) -> tuple[fk.LGBMForecaster, pd.DataFrame]:
    cols = ["unique_id", "ds", "price", "promo"]
    train = data.sales.merge(data.exog[cols])
    model = fk.LGBMForecaster(
        price_col="price", promo_col="promo", n_estimators=10, horizon=14, calibration_windows=1
    ).fit(train)
    return model, data.future_exog[cols]


def _rewrite(path: Path, *, meta: dict | None = None, payload: bytes | None = None) -> None:
    """Rewrite a model file with forged metadata or payload (valid zip, valid CRCs)."""
    with zipfile.ZipFile(path) as archive:
        old_meta = json.loads(archive.read("meta.json"))
        old_payload = archive.read("model.pkl")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("meta.json", json.dumps(old_meta if meta is None else meta))
        archive.writestr("model.pkl", old_payload if payload is None else payload)


def _forged(path: Path, **changes: object) -> Path:
    meta = read_metadata(path)
    meta.update(changes)
    _rewrite(path, meta=meta)
    return path


def _release() -> tuple[int, int]:
    major, minor = fk.__version__.split(".")[:2]
    return int(major), int(minor)


# ---------------------------------------------------------------------- round trips
def test_stats_forecaster_round_trip(tmp_path, stats):
    path = stats.save(tmp_path / "stats.fkm")
    restored = load(path, expected=fk.StatsForecaster)
    assert restored is not stats
    pd.testing.assert_frame_equal(
        restored.predict(14, quantiles=QUANTILES), stats.predict(14, quantiles=QUANTILES)
    )
    pd.testing.assert_frame_equal(
        restored.sample_paths(14, 20, seed=3), stats.sample_paths(14, 20, seed=3)
    )
    pd.testing.assert_frame_equal(restored.model_table_, stats.model_table_)
    assert restored.get_params().keys() == stats.get_params().keys()
    assert restored.calendar.country == "US"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_stats_model_round_trips(tmp_path, name):
    # each kernel keeps its fitted state in closures: every one must survive a save.
    # Two years of daily data, so that hw_add_fourier (yearly Fourier terms) is fitted.
    data = fk.make_retail_demand(n_series=2, periods=740, seed=4)
    model = fk.StatsForecaster(models=[name]).fit(data.sales)
    restored = load(save(model, tmp_path / f"{name}.fkm"))
    pd.testing.assert_frame_equal(
        restored.predict(10, quantiles=[0.8]), model.predict(10, quantiles=[0.8])
    )
    pd.testing.assert_frame_equal(
        restored.sample_paths(10, 4, seed=1), model.sample_paths(10, 4, seed=1)
    )


def test_lgbm_forecaster_round_trip_before_and_after_calibration(tmp_path, data):
    model, future = _lgbm(data)
    # saved before its lazy conformal calibration: the restored model calibrates itself
    early = load(model.save(tmp_path / "early.fkm"), expected=fk.LGBMForecaster)
    expected_fc = model.predict(14, X_future=future, quantiles=QUANTILES)
    expected_paths = model.sample_paths(14, 10, X_future=future, seed=5)
    late = load(model.save(tmp_path / "late.fkm"))
    for restored in (early, late):
        pd.testing.assert_frame_equal(
            restored.predict(14, X_future=future, quantiles=QUANTILES), expected_fc
        )
        pd.testing.assert_frame_equal(
            restored.sample_paths(14, 10, X_future=future, seed=5), expected_paths
        )
        assert [m.booster.model_to_string() for m in restored.models_] == [
            m.booster.model_to_string() for m in model.models_
        ]
    assert expected_fc["q0.9"].gt(expected_fc["q0.1"]).any()  # real quantiles were compared
    assert late.feature_names_ == model.feature_names_


def test_seasonal_naive_round_trip_and_method_returns_path(tmp_path, naive):
    path = naive.save(str(tmp_path / "naive.fkm"))
    assert path == tmp_path / "naive.fkm"
    restored = load(path, expected=(fk.SeasonalNaive, fk.StatsForecaster))
    pd.testing.assert_frame_equal(
        restored.predict(9, quantiles=[0.05, 0.95]), naive.predict(9, quantiles=[0.05, 0.95])
    )
    np.testing.assert_array_equal(restored.sigma_, naive.sigma_)


def _reorder_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    demand = pd.DataFrame(
        {
            "unique_id": np.repeat(["A", "B"], 300),
            "sample": np.tile(np.arange(300), 2),
            "demand": np.concatenate([rng.poisson(40, 300), rng.poisson(10, 300)]),
        }
    )
    items = pd.DataFrame(
        {
            "unique_id": ["A", "B"],
            "unit_cost": [5.0, 8.0],
            "price": [9.0, 20.0],
            "case_pack": [12, 1],
        }
    )
    return demand, items


def test_reorder_optimizer_parameters_and_plan_preserved(tmp_path):
    unfitted = fk.ReorderOptimizer(
        budget=250.0, supplier_budgets={"north": 100.0}, service_level=0.9, threads=1
    )
    restored = load(unfitted.save(tmp_path / "params.fkm"), expected=fk.ReorderOptimizer)
    assert restored.get_params() == unfitted.get_params()
    assert restored.supplier_budgets == {"north": 100.0}

    demand, items = _reorder_inputs()
    fitted = fk.ReorderOptimizer(budget=1e6)  # not binding: no solver model is kept
    plan = fitted.optimize(demand, items)
    again = load(fitted.save(tmp_path / "fitted.fkm"))
    pd.testing.assert_frame_equal(again.plan_, plan)
    assert again.objective_ == fitted.objective_
    assert again.status_ == "optimal"
    pd.testing.assert_frame_equal(again.optimize(demand, items), plan)


def test_reorder_optimizer_with_binding_budget_round_trips(tmp_path):
    demand, items = _reorder_inputs()
    fitted = fk.ReorderOptimizer(budget=250.0)
    plan = fitted.optimize(demand, items)
    assert plan["reason"].tolist() == ["unconstrained optimum", "budget-limited"]
    again = load(fitted.save(tmp_path / "fitted.fkm"))
    pd.testing.assert_frame_equal(again.plan_, plan)


def test_uncompressed_file_is_stored_and_loads(tmp_path, naive):
    small = naive.save(tmp_path / "small.fkm")
    big = naive.save(tmp_path / "big.fkm", compress=False)
    with zipfile.ZipFile(big) as archive:
        assert archive.getinfo("model.pkl").compress_type == zipfile.ZIP_STORED
    assert big.stat().st_size > small.stat().st_size
    pd.testing.assert_frame_equal(load(big).predict(3), naive.predict(3))


# ---------------------------------------------------------------------- metadata
def test_metadata_records_versions_class_and_user_values(tmp_path, stats):
    path = stats.save(tmp_path / "m.fkm", metadata={"run": "2024-11-30", "rows": 600})
    meta = read_metadata(path)
    assert meta["format"] == "forecastkit-model"
    assert meta["format_version"] == FORMAT_VERSION == 1
    assert meta["forecastkit"] == fk.__version__
    assert meta["class"] == "forecastkit.timeseries.forecaster.StatsForecaster"
    assert meta["fitted"] is True
    assert meta["versions"]["numpy"] == np.__version__
    assert meta["versions"]["pandas"] == pd.__version__
    assert meta["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["user"] == {"run": "2024-11-30", "rows": 600}
    assert "created" not in meta  # no timestamp: same model, same bytes

    unfitted = read_metadata(save(fk.LGBMForecaster(), tmp_path / "u.fkm"))
    assert unfitted["fitted"] is False
    assert unfitted["class"] == "forecastkit.ml.forecaster.LGBMForecaster"


def test_metadata_must_be_json(tmp_path, naive):
    with pytest.raises(InvalidParameterError, match="JSON-serializable"):
        naive.save(tmp_path / "m.fkm", metadata={"when": pd.Timestamp("2024-01-01")})
    with pytest.raises(InvalidParameterError, match="string keys"):
        naive.save(tmp_path / "m.fkm", metadata={1: "a"})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- byte identity
def test_same_model_gives_identical_bytes(tmp_path, stats, data):
    first = stats.save(tmp_path / "a.fkm").read_bytes()
    assert stats.save(tmp_path / "b.fkm").read_bytes() == first
    refit = _stats_model()  # a second fit on the same data
    assert refit.save(tmp_path / "c.fkm").read_bytes() == first
    lgbm, _ = _lgbm(data)
    assert (
        lgbm.save(tmp_path / "d.fkm").read_bytes()
        == _lgbm(data)[0].save(tmp_path / "e.fkm").read_bytes()
    )


def test_identical_bytes_in_another_process(tmp_path, stats):
    # the CLI promises byte-identical outputs: another interpreter with another
    # string hash seed must write the same file
    script = textwrap.dedent(
        """
        import sys
        import forecastkit as fk
        data = fk.make_retail_demand(n_series=5, periods=120, horizon=14, seed=0)
        model = fk.StatsForecaster(calendar=fk.EventCalendar(country="US")).fit(data.sales)
        model.save(sys.argv[1])
        """
    )
    other = tmp_path / "other.fkm"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(other)], env=env, check=True, timeout=120)
    assert other.read_bytes() == stats.save(tmp_path / "here.fkm").read_bytes()


# ---------------------------------------------------------------------- bad files
def test_missing_file_and_directory(tmp_path, naive):
    with pytest.raises(
        FileNotFoundError, match=re.escape(f"no model file at '{tmp_path / 'x.fkm'}'")
    ):
        load(tmp_path / "x.fkm")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        load(tmp_path)
    with pytest.raises(
        FileNotFoundError, match=re.escape(f"directory '{tmp_path / 'nope'}' does not exist")
    ):
        naive.save(tmp_path / "nope" / "m.fkm")
    with pytest.raises(IsADirectoryError, match="give a file name"):
        naive.save(tmp_path)


def _zip_with(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"unique_id,ds,y\nA,2024-01-01,3\n", "not a zip archive"),
        (pickle.dumps({"a": 1}), "looks like a bare pickle"),
        ({"model.pkl": b"x"}, "has no meta.json"),
        ({"meta.json": b'{"format": "other"}', "model.pkl": b"x"}, "has format 'other'"),
        ({"meta.json": b"{not json", "model.pkl": b"x"}, "meta.json is not JSON"),
        (
            {
                "meta.json": b'{"format": "forecastkit-model", "format_version": "one"}',
                "model.pkl": b"x",
            },
            "format_version 'one'",
        ),
    ],
)
def test_not_a_forecastkit_file(tmp_path, content, reason):
    path = tmp_path / "thing.bin"
    if isinstance(content, dict):
        _zip_with(path, content)
    else:
        path.write_bytes(content)
    message = re.escape(f"'{path}' is not a forecastkit model file") + ".*" + re.escape(reason)
    with pytest.raises(ModelFileError, match=message):
        load(path)
    if reason != "format_version 'one'":  # read_metadata does not judge versions
        with pytest.raises(ModelFileError, match=message):
            read_metadata(path)


def test_truncated_file(tmp_path, naive):
    path = naive.save(tmp_path / "m.fkm")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(
        ModelFileError, match=re.escape(f"model file '{path}' is corrupt or truncated")
    ):
        load(path)


@pytest.mark.parametrize("compress", [True, False])
def test_flipped_byte_in_the_model_is_detected(tmp_path, stats, compress):
    path = stats.save(tmp_path / "m.fkm", compress=compress)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model.pkl")
    name_len, extra_len = struct.unpack(
        "<HH", raw[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len  # first byte of the entry's data
    raw[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        load(path)


def test_newer_file_format_is_refused(tmp_path, naive):
    path = _forged(
        naive.save(tmp_path / "m.fkm"), format_version=FORMAT_VERSION + 1, forecastkit="9.0.0"
    )
    message = (
        re.escape(f"uses model file format {FORMAT_VERSION + 1} (written by forecastkit 9.0.0)")
        + ".*"
        + re.escape(f"forecastkit {fk.__version__} reads formats up to {FORMAT_VERSION}")
    )
    with pytest.raises(ModelFileError, match=message):
        load(path)


@pytest.mark.parametrize("shift", [(0, 1), (1, 0), (0, -1)])
def test_other_minor_release_is_refused(tmp_path, naive, shift):
    major, minor = _release()
    written = f"{major + shift[0]}.{max(minor + shift[1], 0)}.0"
    if written.rsplit(".", 1)[0] == f"{major}.{minor}":
        pytest.skip("no earlier minor release to forge")
    path = _forged(naive.save(tmp_path / "m.fkm"), forecastkit=written)
    message = (
        re.escape(f"model file '{path}' was written by forecastkit {written}, ")
        + re.escape(f"but this is forecastkit {fk.__version__}")
        + ".*"
        + re.escape(
            f"Refit the model with forecastkit {fk.__version__}, or install forecastkit=={written}"
        )
    )
    with pytest.raises(ModelFileError, match=message):
        load(path)
    assert read_metadata(path)["forecastkit"] == written  # still readable, to find out


def test_other_patch_release_loads(tmp_path, naive):
    major, minor = _release()
    path = _forged(naive.save(tmp_path / "m.fkm"), forecastkit=f"{major}.{minor}.99")
    pd.testing.assert_frame_equal(load(path).predict(5), naive.predict(5))


def test_major_library_change_warns(tmp_path, naive):
    path = naive.save(tmp_path / "m.fkm")
    meta = read_metadata(path)
    meta["versions"]["pandas"] = "1.5.3"
    _rewrite(path, meta=meta)
    with pytest.warns(
        ForecastkitWarning, match=rf"pandas 1\.5\.3 \(now {re.escape(pd.__version__)}\)"
    ):
        restored = load(path)
    pd.testing.assert_frame_equal(restored.predict(5), naive.predict(5))


def test_expected_class_mismatch(tmp_path, stats, naive):
    path = stats.save(tmp_path / "stats.fkm")
    message = re.escape(
        f"model file '{path}' holds a forecastkit.timeseries.forecaster.StatsForecaster, "
        "not a forecastkit.ml.forecaster.LGBMForecaster"
    )
    with pytest.raises(ModelFileError, match=message):
        load(path, expected=fk.LGBMForecaster)
    # refused from the metadata, before unpickling: a broken payload is never read
    _rewrite(path, payload=b"not a pickle")
    assert read_metadata(path)["fitted"] is True  # metadata never unpickles the payload
    with pytest.raises(
        ModelFileError, match="not a forecastkit.timeseries.baselines.SeasonalNaive"
    ):
        load(path, expected=fk.SeasonalNaive)
    with pytest.raises(InvalidParameterError, match="expected must be a class"):
        load(path, expected="StatsForecaster")


def test_object_that_cannot_be_restored(tmp_path, naive):
    path = naive.save(tmp_path / "m.fkm")
    # a pickle that names a class this forecastkit does not have
    _rewrite(path, payload=b"\x80\x05cforecastkit.timeseries.baselines\n_Removed\n.")
    message = (
        re.escape(
            f"cannot restore the forecastkit.timeseries.baselines.SeasonalNaive in '{path}', "
        )
        + re.escape(f"written by forecastkit {fk.__version__}")
        + ".*_Removed.*Refit the model"
    )
    with pytest.raises(ModelFileError, match=message):
        load(path)


class _ChangedClosure:
    """Pickles as a forecastkit closure whose free variables differ from the code's."""

    def __init__(self, function):
        self.function = function

    def __reduce__(self):
        from forecastkit import persist

        fn = self.function
        return persist._rebuild_function, (fn.__module__, fn.__qualname__, 0, ("gone",))


def test_changed_closure_code_is_refused(tmp_path, stats):
    closure = stats.chosen_[0].fit.mean
    assert "<locals>" in closure.__qualname__  # what the custom pickler exists for
    path = stats.save(tmp_path / "m.fkm")
    _rewrite(path, payload=pickle.dumps(_ChangedClosure(closure)))
    with pytest.raises(
        ModelFileError, match=r"has changed: it reads \[.*\], the file saved \['gone'\]"
    ):
        load(path)


# ---------------------------------------------------------------------- atomic writes
def test_failed_save_leaves_no_file_and_keeps_the_old_one(tmp_path, data):
    model = fk.SeasonalNaive().fit(data.sales)
    model.lock_ = threading.Lock()  # cannot be pickled
    fresh = tmp_path / "fresh.fkm"
    with pytest.raises(
        ModelFileError,
        match=re.escape(
            f"cannot save SeasonalNaive to '{fresh}': attribute 'lock_' cannot be pickled"
        ),
    ):
        model.save(fresh)
    assert list(tmp_path.iterdir()) == []

    existing = tmp_path / "model.fkm"
    existing.write_bytes(b"the previous model")
    with pytest.raises(ModelFileError, match="'lock_'"):
        model.save(existing)
    assert existing.read_bytes() == b"the previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.fkm"]


def test_save_replaces_an_existing_file(tmp_path, naive, stats):
    path = stats.save(tmp_path / "m.fkm")
    naive.save(path)
    assert read_metadata(path)["class"] == "forecastkit.timeseries.baselines.SeasonalNaive"
    assert [p.name for p in tmp_path.iterdir()] == ["m.fkm"]
