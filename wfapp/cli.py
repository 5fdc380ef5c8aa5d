"""The `wfapp` command: init-db, demo, serve, create-user, scheduler, reminders, outbox,
scheme, storage, and Flask-Migrate's `db`."""

from __future__ import annotations

import getpass
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from wfapp.database import db
from wfapp.services.demo_year import STAGES


def init_app(app: Flask) -> None:
    from wfapp.cli_security import audit_group, grant_app_role
    from wfapp.cli_tasks import tasks_group
    from wfapp.scoring.cli import scheme
    from wfapp.storage.cli import storage_group

    commands = (
        init_db,
        demo,
        serve,
        create_user,
        scheduler,
        reminders_group,
        outbox_group,
        scheme,
        storage_group,
        tasks_group,
        audit_group,
        grant_app_role,
    )
    for command in commands:
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from flask_migrate import upgrade

    from wfapp.database import check_database

    try:
        check_database(db.engine)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    upgrade(directory=current_app.config["MIGRATIONS_DIR"])
    click.echo(f"数据库已就绪：{_safe_url()}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no program yet.")
@click.option(
    "--through",
    "stage",
    type=click.Choice(STAGES),
    help="Then walk the demo program through the services up to this stage (progress, "
    "self-assessment, signed sheets, scores, findings, rectification, carry-over).",
)
@click.option(
    "--to-evaluation", is_flag=True, hidden=True, help="The same as --through central_evaluation."
)
@click.option(
    "--plans",
    "extra_plans",
    type=click.IntRange(min=1, max=100_000),
    help="Then add this many plans (own units, users, groups, tables, states across the "
    "year) to the demo program, written in bulk.",
)
@with_appcontext
def demo(if_empty: bool, stage: str | None, to_evaluation: bool, extra_plans: int | None) -> None:
    """Load the demo program, units, plans and users (idempotent)."""
    from wfapp.services.demo import is_empty, load_demo

    if if_empty and not is_empty():
        click.echo("数据库中已有数据，未加载演示数据。")
        return
    added = load_demo()
    click.echo(
        "演示数据已就绪（新增 项目 {programs}、单位 {units}、用户 {users}、方案 {plans}）。"
        "演示用户密码：wfapp-demo".format(**added)
    )
    stage = stage or ("central_evaluation" if to_evaluation else None)
    if stage:
        from wfapp.services.demo_year import STAGE_LABELS, through

        done = through(stage)
        steps = "、".join(f"{DONE_LABELS.get(k, k)} {n}" for k, n in done.items() if n)
        click.echo(f"演示项目已推进到「{STAGE_LABELS[stage]}」（本次：{steps or '无需推进'}）。")
    if extra_plans:
        _more_plans(extra_plans)


def _more_plans(n: int) -> None:
    import time

    from wfapp.services.demo_scale import add_plans
    from wfapp.workflows.plan import STATE_LABELS

    started = time.perf_counter()
    made = add_plans(n)
    seconds = time.perf_counter() - started
    states = "、".join(f"{STATE_LABELS[s]} {k}" for s, k in sorted(made.by_state.items()))
    click.echo(
        f"已新增 {made.plans} 份方案（{made.groups} 个考评组、{made.units} 个单位、"
        f"{made.users} 个用户、{made.items} 项整改事项；{states}），"
        f"用时 {seconds:.2f} 秒，{made.plans / seconds:.0f} 份/秒。"
    )


