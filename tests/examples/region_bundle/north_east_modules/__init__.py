"""Content package: the North East's own modules."""
