"""cohorts: sessions, bookings with the waiting list, attendance, alumni

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:21:54.516219
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alumni_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('listed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_alumni_listings_region_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alumni_listings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_listings')),
    sa.UniqueConstraint('user_id', 'region_id', name=op.f('uq_alumni_listings_user_id_region_id'))
    )
    with op.batch_alter_table('alumni_listings', schema=None) as batch_op:
        batch_op.create_index('ix_alumni_listings_region_id', ['region_id'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booking_closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('cancel_by', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('attendance_rule', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attendance_percent', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('cancelled_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cohorts_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_cohorts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_cohorts_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohorts_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohorts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_cohorts_region_id_status', ['region_id', 'status'], unique=False)

    op.create_table('alumni_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_alumni_memberships_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_alumni_memberships_region_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alumni_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alumni_memberships')),
    sa.UniqueConstraint('user_id', 'cohort_id', name=op.f('uq_alumni_memberships_user_id_cohort_id'))
    )
    with op.batch_alter_table('alumni_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_alumni_memberships_region_id', ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alumni_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('cohort_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('booked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('promoted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_bookings_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_cohort_bookings_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_bookings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_bookings')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_bookings_cohort_id_user_id'))
    )
    with op.batch_alter_table('cohort_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_cohort_bookings_cohort_id_status', ['cohort_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('cohort_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('venue', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('online_link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('accessibility', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_sessions_cohort_id_cohorts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sessions'))
    )
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_cohort_sessions_cohort_id_starts_at', ['cohort_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('cohort_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mark', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cohort_attendance_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['cohort_sessions.id'], name=op.f('fk_cohort_attendance_session_id_cohort_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_attendance_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_cohort_attendance_session_id_user_id'))
    )
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_attendance_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_attendance_user_id'))

    op.drop_table('cohort_attendance')
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_sessions_starts_at'))
        batch_op.drop_index('ix_cohort_sessions_cohort_id_starts_at')

    op.drop_table('cohort_sessions')
    with op.batch_alter_table('cohort_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_bookings_user_id'))
        batch_op.drop_index('ix_cohort_bookings_cohort_id_status')

    op.drop_table('cohort_bookings')
    with op.batch_alter_table('alumni_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alumni_memberships_user_id'))
        batch_op.drop_index('ix_alumni_memberships_region_id')

    op.drop_table('alumni_memberships')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index('ix_cohorts_region_id_status')
        batch_op.drop_index(batch_op.f('ix_cohorts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_cohorts_module_id'))

    op.drop_table('cohorts')
    with op.batch_alter_table('alumni_listings', schema=None) as batch_op:
        batch_op.drop_index('ix_alumni_listings_region_id')

    op.drop_table('alumni_listings')
