"""The SMS channel: one adapter, two providers (Twilio, SMS Gateway for Android).

``setup`` mounts the configured provider's webhooks and registers ``services.outbound["sms"]``
(what the outbox dispatcher sends through) and ``services.budgets["sms"]`` (the daily cost
guard, which the scheduler asks too); the quiet hours are every channel's sending rules.
Replies never go in the webhook response: the core queues them in the persistent outbox, so
a provider outage or a restart loses nothing (docs/channels/sms.md, "Sent once").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final, Protocol

from aiohttp import web

from outreach_bot.channels.sms_text import count_segments, render_reply
from outreach_bot.config import Settings, SmsProvider
from outreach_bot.content import Content
from outreach_bot.core.channel import Delivery, SendCancelledError, SendLimits, SendResult
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.fields import is_french_mobile

if TYPE_CHECKING:
    from outreach_bot.core.delivery.sms_policy import DailyLimit

logger = logging.getLogger(__name__)

CHANNEL: Final = "sms"
CHOOSE_TWO: Final = "sms_choose_two"
CHOOSE_MANY: Final = "sms_choose_many"
#: Messages said by this adapter rather than the dialogue, with their placeholders.
SMS_MESSAGES: Final = {CHOOSE_TWO: frozenset[str](), CHOOSE_MANY: frozenset({"last"})}
MOBILE_SENDER_WARNING: Final = (
    "%s is a French mobile number (06/07): since 1 January 2023 French operators block "
    "automated SMS sent from such numbers (ARCEP décision 2022-1583), so the bot's replies and "
    "campaign SMS may never arrive; use a 09 37-09 39 number, or Twilio with an alphanumeric "
    "sender or a short code (docs/channels/sms.md)"
)


class SmsTransport(Protocol):
    """One provider's way of putting an SMS body on the network."""

    async def start(self) -> None:
        """Open connections; called once the event loop runs."""
        ...

    async def close(self) -> None:
        """Close connections."""
        ...

    @property
    def limits(self) -> SendLimits:
        """How fast this provider takes messages (the outbox dispatcher keeps to it)."""
        ...

    async def deliver(self, recipient: str, body: str, key: str | None = None) -> SendResult:
        """Send ``body`` to ``recipient`` (E.164); ``key`` is the same on every attempt at one
        outbox row, for providers that can refuse a message they already took."""
        ...


class SmsRenderer:
    """Turns a dialogue reply into an SMS body: numbered choices and GSM-7 friendly text."""

    def __init__(self, content: Content) -> None:
        content.require_messages(SMS_MESSAGES)
        self._content = content
        self._language_of_title = {
            text: code
            for localized in content.messages.values()
            for code, text in localized.items()
            if code != "fr" and text != localized.fr
        }

    def locale_of(self, reply: Reply) -> str:
        """The language of the reply's text or buttons (the dialogue chose it); French
        otherwise. The language list's buttons are each in its own language: its text says."""
        said = (reply.text, *(button.title for button in reply.buttons))
        return next(
            (self._language_of_title[t] for t in said if t in self._language_of_title), "fr"
        )

    def instruction(self, reply: Reply) -> str | None:
        """ "Réponds 1 ou 2." under two or more choices; a lone choice needs no instruction."""
        count = len(reply.choices)
        if count < 2:  # noqa: PLR2004 - a single "Passer" is an option, not a question
            return None
        if count == 2:  # noqa: PLR2004
            return self._content.message(CHOOSE_TWO, self.locale_of(reply))
        return self._content.message(CHOOSE_MANY, self.locale_of(reply), last=count)

    def render(self, reply: Reply) -> str:
        """The SMS body of ``reply``."""
        return render_reply(reply, self.instruction(reply))


