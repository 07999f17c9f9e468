"""Node-to-node networking: Noise XX transport, channels and frames.

Modules: ``channels`` (ids, caps, priorities), ``codec`` (frames, packets, sans-I/O decoders),
``noise`` (node key, handshake, signed hello), ``connection`` (one peer), ``listener`` and
``admission`` (inbound: pending-handshake caps, signature budget, refusal summaries),
``transport`` (dialer, peer table), ``queues`` (per-channel send queues), ``ratelimit`` and
``banlist``.
Gossip of transactions and proofs lives in the node (it knows what is valid). Nothing is
imported here, so ``import zkpov`` stays light.
"""
