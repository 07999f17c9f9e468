"""Test doubles and helpers shared by several test packages; production code never imports them."""
