"""The command line's options: every command, its options, and where logs go."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from importlib import metadata

from pipelines import VENDORS
from sources.shared.windows import parse_day

WAREHOUSE_HELP = "the DuckDB file (default: warehouse.duckdb in the current directory)"


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _version() -> str:
    try:
        return f"pageflow {metadata.version('pageflow')}"
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return "pageflow (not installed)"


def _global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options every command takes, before or after its name (`pageflow sync --log-level
    DEBUG` and `pageflow --log-level DEBUG sync`): the subcommand's copy leaves the value
    alone unless it is given, so the one given wins wherever it stands."""
    parser.add_argument(
        "--log-level",
        default=os.environ.get("PAGEFLOW_LOG_LEVEL", "INFO") if defaults else argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log on stderr (default INFO, or $PAGEFLOW_LOG_LEVEL)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pageflow",
        description="Sync Zoho PageSense and Mouseflow into a DuckDB warehouse.",
    )
    parser.add_argument("--version", action="version", version=_version())
    _global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        _global_options(sub, defaults=False)
        return sub

    def warehouse_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--warehouse", default="warehouse.duckdb", help=WAREHOUSE_HELP)

    sync = command("sync", "sync vendors with credentials, then the models")
    sync.add_argument(
        "--vendor", action="append", choices=VENDORS, help="sync only this vendor (repeatable)"
    )
    sync.add_argument("--start", type=_day, help="first day to sync (YYYY-MM-DD, inclusive)")
    sync.add_argument("--end", type=_day, help="last day to sync (YYYY-MM-DD, inclusive)")
    warehouse_option(sync)

    warehouse_option(command("models", "rebuild the SQL models and run the SQL tests"))
    demo = command("demo", "sync the built-in vendor sandbox, summarise, write a report")
    warehouse_option(demo)
    demo.add_argument("--out", default="report.html", help="the report (default report.html)")

    check = command("check", "sign in and call every endpoint once for yesterday; no warehouse")
    check.add_argument(
        "--vendor", action="append", choices=VENDORS, help="check only this vendor (repeatable)"
    )

    status = command("status", "how far each vendor, website and resource got")
    warehouse_option(status)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.add_argument(
        "--max-age-hours",
        type=float,
        default=float(os.environ.get("PAGEFLOW_MAX_AGE_HOURS", "36")),
        help="a resource whose last sync is older is stale: exit 3 "
        "(default 36, or $PAGEFLOW_MAX_AGE_HOURS)",
    )

    report = command("report", "write a self-contained HTML report with charts")
    warehouse_option(report)
    report.add_argument("--out", default="report.html", help="the file (default report.html)")
    report.add_argument("--days", type=int, default=28, help="the last N days of data (default 28)")

    export = command("export", "write the marts as files for tools that prefer files")
    warehouse_option(export)
    export.add_argument("--format", choices=["parquet"], default="parquet", help="parquet")
    export.add_argument("directory", help="where to write <mart>.parquet (created if missing)")
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # dlt warns about arrow hint merges on every chunk; its errors still show.
    logging.getLogger("dlt").setLevel(logging.DEBUG if level == "DEBUG" else logging.ERROR)
