"""The CLI: the `pageflow` command. Each command parses its options and calls one function.

Options live in `parser.py`, the error-to-exit-code map in `exits.py` (the only one),
`pageflow check` in `check.py` and `pageflow demo` in `demo.py`. The lock is taken before
anything heavy is imported, so a second sync answers at once.

May import every wing below: the run loop, the readers, the store, the registry.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipelines.cli.exits import EXIT_BEHIND, EXIT_CONFIG, EXIT_FAILURE, EXIT_TEMPFAIL, exit_code
from pipelines.cli.parser import (
    build_parser,
    check_config_files,
    configure_logging,
    environment_settings,
)
from pipelines.store.lock import SyncLock
from pipelines.store.paths import not_a_directory, parent_must_exist
from sources.shared import stop
from sources.shared.errors import ConfigurationError, PageflowError
from sources.shared.windows import latest_today

__all__ = ["build_parser", "entry", "exit_code", "main"]

log = logging.getLogger("pageflow")
_QUIET_AFTER_STOP = False
UMASK = 0o027  # files 0640, folders 0750 (the folder beside the warehouse: 0700)


def main(argv: Sequence[str] | None = None, *, last_line_after_stop: bool = False) -> int:
    """Run one command; its exit code. `last_line_after_stop` (the console script): after a
    stop, the stop line is the last thing the process prints, so logging ends there."""
    global _QUIET_AFTER_STOP
    _QUIET_AFTER_STOP = last_line_after_stop
    args = build_parser().parse_args(argv)
    try:
        environment_settings(args)
        check_config_files()
    except ConfigurationError as exc:
        print(f"pageflow: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    configure_logging(args.log_level)
    path = Path(getattr(args, "warehouse", "warehouse.duckdb")).expanduser().resolve()
    os.umask(UMASK)  # the warehouse holds visitors' IPs and cities: no world access
    try:
        if args.command == "check":
            return _check(args.vendor)
        not_a_directory(path)
        if args.command == "status":
            return _status(path, args.json, args.max_age_hours)
        if args.command == "report":
            return _report(path, Path(args.out), args.days)
        if args.command == "export":
            return _export(path, Path(args.directory))
        if args.command == "sync" and args.end and args.end > latest_today():
            raise ConfigurationError(f"--end {args.end} is in the future: it has no data yet")
        if args.command == "sync" and args.start and args.start > latest_today():
            raise ConfigurationError(f"--start {args.start} is in the future: it has no data yet")
        if args.command == "sync" and args.start and args.end and args.start > args.end:
            print(
                f"pageflow: error: --start {args.start} is after --end {args.end}", file=sys.stderr
            )
            return EXIT_CONFIG
        parent_must_exist(path)  # the first sync creates the file, not folders
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
    from pipelines.cli.check import check

    lines: list[str] = []
    try:
        found = check(vendors, lines)
    finally:
        if lines:
            print("\n".join(lines))
    codes = {exit_code(exc) for exc in found}
    for code in (EXIT_CONFIG, EXIT_TEMPFAIL):  # rejected, then unreachable, then DIFFERENT
        if code in codes:
            return code
    return EXIT_FAILURE if found else 0


def _status(path: Path, as_json: bool, max_age_hours: float) -> int:
    from pipelines.readers.status import status
    from pipelines.store.warehouse import Warehouse

    now = datetime.now(UTC).replace(tzinfo=None)
    found = status(Warehouse.at(path), max_age_hours, as_json, now)
    print(found.text)
    if found.problems:
        print(f"pageflow: status: {'; '.join(found.problems)}", file=sys.stderr)
        return EXIT_BEHIND
    return 0


def _report(path: Path, out: Path, days: int) -> int:
    from pipelines.readers.report import write_report
    from pipelines.store.warehouse import Warehouse

    written = write_report(Warehouse.at(path), out, days)
    print(f"report written to {written}")
    return 0


def _export(path: Path, directory: Path) -> int:
    from pipelines.readers.export import export_parquet
    from pipelines.store.warehouse import Warehouse

    files = export_parquet(Warehouse.at(path), directory)
    print(f"{len(files)} marts written to {directory.resolve()} as Parquet")
    return 0


def _locked(args: argparse.Namespace, path: Path) -> int:
    """The commands that write the warehouse; the caller holds its lock."""
    from pipelines.store.warehouse import Warehouse

    warehouse = Warehouse.at(path)
    if args.command == "models":
        from pipelines.run.sync import rebuild

        built = rebuild(warehouse)
        print(f"built {len(built.models)} models; {len(built.tests)} SQL tests passed")
        if not built.published and built.publish_error is None:
            return _stopped("the models are built; the next run publishes them")
        if built.publish_error is not None:
            raise built.publish_error
        return 0
    if args.command == "demo":
        from pipelines.cli.demo import run_demo

        outcome, summary = run_demo(warehouse, take_lock=False, report=Path(args.out))
        print(summary)
    else:
        from pipelines.run.sync import sync

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
    if _QUIET_AFTER_STOP:
        # calls abandoned in flight may still fail in their threads: nothing they would
        # log after this point is news, and the stop line must be the process's last line
        logging.disable(logging.CRITICAL)
    print(
        f"pageflow: stopped by {stop.signal_name()}: nothing after it was committed; {where}",
        file=sys.stderr,
    )
    return exit_code(stop.stopped())


def entry() -> None:
    """The console script: `main`, then exit without waiting for abandoned calls."""
    code = main(last_line_after_stop=True)
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        # a stopped run abandons the vendor calls still in flight; their threads must not
        # hold the exit (they commit nothing), so leave without joining them
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    sys.exit(code)
