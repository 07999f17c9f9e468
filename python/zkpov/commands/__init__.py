"""Subcommands of the ``zkpov`` CLI, one module each."""
