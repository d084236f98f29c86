"""The ASGI application.

Owns: `create_app` (routes over a built `Container`) and `app_factory` (for uvicorn, which
builds the container from the environment in each worker process). The interactive docs
(`/docs`, `/redoc`) serve their scripts and styles from this server (no CDN), so they work
offline; the OpenAPI document is described in `api/openapi.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from calendula import __version__
from calendula.api.cors import ApiCors
from calendula.api.errors import install_error_handlers
from calendula.api.openapi import COMMON_STATUSES, DESCRIPTION, TAGS, TITLE, errors, install_openapi
from calendula.api.rate_limit import RateLimitMiddleware
from calendula.api.responses import JsonResponse
from calendula.api.routes import (
    bookings,
    calendars,
    event_types,
    me,
    reminders,
    schedules,
    slots,
    webhooks,
)
from calendula.api.schemas.outputs import HealthOutput
from calendula.api.storable import StorableInputMiddleware
from calendula.bootstrap import Container, build, configure_logging
from calendula.web import install as install_pages


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container.settings.outbox_inline:
            container.dispatcher.start()  # deliveries from this process (see `worker`)
        yield
        await container.rate_counter.close()
        container.close()

    app = FastAPIOffline(
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        openapi_tags=TAGS,
        default_response_class=JsonResponse,
        lifespan=lifespan,
    )
    app.state.container = container
    install_error_handlers(app)
    app.add_middleware(StorableInputMiddleware)  # inside the limit: its refusals count too
    app.add_middleware(
        RateLimitMiddleware,
        counter=container.rate_counter,
        limit=container.settings.rate_limit_per_minute,
    )
    app.add_middleware(ApiCors)  # outermost: preflights are not counted, 429s carry CORS
    routers = (
        (me, "Me"),
        (schedules, "Schedules"),
        (event_types, "Event Types"),
        (slots, "Slots"),
        (bookings, "Bookings"),
        (webhooks, "Webhooks"),
        (reminders, "Reminders"),
        (calendars, "Calendars"),
    )
    for module, tag in routers:
        app.include_router(
            module.router, prefix="/v2", tags=[tag], responses=errors(*COMMON_STATUSES)
        )
    app.include_router(calendars.feed_router, tags=["Calendars"])  # published ICS feeds

    @app.get("/health", tags=["Health"], response_model=HealthOutput)
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    install_openapi(app)
    install_pages(app, container)  # last: the page paths are catch-alls (`/{username}`)
    return app


def app_factory() -> FastAPI:
    """Build the app from `CALENDULA_*` settings (used by `calendula serve`)."""
    container = build()
    configure_logging(container.settings)
    return create_app(container)
