"""Façades over the native core. Nothing outside this package imports ``zkpov._native``."""
