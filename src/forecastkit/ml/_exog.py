"""Exogenous and static features of :class:`~forecastkit.ml.LGBMForecaster` (private).

:func:`design_exog` decides at fit time what every extra column of the
training frame becomes, and :func:`exog_features` builds those features on a
:class:`~forecastkit.ml._layout.Layout` (history rows, or history then future
rows) from the raw column values in layout order:

* numeric and boolean columns: used raw;
* text and categorical columns: LightGBM categoricals, coded with the
  categories seen at fit (unseen labels are missing);
* the columns named by ``price_col``, ``regular_price_col``, ``promo_col``,
  ``promo_type_col``: the promotion and price families of
  :mod:`forecastkit.ml._promo`;
* ``weather_cols``: the weather family of :mod:`forecastkit.ml._weather`
  (raw, and deviation from the location's seasonal normal);
* dates: the calendar and event family of :mod:`forecastkit.ml._dates`,
  computed once per distinct date;
* static columns (one row per series): text ones as categoricals, numeric
  ones raw.

No feature here reads the target, so none can leak it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from forecastkit.errors import DataValidationError, format_values
from forecastkit.ml._dates import date_features
from forecastkit.ml._layout import Layout
from forecastkit.ml._panel import PanelSums, category_mean, weather_normals
from forecastkit.ml._promo import price_features, promo_features, promo_type_categories
from forecastkit.ml._weather import weather_features

__all__ = [
    "ColumnSummary",
    "ExogDesign",
    "design_exog",
    "design_from_summary",
    "exog_features",
    "merge_features",
    "raw_columns",
    "series_design",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ExogDesign:
    """What each exogenous column becomes (learned at fit).

    Attributes
    ----------
    numeric : tuple of str
        Columns used raw.
    categorical : dict of str to numpy.ndarray
        Dynamic categorical columns and their fit-time categories.
    roles : dict of str to str
        Family columns by role (``"price"``, ``"regular_price"``, ``"promo"``,
        ``"promo_type"``); ``weather`` lists the weather columns.
    required : tuple of str
        Columns whose future values ``predict`` needs.
    nan_ok : tuple of str
        Required columns that had NaN in the history (NaN accepted in the future).
    static : dict of str to numpy.ndarray
        Per-series float32 values of the static features, in layout series order.
    categorical_features : tuple of str
        Feature names LightGBM treats as categorical.
    """

    numeric: tuple[str, ...] = ()
    categorical: dict[str, np.ndarray] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    weather: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    nan_ok: tuple[str, ...] = ()
    static: dict[str, np.ndarray] = field(default_factory=dict)
    category: np.ndarray | None = None
    location: np.ndarray | None = None
    promo_type_categories: np.ndarray | None = None
    freq: str = "D"
    calendar: Any = None
    date_families: tuple[str, ...] = ()
    categorical_features: tuple[str, ...] = ()


# --------------------------------------------------------------------------- raw values
def _is_categorical(col: pd.Series) -> bool:
    dtype = col.dtype
    if ptypes.is_bool_dtype(dtype) or ptypes.is_numeric_dtype(dtype):
        return False
    return True


def _numeric_values(col: pd.Series) -> np.ndarray:
    if ptypes.is_bool_dtype(col.dtype):
        return col.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    return col.to_numpy(dtype=np.float64, na_value=np.nan)


def raw_columns(frame: pd.DataFrame, design: ExogDesign) -> dict[str, np.ndarray]:
    """The raw values of the columns ``design`` needs, in frame order.

    Numeric columns become float64, categorical ones object arrays.
    """
    out: dict[str, np.ndarray] = {}
    for name in design.required:
        col = frame[name]
        if name in design.categorical or name == design.roles.get("promo_type"):
            out[name] = col.astype(object).to_numpy()
        else:
            try:
                out[name] = _numeric_values(col)
            except (TypeError, ValueError) as err:
                raise DataValidationError(
                    f"column {name!r} must be numeric, as in the training data; got dtype "
                    f"{col.dtype} ({err}). Convert it with pd.to_numeric."
                ) from err
    return out


# --------------------------------------------------------------------------- design
def _check_roles(columns: Sequence[str], roles: Mapping[str, Any], weather: Sequence[str]) -> None:
    named = {role: col for role, col in roles.items() if col is not None}
    missing = [(role, col) for role, col in named.items() if col not in columns]
    missing += [("weather_cols", col) for col in weather if col not in columns]
    if missing:
        role, col = missing[0]
        arg = role if role == "weather_cols" else f"{role}_col"
        raise DataValidationError(
            f"{arg}={col!r} is not a column of df; its exogenous columns are "
            f"{format_values(list(columns), 10)}. Fix the name or add the column."
        )


def _static_design(
    static: pd.DataFrame | None, ids: np.ndarray, id_col: str
) -> tuple[dict[str, np.ndarray], tuple[str, ...], dict[str, np.ndarray]]:
    """Per-series static features (float32), the categorical ones, and raw labels."""
    if static is None:
        return {}, (), {}
    if not isinstance(static, pd.DataFrame):
        raise DataValidationError(
            f"static must be a pandas DataFrame with one row per series, got "
            f"{type(static).__name__}."
        )
    if id_col not in static.columns:
        raise DataValidationError(
            f"static has no column {id_col!r}; it needs the series id and one column per "
            "static feature (store, category...)."
        )
    keys = static[id_col]
    dup = keys.duplicated().to_numpy()
    if dup.any():
        raise DataValidationError(
            f"static repeats {int(dup.sum())} series ids {format_values(keys[dup].tolist())}; "
            "it needs one row per series. Drop the duplicates."
        )
    index = pd.Index(keys)
    where = index.get_indexer(pd.Index(ids))
    if (where < 0).any():
        absent = pd.Index(ids)[where < 0].tolist()
        raise DataValidationError(
            f"static lacks {len(absent)} series of df {format_values(absent)}; give a row for "
            "every series (missing values are allowed)."
        )
    values: dict[str, np.ndarray] = {}
    labels: dict[str, np.ndarray] = {}
    categorical = []
    for name in static.columns:
        if name == id_col:
            continue
        col = static[name].iloc[where].reset_index(drop=True)
        labels[name] = col.astype(object).to_numpy()
        if ptypes.is_datetime64_any_dtype(col.dtype):
            raise DataValidationError(
                f"static column {name!r} holds dates; convert it to a number (e.g. days since "
                "launch) or drop it."
            )
        if _is_categorical(col):
            codes = pd.factorize(col, sort=True)[0]
            values[name] = np.where(codes >= 0, codes, np.nan).astype(np.float32)
            categorical.append(name)
        else:
            values[name] = _numeric_values(col).astype(np.float32)
    return values, tuple(categorical), labels


@dataclass(frozen=True, eq=False)
class ColumnSummary:
    """What :func:`design_from_summary` reads of the exogenous columns of ``df``.

    Mergeable: the summary of a panel split into partitions of whole series
    is the :meth:`merge` of the partitions' summaries.

    Attributes
    ----------
    columns : tuple of str
        The exogenous columns, in frame order.
    kinds : dict of str to str
        ``"datetime"``, ``"categorical"`` or ``"numeric"`` per column.
    labels : dict of str to numpy.ndarray
        Distinct non-missing labels of the categorical columns and of the
        promotion type column.
    has_nan : dict of str to bool
        Whether each column has a missing value.
    """

    columns: tuple[str, ...]
    kinds: dict[str, str]
    labels: dict[str, np.ndarray]
    has_nan: dict[str, bool]

    @classmethod
    def of(cls, df: pd.DataFrame, exog_cols: Sequence[str], promo_type: str | None = None):
        """The summary of the columns ``exog_cols`` of ``df``."""
        kinds: dict[str, str] = {}
        labels: dict[str, np.ndarray] = {}
        for name in exog_cols:
            col = df[name]
            if ptypes.is_datetime64_any_dtype(col.dtype):
                kinds[name] = "datetime"
                continue
            kinds[name] = "categorical" if _is_categorical(col) else "numeric"
            if kinds[name] == "categorical" or name == promo_type:
                labels[name] = np.asarray(pd.unique(col.dropna().astype(object)), dtype=object)
        has_nan = {name: bool(df[name].isna().any()) for name in exog_cols}
        return cls(tuple(exog_cols), kinds, labels, has_nan)

    @classmethod
    def merge(cls, parts: Sequence[ColumnSummary]) -> ColumnSummary:
        """The summary of the concatenated frames; they must agree on columns and kinds."""
        first = parts[0]
        for part in parts[1:]:
            if part.columns != first.columns:
                raise DataValidationError(
                    f"the partitions of df have different exogenous columns: "
                    f"{format_values(first.columns, 10)} and {format_values(part.columns, 10)}; "
                    "give every partition the same columns."
                )
            clash = [c for c in first.columns if part.kinds[c] != first.kinds[c]]
            if clash:
                raise DataValidationError(
                    f"column {clash[0]!r} is {first.kinds[clash[0]]} in one partition of df and "
                    f"{part.kinds[clash[0]]} in another; cast it to one dtype in every partition."
                )
        labels = {
            name: np.concatenate([p.labels[name] for p in parts if name in p.labels])
            for name in {n for p in parts for n in p.labels}
        }
        has_nan = {name: any(p.has_nan[name] for p in parts) for name in first.columns}
        return cls(first.columns, dict(first.kinds), labels, has_nan)


def design_exog(
    df: pd.DataFrame,
    exog_cols: Sequence[str],
    *,
    static: pd.DataFrame | None,
    ids: np.ndarray,
    id_col: str,
    options: Mapping[str, Any],
) -> ExogDesign:
    """Decide what every exogenous and static column becomes.

    ``options``: ``price_col``, ``regular_price_col``, ``promo_col``,
    ``promo_type_col``, ``weather_cols``, ``category_col``, ``location_col``, ``freq``,
    ``calendar``, ``date_families``.
    """
    summary = ColumnSummary.of(df, exog_cols, options.get("promo_type_col"))
    return design_from_summary(summary, static=static, ids=ids, id_col=id_col, options=options)


def design_from_summary(
    summary: ColumnSummary,
    *,
    static: pd.DataFrame | None,
    ids: np.ndarray,
    id_col: str,
    options: Mapping[str, Any],
) -> ExogDesign:
    """:func:`design_exog` from the :class:`ColumnSummary` of the frame."""
    exog_cols = summary.columns
    roles = {
        "price": options.get("price_col"),
        "regular_price": options.get("regular_price_col"),
        "promo": options.get("promo_col"),
        "promo_type": options.get("promo_type_col"),
    }
    weather = tuple(options.get("weather_cols") or ())
    _check_roles(exog_cols, roles, weather)
    named: dict[str, str] = {role: col for role, col in roles.items() if col is not None}
    family_cols = set(named.values()) | set(weather)
    numeric, categorical = [], {}
    for name in exog_cols:
        if summary.kinds[name] == "datetime":
            raise DataValidationError(
                f"exogenous column {name!r} holds dates; drop it or convert it to a number "
                "(date features are built from the time column)."
            )
        if name in family_cols:
            continue
        if summary.kinds[name] == "categorical":
            categorical[name] = np.asarray(pd.Categorical(summary.labels[name]).categories)
        else:
            numeric.append(name)
    required = tuple(c for c in exog_cols if c in family_cols or c in numeric or c in categorical)
    nan_ok = tuple(c for c in required if summary.has_nan[c])
    static_values, static_cat, labels = _static_design(static, ids, id_col)
    category = _static_labels(options.get("category_col"), labels, "category_col")
    location = _static_labels(options.get("location_col"), labels, "location_col")
    type_cats = None
    if "promo_type" in named:
        type_cats = promo_type_categories(summary.labels[named["promo_type"]])
    design = ExogDesign(
        numeric=tuple(numeric),
        categorical=categorical,
        roles=named,
        weather=weather,
        required=required,
        nan_ok=nan_ok,
        static=static_values,
        category=category,
        location=location,
        promo_type_categories=type_cats,
        freq=options["freq"],
        calendar=options.get("calendar"),
        date_families=tuple(options.get("date_families") or ()),
    )
    cats = (*categorical, *(f"static_{c}" for c in static_cat))
    if "promo_type" in named:
        cats = (*cats, "promo_type")
    return replace(design, categorical_features=tuple(cats))


def series_design(design: ExogDesign, series: np.ndarray) -> ExogDesign:
    """The design restricted to some series (a partition): per-series values subset."""
    return replace(
        design,
        static={name: values[series] for name, values in design.static.items()},
        category=None if design.category is None else design.category[series],
        location=None if design.location is None else design.location[series],
    )


def _static_labels(
    column: str | None, labels: dict[str, np.ndarray], arg: str
) -> np.ndarray | None:
    """Per-series labels of a static column named by ``arg`` (None when not named)."""
    if column is None:
        return None
    if column not in labels:
        raise DataValidationError(
            f"{arg}={column!r} is not a column of static (columns "
            f"{format_values(list(labels), 10)}); pass static=... with that column."
        )
    return labels[column]


# --------------------------------------------------------------------------- features
def exog_features(
    design: ExogDesign,
    layout: Layout,
    values: Mapping[str, np.ndarray],
    panel: PanelSums | None = None,
) -> dict[str, np.ndarray]:
    """Every non-target feature of every row of ``layout``, float32.

    ``values`` holds the raw values (:func:`raw_columns`) of
    ``design.required`` in layout order. ``panel``: the cross-series sums
    of the whole panel when ``layout`` holds some of its series only (a
    partition, :mod:`forecastkit.ml._panel`); None computes them from
    ``layout``'s rows.
    """
    raw: dict[str, np.ndarray] = {}
    for name in design.numeric:
        raw[name] = values[name].astype(np.float32)
    for name, cats in design.categorical.items():
        codes = pd.Index(cats).get_indexer(pd.Index(values[name], dtype=object))
        raw[name] = np.where(codes >= 0, codes, np.nan).astype(np.float32)  # unseen: missing
    blocks = {
        "the exogenous columns of df": raw,
        "the promotion, price and weather families": _family_features(
            design, layout, values, panel
        ),
    }
    if design.date_families:
        blocks["the calendar and event features"] = date_features(
            layout.dates, freq=design.freq, calendar=design.calendar, families=design.date_families
        )
    blocks["the static columns"] = {
        f"static_{name}": per_series[layout.codes] for name, per_series in design.static.items()
    }
    return merge_features(blocks)


def merge_features(blocks: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One dict of features from named blocks; a name made twice is an error.

    Examples
    --------
    >>> merge_features({"a": {"x": 1}, "b": {"x": 2}})
    Traceback (most recent call last):
    ...
    forecastkit.errors.DataValidationError: feature 'x' comes from both a and b; ...
    """
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for what, block in blocks.items():
        for name, column in block.items():
            if name in out:
                raise DataValidationError(
                    f"feature {name!r} comes from both {origin[name]} and {what}; rename the "
                    f"column {name!r} of df (or of static) so that each feature has one name."
                )
            out[name], origin[name] = column, what
    return out