DONE_LABELS = {
    "published": "方案公开",
    "progress_reports": "进度报告",
    "self_assessments_saved": "自评保存",
    "self_assessments_submitted": "自评提交",
    "sheets_signed": "评分表签名",
    "external_inputs": "公众评议/加减分",
    "groups_scored": "考评组计分",
    "results_published": "结果公布",
    "items_extended": "整改延期",
    "items_in_progress": "整改开始",
    "items_submitted": "整改提交",
    "items_verified": "整改核验",
    "items_closed": "整改销号",
    "next_programs": "新建下年度项目",
    "items_carried": "整改事项转入下年度",
    "plans_archived": "方案归档",
}


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Do not run the reminder scheduler in this process (run `wfapp scheduler` instead).",
)
@with_appcontext
def serve(host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """Serve the app with waitress (the embedded default; use gunicorn in production).

    Runs the reminder scheduler in a background thread unless --no-scheduler."""
    from waitress import serve as waitress_serve

    from wfapp.services.auth import demo_allowed
    from wfapp.services.demo import has_demo_users

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["USES_DEFAULT_DATABASE"]:
        if has_demo_users() and not demo_allowed():
            raise click.ClickException(
                "数据库中存在演示用户，其密码是公开的 wfapp-demo。请删除或停用这些用户，"
                "或在演示环境中设置 WFAPP_DEMO=1 后再启动。"
            )
        if app.config["SECRET_KEY"] == "dev-only-change-me":
            raise click.ClickException("请通过 WFAPP_SECRET_KEY 设置随机密钥后再启动。")
    click.echo(f"wfapp 正在 http://{host}:{port}/ 提供服务（数据库：{_safe_url()}）")
    background = None
    if not no_scheduler:
        from wfapp.scheduler import build_scheduler

        background, worker = build_scheduler(app, background=True)
        background.start()
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="wfapp")
    finally:
        if background is not None:
            background.shutdown(wait=False)
            worker.stop()


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option("--email", required=True)
@click.option("--password", help="Asked for when omitted.")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    metavar="ROLE@SCOPE",
    help="e.g. liaison@<unit name or id>, leader@<unit>, office@<program id>; repeatable.",
)
@with_appcontext
def create_user(username, display_name, email, password, grants) -> None:
    """Create a user with role grants."""
    from wfapp.models import RoleGrant, User
    from wfapp.services.auth import hash_password, new_nonce
    from wfapp.services.directory import resolve_grant

    if db.session.scalars(select(User).where(User.username == username)).first():
        raise click.ClickException(f"用户名 {username} 已存在")
    if not password:
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise click.ClickException("两次输入的密码不一致")
    if len(password) < 8:
        raise click.ClickException("密码至少 8 位")
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        token_nonce=new_nonce(),
    )
    for spec in grants:
        try:
            grant = resolve_grant(spec)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        user.grants.append(
            RoleGrant(role=grant.role, unit_id=grant.unit_id, program_id=grant.program_id)
        )
    db.session.add(user)
    db.session.commit()
    click.echo(f"已创建用户 {username}")


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the reminder scheduler in the foreground (one acts; others stay idle)."""
    from wfapp.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sched, worker = build_scheduler(app)
    click.echo(
        f"调度进程已启动（每 {app.config['SCHEDULER_INTERVAL_SECONDS']} 秒一次，时区 Asia/Shanghai）"
    )
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        worker.stop()


def parse_now(value: str | None) -> datetime | None:
    """--now: an ISO date-time; without a zone it is Asia/Shanghai local time."""
    from wfapp.timeutil import SHANGHAI

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"无法识别的时间：{value}（示例：2024-07-08T09:00）") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@click.group("reminders")
def reminders_group() -> None:
    """Reminder scans and deliveries."""


@reminders_group.command("run-once")
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Act as if it were this instant.")
@with_appcontext
def run_once(now_text: str | None) -> None:
    """One reminder scan and one delivery pass, under the scheduler lock."""
    from wfapp.scheduler import run_once as run

    report = run(parse_now(now_text))
    if report is None:
        raise click.ClickException("另一个调度进程正在运行，本次未执行。")
    scan, sent = report.scan, report.delivery
    click.echo(
        f"提醒：新布置 {scan.armed} 个方案，触发 {scan.fired} 条规则，写入邮件 {scan.messages} 封"
        + (f"，{scan.errors} 条出错" if scan.errors else "")
        + (f"；开启环节 {report.opened} 个方案" if report.opened else "")
    )
    if not sent.configured:
        click.echo("未配置 SMTP（WFAPP_SMTP_HOST），邮件留在发件箱中，可在 /admin/outbox 查看。")
    else:
        click.echo(f"投递：已发送 {sent.sent}，待重试 {sent.retried}，失败 {sent.dead}")
        if sent.unavailable:
            click.echo(f"邮件服务器不可用，邮件留待下次发送：{sent.unavailable}")


@click.group("outbox")
def outbox_group() -> None:
    """The mail outbox."""


@outbox_group.command("list")
@click.option(
    "--status", type=click.Choice(["pending", "sending", "sent", "dead"]), help="Only this status."
)
@click.option("--limit", default=50, show_default=True, type=int)
@with_appcontext
def outbox_list(status: str | None, limit: int) -> None:
    """List outbox messages, newest first."""
    from wfapp.services.mail import list_messages
    from wfapp.timeutil import fmt_local

    messages = list_messages(None, status, limit)
    if not messages:
        click.echo("发件箱为空。")
    for m in messages:
        line = f"{m.id:>6}  {m.status:<8} {fmt_local(m.created_at)}  {m.to_addr}  {m.subject}"
        if m.last_error:
            line += f"  [第{m.attempts}次：{m.last_error}]"
        click.echo(line)


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)
