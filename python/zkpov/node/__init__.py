"""The validator node, split by service: ``consensus_io`` (the consensus driver and its network
input and output), ``state`` (genesis, the committed chain, accounts, mempool, the commit
pipeline), ``proving`` (validity proofs), ``rpc`` (the HTTP API, events and metrics) and ``ops``
(config, key files, node homes); :mod:`zkpov.node.runtime` builds the parts and wires them into
a node. Services import only those below them: runtime > rpc > consensus_io, ops > state >
proving. Nothing here imports the face layer (``zkpov.cli``, ``zkpov.commands``,
``zkpov.engine``, ``zkpov.devnet``).
"""
