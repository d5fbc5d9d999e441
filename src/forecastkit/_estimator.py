"""scikit-learn's parameter protocol for forecastkit estimators (private)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forecastkit.errors import InvalidParameterError

__all__ = ["ParamsMixin", "fresh_copy"]


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

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        compress: bool = True,
        metadata: Mapping[str, Any] | None = None,
    ) -> Path:
        """Save the estimator, fitted or not, to a model file.

        The file records the forecastkit version, the class and the library
        versions; :func:`forecastkit.load` reads it back. The write is atomic
        (a temporary file renamed over ``path``). See
        :func:`forecastkit.persist.save` for the format.

        Parameters
        ----------
        path : str or path-like
            Destination file (e.g. ``"model.fkm"``); its directory must exist.
        compress : bool, default=True
            Deflate the pickled model.
        metadata : mapping, optional
            JSON-serializable information to store with it (a run id, a date).

        Returns
        -------
        pathlib.Path
            ``path``.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import forecastkit as fk
        >>> from forecastkit.persist import load
        >>> data = fk.make_retail_demand(n_series=3, periods=60, seed=0)
        >>> model = fk.SeasonalNaive(season_length=7).fit(data.sales)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = model.save(pathlib.Path(tmp) / "naive.fkm")
        ...     restored = load(path)
        >>> path.name, restored.get_params() == model.get_params()
        ('naive.fkm', True)
        """
        from forecastkit.persist import save  # here: persist imports the estimators' modules

        return save(self, path, compress=compress, metadata=metadata)


def fresh_copy(estimator: Any) -> Any:
    """An unfitted copy: ``sklearn.base.clone`` when it has ``get_params``, else a deep copy."""
    if hasattr(estimator, "get_params"):
        from sklearn.base import clone

        return clone(estimator)
    import copy

    return copy.deepcopy(estimator)
