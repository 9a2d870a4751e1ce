"""Translate domain errors and bad requests into JSON responses at the edge."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy
from sqlalchemy.exc import SQLAlchemyError

from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.json_text import parse_json
from outreach_bot.domain.log_text import escape_for_log

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


_PARSED_BODY: Final = web.RequestKey("parsed_json_body", object)
_UNREADABLE: Final = web.RequestKey("unreadable_form", bool)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; every route that takes JSON reads it here.

    Raises:
        InvalidInputError: the body is not UTF-8 JSON, nests too deep or holds a number too
            long to convert; :func:`error_middleware` answers it with a 400. Lone surrogates
            in strings come back as U+FFFD (see :mod:`outreach_bot.domain.json_text`).

    The parsed body is kept on the request: the rate limiter reads the sender before the
    handler reads the message, and a message is parsed once.
    """
    if _PARSED_BODY not in request:
        request[_PARSED_BODY] = parse_json(await request.read())
    return request[_PARSED_BODY]


UNREADABLE_FORM: Final = (
    "Ce formulaire n'a pas pu être lu (envoi coupé, encodage ou séparateur invalide). "
    "Recharge la page et recommence."
)
_FORM_ERRORS: Final = (
    ValueError,  # a bad boundary, undecodable bytes (UnicodeDecodeError), a part without name
    LookupError,  # an unknown charset
    RuntimeError,  # an unknown Content-Encoding or Content-Transfer-Encoding in a part
    TypeError,
    AssertionError,  # aiohttp's multipart reader asserts on some truncated bodies
    HttpProcessingError,  # too many headers in a part
)


async def read_form(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The request's form fields; every route that reads a form reads it here.

    aiohttp's ``request.post()`` raises on a multipart body with a wrong or missing boundary,
    bytes that are not in the declared charset, or an unknown charset or encoding: errors of
    the client's making that would otherwise be a 500 with a traceback.

    Raises:
        InvalidInputError: the body cannot be read as a form; answered 400 by
            :func:`error_middleware` (JSON) or the back office's error page (HTML). A body over
            the size limit still raises aiohttp's own 413.
    """
    if _UNREADABLE in request:  # read once already (the rate limiter): the body is gone
        raise InvalidInputError(UNREADABLE_FORM)
    try:
        return await request.post()
    except web.HTTPException:
        raise
    except _FORM_ERRORS as error:
        # The error's text may quote the body: the class name is enough to diagnose.
        logger.info(
            "unreadable form on %s refused (%s)",
            escape_for_log(request.path),
            type(error).__name__,
        )
        request[_UNREADABLE] = True
        raise InvalidInputError(UNREADABLE_FORM) from None


class ClientErrorLogFilter(logging.Filter):
    """Logs a malformed HTTP request as one WARNING line, not an ERROR with a traceback.

    aiohttp's parser answers a request line over 8 kB or a control character in a header with
    a 400 itself, then logs the exception at ERROR on ``aiohttp.server``, with the offending
    bytes (a query string may hold a phone number). The client is at fault and was answered:
    we keep the status and the error class, and drop the traceback and the request's content.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place when it is a client's malformed request; keep it."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:  # noqa: PLR2004
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = "malformed HTTP request refused with %s (%s)"
            record.args = (error.code, type(error).__name__)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_client_errors() -> None:
    """Install :class:`ClientErrorLogFilter` on aiohttp's server logger, once per process."""
    server_logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientErrorLogFilter) for f in server_logger.filters):
        server_logger.addFilter(ClientErrorLogFilter())


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
        log_storage_unavailable(request, error)
        return json_error(503, "temporarily unavailable, please retry")


def log_storage_unavailable(request: web.Request, error: BaseException) -> None:
    """One ERROR line for a request the database could not serve, without a traceback.

    Nothing was committed: the caller (Telegram, Twilio, a widget) should retry later. No
    traceback: SQL errors quote bound parameters, which may hold personal data.
    """
    logger.error(
        "storage unavailable on %s (%s)", escape_for_log(request.path), type(error).__name__
    )


def wants_html(request: web.Request) -> bool:
    """Whether a browser asked for this page (``Accept: text/html``), not an API client."""
    return "text/html" in request.headers.get("Accept", "")
