"""The `pageflow` command: parse options, call one function, map errors to exit codes.

Exit codes: 0 ok, 75 try again later (vendor throttling or outage, another sync running),
78 configuration error, 1 any other failure. The last line on stderr names the cause.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date

from pipelines.vendors import VENDORS
from pipelines.warehouse import Warehouse
from sources._http import EXIT_CONFIG, EXIT_FAILURE, PageflowError
from sources._windows import parse_day

log = logging.getLogger("pageflow")


def _day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pageflow",
        description="Sync Zoho PageSense and Mouseflow into a DuckDB warehouse.",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("PAGEFLOW_LOG_LEVEL", "INFO"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log on stderr (default INFO, or $PAGEFLOW_LOG_LEVEL)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    warehouse_help = "the DuckDB file (default: warehouse.duckdb in the current directory)"

    sync = commands.add_parser("sync", help="sync vendors with credentials, then the models")
    sync.add_argument(
        "--vendor", action="append", choices=VENDORS, help="sync only this vendor (repeatable)"
    )
    sync.add_argument("--start", type=_day, help="first day to sync (YYYY-MM-DD, inclusive)")
    sync.add_argument("--end", type=_day, help="last day to sync (YYYY-MM-DD, inclusive)")
    sync.add_argument("--warehouse", default="warehouse.duckdb", help=warehouse_help)

    demo = commands.add_parser("demo", help="sync the built-in vendor sandbox and summarise")
    demo.add_argument("--warehouse", default="warehouse.duckdb", help=warehouse_help)

    models = commands.add_parser("models", help="rebuild the SQL models and run the SQL tests")
    models.add_argument("--warehouse", default="warehouse.duckdb", help=warehouse_help)

    status = commands.add_parser("status", help="how far each vendor, website, resource got")
    status.add_argument("--warehouse", default="warehouse.duckdb", help=warehouse_help)
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # dlt warns about arrow hint merges on every chunk; its errors still show.
    logging.getLogger("dlt").setLevel(logging.DEBUG if level == "DEBUG" else logging.ERROR)
    for noisy in ("httpx", "httpcore"):  # full URLs at INFO; never needed
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    warehouse = Warehouse.at(args.warehouse)
    try:
        return _dispatch(args, warehouse)
    except PageflowError as exc:
        print(f"pageflow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pageflow: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace, warehouse: Warehouse) -> int:
    if args.command == "status":
        from pipelines.report import status_text

        print(status_text(warehouse))
        return 0
    if args.command == "models":
        from pipelines.models import build
        from pipelines.sync import prepare_dlt_environment

        prepare_dlt_environment()
        if not warehouse.path.exists():
            print(f"pageflow: error: no warehouse at {warehouse.path}", file=sys.stderr)
            return EXIT_FAILURE
        with warehouse.lock():
            result = build(warehouse)
        print(f"built {len(result.models)} models; {len(result.tests)} SQL tests passed")
        return 0
    if args.command == "demo":
        from pipelines.demo import run_demo

        result, summary = run_demo(warehouse)
        print(summary)
    else:
        from pipelines.sync import sync

        if args.start and args.end and args.start > args.end:
            print(
                f"pageflow: error: --start {args.start} is after --end {args.end}", file=sys.stderr
            )
            return EXIT_CONFIG
        result = sync(warehouse, args.vendor, args.start, args.end)
    for outcome in result.vendors:
        if outcome.skipped:
            print(f"pageflow: {outcome.vendor} skipped: no credentials configured", file=sys.stderr)
    if result.error is not None:
        print(f"pageflow: error: {result.error}", file=sys.stderr)
        return result.error.exit_code or EXIT_FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
