"""Shared model plumbing: the metadata naming convention and a JSON column helper."""

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import SQLModel

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


def json_column(nullable: bool = False) -> Column:
    """A JSON column (JSONB-compatible on PostgreSQL, TEXT on SQLite)."""
    return Column(JSON, nullable=nullable)
