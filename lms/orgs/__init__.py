"""Organisations, regions, staff import and organisation administration."""
