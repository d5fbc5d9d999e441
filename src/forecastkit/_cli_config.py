"""Options of the ``forecastkit`` command: flags, TOML job files and their merge (private).

Every option is declared once, as an :class:`Option`, and serves both as a
command-line flag and as a key of a TOML job file (``--config job.toml``).
Values from both sources go through the same converter, so a value is
checked the same way wherever it comes from. Precedence: built-in defaults,
then the job file, then the flags given on the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forecastkit._version import __version__
from forecastkit.errors import ForecastkitError, format_values

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["COMMANDS", "CliInputError", "Option", "build_parser", "resolve"]


class CliInputError(ForecastkitError, ValueError):
    """Bad command-line input: a missing file, a bad flag or job-file value."""


# --------------------------------------------------------------------------- converters
def _integer(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _checked(parse: Callable[[str], Any], ok: Callable[[Any], bool], expected: str):
    """An argparse ``type``: ``parse`` the text, and refuse it unless ``ok`` holds."""

    def convert(text: str) -> Any:
        try:
            value = parse(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return convert


_positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
_nonnegative_int = _checked(int, lambda v: v >= 0, "an integer >= 0")
_nonnegative_float = _checked(float, lambda v: 0 <= v < float("inf"), "a finite number >= 0")
_probability = _checked(float, lambda v: 0 < v < 1, "a probability strictly between 0 and 1")
_share = _checked(float, lambda v: 0 < v <= 1, "a share in (0, 1]")


def _quantiles(text: str) -> tuple[float, ...]:
    """``"0.5,0.9"`` -> ``(0.5, 0.9)``: sorted, unique, each strictly inside (0, 1)."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(
            "expected comma-separated quantile levels such as 0.1,0.5,0.9, got nothing"
        )
    levels = []
    for part in parts:
        try:
            level = float(part)
        except ValueError:
            level = float("nan")
        if not 0 < level < 1:
            raise argparse.ArgumentTypeError(
                f"bad quantile {part!r}: levels must lie strictly between 0 and 1, "
                "e.g. 0.1,0.5,0.9 (probabilities, not percentages)"
            )
        levels.append(level)
    return tuple(sorted(set(levels)))