def _family_features(
    design: ExogDesign,
    layout: Layout,
    values: Mapping[str, np.ndarray],
    panel: PanelSums | None,
) -> dict[str, np.ndarray]:
    roles = design.roles
    out: dict[str, np.ndarray] = {}
    if not roles and not design.weather:
        return out
    grid = (layout.codes, layout.starts, layout.dates)
    col = {role: values[name] for role, name in roles.items()}
    if "price" in col or "promo" in col:
        cats = design.promo_type_categories
        out.update(
            promo_features(
                *grid,
                promo=col.get("promo"),
                price=col.get("price"),
                regular_price=col.get("regular_price"),
                promo_type=col.get("promo_type"),
                type_categories=None if cats is None else list(cats),
                ids=layout.ids,
            )
        )
        if "price" in col:
            mean = None
            if panel is not None and design.category is not None:
                mean = category_mean(panel, design, layout.codes, layout.dates)
            out.update(
                price_features(
                    *grid,
                    price=col["price"],
                    category=design.category,
                    ids=layout.ids,
                    category_mean=mean,
                )
            )
    if design.weather:
        out.update(_weather(design, layout, values, panel))
    return out


def _weather(
    design: ExogDesign,
    layout: Layout,
    values: Mapping[str, np.ndarray],
    panel: PanelSums | None,
) -> dict[str, np.ndarray]:
    normals = None
    if panel is not None and design.location is not None:
        normals = weather_normals(panel, design, layout.codes, layout.dates)
    return weather_features(
        layout.codes,
        layout.starts,
        layout.dates,
        {name: values[name] for name in design.weather},
        location=design.location,
        ids=layout.ids,
        normals=normals,
    )
