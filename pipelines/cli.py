"""The `pageflow` command: parse options, call one function, map errors to exit codes.

Exit codes: 0 ok, 75 try again later (vendor throttling or outage, another sync running),
78 configuration error, 3 (`status` only) the warehouse is behind: gaps, stale resources or
failures in the last run, 1 any other failure. The last line on stderr names the cause.
The lock is taken before anything heavy is imported, so a second sync answers at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path

from pipelines import VENDORS
from pipelines.lock import SyncLock, WarehouseBusy
from sources.shared import stop
from sources.shared.errors import ConfigurationError, PageflowError, VendorAPIError
from sources.shared.windows import latest_today, parse_day

log = logging.getLogger("pageflow")
UMASK = 0o027  # files 0640, folders 0750 (the folder beside the warehouse: 0700)
EXIT_FAILURE = 1
EXIT_BEHIND = 3  # `status`: gaps, stale resources or failures in the last run
EXIT_TEMPFAIL = 75  # try again later: vendor throttling or outage, the warehouse busy
EXIT_CONFIG = 78  # configuration: missing or rejected credentials, bad values or paths
WAREHOUSE_HELP = "the DuckDB file (default: warehouse.duckdb in the current directory)"


def exit_code(exc: BaseException) -> int:
    """The one place an error becomes the process's exit code (see the module docstring)."""
    if isinstance(exc, stop.Stopped):
        return 128 + stop.signal_number()
    if isinstance(exc, WarehouseBusy):
        return EXIT_TEMPFAIL
    if isinstance(exc, VendorAPIError):
        if exc.retryable:
            return EXIT_TEMPFAIL
        return EXIT_CONFIG if exc.credentials_rejected else EXIT_FAILURE
    if isinstance(exc, ConfigurationError):
        return EXIT_CONFIG
    return EXIT_FAILURE


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
    for noisy in ("httpx", "httpcore"):  # full URLs at INFO; never needed
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    path = Path(getattr(args, "warehouse", "warehouse.duckdb")).expanduser().resolve()
    os.umask(UMASK)  # the warehouse holds visitors' IPs and cities: no world access
    try:
        if args.command == "check":
            return _check(args.vendor)
        if path.is_dir():
            raise ConfigurationError(f"{path} is a directory, not a DuckDB file")
        if args.command == "status":
            return _status(path, args.json, args.max_age_hours)
        if args.command == "report":
            return _report(path, Path(args.out), args.days)
        if args.command == "export":
            return _export(path, Path(args.directory))
        if args.command == "sync" and args.end and args.end > latest_today():
            raise ConfigurationError(f"--end {args.end} is in the future: it has no data yet")
        if args.command == "sync" and args.start and args.end and args.start > args.end:
            print(
                f"pageflow: error: --start {args.start} is after --end {args.end}", file=sys.stderr
            )
            return EXIT_CONFIG
        with SyncLock(path), stop.handling_signals():
            return _locked(args, path)
    except PageflowError as exc:
        print(f"pageflow: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print("pageflow: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an environment we did not foresee: still one line
        log.debug("unexpected error", exc_info=True)
        print(f"pageflow: error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _check(vendors: list[str] | None) -> int:
    from pipelines.check import check

    lines: list[str] = []
    try:
        found = check(vendors, lines)
    finally:
        print("\n".join(lines))
    if any(exit_code(exc) == EXIT_CONFIG for exc in found):
        return EXIT_CONFIG
    return EXIT_FAILURE if found else 0


def _status(path: Path, as_json: bool, max_age_hours: float) -> int:
    from pipelines.report import failure_rows, problems, status_json, status_rows, status_text
    from pipelines.warehouse import Warehouse

    warehouse = Warehouse.at(path)
    rows, failed = status_rows(warehouse), failure_rows(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None)
    found = problems(rows, failed, max_age_hours, now)
    if not rows:
        found.insert(0, "nothing synced yet")
    if as_json:
        print(status_json(warehouse, rows, failed, found, max_age_hours))
    else:
        print(status_text(warehouse, rows, failed))
    if found:
        print(f"pageflow: status: {'; '.join(found)}", file=sys.stderr)
        return EXIT_BEHIND
    return 0


def _report(path: Path, out: Path, days: int) -> int:
    from pipelines.charts import write_report
    from pipelines.warehouse import Warehouse

    written = write_report(Warehouse.at(path), out, days)
    print(f"report written to {written}")
    return 0


def _export(path: Path, directory: Path) -> int:
    from pipelines.export import export_parquet
    from pipelines.warehouse import Warehouse

    files = export_parquet(Warehouse.at(path), directory)
    print(f"{len(files)} marts written to {directory.resolve()} as Parquet")
    return 0


def _locked(args: argparse.Namespace, path: Path) -> int:
    """The commands that write the warehouse; the caller holds its lock."""
    from pipelines.runtime import prepare_dlt_environment
    from pipelines.warehouse import Warehouse

    prepare_dlt_environment()
    warehouse = Warehouse.at(path)
    if args.command == "models":
        from pipelines.models import build
        from pipelines.sync import publish_safely

        warehouse.prepare()
        if not warehouse.has_data():
            raise ConfigurationError(
                f"no warehouse at {warehouse.path}: check --warehouse, or run `pageflow sync`"
            )
        result = build(warehouse)
        print(f"built {len(result.models)} models; {len(result.tests)} SQL tests passed")
        if stop.requested():
            return _stopped("the models are built; the next run publishes them")
        _, error = publish_safely(warehouse)
        if error is not None:
            raise error
        return 0
    if args.command == "demo":
        from pipelines.demo import run_demo

        outcome, summary = run_demo(warehouse, take_lock=False, report=Path(args.out))
        print(summary)
    else:
        from pipelines.sync import sync

        outcome = sync(warehouse, args.vendor, args.start, args.end, take_lock=False)
    if outcome.stopped:
        return _stopped(outcome.resume_points())
    for vendor in outcome.vendors:
        if vendor.skipped:
            print(f"pageflow: {vendor.vendor} skipped: no credentials configured", file=sys.stderr)
    if outcome.error is not None:
        print(f"pageflow: error: {outcome.error}", file=sys.stderr)
        return exit_code(outcome.error)
    return 0


def _stopped(where: str) -> int:
    print(
        f"pageflow: stopped by {stop.signal_name()}: nothing after it was committed; {where}",
        file=sys.stderr,
    )
    return exit_code(stop.Stopped())


def entry() -> None:
    """The console script: `main`, then exit without waiting for abandoned calls."""
    code = main()
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        # a stopped run abandons the vendor calls still in flight; their threads must not
        # hold the exit (they commit nothing), so leave without joining them
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
