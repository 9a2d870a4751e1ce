"""How Telegram updates reach us, read from the settings alone.

Kept apart from :mod:`outreach_bot.channels.telegram` so that ``outreach-bot run`` can say
whether Telegram is on without importing python-telegram-bot (about 18 MB and a tenth of a
second), which a server with no token never needs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from outreach_bot.config import Settings

WEBHOOK_PATH: Final = "/webhooks/telegram"


class UpdateMode(StrEnum):
    """How updates reach us."""

    POLLING = "polling"
    WEBHOOK = "webhook"


def update_mode(settings: Settings) -> UpdateMode | None:
    """Webhook when the public URL is https (or forced), polling otherwise, None without token."""
    if not settings.telegram_token:
        return None
    webhook = settings.telegram_webhook
    if webhook is None:
        webhook = settings.public_url.scheme == "https"
    return UpdateMode.WEBHOOK if webhook else UpdateMode.POLLING


def webhook_url(settings: Settings) -> str:
    """Where Telegram posts updates in webhook mode."""
    return str(settings.public_url).rstrip("/") + WEBHOOK_PATH


def describe(settings: Settings) -> str:
    """One status line for ``outreach-bot run``."""
    mode = update_mode(settings)
    if mode is None:
        return "Telegram: off (set OUTREACH_TELEGRAM_TOKEN to turn it on)"
    if mode is UpdateMode.WEBHOOK:
        return f"Telegram: webhook at {webhook_url(settings)}"
    return "Telegram: polling (long polling, no public HTTPS URL needed)"
