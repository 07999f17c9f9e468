"""ATTACK MODES for test networks: a validator that equivocates on purpose
(``zkpov start --byzantine double_vote|double_proposal``) or proposes blocks with forged
evidence (``forged_evidence``, :mod:`.forgery`), for tests and attack demos.

Only the CLI imports this package, and only when ``--byzantine`` is given; the normal runtime
never does. ``modes`` refuses a genesis not marked as a test network; ``outbox`` wraps the
node's outbox, after the slashing guard: the honest message is recorded in the slashing
database and sent first, then a conflicting one, built by :mod:`zkpov.consensus.equivocation`
and signed with the validator's key, is sent too. Every extra message is slashable evidence
against this validator. Import from the modules: this package re-exports nothing.
"""
