"""Bundle plugin: the national induction for everyone joining health and social care."""
