"""Bundle plugin: core management, the entry-level accredited management bundle."""
