"""allocate (limited stock across locations) and the optimizer's demand helpers.

References: a test-local brute force over every split of the available units, the
marginal-value (KKT) conditions of the allocation LP, and sums and interpolations
computed by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecastkit as fk
from forecastkit import ReorderOptimizer
from forecastkit.errors import DataValidationError, InvalidParameterError
from forecastkit.inventory import allocate, demand_from_quantiles, protection_demand

# ------------------------------------------------------------------------------ allocate


def _demand_frame(samples: dict) -> pd.DataFrame:
    ids = list(samples)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, [len(samples[i]) for i in ids]),
            "sample": np.concatenate([np.arange(len(samples[i])) for i in ids]),
            "demand": np.concatenate([np.asarray(samples[i], dtype=float) for i in ids]),
        }
    )


def _profit(d: np.ndarray, q: np.ndarray, *, price, unit_cost=0.0, on_hand=0.0) -> np.ndarray:
    """Expected profit of sending ``q`` units (an array), from the definition."""
    y = on_hand + np.asarray(q, dtype=float)[:, None]
    return price * np.minimum(d[None, :], y).mean(axis=1) - unit_cost * np.asarray(q)


def _docstring_example():
    rng = np.random.default_rng(1)
    samples = {"online": rng.poisson(30, 400), "store": rng.poisson(30, 400)}
    locations = pd.DataFrame({"unique_id": ["online", "store"], "price": [10.0, 14.0]})
    return samples, locations


def test_single_product_matches_brute_force_over_splits():
    # The docstring example: 50 units for two channels with Poisson(30) demand.
    samples, locations = _docstring_example()
    plan = allocate(50, _demand_frame(samples), locations, mip_rel_gap=1e-9)
    a = np.arange(51.0)
    online = _profit(samples["online"], a, price=10.0)
    store = _profit(samples["store"], a, price=14.0)
    total = online[:, None] + store[None, :]  # total[i, j]: i units online, j in store
    total[a[:, None] + a[None, :] > 50] = -np.inf
    i, j = np.unravel_index(np.argmax(total), total.shape)
    assert plan["allocated_qty"].tolist() == [a[i], a[j]] == [23.0, 27.0]
    assert plan["expected_profit"].sum() == pytest.approx(total[i, j], rel=1e-12)
    assert (plan["reason"] == "supply-limited").all()
    assert "budget_shadow_price" not in plan.columns
    assert "order_qty" not in plan.columns


def test_shadow_price_is_the_marginal_value_of_a_unit():
    # KKT of the allocation LP (each location's profit concave in whole units): every
    # unit sent earns at least the shadow price lambda and the next unit anywhere earns at
    # most lambda. A unit at stock y earns price * P(D > y).
    samples, locations = _docstring_example()
    plan = allocate(50, _demand_frame(samples), locations)
    lam = plan.attrs["shadow_prices"]  # one product: a number
    for k, uid in enumerate(["online", "store"]):
        d, price, q = samples[uid], locations["price"][k], plan["allocated_qty"][k]
        assert price * (d > q - 1).mean() >= lam - 1e-9  # the last unit sent
        assert price * (d > q).mean() <= lam + 1e-9  # the next unit
    # by hand: online's 24th unit would earn 10 * P(D > 23) = 10 * (1 - 0.1) = 9.0 < lambda;
    # the store's 28th earns 14 * P(D > 27) = 14 * (1 - 0.3375) = 9.275 = lambda (a tie)
    assert plan["cycle_service_level"].tolist() == pytest.approx([0.1, 0.3375])
    assert lam == pytest.approx(9.275, abs=1e-9)
    assert plan.attrs["gap"] <= 1e-4


def test_ample_supply_is_not_limiting():
    samples, locations = _docstring_example()
    plan = allocate(500, _demand_frame(samples), locations)
    # a free unit (unit_cost 0, salvage 0) never hurts: each location covers its largest sample
    assert plan["allocated_qty"].tolist() == [samples["online"].max(), samples["store"].max()]
    assert (plan["reason"] == "unconstrained optimum").all()
    assert plan.attrs["shadow_prices"] == 0.0


def _two_products():
    rng = np.random.default_rng(4)
    ids = ["P1@north", "P1@south", "P2@north", "P2@south"]
    samples = {i: rng.poisson(lam, 200) for i, lam in zip(ids, [8, 12, 6, 10], strict=True)}
    locations = pd.DataFrame(
        {
            "unique_id": ids,
            "product": ["P1", "P1", "P2", "P2"],
            "price": [10.0, 9.0, 20.0, 22.0],
            "unit_cost": [0.5, 1.0, 0.0, 2.0],  # shipping
            "on_hand": [2.0, 0.0, 0.0, 1.0],
            "case_pack": [1.0, 1.0, 2.0, 1.0],
        }
    )
    return samples, locations


def test_several_products_match_brute_force():
    samples, locations = _two_products()
    available = {"P1": 12.0, "P2": 9.0}
    plan = allocate(
        available, _demand_frame(samples), locations, product_col="product", mip_rel_gap=1e-9
    )
    # brute force: every location gets 0..available of its product (in whole packs)
    tables = []
    for _, row in locations.iterrows():
        q = np.arange(0.0, available[row["product"]] + 1, row["case_pack"])
        profit = _profit(
            samples[row["unique_id"]],
            q,
            price=row["price"],
            unit_cost=row["unit_cost"],
            on_hand=row["on_hand"],
        )
        tables.append((q, profit))
    pick = [g.ravel() for g in np.meshgrid(*(np.arange(len(q)) for q, _ in tables), indexing="ij")]
    q = np.column_stack([tables[k][0][i] for k, i in enumerate(pick)])
    total = np.sum([tables[k][1][i] for k, i in enumerate(pick)], axis=0)
    total[(q[:, 0] + q[:, 1] > 12) | (q[:, 2] + q[:, 3] > 9)] = -np.inf
    best = int(np.argmax(total))
    assert plan["expected_profit"].sum() == pytest.approx(total[best], rel=1e-9)
    sent = plan["allocated_qty"].groupby(locations["product"]).sum()
    assert sent["P1"] <= 12 and sent["P2"] <= 9
    assert plan["allocated_qty"][2] % 2 == 0  # the case pack
    assert set(plan.attrs["shadow_prices"]) == {"P1", "P2"}
    assert min(plan.attrs["shadow_prices"].values()) > 0  # both products are scarce


def test_supply_limited_product_has_positive_shadow_price_only():
    samples, locations = _two_products()
    # P1 is scarce, P2 plentiful
    plan = allocate(
        {"P1": 5.0, "P2": 500.0}, _demand_frame(samples), locations, product_col="product"
    )
    prices = plan.attrs["shadow_prices"]
    assert prices["P1"] > 0 and prices["P2"] == 0.0
    reason = dict(zip(plan["unique_id"], plan["reason"], strict=True))
    assert reason["P1@south"] == "supply-limited"
    assert reason["P2@north"] == reason["P2@south"] == "unconstrained optimum"
    assert plan.loc[plan["unique_id"].str.startswith("P1"), "allocated_qty"].sum() <= 5


def test_allocate_does_not_mutate_inputs():
    samples, locations = _two_products()
    demand = _demand_frame(samples)
    before_d, before_l = demand.copy(), locations.copy()
    allocate({"P1": 5.0, "P2": 5.0}, demand, locations, product_col="product")
    pd.testing.assert_frame_equal(demand, before_d)
    pd.testing.assert_frame_equal(locations, before_l)


def test_allocate_errors():
    samples, locations = _two_products()
    demand = _demand_frame(samples)
    with pytest.raises(InvalidParameterError, match="pass product_col"):
        allocate({"P1": 5.0, "P2": 5.0}, demand, locations)
    with pytest.raises(
        DataValidationError, match=r"carry products with no available quantity: \['P2'\]"
    ):
        allocate({"P1": 5.0}, demand, locations, product_col="product")
    with pytest.raises(
        InvalidParameterError, match="available must be a finite number >= 0 for product 'P2'"
    ):
        allocate({"P1": 5.0, "P2": -1.0}, demand, locations, product_col="product")
    with pytest.raises(
        InvalidParameterError, match=r"available must be a finite number >= 0, got -3.0"
    ):
        allocate(-3.0, demand, locations)
    with pytest.raises(
        DataValidationError, match="available names product 'P9', which no location has"
    ):
        allocate({"P1": 5.0, "P2": 5.0, "P9": 1.0}, demand, locations, product_col="product")
    with pytest.raises(DataValidationError, match="locations has no product column 'sku_group'"):
        allocate({"P1": 5.0}, demand, locations, product_col="sku_group")
    with pytest.raises(DataValidationError, match="locations must be a pandas DataFrame"):
        allocate(5.0, demand, locations.to_dict("list"))


# --------------------------------------------------------------------- protection_demand


def _paths() -> pd.DataFrame:
    # A: 3 periods x 2 samples, B: 4 periods x 2 samples; rows deliberately shuffled
    days = pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"])
    rows = [
        ("A", 0, days[0], 1.0),
        ("A", 0, days[1], 2.0),
        ("A", 0, days[2], 4.0),
        ("A", 1, days[0], 8.0),
        ("A", 1, days[1], 16.0),
        ("A", 1, days[2], 32.0),
    ] + [("B", s, days[t], 10.0**t + s) for s in (0, 1) for t in range(4)]
    frame = pd.DataFrame(rows, columns=["unique_id", "sample", "ds", "y"])
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_protection_demand_sums_first_periods_per_id():
    # A over 2 periods: sample 0: 1 + 2 = 3; sample 1: 8 + 16 = 24.
    # B over 3 periods (values 10^t + s): sample 0: 1 + 10 + 100 = 111; sample 1: 114.
    out = protection_demand(_paths(), {"A": 2, "B": 3})
    assert out.columns.tolist() == ["unique_id", "sample", "demand"]
    got = {(u, s): d for u, s, d in out.itertuples(index=False)}
    assert got == {("A", 0): 3.0, ("A", 1): 24.0, ("B", 0): 111.0, ("B", 1): 114.0}
    assert out.index.equals(pd.RangeIndex(4))
    # one number for all, a Series per id
    same = protection_demand(_paths(), 3)
    assert same.loc[same["unique_id"] == "A", "demand"].tolist() == [7.0, 56.0]
    series = protection_demand(_paths(), pd.Series({"A": 1, "B": 4}))
    assert series["demand"].tolist() == [1.0, 8.0, 1111.0, 1115.0]


def test_protection_demand_custom_columns_and_no_mutation():
    paths = _paths().rename(columns={"unique_id": "sku", "sample": "path", "ds": "t", "y": "q"})
    before = paths.copy()
    out = protection_demand(paths, 2, id_col="sku", time_col="t", sample_col="path", target_col="q")
    assert out.columns.tolist() == ["sku", "path", "demand"]
    assert out["demand"].tolist() == [3.0, 24.0, 11.0, 13.0]
    pd.testing.assert_frame_equal(paths, before)


@pytest.mark.parametrize(
    ("change", "periods", "match"),
    [
        (None, {"A": 4, "B": 3}, r"fewer forecast periods .*\['A'\]"),
        ("nan", 2, r"1 NaN, infinite or negative value\(s\) in series \['B'\]"),
        ("negative", 2, r"1 NaN, infinite or negative value\(s\) in series \['B'\]"),
        (None, 0, r"periods must be an integer >= 1"),
        (None, 1.5, r"periods must be an integer >= 1"),
        (None, {"A": 2}, r"periods lacks series \['B'\]"),
        ("gap", 3, r"1 sample path\(s\) miss periods .*\['A'\]"),
        ("column", 2, "paths has no column 'y'"),
    ],
)
def test_protection_demand_errors(change, periods, match):
    paths = _paths()
    if change == "nan":
        paths.loc[paths["unique_id"] == "B", "y"] = paths.loc[paths["unique_id"] == "B", "y"].where(
            lambda v: v != 100.0, np.nan
        )
    elif change == "negative":
        paths.loc[(paths["unique_id"] == "B") & (paths["y"] == 10.0), "y"] = -1.0
    elif change == "gap":  # A's sample 1 misses its second period
        paths = paths[~((paths["unique_id"] == "A") & (paths["sample"] == 1) & (paths["y"] == 16))]
    elif change == "column":
        paths = paths.drop(columns="y")
    with pytest.raises(DataValidationError, match=match):
        protection_demand(paths, periods)


def test_protection_demand_from_forecaster_sample_paths():
    data = fk.make_retail_demand(
        n_series=3, periods=60, seed=0, exog=False, truth=False, festivals=False
    )
    ids = data.sales["unique_id"].unique()
    paths = fk.StatsForecaster(models=["ses"]).fit(data.sales).sample_paths(h=5, n=40, seed=1)
    periods = {ids[0]: 2, ids[1]: 3, ids[2]: 5}
    out = protection_demand(paths, periods)
    # the same sums, by a manual groupby over each id's first dates
    keep = np.zeros(len(paths), dtype=bool)
    for uid, p in periods.items():
        mine = (paths["unique_id"] == uid).to_numpy()
        first_dates = np.sort(paths.loc[mine, "ds"].unique())[:p]
        keep |= mine & paths["ds"].isin(first_dates).to_numpy()
    manual = paths[keep].groupby(["unique_id", "sample"], as_index=False)["y"].sum()
    assert len(out) == 3 * 40
    np.testing.assert_allclose(out["demand"], manual["y"], rtol=1e-12)
    assert out["unique_id"].tolist() == manual["unique_id"].tolist()
    # and the optimizer takes it as is: expected sales plus stockouts is the mean demand
    items = pd.DataFrame({"unique_id": ids, "unit_cost": 1.0, "price": 3.0})
    plan = ReorderOptimizer().optimize(out, items)
    mean = out.groupby("unique_id")["demand"].mean().reindex(ids).to_numpy()
    np.testing.assert_allclose(plan["expected_sales"] + plan["expected_stockout"], mean)


# ------------------------------------------------------------------ demand_from_quantiles


def test_demand_from_quantiles_interpolates_by_hand():
    # levels 0.25 and 0.75 with values 10 and 30; midpoints 1/8, 3/8, 5/8, 7/8:
    # 1/8 is below 0.25: held flat at 10; 3/8: 10 + (3/8 - 1/4) / (1/2) * 20 = 15;
    # 5/8: 10 + (5/8 - 1/4) / (1/2) * 20 = 25; 7/8 is above 0.75: held at 30.
    q = pd.DataFrame({"unique_id": ["A", "B"], "q0.75": [30.0, 8.0], "q0.25": [10.0, 4.0]})
    out = demand_from_quantiles(q, n_samples=4)
    assert out.columns.tolist() == ["unique_id", "sample", "demand"]
    assert out["unique_id"].tolist() == ["A"] * 4 + ["B"] * 4
    assert out["sample"].tolist() == [0, 1, 2, 3] * 2
    assert out["demand"].tolist() == pytest.approx([10.0, 15.0, 25.0, 30.0, 4.0, 5.0, 7.0, 8.0])


def test_demand_from_quantiles_makes_crossing_quantiles_monotone():
    # q0.5 = 8 is below q0.25 = 10: the running maximum makes it 10.
    # Midpoints 1/8 -> 10 (flat), 3/8 -> 10, 5/8 -> 10 + (5/8 - 1/2) / (1/4) * 20 = 20,
    # 7/8 -> 30 (flat above 0.75).
    q = pd.DataFrame({"unique_id": ["A"], "q0.25": [10.0], "q0.5": [8.0], "q0.75": [30.0]})
    demand = demand_from_quantiles(q, n_samples=4)["demand"].to_numpy()
    np.testing.assert_allclose(demand, [10.0, 10.0, 20.0, 30.0])
    assert np.all(np.diff(demand) >= 0)


def test_demand_from_quantiles_single_level_and_other_columns():
    q = pd.DataFrame({"sku": ["A"], "yhat": [99.0], "q0.5": [7.0], "note": ["x"]})
    out = demand_from_quantiles(q, n_samples=3, id_col="sku", sample_col="path")
    assert out.columns.tolist() == ["sku", "path", "demand"]
    assert out["demand"].tolist() == [7.0, 7.0, 7.0]  # one level: flat


def test_demand_from_quantiles_mean_of_exponential_percentiles():
    # Percentiles 1..99 of an exponential with mean 10, F^-1(p) = -10 ln(1 - p). Held flat
    # above the 99th percentile q, the samples' mean tends to E[min(D, q)] =
    # 10 (1 - exp(-q / 10)) = 10 (1 - 0.01) = 9.9; flat below the 1st adds 5e-5, and linear
    # interpolation of the convex quantile function adds a little more (< 0.02).
    levels = np.round(np.arange(0.01, 1.0, 0.01), 2)
    values = -10 * np.log1p(-levels)
    q = pd.DataFrame(
        {"unique_id": ["A"]} | {f"q{p:g}": [v] for p, v in zip(levels, values, strict=True)}
    )
    out = demand_from_quantiles(q, n_samples=1000)
    assert len(out) == 1000
    assert 9.9 <= out["demand"].mean() <= 9.92
    assert out["demand"].max() == pytest.approx(values[-1])  # the tail is held flat
    assert out["demand"].min() == pytest.approx(values[0])


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"unique_id": ["A"], "yhat": [1.0]}), "no quantile columns"),
        (
            pd.DataFrame({"unique_id": ["A", "B"], "q0.5": [1.0, np.nan]}),
            r"NaN or negative values for \['B'\]",
        ),
        (
            pd.DataFrame({"unique_id": ["A", "B"], "q0.1": [-1.0, 1.0], "q0.9": [2.0, 3.0]}),
            r"NaN or negative values for \['A'\]",
        ),
    ],
)
def test_demand_from_quantiles_errors(frame, match):
    with pytest.raises(DataValidationError, match=match):
        demand_from_quantiles(frame)


def test_allocate_with_valuable_leftovers_gives_out_all_supply():
    # leftovers worth 3 a unit and sending costs nothing: every unit is worth
    # allocating, and no location can take more than the 40 available
    rng = np.random.default_rng(5)
    demand = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 200),
            "sample": np.tile(np.arange(200), 2),
            "demand": rng.poisson(10, 400).astype(float),
        }
    )
    locations = pd.DataFrame({"unique_id": ["a", "b"], "price": [8.0, 9.0], "salvage_value": 3.0})
    plan = allocate(40, demand, locations)
    assert plan["allocated_qty"].sum() == 40
    assert plan["allocated_qty"].max() <= 40


def test_demand_from_quantiles_reads_padded_level_names_and_checks_n_samples():
    q = pd.DataFrame({"unique_id": ["A"], "q0.10": [10.0], "q0.50": [20.0], "q0.90": [40.0]})
    # midpoints 0.125 ... 0.875 interpolated: 10 + 10 * 0.025 / 0.4 = 10.625, ...
    out = demand_from_quantiles(q, n_samples=4)["demand"].tolist()
    assert out == [10.625, 16.875, 26.25, 38.75]
    with pytest.raises(DataValidationError, match="n_samples"):
        demand_from_quantiles(q, n_samples=0)
    with pytest.raises(DataValidationError, match="same level"):
        demand_from_quantiles(q.assign(**{"q0.5": 20.0}))
    with pytest.raises(DataValidationError, match="id column"):
        demand_from_quantiles(q.drop(columns="unique_id"))
