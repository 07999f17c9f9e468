"""Validity proofs of committed batches: who proves and verifies what, and when a block is
proven-final (``prover``); the node's side of the proofs that blocks carry with a proof lag,
and when this node proves which batch (``proof_chain``). Import from the modules: this package
re-exports nothing.
"""
