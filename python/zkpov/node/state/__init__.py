"""The node's chain data: the genesis document and what every node derives from it
(``genesis``, ``bootstrap``), the committed chain on disk and its accounts
(``committed_chain``, ``account_store``), what a commit does, in order (``commit_pipeline``),
and the pending transfers (``mempool``). Import from the modules: this package re-exports
nothing.
"""
