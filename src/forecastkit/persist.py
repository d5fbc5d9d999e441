"""Save and load forecastkit estimators: :func:`save`, :func:`load`, :func:`read_metadata`.

A model file is a zip archive with two entries:

* ``meta.json``: UTF-8 JSON with ``format`` (``"forecastkit-model"``),
  ``format_version``, the ``forecastkit`` version that wrote it, the
  estimator's ``class`` (``"forecastkit.timeseries.forecaster.StatsForecaster"``),
  whether it was ``fitted``, the ``versions`` of Python and of the libraries
  whose objects a model holds (numpy, pandas, scipy, statsmodels, lightgbm),
  and the caller's ``user`` metadata. :func:`read_metadata` reads it without
  unpickling anything, so it is safe on any file.
* ``model.pkl``: the estimator, pickled (protocol 5).

The file holds no timestamp and the zip entries carry a fixed date, so the
same model saved twice, by the same versions, gives the same bytes. Pass a
time in ``metadata`` to record one.

Forecastkit's model kernels return closures (a fitted model's ``mean(h)``);
the standard pickle refuses functions defined inside other functions. The
pickler here stores such a forecastkit function by reference, as its module,
qualified name and closure values, and rebuilds it from the running
forecastkit's code, the way pickle stores classes. That is one reason a
model loads only in the forecastkit minor release that wrote it.

Security: loading runs pickle, which can execute arbitrary code. Load only
files you trust (that you or your pipeline wrote).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
import os
import pickle
import platform
import re
import secrets
import types
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from forecastkit._version import __version__
from forecastkit.errors import ForecastkitWarning, InvalidParameterError, ModelFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "load", "read_metadata", "save"]

logger = logging.getLogger(__name__)

FORMAT = "forecastkit-model"
"""Value of ``format`` in every model file's ``meta.json``."""

FORMAT_VERSION = 1
"""Newest container layout this forecastkit reads and the one it writes."""

_META = "meta.json"
_PAYLOAD = "model.pkl"
_PROTOCOL = 5  # fixed, not pickle.DEFAULT_PROTOCOL: the bytes must not change with Python
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "lightgbm")
_CHUNK = 1 << 20


