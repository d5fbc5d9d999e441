"""Exceptions and warnings raised by forecastkit.

Every exception subclasses both :class:`ForecastkitError` and the builtin a
caller would naturally catch (``ValueError``, ``ImportError``...), so
``except ValueError`` keeps working. Messages say what is wrong, where (column,
series ids, dates) and how to fix it.
"""

from __future__ import annotations

import datetime as _dt
import reprlib
from collections.abc import Iterable
from typing import Any

__all__ = [
    "DataValidationError",
    "DataWarning",
    "ForecastkitError",
    "ForecastkitWarning",
    "FrequencyError",
    "InsufficientDataError",
    "InvalidParameterError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "format_values",
]


class ForecastkitError(Exception):
    """Base class of every exception raised by forecastkit."""


class DataValidationError(ForecastkitError, ValueError):
    """Input data breaks the data contract (columns, types, duplicates, values)."""


class InvalidParameterError(ForecastkitError, ValueError):
    """A function or estimator argument has an invalid value (not the data)."""


class FrequencyError(DataValidationError):
    """The time column has no regular frequency, or not the one that was asked for."""


class InsufficientDataError(DataValidationError):
    """A series (or every series) is too short for the requested operation."""


class NotFittedError(ForecastkitError, ValueError, AttributeError):
    """An estimator was used before ``fit`` was called."""


class MissingDependencyError(ForecastkitError, ImportError):
    """An optional dependency is needed for this feature but is not installed."""


class ModelFileError(ForecastkitError, ValueError):
    """A saved model file cannot be loaded: not a forecastkit file, damaged, or
    written by an incompatible forecastkit version."""


class ForecastkitWarning(UserWarning):
    """Base class of every warning emitted by forecastkit."""


class DataWarning(ForecastkitWarning):
    """Input data was legal but changed in a lossy way (clipped, filled, dropped)."""


_REPR = reprlib.Repr()
_REPR.maxlist = 5
_REPR.maxstring = 40
_REPR.maxother = 40


def format_values(values: Iterable[Any], max_items: int = 5) -> str:
    """Format the first offending values (ids, dates) for an error message.

    Parameters
    ----------
    values : iterable
        Offending values, in the order they should be shown.
    max_items : int, default=5
        How many values to show before eliding the rest.

    Returns
    -------
    str
        A bracketed list such as ``['a', 'b', ...]`` with at most ``max_items``
        entries; timestamps are shown as ISO dates.

    Examples
    --------
    >>> format_values(["SKU-1", "SKU-2"])
    "['SKU-1', 'SKU-2']"
    >>> format_values(range(10), max_items=3)
    '[0, 1, 2, ...]'
    >>> import datetime
    >>> format_values([datetime.datetime(2024, 11, 11)])
    "['2024-11-11']"
    """
    out: list[str] = []
    more = False
    for i, value in enumerate(values):
        if i >= max_items:
            more = True
            break
        if value is None or (isinstance(value, float) and value != value) or str(value) == "NaT":
            out.append(repr(value) if value is None or str(value) != "NaT" else "NaT")
        elif isinstance(value, _dt.datetime):
            midnight = value.time() == _dt.time(0)
            out.append(repr(value.date().isoformat() if midnight else value.isoformat()))
        elif isinstance(value, _dt.date):
            out.append(repr(value.isoformat()))
        else:
            out.append(_REPR.repr(value))
    if more:
        out.append("...")
    return "[" + ", ".join(out) + "]"
