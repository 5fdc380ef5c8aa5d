"""What a copied session cookie is worth: nothing once its user logs out or changes the
password (the session generation lives in the user's row, so it holds on every node)."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.pages import csrf_of, text
from wfapp.database import db
from wfapp.models import User


def _log_in(browser, username: str, password: str = PASSWORD):
    return browser.submit("/login", "/login", {"username": username, "password": password})


def _copy_cookie(app, browser):
    """A second client holding the same session cookie, as a thief would."""
    thief = app.test_client()
    cookie = browser.client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_stops_working_after_logout(app, world, browser):
    db.session.commit()
    assert _log_in(browser, "a-liaison").status_code == 302
    thief = _copy_cookie(app, browser)
    assert thief.get("/inbox").status_code == 200
    page = browser.get("/inbox")
    browser.post("/logout", data={"csrf_token": csrf_of(page)})
    browser._fresh()
    r = thief.get("/inbox")
    assert r.status_code == 302 and "/login" in r.location
    # The user logs in again: a new session works, the copy still does not.
    assert _log_in(browser, "a-liaison").status_code == 302
    assert browser.get("/inbox").status_code == 200
    browser._fresh()
    assert thief.get("/inbox").status_code == 302


def test_changing_the_password_ends_other_sessions_and_tokens(app, world, browser, client):
    db.session.commit()
    assert _log_in(browser, "a-liaison").status_code == 302
    thief = _copy_cookie(app, browser)
    api_token = client.post(
        "/api/v1/auth/token", json={"username": "a-liaison", "password": PASSWORD}
    ).get_json()["token"]
    r = browser.submit(
        "/account/password",
        "/account/password",
        {"current": PASSWORD, "new": "a-new-password-1", "confirm": "a-new-password-1"},
    )
    assert r.status_code == 302
    assert browser.get("/inbox").status_code == 200  # this browser goes on
    browser._fresh()
    assert thief.get("/inbox").status_code == 302
    headers = {"Authorization": f"Bearer {api_token}"}
    assert client.get("/api/v1/plans", headers=headers).status_code == 401
    browser.login(None)
    assert _log_in(browser, "a-liaison", "a-new-password-1").status_code == 302


def test_a_wrong_current_password_changes_nothing_and_says_so(world, browser):
    db.session.commit()
    before = world.a_liaison.password_hash
    assert _log_in(browser, "a-liaison").status_code == 302
    r = browser.submit(
        "/account/password",
        "/account/password",
        {"current": "not it", "new": "short", "confirm": "other"},
    )
    assert r.status_code == 422
    page = text(r)
    assert "当前密码不正确" in page and "两次输入的新密码不一致" in page
    db.session.expire_all()
    assert db.session.get(User, world.a_liaison.id).password_hash == before
