"""Rendering back-office pages: the shared context every template gets and the filters
(French labels from :mod:`outreach_bot.web.admin.labels`, Paris times, national phones)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import phonenumbers
from aiohttp import web
from markupsafe import Markup, escape

from outreach_bot.content import Content
from outreach_bot.content.languages import REFERENCE
from outreach_bot.core.leads.alerts import urgent_waiting
from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.web.admin.labels import (
    AUTHOR_LABELS,
    CHANNEL_LABELS,
    EVENT_LABELS,
    INTENT_LABELS,
    MEDIA_LABELS,
    MEDIA_PROBLEMS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    button_label,
    start_label,
    text_key_label,
)
from outreach_bot.web.admin.security import account_key, csrf_token, take_flashes
from outreach_bot.web.keys import services_key

TIMEZONE: Final = ZoneInfo("Europe/Paris")


def local_time(moment: datetime | date | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored time as the team reads it: Paris time, day first."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(TIMEZONE).strftime(fmt)
    return moment.strftime("%d/%m/%Y")


def language_label(content: Content) -> Callable[[str | None], str]:
    """The filter naming a lead's language for the team: nothing for French, the name for
    easy French, and "interprète souhaité" after any other language."""

    def label(code: str | None) -> str:
        if not code or code == REFERENCE:
            return ""
        language = content.languages.get(code)
        name = language.name if language else code
        return name if code.startswith(f"{REFERENCE}-") else f"{name} · interprète souhaité"

    return label


def national_phone(value: str | None) -> str:
    """A stored E.164 number as the team dials it: 06 12 34 56 78 (abroad: +32 …)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 33:  # noqa: PLR2004 - France's calling code
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


LINK_RE: Final = re.compile(
    r"(?<![\w@/.-])((?:https?://|www\.)[^\s<>«»\"]+|"
    r"(?:[a-z0-9-]+\.)+(?:gouv\.fr|fr|org|com|net|eu|info)(?:/[^\s<>«»\"]*)?)",
    re.IGNORECASE,
)
"""Web addresses in a text: full URLs, and bare ones the answers write for SMS
(``1jeune1solution.gouv.fr``)."""
TRAILING: Final = ".,;:!?)»"


def links(text: str | None) -> Markup:
    """``text`` escaped, with its web addresses clickable (the sources the bot's answers cite).

    A link opens in a new tab without telling the site where it came from (the back office's
    addresses carry lead numbers).
    """
    if not text:
        return Markup("")
    parts: list[str] = []
    last = 0
    for match in LINK_RE.finditer(text):
        address = match.group(0).rstrip(TRAILING)
        end = match.start() + len(address)
        href = address if "://" in address else f"https://{address}"
        parts.append(str(escape(text[last : match.start()])))
        parts.append(
            f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer">'
            f"{escape(address)}</a>"
        )
        last = end
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))  # noqa: S704 - every piece was escaped above


def event_note(note: str | None, kind: str = "") -> str:
    """A history note as written, except a next action's date, stored as 2026-12-10."""
    if kind == "next_action" and note:
        try:
            return date.fromisoformat(note).strftime("%d/%m/%Y")
        except ValueError:
            return note
    return note or ""


def _label(table: Mapping[str, str]) -> Any:
    return lambda value: table.get(str(value), str(value or ""))


FILTERS: Final = {
    "local": local_time,
    "button_label": button_label,
    "start_label": start_label,
    "text_key_label": text_key_label,
    "status_label": _label(STATUS_LABELS),
    "channel_label": _label(CHANNEL_LABELS),
    "author_label": _label(AUTHOR_LABELS),
    "media_label": _label(MEDIA_LABELS),
    "media_problem": _label(MEDIA_PROBLEMS),
    "event_label": _label(EVENT_LABELS),
    "outcome_label": _label(OUTCOME_LABELS),
    "role_label": _label(ROLE_LABELS),
    "topic_label": _label(INTENT_LABELS),
    "phone": national_phone,
    "links": links,
    "event_note": event_note,
    "urgency_label": lambda kind: URGENCY_LABELS.get(str(kind or ""), "Urgence"),
    "staff_name": lambda user: staff_label(user.display_name, user.email),
}


async def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render ``template`` with the account, CSRF token, pending messages and urgent alerts."""
    account = request.get(account_key)
    alerts = []
    if account is not None:
        alerts = await urgent_waiting(request.app[services_key].sessions, account)
    full = {
        "account": account,
        "alerts": alerts,
        "csrf": await csrf_token(request),
        "flashes": await take_flashes(request),
        "statuses": STATUS_LABELS,
        "roles": ROLE_LABELS,
        **(context or {}),
    }
    return aiohttp_jinja2.render_template(template, request, full, status=status)


async def fragment(
    request: web.Request, template: str, context: Mapping[str, Any]
) -> web.Response:
    """A piece of HTML for the live page script (escaped like any page, forms included)."""
    full = {"account": request.get(account_key), "csrf": await csrf_token(request), **context}
    return aiohttp_jinja2.render_template(template, request, full)
