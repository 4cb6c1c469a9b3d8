"""Bundle plugin: the North East's induction for people joining its health and care services."""
