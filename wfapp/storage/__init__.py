"""Where stored files' bytes live: a local folder (the embedded default, one machine) or an
S3-compatible object store shared by every app node (`STORAGE = "s3"`).

The database says which files exist (evidence_file rows); a store only keeps bytes under
keys. A key is written before the row's transaction commits and removed when it fails
(`wfapp.services.evidence.files_removed_on_error`); what a killed process leaves behind
has no row and is swept (`wfapp.storage.maintenance.sweep`, run by the scheduler).

Exported Excel files are built per request and imported ones parsed in memory, so evidence
is the one area that is stored; another area is one more entry in AREAS.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

# The interface lives in base.py so that the backends need not import this package.
from wfapp.storage.base import CHUNK, Missing, Store, Stored

__all__ = ["CHUNK", "Missing", "Store", "Stored", "check_config", "store"]

BACKENDS = ("local", "s3")
# area → the config key of its folder in the local backend; in S3 the area is a key prefix.
AREAS = {"evidence": "EVIDENCE_DIR"}


class ConfigError(ValueError):
    pass


def check_config(config: dict) -> None:
    """Refuse a misconfigured storage at start-up rather than at the first upload."""
    backend = str(config.get("STORAGE") or "local")
    if backend not in BACKENDS:
        raise ConfigError(f"STORAGE must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "s3" and len(str(config.get("S3_BUCKET") or "")) < 3:
        raise ConfigError("S3_BUCKET must name a bucket of at least 3 characters")


_lock = threading.Lock()


def store(area: str = "evidence", app: Flask | None = None) -> Store:
    """The store of `area` as the app's configuration chooses it.

    Local stores are cheap and read the folder from the config each time (tests change it);
    one S3 client per configuration is kept per process (boto3 clients are thread-safe)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    if str(config.get("STORAGE") or "local") == "local":
        from wfapp.storage.local import LocalStore

        return LocalStore(config[AREAS[area]])
    from wfapp.storage.s3 import S3Store, settings_from

    settings = settings_from(config)
    cache = app.extensions.setdefault("wfapp_s3", {})
    with _lock:
        if (settings, area) not in cache:
            cache[(settings, area)] = S3Store(settings, area)
        return cache[(settings, area)]
