"""Argument checks shared by every module (private).

Data checks live in :mod:`forecastkit.data`; these validate the other
arguments (integers such as ``h`` or ``season_length``, quantile levels) and
raise :class:`~forecastkit.errors.InvalidParameterError`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from forecastkit.errors import InvalidParameterError, format_values

__all__ = ["check_quantiles", "positive_int"]


def positive_int(value: Any, name: str) -> int:
    """``value`` as an int, or an error if it is not a whole number >= 1.

    Examples
    --------
    >>> positive_int(7.0, "season_length")
    7
    >>> positive_int(2.5, "season_length")
    Traceback (most recent call last):
    ...
    forecastkit.errors.InvalidParameterError: season_length must be a positive integer; got 2.5. ...
    """
    whole = (
        isinstance(value, (numbers.Integral, float, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and float(value).is_integer()
    )
    if not whole or value < 1:
        raise InvalidParameterError(
            f"{name} must be a positive integer; got {value!r}. Pass a whole number of "
            "periods such as 1, 7 or 52."
        )
    return int(value)


def check_quantiles(quantiles: Sequence[float] | None) -> list[float]:
    """Quantile levels as sorted unique floats strictly inside (0, 1).

    ``None`` gives an empty list.

    Examples
    --------
    >>> check_quantiles([0.9, 0.1, 0.5, 0.9])
    [0.1, 0.5, 0.9]
    """
    if quantiles is None:
        return []
    try:
        qs = [float(q) for q in quantiles]
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(
            f"quantiles must be a sequence of numbers such as [0.1, 0.5, 0.9]; got {quantiles!r}."
        ) from err
    bad = [q for q in qs if not 0.0 < q < 1.0]
    if bad:
        raise InvalidParameterError(
            f"quantiles must lie strictly between 0 and 1; got {format_values(bad)}. "
            "Pass probabilities such as 0.1 and 0.9, not percentages."
        )
    return sorted(set(qs))