class SmsChannel:
    """``services.outbound["sms"]``: budget check, rendering, segment count, provider call."""

    name = CHANNEL

    def __init__(self, transport: SmsTransport, renderer: SmsRenderer, limit: DailyLimit) -> None:
        self._transport = transport
        self._renderer = renderer
        self._limit = limit
        self.limits = transport.limits

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        """Send one reply; ``segments`` is what the Mission Locale pays for it.

        Raises:
            SendCancelledError: the conversation reached its daily budget; the dispatcher
                cancels the row instead of sending it.
        """
        checked = delivery is not None and delivery.within_budget
        if not checked and not await self._limit.allows(recipient, reply):
            logger.info("SMS held back: the conversation reached its daily limit")
            raise SendCancelledError("daily SMS limit reached", unsaid=True)
        body = self._renderer.render(reply)
        result = await self._transport.deliver(recipient, body, delivery.key if delivery else None)
        return SendResult(
            provider_message_id=result.provider_message_id,
            segments=result.segments or count_segments(body).segments,
        )

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: the provider's connections live as long as the app."""
        await self._transport.start()
        yield
        await self._transport.close()


def _public(settings: Settings) -> str:
    return str(settings.public_url).rstrip("/")


def _warn_if_mobile_sender(settings: Settings) -> None:
    """One warning line at start-up when the bot would text from a French 06/07 number.

    With the Android gateway the sender is the phone's SIM, whose number the bot knows only as
    ``OUTREACH_SMS_NUMBER`` (the number posters and landing pages give for campaigns); with
    Twilio it is ``OUTREACH_TWILIO_FROM`` (or that same setting). The number itself is not
    logged. Start-up goes on: the operators' filtering is theirs to enforce, not ours.
    """
    if settings.sms_provider is SmsProvider.TWILIO and settings.twilio_from:
        setting, number = "OUTREACH_TWILIO_FROM", settings.twilio_from
    else:
        setting, number = "OUTREACH_SMS_NUMBER", settings.sms_number
    if is_french_mobile(number):
        logger.warning(MOBILE_SENDER_WARNING, setting)


def setup(app: web.Application, services: Services) -> None:
    """Mount the configured provider and register the SMS channel; nothing if none is set.

    The settings the chosen provider needs were checked with the others, by
    :class:`~outreach_bot.config.Settings`.
    """
    settings = services.settings
    if settings.sms_provider is None:
        logger.info("SMS channel off: OUTREACH_SMS_PROVIDER is not set")
        return
    # Imported here so a server without SMS does not load the providers' modules (Twilio's
    # SDK).
    from outreach_bot.core.delivery.sms_policy import (  # noqa: PLC0415 - only when SMS is on
        DailyLimit,
        SmsInbox,
    )

    limit = DailyLimit(
        sessions=services.sessions,
        events=services.events,
        content=services.content,
        limit=settings.sms_daily_limit,
    )
    inbox = SmsInbox(conversations=services.conversations, sessions=services.sessions, limit=limit)
    transport: SmsTransport
    if settings.sms_provider is SmsProvider.TWILIO:
        from outreach_bot.channels.sms_twilio import (  # noqa: PLC0415 - only for Twilio
            STATUS_PATH,
            TwilioTransport,
            TwilioWebhook,
        )

        transport = TwilioTransport(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            sender=settings.twilio_from or settings.sms_number,
            base_url=str(settings.twilio_base_url),
            status_callback=_public(settings) + STATUS_PATH,
        )
        TwilioWebhook(
            auth_token=settings.twilio_auth_token,
            public_url=_public(settings),
            inbox=inbox,
            media=transport.fetch_media,
        ).add_routes(app)
    else:
        from outreach_bot.channels.sms_gateway import (  # noqa: PLC0415 - only for the gateway
            GatewayTransport,
            GatewayWebhook,
        )

        transport = GatewayTransport(
            base_url=str(settings.smsgateway_url),
            login=settings.smsgateway_login,
            password=settings.smsgateway_password,
            legacy_payload=settings.smsgateway_legacy_payload,
        )
        GatewayWebhook(signing_key=settings.smsgateway_signing_key, inbox=inbox).add_routes(app)
    _warn_if_mobile_sender(settings)
    channel = SmsChannel(transport, SmsRenderer(services.content), limit)
    services.outbound[CHANNEL] = channel
    services.budgets[CHANNEL] = limit
    app.cleanup_ctx.append(channel.running)
    logger.info("SMS channel on: %s", settings.sms_provider.value)
