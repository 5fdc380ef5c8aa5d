"""The mail outbox: messages are written in the transaction that decides them, and
delivered later by whoever holds the scheduler lock.

Delivery claims one message at a time (a conditional UPDATE, after `FOR UPDATE SKIP
LOCKED` on PostgreSQL), sends it over SMTP and marks it sent in its own commit. A process
killed between the SMTP answer and that commit leaves the one message claimed; the next
lock holder releases it and sends it again: at most that one message arrives twice, and
it carries the same Message-ID, so mail clients can tell.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app, render_template
from sqlalchemy import func, select, update

from wfapp.database import db
from wfapp.models import OutboxMessage, OutboxStatus, Plan, User
from wfapp.services.errors import Invalid, NotFound, Problem
from wfapp.services.notices import plan_path
from wfapp.services.uow import transaction
from wfapp.timeutil import utcnow

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")
MAX_BACKOFF = timedelta(days=1)
LIST_LIMIT = 500


def plan_link(plan_id: int) -> str:
    return absolute(plan_path(plan_id))


def absolute(path: str) -> str:
    """A page's address as links in e-mail need it."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def message_id(dedupe_key: str) -> str:
    """Stable per message: a message sent twice after a crash carries the same id."""
    domain = str(current_app.config["MAIL_FROM"]).rpartition("@")[2].strip("> ") or "wfapp"
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def render(name: str, **context) -> tuple[str, str, str]:
    """Subject, plain text and HTML from templates/email/<name>.subject.txt, .txt, .html."""
    subject = render_template(f"email/{name}.subject.txt", **context)
    text = render_template(f"email/{name}.txt", **context)
    html = render_template(f"email/{name}.html", **context)
    return " ".join(subject.split()), text, html


