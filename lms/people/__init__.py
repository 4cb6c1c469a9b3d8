"""People across organisations: who manages whom."""
