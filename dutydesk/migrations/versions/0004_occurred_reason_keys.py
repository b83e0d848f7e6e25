"""incident.occurred_at (when the incident happened, if before it was
reported: the mass plan's first information counts from it); reason_key on
deadlines and level changes (reasons the desk itself gives are stored as keys
and rendered in the reader's language)

Revision ID: 0004_occurred_reason_keys
Revises: 0003_deadline_closed_at
"""
import sqlalchemy as sa
from alembic import op


revision = '0004_occurred_reason_keys'
down_revision = '0003_deadline_closed_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_key', sa.String(), nullable=True))
    with op.batch_alter_table('levelchange', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_key', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('levelchange', schema=None) as batch_op:
        batch_op.drop_column('reason_key')
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_column('reason_key')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('occurred_at')
