"""The sandbox's ASGI application: Dograh's routes, the admin routes, the storage
endpoint, and around them the fault and request-log layer; plus the background task that
steps the simulation while the clock runs in realtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI

from dograh_sandbox import admin, api_campaigns, api_catalog, api_storage, api_workflows
from dograh_sandbox.middleware import ASGIApp, SandboxMiddleware
from dograh_sandbox.state import Options, SandboxState

logger = logging.getLogger("dograh_sandbox")


async def _ticker(state: SandboxState) -> None:
    """Steps the simulation every ``tick_seconds`` while the clock is in realtime mode.

    A step blocks the event loop; when steps get long (thousands of running campaigns),
    the pause between them grows, so that the simulation never takes more than a fifth
    of the server's time from the API.
    """
    pause = state.settings.tick_seconds
    while True:
        await asyncio.sleep(pause)
        pause = state.settings.tick_seconds
        if state.clock.mode != "realtime":
            continue
        began = time.perf_counter()
        try:
            state.step()
        except Exception:
            logger.exception("simulation step failed")
        pause = max(pause, 4 * (time.perf_counter() - began))


def create_app(state: SandboxState) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_ticker(state))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            state.store.set_meta("clock", repr(state.sim_time))

    api = FastAPI(
        title="Dograh sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    api.state.sandbox = state
    api.include_router(api_campaigns.router)
    api.include_router(api_catalog.router)
    api.include_router(api_storage.router)
    api.include_router(api_workflows.router)
    if state.options.admin_api:
        api.include_router(admin.router)
    return SandboxMiddleware(api, state)


def build(options: Options) -> tuple[SandboxState, ASGIApp]:
    state = SandboxState(options)
    return state, create_app(state)