# ---------------------------------------------------------------------- save
def save(
    obj: Any,
    path: str | os.PathLike[str],
    *,
    compress: bool = True,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write an estimator (fitted or not) to a model file, atomically.

    The file is written to a temporary file in the same directory, flushed
    to disk, then renamed over ``path``: a failure leaves neither a partial
    file nor a changed ``path``.

    Parameters
    ----------
    obj : object
        The estimator: a :class:`~forecastkit.StatsForecaster`,
        :class:`~forecastkit.LGBMForecaster`, :class:`~forecastkit.SeasonalNaive`,
        :class:`~forecastkit.ReorderOptimizer`... (usually called as
        ``estimator.save(path)``).
    path : str or path-like
        Destination; its directory must exist. Any extension (``.fkm`` is a
        good one); an existing file is replaced.
    compress : bool, default=True
        Deflate the pickle (smaller files, slower saves of large models).
    metadata : mapping, optional
        JSON-serializable information stored as ``user`` in ``meta.json``
        (the training data's date, a run id, a timestamp).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ModelFileError
        Part of ``obj`` cannot be pickled; the message names the attribute.
    InvalidParameterError
        ``metadata`` is not a JSON-serializable mapping with string keys.
    FileNotFoundError, IsADirectoryError
        The directory does not exist, or ``path`` is a directory.

    See Also
    --------
    load : read the estimator back.
    read_metadata : the metadata alone, without unpickling.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import forecastkit as fk
    >>> data = fk.make_retail_demand(n_series=3, periods=60, seed=0)
    >>> model = fk.SeasonalNaive(season_length=7).fit(data.sales)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save(model, pathlib.Path(tmp) / "naive.fkm", metadata={"run": 7})
    ...     meta = read_metadata(path)
    ...     restored = load(path, expected=fk.SeasonalNaive)
    >>> meta["class"], meta["fitted"], meta["user"]
    ('forecastkit.timeseries.baselines.SeasonalNaive', True, {'run': 7})
    >>> restored.predict(7).equals(model.predict(7))
    True
    """
    target = Path(os.fspath(path))
    _check_destination(target)
    meta = _metadata(obj, metadata)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temp, "xb") as handle:
            _write_container(handle, meta, obj, compress=compress, target=target)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    logger.info("saved %s to %s (%d bytes)", meta["class"], target, target.stat().st_size)
    return target


def _check_destination(target: Path) -> None:
    if target.is_dir():
        raise IsADirectoryError(
            f"cannot save to '{target}': it is a directory; give a file name such as "
            f"'{target / 'model.fkm'}'."
        )
    parent = target.parent
    if not parent.is_dir():
        raise FileNotFoundError(
            f"cannot save to '{target}': directory '{parent}' does not exist; create it "
            "first (Path(...).mkdir(parents=True))."
        )


def _metadata(obj: Any, user: Mapping[str, Any] | None) -> dict[str, Any]:
    cls = type(obj)
    state = getattr(obj, "__dict__", {})
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "forecastkit": __version__,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "fitted": any(k.endswith("_") and not k.startswith("_") for k in state),
        "versions": _library_versions(),
        "user": _check_user_metadata(user),
    }
    return meta


def _check_user_metadata(user: Mapping[str, Any] | None) -> dict[str, Any]:
    if user is None:
        return {}
    if not isinstance(user, Mapping) or not all(isinstance(k, str) for k in user):
        raise InvalidParameterError(
            f"metadata must be a mapping with string keys, got {type(user).__name__}; "
            'e.g. metadata={"trained_until": "2024-11-30"}.'
        )
    try:
        json.dumps(user, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(
            f"metadata must be JSON-serializable ({err}); convert dates and numpy "
            "values to str, int or float first."
        ) from err
    return dict(user)


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _entry(name: str, compress: bool) -> zipfile.ZipInfo:
    """A zip entry with a fixed date and attributes, so equal models give equal bytes."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.create_system = 3  # unix, whatever the platform
    info.external_attr = 0o644 << 16
    return info


def _write_container(
    handle: IO[bytes], meta: dict[str, Any], obj: Any, *, compress: bool, target: Path
) -> None:
    header = (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode("utf-8")
    with zipfile.ZipFile(handle, "w") as archive:
        archive.comment = b"forecastkit model file: read it with forecastkit.load(path)"
        archive.writestr(_entry(_META, compress), header)
        with archive.open(_entry(_PAYLOAD, compress), "w", force_zip64=True) as stream:
            try:
                _Pickler(stream, protocol=_PROTOCOL).dump(obj)
            except (pickle.PicklingError, TypeError, AttributeError) as err:
                raise ModelFileError(
                    f"cannot save {type(obj).__name__} to '{target}': "
                    f"{_unpicklable(obj)} cannot be pickled ({type(err).__name__}: {err}). "
                    "Remove or replace it (e.g. set it to None) before saving."
                ) from err


def _unpicklable(obj: Any) -> str:
    """Name the attributes of ``obj`` that fail to pickle, for the error message."""
    bad = []
    for name, value in getattr(obj, "__dict__", {}).items():
        try:
            _Pickler(_Discard(), protocol=_PROTOCOL).dump(value)
        except Exception:  # any failure names the attribute
            bad.append(name)
    if not bad:
        return "part of the object"
    return f"attribute {bad[0]!r}" if len(bad) == 1 else f"attributes {bad}"


class _Discard:
    """A binary sink that drops what is written (to test pickling without memory)."""

    def write(self, data: bytes) -> int:
        return len(data)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX; other systems do not open directories)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse; the rename has happened anyway
        logger.debug("could not fsync directory %s", directory)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------- closures
def _is_forecastkit(module: str | None) -> bool:
    return module is not None and (module == "forecastkit" or module.startswith("forecastkit."))


def _nested_codes(module: str, qualname: str) -> list[types.CodeType]:
    """Code objects named like the nested function ``module.qualname``, in definition order.

    Walks the enclosing module attributes (``Class.method``) and then the
    constants of the enclosing code objects (``<locals>``). Several entries
    mean same-named siblings (lambdas); the pickle stores which one.
    """
    parts = qualname.split(".")
    inside = parts.index("<locals>")
    owner: Any = importlib.import_module(module)
    for part in parts[:inside]:
        owner = getattr(owner, part)
    if isinstance(owner, property):
        owner = owner.fget
    owner = getattr(owner, "__func__", owner)
    codes: list[types.CodeType] = [owner.__code__]
    for part in parts[inside:]:
        if part == "<locals>":
            continue
        if len(codes) != 1:
            raise pickle.PicklingError(f"{module}.{qualname}: ambiguous enclosing function")
        codes = [c for c in codes[0].co_consts if isinstance(c, types.CodeType)]
        codes = [c for c in codes if c.co_name == part]
    return codes


class _Pickler(pickle.Pickler):
    """Pickles forecastkit's nested functions by reference plus closure values."""

    def reducer_override(self, obj: Any) -> Any:
        if (
            type(obj) is not types.FunctionType
            or "<locals>" not in obj.__qualname__
            or not _is_forecastkit(obj.__module__)
        ):
            return NotImplemented
        code = obj.__code__
        index = next(
            (i for i, c in enumerate(_nested_codes(obj.__module__, obj.__qualname__)) if c is code),
            None,
        )
        if index is None:
            raise pickle.PicklingError(
                f"cannot find the code of {obj.__module__}.{obj.__qualname__} in its module"
            )
        cells = {}
        for name, cell in zip(code.co_freevars, obj.__closure__ or (), strict=True):
            try:
                cells[name] = cell.cell_contents
            except ValueError:  # an empty cell: a variable not assigned yet
                continue
        state = (cells, obj.__defaults__, obj.__kwdefaults__, dict(obj.__dict__))
        args = (obj.__module__, obj.__qualname__, index, code.co_freevars)
        return _rebuild_function, args, state, None, None, _restore_function


def _rebuild_function(
    module: str, qualname: str, index: int, freevars: tuple[str, ...]
) -> types.FunctionType:
    """An empty-celled function with the running forecastkit's code of ``qualname``."""
    try:
        code = _nested_codes(module, qualname)[index]
    except (AttributeError, ImportError, IndexError, ValueError) as err:
        raise pickle.UnpicklingError(f"{module}.{qualname} is not in this forecastkit") from err
    if code.co_freevars != tuple(freevars):
        raise pickle.UnpicklingError(
            f"{module}.{qualname} has changed: it reads {list(code.co_freevars)}, the file "
            f"saved {list(freevars)}"
        )
    cells = tuple(types.CellType() for _ in freevars) or None
    function = types.FunctionType(
        code, vars(importlib.import_module(module)), code.co_name, None, cells
    )
    function.__qualname__ = qualname
    return function


def _restore_function(function: types.FunctionType, state: tuple) -> None:
    cells, defaults, kwdefaults, attributes = state
    for name, cell in zip(function.__code__.co_freevars, function.__closure__ or (), strict=True):
        if name in cells:
            cell.cell_contents = cells[name]
    function.__defaults__ = defaults
    function.__kwdefaults__ = kwdefaults
    function.__dict__.update(attributes)


# ---------------------------------------------------------------------- load
def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a model file, without unpickling the model.

    Safe on untrusted files, and works on files from other forecastkit
    versions (to find out which version wrote them).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    dict
        ``format``, ``format_version``, ``forecastkit``, ``class``,
        ``fitted``, ``versions`` (Python and libraries) and ``user``.

    Raises
    ------
    ModelFileError
        The file is not a forecastkit model file, or is corrupt.
    FileNotFoundError
        No file at ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import forecastkit as fk
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save(fk.StatsForecaster(models=["ses"]), pathlib.Path(tmp) / "ses.fkm")
    ...     meta = read_metadata(path)
    >>> meta["class"], meta["fitted"], meta["forecastkit"] == fk.__version__
    ('forecastkit.timeseries.forecaster.StatsForecaster', False, True)
    >>> sorted(meta["versions"])[:3]
    ['lightgbm', 'numpy', 'pandas']
    """
    source = _existing(path)
    with _open_container(source) as archive:
        return _read_meta(archive, source)


def load(path: str | os.PathLike[str], *, expected: type | tuple[type, ...] | None = None) -> Any:
    """Load an estimator written by :func:`save` (or ``estimator.save(path)``).

    Loading runs pickle, which can execute arbitrary code: load only files
    you trust. :func:`read_metadata` inspects a file safely.

    A model loads in the forecastkit release that wrote it and in any other
    with the same major and minor version (``0.1.0`` reads ``0.1.3``'s
    files), since a model is restored with the running forecastkit's code.
    Files written with other major versions of numpy, pandas or LightGBM
    load with a :class:`~forecastkit.ForecastkitWarning`.

    Parameters
    ----------
    path : str or path-like
        A model file.
    expected : class or tuple of classes, optional
        Refuse a file that holds anything else (checked, for forecastkit
        classes, before unpickling).

    Returns
    -------
    object
        The estimator, in the state it was saved in.

    Raises
    ------
    ModelFileError
        The file is not a forecastkit model file, is corrupt or truncated,
        uses a newer file format, was written by an incompatible forecastkit
        version, cannot be restored, or does not hold an ``expected`` class.
        The message names the path and the versions.
    FileNotFoundError
        No file at ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import forecastkit as fk
    >>> data = fk.make_retail_demand(n_series=4, periods=90, seed=1)
    >>> model = fk.StatsForecaster(models=["ses", "croston_sba"]).fit(data.sales)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = model.save(pathlib.Path(tmp) / "stats.fkm")
    ...     restored = load(path, expected=fk.StatsForecaster)
    >>> restored.predict(7, quantiles=[0.9]).equals(model.predict(7, quantiles=[0.9]))
    True
    """
    classes = _check_expected_argument(expected)
    source = _existing(path)
    with _open_container(source) as archive:
        meta = _read_meta(archive, source)
        _check_compatible(meta, source)
        if classes:
            _check_class_name(meta["class"], classes, source)
        obj = _unpickle(archive, meta, source)
    if classes and not isinstance(obj, classes):
        raise ModelFileError(_wrong_class(meta["class"], classes, source))
    _warn_library_drift(meta, source)
    logger.info("loaded %s from %s", meta["class"], source)
    return obj


def _existing(path: str | os.PathLike[str]) -> Path:
    source = Path(os.fspath(path))
    if source.is_dir():
        raise IsADirectoryError(f"'{source}' is a directory, not a forecastkit model file.")
    if not source.is_file():
        raise FileNotFoundError(
            f"no model file at '{source}'; check the path, or write one with estimator.save(path)."
        )
    return source


def _not_a_model(source: Path, reason: str) -> ModelFileError:
    return ModelFileError(
        f"'{source}' is not a forecastkit model file ({reason}); forecastkit.load reads "
        "the files written by estimator.save(path) or forecastkit.persist.save."
    )


def _corrupt(source: Path, err: BaseException) -> ModelFileError:
    return ModelFileError(
        f"model file '{source}' is corrupt or truncated ({type(err).__name__}: {err}); "
        "save the model again."
    )


def _open_container(source: Path) -> zipfile.ZipFile:
    with open(source, "rb") as handle:
        head = handle.read(4)
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as err:
        if head.startswith(b"PK\x03\x04"):
            raise _corrupt(source, err) from err
        if head[:1] == b"\x80":
            raise _not_a_model(
                source, "it looks like a bare pickle; if you trust it, use pickle.load"
            ) from err
        raise _not_a_model(source, "not a zip archive") from err


def _read_meta(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    names = archive.namelist()
    if _META not in names or _PAYLOAD not in names:
        missing = [n for n in (_META, _PAYLOAD) if n not in names]
        raise _not_a_model(source, f"the archive has no {' or '.join(missing)}")
    try:
        raw = archive.read(_META)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise _corrupt(source, err) from err
    try:
        meta = json.loads(raw.decode("utf-8"))
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _not_a_model(source, f"{_META} is not JSON: {err}") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise _not_a_model(source, f"{_META} has format {found!r}, not {FORMAT!r}")
    return meta


def _release(version: object) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", str(version))
    return (int(match[1]), int(match[2])) if match else None


def _check_compatible(meta: dict[str, Any], source: Path) -> None:
    written = meta.get("forecastkit")
    layout = meta.get("format_version")
    if isinstance(layout, bool) or not isinstance(layout, int) or layout < 1:
        raise _not_a_model(source, f"format_version {layout!r} is not a positive integer")
    if layout > FORMAT_VERSION:
        raise ModelFileError(
            f"model file '{source}' uses model file format {layout} (written by forecastkit "
            f"{written}); forecastkit {__version__} reads formats up to {FORMAT_VERSION}. "
            f"Upgrade forecastkit to {written} or later to load it."
        )
    running = _release(__version__)
    if _release(written) != running:
        major, minor = running or (0, 0)
        raise ModelFileError(
            f"model file '{source}' was written by forecastkit {written}, but this is "
            f"forecastkit {__version__}; saved models load only within one minor release "
            f"({major}.{minor}.x). Refit the model with forecastkit {__version__}, or install "
            f"forecastkit=={written} to load it."
        )


def _check_expected_argument(expected: Any) -> tuple[type, ...]:
    if expected is None:
        return ()
    classes = expected if isinstance(expected, tuple) else (expected,)
    if not classes or not all(isinstance(c, type) for c in classes):
        raise InvalidParameterError(
            f"expected must be a class or a tuple of classes, got {expected!r}; "
            "e.g. expected=forecastkit.StatsForecaster."
        )
    return classes


def _wrong_class(found: str, classes: tuple[type, ...], source: Path) -> str:
    names = " or ".join(f"{c.__module__}.{c.__qualname__}" for c in classes)
    return (
        f"model file '{source}' holds a {found}, not a {names}; load the right file, "
        "or drop expected= to accept any estimator."
    )


def _check_class_name(name: object, classes: tuple[type, ...], source: Path) -> None:
    """Refuse a forecastkit class that is not ``expected`` before unpickling."""
    module, _, qualname = str(name).rpartition(".")
    if not _is_forecastkit(module):
        return  # a user's class: checked after unpickling
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        return  # unpickling will fail with the versions in its message
    if isinstance(cls, type) and not issubclass(cls, classes):
        raise ModelFileError(_wrong_class(str(name), classes, source))


def _unpickle(archive: zipfile.ZipFile, meta: dict[str, Any], source: Path) -> Any:
    try:
        with archive.open(_PAYLOAD) as stream:
            obj = pickle.load(stream)  # trusted files only (see the docstring)
            stream.read()  # read to the end: zipfile checks the CRC-32 there
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise _corrupt(source, err) from err
    except Exception as err:
        if not _intact(archive):
            raise _corrupt(source, err) from err
        raise ModelFileError(
            f"cannot restore the {meta.get('class')} in '{source}', written by forecastkit "
            f"{meta.get('forecastkit')} with {_describe(meta.get('versions'))}; running "
            f"forecastkit {__version__} with {_describe(_library_versions())} "
            f"({type(err).__name__}: {err}). Refit the model, or load it with the versions "
            "that wrote it."
        ) from err
    return obj


def _intact(archive: zipfile.ZipFile) -> bool:
    """Whether the payload decompresses with the right CRC-32."""
    try:
        with archive.open(_PAYLOAD) as stream:
            while stream.read(_CHUNK):
                pass
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return False
    return True


def _describe(versions: object) -> str:
    if not isinstance(versions, dict):
        return "unknown library versions"
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))


def _warn_library_drift(meta: dict[str, Any], source: Path) -> None:
    """Warn when numpy, pandas or LightGBM changed major version since the save."""
    saved = meta.get("versions")
    if not isinstance(saved, dict):
        return
    running = _library_versions()
    changed = {
        name: (saved[name], running[name])
        for name in ("numpy", "pandas", "lightgbm")
        if name in saved and name in running and saved[name] != running[name]
    }
    if changed:
        logger.info("library versions changed since %s was saved: %s", source, changed)
    major = [
        f"{name} {old} (now {new})"
        for name, (old, new) in changed.items()
        if str(old).split(".")[0] != str(new).split(".")[0]
    ]
    if major:
        warnings.warn(
            f"model file '{source}' was written with {', '.join(major)}; a model restored "
            "across major library versions may not forecast exactly as it did. Refit it to "
            "be sure.",
            ForecastkitWarning,
            stacklevel=3,
        )
