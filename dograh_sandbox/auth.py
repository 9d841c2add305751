"""``X-API-Key`` authentication as Dograh's ``get_user`` does it (docs/dograh-api.md §1.2).

A present, non-empty key is looked up by its SHA-256 and never falls back to the
``Authorization`` header; without a key the JWT path answers (the sandbox accepts no JWT):
with local auth (``_handle_oss_auth``) an absent header asks for one and anything else,
an API key sent as ``Bearer`` included, is an invalid token; with Stack auth it is
"Unauthorized".
It is a FastAPI dependency, so it runs where Dograh's does: after JSON decoding (a
malformed body is a 422 even with a bad key) and before body validation (a bad key is a
401 even with a bad body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, HTTPException, Request

from dograh_sandbox.state import SandboxState
from dograh_sandbox.store import hash_key


@dataclass(frozen=True)
class Caller:
    org_id: int
    key_id: int


def sandbox_of(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def caller(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
) -> Caller:
    state = sandbox_of(request)
    if x_api_key:
        row = state.store.key_by_hash(hash_key(x_api_key))
        if row is None or row["archived"]:
            raise HTTPException(status_code=401, detail="Invalid or expired API key")
        if row["owner"] == "none":
            raise HTTPException(status_code=401, detail="API key has no associated user")
        if row["owner"] == "missing":
            raise HTTPException(status_code=401, detail="API key owner not found")
        state.store.touch_key(int(row["id"]), state.now())
        request.state.organization_id = int(row["org_id"])
        return Caller(int(row["org_id"]), int(row["id"]))
    if state.auth_provider != "local":
        raise HTTPException(status_code=401, detail="Unauthorized")
    if not authorization:
        raise HTTPException(status_code=401, detail="Authorization header required")
    token = authorization.removeprefix("Bearer ")
    if not token:
        raise HTTPException(status_code=401, detail="Invalid authorization token")
    raise HTTPException(status_code=401, detail="Invalid or expired token")
