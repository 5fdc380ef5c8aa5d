"""`wfapp storage migrate`, `sweep` and `check`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from wfapp.storage import store
from wfapp.storage.local import LocalStore
from wfapp.storage.maintenance import check, migrate, sweep


@click.group("storage")
def storage_group() -> None:
    """Stored files (evidence): the local folder or the S3 object store."""


@storage_group.command("migrate")
@click.option(
    "--remove-local", is_flag=True, help="Delete each local file once the store holds it whole."
)
@with_appcontext
def migrate_command(remove_local: bool) -> None:
    """Copy the local evidence folder into the configured S3 store (idempotent)."""
    if current_app.config["STORAGE"] != "s3":
        raise click.ClickException('请先设置 STORAGE = "s3"（WFAPP_STORAGE=s3）及对象存储地址')
    source = LocalStore(current_app.config["EVIDENCE_DIR"])
    report = migrate(source, store("evidence"), remove_local=remove_local)
    click.echo(
        f"已复制 {report.copied} 个文件，已在对象存储中 {report.present} 个"
        + (f"，删除本地副本 {report.removed_local} 个" if remove_local else "")
        + "。"
    )
    for name in report.missing:
        click.echo(f"本地缺少文件：{name}", err=True)
    for name in report.corrupt:
        click.echo(f"本地文件与记录的 SHA-256 不符，未复制：{name}", err=True)
    if report.missing or report.corrupt:
        raise SystemExit(1)


@storage_group.command("sweep")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=None,
    help="Seconds (default STORAGE_SWEEP_AFTER_SECONDS).",
)
@with_appcontext
def sweep_command(older_than: int | None) -> None:
    """Remove stored files that no evidence row names (left by killed requests)."""
    report = sweep(older_than=older_than)
    click.echo(f"检查 {report.seen} 个对象，删除无记录的 {len(report.removed)} 个。")


@storage_group.command("check")
@with_appcontext
def check_command() -> None:
    """Every evidence row has its object, of the recorded size (exit 1 otherwise)."""
    report = check()
    click.echo(
        f"记录 {report.rows} 条，对象 {report.objects} 个；缺少对象 {len(report.missing)} 个，"
        f"大小不符 {len(report.wrong_size)} 个，无记录的对象 {report.unreferenced} 个。"
    )
    for name in report.missing:
        click.echo(f"缺少对象：{name}", err=True)
    for name in report.wrong_size:
        click.echo(f"大小与记录不符：{name}", err=True)
    if report.missing or report.wrong_size:
        raise SystemExit(1)
