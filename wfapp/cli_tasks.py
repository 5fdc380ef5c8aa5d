"""`wfapp tasks verify | rebuild`: check the stored work against the workflows, or rewrite it."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from wfapp.database import db


@click.group("tasks")
def tasks_group() -> None:
    """待办（任务）：核对或重建。"""


@tasks_group.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute who is awaited the slow way and compare with the open tasks; exit 1 on any
    difference."""
    from wfapp.services.task_check import verify as check

    report = check()
    for line in report.differences:
        click.echo(line)
    click.echo(
        f"{report.objects} running objects, {report.tasks} open tasks, "
        f"{len(report.differences)} differences"
    )
    db.session.rollback()
    sys.exit(0 if report.ok else 1)


@tasks_group.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Bring every running object's tasks in line with its workflow (announces nothing)."""
    from wfapp.services.tasks import rebuild as run

    count = run()
    db.session.commit()
    click.echo(f"{count} objects brought in line")