def enqueue(
    dedupe_key: str,
    user: User,
    plan: Plan | None,
    subject: str,
    text: str,
    html: str,
    *,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message in the caller's transaction, ready from `now`; None when the key exists
    or the user has no address."""
    if not (user.email or "").strip():
        return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        message_id=message_id(dedupe_key),
        plan_id=plan.id if plan else None,
        program_id=plan.program_id if plan else None,
        user_id=user.id,
        to_addr=user.email.strip(),
        subject=subject[:300],
        body_text=text,
        body_html=html,
        next_attempt_at=now or utcnow(),
    )
    db.session.add(message)
    return message


# --- SMTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    tls: str
    timeout: float
    mail_from: str

    @classmethod
    def from_config(cls) -> SmtpSettings:
        cfg = current_app.config
        tls = str(cfg.get("SMTP_TLS") or "none").lower()
        if tls not in TLS_MODES:
            raise ValueError(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        # Environment values are parsed as JSON, so a numeric password arrives as a number.
        return cls(
            host=str(cfg.get("SMTP_HOST") or ""),
            port=int(cfg.get("SMTP_PORT") or 25),
            user=str(cfg.get("SMTP_USER") or ""),
            password=str(cfg.get("SMTP_PASSWORD") or ""),
            tls=tls,
            timeout=float(cfg.get("SMTP_TIMEOUT") or 30),
            mail_from=str(cfg["MAIL_FROM"]),
        )

    def connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if self.user:
            conn.login(self.user, self.password)
        return conn


def as_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = mail_from
    email["To"] = message.to_addr
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


class _Retry(Exception):
    """A temporary failure: 4xx, or the connection dropped."""


class _Permanent(Exception):
    """A permanent refusal: 5xx."""


def _send(conn: smtplib.SMTP, message: OutboxMessage, mail_from: str) -> None:
    try:
        refused = conn.send_message(as_email(message, mail_from))
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _classify(code, text) from exc
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, exc.smtp_error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise _Retry(f"{type(exc).__name__}: {exc}") from exc
    if refused:  # a single recipient, so this is only reached by odd servers
        code, text = next(iter(refused.values()))
        raise _classify(code, text)


def _classify(code: int, text: bytes | str) -> Exception:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    error = f"{code} {text}"
    return _Permanent(error) if 500 <= code < 600 else _Retry(error)


# --- delivery ----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    configured: bool = True
    sent: int = 0
    retried: int = 0
    dead: int = 0
    unavailable: str | None = None  # the SMTP server could not be reached
    errors: list[str] = field(default_factory=list)


def deliver(
    now: datetime | None = None,
    *,
    limit: int | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send ready messages until none is left (or `limit`), as if it were `now`.

    keep_going is asked before each message (the scheduler renews its lease there)."""
    now = now or utcnow()
    settings = SmtpSettings.from_config()
    if not settings.host:
        return DeliveryReport(configured=False)
    report = DeliveryReport()
    limit = limit if limit is not None else int(current_app.config["OUTBOX_BATCH"])
    conn: smtplib.SMTP | None = None
    try:
        for _ in range(limit):
            if keep_going is not None and not keep_going():
                break
            message = _claim(now)
            if message is None:
                break
            if conn is None:
                try:
                    conn = settings.connect()
                except (smtplib.SMTPException, OSError) as exc:
                    # The server is down: nothing is the message's fault; it keeps its attempts.
                    report.unavailable = f"{type(exc).__name__}: {exc}"
                    _release(message.id)
                    break
            try:
                _send(conn, message, settings.mail_from)
            except _Retry as exc:
                conn = _drop(conn)  # a 4xx or a dropped line: start the next one afresh
                _failed(message.id, str(exc), now, permanent=False, report=report)
            except _Permanent as exc:
                _failed(message.id, str(exc), now, permanent=True, report=report)
            else:
                _mark_sent(message.id)
                report.sent += 1
    finally:
        if conn is not None:
            _drop(conn)
    return report


def _claim(now: datetime) -> OutboxMessage | None:
    """Take the next ready message: only one deliverer can win the conditional UPDATE."""
    for _ in range(10):
        with transaction():
            candidate = db.session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if candidate is None:
                return None
            won = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == candidate, OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.SENDING, claimed_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
        if won == 1:
            return db.session.get(OutboxMessage, candidate, populate_existing=True)
    return None


def _release(message_id_: int) -> None:
    with transaction():
        message = db.session.get(OutboxMessage, message_id_)
        if message is not None and message.status == OutboxStatus.SENDING:
            message.status, message.claimed_at = OutboxStatus.PENDING, None


def _mark_sent(message_id_: int) -> None:
    with transaction():
        message = db.session.get(OutboxMessage, message_id_)
        assert message is not None
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.attempts += 1
        message.last_error = None


def _failed(
    message_id_: int, error: str, now: datetime, *, permanent: bool, report: DeliveryReport
) -> None:
    with transaction():
        message = db.session.get(OutboxMessage, message_id_)
        assert message is not None
        message.attempts += 1
        message.last_error = error[:2000]
        message.claimed_at = None
        if permanent or message.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
            message.status = OutboxStatus.DEAD
            report.dead += 1
        else:
            base = timedelta(seconds=int(current_app.config["OUTBOX_BACKOFF_SECONDS"]))
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = now + min(base * 2 ** (message.attempts - 1), MAX_BACKOFF)
            report.retried += 1
    report.errors.append(error)
    log.warning("outbox message %s: %s", message_id_, error)


def _drop(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()
    return None


def release_orphans() -> int:
    """Messages claimed by a deliverer that died: back to pending. Only the holder of the
    scheduler lock delivers, so on taking the lock every claim it finds is an orphan."""
    with transaction():
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, claimed_at=None)
        )
    return result.rowcount or 0


# --- for admins --------------------------------------------------------------------------


def list_messages(
    program_ids: set[int] | None = None, status: str | None = None, limit: int = LIST_LIMIT
) -> list[OutboxMessage]:
    """Newest first; program_ids limits to those programs (None: all)."""
    if status is not None and status not in {s.value for s in OutboxStatus}:
        raise Invalid("状态无效", [Problem("status", "状态应为 pending / sending / sent / dead")])
    query = select(OutboxMessage)
    if program_ids is not None:
        query = query.where(OutboxMessage.program_id.in_(program_ids))
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def counts(program_ids: set[int] | None = None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
        OutboxMessage.status
    )
    if program_ids is not None:
        query = query.where(OutboxMessage.program_id.in_(program_ids))
    found = dict(db.session.execute(query).tuples().all())
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}


def retry_dead(message_id_: int, program_ids: set[int] | None, now: datetime | None = None) -> None:
    """An admin sends a dead message again (after fixing the address or the server)."""
    with transaction():
        message = db.session.get(OutboxMessage, message_id_)
        if message is None or (program_ids is not None and message.program_id not in program_ids):
            raise NotFound("未找到该邮件")
        if message.status != OutboxStatus.DEAD:
            raise Invalid("只能重发发送失败的邮件", [Problem("status", "只能重发发送失败的邮件")])
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = now or utcnow()