def _names(text: str) -> tuple[str, ...]:
    """``"mae, wape"`` -> ``("mae", "wape")``."""
    names = tuple(p.strip() for p in str(text).split(",") if p.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated names, got nothing")
    return names


def _n_jobs(text: str) -> int:
    value = _integer(text)
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or -1, got {text!r}")
    return value


def _supplier_budget(text: str) -> tuple[str, float]:
    """``"ACME=2500"`` -> ``("ACME", 2500.0)``."""
    supplier, sep, amount = str(text).rpartition("=")
    if not sep or not supplier.strip():
        raise argparse.ArgumentTypeError(
            f"expected SUPPLIER=AMOUNT such as ACME=2500, got {text!r}"
        )
    return supplier.strip(), _nonnegative_float(amount.strip())


def _festivals(text: str) -> str | tuple[str, ...] | None:
    """``"default"`` (all built-in festivals), ``"none"``, or comma-separated names."""
    value = str(text).strip()
    if value == "default":
        return "default"
    if value == "none":
        return None
    return _names(value)


# --------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Option:
    """One option of a command: a ``--flag`` and a job-file key of the same name.

    ``name`` is the destination (``lead_time``); the flag is ``--lead-time``
    and the job file accepts ``lead_time`` or ``lead-time``. ``convert``
    turns the text of a flag (or the job-file value, as text) into the value.
    ``repeat`` options may be given several times (a list in the job file),
    ``listed`` ones take comma-separated values (or a list), ``switch`` ones
    are on/off flags (a boolean in the job file).
    """

    name: str
    help: str
    convert: Callable[[str], Any] = str
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    repeat: bool = False
    listed: bool = False
    switch: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


_DATA = (
    Option(
        "sales",
        "sales history, one row per series and period: id, date, target and optional "
        "exogenous columns (.csv or .parquet)",
        metavar="PATH",
    ),
    Option(
        "exog",
        "historical exogenous columns keyed on id and date, merged onto the sales; rows "
        "after the history serve as future values when --future-exog is not given",
        metavar="PATH",
    ),
    Option(
        "future_exog",
        "future values of the exogenous columns, keyed on id and date",
        metavar="PATH",
    ),
    Option(
        "static", "one row per series: id and static features (store, category)", metavar="PATH"
    ),
    Option("id_col", "series id column", default="unique_id", metavar="NAME"),
    Option("time_col", "date column", default="ds", metavar="NAME"),
    Option("target_col", "target (demand) column", default="y", metavar="NAME"),
    Option("freq", "pandas frequency of the dates, e.g. D or W-SUN (default: inferred)"),
    Option(
        "drop_ended",
        "leave out series whose history ends before the last date (discontinued items)",
        switch=True,
    ),
)

_MODEL = (
    Option(
        "model",
        "forecaster: stats (StatsForecaster), lgbm (LGBMForecaster), or auto: lgbm when "
        "there are exogenous columns or --static, else stats",
        default="auto",
        choices=("auto", "stats", "lgbm"),
    ),
    Option("country", "public holidays of this country, e.g. US or DE (default: none)"),
    Option("subdiv", "subdivision of --country for regional holidays, e.g. CA"),
    Option(
        "festivals",
        "built-in shopping festivals: default (all), none, or comma-separated names "
        "such as double_11,black_friday",
        convert=_festivals,
        default="default",
        metavar="NAMES",
    ),
    Option(
        "season_length",
        "season length in periods (default: from the frequency, 7 for daily data)",
        convert=_positive_int,
        metavar="N",
    ),
    Option("price_col", "lgbm: selling-price column (default: 'price' if present)", metavar="NAME"),
    Option(
        "regular_price_col",
        "lgbm: regular-price column (default: 'regular_price' if present)",
        metavar="NAME",
    ),
    Option("promo_col", "lgbm: 0/1 promotion column (default: 'promo' if present)", metavar="NAME"),
    Option(
        "promo_type_col",
        "lgbm: promotion-type column (default: 'promo_type' if present)",
        metavar="NAME",
    ),
    Option(
        "weather_col",
        "lgbm: a weather column; repeat for several (default: 'temperature' and "
        "'precipitation' if present)",
        repeat=True,
        metavar="NAME",
    ),
    Option(
        "category_col",
        "lgbm: static column of the category (default: 'category' if present)",
        metavar="NAME",
    ),
    Option(
        "location_col",
        "lgbm: static column of the location (default: 'store' if present)",
        metavar="NAME",
    ),
    Option(
        "n_estimators", "lgbm: boosting rounds", convert=_positive_int, default=300, metavar="N"
    ),
    Option("n_jobs", "threads or processes; -1 for all cores", convert=_n_jobs, default=1),
    Option("seed", "random seed of the models and sample paths", convert=_integer, default=0),
)

_PATHS = Option(
    "paths", "sample paths drawn per series", convert=_positive_int, default=500, metavar="N"
)

_FORECAST = (
    *_DATA,
    *_MODEL,
    Option("horizon", "periods to forecast", convert=_positive_int, metavar="H"),
    Option(
        "quantiles",
        "comma-separated quantile levels",
        convert=_quantiles,
        default=(0.1, 0.5, 0.9),
        listed=True,
        metavar="LEVELS",
    ),
    _PATHS,
    Option("paths_out", "also write --paths sample paths per series here", metavar="PATH"),
    Option(
        "save_model",
        "also save the fitted forecaster here (forecastkit.persist; load it with "
        "forecastkit.persist.load)",
        metavar="PATH",
    ),
    Option("out", "forecasts file to write (.csv or .parquet)", metavar="PATH"),
)

_PLAN = (
    *_DATA,
    Option(
        "forecasts",
        "instead of --sales: sample paths (id, sample, date, target: forecast --paths-out), "
        "quantiles of the protection-interval demand (id and q<p> columns, one row per item) "
        "or demand samples (id, sample, demand)",
        metavar="PATH",
    ),
    *_MODEL,
    Option(
        "items",
        "one row per item: id, unit_cost, price and optional optimizer columns "
        "(on_hand, moq, case_pack, supplier...; lead_time, review_period)",
        metavar="PATH",
    ),
    Option("budget", "money for all orders together", convert=_nonnegative_float),
    Option(
        "supplier_budget",
        "budget of one supplier, SUPPLIER=AMOUNT; repeat for several",
        convert=_supplier_budget,
        repeat=True,
        metavar="SUPPLIER=AMOUNT",
    ),
    Option(
        "capacity",
        "space for the incoming orders, in items' volume units",
        convert=_nonnegative_float,
    ),
    Option("service_level", "minimum cycle service level of every item", convert=_probability),
    Option(
        "lead_time",
        "lead time in periods, for items without a lead_time column",
        convert=_nonnegative_int,
        metavar="N",
    ),
    Option(
        "review_period",
        "periods between orders, for items without a review_period column",
        convert=_positive_int,
        metavar="N",
    ),
    _PATHS,
    Option(
        "time_limit",
        "seconds the solver may spend on the integer model",
        convert=_nonnegative_float,
        metavar="SECONDS",
    ),
    Option("out", "order plan to write (.csv or .parquet)", metavar="PATH"),
)

_BACKTEST = (
    *_DATA,
    *_MODEL,
    Option("horizon", "periods forecast at each cutoff", convert=_positive_int, metavar="H"),
    Option("windows", "number of cutoffs", convert=_positive_int, default=3, metavar="N"),
    Option(
        "step_size",
        "periods between cutoffs (default: the horizon)",
        convert=_positive_int,
        metavar="N",
    ),
    Option(
        "metrics",
        "comma-separated metrics of forecastkit.evaluate",
        convert=_names,
        default=("mae", "rmse", "bias", "wape", "mase", "rmsse"),
        listed=True,
        metavar="NAMES",
    ),
    Option(
        "quantiles",
        "comma-separated quantile levels to forecast and score (pinball, coverage)",
        convert=_quantiles,
        listed=True,
        metavar="LEVELS",
    ),
    Option("out", "metrics file to write: cutoff, metric, yhat", metavar="PATH"),
    Option("forecasts_out", "also write the backtest forecasts with actuals here", metavar="PATH"),
)

_DEMO = (
    Option("out", "output folder", default="forecastkit-demo", metavar="DIR"),
    Option("series", "number of synthetic SKUs", convert=_positive_int, default=200, metavar="N"),
    Option("periods", "days of history", convert=_positive_int, default=730, metavar="N"),
    Option("horizon", "days to forecast", convert=_positive_int, default=28, metavar="H"),
    Option(
        "lead_time", "supplier lead time, days", convert=_nonnegative_int, default=7, metavar="N"
    ),
    Option("review_period", "days between orders", convert=_positive_int, default=7, metavar="N"),
    Option(
        "quantiles",
        "comma-separated quantile levels",
        convert=_quantiles,
        default=(0.1, 0.5, 0.9),
        listed=True,
        metavar="LEVELS",
    ),
    _PATHS,
    Option(
        "budget",
        "order budget (default: --budget-share of the unconstrained plan's spend)",
        convert=_nonnegative_float,
    ),
    Option(
        "budget_share",
        "budget as a share of the unconstrained plan's spend",
        convert=_share,
        default=0.6,
        metavar="SHARE",
    ),
    Option(
        "holding_rate",
        "yearly holding cost as a share of unit cost",
        convert=_nonnegative_float,
        default=0.25,
        metavar="RATE",
    ),
    Option(
        "seed",
        "random seed of the data, the model and the sample paths",
        convert=_integer,
        default=0,
    ),
)

_COMMON = (
    Option("verbose", "log progress at INFO level on stderr (no progress bar)", switch=True),
    Option(
        "quiet", "print nothing but errors: no summary, no warnings, no progress bar", switch=True
    ),
)


@dataclass(frozen=True)
class Command:
    """A subcommand: its options and the ones it cannot run without."""

    name: str
    help: str
    description: str
    options: tuple[Option, ...]
    required: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command(
            "forecast",
            "forecast sales with quantiles",
            "Fit a forecaster to a sales history and write quantile forecasts "
            "(and optionally sample paths).",
            _FORECAST,
            ("sales", "horizon", "out"),
        ),
        Command(
            "plan",
            "order plan under a budget",
            "Size orders with the ReorderOptimizer from sample paths, quantiles or a sales "
            "history, under budgets, capacity and service levels.",
            _PLAN,
            ("items", "out"),
        ),
        Command(
            "backtest",
            "rolling-origin backtest metrics",
            "Refit a forecaster at several cutoffs and score the periods after each.",
            _BACKTEST,
            ("sales", "horizon", "out"),
        ),
        Command(
            "demo",
            "the whole chain on synthetic data",
            "Generate synthetic sales, forecast them, plan orders under a budget, check the "
            "plan against the true future demand, and print a summary. Writes "
            "forecasts.csv, orders.csv and summary.csv into --out.",
            _DEMO,
        ),
    )
}


