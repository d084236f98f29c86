"""Protection of the pages' forms (CSRF) and the headers every page carries (CSP and friends).

Owns: `form_token` / `check_form` and `page_headers`.

CSRF: the pages have no login and set no cookies, so a forged cross-site form post carries no
ambient authority; still, every form post must (1) come from this origin: a browser's `Origin`
(and `Sec-Fetch-Site`, when sent) must name this server, which also holds inside the embed's
iframe, whose document is ours; and (2) carry a form token: an HMAC of the form's path and the
time it was issued, valid for `FORM_TOKEN_SECONDS`. Clients without `Origin` (curl, tests)
still need the token. No state is stored.

CSP: scripts, styles, images and connections only from this origin; the one inline `<style>`
(the host's brand colour) carries a per-response nonce. Normal pages may only be framed by
this origin; embed pages (`/{calLink}/embed`, and pages opened with `?embed=`) by any site,
which is what an embed is for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from starlette.requests import Request

FORM_TOKEN_SECONDS = 6 * 3600


def form_token(secret_key: str, path: str, now: datetime) -> str:
    issued = str(int(now.timestamp()))
    return f"{issued}.{_mac(secret_key, path, issued)}"


def _mac(secret_key: str, path: str, issued: str) -> str:
    message = f"calendula:form:v1:{path}:{issued}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def is_same_origin(request: Request, public_base_url: str) -> bool:
    """Whether a browser says this post comes from one of our own pages."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's form post (browsers send Origin on every POST)
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin in (own, public_base_url)


def check_form(
    request: Request, token: str | None, secret_key: str, public_base_url: str, now: datetime
) -> bool:
    """Whether a form post to `request`'s path is ours: same origin and a fresh valid token."""
    if not is_same_origin(request, public_base_url) or not token or "." not in token:
        return False
    issued, mac = token.split(".", 1)
    if not issued.isdigit() or not hmac.compare_digest(
        _mac(secret_key, request.url.path, issued), mac
    ):
        return False
    age = now.timestamp() - int(issued)
    return -300 <= age <= FORM_TOKEN_SECONDS


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def page_headers(nonce: str, *, embeddable: bool) -> dict[str, str]:
    ancestors = "*" if embeddable else "'self'"
    policy = (
        "default-src 'none'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if not embeddable:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers
