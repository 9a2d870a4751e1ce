"""Rendering back-office pages: the shared context every template gets, and French labels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from outreach_bot.content import Content
from outreach_bot.content.languages import REFERENCE
from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.domain.leads import LeadStatus
from outreach_bot.domain.roles import Role
from outreach_bot.web.admin.security import account_key, csrf_token, take_flashes

TIMEZONE: Final = ZoneInfo("Europe/Paris")

STATUS_LABELS: Final[dict[str, str]] = {
    LeadStatus.NEW: "Nouveau",
    LeadStatus.CLAIMED: "Pris en charge",
    LeadStatus.CONTACTED: "Contacté",
    LeadStatus.APPOINTMENT: "RDV fixé",
    LeadStatus.MOBILISED: "Mobilisé",
    LeadStatus.UNREACHABLE: "Injoignable",
    LeadStatus.NOT_INTERESTED: "Pas intéressé",
    LeadStatus.CLOSED: "Clos",
}
CHANNEL_LABELS: Final = {
    "telegram": "Telegram",
    "sms": "SMS",
    "rest": "Chat web",
    "rasa": "Assistant Rasa",
    "console": "Terminal",
}
ROLE_LABELS: Final[dict[str, str]] = {
    Role.ADMIN: "Admin",
    Role.COORDINATOR: "Coordination",
    Role.COUNSELLOR: "Conseiller·e",
    Role.OUTREACH: "Aller-vers (événements)",
    Role.FUNDER: "Financeur (chiffres seuls)",
}
AUTHOR_LABELS: Final = {"young_person": "Jeune", "bot": "Bot", "counsellor": "Conseiller"}
EVENT_LABELS: Final = {
    "claimed": "Pris en charge",
    "status": "Statut changé",
    "note": "Note",
    "reassigned": "Réattribué",
    "next_action": "Prochaine action",
    "reply": "Message envoyé",
    "handed_back": "Rendu au bot",
    "appointment": "Rendez-vous fixé",
    "appointment_kept": "Venu au rendez-vous",
    "appointment_missed": "Absent au rendez-vous",
    "cannot_come": "Ne peut pas venir au rendez-vous",
    "new_slot_wanted": "Souhaite un autre rendez-vous",
    "send_later": "Message programmé",
    "referral": "Orientation",
}


BUTTON_LABELS: Final = {
    "/affirm": "oui / valider",
    "/deny": "non / corriger",
    "/skip": "passer",
}


def button_label(payload: str) -> str:
    """What a button payload means, for messages stored before buttons kept their title.

    Only a meaning: several buttons send ``/deny`` ("Non", "Corriger"), so the title the
    young person saw is unknown here (newer messages keep it in ``button_title``).
    """
    return BUTTON_LABELS.get(payload, payload)


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


def _label(table: Mapping[str, str]) -> Any:
    return lambda value: table.get(str(value), str(value or ""))


FILTERS: Final = {
    "local": local_time,
    "button_label": button_label,
    "status_label": _label(STATUS_LABELS),
    "channel_label": _label(CHANNEL_LABELS),
    "author_label": _label(AUTHOR_LABELS),
    "event_label": _label(EVENT_LABELS),
    "role_label": _label(ROLE_LABELS),
    "staff_name": lambda user: staff_label(user.display_name, user.email),
}


async def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render ``template`` with the account, CSRF token and pending messages added."""
    full = {
        "account": request.get(account_key),
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
