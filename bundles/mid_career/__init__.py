"""Bundle plugin: the mid-career programme's online pre-work."""
