"""The public pages and the embed: Cal.com's booking URLs, server-rendered (Jinja2), with
vanilla JavaScript served by Calendula itself.

An entry point next to `api/`: routes read the request, call services on the container and
render a template; they never import the API's modules, storage or integrations. `install`
adds the pages to an app after every API route (the page paths are catch-alls such as
`/{username}`). See docs/pages.md and docs/embed.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from calendula.bootstrap import Container
from calendula.web import agents, assets, host_actions, manage, pages
from calendula.web.render import Web, create_environment


def install(app: FastAPI, container: Container) -> None:
    """Add the pages, the static files and the embed script to `app` (call it last)."""
    app.state.web = Web(container, create_environment())
    for module in (assets, manage, agents, host_actions, pages):
        app.include_router(module.router)
