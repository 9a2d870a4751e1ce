"""Translate domain errors and bad requests into JSON responses at the edge."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.json_text import parse_json

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATUS = {
    InvalidInputError: 400,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
}


def json_error(status: int, message: str) -> web.Response:
    """A JSON error body: ``{"error": message}``."""
    return web.json_response({"error": message}, status=status)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; every route that takes JSON reads it here.

    Raises:
        InvalidInputError: the body is not UTF-8 JSON, nests too deep or holds a number too
            long to convert; :func:`error_middleware` answers it with a 400. Lone surrogates
            in strings come back as U+FFFD (see :mod:`outreach_bot.domain.json_text`).
    """
    return parse_json(await request.read())


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors become 4xx JSON; JSON routes never leak a 500 page for bad input."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except (InvalidInputError, PermissionDeniedError, NotFoundError, ConflictError) as error:
        return json_error(_STATUS[type(error)], str(error))
    except (SQLAlchemyError, OSError) as error:
        # Nothing was committed: the caller (Telegram, Twilio, a widget) should retry later.
        # No traceback: SQL errors quote bound parameters, which may hold personal data.
        logger.error(  # noqa: TRY400
            "storage unavailable on %s (%s)", request.path, type(error).__name__
        )
        return json_error(503, "temporarily unavailable, please retry")
