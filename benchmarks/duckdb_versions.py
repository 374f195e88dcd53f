"""The load path and the model build on the pinned DuckDB and on DuckDB 2.0, in one run.

pageflow pins DuckDB 1.5.5 because its lake extensions install from the package registry
(2.0's come only from DuckDB's online repository). This runs `benchmarks.load_path` and
`benchmarks.publish` once per version, each in the locked environment with that DuckDB
laid over it (`uv run --with duckdb==V`), and prints their figures side by side.

    uv run python -m benchmarks.duckdb_versions [--versions 1.5.5 2.0.0] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def run(version: str, *command: str) -> list[str]:
    done = subprocess.run(
        ["uv", "run", "--locked", "--with", f"duckdb=={version}", "python", "-m", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return [f"failed: {done.stderr.strip().splitlines()[-1:]}"]
    return [line for line in done.stdout.splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", nargs="+", default=["1.5.5", "2.0.0"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    for version in args.versions:
        print(f"== duckdb {version}", flush=True)
        for line in run(version, "benchmarks.load_path", "--rows", "200000"):
            print(f"  load path: {line}", flush=True)
        for line in run(version, "benchmarks.publish", "--rows", str(args.rows)):
            print(f"  models and publish: {line}", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
