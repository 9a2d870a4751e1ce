"""Endpoints for external assistants: the Rasa action server in ``actions/`` calls these.

``GET /api/answers/{intent}``, ``GET /api/consent-text``, ``POST /api/fields/{field}``,
``POST /api/consents``, ``POST /api/leads``, ``POST /api/erasure``, ``POST /api/crisis-check``
and ``POST /api/alerts``.
Bodies are JSON, read into pydantic models here; the rules live in
:mod:`outreach_bot.core.conversation.assistants`. Every write is audited under the name of the
bearer token that made it. ``locale`` ("fr" or "en") picks the language of the texts
returned for the young person; French when left out.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from outreach_bot.core.conversation.assistants import (
    MAX_SENDER_LENGTH,
    LeadRequest,
    answer_topic,
    check_field,
    consent_request,
    crisis_check,
    erase_sender,
    raise_alert,
    record_consent,
    submit_lead,
)
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.web.api.auth import api_client_key, token_name_key
from outreach_bot.web.errors import read_json
from outreach_bot.web.keys import services_key

Locale = Literal["fr", "en"]
SenderId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SENDER_LENGTH)
]
Text = Annotated[str, StringConstraints(max_length=2000)]
_Body = TypeVar("_Body", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocaleQuery(_Strict):
    """Query of the GET endpoints."""

    locale: Locale = "fr"


class FieldBody(_Strict):
    """``POST /api/fields/{field}``: one answer as the young person typed it."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    locale: Locale = "fr"


class ConsentBody(_Strict):
    """``POST /api/consents``: this sender agreed to the consent text of this version."""

    sender_id: SenderId
    text_version: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class LeadBody(_Strict):
    """``POST /api/leads``: the answers an assistant collected, as checked by the fields API."""

    sender_id: SenderId
    age: int = Field(strict=True)
    phone: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    first_name: Text | None = None
    commune_insee: Annotated[str, StringConstraints(max_length=5)] | None = None
    need: Text | None = None
    availability: Text | None = None
    topic: Annotated[str, StringConstraints(max_length=40)] | None = None
    locale: Locale = "fr"


class ErasureBody(_Strict):
    """``POST /api/erasure``: erase everything about this sender."""

    sender_id: SenderId
    locale: Locale = "fr"


class CrisisCheckBody(_Strict):
    """``POST /api/crisis-check``: a message to pass through the safety net, nothing more.

    Any length is read (its beginning, as for an alert): refusing a long cry for help would
    leave it unseen.
    """

    text: str


class AlertBody(_Strict):
    """``POST /api/alerts``: this sender is in distress; ``text`` only picks the crisis text."""

    sender_id: SenderId
    text: str | None = None
    locale: Locale = "fr"


def _validated(model: type[_Body], raw: object) -> _Body:
    """``raw`` as ``model``, or a 400 naming the first wrong field (never the value sent)."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidInputError(f"{where}: {first['msg']}") from error


async def _body(request: web.Request, model: type[_Body]) -> _Body:
    return _validated(model, await read_json(request))


def _actor(request: web.Request) -> str:
    return f"api:{request[token_name_key]}"


async def answer_view(request: web.Request) -> web.Response:
    """The reviewed knowledge-base answer for an intent; 404 when it has none."""
    query = _validated(LocaleQuery, dict(request.query))
    content = request.app[services_key].content
    answer = answer_topic(content, request.match_info["intent"], query.locale)
    return web.json_response(answer.as_dict())


async def consent_text_view(request: web.Request) -> web.Response:
    """The consent text to show before recording a consent, with its version and buttons."""
    query = _validated(LocaleQuery, dict(request.query))
    content = request.app[services_key].content
    return web.json_response(consent_request(content, query.locale).as_dict())


async def field_view(request: web.Request) -> web.Response:
    """Check one lead-form answer with our parsers; nothing is stored."""
    body = await _body(request, FieldBody)
    content = request.app[services_key].content
    result = check_field(content, request.match_info["field"], body.text, locale=body.locale)
    return web.json_response(result.as_dict())


async def consent_view(request: web.Request) -> web.Response:
    """Record a consent: 201 when new, 200 when it was recorded already, 409 on an old text."""
    body = await _body(request, ConsentBody)
    services = request.app[services_key]
    receipt = await record_consent(
        services.sessions,
        services.content,
        sender_id=body.sender_id,
        text_version=body.text_version,
        actor=_actor(request),
    )
    return web.json_response(receipt.as_dict(), status=201 if receipt.created else 200)


async def lead_view(request: web.Request) -> web.Response:
    """Queue a lead: 201 when created, 200 when one is still open, 409 without consent."""
    body = await _body(request, LeadBody)
    services = request.app[services_key]
    receipt = await submit_lead(
        services.sessions,
        services.content,
        services.events,
        LeadRequest(
            sender_id=body.sender_id,
            age=body.age,
            phone=body.phone,
            first_name=body.first_name,
            commune_insee=body.commune_insee,
            need=body.need,
            availability=body.availability,
            topic=body.topic,
        ),
        actor=_actor(request),
        locale=body.locale,
        sector_ids=request[api_client_key].sector_ids,
    )
    return web.json_response(receipt.as_dict(), status=201 if receipt.created else 200)


async def erasure_view(request: web.Request) -> web.Response:
    """Erase everything about a sender; asking again is harmless."""
    body = await _body(request, ErasureBody)
    services = request.app[services_key]
    receipt = await erase_sender(
        services.sessions,
        services.content,
        sender_id=body.sender_id,
        actor=_actor(request),
        locale=body.locale,
        sector_ids=request[api_client_key].sector_ids,
    )
    return web.json_response(receipt.as_dict())


async def crisis_check_view(request: web.Request) -> web.Response:
    """Whether a message shows distress, and of which kind; nothing is stored or raised."""
    body = await _body(request, CrisisCheckBody)
    kind = crisis_check(body.text)
    return web.json_response({"crisis": kind is not None, "kind": kind})


async def alert_view(request: web.Request) -> web.Response:
    """Alert the team to a young person in distress and return the crisis text to show."""
    body = await _body(request, AlertBody)
    services = request.app[services_key]
    answer = await raise_alert(
        services.sessions,
        services.content,
        services.events,
        sender_id=body.sender_id,
        text=body.text,
        actor=_actor(request),
        locale=body.locale,
    )
    return web.json_response(answer.as_dict())


def add_routes(app: web.Application) -> None:
    """Mount on the API sub-application (bearer-token authentication)."""
    app.router.add_get("/answers/{intent}", answer_view)
    app.router.add_get("/consent-text", consent_text_view)
    app.router.add_post("/fields/{field}", field_view)
    app.router.add_post("/consents", consent_view)
    app.router.add_post("/leads", lead_view)
    app.router.add_post("/erasure", erasure_view)
    app.router.add_post("/crisis-check", crisis_check_view)
    app.router.add_post("/alerts", alert_view)
