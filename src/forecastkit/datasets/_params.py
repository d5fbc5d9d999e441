"""Parameters of the retail demand generator: constants, arguments, timeline, draws.

Private to :mod:`forecastkit.datasets` (whose docstring describes the model):
the category profiles and public constants, validation of the arguments of
:func:`~forecastkit.datasets.make_retail_demand`, the simulated timeline, and
the per-series and per-store parameter draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from forecastkit._festivals import FESTIVALS
from forecastkit.errors import FrequencyError, InvalidParameterError, format_values


@dataclass(frozen=True)
class _Category:
    weight: float  # share of the series
    price_range: tuple[float, float]  # regular price, log-uniform
    temp_sensitivity: float  # mean log-lift per +10 degrees C
    festival_sensitivity: float  # exponent on the festival profile


_CATEGORY_PROFILES: dict[str, _Category] = {
    "APPAREL_WINTER": _Category(0.10, (15.0, 150.0), -0.5, 1.2),
    "BEVERAGES": _Category(0.15, (0.8, 6.0), 0.3, 0.5),
    "ELECTRONICS": _Category(0.10, (20.0, 600.0), 0.0, 1.5),
    "FOODS": _Category(0.35, (1.0, 12.0), 0.0, 0.4),
    "GARDEN": _Category(0.10, (4.0, 60.0), 0.5, 0.6),
    "HOUSEHOLD": _Category(0.20, (2.0, 25.0), 0.0, 0.8),
}

#: Product categories, in id order.
CATEGORIES: tuple[str, ...] = tuple(_CATEGORY_PROFILES)

#: Typical ``(peak_lift, ramp_lift, slump)`` of each built-in festival: the
#: multiplier on the main day, on the last pre-sale day and on the first day
#: after. ``peak_lift`` varies by +-10% (log-normal) from year to year.
FESTIVAL_EFFECTS: Mapping[str, tuple[float, float, float]] = MappingProxyType(
    {
        "618": (2.0, 1.3, 0.85),
        "double_11": (3.5, 1.6, 0.7),
        "double_12": (1.6, 1.15, 0.9),
        "black_friday": (3.0, 1.5, 1.0),
        "cyber_monday": (2.5, 1.0, 0.75),
    }
)
_DEFAULT_EFFECT = (1.5, 1.1, 0.9)

_raw_pattern = np.array([-0.08, -0.12, -0.10, -0.05, 0.05, 0.18, 0.12])
#: Log weekday pattern, Monday first (mean 0, Saturday peak); scaled per series
#: by ``weekly_amplitude``.
WEEKDAY_PATTERN: np.ndarray = _raw_pattern - _raw_pattern.mean()
WEEKDAY_PATTERN.setflags(write=False)

_SMOOTH_LEVEL = (3.0, 60.0)  # units a day, log-uniform
_INTERMITTENT_LEVEL = (0.05, 0.6)
_POISSON_BELOW = 0.15  # intermittent series slower than this are Poisson
# One child seed per part of the model, so that each part draws its own stream.
_STREAMS = (
    "series stores festivals temperature rain rain_amount promo_start promo_detail "
    "price_change price_detail gamma poisson"
).split()
_Arrays = dict[str, np.ndarray]
_Streams = dict[str, np.random.Generator]


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_args(n_series, periods, horizon, n_stores, shares: dict[str, float], id_dtype) -> int:
    for name, value in (("n_series", n_series), ("periods", periods)):
        if not _is_int(value) or value < 1:
            raise InvalidParameterError(f"{name} must be a positive integer, got {value!r}.")
    if not _is_int(horizon) or horizon < 0:
        raise InvalidParameterError(f"horizon must be a non-negative integer, got {horizon!r}.")
    n_stores = max(1, n_series // 10) if n_stores is None else n_stores
    if not _is_int(n_stores) or not 1 <= n_stores <= n_series:
        raise InvalidParameterError(
            f"n_stores must be an integer between 1 and n_series={n_series} (every store "
            f"holds at least one series), got {n_stores!r}."
        )
    for name, value in shares.items():
        high = 0.5 if name == "promo_rate" else 1.0
        if not 0.0 <= float(value) <= high:
            raise InvalidParameterError(f"{name} must be in [0, {high:g}], got {value!r}.")
    if shares["share_new"] + shares["share_discontinued"] > 1.0:
        raise InvalidParameterError(
            f"share_new + share_discontinued must be <= 1, got {shares['share_new']} + "
            f"{shares['share_discontinued']}; a series is new or discontinued, not both."
        )
    if id_dtype not in ("str", "category"):
        raise InvalidParameterError(f'id_dtype must be "str" or "category", got {id_dtype!r}.')
    return int(n_stores)


def _festival_names(festivals: bool | Sequence[str]) -> list[str]:
    if isinstance(festivals, (bool, np.bool_)):
        return list(FESTIVALS) if festivals else []
    wanted = {festivals} if isinstance(festivals, str) else set(festivals)
    unknown = sorted(wanted - set(FESTIVALS))
    if unknown:
        raise InvalidParameterError(
            f"festivals has {len(unknown)} unknown names {format_values(unknown)}; "
            f"built-in festivals are {list(FESTIVALS)}. Pass True for all of them."
        )
    return [name for name in FESTIVALS if name in wanted]


@dataclass(frozen=True)
class _Timeline:
    days: np.ndarray  # datetime64[D], every simulated day (history then horizon)
    n_hist_days: int
    step: int  # days per period: 1 (daily) or 7 (weekly)
    freq: str


def _timeline(start: object, periods: int, horizon: int, freq: str) -> _Timeline:
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as err:
        raise FrequencyError(
            f"freq={freq!r} is not a pandas frequency; use 'D' or 'W-SUN'."
        ) from err
    if isinstance(offset, pd.offsets.Day) and offset.n == 1:
        step, freq = 1, "D"
    elif isinstance(offset, pd.offsets.Week) and offset.n == 1 and offset.weekday is not None:
        step, freq = 7, offset.freqstr
    else:
        raise FrequencyError(
            f"freq={freq!r} is not supported; the generator simulates days and returns "
            "daily ('D') or weekly ('W-SUN', 'W-FRI', ...) data. Aggregate the daily "
            "output for other frequencies."
        )
    ts = pd.Timestamp(start)
    if ts.tzinfo is not None or ts != ts.normalize():
        raise InvalidParameterError(
            f"start must be a tz-naive date without time of day, got {start!r}."
        )
    if step == 7:  # the first week ends on the first anchor day on or after start
        ts = pd.date_range(ts, periods=1, freq=freq)[0] - pd.Timedelta(days=6)
    days = np.datetime64(ts.date(), "D") + np.arange((periods + horizon) * step)
    return _Timeline(days=days, n_hist_days=periods * step, step=step, freq=freq)


# --------------------------------------------------------------------------- series


def _quota(weights: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` into integer counts proportional to ``weights`` (largest remainder)."""
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: n - counts.sum()]] += 1
    return counts


