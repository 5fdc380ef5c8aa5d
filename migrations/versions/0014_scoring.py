"""scoring: results without grades (scores and ranks only) and pay bands by score

Revision ID: 0014_scoring
Revises: 0007_history
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_scoring'
down_revision = '0007_history'
branch_labels = None
depends_on = None

_GRADES = ('grade_before_flags', 'grade_before_flags_label', 'grade', 'grade_label')
_FACTORS = ('reward_factor', 'reward_factor_before_flags')


def upgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        for name in _GRADES:
            batch_op.alter_column(name, existing_type=sa.String(length=40), nullable=True)
        for name in _FACTORS:
            batch_op.alter_column(
                name, existing_type=sa.Numeric(precision=8, scale=2), nullable=True
            )
        batch_op.add_column(sa.Column('pay_label', sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column('pay_factor', sa.Numeric(precision=8, scale=2), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.drop_column('pay_factor')
        batch_op.drop_column('pay_label')
        for name in _FACTORS:
            batch_op.alter_column(
                name, existing_type=sa.Numeric(precision=8, scale=2), nullable=False
            )
        for name in _GRADES:
            batch_op.alter_column(name, existing_type=sa.String(length=40), nullable=False)
