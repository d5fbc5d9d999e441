"""The ``forecastkit`` command line: entry point for unattended jobs.

Commands: ``forecast`` (quantile forecasts and sample paths), ``plan`` (order
plan under budgets), ``backtest`` (rolling-origin metrics) and ``demo`` (the
whole chain on synthetic data). Options come from flags or from a TOML job
file (``--config job.toml``; flags override it); see ``docs/cli.md``.

Library code never prints; this module does: a short summary on stdout,
logs (and warnings) on stderr through :mod:`logging`, a progress bar on
stderr when it is a terminal. Exit codes: 0 success, 2 bad input (the
validation message, no traceback), 1 internal error (with the traceback),
130 interrupted. Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from forecastkit._cli_config import build_parser, resolve
from forecastkit._cli_io import Console
from forecastkit.errors import ForecastkitError

__all__ = ["build_parser", "main"]

logger = logging.getLogger("forecastkit.cli")


def _runner(command: str) -> Callable[[argparse.Namespace, Console], int]:
    # Imported on use: `forecastkit --help` and `--version` stay fast.
    if command == "demo":
        from forecastkit._cli_demo import run_demo

        return run_demo
    from forecastkit import _cli_jobs

    runners: dict[str, Callable[[argparse.Namespace, Console], int]] = {
        "forecast": _cli_jobs.run_forecast,
        "plan": _cli_jobs.run_plan,
        "backtest": _cli_jobs.run_backtest,
    }
    return runners[command]


@contextmanager
def _logging(level: int) -> Iterator[None]:
    """Send forecastkit's log records and warnings to stderr while a command runs.

    The handler is attached to the ``forecastkit`` logger (not the root one)
    and removed afterwards, with the logger's level and propagation restored,
    so ``main`` can be called repeatedly (tests, notebooks) without stacking
    handlers. Warnings become log records of ``forecastkit.cli``.
    """
    package = logging.getLogger("forecastkit")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    saved = package.level, package.propagate
    package.addHandler(handler)
    package.setLevel(level)
    package.propagate = False

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        logger.warning("%s: %s", category.__name__, message)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show
            yield
    finally:
        package.removeHandler(handler)
        package.setLevel(saved[0])
        package.propagate = saved[1]


def _level(job: argparse.Namespace) -> int:
    if job.quiet:
        return logging.ERROR
    return logging.INFO if job.verbose else logging.WARNING


def _error(message: str) -> None:
    print(f"forecastkit: error: {message}", file=sys.stderr)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """Parsed arguments, or the exit code of ``--help``, ``--version`` or a usage error."""
    try:
        return parser.parse_args(argv)
    except SystemExit as done:  # argparse exits: 0 for --help/--version, 2 for errors
        code = done.code
        return code if isinstance(code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success, 2 on bad input (arguments, job file, missing files,
        data that break the contract), 1 on an internal error, 130 when
        interrupted.

    Examples
    --------
    >>> main(["--version"])
    forecastkit ...
    0
    """
    parser = build_parser()
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    if args.command is None:
        parser.print_help()
        return 0
    try:
        job = resolve(args)
    except ForecastkitError as err:
        _error(str(err))
        return 2
    console = Console(quiet=job.quiet, verbose=job.verbose)
    with _logging(_level(job)):
        try:
            return int(_runner(job.command)(job, console))
        except ForecastkitError as err:
            _error(str(err))
            return 2
        except KeyboardInterrupt:
            _error("interrupted")
            return 130
        except Exception as err:
            logger.exception("internal error: %s: %s", type(err).__name__, err)
            _error(
                f"internal error ({type(err).__name__}: {err}); this is a bug, please "
                "report it with the traceback above."
            )
            return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
