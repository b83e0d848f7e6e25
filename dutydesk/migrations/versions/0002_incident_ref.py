"""incident.ref: an external reference, so imported incidents re-import idempotently

Revision ID: 0002_incident_ref
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_incident_ref'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incident_ref'), ['ref'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_ref'))
        batch_op.drop_column('ref')
