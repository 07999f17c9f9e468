"""Sans-I/O Jolteon (2-chain HotStuff) consensus core, stake-weighted.

Nothing in this package performs I/O or reads a clock: handlers take messages and the current
time and return a list of :mod:`zkpov.consensus.actions`. The node runtime and the simulator
drive the same core.
"""
