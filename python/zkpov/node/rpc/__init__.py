"""The node's HTTP JSON RPC: the ``NodeView`` protocol and its records (``view``), the runtime's
implementation of it (``runtime_view``), the routes and their handlers (``api``), the aiohttp
application with its error shape and OpenAPI description (``app``, ``schema``), the server
(``server``), JSON encodings (``codec``), query parameters (``params``), the Server-Sent Events
stream (``stream``), the event fan-out behind it (``events``) and the commit feed that publishes
into it and into the Prometheus metrics (``commit_feed``, ``metrics``), and a small client
(``client``). Import from the modules: this package re-exports nothing.
"""
