"""The lake's lock: a PostgreSQL advisory lock on the catalog, so two syncs on any two hosts
never write one lake at once.

Held on a connection of its own for the whole run; PostgreSQL drops it the moment that
session ends, so a killed run (or a lost host, once its TCP session times out) releases it.
The holder sets its `application_name`, and a second sync names it in its one-line
refusal (exit 75). Light on purpose (psycopg, no dlt, no DuckDB): it answers at once.
"""

from __future__ import annotations

import os
import socket
from types import TracebackType
from typing import Any

from pipelines.store.lake_settings import LakeSettings
from sources.shared.errors import ConfigurationError, WarehouseBusy, first_line

# pg_try_advisory_lock(int4, int4): a class for pageflow, an object for the lake's schema
LOCK_CLASS = 0x70666C77  # "pflw"
LOCK_OBJECT = 1
CONNECT_TIMEOUT = "10"
# libpq's words for a catalog that answers and refuses (configuration, 78); anything else
# is a catalog out of reach (75, try later)
_REFUSED = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    "does not exist",
    "pg_hba.conf",
    "permission denied",
    "invalid",
    "ssl",
)


class CatalogUnreachable(WarehouseBusy):
    """The lake's catalog does not answer (exit 75: try again later)."""


def catalog_error(settings: LakeSettings, exc: BaseException) -> Exception:
    """A libpq failure as one line naming the catalog, no secret in it: 78 or 75."""
    text = str(exc).strip()
    reason = settings.scrub(first_line(exc).removeprefix("FATAL:").strip())
    where = settings.name
    if any(word in text.lower() for word in _REFUSED):
        return ConfigurationError(f"the lake's catalog ({where}) refused pageflow: {reason}")
    return CatalogUnreachable(f"the lake's catalog ({where}) is out of reach: {reason}")


def connect_catalog(settings: LakeSettings, application: str) -> Any:
    """A psycopg connection to the catalog database (autocommit)."""
    import psycopg

    params: dict[str, Any] = dict(settings.conninfo)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT)
    params["application_name"] = application[:63]
    if settings.password:
        params["password"] = settings.password
    try:
        return psycopg.connect(autocommit=True, **params)
    except psycopg.Error as exc:
        raise catalog_error(settings, exc) from None


def holder_name() -> str:
    return f"pageflow sync pid {os.getpid()} on {socket.gethostname()}"


class LakeLock:
    """`with LakeLock(settings):` one sync of the lake at a time, on any host."""

    def __init__(self, settings: LakeSettings) -> None:
        self.settings = settings
        self._con: Any = None

    def __enter__(self) -> LakeLock:
        con = connect_catalog(self.settings, holder_name())
        try:
            taken = con.execute(
                "select pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, LOCK_OBJECT)
            ).fetchone()[0]
            holder = None if taken else self._holder(con)
        except Exception as exc:
            con.close()
            raise catalog_error(self.settings, exc) from None
        if not taken:
            con.close()
            raise WarehouseBusy(
                f"another sync holds the lake {self.settings.name} ({holder}); try again later"
            )
        self._con = con
        return self

    @staticmethod
    def _holder(con: Any) -> str:
        row = con.execute(
            "select a.application_name, a.client_addr::text, a.pid from pg_locks l "
            "join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' "
            "and l.granted and l.classid::bigint = %s and l.objid::bigint = %s limit 1",
            (LOCK_CLASS, LOCK_OBJECT),
        ).fetchone()
        if row is None:
            return "a session that has just let go"
        name, address, pid = row
        return f"{name or 'session'} from {address or 'a local socket'}, catalog pid {pid}"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._con is not None:
            try:
                self._con.close()  # the session ends: PostgreSQL releases the lock
            finally:
                self._con = None
