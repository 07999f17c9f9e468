"""Operator tooling: a node's ``config.toml`` (``config``), key files (``keys``), and laying out
node homes with a shared genesis (``setup``). Import from the modules: this package re-exports
nothing.
"""
