"""Node-to-node networking: Noise XX transport, channels, gossip and request/response.

Modules: ``channels`` (ids, caps, priorities), ``codec`` (frames, packets, sans-I/O decoders),
``noise`` (node key, handshake, signed hello), ``connection`` (one peer), ``transport`` (listener,
dialer, peer table), ``gossip`` (dedup + relay), ``sync`` (request/response with timeouts).
Nothing is imported here, so ``import zkpov`` stays light.
"""
