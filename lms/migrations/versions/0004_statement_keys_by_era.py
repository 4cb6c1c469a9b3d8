"""xapi_statement_keys: primary key (era, key, seq) in place of (key, seq)

A batch's filter keys fell on index pages scattered over the whole index; grouped by era (a run of
8,192 statements by seq) ahead of the key, they fall on the newest era's small part of it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ERA_BITS = 13  # lms.xapi.keys.ERA_BITS when this revision was written


def _rebuild(columns: list[str], select: str) -> None:
    """Copy the keys into a table with the given primary key columns, which then takes the table's place."""
    if op.get_bind().dialect.name == 'postgresql':  # constraint names are schema-wide there
        op.execute('ALTER TABLE xapi_statement_keys '
                   'RENAME CONSTRAINT pk_xapi_statement_keys TO pk_xapi_statement_keys_old')
    types = {'era': sa.Integer(), 'key': sa.BigInteger(), 'seq': sa.BigInteger()}
    op.create_table('xapi_statement_keys_new',
                    *[sa.Column(name, types[name], autoincrement=False, nullable=False) for name in columns],
                    sa.PrimaryKeyConstraint(*columns, name='pk_xapi_statement_keys'),
                    sqlite_with_rowid=False)
    quoted = ', '.join(f'"{name}"' for name in columns)
    positions = ', '.join(str(number) for number in range(1, len(columns) + 1))
    op.execute(f'INSERT INTO xapi_statement_keys_new ({quoted}) {select} ORDER BY {positions}')
    op.drop_table('xapi_statement_keys')
    op.rename_table('xapi_statement_keys_new', 'xapi_statement_keys')


def upgrade() -> None:
    _rebuild(['era', 'key', 'seq'], f'SELECT CAST(seq >> {ERA_BITS} AS INTEGER), "key", seq FROM xapi_statement_keys')


def downgrade() -> None:
    _rebuild(['key', 'seq'], 'SELECT "key", seq FROM xapi_statement_keys')
