"""users: line_manager_id; notices: messages to a person from the service

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 23:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_manager_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_line_manager_id'), ['line_manager_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_line_manager_id_users'), 'users', ['line_manager_id'], ['id'])
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('essential', sa.Boolean(), nullable=False),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_notices_dedupe_key')),
    )
    op.create_index('ix_notices_user_id_created_at', 'notices', ['user_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notices_user_id_created_at', table_name='notices')
    op.drop_table('notices')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_line_manager_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_line_manager_id'))
        batch_op.drop_column('line_manager_id')
