"""``zkpov devnet`` below the CLI: validator processes on loopback (``processes``), a transfer
load and the devnet's view of the nodes over RPC (``load``), and a whole run from a fresh
directory to its report (``run``). Part of the face layer with ``zkpov.cli``, ``zkpov.commands``
and ``zkpov.engine``: it imports ``zkpov.node``, never the other way round. Import from the
modules: this package re-exports nothing.
"""
