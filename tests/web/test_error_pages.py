"""Errors speak Chinese: 403, 404, 409 and 500 pages."""

from __future__ import annotations

from tests.pages import text
from wfapp import create_app


def test_a_missing_page_answers_in_chinese(world, browser):
    r = browser.get("/no/such/page")
    assert r.status_code == 404
    assert "页面不存在" in text(r)


def test_an_unexpected_failure_shows_the_chinese_500_page(database_url):
    """A bug in a view: the user sees a calm Chinese page, not a traceback."""
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "x", "PROPAGATE_EXCEPTIONS": False}
    )

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", view_func=broken)
    r = app.test_client().get("/broken")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "服务器内部错误" in body and "boom" not in body and "Traceback" not in body
