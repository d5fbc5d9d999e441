"""Files, progress and printing of the ``forecastkit`` command (private).

* :func:`read_table` reads ``.csv`` or ``.parquet`` inputs with the series ids
  as strings and the date column parsed;
* :func:`write_table` writes outputs atomically (a temporary file in the
  target's directory, then :func:`os.replace`), with a fixed float format so
  the same values always give the same bytes;
* :class:`Progress` draws a one-line progress bar on stderr, only when stderr
  is a terminal;
* :class:`Console` prints the command's summary to stdout unless ``--quiet``.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from forecastkit._cli_config import CliInputError
from forecastkit.errors import DataValidationError, MissingDependencyError, format_values

__all__ = ["FLOAT_FORMAT", "Console", "Progress", "read_table", "write_table"]

logger = logging.getLogger("forecastkit.cli")

#: Float format of CSV outputs: ten significant digits (cents on amounts up to 10^8).
FLOAT_FORMAT = "%.10g"
_PARQUET = (".parquet", ".pq")


def _kind(path: str, what: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in _PARQUET:
        return "parquet"
    raise CliInputError(
        f"{what} {path!r} has extension {suffix or '(none)'!r}; use .csv or .parquet."
    )


def _require_pyarrow(path: str) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError(
            f"reading or writing {path!r} needs pyarrow for parquet files: "
            'pip install "forecastkit[parquet]", or use a .csv file.'
        ) from err


def _parse_dates(frame: pd.DataFrame, time_col: str, what: str, path: str) -> pd.DataFrame:
    col = frame[time_col]
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return frame
    try:
        parsed = pd.to_datetime(col, format="ISO8601")
    except (TypeError, ValueError):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                parsed = pd.to_datetime(col)
        except (TypeError, ValueError) as err:
            raise DataValidationError(
                f"{what} {path!r}: column {time_col!r} could not be parsed as dates ({err}); "
                "write dates as YYYY-MM-DD (or YYYY-MM-DD HH:MM:SS)."
            ) from err
    return frame.assign(**{time_col: parsed})


def read_table(
    path: str,
    what: str,
    *,
    id_col: str,
    time_col: str | None = None,
    required: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a ``.csv`` or ``.parquet`` input.

    Ids are read as strings (``"007"`` stays ``"007"``, and every file agrees
    on the type); the ``time_col`` column, when present, is parsed as dates.
    ``what`` names the file in error messages ("sales file").
    """
    kind = _kind(path, what)
    if not Path(path).is_file():
        raise CliInputError(f"{what} {path!r} does not exist (or is not a file).")
    try:
        if kind == "csv":
            frame = pd.read_csv(path, dtype={id_col: str})
        else:
            _require_pyarrow(path)
            frame = pd.read_parquet(path)
    except MissingDependencyError:
        raise
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise CliInputError(f"{what} {path!r} cannot be read: {err}") from err
    need = [id_col, *required]
    absent = [c for c in need if c not in frame.columns]
    if absent:
        raise DataValidationError(
            f"{what} {path!r} has no column {format_values(absent)}; its columns are "
            f"{format_values(list(frame.columns), 10)}. Rename them, or name yours with "
            "--id-col, --time-col and --target-col."
        )
    if frame[id_col].isna().any():
        raise DataValidationError(
            f"{what} {path!r} has {int(frame[id_col].isna().sum())} rows without an id in "
            f"column {id_col!r}; fill or drop them."
        )
    frame = frame.assign(**{id_col: frame[id_col].astype(str)})
    if time_col is not None and time_col in frame.columns:
        frame = _parse_dates(frame, time_col, what, path)
    logger.info("read %s %s: %d rows, %d columns", what, path, len(frame), frame.shape[1])
    return frame


def _write(frame: pd.DataFrame, handle: IO[bytes], kind: str) -> None:
    if kind == "csv":
        frame.to_csv(handle, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    else:
        frame.to_parquet(handle, index=False)


def _mode(target: Path) -> int:
    """Permissions of the new file: the old file's, else the umask's (mkstemp makes 0600)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_table(frame: pd.DataFrame, path: str | Path, what: str = "output") -> Path:
    """Write ``frame`` to ``path`` (``.csv`` or ``.parquet``) atomically.

    The data go to a temporary file in the same directory, which replaces
    ``path`` only once it is complete: a job killed midway leaves the
    previous file (or none) and never half a file. Missing parent folders
    are created.
    """
    target = Path(path)
    kind = _kind(str(target), what)
    if kind == "parquet":
        _require_pyarrow(str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise CliInputError(f"cannot write {what} {str(target)!r}: {err}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            _write(frame, handle, kind)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise CliInputError(f"cannot write {what} {str(target)!r}: {err}") from err
        raise
    logger.info("wrote %s %s: %d rows", what, target, len(frame))
    return target


class Progress:
    """A one-line progress bar on a terminal's stderr; silent anywhere else.

    Parameters
    ----------
    total : int
        Steps to completion.
    label : str
        Shown before the bar.
    enabled : bool
        False draws nothing (``--quiet``, ``--verbose``, or stderr not a terminal:
        see :meth:`Console.progress`).
    stream : file, optional
        Where to draw; ``sys.stderr`` when omitted.

    Examples
    --------
    >>> import io
    >>> screen = io.StringIO()
    >>> with Progress(2, "job", enabled=True, stream=screen) as bar:
    ...     bar.advance("fitting")
    >>> screen.getvalue().split("\\r")[2]
    'job [############------------] 1/2 fitting'
    """

    width = 24

    def __init__(
        self, total: int, label: str, *, enabled: bool, stream: IO[str] | None = None
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._shown = 0

    def __enter__(self) -> Progress:
        self._draw("")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def advance(self, step: str = "") -> None:
        """Count one step done; ``step`` names the next one."""
        self.done = min(self.done + 1, self.total)
        self._draw(step)

    def _draw(self, step: str) -> None:
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"{self.label} [{bar}] {self.done}/{self.total} {step}".rstrip()
        self.stream.write("\r" + text.ljust(self._shown))
        self.stream.flush()
        self._shown = len(text)

    def close(self) -> None:
        """Erase the bar, leaving the line clean for what comes next."""
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0


class Console:
    """Where the command's own output goes: a summary on stdout, progress on stderr."""

    def __init__(self, *, quiet: bool, verbose: bool) -> None:
        self.quiet = quiet
        self.verbose = verbose

    def say(self, text: str = "") -> None:
        """Print a summary line to stdout (nothing with ``--quiet``)."""
        if not self.quiet:
            print(text, file=sys.stdout)

    def table(self, rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> None:
        """Print rows as left-aligned columns."""
        lines = [list(map(str, r)) for r in ([header] if header else []) + list(rows)]
        if not lines:
            return
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        for line in lines:
            self.say(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            )

    def progress(self, total: int, label: str) -> Progress:
        """A progress bar on stderr, drawn only when stderr is a terminal and the
        command is neither ``--quiet`` nor ``--verbose`` (log lines would break it)."""
        stream = sys.stderr
        tty = bool(getattr(stream, "isatty", lambda: False)())
        return Progress(total, label, enabled=tty and not (self.quiet or self.verbose))
