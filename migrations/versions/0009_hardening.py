"""hardening: login delay per account and client, the audit hash chain, session tokens

Revision ID: 0009_hardening
Revises: 0008_tasks
Create Date: 2026-12-04 02:30:00

"""
import secrets
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

import wfapp.timeutil
from wfapp.models.audit import audit_trigger_sql
from wfapp.models.audit_chain import GENESIS, HEAD_ID, link


# revision identifiers, used by Alembic.
revision = '0009_hardening'
down_revision = '0008_tasks'
branch_labels = None
depends_on = None


def _drop_audit_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _create_audit_triggers():
    for statement in audit_trigger_sql(op.get_bind().dialect.name):
        op.execute(statement)


def upgrade():
    op.create_table('login_delay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_at', wfapp.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', wfapp.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_delay')),
    sa.UniqueConstraint('username', 'address', name=op.f('uq_login_delay_username_address'))
    )
    with op.batch_alter_table('login_delay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_delay_updated_at'), ['updated_at'], unique=False)

    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )

    # Existing users get a session token each (their current sessions end: they log in again).
    op.add_column('user_account', sa.Column('session_token', sa.String(length=32), nullable=False, server_default=''))
    bind = op.get_bind()
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))

    # Chain the rows already written, in id order, then guard the table again.
    _drop_audit_triggers()
    op.add_column('audit_event', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_event', sa.Column('hash', sa.String(length=64), nullable=True))
    events = sa.table(
        'audit_event',
        sa.column('id', sa.Integer), sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
        sa.column('plan_id', sa.Integer), sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
        sa.column('from_state', sa.String), sa.column('to_state', sa.String), sa.column('round', sa.Integer),
        sa.column('comment', sa.Text), sa.column('data', sa.JSON), sa.column('at', wfapp.timeutil.UTCDateTime()),
        sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
    )
    last, count = GENESIS, 0
    for row in bind.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        value = link(last, SimpleNamespace(**row))
        bind.execute(events.update().where(events.c.id == row['id']).values(prev_hash=last, hash=value))
        last, count = value, count + 1
    heads = sa.table('audit_chain_head', sa.column('id', sa.Integer), sa.column('last_hash', sa.String), sa.column('length', sa.Integer))
    bind.execute(heads.insert().values(id=HEAD_ID, last_hash=last, length=count))
    _create_audit_triggers()


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy would drop and recreate
    # user_account, which the foreign keys of every other table forbid while rows exist.
    _drop_audit_triggers()
    op.execute("ALTER TABLE audit_event DROP COLUMN hash")
    op.execute("ALTER TABLE audit_event DROP COLUMN prev_hash")
    _create_audit_triggers()
    op.execute("ALTER TABLE user_account DROP COLUMN session_token")
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('login_delay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_delay_updated_at'))
    op.drop_table('login_delay')
