"""The ASGI application.

Owns: `create_app` (routes over a built `Container`) and `app_factory` (for uvicorn, which
builds the container from the environment in each worker process).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from calendula import __version__
from calendula.api.errors import install_error_handlers
from calendula.api.rate_limit import RateLimitMiddleware
from calendula.api.responses import JsonResponse
from calendula.api.routes import bookings, event_types, me, schedules, slots
from calendula.bootstrap import Container, build, configure_logging


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await container.rate_counter.close()
        container.close()

    app = FastAPI(
        title="Calendula",
        version=__version__,
        default_response_class=JsonResponse,
        lifespan=lifespan,
    )
    app.state.container = container
    install_error_handlers(app)
    app.add_middleware(
        RateLimitMiddleware,
        counter=container.rate_counter,
        limit=container.settings.rate_limit_per_minute,
    )
    for module in (me, schedules, event_types, slots, bookings):
        app.include_router(module.router, prefix="/v2")

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    return app


def app_factory() -> FastAPI:
    """Build the app from `CALENDULA_*` settings (used by `calendula serve`)."""
    container = build()
    configure_logging(container.settings)
    return create_app(container)
