"""Chain state and economics, pyspec style: ``get_`` reads, ``compute_`` is pure, ``process_`` mutates."""
