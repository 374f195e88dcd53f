"""The profile pageflow writes for dbt: every lake gets the same text (one parse serves them
all), its places and keys reach dbt only through the environment while it runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.models import dbt
from pipelines.store.lake import Lake

SPEC = "ducklake:postgres:dbname={db} host=127.0.0.1 port=5999 user=pageflow"


def lake(monkeypatch: pytest.MonkeyPatch, tmp: Path, db: str, bucket: str) -> Lake:
    monkeypatch.setenv("WAREHOUSE__DATA_PATH", f"s3://{bucket}/lake/")
    monkeypatch.setenv("WAREHOUSE__S3_ENDPOINT", "127.0.0.1:9999")
    monkeypatch.setenv("WAREHOUSE__S3_KEY_ID", f"key-of-{bucket}")
    monkeypatch.setenv("WAREHOUSE__S3_SECRET", f"secret-of-{bucket}")
    monkeypatch.setenv("WAREHOUSE__WORK_DIR", str(tmp / db))
    return Lake.at(SPEC.format(db=db))


def test_two_lakes_write_the_same_profile_and_name_their_places_only_while_dbt_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    texts = []
    for db, bucket in (("first_lake", "bucket-one"), ("second_lake", "bucket-two")):
        warehouse = lake(monkeypatch, tmp_path, db, bucket)
        dbt.write_profile(warehouse, tmp_path / db)
        text = (tmp_path / db / "profiles.yml").read_text()
        for own in (db, bucket, f"secret-of-{bucket}", f"key-of-{bucket}"):
            assert own not in text
        texts.append(text)
        with dbt._secrets_in_environment(warehouse):
            catalog = os.environ["PAGEFLOW_DBT_CATALOG"]
            assert catalog.startswith("ducklake:postgres:") and f"dbname={db}" in catalog
            assert os.environ["PAGEFLOW_DBT_DATA_PATH"] == f"s3://{bucket}/lake/"
            assert os.environ["PAGEFLOW_DBT_S3_SCOPE"] == f"s3://{bucket}/"
            assert os.environ["PAGEFLOW_DBT_S3_SECRET"] == f"secret-of-{bucket}"
        assert "PAGEFLOW_DBT_CATALOG" not in os.environ
        assert "PAGEFLOW_DBT_S3_SECRET" not in os.environ
    assert texts[0] == texts[1]
