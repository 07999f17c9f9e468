"""Helpers that several test packages share and production code does not need."""
