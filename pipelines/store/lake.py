"""The lake: DuckLake with a PostgreSQL catalog and Parquet files in a directory or a bucket.

The second kind of warehouse, for users who outgrow one file and one host. dlt's
`ducklake` destination loads the raw tables, the model runner builds the marts in one
catalog transaction (a reader sees one run's marts or the previous run's, never a mix),
and nothing is copied: readers attach the same string and DuckLake's snapshots keep each
reader's view steady while a sync writes. One sync at a time on any host (`lake_lock`);
positions and the audit live in the lake, so a run on another host resumes where this one
stopped. The folder on this host (`work_dir`) holds only dlt's load packages in flight
and the PageSense token.

It answers to the same calls as `pipelines.store.warehouse.Warehouse`, so the run loop,
the models and the readers do not ask which kind they have.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb

from pipelines.store import extensions, lake_pool
from pipelines.store.capabilities import answered_once
from pipelines.store.lake_lock import LakeLock, catalog_error, connect_catalog
from pipelines.store.lake_settings import ALIAS, LakeSettings, catalog_url, read_lake_settings
from pipelines.store.lock import private_folder
from pipelines.store.settings import (
    LAKE_LOAD_MEMORY_LIMIT,
    duckdb_threads,
    load_memory_limit,
    model_memory_limit,
    set_threads,
)
from pipelines.store.sql import literal
from sources.shared.errors import ConfigurationError, first_line

log = logging.getLogger("pageflow.lake")

METADATA_SCHEMA = "public"  # what a plain `ATTACH 'ducklake:postgres:...'` reads
VENDOR_SCHEMAS = ("pagesense", "mouseflow")


class NoLakeYet(ConfigurationError):
    """The catalog holds no lake yet (readers: exit 78, as for a file never synced)."""


@dataclass(frozen=True)
class Lake:
    settings: LakeSettings
    # once the lake holds data it keeps holding it: asked again, no second catalog trip
    _known: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    is_lake = True

    @classmethod
    def at(cls, spec: str) -> Lake:
        settings = read_lake_settings(spec)
        if settings.password:
            # libpq reads it for every catalog session (DuckDB's, dlt's, the lock's), so the
            # password appears in no attach string, log or error message
            os.environ["PGPASSWORD"] = settings.password
        return cls(settings)

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def path(self) -> str:
        """What messages call the warehouse: the attach string, without a password."""
        return self.settings.name

    @property
    def folder(self) -> Path:
        return self.settings.work_dir

    @property
    def pipelines_dir(self) -> Path:
        return self.folder / "dlt"

    def pipeline(self, vendor: str) -> dlt.Pipeline:
        """The dlt pipeline loading `vendor` into its own schema of the lake."""
        return dlt.pipeline(
            pipeline_name=f"pageflow_{vendor}",
            destination=self._destination(),
            dataset_name=vendor,
            pipelines_dir=str(self.pipelines_dir),
        )

    def _destination(self) -> dlt.destinations.ducklake:
        from dlt.common.configuration.specs import AwsCredentials
        from dlt.common.storages.configuration import FilesystemConfiguration
        from dlt.destinations.impl.ducklake.configuration import DuckLakeCredentials

        settings = self.settings
        storage = FilesystemConfiguration(bucket_url=settings.data_path)
        if settings.s3 is not None:
            s3 = settings.s3
            aws = AwsCredentials()
            aws.aws_access_key_id = s3.key_id
            aws.aws_secret_access_key = s3.secret
            aws.region_name = s3.region
            aws.s3_url_style = s3.url_style
            if s3.endpoint:
                scheme = "https" if s3.use_ssl else "http"
                aws.endpoint_url = f"{scheme}://{s3.endpoint.split('://')[-1]}"
            storage.credentials = aws
        lake_pool.connect_dlt_with_these_settings()
        credentials = DuckLakeCredentials(
            ALIAS, catalog=catalog_url(settings.conninfo), storage=storage
        )
        credentials.metadata_schema = METADATA_SCHEMA
        credentials.global_config = {
            **extensions.duckdb_config(),
            "memory_limit": load_memory_limit() or LAKE_LOAD_MEMORY_LIMIT,
        }
        if (threads := duckdb_threads()) is not None:
            credentials.global_config["threads"] = threads
        return answered_once(dlt.destinations.ducklake(credentials=credentials))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the lake, as any reader attaches it."""
        return self._attach(read_only=True)

    def connect_work(self) -> duckdb.DuckDBPyConnection:
        """A read-write connection to the lake (`USE lake`: names resolve inside it)."""
        return self._attach(read_only=False)

    def _attach(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        con = extensions.connect()
        try:
            if not read_only:
                con.execute(f"set memory_limit = '{model_memory_limit()}'")
                set_threads(con)
            self._create_secret(con)
            options = [f"data_path {literal(self.settings.data_path)}"]
            options.append(f"metadata_schema {literal(METADATA_SCHEMA)}")
            if read_only:
                options.append("read_only")
            target = literal("ducklake:postgres:" + self.settings.catalog_conninfo)
            con.execute(f"attach {target} as {ALIAS} ({', '.join(options)})")
            con.execute(f"use {ALIAS}")
        except duckdb.Error as exc:
            con.close()
            raise self.error(exc) from None
        return con

    def _create_secret(self, con: duckdb.DuckDBPyConnection) -> None:
        s3 = self.settings.s3
        if s3 is None:
            return
        parts = [
            "type s3",
            f"region {literal(s3.region)}",
            f"url_style {literal(s3.url_style)}",
            f"use_ssl {'true' if s3.use_ssl else 'false'}",
            f"scope {literal(self.settings.bucket)}",
        ]
        if s3.endpoint:
            parts.append(f"endpoint {literal(s3.endpoint.split('://')[-1])}")
        if s3.key_id:
            parts.append(f"key_id {literal(s3.key_id)}")
        if s3.secret:
            parts.append(f"secret {literal(s3.secret)}")
        con.execute(f"create or replace temporary secret pageflow_lake ({', '.join(parts)})")

    def error(self, exc: BaseException) -> Exception:
        """A DuckDB or libpq failure on the lake as one line: 75 out of reach, else 78."""
        text = str(exc)
        if "creating a new DuckLake is explicitly disabled" in text:
            return NoLakeYet(f"no lake at {self.name} yet: run `pageflow sync` first")
        if "postgres" in text.lower() or "connection" in text.lower():
            return catalog_error(self.settings, exc)
        return ConfigurationError(
            f"cannot use the lake {self.name}: {self.settings.scrub(first_line(exc))}"
        )

    def size_load(self, pipeline: dlt.Pipeline) -> None:
        """Nothing: the lake's load cap is fixed (`WAREHOUSE__LOAD_MEMORY_LIMIT`, 256MB
        unless set), its size not a file's to read."""

    def lock(self) -> LakeLock:
        return LakeLock(self.settings)

    def has_data(self) -> bool:
        """Whether anything was loaded: a vendor's schema exists in the lake."""
        if self._known.get("has_data"):
            return True
        try:
            con = self.connect()
        except NoLakeYet:
            return False
        with con:
            found = con.execute(
                "select count(*) from duckdb_schemas() where database_name = ? "
                "and schema_name in ('pagesense', 'mouseflow')",
                [ALIAS],
            ).fetchall()[0][0]
        self._known["has_data"] = bool(found)
        return bool(found)

    def is_published(self) -> bool:
        return self.has_data()

    def prepare(self) -> None:
        """This host's folder (private), the catalog reachable, the data path writable."""
        private_folder(self.folder)
        connect_catalog(self.settings, "pageflow check").close()
        self._check_data_path()

    def _check_data_path(self) -> None:
        path = self.settings.data_path
        if self.settings.s3 is None:
            folder = Path(path)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / ".pageflow-write-test"
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as exc:
                raise ConfigurationError(
                    f"WAREHOUSE__DATA_PATH {path} is not usable: {exc.strerror or exc}"
                ) from None
            return
        with extensions.connect() as con:
            try:
                self._create_secret(con)
                target = literal(path + ".pageflow-write-test.parquet")
                con.execute(f"copy (select 1 as ok) to {target} (format parquet)")
            except duckdb.Error as exc:
                raise ConfigurationError(
                    f"WAREHOUSE__DATA_PATH {path} is not usable: "
                    f"{self.settings.scrub(first_line(exc))}"
                ) from None
