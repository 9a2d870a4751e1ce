"""The back office: an aiohttp sub-app at ``/admin/`` with its own sessions, CSRF and pages.

Counsellors work here, often from a phone: server-rendered pages that work without
JavaScript, plus one small vendored script for live updates and the SMS length counter.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

import aiohttp_jinja2
import jinja2
from aiohttp import web

from outreach_bot.core.services import Services
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.web.admin import (
    account,
    campaigns,
    export,
    followups,
    lead,
    lists,
    places,
    privacy,
    quality,
    queue,
    referrals,
    team,
    texts,
)
from outreach_bot.web.admin.page import FILTERS, language_label, render
from outreach_bot.web.admin.security import (
    Handler,
    auth_middleware,
    csrf_middleware,
    headers_middleware,
    session_middleware,
)
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

HERE: Final = Path(__file__).parent
STATIC_FILES: Final = frozenset(path.name for path in (HERE / "static").iterdir())
NOT_FOUND: Final = "Cette page n'existe pas ou ne t'est pas ouverte."
_STATUS: Final = {
    NotFoundError: (404, "Introuvable"),
    PermissionDeniedError: (403, "Accès refusé"),
    ConflictError: (409, "Conflit"),
    InvalidInputError: (400, "Saisie invalide"),
}


@web.middleware
async def error_page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors become a plain HTML page with the right status, in French."""
    try:
        return await handler(request)
    except (NotFoundError, PermissionDeniedError, ConflictError, InvalidInputError) as error:
        status, title = _STATUS[type(error)]
        # A missing id and another sector's id must look the same: no detail on a 404.
        message = NOT_FOUND if isinstance(error, NotFoundError) else str(error)
    except web.HTTPNotFound:
        status, title, message = 404, "Introuvable", NOT_FOUND
    return await render(request, "error.html", {"title": title, "message": message}, status=status)


@web.middleware
async def static_files_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``/admin/static/`` serves our own files only; any other name is a 404 at once.

    aiohttp's static handler looks every name up on disk, and a name over 255 bytes makes it
    raise ``OSError`` (file name too long), which read as a storage outage (a false 503).
    """
    route = request.match_info.route
    if route.name == "static" and request.match_info.get("filename") not in STATIC_FILES:
        raise web.HTTPNotFound
    return await handler(request)


async def _to_admin(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/admin/")


def setup(app: web.Application, services: Services) -> None:
    """Mount the back office at ``/admin/`` on ``app``."""
    admin = web.Application(
        middlewares=[
            lists.upload_size_middleware,
            headers_middleware,
            session_middleware(services, services.secret),
            error_page_middleware,
            static_files_middleware,
            auth_middleware,
            csrf_middleware,
        ]
    )
    admin[services_key] = services
    aiohttp_jinja2.setup(
        admin,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters={**FILTERS, "language_label": language_label(services.content)},
        trim_blocks=True,
        lstrip_blocks=True,
    )
    admin.router.add_static("/static/", HERE / "static", name="static", append_version=True)
    account.add_routes(admin)
    team.add_routes(admin)
    queue.add_routes(admin)
    export.add_routes(admin)
    lead.add_routes(admin)
    followups.setup(admin)
    privacy.add_routes(admin)
    campaigns.setup(admin)
    places.setup(admin)
    lists.setup(admin)
    quality.setup(admin)
    texts.setup(admin)
    referrals.setup(admin)
    app.router.add_get("/admin", _to_admin)
    app.add_subapp("/admin/", admin)
