"""The keyed journal: journalentry.mac (an HMAC with a key kept outside the
desk; NULL on entries written before the desk had a key) and the seals each
shift's end puts on the journal head

Revision ID: 0005_journal_mac_seals
Revises: 0004_occurred_reason_keys
"""
import sqlalchemy as sa
from alembic import op


revision = '0005_journal_mac_seals'
down_revision = '0004_occurred_reason_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journalentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(), nullable=True))
    op.create_table(
        'journalseal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('mac', sa.String(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('journalseal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journalseal_shift_id'), ['shift_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('journalseal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journalseal_shift_id'))
    op.drop_table('journalseal')
    with op.batch_alter_table('journalentry', schema=None) as batch_op:
        batch_op.drop_column('mac')
