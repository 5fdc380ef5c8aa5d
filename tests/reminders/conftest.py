"""A real SMTP server (aiosmtpd) that can be told how to answer, and small helpers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from wfapp.timeutil import SHANGHAI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the server received; `answers` are replies for the next DATA commands
    ("451 …", "550 …"), `stall_on` makes the n-th message (1-based) wait before answering."""

    messages: list[EmailMessage] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    stall_on: int | None = None
    seen: int = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.answers:
            return self.answers.pop(0)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.stall_on == self.seen:
            await asyncio.sleep(120)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_port(app) -> int:
    """Configure the app's SMTP settings for a port (nothing listens yet)."""
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", SMTP_TIMEOUT=5)
    return port


@pytest.fixture
def smtp(smtp_port) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port).start()
    yield server
    server.stop()


def at(text: str) -> datetime:
    """An instant in Asia/Shanghai, as the offices speak of it: at("2024-07-08 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()
