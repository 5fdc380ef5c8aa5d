"""Configuration: config/default.toml, then an optional file named by WFAPP_CONFIG, then
WFAPP_* environment variables, then the mapping given to create_app (tests)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from wfapp.database import is_mysql
from wfapp.storage import check_config as check_storage

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("WFAPP_CONFIG_DIR", ROOT / "config"))
DEFAULT_DATABASE_URL = "sqlite:///wfapp.db"


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    with open(CONFIG_DIR / "default.toml", "rb") as fh:
        app.config.from_mapping(tomllib.load(fh))
    extra = os.environ.get("WFAPP_CONFIG")
    if extra:
        with open(extra, "rb") as fh:
            app.config.from_mapping(tomllib.load(fh))
    app.config.from_prefixed_env("WFAPP")
    if overrides:
        app.config.from_mapping(overrides)

    url = str(app.config["DATABASE_URL"])
    app.config["USES_DEFAULT_DATABASE"] = url == DEFAULT_DATABASE_URL
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_utf8mb4(_absolute_sqlite(url, app.instance_path))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(url))
    # Flask's own defaults include these keys (SameSite None), so setdefault would not apply.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("MIGRATIONS_DIR", str(ROOT / "migrations"))
    app.config["SCHEMES_DIR"] = str(CONFIG_DIR / str(app.config.get("SCHEMES_DIR") or "schemes"))
    evidence_dir = str(app.config.get("EVIDENCE_DIR") or "evidence")
    app.config["EVIDENCE_DIR"] = os.path.join(app.instance_path, evidence_dir)
    check_storage(app.config)
    # Every request body is bounded by MAX_CONTENT_LENGTH; views that take a file allow their
    # own limit (EVIDENCE_MAX_BYTES, MAX_UPLOAD_BYTES) plus the form (wfapp.bounds). Flask's
    # defaults put MAX_CONTENT_LENGTH = None into app.config first, so setdefault would keep it.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = 1_048_576


def _absolute_sqlite(url: str, instance_path: str) -> str:
    """A relative SQLite path lives under instance/, like the Flask tutorial's database."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        path = url[len(prefix) :]
        if not os.path.isabs(path):
            os.makedirs(instance_path, exist_ok=True)
            return prefix + os.path.join(instance_path, path)
    return url


def _with_utf8mb4(url: str) -> str:
    """MariaDB/MySQL: the connection speaks utf8mb4 (every Chinese character, not only the
    three-byte ones of MySQL's "utf8") unless the URL names a charset itself."""
    parsed = make_url(url)
    if not is_mysql(parsed.get_dialect().name) or "charset" in parsed.query:
        return url
    return parsed.update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    if is_mysql(make_url(url).get_dialect().name):
        # PostgreSQL's default isolation, so that a transaction sees what others committed
        # (InnoDB's default, REPEATABLE READ, would keep reading its first snapshot); the
        # server closes idle connections after wait_timeout, so recycle them before.
        return {"pool_pre_ping": True, "pool_recycle": 3600, "isolation_level": "READ COMMITTED"}
    return {"pool_pre_ping": True}
