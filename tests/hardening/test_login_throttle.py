"""What a password guesser can do, and what the owner of the attacked account still can:
a delay per (account, client) capped at 30 s, never a lockout; other accounts at the same
address unaffected; a high ceiling per address; atomic under parallel guesses; the address
taken from our own proxy only."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from tests.conftest import _config
from tests.factories import PASSWORD
from wfapp import create_app
from wfapp.database import db
from wfapp.models import LoginDelay
from wfapp.services.auth import delay_after
from wfapp.timeutil import utcnow


def token(client, username, password=PASSWORD, addr="10.0.0.1", **headers):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers,
    )


def _wait_is_over(username: str) -> None:
    """The delay has run out (as if its seconds had passed): tests never wait on a clock."""
    db.session.execute(
        update(LoginDelay)
        .where(LoginDelay.username == username)
        .values(next_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_the_delay_doubles_and_is_capped_at_30_seconds(app):
    waits = [delay_after(n) for n in range(1, 12)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:] == [2, 4, 8, 16, 30, 30, 30]


def test_the_owner_gets_in_after_the_wait_however_many_guesses_came_before(world, client):
    """The review found the account locked for its real owner; now at most 30 s."""
    db.session.commit()
    for _ in range(12):
        r = token(client, "a-liaison", "guess", addr="10.3.3.3")
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) <= 30
            _wait_is_over("a-liaison")
    token(client, "a-liaison", "guess", addr="10.3.3.3")
    assert token(client, "a-liaison", "guess", addr="10.3.3.3").status_code == 429
    _wait_is_over("a-liaison")
    assert token(client, "a-liaison", addr="10.3.3.3").status_code == 200
    # The right password ends the delay: the next mistake costs nothing again.
    assert token(client, "a-liaison", "typo", addr="10.3.3.3").status_code == 401


def test_guesses_from_one_client_do_not_slow_the_owner_elsewhere(world, client):
    db.session.commit()
    for _ in range(8):
        token(client, "a-liaison", "guess", addr="10.4.4.4")
    assert token(client, "a-liaison", addr="10.4.4.4").status_code == 429
    assert token(client, "a-liaison", addr="10.5.5.5").status_code == 200


def test_one_accounts_failures_do_not_slow_colleagues_behind_the_same_nat(world, client):
    """After bad tries for u4-head, u1-liaison could not log in either (the whole address
    was blocked for 5 minutes)."""
    db.session.commit()
    for _ in range(8):
        token(client, "a-head", "guess", addr="10.8.8.8")
    assert token(client, "a-head", addr="10.8.8.8").status_code == 429
    assert token(client, "a-liaison", addr="10.8.8.8").status_code == 200
    assert token(client, "b-liaison", "typo", addr="10.8.8.8").status_code == 401


def test_a_ceiling_per_address_over_all_accounts(app, world, client):
    """Flask-Limiter counts failed logins per address; successes never count, so an office
    logging in together is not slowed; another address is not affected."""
    app.config["LOGIN_ADDRESS_LIMIT"] = "4 per hour"
    db.session.commit()
    for _ in range(6):
        assert token(client, "a-head", addr="10.9.0.1").status_code == 200
    for name in ("x1", "x2", "x3", "x4"):
        assert token(client, name, "guess", addr="10.9.0.1").status_code == 401
    assert token(client, "a-liaison", addr="10.9.0.1").status_code == 429
    assert token(client, "a-liaison", addr="10.9.0.2").status_code == 200


def test_a_spoofed_forwarded_for_header_is_ignored_without_a_trusted_proxy(world, client):
    """With no proxy configured, X-Forwarded-For is whatever the client wrote."""
    db.session.commit()
    for i in range(8):
        token(client, "a-liaison", "guess", addr="10.6.0.1", **{"X-Forwarded-For": f"1.2.3.{i}"})
    r = token(client, "a-liaison", addr="10.6.0.1", **{"X-Forwarded-For": "9.9.9.9"})
    assert r.status_code == 429


def test_behind_one_trusted_proxy_the_address_is_the_one_it_saw(database_url):
    """With TRUSTED_PROXIES = 1, the client is the address our proxy appended, not an
    earlier entry the client forged; two clients behind the proxy are told apart."""
    app = create_app({**_config(database_url), "TRUSTED_PROXIES": 1})
    with app.app_context():
        from tests.factories import build_world

        build_world()
        db.session.commit()
        client = app.test_client()
        proxy = "127.0.0.1"
        for i in range(8):
            forged = {"X-Forwarded-For": f"1.1.1.{i}, 10.0.0.5"}
            token(client, "a-liaison", "guess", addr=proxy, **forged)
        rows = db.session.scalars(db.select(LoginDelay.address)).all()
        assert set(rows) == {"10.0.0.5"}
        assert (
            token(client, "a-liaison", addr=proxy, **{"X-Forwarded-For": "10.0.0.5"}).status_code
            == 429
        )
        assert (
            token(client, "a-liaison", addr=proxy, **{"X-Forwarded-For": "10.0.0.6"}).status_code
            == 200
        )
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(app):
    """The app served by Werkzeug's threaded server on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_parallel_guesses_never_exceed_the_free_tries(app, world, live_server):
    """Under parallel requests 8–11 guesses got through instead of 5. Now 20 guesses fired
    at once against a live server: exactly LOGIN_FREE_FAILURES are checked, the rest wait."""
    app.config.update(LOGIN_FREE_FAILURES=3, LOGIN_DELAY_START=30)
    db.session.commit()
    url = f"{live_server}/api/v1/auth/token"
    start = threading.Barrier(20)

    def guess(n: int) -> int:
        start.wait()
        return _post(url, {"username": "a-liaison", "password": f"guess-{n}"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(guess, range(20)))
    assert sorted(set(codes)) == [401, 429]
    assert codes.count(401) == 3
    db.session.expire_all()
    row = db.session.scalars(db.select(LoginDelay)).one()
    assert row.failures == 3
