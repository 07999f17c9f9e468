"""The validator node: config, keys, genesis, runtime, RPC (``rpc``), events and metrics.

The RPC serves any object implementing :class:`zkpov.node.view.NodeView`; the runtime is one.
"""
