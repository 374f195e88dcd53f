"""dlt's connections to the lake: one DuckDB instance per load step, shared by its jobs.

dlt's own DuckLake pool opens a new DuckDB instance for every job of a load (extensions
loaded, the S3 secret created, the catalog attached: a PostgreSQL session and a read of
the catalog; then detached and closed): about 60 times in an hourly run of both vendors,
0.6 s each on 2 cores. The pool here opens the instance on a step's first borrow and hands
every job a connection of its own to it (`cursor()`: its own transaction, `USE` and search
path); the lake is detached and the instance closed when the last borrower returns, which
in a load step is when the step ends (dlt's job client holds a connection throughout).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any

import duckdb

log = logging.getLogger("pageflow.lake")

# DuckDB takes these only when a database opens (a later SET fails "while database is
# running"); dlt's pool passes only its user agent at connect and SETs the rest.
CONNECT_ONLY = ("allow_unsigned_extensions", "custom_user_agent")


@functools.cache
def connect_dlt_with_these_settings() -> None:
    """Give dlt's DuckLake loads this module's pool (once a process); the instance opens
    with the `CONNECT_ONLY` settings.

    dlt resolves its own `DuckLakeCredentials` from the fields of the ones it is given, so a
    subclass would be dropped: the class's `on_resolved`, which gives each credentials their
    pool, is the one place to choose the pool."""
    from dlt.destinations.impl.duckdb.configuration import DuckDbConnectionPool
    from dlt.destinations.impl.ducklake.configuration import DuckLakeCredentials
    from dlt.destinations.impl.ducklake.sql_client import DuckLakeSqlClient

    class Pool(DuckDbConnectionPool):
        """One DuckDB instance for all borrowers at once; a connection to it each."""

        def borrow_conn(
            self,
            global_config: dict[str, Any] | None = None,
            local_config: dict[str, Any] | None = None,
            pragmas: list[str] | None = None,
        ) -> duckdb.DuckDBPyConnection:
            with self._conn_lock:
                if self._conn is None:
                    config = {**(self.credentials.global_config or {}), **(global_config or {})}
                    at_connect = {key: config.pop(key) for key in CONNECT_ONLY if key in config}
                    instance = duckdb.connect(
                        database=self.credentials._conn_str(),
                        read_only=self.credentials.read_only,
                        config=at_connect,
                    )
                    try:
                        for name in self.credentials.extensions or ():
                            instance.sql(f"LOAD {name}")
                        self._apply_config(instance, "GLOBAL", config)
                        self._execute_statements(instance)
                    except Exception:
                        instance.close()
                        raise
                    self._conn = instance
                    self._served = 0
                conn = self._conn.cursor()
                self._conn_borrows += 1
                self._served += 1
            try:
                self._apply_local_config(conn, local_config, pragmas)
            except Exception:
                self.return_conn(conn)
                raise
            return conn

        def _close_conn(self) -> None:
            if self._conn is None:
                return
            name = self.credentials.ducklake_name  # type: ignore[attr-defined]
            try:
                self._conn.execute(f'detach database if exists "{name}"')
            except duckdb.Error:
                pass  # closing the instance lets go of the catalog all the same
            finally:
                self._conn.close()
                self._conn = None
            log.debug("lake: dlt's DuckDB instance closed after %d connections", self._served)

    def on_resolved(self: DuckLakeCredentials) -> None:
        self.conn_pool = Pool(self, always_open_connection=True)

    def close_connection(self: DuckLakeSqlClient) -> None:
        """dlt's close detaches the lake, which on a shared instance is every borrower's:
        only this connection's transaction ends here; the pool detaches at the end."""
        if self._conn:
            with contextlib.suppress(duckdb.Error):
                self._conn.execute("rollback")
            self.credentials.conn_pool.return_conn(self._conn)
            self._conn = None

    opened = DuckLakeSqlClient.open_connection

    def open_connection(self: DuckLakeSqlClient) -> duckdb.DuckDBPyConnection:
        """dlt's open (secret, `ATTACH IF NOT EXISTS`, `USE`, search path), one borrower at
        a time: two attaches of one lake racing on one instance fail."""
        with self.credentials.conn_pool._conn_lock:
            return opened(self)

    DuckLakeCredentials.on_resolved = on_resolved  # type: ignore[method-assign]
    DuckLakeSqlClient.open_connection = open_connection  # type: ignore[method-assign]
    DuckLakeSqlClient.close_connection = close_connection  # type: ignore[method-assign]
