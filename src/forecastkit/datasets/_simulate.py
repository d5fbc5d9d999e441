"""Simulation kernels of the retail demand generator.

Private to :mod:`forecastkit.datasets` (whose docstring describes the model):
every function works on a (days, series) grid of numpy arrays, in time order,
and draws from its own child stream, so that the history does not depend on
the horizon.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from forecastkit._festivals import FESTIVALS, festival_date
from forecastkit.datasets._params import (
    _DEFAULT_EFFECT,
    FESTIVAL_EFFECTS,
    WEEKDAY_PATTERN,
    _Arrays,
    _draw_stores,
    _Streams,
    _Timeline,
)

_PROMO_MEAN_DAYS = 8.5  # mean episode length (3..14 days)
_PRICE_CHANGES_PER_YEAR = 0.6
_TEMP_PHI, _TEMP_SD = 0.75, 3.0
_EPOCH = np.datetime64("1970-01-01", "D")


def _simulate(
    sp: _Arrays,
    streams: _Streams,
    timeline: _Timeline,
    names: list[str],
    promo_rate: float,
    *,
    truth: bool,
    exog: bool,
) -> dict:
    """Simulate every day on a (days, series) grid, in time order (C order)."""
    n_days, n = timeline.days.size, sp["store"].size
    t = np.arange(n_days)[:, None]
    sim: dict = {"active": (t >= sp["launch"]) & (t <= sp["end"]), "factors": {}}
    sim["stores"] = _draw_stores(streams["stores"], int(sp["store"].max()) + 1)
    sim["temperature"], sim["precipitation"] = _weather(streams, sim["stores"], timeline.days)
    sim["festivals"], sim["festival_days"], log_festival = _festival_effects(
        streams["festivals"], names, timeline.days
    )
    regular = _regular_prices(streams, sp, n_days)
    last = np.minimum(sp["end"], timeline.n_hist_days - 1)
    sim["launch_price"] = regular[sp["launch"], np.arange(n)]
    sim["last_price"] = regular[last, np.arange(n)]
    promo = sim["promo"] = _promotions(streams, sp, sim["active"], promo_rate, regular)
    log_mean = np.zeros((n_days, n))
    parts = _log_components(sp, timeline, sim, log_festival, regular)
    for name, part in parts:
        log_mean += part
        if truth:
            sim["factors"][name] = np.exp(part, out=part).astype(np.float32)
        del part
    sim["regular"] = regular if exog else None
    del regular
    log_mean.ravel()[promo["cells"]] += promo["log_lift"]
    if truth:
        sim["factors"]["promo"] = np.ones((n_days, n), dtype=np.float32)
        sim["factors"]["promo"].ravel()[promo["cells"]] = np.exp(promo["log_lift"])
        festival = log_festival[:, None] * sp["festival_sensitivity"]
        sim["mean_no_event"] = np.exp(log_mean - festival)
        no_promo = log_mean.copy()
        no_promo.ravel()[promo["cells"]] -= promo["log_lift"]
        sim["mean_no_promo"] = np.exp(no_promo, out=no_promo)
    mean = np.exp(log_mean, out=log_mean)
    mean[~sim["active"]] = 0.0
    sim["y"] = _sample(streams, mean, sp["dispersion"])
    sim["mean"] = mean if truth else None
    return sim


def _log_components(
    sp: _Arrays, timeline: _Timeline, sim: dict, log_festival: np.ndarray, regular: np.ndarray
):
    """Yield ``(name, log factor grid)`` of every component but ``promo``."""
    n_days, n = regular.shape
    part = np.multiply.outer(np.arange(n_days) / 365.25, sp["trend"])
    part += np.log(sp["base_level"])
    new = np.flatnonzero(sp["new"])
    if new.size:
        age = np.maximum(np.arange(n_days)[:, None] - sp["launch"][new], 0.0)
        part[:, new] += np.log1p(-0.9 * np.exp(-age / sp["ramp_days"][new]))
    yield "level", part
    days = (timeline.days - _EPOCH).astype(np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    yield "weekly", np.multiply.outer(WEEKDAY_PATTERN[weekday], sp["weekly_amplitude"])
    angle = 2.0 * np.pi * days / 365.25
    fourier = np.column_stack([np.cos(angle), np.sin(angle), np.cos(2 * angle), np.sin(2 * angle)])
    yield "yearly", fourier @ sp["yearly"].T
    yield "festival", np.multiply.outer(log_festival, sp["festival_sensitivity"])
    part = np.log(regular)
    part -= np.log(sim["launch_price"])
    part *= -sp["price_elasticity"]
    yield "price", part
    store = sp["store"]
    part = sim["temperature"][:, store]
    part -= sim["stores"]["temp_mean"][store]
    part *= sp["temp_sensitivity"] / 10.0
    yield "temperature", part


def _weather(streams: _Streams, stores: _Arrays, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    shape = (days.size, stores["temp_mean"].size)
    d = (days - _EPOCH).astype(float)[:, None]
    # Temperatures peak around July 20 (day 200 of 1970).
    normal = stores["temp_mean"] + stores["temp_amplitude"] * np.cos(2 * np.pi * (d - 200) / 365.25)
    innovation_sd = _TEMP_SD * np.sqrt(1 - _TEMP_PHI**2)
    shocks = streams["temperature"].standard_normal(shape) * innovation_sd
    shocks[0] *= _TEMP_SD / innovation_sd  # start in the stationary distribution
    from scipy.signal import lfilter  # imported here: scipy.signal takes ~1 s to import

    anomaly = lfilter([1.0], [1.0, -_TEMP_PHI], shocks, axis=0)
    wet = streams["rain"].random(shape) < stores["rain_probability"]
    amount = streams["rain_amount"].gamma(0.8, stores["rain_mean"] / 0.8, shape)
    return np.round(normal + anomaly, 1), np.round(np.where(wet, amount, 0.0), 1)


def _festival_profile(
    lower: int, upper: int, peak: float, ramp: float, slump: float
) -> tuple[np.ndarray, np.ndarray]:
    """Multiplier on each day offset ``lower..upper`` of a festival (module docstring)."""
    offsets = np.arange(lower, upper + 1)
    mult = np.full(offsets.size, float(peak))
    pre, post = offsets < 0, offsets > 0
    mult[pre] = 1.0 + (ramp - 1.0) * ((offsets[pre] - lower + 1) / max(-lower, 1)) ** 2
    mult[post] = 1.0 - (1.0 - slump) * (upper + 1 - offsets[post]) / max(upper, 1)
    return offsets, mult


def _festival_effects(
    rng: np.random.Generator, names: list[str], days: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    years = range(days[0].astype(object).year, days[-1].astype(object).year + 1)
    # One draw per (year, built-in festival) in time order, whatever the subset.
    noise = np.exp(0.1 * rng.standard_normal((len(years), len(FESTIVALS))))
    log_festival = np.zeros(days.size)
    occurrences, profiles = [], []
    for (row, year), (col, name) in itertools.product(enumerate(years), enumerate(FESTIVALS)):
        fest = FESTIVALS[name]
        peak, ramp, slump = FESTIVAL_EFFECTS.get(name, _DEFAULT_EFFECT)
        peak = round(peak * float(noise[row, col]), 2)
        offsets, mult = _festival_profile(fest.lower_window, fest.upper_window, peak, ramp, slump)
        main = np.datetime64(festival_date(name, year), "D")
        index = (main - days[0]).astype(np.int64) + offsets
        inside = (index >= 0) & (index < days.size)
        if name not in names or not inside.any():
            continue
        np.add.at(log_festival, index[inside], np.log(mult[inside]))
        occurrences.append((name, main, fest.lower_window, fest.upper_window, peak, ramp, slump))
        profile = {"event": name, "main_ds": main, "ds": main + offsets, "offset": offsets}
        profiles.append(pd.DataFrame({**profile, "multiplier": mult}))
    columns = ["event", "ds", "lower_window", "upper_window", "peak_lift", "ramp_lift", "slump"]
    table = pd.DataFrame(occurrences, columns=columns)
    empty = pd.DataFrame({c: [] for c in ["event", "main_ds", "ds", "offset", "multiplier"]})
    profile_table = pd.concat(profiles, ignore_index=True) if profiles else empty
    for frame, cols in ((table, ["ds"]), (profile_table, ["main_ds", "ds"])):
        frame[cols] = frame[cols].astype("datetime64[ns]")
    table = table.sort_values(["ds", "event"], ignore_index=True)
    profile_table = profile_table.sort_values(["main_ds", "event", "offset"], ignore_index=True)
    return table, profile_table, log_festival


def _regular_prices(streams: _Streams, sp: _Arrays, n_days: int) -> np.ndarray:
    rate = _PRICE_CHANGES_PER_YEAR / 365.25
    shape = (n_days, sp["price0"].size)
    day, series = np.nonzero(streams["price_change"].random(shape, np.float32) < rate)
    v = streams["price_detail"].random((day.size, 2))
    regular = np.zeros(shape)
    regular[day, series] = np.where(v[:, 0] < 0.85, 1.0, -1.0) * (0.02 + 0.06 * v[:, 1])
    np.cumsum(regular, axis=0, out=regular)
    np.exp(regular, out=regular)
    regular *= sp["price0"]
    return np.round(regular, 2, out=regular)


def _promotions(
    streams: _Streams, sp: _Arrays, active: np.ndarray, promo_rate: float, regular: np.ndarray
) -> _Arrays:
    n = active.shape[1]
    p_start = promo_rate / _PROMO_MEAN_DAYS * sp["promo_intensity"]
    starts = streams["promo_start"].random(active.shape, np.float32) < p_start
    starts &= active
    start, series = np.nonzero(starts)  # time order: the history ignores the horizon
    del starts
    v = streams["promo_detail"].random((start.size, 2))
    depth = np.round(0.10 + 0.05 * np.floor(v[:, 1] * 7), 2)
    end = np.minimum(start + 2 + np.floor(v[:, 0] * 12).astype(np.int64), sp["end"][series])
    n_days = end - start + 1
    episode = np.repeat(np.arange(start.size), n_days)
    day = np.arange(episode.size) - np.repeat(np.cumsum(n_days) - n_days - start, n_days)
    cells = day * n + series[episode]
    order = np.lexsort((-depth[episode], cells))  # the deepest discount first in each cell
    cells, cell_depth = cells[order], depth[episode[order]]
    first = np.ones(cells.size, dtype=bool)
    first[1:] = cells[1:] != cells[:-1]
    cells, cell_depth = cells[first], cell_depth[first]
    regular_price = regular.ravel()[cells]
    price = np.round(regular_price * (1.0 - cell_depth), 2)
    log_lift = -sp["price_elasticity"][cells % n] * np.log(price / regular_price)
    episodes = {"series": series, "start": start, "end": end, "depth": depth}
    return {"cells": cells, "price": price, "log_lift": log_lift, **episodes}


def _sample(streams: _Streams, mean: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Negative binomial draws as a gamma-Poisson mixture (Poisson where dispersion is 0)."""
    poisson = dispersion == 0
    rate = streams["gamma"].gamma(1.0 / np.where(poisson, 1.0, dispersion), size=mean.shape)
    rate *= np.where(poisson, 0.0, dispersion)  # gamma with mean 1 and variance dispersion
    rate += poisson
    rate *= mean
    y = streams["poisson"].poisson(rate)
    rate[...] = y  # float64 counts, reusing the buffer
    return rate
