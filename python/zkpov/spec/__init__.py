"""What is signed, hashed and verified from messages alone: the bottom layer above ``crypto``.

``encoding`` (canonical hashing, signing roots, bitfields), ``messages`` (blocks, votes,
timeouts, certificates and their signing roots, RANDAO included), ``safety_data``, ``validators``
and ``signing`` (validator sets, BLS verification with its caches), ``evidence`` (types and
verification), ``payload`` (payload rules and the circuit's public inputs) and ``codec`` (every
wire and file encoding). ``chain``, ``consensus`` and ``storage`` build on it; it imports only
``crypto`` and the shared ``config``, ``constants``, ``errors`` and ``types``.
"""
