"""Synthetic retail demand with a known ground truth.

:func:`make_retail_demand` simulates a panel of store-item sales, with prices,
promotions, weather and shopping festivals, and returns every effect it used,
so that models can be checked against the truth ("the estimated Double 11 lift
is within 20% of the true one").

Generation model
----------------
Series :math:`i` (item in store :math:`s(i)`, category :math:`c(i)`) is
simulated on every day :math:`t` from its launch to its end. Its expected
demand is the product of seven factors (the ``components`` of the truth)::

    mean[i,t] = level * weekly * yearly * festival * price * promo * temperature

    level       = base_level_i * exp(trend_i * t / 365.25) * ramp_i(t)
    ramp_i(t)   = 1 - 0.9 * exp(-(t - launch_i) / ramp_days_i)  (new products, else 1)
    weekly      = exp(weekly_amplitude_i * w[weekday(t)])
    yearly      = exp(sum_{k=1,2} a_ik cos(2 pi k d / 365.25) + b_ik sin(2 pi k d / 365.25))
    festival    = prod_e m_e(t) ** festival_sensitivity_c
    price       = (regular_price[i,t] / regular_price[i,launch_i]) ** -price_elasticity_i
    promo       = (price[i,t] / regular_price[i,t]) ** -price_elasticity_i
    temperature = exp(temp_sensitivity_i * (temperature[s,t] - temp_mean_s) / 10)

where ``t`` counts days since the first simulated day, ``d`` days since
1970-01-01 and ``w`` is a fixed log weekday pattern peaking on Saturday
(:data:`WEEKDAY_PATTERN`, Monday first, mean 0). Sales are drawn as

    y[i,t] ~ NegativeBinomial(mean = mean[i,t], variance = mean + dispersion_i * mean**2)

through a gamma-Poisson mixture; ``dispersion_i = 0`` gives a Poisson draw
(the slowest movers). ``y`` holds integer counts stored as float64.

*Festival profile* ``m_e``. Each occurrence ``e`` of a built-in festival
(:data:`forecastkit._festivals.FESTIVALS`, with their ``lower_window`` and
``upper_window``) multiplies demand on day offset ``o`` from its main day by::

    1 + (ramp_lift - 1) * ((o - lower + 1) / -lower) ** 2   for lower <= o < 0  (pre-sale)
    peak_lift                                               for o == 0         (main day)
    1 - (1 - slump) * (upper + 1 - o) / upper               for 0 < o <= upper (slump)

Overlapping windows multiply. ``peak_lift`` varies from year to year around
the festival's typical value (Double 11 3.5, Black Friday 3.0, Cyber Monday
2.5, 618 2.0, Double 12 1.6); categories react with different strength
(``festival_sensitivity``: electronics 1.5 ... foods 0.4).

*Prices.* Each series has a regular price that changes a few times (about
0.6 changes a year, mostly +2..8%, rounded to cents). Promotions are episodes
of 3-14 days at a discount depth of 10%..40% (steps of 5%); they start on a
random day with probability ``promo_rate / 8.5`` times a per-series intensity
(mean 1), so about ``promo_rate`` of the days are on promotion; overlapping
episodes take the deeper discount. The promotion price is
``round(regular_price * (1 - depth), 2)`` and ``discount`` is reported as
``1 - price / regular_price``.

*Weather.* Each store has a yearly temperature cycle (peak around July 20)
plus an AR(1) anomaly (coefficient 0.75, stationary sd 3 degrees C), rounded
to 0.1 degree C. Precipitation is zero-inflated gamma (mm); it has **no**
effect on demand (a distractor feature).

*Lifecycle.* ``share_new`` of the series launch between 10% and 80% of the
history (no rows before launch, a ramp-up after it); ``share_discontinued``
end between 50% and 95% of the history (no rows after the end); all other
series span the whole history and the horizon.

*Randomness.* Every part of the model has its own child seed of
``numpy.random.SeedSequence(seed)`` and per-day draws are made in time
order, so the history does not depend on ``horizon``: the sales of
``make_retail_demand(..., horizon=28)`` equal those of ``horizon=0``, and
``future_sales`` are their true continuation.

*Weekly data.* With ``freq="W-SUN"`` (or any ``"W-XXX"``) the daily simulation
is aggregated to weeks labelled by their last day: ``y`` and the three
``mean*`` columns are summed, prices and the multiplicative components are
averaged over the days the series is active, ``promo`` is 1 if any day of the
week is on promotion (``promo_days`` counts them), temperature is the weekly
mean and precipitation the weekly sum.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from forecastkit._festivals import FESTIVALS, festival_date
from forecastkit.errors import FrequencyError, format_values

__all__ = [
    "CATEGORIES",
    "FESTIVAL_EFFECTS",
    "WEEKDAY_PATTERN",
    "RetailDemand",
    "RetailTruth",
    "make_retail_demand",
]

logger = logging.getLogger(__name__)


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
FESTIVAL_EFFECTS: dict[str, tuple[float, float, float]] = {
    "618": (2.0, 1.3, 0.85),
    "double_11": (3.5, 1.6, 0.7),
    "double_12": (1.6, 1.15, 0.9),
    "black_friday": (3.0, 1.5, 1.0),
    "cyber_monday": (2.5, 1.0, 0.75),
}
_DEFAULT_EFFECT = (1.5, 1.1, 0.9)

_raw_pattern = np.array([-0.08, -0.12, -0.10, -0.05, 0.05, 0.18, 0.12])
#: Log weekday pattern, Monday first (mean 0, Saturday peak); scaled per series
#: by ``weekly_amplitude``.
WEEKDAY_PATTERN: np.ndarray = _raw_pattern - _raw_pattern.mean()
WEEKDAY_PATTERN.setflags(write=False)

_SMOOTH_LEVEL = (3.0, 60.0)  # units a day, log-uniform
_INTERMITTENT_LEVEL = (0.05, 0.6)
_POISSON_BELOW = 0.15  # intermittent series slower than this are Poisson
_PROMO_MEAN_DAYS = 8.5  # mean episode length (3..14 days)
_PRICE_CHANGES_PER_YEAR = 0.6
_TEMP_PHI, _TEMP_SD = 0.75, 3.0
# One child seed per part of the model, so that each part draws its own stream.
_STREAMS = (
    "series stores festivals temperature rain rain_amount promo_start promo_detail "
    "price_change price_detail gamma poisson"
).split()
_Arrays = dict[str, np.ndarray]
_Streams = dict[str, np.random.Generator]


@dataclass(frozen=True)
class RetailTruth:
    """The effects used to simulate a :class:`RetailDemand` panel.

    Attributes
    ----------
    series : pandas.DataFrame
        One row per series: ``unique_id, store, category, demand_class``
        (``"smooth"``/``"intermittent"``), ``lifecycle`` (``"regular"``,
        ``"new"``, ``"discontinued"``), ``base_level`` (units a day at
        ``t = 0``), ``dispersion`` (NB2 alpha, 0 = Poisson), ``trend`` (yearly
        log growth), ``ramp_days`` (launch ramp time constant, 0 if none),
        ``weekly_amplitude``, ``yearly_cos1, yearly_sin1, yearly_cos2,
        yearly_sin2`` (Fourier coefficients), ``price_elasticity``,
        ``temp_sensitivity``, ``festival_sensitivity``, ``promo_intensity``,
        ``regular_price`` (at launch), ``launch`` and ``end`` (first and last
        simulated day, daily dates).
    stores : pandas.DataFrame
        ``store, temp_mean, temp_amplitude, rain_probability, rain_mean``.
    festivals : pandas.DataFrame
        One row per festival occurrence whose window meets the simulated days:
        ``event, ds`` (main day), ``lower_window, upper_window, peak_lift,
        ramp_lift, slump``.
    festival_days : pandas.DataFrame
        The profile of every occurrence: ``event, main_ds, ds, offset,
        multiplier`` (for ``festival_sensitivity = 1``).
    promotions : pandas.DataFrame
        Promotion episodes as drawn: ``unique_id, start, end, depth`` (nominal
        discount; overlaps take the deeper one; clipped at the series end).
    components : pandas.DataFrame
        Aligned row by row with ``sales``: ``unique_id, ds``, the factors
        ``level, weekly, yearly, festival, price, promo, temperature``
        (float32), and ``mean`` (the expected demand ``y`` was drawn with),
        ``mean_no_promo`` (``mean / promo``: no promotion that day) and
        ``mean_no_event`` (``mean / festival``), float64.
    future_components : pandas.DataFrame or None
        Same, aligned with ``future_sales``; None without a horizon.
    """

    series: pd.DataFrame
    stores: pd.DataFrame
    festivals: pd.DataFrame
    festival_days: pd.DataFrame
    promotions: pd.DataFrame
    components: pd.DataFrame
    future_components: pd.DataFrame | None = None


@dataclass(frozen=True, repr=False)
class RetailDemand:
    """A simulated retail panel and its ground truth.

    Attributes
    ----------
    sales : pandas.DataFrame
        ``unique_id, ds, y``, sorted by ``unique_id`` then ``ds``, with a
        RangeIndex; ``y`` is float64 holding integer counts.
    exog : pandas.DataFrame or None
        Same rows as ``sales``: ``unique_id, ds, price, regular_price, promo``
        (int8 0/1), ``discount`` (``1 - price / regular_price``),
        ``temperature`` (degrees C), ``precipitation`` (mm); weekly data add
        ``promo_days``. None with ``exog=False``.
    static : pandas.DataFrame
        One row per series: ``unique_id, store, category, unit_cost, price``
        (regular price on the last day of the history).
    truth : RetailTruth or None
        Every effect used to simulate the data; None with ``truth=False``.
    future_sales, future_exog : pandas.DataFrame or None
        The ``horizon`` periods after the history for the series still active,
        in the same layout as ``sales`` and ``exog``; None when ``horizon=0``.
    freq : str
        Frequency of the ``ds`` column (``"D"`` or ``"W-XXX"``).
    """

    sales: pd.DataFrame
    exog: pd.DataFrame | None
    static: pd.DataFrame
    truth: RetailTruth | None
    future_sales: pd.DataFrame | None = None
    future_exog: pd.DataFrame | None = None
    freq: str = "D"

    def __repr__(self) -> str:
        future = 0 if self.future_sales is None else len(self.future_sales)
        return (
            f"RetailDemand(n_series={len(self.static)}, rows={len(self.sales)}, "
            f"freq={self.freq!r}, future_rows={future}, exog={self.exog is not None}, "
            f"truth={self.truth is not None})"
        )


def make_retail_demand(
    n_series: int = 100,
    periods: int = 730,
    *,
    freq: str = "D",
    start: str | _dt.date | pd.Timestamp = "2022-01-01",
    seed: int | None = 0,
    n_stores: int | None = None,
    horizon: int = 0,
    share_intermittent: float = 0.3,
    share_new: float = 0.1,
    share_discontinued: float = 0.05,
    promo_rate: float = 0.06,
    festivals: bool | Sequence[str] = True,
    exog: bool = True,
    truth: bool = True,
    id_dtype: Literal["str", "category"] = "str",
) -> RetailDemand:
    """Simulate store-item retail sales whose generating effects are known.

    The model (level with trend and launch ramp, weekly and yearly
    seasonality, shopping festivals, regular price changes, promotions with a
    constant price elasticity, temperature, negative binomial noise) is
    described in the :mod:`forecastkit.datasets` module docstring.

    Parameters
    ----------
    n_series : int, default=100
        Number of store-item series. The M5 competition size is 30,490.
    periods : int, default=730
        Length of the history in periods of ``freq`` (M5: 1,941 days).
    freq : str, default="D"
        ``"D"``, or weekly ``"W"``/``"W-SUN"`` ... ``"W-SAT"`` (days are
        simulated, then summed into weeks labelled by their last day).
    start : str, date or Timestamp, default="2022-01-01"
        First day of the history (weekly data: the first week ends on the
        first anchor day on or after ``start``).
    seed : int or None, default=0
        Seed of :func:`numpy.random.SeedSequence`. None draws fresh entropy
        and gives a different panel every call; pass an int to reproduce.
    n_stores : int, optional
        Number of stores; default ``max(1, n_series // 10)``. Series are spread
        evenly over the stores.
    horizon : int, default=0
        Number of periods simulated after the history, returned as
        ``future_sales`` (actuals, for evaluation) and ``future_exog`` (known
        future prices, promotions and weather). Does not change the history.
    share_intermittent : float, default=0.3
        Share of slow movers (``base_level`` 0.05-0.6 units a day, most days
        zero); the others sell 3-60 units a day.
    share_new : float, default=0.1
        Share of series launched during the history (rows start at launch).
    share_discontinued : float, default=0.05
        Share of series discontinued during the history (rows stop at the end).
    promo_rate : float, default=0.06
        Expected share of days on promotion.
    festivals : bool or sequence of str, default=True
        Built-in festivals to simulate: True for all, False for none, or names
        among ``"618", "double_11", "double_12", "black_friday",
        "cyber_monday"``.
    exog : bool, default=True
        Build ``exog`` and ``future_exog``.
    truth : bool, default=True
        Build ``truth`` (the ``components`` frame is as long as ``sales``;
        turn it off for large panels).
    id_dtype : {"str", "category"}, default="str"
        dtype of ``unique_id`` in the long frames; ``"category"`` saves memory
        on large panels.

    Returns
    -------
    RetailDemand
        ``sales``, ``exog``, ``static``, ``truth``, ``future_sales``,
        ``future_exog``. Series ids read ``S01-FOODS-0003`` (store, category,
        item number in the store) and sort in row order.

    Raises
    ------
    ValueError
        If a count is not a positive integer or a share is outside [0, 1].
    FrequencyError
        If ``freq`` is neither daily nor weekly.

    Notes
    -----
    Everything is vectorized over a (days, series) grid. The M5-sized panel
    (30,490 series x 1,941 days, 56 million rows) with ``exog=False,
    truth=False, id_dtype="category"`` takes about 20 s and 3 GiB of memory;
    with ``exog`` and ``truth`` it needs about 15 GiB.

    Examples
    --------
    >>> data = make_retail_demand(n_series=20, periods=365, horizon=28, seed=1)
    >>> data
    RetailDemand(n_series=20, rows=6842, freq='D', future_rows=532, exog=True, truth=True)
    >>> data.sales.head(3)
                     unique_id         ds     y
    0  S01-APPAREL_WINTER-0001 2022-01-01  28.0
    1  S01-APPAREL_WINTER-0001 2022-01-02  27.0
    2  S01-APPAREL_WINTER-0001 2022-01-03  18.0
    >>> series = data.truth.series.set_index("unique_id")
    >>> zero_share = data.sales["y"].eq(0).groupby(data.sales["unique_id"]).mean()
    >>> zero_share.groupby(series["demand_class"]).mean().round(2)
    demand_class
    intermittent    0.80
    smooth          0.02
    Name: y, dtype: float64

    The truth holds the expected demand behind every row and each festival lift:

    >>> components = data.truth.components
    >>> round(float(data.sales["y"].sum() / components["mean"].sum()), 3)
    1.0
    >>> data.truth.festivals[["event", "ds", "peak_lift"]]
              event         ds  peak_lift
    0           618 2022-06-18       2.31
    1     double_11 2022-11-11       3.20
    2  black_friday 2022-11-25       3.30
    3  cyber_monday 2022-11-28       2.19
    4     double_12 2022-12-12       1.73
    """
    shares = {"share_intermittent": share_intermittent, "share_new": share_new}
    shares.update(share_discontinued=share_discontinued, promo_rate=promo_rate)
    n_stores = _check_args(n_series, periods, horizon, n_stores, shares, id_dtype)
    timeline = _timeline(start, periods, horizon, freq)
    names = _festival_names(festivals)
    seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    streams = dict(zip(_STREAMS, map(np.random.default_rng, seeds), strict=True))
    sp = _draw_series(streams["series"], n_series, n_stores, timeline, shares)
    logger.debug("simulating %d series x %d days", n_series, timeline.days.size)
    sim = _simulate(sp, streams, timeline, names, promo_rate, truth=truth, exog=exog)
    return _assemble(sp, sim, timeline, exog=exog, truth=truth, id_dtype=id_dtype)


# --------------------------------------------------------------------------- arguments


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_args(n_series, periods, horizon, n_stores, shares: dict[str, float], id_dtype) -> int:
    for name, value in (("n_series", n_series), ("periods", periods)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not _is_int(horizon) or horizon < 0:
        raise ValueError(f"horizon must be a non-negative integer, got {horizon!r}.")
    n_stores = max(1, n_series // 10) if n_stores is None else n_stores
    if not _is_int(n_stores) or not 1 <= n_stores <= n_series:
        raise ValueError(
            f"n_stores must be an integer between 1 and n_series={n_series} (every store "
            f"holds at least one series), got {n_stores!r}."
        )
    for name, value in shares.items():
        high = 0.5 if name == "promo_rate" else 1.0
        if not 0.0 <= float(value) <= high:
            raise ValueError(f"{name} must be in [0, {high:g}], got {value!r}.")
    if shares["share_new"] + shares["share_discontinued"] > 1.0:
        raise ValueError(
            f"share_new + share_discontinued must be <= 1, got {shares['share_new']} + "
            f"{shares['share_discontinued']}; a series is new or discontinued, not both."
        )
    if id_dtype not in ("str", "category"):
        raise ValueError(f'id_dtype must be "str" or "category", got {id_dtype!r}.')
    return int(n_stores)


def _festival_names(festivals: bool | Sequence[str]) -> list[str]:
    if isinstance(festivals, (bool, np.bool_)):
        return list(FESTIVALS) if festivals else []
    wanted = {festivals} if isinstance(festivals, str) else set(festivals)
    unknown = sorted(wanted - set(FESTIVALS))
    if unknown:
        raise ValueError(
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
        raise ValueError(f"start must be a tz-naive date without time of day, got {start!r}.")
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
    item = np.arange(store.size) - np.searchsorted(store, store) + 1
    item = np.char.zfill(item.astype(str), max(4, len(str(item.max()))))
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


# --------------------------------------------------------------------------- simulation

_EPOCH = np.datetime64("1970-01-01", "D")
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


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


# --------------------------------------------------------------------------- long frames


class _Periods:
    """Aggregate (days, columns) grids to output periods; the identity for daily data."""

    def __init__(self, active: np.ndarray, step: int) -> None:
        self.step, self.active = step, active
        self.count = None if step == 1 else self._fold(active).sum(axis=1)
        self.active_periods = active if step == 1 else self.count > 0

    def _fold(self, grid: np.ndarray) -> np.ndarray:
        return grid.reshape(-1, self.step, grid.shape[1])

    def total(self, grid: np.ndarray) -> np.ndarray:
        """Period sums (of a grid that is zero on inactive days, or of store weather)."""
        return grid if self.step == 1 else self._fold(grid).sum(axis=1)

    def mean(self, grid: np.ndarray, *, over_active: bool = True) -> np.ndarray:
        """Period means, over the days the series is active."""
        if self.step == 1:
            return grid
        if not over_active:
            return self._fold(grid).mean(axis=1)
        total = self._fold(np.where(self.active, grid, 0)).sum(axis=1, dtype=np.float64)
        return (total / np.maximum(self.count, 1)).astype(grid.dtype)


@dataclass(frozen=True)
class _Rows:
    series: np.ndarray  # int32 series index of each row
    period: np.ndarray  # period index of each row
    cells: np.ndarray  # flat index of each row in a (periods, series) grid

    def take(self, grid: np.ndarray) -> np.ndarray:
        return np.take(grid, self.cells)


def _rows(active: np.ndarray, first_period: int, stop: int) -> _Rows:
    """Rows of periods ``first_period..stop-1``, series-major (each span is contiguous)."""
    block = active[first_period:stop]
    n = active.shape[1]
    counts = block.sum(axis=0)
    series = np.repeat(np.arange(n, dtype=np.int32), counts)
    offset = np.cumsum(counts) - counts - np.argmax(block, axis=0) - first_period
    period = np.arange(int(counts.sum()), dtype=np.int64)
    period -= np.repeat(offset, counts)
    cells = period * n
    cells += series
    return _Rows(series=series, period=period.astype(np.int32), cells=cells)


def _keys(rows: _Rows, labels: np.ndarray, ids: np.ndarray, id_dtype: str) -> dict[str, pd.Series]:
    """``unique_id`` and ``ds`` columns, built once and shared by the frames of a block."""
    if id_dtype == "category":
        uid = pd.Series(pd.Categorical.from_codes(rows.series, categories=pd.Index(ids)))
    else:
        uid = pd.Series(pd.Index(ids).take(rows.series))
    return {"unique_id": uid, "ds": pd.Series(labels[rows.period])}


def _frame(keys: dict[str, pd.Series], **columns: np.ndarray) -> pd.DataFrame:
    # pandas >= 3 copies on write, so frames can share the key columns safely.
    return pd.DataFrame({**keys, **columns}, copy=not _COPY_ON_WRITE)


def _assemble(
    sp: _Arrays, sim: dict, timeline: _Timeline, *, exog: bool, truth: bool, id_dtype: str
) -> RetailDemand:
    periods = _Periods(sim.pop("active"), timeline.step)
    step, n_hist = timeline.step, timeline.n_hist_days // timeline.step
    labels = timeline.days[step - 1 :: step].astype("datetime64[ns]")
    blocks = [_rows(periods.active_periods, 0, n_hist)]
    if labels.size > n_hist:
        blocks.append(_rows(periods.active_periods, n_hist, labels.size))
    keys = [_keys(rows, labels, sp["unique_id"], id_dtype) for rows in blocks]
    y = periods.total(sim.pop("y"))
    sales = [_frame(k, y=rows.take(y)) for k, rows in zip(keys, blocks, strict=True)]
    del y
    exogs = _exog_frames(sp, sim, periods, blocks, keys) if exog else []
    components = _component_frames(sim, periods, blocks, keys) if truth else []
    future = len(blocks) > 1
    result_truth = None
    if truth:
        result_truth = RetailTruth(
            series=_series_table(sp, sim, timeline),
            stores=pd.DataFrame(sim["stores"]),
            festivals=sim["festivals"],
            festival_days=sim["festival_days"],
            promotions=_promotion_table(sim["promo"], sp["unique_id"], timeline.days),
            components=components[0],
            future_components=components[1] if future else None,
        )
    static = {
        "unique_id": sp["unique_id"],
        "store": sim["stores"]["store"][sp["store"]],
        "category": np.asarray(CATEGORIES)[sp["category"]],
        "unit_cost": np.round(sim["last_price"] * sp["cost_ratio"], 2),
        "price": sim["last_price"],
    }
    return RetailDemand(
        sales=sales[0],
        exog=exogs[0] if exog else None,
        static=pd.DataFrame(static),
        truth=result_truth,
        future_sales=sales[1] if future else None,
        future_exog=exogs[1] if exog and future else None,
        freq=timeline.freq,
    )


def _exog_frames(
    sp: _Arrays, sim: dict, periods: _Periods, blocks: list[_Rows], keys: list[dict]
) -> list[pd.DataFrame]:
    cells = sim["promo"]["cells"]
    price = sim["regular"].copy()
    price.ravel()[cells] = sim["promo"]["price"]
    flag = np.zeros(price.shape, dtype=np.int8)
    flag.ravel()[cells] = 1
    grids = {"price": periods.mean(price), "regular_price": periods.mean(sim.pop("regular"))}
    del price
    promo_days = periods.total(flag)
    temperature = periods.mean(sim["temperature"], over_active=False)
    precipitation = periods.total(sim["precipitation"])
    frames = []
    for rows, block_keys in zip(blocks, keys, strict=True):
        cols = {name: rows.take(grid) for name, grid in grids.items()}
        days = rows.take(promo_days)
        cols["promo"] = (days > 0).astype(np.int8)
        cols["discount"] = 1.0 - cols["price"] / cols["regular_price"]
        store = sp["store"][rows.series]
        cols["temperature"] = temperature[rows.period, store]
        cols["precipitation"] = precipitation[rows.period, store]
        if periods.step > 1:
            cols["promo_days"] = days.astype(np.int8)
        frames.append(_frame(block_keys, **cols))
    return frames


def _component_frames(
    sim: dict, periods: _Periods, blocks: list[_Rows], keys: list[dict]
) -> list[pd.DataFrame]:
    order = ["level", "weekly", "yearly", "festival", "price", "promo", "temperature"]
    grids = {name: periods.mean(sim["factors"].pop(name)) for name in order}
    for name in ("mean", "mean_no_promo", "mean_no_event"):
        grids[name] = periods.total(np.where(periods.active, sim.pop(name), 0.0))
    return [
        _frame(block_keys, **{name: rows.take(grid) for name, grid in grids.items()})
        for rows, block_keys in zip(blocks, keys, strict=True)
    ]


def _series_table(sp: _Arrays, sim: dict, timeline: _Timeline) -> pd.DataFrame:
    lifecycle = np.where(sp["new"], "new", np.where(sp["discontinued"], "discontinued", "regular"))
    yearly = ["yearly_cos1", "yearly_sin1", "yearly_cos2", "yearly_sin2"]
    columns = {
        "unique_id": sp["unique_id"],
        "store": sim["stores"]["store"][sp["store"]],
        "category": np.asarray(CATEGORIES)[sp["category"]],
        "demand_class": np.where(sp["intermittent"], "intermittent", "smooth"),
        "lifecycle": lifecycle,
        **{
            k: sp[k] for k in ["base_level", "dispersion", "trend", "ramp_days", "weekly_amplitude"]
        },
        **dict(zip(yearly, sp["yearly"].T, strict=True)),
        **{k: sp[k] for k in ["price_elasticity", "temp_sensitivity", "festival_sensitivity"]},
        "promo_intensity": sp["promo_intensity"],
        "regular_price": sim["launch_price"],
        "launch": timeline.days[sp["launch"]].astype("datetime64[ns]"),
        "end": timeline.days[sp["end"]].astype("datetime64[ns]"),
    }
    return pd.DataFrame(columns)


def _promotion_table(promo: _Arrays, ids: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    order = np.lexsort((promo["start"], promo["series"]))
    return pd.DataFrame(
        {
            "unique_id": ids[promo["series"][order]],
            "start": days[promo["start"][order]].astype("datetime64[ns]"),
            "end": days[promo["end"][order]].astype("datetime64[ns]"),
            "depth": promo["depth"][order],
        }
    )
