"""The bundles shipped with the platform; each sub-package is one bundle plugin (bundle.toml)."""
