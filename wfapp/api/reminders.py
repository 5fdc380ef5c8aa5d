"""/api/v1 routes of the deadline feature: the calendar, extensions, notices, the iCal feed
URL and the outbox. Parse, one service call, answer."""

from __future__ import annotations

from datetime import date

from flask import g, jsonify, request

from wfapp.api.routes import bp, parse, token_required
from wfapp.api.schemas import (
    CalendarDayIn,
    ExtensionIn,
    ReminderPolicyIn,
    StageDeadlineIn,
    calendar_out,
    extension_out,
    notice_out,
    outbox_out,
)
from wfapp.models import Role
from wfapp.services import calendar, feeds, mail, notices, plans
from wfapp.services.errors import Forbidden, Invalid, Problem


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(
            "日期格式应为 YYYY-MM-DD", [Problem("day", "日期格式应为 YYYY-MM-DD")]
        ) from exc


def _calendar(program_id: int):
    return jsonify(calendar_out(calendar.program_calendar(g.api_user, program_id)))


@bp.get("/programs/<int:program_id>/calendar")
@token_required
def get_calendar(program_id: int):
    return _calendar(program_id)


@bp.put("/programs/<int:program_id>/calendar/stages/<stage>")
@token_required
def put_stage_deadline(program_id: int, stage: str):
    body = parse(StageDeadlineIn)
    calendar.set_stage(
        g.api_user,
        program_id,
        stage,
        due=body.due_date,
        after_event=body.after_event,
        working_days=body.working_days,
        opens_on=body.opens_on,
    )
    return _calendar(program_id)


@bp.put("/programs/<int:program_id>/calendar/days/<day>")
@token_required
def put_calendar_day(program_id: int, day: str):
    body = parse(CalendarDayIn)
    calendar.set_day(g.api_user, program_id, _day(day), working=body.working, note=body.note)
    return _calendar(program_id)


@bp.delete("/programs/<int:program_id>/calendar/days/<day>")
@token_required
def delete_calendar_day(program_id: int, day: str):
    calendar.remove_day(g.api_user, program_id, _day(day))
    return _calendar(program_id)


@bp.put("/programs/<int:program_id>/reminder-rules/<stage>")
@token_required
def put_reminder_rules(program_id: int, stage: str):
    body = parse(ReminderPolicyIn)
    calendar.set_policy(g.api_user, program_id, stage, **body.model_dump())
    return _calendar(program_id)


@bp.get("/plans/<int:plan_id>/extensions")
@token_required
def list_extensions(plan_id: int):
    plan = plans.get_plan(g.api_user, plan_id)
    return jsonify({"items": [extension_out(e) for e in calendar.extensions(plan)]})


@bp.post("/plans/<int:plan_id>/extensions")
@token_required
def post_extension(plan_id: int):
    body = parse(ExtensionIn)
    extension = calendar.grant_extension(
        g.api_user, plan_id, body.due_date, body.reason, stage=body.stage, version=body.version
    )
    return jsonify(extension_out(extension)), 201


@bp.get("/notices")
@token_required
def list_notices():
    unread_only = request.args.get("unread") in ("1", "true")
    items = notices.list_notices(g.api_user, unread_only=unread_only)
    return jsonify(
        {"unread": notices.unread_count(g.api_user), "items": [notice_out(n) for n in items]}
    )


@bp.post("/notices/<int:notice_id>/read")
@token_required
def read_notice(notice_id: int):
    return jsonify(notice_out(notices.mark_read(g.api_user, notice_id)))


@bp.post("/notices/read-all")
@token_required
def read_all_notices():
    return jsonify({"marked": notices.mark_all_read(g.api_user), "unread": 0})


def _feed_answer(token: str | None):
    return jsonify({"url": feeds.feed_url(token) if token else None})


@bp.get("/me/ical")
@token_required
def get_ical_url():
    return _feed_answer(feeds.feed_token(g.api_user))


@bp.post("/me/ical")
@token_required
def rotate_ical_url():
    return _feed_answer(feeds.rotate(g.api_user))


@bp.delete("/me/ical")
@token_required
def revoke_ical_url():
    feeds.revoke(g.api_user)
    return _feed_answer(None)


@bp.get("/outbox")
@token_required
def list_outbox():
    programs = g.api_user.program_ids(Role.ADMIN)
    if not programs:
        raise Forbidden("只有系统管理员可以查看发件箱")
    status = request.args.get("status") or None
    items = mail.list_messages(programs, status)
    return jsonify({"counts": mail.counts(programs), "items": [outbox_out(m) for m in items]})
