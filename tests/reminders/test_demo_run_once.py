"""Done means: on the demo database with an SMTP server listening,
`wfapp reminders run-once --now 2024-07-08T09:00` delivers to u1-liaison@example.com a
Chinese reminder about the 7月10日 draft deadline; running it again sends nothing more."""

from __future__ import annotations

from wfapp.services.demo import load_demo

from .conftest import body_text


def test_run_once_on_the_demo_reminds_the_liaison_of_the_draft_deadline(app, smtp):
    load_demo()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run-once", "--now", "2024-07-08T09:00"])
    assert result.exit_code == 0, result.output
    assert "已发送 4" in result.output  # one liaison per demo unit

    (message,) = smtp.inbox.to("u1-liaison@example.com")
    assert message["Subject"] == "【绩效提醒】晋江生态环境局：初稿将于7月10日截止（还有2天）"
    text = body_text(message)
    assert "泉州市晋江生态环境局2024年度绩效工作方案" in text
    assert "截止日期为 2024年7月10日" in text

    again = runner.invoke(args=["reminders", "run-once", "--now", "2024-07-08T09:00"])
    assert again.exit_code == 0, again.output
    assert "写入邮件 0 封" in again.output and "已发送 0" in again.output
    assert len(smtp.inbox.messages) == 4

    listing = runner.invoke(args=["outbox", "list", "--status", "sent"])
    assert "u1-liaison@example.com" in listing.output


def test_run_once_refuses_a_time_it_cannot_read(app):
    result = app.test_cli_runner().invoke(args=["reminders", "run-once", "--now", "7月8日"])
    assert result.exit_code != 0 and "无法识别的时间" in result.output
