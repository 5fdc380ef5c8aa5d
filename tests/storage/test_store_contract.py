"""The two backends keep the same promises: what is put is read back whole, a missing key
says so, deleting is quiet, the listing names every object (orphans and unfinished writes
included)."""

from __future__ import annotations

import io

import pytest

from wfapp.storage import ConfigError, Missing, check_config, store

from .conftest import bucket_keys


def test_put_open_stat_delete_round_trip(backend_app):
    """A stored object comes back byte for byte, under a Chinese key too, and is gone after
    delete."""
    target = store("evidence")
    data = b"%PDF-1.4\n" + bytes(range(256)) * 5000  # past one chunk
    for key in ("a1b2.pdf", "佐证材料.pdf"):
        target.put(key, io.BytesIO(data), len(data), "application/pdf")
        with target.open(key) as fh:
            assert fh.read() == data
        assert target.stat(key).size == len(data)
    assert {s.key for s in target.listing()} == {"a1b2.pdf", "佐证材料.pdf"}
    target.delete("a1b2.pdf")
    target.delete("a1b2.pdf")  # absent: no error
    assert target.stat("a1b2.pdf") is None
    with pytest.raises(Missing):
        target.open("a1b2.pdf")


def test_keys_cannot_leave_the_area(backend_app):
    """A key with a path in it is refused by either backend."""
    target = store("evidence")
    for key in ("../x.pdf", "/etc/passwd", ""):
        with pytest.raises(ValueError):
            target.put(key, io.BytesIO(b"x"), 1, "application/pdf")


def test_the_bucket_is_created_when_missing_under_the_configured_prefix(s3_app, seaweed):
    """Does wfapp create its bucket on first use and keep keys under S3_PREFIX/evidence/?"""
    bucket = s3_app.config["S3_BUCKET"]
    assert bucket not in {b["Name"] for b in seaweed.client().list_buckets()["Buckets"]}
    store("evidence").put("k.pdf", io.BytesIO(b"%PDF-"), 5, "application/pdf")
    assert bucket_keys(seaweed, bucket) == ["site1/evidence/k.pdf"]
    head = seaweed.client().head_object(Bucket=bucket, Key="site1/evidence/k.pdf")
    assert head["ContentType"] == "application/pdf"


def test_a_wrong_backend_or_a_short_bucket_name_is_refused_at_start():
    """STORAGE must be local or s3; a bucket name needs three characters."""
    with pytest.raises(ConfigError):
        check_config({"STORAGE": "ftp"})
    with pytest.raises(ConfigError):
        check_config({"STORAGE": "s3", "S3_BUCKET": "ab"})
    check_config({"STORAGE": "s3", "S3_BUCKET": "abc"})
