"""Rasa-compatible REST channel: ``POST /webhooks/rest/webhook``, used by the web chat too."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from outreach_bot.content import Content
from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.conversation.service import InboundResult
from outreach_bot.dialogue.replies import Reply
from outreach_bot.web.errors import json_error, read_json
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_SENDER_LENGTH = 128
MAX_MESSAGE_ID_LENGTH = 100
"""``metadata.message_id``: a client's own id for a message, so that a resend (the web chat
after a lost answer) is stored once and answered with what was already said."""
MAX_LANGUAGE_LENGTH = 35
"""``metadata.language``: the BCP 47 code of the page the message was written from (the QR
landing page's web chat sends it with ``/start``); the conversation goes on in it unless the
person already chose a language. A code the bot has no texts for changes nothing."""


class RestBody(BaseModel):
    """The request body of Rasa's REST channel."""

    model_config = ConfigDict(extra="ignore")

    sender: StrictStr | StrictInt
    message: StrictStr
    metadata: dict[str, Any] = Field(default_factory=dict)


def render(
    recipient: str,
    replies: list[Reply],
    *,
    erased: bool = False,
    held: bool = False,
    language: str = "fr",
    direction: str = "ltr",
) -> list[dict[str, Any]]:
    """Replies in the shape Rasa's REST channel returns.

    A crisis number travels as a button whose payload is a ``tel:`` or ``sms:`` link: a page
    shows it as a link to tap, never sends it back. After an erasure the last reply carries
    ``"custom": {"erased": true}`` (Rasa's slot for channel-specific data), so the web chat
    knows to clear its screen and forget its token. While a counsellor holds the conversation,
    what the bot still says (crisis numbers) carries ``"custom": {"held": true}``, so the web
    chat's header keeps saying that a person of the team is writing. A question of the contact
    form carries ``"custom": {"field": "age"}`` (``"invalid": true`` when it asks again after
    an answer it could not read), so the web chat shows the right keyboard and marks its
    input as in error. Every reply carries the conversation's language and its writing
    direction (``"custom": {"language": "ar", "direction": "rtl"}``), so a page can turn
    right-to-left and show its own labels in the language the person reads.
    """
    rendered: list[dict[str, Any]] = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": recipient, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [
                {"title": button.title, "payload": button.payload} for button in reply.buttons
            ]
        custom: dict[str, Any] = {"language": language, "direction": direction}
        if reply.field:
            custom["field"] = reply.field
        if reply.invalid:
            custom["invalid"] = True
        if held:
            custom["held"] = True
        item["custom"] = custom
        rendered.append(item)
    if erased and rendered:
        rendered[-1]["custom"] = {"erased": True, "language": language, "direction": direction}
    return rendered


def render_result(content: Content, sender: str, result: InboundResult) -> list[dict[str, Any]]:
    """What the core answered, in the REST shape, with the conversation's language and its
    direction: the web chat's messages and files alike, so a photo sent in an Arabic
    conversation does not turn the page back to French."""
    language = content.languages.get(result.locale)
    return render(
        sender,
        result.replies,
        erased=result.erased,
        held=result.held,
        language=result.locale,
        direction=language.direction if language else "ltr",
    )


async def on_message(request: web.Request) -> web.Response:
    """Parse, hand to the core, render. Bad input is a 400 with a JSON reason, never a 500."""
    data = await read_json(request)
    try:
        body = RestBody.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return json_error(400, f"{where}: {first['msg']}")
    sender = str(body.sender).strip()
    if not sender or len(sender) > MAX_SENDER_LENGTH:
        return json_error(400, "sender: must be 1 to 128 characters")
    if "\x00" in body.message:
        return json_error(400, "message: must be text")
    message_id = body.metadata.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH
    ):
        return json_error(400, "metadata.message_id: must be 1 to 100 characters")
    language = body.metadata.get("language")
    if language is not None and (
        not isinstance(language, str) or not 0 < len(language) <= MAX_LANGUAGE_LENGTH
    ):
        return json_error(400, "metadata.language: must be a language code such as 'ar'")
    services = request.app[services_key]
    result = await services.conversations.handle_inbound(
        InboundMessage(
            channel=CHANNEL,
            sender_id=sender,
            text=body.message,
            message_id=message_id,
            metadata=body.metadata,
            language=language,
        )
    )
    return web.json_response(render_result(services.content, sender, result))


def add_routes(app: web.Application) -> None:
    """Mount the REST channel."""
    app.router.add_post("/webhooks/rest/webhook", on_message)
