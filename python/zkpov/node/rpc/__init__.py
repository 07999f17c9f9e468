"""The node's HTTP JSON RPC: the ``NodeView`` protocol and its records (``view``), the runtime's
implementation of it (``runtime_view``), the routes and their handlers (``api``), the aiohttp
application with its error shape and OpenAPI description (``app``, ``schema``), the server
(``server``), JSON encodings (``codec``), query parameters (``params``), the Server-Sent Events
stream (``stream``) and the event fan-out behind it (``events``), Prometheus metrics
(``metrics``), and a small client (``client``). Import from the modules: this package
re-exports nothing.
"""
