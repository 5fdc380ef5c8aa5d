"""directory: users provisioned from LDAP / AD, grants taken from directory groups

Revision ID: 0013_directory
Revises: 0007_history
Create Date: 2026-12-04 02:40:00

"""
from alembic import op
import sqlalchemy as sa

from wfapp.database import mysql_foreign_key_checks


# revision identifiers, used by Alembic.
revision = '0013_directory'
down_revision = '0007_history'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_dn', sa.String(length=500), nullable=True))
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_directory', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    mysql_foreign_key_checks(op.get_bind(), False)
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_column('from_directory')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('directory_dn')
    mysql_foreign_key_checks(op.get_bind(), True)
