"""The node's consensus input and output: the driver that runs the sans-I/O core on an asyncio
loop (``driver``), the cores it runs, built from durable state (``durable_core``), the reactor
that carries consensus frames between the transport and the driver (``reactor``), the slashing
guard every own signature passes before it is sent (``slashing_guard``), the checks on peer
input and the penalties for bad input (``input_guard``, ``peer_penalties``), and the gossip of
transfers and proof announcements that feeds proposals (``tx_gossip``). Import from the
modules: this package re-exports nothing.
"""
