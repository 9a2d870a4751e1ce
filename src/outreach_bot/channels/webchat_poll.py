"""Counsellor messages for the web chat, which has no push: ``GET /webhooks/rest/messages``.

During a human takeover the counsellor writes from the back office; a Telegram or SMS user
gets that through the outbox, while the web chat page asks here every few seconds with its
sender id and the last message id it has shown. The answer also says, in the
``X-Counsellor-Holds`` header (``yes`` or ``no``), whether a counsellor holds the
conversation, so that the page's header says "un conseiller" for as long as they do, even
when the bot itself has to give crisis numbers meanwhile.
"""

from __future__ import annotations

from aiohttp import web

from outreach_bot.channels.rest import CHANNEL, MAX_SENDER_LENGTH
from outreach_bot.core.leads.queue import webchat_news
from outreach_bot.domain.numbers import MAX_RECORD_ID, parse_whole_number
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key

MAX_ID_DIGITS = len(str(MAX_RECORD_ID))
HELD_HEADER = "X-Counsellor-Holds"


async def on_poll(request: web.Request) -> web.Response:
    """``?sender=ID&after=N`` → ``[{"id", "text", "at", "from"}]``, oldest first (``from``
    is ``counsellor`` or ``bot``); 400 on bad input."""
    sender = request.query.get("sender", "").strip()
    if not sender or len(sender) > MAX_SENDER_LENGTH:
        return json_error(400, "sender: must be 1 to 128 characters")
    after = parse_whole_number(request.query.get("after", "0"), max_digits=MAX_ID_DIGITS)
    if after is None or after > MAX_RECORD_ID:
        return json_error(400, "after: must be a message id")
    news = await webchat_news(
        request.app[services_key].sessions, channel=CHANNEL, sender_id=sender, after=after
    )
    return web.json_response(
        [
            {
                "id": line.id,
                "text": line.text,
                "at": line.at.isoformat(),
                "from": "counsellor" if line.from_counsellor else "bot",
            }
            for line in news.messages
        ],
        headers={"Cache-Control": "no-store", HELD_HEADER: "yes" if news.held else "no"},
    )


def add_routes(app: web.Application) -> None:
    """Mount the poll endpoint next to the REST channel."""
    app.router.add_get("/webhooks/rest/messages", on_poll)
