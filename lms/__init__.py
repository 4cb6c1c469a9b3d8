"""Accredited leadership and management training for health and social care."""
