"""Activity kinds: the contract every kind meets (base) and the built-in lesson and quiz kinds."""