# --------------------------------------------------------------------------- parser
def _help(option: Option) -> str:
    if option.default is None or option.switch:
        return option.help
    default = option.default
    if isinstance(default, tuple):
        default = ",".join(str(v) for v in default)
    return f"{option.help} (default: {default})"


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    # Every default is SUPPRESS: an absent attribute means "not given on the command
    # line", so the job file can fill it in before the built-in default does.
    if option.switch:
        parser.add_argument(
            option.flag, action="store_true", default=argparse.SUPPRESS, help=_help(option)
        )
        return
    parser.add_argument(
        option.flag,
        dest=option.name,
        type=option.convert,
        default=argparse.SUPPRESS,
        action="append" if option.repeat else "store",
        choices=option.choices,
        metavar=option.metavar,
        help=_help(option),
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``forecastkit`` command."""
    parser = argparse.ArgumentParser(
        prog="forecastkit",
        description="Retail demand forecasting and inventory optimization.",
        epilog="Exit codes: 0 success, 2 bad input, 1 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"forecastkit {__version__}")
    for common in _COMMON:
        parser.add_argument(
            "-" + common.name[0],
            common.flag,
            action="store_true",
            default=argparse.SUPPRESS,
            help=common.help,
        )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        child = sub.add_parser(command.name, help=command.help, description=command.description)
        child.add_argument(
            "--config",
            metavar="PATH",
            default=argparse.SUPPRESS,
            help="TOML job file; flags given on the command line override its values",
        )
        for option in command.options:
            _add(child, option)
        for common in _COMMON:
            child.add_argument(
                "-" + common.name[0],
                common.flag,
                action="store_true",
                default=argparse.SUPPRESS,
                help=common.help,
            )
    return parser


# --------------------------------------------------------------------------- job files
def read_config(path: str) -> dict[str, Any]:
    """The parsed TOML job file at ``path``."""
    file = Path(path)
    if not file.is_file():
        raise CliInputError(f"config file {path!r} does not exist (or is not a file).")
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise CliInputError(f"config file {path!r} is not valid TOML: {err}.") from err
    except OSError as err:
        raise CliInputError(f"config file {path!r} cannot be read: {err}.") from err


def _config_text(option: Option, value: Any, where: str) -> Any:
    """A job-file value as the text (or texts) a flag would carry."""
    if option.switch:
        if not isinstance(value, bool):
            raise CliInputError(f"{where}: expected true or false, got {value!r}.")
        return value
    if option.repeat and isinstance(value, Mapping):
        return [f"{k}={v}" for k, v in value.items()]
    if option.repeat or option.listed:
        values = list(value) if isinstance(value, list) else [value]
    else:
        values = [value]
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise CliInputError(f"{where}: expected a number or a string, got {item!r}.")
    if option.repeat:
        return [str(v) for v in values]
    return ",".join(str(v) for v in values)


def _from_config(command: Command, config: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Converted values of the job file's keys for ``command``; unknown keys are errors."""
    options = {o.name: o for o in (*command.options, *_COMMON)}
    entries = {
        k: v
        for k, v in config.items()
        if not isinstance(v, Mapping) or k.replace("-", "_") in options
    }
    tables = {k: v for k, v in config.items() if k not in entries}
    unknown_tables = [k for k in tables if k not in COMMANDS]
    if unknown_tables:
        raise CliInputError(
            f"config file {source!r} has unknown table(s) {format_values(unknown_tables)}; "
            f"tables name commands: {format_values(list(COMMANDS))}."
        )
    entries.update(tables.get(command.name, {}))
    values: dict[str, Any] = {}
    for key, value in entries.items():
        name = key.replace("-", "_")
        option = options.get(name)
        if option is None:
            raise CliInputError(
                f"config file {source!r} has unknown key {key!r} for the {command.name!r} "
                f"command; valid keys: {', '.join(sorted(options))}."
            )
        where = f"config file {source!r}, key {key!r}"
        text = _config_text(option, value, where)
        try:
            if option.switch:
                values[name] = text
            elif option.repeat:
                values[name] = [option.convert(t) for t in text]
            else:
                values[name] = option.convert(text)
        except argparse.ArgumentTypeError as err:
            raise CliInputError(f"{where}: {err}.") from err
        if option.choices is not None and values[name] not in option.choices:
            raise CliInputError(
                f"{where}: {value!r} is not one of {format_values(option.choices)}."
            )
    return values


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    """Merge built-in defaults, the job file and the command-line flags, in that order."""
    command = COMMANDS[args.command]
    given = {k: v for k, v in vars(args).items() if k not in ("command", "config")}
    values: dict[str, Any] = {o.name: o.default for o in (*command.options, *_COMMON)}
    for option in command.options:
        if option.switch:
            values[option.name] = bool(values[option.name])
    values["verbose"] = values["quiet"] = False
    config = getattr(args, "config", None)
    if config is not None:
        values.update(_from_config(command, read_config(config), config))
    values.update(given)
    missing = [name for name in command.required if values.get(name) is None]
    if missing:
        flags = ", ".join("--" + n.replace("_", "-") for n in missing)
        raise CliInputError(
            f"{command.name} needs {flags} (on the command line or as "
            f"{format_values(missing)} in the --config file)."
        )
    return argparse.Namespace(command=command.name, config=config, **values)


def option_names(command: str) -> Sequence[str]:
    """Job-file keys of ``command`` (for documentation and tests)."""
    return [o.name for o in (*COMMANDS[command].options, *_COMMON)]
