"""Every wire and file encoding of zkpov, one module per encoded concept.

``fields`` holds the typed readers the others build on; ``messages`` the consensus messages,
``evidence`` misbehaviour evidence and signed headers, ``payload`` block payloads, carried
proofs and proof announcements, ``safety_data`` the safety file.
"""
