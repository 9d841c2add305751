"""A local Dograh sandbox: a Dograh-compatible API server for tests, benchmarks and demos.

It follows Dograh's code (docs/dograh-api.md) on its own and imports nothing from the rest of
``reconciler``: the client and the sandbox are two independent readings of one contract,
so a misreading in one cannot be hidden by the same misreading in the other.

Modules: ``app`` wires the FastAPI application; ``api_*`` hold Dograh's routes; ``admin``
the sandbox's own admin routes; ``store`` the SQLite state; ``simulation`` the dialing
simulation driven by ``clock``; ``faults`` and ``middleware`` fault injection and the
request log; ``seed`` the seed file; ``server`` runs uvicorn; ``command`` is the
``campaigns sandbox`` command; ``testing`` the pytest fixture's handle.
"""
