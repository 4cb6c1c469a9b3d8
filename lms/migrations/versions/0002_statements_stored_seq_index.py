"""statements: index (stored, seq) in place of (stored)

Pages of statements without a filter key are read in (stored, seq) order straight off this index,
whatever the planner believes about how many statements a time range holds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:50:00
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statements_stored_seq', ['stored', 'seq'], unique=False)
        batch_op.drop_index('ix_xapi_statements_stored')


def downgrade() -> None:
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statements_stored', ['stored'], unique=False)
        batch_op.drop_index('ix_xapi_statements_stored_seq')
