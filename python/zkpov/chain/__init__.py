"""Chain state and economics, pyspec style.

``get_`` reads state, ``compute_`` is pure, ``process_`` mutates.
"""
