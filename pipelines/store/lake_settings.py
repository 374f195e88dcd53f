"""The lake's settings: DuckLake's attach string from `--warehouse`, the rest from `[warehouse]`.

`--warehouse 'ducklake:postgres:<libpq conninfo>'` names the catalog exactly as a BI tool
attaches it; the data path, the object store, and the secrets (the catalog password, the
store's keys) come from `[warehouse]` in `.dlt/config.toml` / `.dlt/secrets.toml` or the
`WAREHOUSE__*` variables (read through dlt's config providers, as every setting is).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.store.paths import LAKE_PREFIX
from sources.shared.errors import ConfigurationError, first_line
from sources.shared.settings import number, read_value, text

SECTION = "warehouse"
RETENTION_DAYS = 7.0
ALIAS = "lake"  # the name pageflow attaches the lake under


@dataclass(frozen=True)
class S3Settings:
    endpoint: str | None
    region: str
    url_style: str
    use_ssl: bool
    key_id: str | None = field(repr=False)
    secret: str | None = field(repr=False)


@dataclass(frozen=True)
class LakeSettings:
    given: str  # the attach string as written, the password cut out
    conninfo: dict[str, str] = field(repr=False)  # libpq keywords, the password left out
    password: str | None = field(repr=False)
    data_path: str
    s3: S3Settings | None
    retention_days: float
    postgres_marts: str | None = field(repr=False)
    work_dir: Path

    @property
    def name(self) -> str:
        """The attach string as the user wrote it, without a password."""
        return self.given

    @property
    def catalog_conninfo(self) -> str:
        return conninfo_text(self.conninfo)

    @property
    def bucket(self) -> str:
        """`s3://<bucket>/` of an object-store data path: the scope of its S3 secret."""
        return "s3://" + self.data_path.removeprefix("s3://").split("/")[0] + "/"

    def secrets(self) -> list[str]:
        """Every secret value, for scrubbing any text that might carry one."""
        values = [self.password, self.s3.key_id if self.s3 else None]
        values += [self.s3.secret if self.s3 else None, _url_password(self.postgres_marts)]
        return [v for v in values if v]

    def scrub(self, message: str) -> str:
        for secret in self.secrets():
            message = message.replace(secret, "***")
        return _scrub_text(message)


def read_lake_settings(spec: str) -> LakeSettings:
    """The lake named by `spec` with its `[warehouse]` settings; 78 for anything unusable."""
    spec = spec.strip()
    if not spec.lower().startswith(LAKE_PREFIX):
        raise ConfigurationError(
            "--warehouse: a lake is named by DuckLake's attach string with a PostgreSQL "
            "catalog, 'ducklake:postgres:dbname=... host=... user=...'"
        )
    conninfo = parse_conninfo(spec[len(LAKE_PREFIX) :])
    password = conninfo.pop("password", None) or text("catalog_password", SECTION)
    if "dbname" not in conninfo:
        raise ConfigurationError("--warehouse: the lake's attach string must name dbname=...")
    data_path = text("data_path", SECTION)
    if not data_path:
        raise ConfigurationError(
            "WAREHOUSE__DATA_PATH is required for a lake: a directory or s3://bucket/prefix/ "
            "where its Parquet files live"
        )
    retention = number("snapshot_retention_days", SECTION, default=RETENTION_DAYS)
    return LakeSettings(
        given=" ".join(_scrub_text(spec).replace("password=***", "").split()),
        conninfo=conninfo,
        password=password,
        data_path=_data_path(data_path),
        s3=_s3() if data_path.startswith("s3://") else None,
        retention_days=retention,
        postgres_marts=text("postgres_marts", SECTION),
        work_dir=_work_dir(conninfo),
    )


def parse_conninfo(text_value: str) -> dict[str, str]:
    """libpq's `key=value` conninfo (values may be 'quoted'), or a postgres:// URL."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parsed = conninfo_to_dict(text_value)
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own message
        raise ConfigurationError(
            "--warehouse: the lake's connection string cannot be read: "
            f"{_scrub_text(first_line(exc))}"
        ) from None
    return {k: str(v) for k, v in parsed.items() if v is not None}


def conninfo_text(conninfo: dict[str, str]) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**conninfo)


def catalog_url(conninfo: dict[str, str]) -> str:
    """The catalog as a postgres:// URL without the password (libpq takes it from
    PGPASSWORD), which is how dlt's ducklake destination wants it."""
    from urllib.parse import quote

    user = quote(conninfo.get("user", "postgres"), safe="")
    host = conninfo.get("host", "localhost")
    port = conninfo.get("port", "5432")
    extra = {k: v for k, v in conninfo.items() if k not in ("user", "host", "port", "dbname")}
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in extra.items())
    url = f"postgres://{user}@{host}:{port}/{quote(conninfo['dbname'], safe='')}"
    return url + (f"?{query}" if query else "")


def _data_path(value: str) -> str:
    """A directory (made absolute: DuckLake stores it in the catalog) or an object-store
    prefix, always ending in '/'."""
    value = value.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", value) and not value.startswith("file://"):
        return value.rstrip("/") + "/"
    local = value.removeprefix("file://")
    return str(Path(local).expanduser().resolve()) + "/"


def _s3() -> S3Settings:
    style = (text("s3_url_style", SECTION) or "vhost").lower()
    if style not in ("path", "vhost"):
        raise ConfigurationError(f"WAREHOUSE__S3_URL_STYLE must be path or vhost, not {style!r}")
    ssl = read_value("s3_use_ssl", SECTION)
    use_ssl = True if ssl is None or ssl == "" else str(ssl).strip().lower() in ("true", "1")
    if ssl is not None and str(ssl).strip().lower() not in ("true", "1", "false", "0", ""):
        raise ConfigurationError(f"WAREHOUSE__S3_USE_SSL must be true or false, not {ssl!r}")
    return S3Settings(
        endpoint=text("s3_endpoint", SECTION),
        region=text("s3_region", SECTION) or "us-east-1",
        url_style=style,
        use_ssl=use_ssl,
        key_id=text("s3_key_id", SECTION),
        secret=text("s3_secret", SECTION),
    )


def _work_dir(conninfo: dict[str, str]) -> Path:
    """This host's working folder for the lake (dlt's load packages, the PageSense token).
    Nothing in it is needed: positions and audit live in the lake."""
    configured = text("work_dir", SECTION)
    if configured:
        return Path(configured).expanduser().resolve()
    identity = "|".join(conninfo.get(k, "") for k in ("host", "port", "dbname", "user"))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "pageflow" / "lakes" / digest


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlparse

    try:
        return urlparse(url).password
    except ValueError:
        return None


def _scrub_text(message: str) -> str:
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", message, flags=re.I)
