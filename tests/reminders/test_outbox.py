"""Delivery through the outbox: temporary failures retry with backoff, a server that is down
loses nothing, permanent refusals end dead and visible to admins."""

from __future__ import annotations

from datetime import timedelta

from tests.pages import csrf_token, login
from wfapp.database import db
from wfapp.models import OutboxMessage
from wfapp.scheduler import run_once
from wfapp.services import mail

from .conftest import SmtpServer, at

NOW = at("2024-07-08 09:00")


def _queue(world, n: int = 1) -> list[OutboxMessage]:
    """n messages to the liaison, as a scan would write them."""
    messages = []
    for i in range(n):
        m = mail.enqueue(
            f"test:{i}",
            world.a_liaison,
            world.plan,
            f"提醒{i}",
            f"正文{i}",
            f"<p>正文{i}</p>",
            now=NOW,
        )
        messages.append(m)
    db.session.commit()
    return messages


def test_a_451_answer_is_retried_later_and_then_delivered(world, smtp):
    """SMTP 451 → the message waits (backoff) → delivered on a later pass, once."""
    (message,) = _queue(world)
    smtp.inbox.answers = ["451 4.3.0 mailbox busy, try later"]
    report = mail.deliver(NOW)
    assert (report.sent, report.retried) == (0, 1)
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("451")
    assert message.next_attempt_at == NOW + timedelta(seconds=60)
    assert mail.deliver(NOW + timedelta(seconds=30)).sent == 0  # not yet: backing off
    assert mail.deliver(NOW + timedelta(seconds=61)).sent == 1
    db.session.refresh(message)
    assert message.status == "sent"
    assert len(smtp.inbox.messages) == 1


def test_backoff_doubles_and_the_last_attempt_ends_dead(world, smtp, app):
    """Each temporary failure waits twice as long; out of attempts, the message is dead."""
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    (message,) = _queue(world)
    smtp.inbox.answers = ["451 busy"] * 3
    now = NOW
    for wait in (60, 120):
        mail.deliver(now)
        db.session.refresh(message)
        assert message.next_attempt_at == now + timedelta(seconds=wait)
        now = message.next_attempt_at
    mail.deliver(now)
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("dead", 3)


def test_smtp_down_for_the_whole_run_loses_nothing(world, smtp_port):
    """Nothing listens: every message stays pending with its attempts untouched; once the
    server is back, all are delivered, each once."""
    messages = _queue(world, 3)
    report = mail.deliver(NOW)
    assert report.unavailable and report.sent == 0
    for m in messages:
        db.session.refresh(m)
        assert (m.status, m.attempts) == ("pending", 0)
    server = SmtpServer(smtp_port).start()
    try:
        assert mail.deliver(NOW).sent == 3
        assert mail.deliver(NOW).sent == 0
        assert sorted(m["Subject"] for m in server.inbox.messages) == ["提醒0", "提醒1", "提醒2"]
    finally:
        server.stop()


def test_a_permanent_550_ends_dead_and_admins_see_it_with_the_error(world, smtp, api, client):
    """550 → dead at once, listed for admins with the error; others may not see the outbox."""
    (message,) = _queue(world)
    smtp.inbox.answers = ["550 5.1.1 user unknown"]
    assert mail.deliver(NOW).dead == 1
    db.session.refresh(message)
    assert message.status == "dead"

    body = api(world.admin).get("/api/v1/outbox?status=dead").get_json()
    assert body["counts"]["dead"] == 1
    assert body["items"][0]["last_error"] == "550 5.1.1 user unknown"
    assert api(world.office).get("/api/v1/outbox").status_code == 403
    assert api(world.admin).get("/api/v1/outbox?status=lost").status_code == 422

    login(client, world.admin)
    page = client.get("/admin/outbox?status=dead").get_data(as_text=True)
    assert "550 5.1.1 user unknown" in page and "发送失败" in page
    # The admin sends it again once the address is fixed.
    token = csrf_token(client, f"/admin/outbox/{message.id}")
    r = client.post(f"/admin/outbox/{message.id}/retry", data={"csrf_token": token})
    assert r.status_code == 302
    assert mail.deliver().sent == 1  # ready at once (the real clock)
    assert len(smtp.inbox.messages) == 1


def test_without_smtp_messages_stay_in_the_outbox_readable_by_admins(world, app, client):
    """The `make run` default has no SMTP: a scan writes messages that wait, readable."""
    app.config["SMTP_HOST"] = ""
    report = run_once(NOW)
    assert report is not None and not report.delivery.configured
    message = OutboxMessage.query.one()
    assert message.status == "pending"
    login(client, world.admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "尚未配置邮件服务器" in listing and message.subject in listing
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "截止日期为 2024年7月10日" in page
    login(client, world.a_liaison)
    assert client.get("/admin/outbox").status_code == 403
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403


def test_a_retry_form_without_csrf_token_changes_nothing(world, smtp, client):
    """A cross-site POST (no CSRF token) cannot resend mail."""
    (message,) = _queue(world)
    smtp.inbox.answers = ["550 no"]
    mail.deliver(NOW)
    login(client, world.admin)
    assert client.post(f"/admin/outbox/{message.id}/retry").status_code == 400
    db.session.refresh(message)
    assert message.status == "dead"
