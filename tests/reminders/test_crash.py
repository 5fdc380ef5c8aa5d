"""A deliverer killed with SIGKILL in the middle of delivery, then restarted: no message is
lost; only the one that was in flight may arrive twice (docs/operations.md says so)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from wfapp.database import db
from wfapp.models import OutboxMessage
from wfapp.services import mail

from .conftest import at

NOW = "2024-07-08T09:00"


def _run_once(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "WFAPP_DATABASE_URL": database_url,
        "WFAPP_SECRET_KEY": "crash-test",
        "WFAPP_SMTP_HOST": "127.0.0.1",
        "WFAPP_SMTP_PORT": str(port),
        "WFAPP_SMTP_TIMEOUT": "300",
    }
    command = [sys.executable, "-m", "wfapp"]
    return subprocess.Popen(
        [*command, "reminders", "run-once", "--now", NOW],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigkill_mid_delivery_loses_nothing_and_repeats_at_most_the_message_in_flight(
    world, smtp, database_url
):
    """Five messages; the server stalls on the third; the deliverer is killed; a new one
    sends the rest. Every message arrives; at most the third arrives twice."""
    for i in range(5):
        mail.enqueue(
            f"crash:{i}",
            world.a_liaison,
            world.plan,
            f"消息{i}",
            "正文",
            "<p>正文</p>",
            now=at("2024-07-08 08:00"),
        )
    db.session.commit()
    db.session.remove()

    smtp.inbox.stall_on = 3
    first = _run_once(database_url, smtp.port)
    deadline = time.monotonic() + 60
    while smtp.inbox.seen < 3:
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "the deliverer never reached the third message"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert OutboxMessage.query.filter_by(status="sending").count() == 1

    smtp.inbox.stall_on = None
    for _ in range(20):  # PostgreSQL frees the dead session's advisory lock within moments
        second = _run_once(database_url, smtp.port)
        output = second.communicate(timeout=60)[0]
        if second.returncode == 0:
            break
        assert "另一个调度进程正在运行" in output, output
        time.sleep(0.25)
    assert second.returncode == 0, output

    # (the scan also sends the liaison's own draft reminder; it is not counted here)
    received = Counter(m["Subject"] for m in smtp.inbox.messages if m["Subject"][:2] == "消息")
    assert set(received) == {f"消息{i}" for i in range(5)}  # nothing lost
    duplicates = {s: n for s, n in received.items() if n > 1}
    assert duplicates in ({}, {"消息2": 2})  # only the one in flight
    db.session.expire_all()
    assert {m.status for m in OutboxMessage.query} == {"sent"}
    in_flight = [m for m in smtp.inbox.messages if m["Subject"] == "消息2"]
    assert len({m["Message-ID"] for m in in_flight}) == 1  # a repeat carries the same id
