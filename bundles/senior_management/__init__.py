"""Bundle plugin: senior management, the accredited bundle for experienced managers."""
