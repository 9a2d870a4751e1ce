"""Security headers: one middleware, with one policy for the back office and one for the public.

Both policies forbid framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no
click-jacking of the chat or the back office), scripts from anywhere but our own files, and
MIME sniffing. The public pages (``/q/…``, the web chat, the JSON endpoints) send no referrer
at all, so a campaign code or a sender id never leaks to a site a young person opens next;
the landing page keeps its small inline ``<style>`` so it opens fast, hence
``style-src 'unsafe-inline'`` there (scripts stay strict). Headers a handler set itself win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import CIMultiDict

ADMIN_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
PUBLIC_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def security_headers(headers: Mapping[str, str], *, no_store: bool = False) -> Middleware:
    """A middleware adding ``headers`` to every response, error pages and redirects included.

    ``no_store`` also forbids caching, except for routes named ``static`` (versioned assets):
    the back office shows personal data on every page.
    """

    def apply(request: web.Request, target: CIMultiDict[str]) -> None:
        for name, value in headers.items():
            target.setdefault(name, value)
        if no_store and request.match_info.route.name != "static":
            target.setdefault("Cache-Control", "no-store")

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            apply(request, error.headers)
            raise
        if not response.prepared:  # a live feed has sent its headers already
            apply(request, response.headers)
        return response

    return middleware
