"""`wfapp audit verify` (the hash chain, on any database) and `wfapp grant-app-role ROLE`
(PostgreSQL: what the application's own role may do, run as the schema's owner)."""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from wfapp.database import APPEND_ONLY_TABLES, db

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute the hash chain; exit 1 naming each row edited, deleted, inserted or moved."""
    from wfapp.models.audit_chain import verify as verify_chain

    count, last, findings = verify_chain(db.session)
    for finding in findings:
        click.echo(finding.message, err=True)
    if findings:
        raise SystemExit(1)
    click.echo(f"审计记录完好：共 {count} 条，链尾哈希 {last}")
    click.echo("请将链尾哈希另行保存；日后核对时它应出现在链中，末尾的记录就不可能被悄悄删除。")


def grant_statements(role: str) -> list[str]:
    """Everything on every table and sequence but TRUNCATE, REFERENCES and TRIGGER, and on
    the append-only tables only SELECT and INSERT. The owner keeps ALTER, DROP, DISABLE
    TRIGGER; session_replication_role needs a superuser. Tables created by later migrations
    get the same by default."""
    statements = [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ]
    for table in sorted(APPEND_ONLY_TABLES):
        statements.append(f'REVOKE ALL ON "{table}" FROM "{role}"')
        statements.append(f'GRANT SELECT, INSERT ON "{table}" TO "{role}"')
    return statements


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role(role: str) -> None:
    """PostgreSQL: give ROLE (the application's login role) what it needs and no more; run
    as the owner after `wfapp init-db`, and again after each upgrade."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("角色分离只适用于 PostgreSQL")
    if not _ROLE.match(role):
        raise click.ClickException("角色名只能包含小写字母、数字和下划线")
    with db.engine.begin() as conn:
        for statement in grant_statements(role):
            conn.execute(text(statement))
    click.echo(f"已授予角色 {role}：审计表仅可查询和追加，其余表可读写")
