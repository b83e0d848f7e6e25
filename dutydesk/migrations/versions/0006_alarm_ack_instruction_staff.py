"""Alarms acknowledged (alarmack: one row per deadline and stage, who and
when; acknowledging does not meet the deadline) and instructions to a person
(instruction.staff_id; unit_id may then be empty)

Revision ID: 0006_alarm_ack_instruction_staff
Revises: 0005_journal_mac_seals
"""
import sqlalchemy as sa
from alembic import op


revision = '0006_alarm_ack_instruction_staff'
down_revision = '0005_journal_mac_seals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alarmack',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deadline_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(), nullable=False),
        sa.Column('acked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acked_by', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['deadline_id'], ['deadline.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('deadline_id', 'stage', name='uq_alarmack_deadline_stage'),
    )
    with op.batch_alter_table('alarmack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alarmack_deadline_id'), ['deadline_id'], unique=False)
    with op.batch_alter_table('instruction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_instruction_staff_id_staff', 'staff', ['staff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('instruction', schema=None) as batch_op:
        batch_op.drop_constraint('fk_instruction_staff_id_staff', type_='foreignkey')
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('alarmack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alarmack_deadline_id'))
    op.drop_table('alarmack')
