"""A real OpenLDAP server (Debian's slapd) for the directory-login tests: one per test
process, on a free loopback port, its database loaded from seed.ldif (slapadd) before it
starts. `directory` points the app at it the way a site's config file would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ldap3 import Connection, Server

from tests.components import missing
from tests.pages import Browser

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SEED = Path(__file__).with_name("seed.ldif")
SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
SERVICE_DN = f"cn=wfapp-service,{SUFFIX}"
SERVICE_PASSWORD = "service-pass"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/msuser.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {root}/slapd.pid
TLSCACertificateFile {root}/ca.pem
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin_dn}"
rootpw {admin_password}
directory {root}/data
overlay ppolicy
ppolicy_default "cn=default-policy,{suffix}"
"""


def group_dn(cn: str) -> str:
    return f"cn={cn},ou=groups,{SUFFIX}"


def user_dn(uid: str) -> str:
    return f"uid={uid},ou=people,{SUFFIX}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificates(root: Path) -> None:
    """A CA of the test's own and the server's certificate for 127.0.0.1, for StartTLS."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=root, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=wfapp test CA",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (root / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    )


@dataclass
class Slapd:
    url: str
    ca_file: str

    def admin(self) -> Connection:
        """A connection as the directory's manager, to change entries during a test."""
        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    if not (os.path.exists(SLAPD) and os.path.exists(SLAPADD)):
        missing("OpenLDAP slapd", "apt-get install -y slapd ldap-utils")
    if shutil.which("openssl") is None:
        missing("openssl", "apt-get install -y openssl (the test CA for StartTLS)")
    root = tmp_path_factory.mktemp("slapd")
    (root / "data").mkdir()
    make_certificates(root)
    conf = root / "slapd.conf"
    conf.write_text(
        CONFIG.format(root=root, suffix=SUFFIX, admin_dn=ADMIN_DN, admin_password=ADMIN_PASSWORD)
    )
    subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(SEED)], check=True, capture_output=True, text=True
    )
    url = f"ldap://127.0.0.1:{free_port()}"
    # Without -d slapd forks into the background once it listens; its pid file says who.
    subprocess.run([SLAPD, "-h", f"{url}/", "-f", str(conf)], check=True, timeout=30)
    pid_file = root / "slapd.pid"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                Slapd(url, "").admin().unbind()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield Slapd(url, str(root / "ca.pem"))
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text())
            os.kill(pid, 15)
            for _ in range(100):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def directory(app, slapd, world) -> Slapd:
    """The app logs in against slapd as a site would configure it (search with a service
    account, then bind as the user); unit A's liaisons and the office are mapped groups."""
    app.config.update(
        DIRECTORY_URL=slapd.url,
        DIRECTORY_BASE_DN=SUFFIX,
        DIRECTORY_SERVICE_DN=SERVICE_DN,
        DIRECTORY_SERVICE_PASSWORD=SERVICE_PASSWORD,
        DIRECTORY_DISABLED_FILTER="(employeeType=离职)",
        DIRECTORY_DISABLED_GROUPS=[group_dn("disabled-accounts")],
        DIRECTORY_GROUPS={
            group_dn("unit-a-liaison"): [f"liaison@{world.units['A'].name}"],
            # DNs compare without case or spaces around separators.
            "CN=office, OU=groups, DC=example, DC=org": [f"office@{world.program.id}"],
        },
    )
    return slapd


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)
