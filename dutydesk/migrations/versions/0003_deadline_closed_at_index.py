"""deadline.closed_at indexed: deadlines settled since a time (the shift
screen's missed deadlines) without walking years of them

Revision ID: 0003_deadline_closed_at
Revises: 0002_incident_ref
"""
from alembic import op


revision = '0003_deadline_closed_at'
down_revision = '0002_incident_ref'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_closed_at'), ['closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_closed_at'))
