"""Several wfapp nodes on one PostgreSQL and one object store, behind nginx.

Each node is gunicorn (the web workers) plus its own `wfapp scheduler`, in one process
group, so killing a node (SIGKILL to the group) kills its scheduler too, as losing a host
would; the other node's scheduler then takes the PostgreSQL advisory lock. Each node's
database sessions carry its name as application_name (PGAPPNAME), so pg_stat_activity
tells which node holds the lock.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cluster.ports import free_ports, wait_for_port
from cluster.seaweed import SeaweedFS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"


class ClusterError(RuntimeError):
    pass


def wfapp_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wfapp", *args]


@functools.cache
def _has_control_socket() -> bool:
    usage = subprocess.run([str(BIN / "gunicorn"), "--help"], capture_output=True, text=True)
    return "--control-socket" in usage.stdout


def _control_socket(path: Path) -> list[str]:
    """Newer gunicorn opens a control socket in ~/.gunicorn by default: one per node instead."""
    return ["--control-socket", str(path)] if _has_control_socket() else []


@dataclass
class Node:
    name: str
    port: int
    folder: Path
    env: dict[str, str]
    workers: int = 2
    web: subprocess.Popen | None = None
    scheduler: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**self.env, "PGAPPNAME": f"wfapp-{self.name}", "PYTHONUNBUFFERED": "1"}
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 (children write to it)
        gunicorn = [
            str(BIN / "gunicorn"),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            "--timeout",  # a loaded test machine is slow; a hung worker still gets replaced
            "120",
            # The app is built once, then forked: no worker opens a database connection
            # before the fork (create_app connects to nothing).
            "--preload",
            *_control_socket(self.folder / f"{self.name}.ctl"),
            "wfapp:create_app()",
        ]
        self.web = subprocess.Popen(
            gunicorn, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        self.scheduler = subprocess.Popen(
            wfapp_command("scheduler"),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=self.web.pid,  # the node's group: one kill ends both
        )
        log.close()

    def wait_ready(self, timeout: float = 90) -> None:
        """Until a worker has answered a page (the port opens before the workers serve)."""
        deadline = time.monotonic() + timeout
        if wait_for_port(self.port, timeout, alive=lambda: self.web.poll() is None):
            while time.monotonic() < deadline and self.web.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/login", timeout=5) as answer:
                        if answer.status == 200:
                            return
                except OSError:
                    pass
                time.sleep(0.2)
        raise ClusterError(f"node {self.name} did not start; see {self.folder}/{self.name}.log")

    def terminate(self) -> None:
        if self.web is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.web.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to the whole node: web master, its workers and its scheduler."""
        if self.web is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.web.pid, signal.SIGKILL)
            self.web.wait(timeout=10)
            if self.scheduler is not None:
                self.scheduler.wait(timeout=10)

    def stop(self) -> None:
        if self.web is None:
            return
        self.terminate()
        for process in (self.web, self.scheduler):
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.web = self.scheduler = None

    @property
    def alive(self) -> bool:
        return self.web is not None and self.web.poll() is None


NGINX_CONF = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # Uploads up to EVIDENCE_MAX_BYTES plus the form; wfapp itself answers 413 beyond.
    client_max_body_size 25m;
    upstream wfapp {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://wfapp;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A node that is down is skipped; a POST is never sent twice.
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_request_buffering on;
        }}
    }}
}}
"""


@dataclass
class Balancer:
    folder: Path
    port: int
    upstreams: list[int]
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.folder / sub).mkdir(exist_ok=True)
            os.chmod(self.folder / sub, 0o777)  # nginx's workers may run as nobody
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.upstreams
        )
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        conf = self.folder / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(user=user, folder=self.folder, servers=servers, port=self.port)
        )
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "nginx-stderr.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        if not wait_for_port(self.port, timeout, alive=lambda: self.process.poll() is None):
            raise ClusterError(f"nginx did not start; see {self.folder}/nginx-error.log")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@dataclass
class Cluster:
    """`Cluster(folder, database_url, smtp_port=…).start()`; `.url` is nginx's address."""

    folder: Path
    database_url: str
    nodes_count: int = 2
    smtp_port: int | None = None
    scheduler_interval: int = 20
    extra_env: dict[str, str] = field(default_factory=dict)
    bucket: str = "wfapp"
    seaweed: SeaweedFS | None = None
    nodes: list[Node] = field(default_factory=list)
    balancer: Balancer | None = None
    _secret: str = ""

    @property
    def url(self) -> str:
        assert self.balancer is not None
        return f"http://127.0.0.1:{self.balancer.port}"

    def env(self) -> dict[str, str]:
        assert self.seaweed is not None
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("WFAPP_", "AWS_", "PG"))
        }
        env.update(self.seaweed.env())
        env.update(
            {
                "WFAPP_DATABASE_URL": self.database_url,
                "WFAPP_SECRET_KEY": self._secret,
                "WFAPP_S3_BUCKET": self.bucket,
                "WFAPP_DEMO": "1",  # the demo users log in (a demo on purpose)
                "WFAPP_BASE_URL": self.url,
                "WFAPP_SCHEDULER_INTERVAL_SECONDS": str(self.scheduler_interval),
                "WFAPP_EVIDENCE_DIR": str(self.folder / "local-evidence-unused"),
            }
        )
        if self.smtp_port is not None:
            env.update({"WFAPP_SMTP_HOST": "127.0.0.1", "WFAPP_SMTP_PORT": str(self.smtp_port)})
        env.update(self.extra_env)
        return env

    def run(self, *args: str, timeout: float = 300) -> str:
        """`wfapp …` against the cluster's database and store; its output."""
        done = subprocess.run(
            wfapp_command(*args),
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise ClusterError(f"wfapp {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self, *, demo: tuple[str, ...] = ("demo", "--if-empty")) -> Cluster:
        try:
            return self._start(demo)
        except BaseException:
            self.stop()
            raise

    def _start(self, demo: tuple[str, ...]) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._secret = secrets.token_hex(32)
        self.seaweed = SeaweedFS(self.folder / "s3").start()
        ports = free_ports(self.nodes_count + 1)
        self.balancer = Balancer(self.folder / "nginx", ports[0], ports[1:])
        self.run("init-db")
        if demo:
            self.run(*demo)
        names = [chr(ord("a") + i) for i in range(self.nodes_count)]
        self.nodes = [
            Node(name, port, self.folder, {}) for name, port in zip(names, ports[1:], strict=True)
        ]
        for node in self.nodes:
            node.env = self.env()
            node.start()
        for node in self.nodes:
            node.wait_ready()
        self.balancer.start()
        return self

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def restart(self, node: Node) -> None:
        node.stop()
        node.start()
        node.wait_ready()

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for node in self.nodes:  # all at once, then wait for each
            node.terminate()
        for node in self.nodes:
            node.stop()
        if self.seaweed is not None:
            self.seaweed.stop()


SCHEDULER_HOLDER = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key AND a.datname = current_database()
"""


def wait_until(predicate, timeout: float, step: float = 0.2):
    """predicate()'s first truthy answer within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(step)
