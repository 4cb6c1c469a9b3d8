"""The registry of loaded bundles, modules and standards, and the catalogue pages."""
