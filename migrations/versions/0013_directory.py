"""directory: users provisioned from LDAP / AD, grants taken from directory groups; the
reminder's plan-level unique index in a form MariaDB/MySQL can hold too

Revision ID: 0013_directory
Revises: 0014_scoring
Create Date: 2026-12-04 02:40:00

"""
from alembic import op
import sqlalchemy as sa

from wfapp.database import mysql_foreign_key_checks


# revision identifiers, used by Alembic.
revision = '0013_directory'
down_revision = '0014_scoring'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_dn', sa.String(length=500), nullable=True))
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_directory', sa.Boolean(), server_default='0', nullable=False))
    # No partial index on MariaDB/MySQL: a generated column, 1 on a plan's own reminder and
    # NULL on an item's, closes the unique index instead (NULLs never collide), everywhere.
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index('uq_reminder_plan_stage', sqlite_where=sa.text('item_id IS NULL'), postgresql_where=sa.text('item_id IS NULL'))
        batch_op.add_column(sa.Column('plan_level', sa.Integer(), sa.Computed('CASE WHEN item_id IS NULL THEN 1 END'), nullable=True))
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index('uq_reminder_plan_stage', ['plan_id', 'stage', 'round', 'rule', 'plan_level'], unique=True)


def downgrade():
    mysql_foreign_key_checks(op.get_bind(), False)
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index('uq_reminder_plan_stage')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_column('plan_level')
        batch_op.create_index('uq_reminder_plan_stage', ['plan_id', 'stage', 'round', 'rule'], unique=True, sqlite_where=sa.text('item_id IS NULL'), postgresql_where=sa.text('item_id IS NULL'))
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_column('from_directory')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('directory_dn')
    mysql_foreign_key_checks(op.get_bind(), True)
