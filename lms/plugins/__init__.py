"""The plugin system: the hook contract, manifest schemas and the content loader."""
