"""Epochs above the per-epoch core (Aptos-style reconfiguration; docs/design.md "Epochs")."""
