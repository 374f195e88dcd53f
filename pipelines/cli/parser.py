"""The command line's options: every command, its options, and where logs go.

A usage error (an unknown command or option, a bad value) is argparse's exit 2, with the
nearest command or option suggested for a typo. Settings read from the environment
(`PAGEFLOW_LOG_LEVEL`, `PAGEFLOW_MAX_AGE_HOURS`) are checked by `environment_settings`:
a bad value there is a configuration error (78) naming the variable.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import sys
import tomllib
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from pipelines import VENDORS
from sources.shared.errors import ConfigurationError
from sources.shared.windows import parse_day

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_AGE_HOURS = 36.0

WAREHOUSE_HELP = (
    "the DuckDB file (default: warehouse.duckdb in the current directory), or a lake: "
    "'ducklake:postgres:dbname=... host=... user=...' with [warehouse] data_path set"
)


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


def _level(text: str) -> str:
    level = text.strip().upper()
    if level not in LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LEVELS)}")
    return level


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not hours >= 0:  # also NaN
        raise argparse.ArgumentTypeError(f"{text!r}: hours cannot be negative")
    return hours


class Parser(argparse.ArgumentParser):
    """argparse, suggesting the nearest command or option when one is mistyped."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        hint = self._suggestion(message)
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")

    def _suggestion(self, message: str) -> str:
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = re.findall(r"'([^']*)'", choice.group(2)) or [
                o.strip() for o in choice.group(2).split(",")
            ]
            return _nearest(choice.group(1), options)
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if unknown:
            known = [o for action in self._actions for o in action.option_strings]
            for sub in self._subparsers._group_actions if self._subparsers else []:
                for parser in getattr(sub, "choices", {}).values():
                    known += [o for a in parser._actions for o in a.option_strings]
            return _nearest(unknown.group(1).split("=")[0], known)
        return ""


def _nearest(word: str, options: list[str]) -> str:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


def environment_settings(args: argparse.Namespace) -> None:
    """Fill in the settings the environment may give, checked: a bad value is 78 naming
    the variable (not a traceback), whichever command reads it."""
    if args.log_level is None:
        value = os.environ.get("PAGEFLOW_LOG_LEVEL", "INFO")
        try:
            args.log_level = _level(value)
        except argparse.ArgumentTypeError as exc:
            raise ConfigurationError(f"PAGEFLOW_LOG_LEVEL: {exc}") from None
    if getattr(args, "max_age_hours", "unset") is None:
        value = os.environ.get("PAGEFLOW_MAX_AGE_HOURS", str(MAX_AGE_HOURS))
        try:
            args.max_age_hours = _hours(value)
        except argparse.ArgumentTypeError as exc:
            raise ConfigurationError(f"PAGEFLOW_MAX_AGE_HOURS: {exc}") from None


def check_config_files() -> None:
    """`.dlt/config.toml` and `.dlt/secrets.toml` (where dlt reads them: `DLT_PROJECT_DIR`
    or the working directory) must parse: a syntax error is 78 naming the file and the
    line, for every command, before any work (dlt would fail later, or skip the file)."""
    folder = Path(os.environ.get("DLT_PROJECT_DIR") or Path.cwd()) / ".dlt"
    for name in ("config.toml", "secrets.toml"):
        path = folder / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None


def _global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options every command takes, before or after its name (`pageflow sync --log-level
    DEBUG` and `pageflow --log-level DEBUG sync`): the subcommand's copy leaves the value
    alone unless it is given, so the one given wins wherever it stands."""
    parser.add_argument(
        "--log-level",
        type=_level,
        default=None if defaults else argparse.SUPPRESS,
        metavar="{debug,info,warning,error}",
        help="how much to log on stderr, any case (default INFO, or $PAGEFLOW_LOG_LEVEL)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pageflow",
        description="Sync Zoho PageSense and Mouseflow into a DuckDB warehouse.",
    )
    parser.add_argument("--version", action="version", version=_version())
    _global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

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
    sync.add_argument(
        "--no-models",
        action="store_true",
        help="publish the synced data without building the models (`pageflow models` "
        "builds every day changed since the last build, e.g. after several backfills)",
    )
    warehouse_option(sync)

    models = command("models", "build the dbt models (the changed days) and run their tests")
    warehouse_option(models)
    models.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every day of every mart, not only the days changed since the last build",
    )
    docs = command("docs", "write the models' documentation site (dbt docs, one HTML file)")
    warehouse_option(docs)
    docs.add_argument("--out", default="docs", help="the folder for index.html (default docs/)")
    demo = command("demo", "sync the built-in vendor sandbox, summarise, write a report")
    warehouse_option(demo)
    demo.add_argument("--out", default="report.html", help="the report (default report.html)")
    demo.add_argument(
        "--lake",
        nargs="?",
        const="demo-lake",
        metavar="DIR",
        help="sync into a throwaway lake instead: a PostgreSQL catalog started for the demo "
        "and Parquet files in DIR (default demo-lake/)",
    )
    warehouse_option(
        command("maintain", "a lake: merge small files, expire old snapshots; a file: compact it")
    )

    check = command("check", "sign in and call every endpoint once for yesterday; no warehouse")
    check.add_argument(
        "--vendor", action="append", choices=VENDORS, help="check only this vendor (repeatable)"
    )

    status = command("status", "how far each vendor, website and resource got")
    warehouse_option(status)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.add_argument(
        "--max-age-hours",
        type=_hours,
        default=None,
        help="a resource whose last sync is older is stale: exit 3 "
        f"(default {MAX_AGE_HOURS:g}, or $PAGEFLOW_MAX_AGE_HOURS)",
    )

    report = command("report", "write a self-contained HTML report with charts")
    warehouse_option(report)
    report.add_argument("--out", default="report.html", help="the file (default report.html)")
    report.add_argument("--days", type=int, default=28, help="the last N days of data (default 28)")

    export = command("export", "write the marts as files for tools that prefer files")
    warehouse_option(export)
    export.add_argument("--format", choices=["parquet"], default="parquet", help="parquet")
    export.add_argument(
        "directory", help="where to write <mart>.parquet (created if missing, not its parents)"
    )
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # dlt warns about arrow hint merges on every chunk; its errors still show.
    logging.getLogger("dlt").setLevel(logging.DEBUG if level == "DEBUG" else logging.ERROR)
