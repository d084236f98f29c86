"""The pages' shared machinery: the Jinja2 environment, the page response, the theme.

Owns: `Web` (what every page handler needs: the container, the templates, the secret key),
`web_of` (it, from a request), `Web.page` (a template rendered with the security headers of
`guard.page_headers`), and `Theme` (light/dark/auto and the host's brand colours, checked so
that no attendee- or host-typed text can reach CSS). Autoescaping is on for every template, so
everything typed by attendees and hosts is escaped wherever it appears.
"""

from __future__ import annotations

import re
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from calendula import __version__
from calendula.bootstrap import Container
from calendula.domain.accounts import User
from calendula.services.event_types import OwnedEventTypes
from calendula.web import calendar_view
from calendula.web.guard import form_token, new_nonce, page_headers

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
THEMES = ("light", "dark", "auto")
DEFAULT_BRAND = "#4f46e5"
DEFAULT_DARK_BRAND = "#818cf8"
MAX_LOOKUPS = 10_000


@dataclass(frozen=True, slots=True)
class Theme:
    """`mode` light, dark or auto (the visitor's system setting); colours as `#rrggbb`."""

    mode: str = "auto"
    brand: str = DEFAULT_BRAND
    dark_brand: str = DEFAULT_DARK_BRAND

    @classmethod
    def of(cls, user: User | None, requested: str | None) -> Theme:
        mode = requested if requested in THEMES else "auto"
        if user is None:
            return cls(mode)
        brand = user.brand_color if COLOUR.match(user.brand_color or "") else DEFAULT_BRAND
        dark = user.dark_brand_color if COLOUR.match(user.dark_brand_color or "") else brand
        return cls(mode, brand, dark)


def create_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("calendula.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        version=__version__,
        format_time=calendar_view.format_time,
        format_day=calendar_view.format_day,
        format_month=calendar_view.format_month,
        format_moment=calendar_view.format_moment,
        utc_iso=calendar_view.utc_iso,
        zone_options=calendar_view.zone_options,
    )
    return env


NONCE_SLOT = "@@calendula-nonce@@"
FORM_TOKEN_SLOT = "@@calendula-form-token@@"
LOOKUP_SECONDS = 2.0
"""How long a page may show a host's profile and event type as read (the slot cache's 2 s)."""


@dataclass(frozen=True)
class Web:
    container: Container
    templates: Environment
    lookups: dict[Hashable, tuple[float, Any]] = field(default_factory=dict)

    @property
    def secret_key(self) -> str:
        return self.container.settings.secret_key

    @property
    def base_url(self) -> str:
        return self.container.settings.public_base_url

    def public(self, username: str, slug: str | None = None) -> OwnedEventTypes | None:
        """`EventTypeService.list_public`, remembered for `LOOKUP_SECONDS` (the booker's hot
        path reads no database when its slots are cached too)."""
        key = (username, slug)
        now = time.monotonic()
        found = self.lookups.get(key)
        if found is not None and found[0] > now:
            owned: OwnedEventTypes | None = found[1]
            return owned
        if len(self.lookups) > MAX_LOOKUPS:
            self.lookups.clear()
        owned = self.container.event_types.list_public(username, slug=slug)
        self.lookups[key] = (now + LOOKUP_SECONDS, owned)
        return owned

    def render(self, request: Request, template: str, context: dict[str, Any]) -> str:
        """`template` rendered with placeholders for the per-response nonce and form token, so
        a rendering may be kept and answered again (`respond`)."""
        values = {
            "request_path": request.url.path,
            "nonce": NONCE_SLOT,
            "theme": Theme.of(None, request.query_params.get("theme")),
            "embed": None,
            "form_token": FORM_TOKEN_SLOT,
            **context,
        }
        return self.templates.get_template(template).render(values)

    def respond(
        self, request: Request, html: str, *, embeddable: bool, status: int = 200
    ) -> HTMLResponse:
        """`html` from `render`, with a fresh nonce and form token, and the security headers."""
        nonce = new_nonce()
        token = form_token(self.secret_key, request.url.path, self.container.clock.now())
        body = html.replace(NONCE_SLOT, nonce).replace(FORM_TOKEN_SLOT, token)
        headers = page_headers(nonce, embeddable=embeddable)
        return HTMLResponse(body, status_code=status, headers=headers)

    def page(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        theme: Theme | None = None,
    ) -> HTMLResponse:
        """`template` rendered; `embed` (the `?embed=` namespace) makes it frameable anywhere."""
        if theme is not None:
            context = {**context, "theme": theme}
        html = self.render(request, template, context)
        return self.respond(
            request, html, embeddable=context.get("embed") is not None, status=status
        )


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def embed_namespace(request: Request, *, embedded: bool = False) -> str | None:
    """The embed namespace (`?embed=ns`; "" for the default) when the page is embedded."""
    value = request.query_params.get("embed")
    if value is None:
        return "" if embedded else None
    return value if re.fullmatch(r"[\w-]{0,64}", value) else ""
