"""People, sign-in, sessions and roles."""
