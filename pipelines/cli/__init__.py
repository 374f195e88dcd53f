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
from pipelines.store.paths import is_lake, not_a_directory, parent_must_exist
from pipelines.store.runtime import prepare_dlt_environment
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
    prepare_dlt_environment()  # before anything imports dlt: it reads them at import
    configure_logging(args.log_level)
    spec = str(getattr(args, "warehouse", "warehouse.duckdb"))
    lake = is_lake(spec)
    path = Path(spec).expanduser().resolve()
    target: str | Path = spec if lake else path
    os.umask(UMASK)  # the warehouse holds visitors' IPs and cities: no world access
    try:
        if args.command == "check":
            return _check(args.vendor)
        if args.command == "demo" and args.lake:
            return _demo_lake(args, Path(args.lake))
        if not lake:
            not_a_directory(path)
        if args.command == "status":
            return _status(target, args.json, args.max_age_hours)
        if args.command == "report":
            return _report(target, Path(args.out), args.days)
        if args.command == "export":
            return _export(target, Path(args.directory))
        if args.command == "docs":
            return _docs(target, Path(args.out))
        if args.command == "sync" and args.end and args.end > latest_today():
            raise ConfigurationError(f"--end {args.end} is in the future: it has no data yet")
        if args.command == "sync" and args.start and args.start > latest_today():
            raise ConfigurationError(f"--start {args.start} is in the future: it has no data yet")
        if args.command == "sync" and args.start and args.end and args.start > args.end:
            print(
                f"pageflow: error: --start {args.start} is after --end {args.end}", file=sys.stderr
            )
            return EXIT_CONFIG
        if lake:
            from pipelines.store.lake_lock import LakeLock
            from pipelines.store.lake_settings import read_lake_settings

            lock: LakeLock | SyncLock = LakeLock(read_lake_settings(spec))
        else:
            parent_must_exist(path)  # the first sync creates the file, not folders
            lock = SyncLock(path)
        with lock, stop.handling_signals():
            return _locked(args, target)
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


def _status(target: str | Path, as_json: bool, max_age_hours: float) -> int:
    from pipelines.readers.status import status
    from pipelines.store.choose import open_warehouse

    now = datetime.now(UTC).replace(tzinfo=None)
    found = status(open_warehouse(target), max_age_hours, as_json, now)
    print(found.text)
    if found.problems:
        print(f"pageflow: status: {'; '.join(found.problems)}", file=sys.stderr)
        return EXIT_BEHIND
    return 0


def _report(target: str | Path, out: Path, days: int) -> int:
    from pipelines.readers.report import write_report
    from pipelines.store.choose import open_warehouse

    written = write_report(open_warehouse(target), out, days)
    print(f"report written to {written}")
    return 0


def _export(target: str | Path, directory: Path) -> int:
    from pipelines.readers.export import export_parquet
    from pipelines.store.choose import open_warehouse

    files = export_parquet(open_warehouse(target), directory)
    print(f"{len(files)} marts written to {directory.resolve()} as Parquet")
    return 0


def _docs(target: str | Path, out: Path) -> int:
    from pipelines.models.docs import write_site
    from pipelines.store.choose import open_warehouse

    warehouse = open_warehouse(target)
    if not warehouse.is_published():
        raise ConfigurationError(
            f"no warehouse at {warehouse.name}: check --warehouse, or run `pageflow sync`"
        )
    with stop.handling_signals():
        written = write_site(warehouse, out)
    print(f"documentation written to {written} (open it in a browser)")
    return 0


def _locked(args: argparse.Namespace, target: str | Path) -> int:
    """The commands that write the warehouse; the caller holds its lock."""
    from pipelines.store.choose import open_warehouse

    warehouse = open_warehouse(target)
    if args.command == "maintain":
        from pipelines.run.sync import maintain

        print(maintain(warehouse))
        return 0
    if args.command == "models":
        from pipelines.run.sync import rebuild

        built = rebuild(warehouse, full_refresh=args.full_refresh)
        print(f"built {len(built.models)} models ({built.scope}); {len(built.tests)} tests passed")
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

        outcome = sync(
            warehouse,
            args.vendor,
            args.start,
            args.end,
            build_models=not args.no_models,
            take_lock=False,
        )
    if outcome.stopped:
        return _stopped(outcome.resume_points())
    for vendor in outcome.vendors:
        if vendor.skipped:
            print(f"pageflow: {vendor.vendor} skipped: no credentials configured", file=sys.stderr)
    if outcome.error is not None:
        print(f"pageflow: error: {outcome.error}", file=sys.stderr)
        return exit_code(outcome.error)
    return 0


def _demo_lake(args: argparse.Namespace, directory: Path) -> int:
    """`pageflow demo --lake DIR`: a throwaway catalog, the lake's files in DIR."""
    from pipelines.cli.demo import run_demo_lake

    parent_must_exist(directory.resolve())
    with stop.handling_signals():
        outcome, summary = run_demo_lake(directory.resolve(), report=Path(args.out))
    print(summary)
    if outcome.stopped:
        return _stopped(outcome.resume_points())
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


def _release_semaphores() -> None:
    """Unlink the semaphores that atexit would (dbt's adapter holds one while dbt parses
    in the background): `os._exit` skips atexit, and multiprocessing's resource tracker
    would then print a warning about them after the stop line."""
    import multiprocessing.util

    finalizers = getattr(multiprocessing.util, "_run_finalizers", None)
    if finalizers is not None:
        finalizers(0)


def entry() -> None:
    """The console script: `main`, then exit without waiting for abandoned calls."""
    code = main(last_line_after_stop=True)
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        # a stopped run abandons the vendor calls still in flight; their threads must not
        # hold the exit (they commit nothing), so leave without joining them
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        _release_semaphores()
        os._exit(code)
    sys.exit(code)
