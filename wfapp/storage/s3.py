"""The S3 backend (boto3): any S3-compatible object store — AWS S3, MinIO, SeaweedFS, Ceph.

Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
~/.aws/credentials, an instance role), never from wfapp's own files. The bucket is created on
first use when missing. Uploads go through boto3's managed transfer: a large file is sent in
parts, and S3 makes the object visible only once it is complete.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from wfapp.storage.base import CHUNK, Missing, Stored

NOT_FOUND = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None
    bucket: str
    region: str
    prefix: str


def settings_from(config: Mapping[str, Any]) -> S3Settings:
    prefix = str(config.get("S3_PREFIX") or "").strip("/")
    return S3Settings(
        endpoint_url=str(config.get("S3_ENDPOINT_URL") or "") or None,
        bucket=str(config["S3_BUCKET"]),
        region=str(config.get("S3_REGION") or "us-east-1"),
        prefix=f"{prefix}/" if prefix else "",
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Store:
    def __init__(self, settings: S3Settings, area: str) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.base = f"{settings.prefix}{area}/"
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            config=Config(
                # Path-style addressing: an endpoint given by address has no bucket subdomains.
                s3={"addressing_style": "path" if settings.endpoint_url else "auto"},
                retries={"max_attempts": 4, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        )
        self.transfer = TransferConfig(multipart_threshold=8 * CHUNK, use_threads=False)
        self._ready = False
        self._lock = threading.Lock()

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (once per process)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _code(exc) not in NOT_FOUND:
                    raise
                try:
                    args: dict[str, Any] = {"Bucket": self.bucket}
                    if self.settings.region != "us-east-1":
                        args["CreateBucketConfiguration"] = {
                            "LocationConstraint": self.settings.region
                        }
                    self.client.create_bucket(**args)
                except ClientError as again:  # another node created it meanwhile
                    if _code(again) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise
            self._ready = True

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"not a storage key: {key!r}")
        return self.base + key

    def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None:
        self.ensure_bucket()
        self.client.upload_fileobj(
            source,
            self.bucket,
            self._key(key),
            ExtraArgs={"ContentType": content_type},
            Config=self.transfer,
        )

    def open(self, key: str) -> IO[bytes]:
        self.ensure_bucket()
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                raise Missing(key) from exc
            raise
        return answer["Body"]

    def stat(self, key: str) -> Stored | None:
        self.ensure_bucket()
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                return None
            raise
        return Stored(key, int(head["ContentLength"]), head["LastModified"])

    def delete(self, key: str) -> None:
        self.ensure_bucket()
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def listing(self) -> Iterator[Stored]:
        self.ensure_bucket()
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.base
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.base) :]
                yield Stored(key, int(item["Size"]), item["LastModified"])

    def abort_stale_uploads(self, before) -> int:
        """Multipart uploads a killed process never completed: invisible, but they hold space."""
        self.ensure_bucket()
        aborted = 0
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.base
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < before:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted
