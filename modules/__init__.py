"""The national content package: the standards framework and every shipped module (*/module.toml)."""
