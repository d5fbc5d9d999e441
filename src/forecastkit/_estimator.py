"""scikit-learn's parameter protocol for forecastkit estimators (private)."""

from __future__ import annotations

import inspect
from typing import Any

from forecastkit.errors import InvalidParameterError

__all__ = ["ParamsMixin"]


class ParamsMixin:
    """``get_params`` / ``set_params`` read from the constructor's keyword arguments.

    Constructors only store their arguments, unchanged, under the same names,
    so ``sklearn.base.clone`` and backtests can rebuild a fresh estimator.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn convention, for cloning)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor parameters (scikit-learn convention); returns self."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {key!r}; valid: {sorted(valid)}."
                )
            setattr(self, key, value)
        return self
