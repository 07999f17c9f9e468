"""The process's descriptor limit: a node raises its soft ``RLIMIT_NOFILE`` to the hard limit at
start, so that a burst of connections meets the node's own caps (RPC ``max_connections``, P2P
pending handshakes and peers) long before the kernel's ``EMFILE``."""

from __future__ import annotations

import logging
import resource

__all__ = ["raise_fd_limit"]

log = logging.getLogger(__name__)
_UNLIMITED_TARGET = 1 << 20  # Linux refuses RLIM_INFINITY for descriptors (fs.nr_open)


def raise_fd_limit() -> int:
    """Raises the soft descriptor limit as far as the hard limit allows; returns the new soft
    limit (the old one if the system refused). Logs what it did."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = _UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as exc:
        log.warning("cannot raise the descriptor limit from %d to %d: %s", soft, target, exc)
        return soft
    log.info("descriptor limit raised from %d to %d", soft, target)
    return target
