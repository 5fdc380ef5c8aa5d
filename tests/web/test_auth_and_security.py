"""Login, logout, throttling, CSRF and the security headers, as a person meets them."""

from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.pages import text


def _login(browser, username, password=PASSWORD, **kw):
    return browser.submit("/login", "/login", {"username": username, "password": password}, **kw)


def test_a_user_logs_in_and_lands_on_the_inbox(world, browser):
    """Can a liaison log in with the right password and see the inbox?"""
    r = _login(browser, "a-liaison")
    assert r.status_code == 302 and r.location.endswith("/inbox")
    assert "我的待办" in text(browser.get("/inbox"))


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(world, browser):
    """Does the login page reveal whether a username exists? It must not."""
    wrong = text(_login(browser, "a-liaison", "wrong password"))
    unknown = text(_login(browser, "nobody", "wrong password"))
    assert "用户名或密码错误" in wrong and "用户名或密码错误" in unknown
    assert browser.get("/inbox").status_code == 302  # still not signed in


def test_five_failures_make_the_next_try_from_that_client_wait(world, browser):
    """After 5 wrong passwords from one client, the next try from it waits (seconds, not
    minutes), and the page says how long."""
    for _ in range(5):
        assert _login(browser, "a-liaison", "wrong").status_code == 401
    r = _login(browser, "a-liaison")
    assert r.status_code == 429
    assert "登录失败次数过多" in text(r) and "秒后再试" in text(r)
    assert int(r.headers["Retry-After"]) <= 30


def test_login_redirects_only_within_the_site(world, browser):
    """Can a crafted link send a user elsewhere after login? No: only local paths."""
    r = browser.submit(
        "/login",
        "/login?next=https://evil.example/",
        {"username": "a-liaison", "password": PASSWORD},
    )
    assert r.location.endswith("/inbox")
    browser.login(None)
    r = browser.submit(
        "/login", "/login?next=//evil.example/", {"username": "a-liaison", "password": PASSWORD}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    assert r.location.endswith("/inbox")


def test_a_form_post_without_csrf_token_is_refused(world, browser):
    """Is a form POST without the CSRF token refused (400), with nothing done?"""
    browser.login(world.a_liaison)
    r = browser.post(f"/plans/{world.plan.id}/actions/submit", data={"version": world.plan.version})
    assert r.status_code == 400
    assert "安全令牌" in text(r)
    assert browser.post("/logout").status_code == 400
    assert (
        browser.post("/login", data={"username": "a-liaison", "password": PASSWORD}).status_code
        == 400
    )
    assert world.plan.state == "draft"


def test_logout_is_a_post_with_csrf_and_ends_the_session(world, browser):
    """Does logging out end the session?"""
    browser.login(world.a_liaison)
    r = browser.submit("/inbox", "/logout")
    assert r.status_code == 302
    assert browser.get("/inbox").status_code == 302


def test_every_page_sends_a_strict_content_security_policy(world, browser):
    """Pages allow no inline script without a nonce, no framing, and no sniffing."""
    r = browser.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "img-src 'self' data:" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    # Nonces differ per response.
    assert csp != browser.get("/login").headers["Content-Security-Policy"]


def test_pages_have_no_inline_event_handlers_or_inline_scripts(world, browser):
    """CSP-safe markup: no onclick= and no <script> without src."""
    browser.login(world.a_liaison)
    for url in ("/inbox", f"/plans/{world.plan.id}", f"/plans/{world.plan.id}/edit", "/public"):
        html = text(browser.get(url))
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "style=" not in html, url


def test_the_session_cookie_is_httponly_and_samesite(world, browser):
    """Can script read the session cookie, or can another site send it along? Neither."""
    r = _login(browser, "a-liaison")
    cookie = next(v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_deactivated_user_is_signed_out(world, browser):
    """Does a session survive the user being deactivated? No."""
    browser.login(world.a_liaison)
    assert browser.get("/inbox").status_code == 200
    world.a_liaison.active = False
    from wfapp.database import db

    db.session.commit()
    assert browser.get("/inbox").status_code == 302
