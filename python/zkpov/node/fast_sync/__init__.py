"""Proof-based fast sync: serve and fetch a proven, 2-chain-final checkpoint and its accounts.

Server side: :mod:`.snapshots`, :mod:`.checkpoint`, :mod:`.state_chunks`, :mod:`.server`;
client side: :mod:`.client`, :mod:`.wire`, :mod:`.verify`, :mod:`.state_fetch`,
:mod:`.install`, and :mod:`.sync`, which runs them; both: :mod:`.ledger_chunks`,
:mod:`.history` and :mod:`.history_wire` (the offence index's headers and evidence).
"""