def _store_labels(n_stores: int) -> np.ndarray:
    width = max(2, len(str(n_stores)))
    return np.char.add("S", np.char.zfill(np.arange(1, n_stores + 1).astype(str), width))


def _series_ids(store: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Ids that sort like the rows: store, category, item number within the store."""
    number = np.arange(store.size) - np.searchsorted(store, store) + 1
    item = np.char.zfill(number.astype(str), max(4, len(str(number.max()))))
    prefix = np.char.add(_store_labels(int(store.max()) + 1)[store], "-")
    return np.char.add(
        np.char.add(prefix, np.asarray(CATEGORIES)[category]), np.char.add("-", item)
    )


def _draw_series(
    rng: np.random.Generator, n: int, n_stores: int, timeline: _Timeline, shares: dict[str, float]
) -> _Arrays:
    profiles = [_CATEGORY_PROFILES[c] for c in CATEGORIES]
    counts = _quota(np.array([p.weight for p in profiles]), n)
    category = rng.permutation(np.repeat(np.arange(len(CATEGORIES)), counts))
    store = rng.permutation(np.arange(n) % n_stores)
    order = np.lexsort((category, store))  # id order: store, then category
    sp = {"store": store[order], "category": category[order]}
    sp["unique_id"] = _series_ids(sp["store"], sp["category"])
    cat = sp["category"]
    n_int, n_new, n_disc = (
        round(shares[k] * n) for k in ("share_intermittent", "share_new", "share_discontinued")
    )
    sp["intermittent"] = np.isin(np.arange(n), rng.permutation(n)[:n_int])
    perm = rng.permutation(n)
    sp["new"] = np.isin(np.arange(n), perm[:n_new])
    sp["discontinued"] = np.isin(np.arange(n), perm[n_new : n_new + n_disc])
    u = rng.random((n, 8))
    low, high = np.where(sp["intermittent"][:, None], _INTERMITTENT_LEVEL, _SMOOTH_LEVEL).T
    sp["base_level"] = low * (high / low) ** u[:, 0]
    dispersion = np.where(sp["intermittent"], 0.2 + 0.8 * u[:, 1], 0.05 + 0.35 * u[:, 1])
    poisson = sp["intermittent"] & (sp["base_level"] < _POISSON_BELOW)
    sp["dispersion"] = np.where(poisson, 0.0, dispersion)
    sp["trend"] = np.clip(rng.normal(0.0, 0.1, n), -0.3, 0.3)
    sp["weekly_amplitude"] = 0.5 + u[:, 2]
    sp["yearly"] = rng.normal(0.0, 1.0, (n, 4)) * np.array([0.1, 0.1, 0.05, 0.05])
    sp["price_elasticity"] = 1.5 + 1.5 * u[:, 3]
    temp = np.array([p.temp_sensitivity for p in profiles])[cat]
    sp["temp_sensitivity"] = temp + rng.normal(0.0, 0.05, n)
    sp["festival_sensitivity"] = np.array([p.festival_sensitivity for p in profiles])[cat]
    sp["promo_intensity"] = rng.gamma(2.0, 0.5, n)
    low, high = np.array([p.price_range for p in profiles])[cat].T
    sp["price0"] = np.round(low * (high / low) ** u[:, 4], 2)
    sp["cost_ratio"] = 0.45 + 0.3 * u[:, 5]
    hist = timeline.n_hist_days
    sp["launch"] = np.where(sp["new"], (0.1 + 0.7 * u[:, 6]) * hist, 0).astype(np.int64)
    end = np.where(sp["discontinued"], (0.5 + 0.45 * u[:, 6]) * hist, timeline.days.size - 1)
    sp["end"] = end.astype(np.int64)
    sp["ramp_days"] = np.where(sp["new"], 7.0 + 35.0 * u[:, 7], 0.0)
    return sp


def _draw_stores(rng: np.random.Generator, n_stores: int) -> _Arrays:
    u = rng.random((n_stores, 4))
    return {
        "store": _store_labels(n_stores),
        "temp_mean": np.round(6.0 + 14.0 * u[:, 0], 1),
        "temp_amplitude": np.round(6.0 + 8.0 * u[:, 1], 1),
        "rain_probability": np.round(0.15 + 0.3 * u[:, 2], 3),
        "rain_mean": np.round(3.0 + 6.0 * u[:, 3], 1),
    }
