"""The ``forecastkit`` command line: entry point for unattended jobs.

Library code never prints; this module does. Exit codes: 0 success, 2 bad
input (the validation message, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forecastkit._version import __version__
from forecastkit.errors import ForecastkitError

__all__ = ["main"]

logger = logging.getLogger("forecastkit.cli")

DEMO_QUANTILES = (0.1, 0.5, 0.9)


def _write_csv_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV through a temporary file and a rename, so a killed job
    never leaves a half-written file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            frame.to_csv(handle, index=False, float_format="%.6g", date_format="%Y-%m-%d")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _demo_orders(
    forecasts: pd.DataFrame,
    static: pd.DataFrame,
    sigma: pd.Series,
    *,
    lead_time: int,
    review_period: int,
    holding_rate: float,
) -> pd.DataFrame:
    """Per-SKU newsvendor order quantities over the protection interval.

    Demand per day over the protection interval ``P = lead_time +
    review_period`` days is taken as normal with the forecast's mean and the
    seasonal-naive residual sd, independent across days (a demo
    simplification: the optimizer uses sample paths instead). Holding cost is
    the carrying cost of one unit over a review cycle, stockout cost the lost
    margin; stock on hand is taken as zero.
    """
    from forecastkit.inventory import newsvendor_normal

    protection = lead_time + review_period
    first_days = forecasts.groupby("unique_id", sort=False).head(protection)
    daily_mean = first_days.groupby("unique_id", sort=False)["yhat"].mean()
    items = static.set_index("unique_id").loc[daily_mean.index]
    holding = items["unit_cost"] * holding_rate * review_period / 365.0
    stockout = (items["price"] - items["unit_cost"]).clip(lower=1e-6)
    sd = sigma.reindex(daily_mean.index).to_numpy()
    level, cost = newsvendor_normal(
        holding.to_numpy(), stockout.to_numpy(), daily_mean.to_numpy(), sd, lead_time=protection - 1
    )
    on_hand = np.zeros(len(daily_mean))
    order_qty = np.ceil(np.clip(level - on_hand, 0.0, None)).astype(np.int64)
    return pd.DataFrame(
        {
            "unique_id": daily_mean.index,
            "protection_days": protection,
            "mean_demand": daily_mean.to_numpy() * protection,
            "sd_demand": sd * np.sqrt(protection),
            "critical_ratio": (stockout / (stockout + holding)).to_numpy(),
            "order_up_to": level,
            "on_hand": on_hand,
            "order_qty": order_qty,
            "unit_cost": items["unit_cost"].to_numpy(),
            "order_value": order_qty * items["unit_cost"].to_numpy(),
            "expected_cost": cost,
        }
    )


def _run_demo(args: argparse.Namespace) -> int:
    from forecastkit.datasets import make_retail_demand
    from forecastkit.timeseries import SeasonalNaive

    out = Path(args.out)
    data = make_retail_demand(n_series=args.series, periods=args.periods, seed=args.seed)
    logger.info("generated %d series x %d periods", args.series, args.periods)
    # Discontinued SKUs (no sale recorded up to the last day) get no forecast and no order.
    last = data.sales.groupby("unique_id", sort=False)["ds"].max()
    active = last.index[last == last.max()]
    sales = data.sales[data.sales["unique_id"].isin(active)]
    if len(active) < len(last):
        logger.info("%d discontinued SKUs skipped", len(last) - len(active))
    model = SeasonalNaive(season_length=7).fit(sales)
    forecasts = model.predict(args.horizon, quantiles=DEMO_QUANTILES)
    sigma = pd.Series(model.sigma_, index=model.last_dates_.index)
    orders = _demo_orders(
        forecasts,
        data.static,
        sigma,
        lead_time=args.lead_time,
        review_period=args.review_period,
        holding_rate=args.holding_rate,
    )
    _write_csv_atomic(forecasts, out / "forecasts.csv")
    _write_csv_atomic(orders, out / "orders.csv")
    print(
        f"forecastkit {__version__} demo: {args.series} synthetic SKUs, {args.periods} days, "
        f"{len(active)} still on sale"
    )
    print(f"  seasonal-naive forecast, h={args.horizon}: {forecasts['yhat'].sum():,.0f} units")
    print(
        f"  newsvendor orders over {args.lead_time + args.review_period} days: "
        f"{orders['order_qty'].sum():,} units, value {orders['order_value'].sum():,.2f}"
    )
    print(f"forecasts: {(out / 'forecasts.csv').resolve()}")
    print(f"orders:    {(out / 'orders.csv').resolve()}")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``forecastkit`` command."""
    parser = argparse.ArgumentParser(
        prog="forecastkit",
        description="Retail demand forecasting and inventory optimization.",
    )
    parser.add_argument("--version", action="version", version=f"forecastkit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="log errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="forecast and order on synthetic data",
        description="Generate synthetic retail sales, forecast them with seasonal naive, "
        "and size a newsvendor order per SKU. Writes forecasts.csv and orders.csv.",
    )
    demo.add_argument(
        "--out", default="forecastkit-demo", help="output folder (default: %(default)s)"
    )
    demo.add_argument(
        "--series", type=_positive_int, default=50, help="number of SKUs (default: %(default)s)"
    )
    demo.add_argument(
        "--periods", type=_positive_int, default=730, help="days of history (default: %(default)s)"
    )
    demo.add_argument(
        "--horizon", type=_positive_int, default=28, help="forecast days (default: %(default)s)"
    )
    demo.add_argument(
        "--lead-time", type=int, default=7, help="supplier lead time, days (default: %(default)s)"
    )
    demo.add_argument(
        "--review-period",
        type=_positive_int,
        default=7,
        help="days between orders (default: %(default)s)",
    )
    demo.add_argument(
        "--holding-rate",
        type=float,
        default=0.25,
        help="annual holding cost as a share of unit cost (default: %(default)s)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    demo.set_defaults(func=_run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if not args.verbose else logging.INFO
    if args.quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "lead_time", 0) < 0:
        print("forecastkit: error: --lead-time must be >= 0", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except ForecastkitError as err:
        print(f"forecastkit: error: {err}", file=sys.stderr)
        return 2
    except Exception:
        logger.exception("internal error")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
