"""Rendering back-office pages: the shared context every template gets, and French labels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import phonenumbers
from aiohttp import web

from outreach_bot.content import Content
from outreach_bot.content.languages import REFERENCE
from outreach_bot.core.leads.alerts import urgent_waiting
from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.domain.leads import LeadStatus, Outcome
from outreach_bot.domain.roles import Role
from outreach_bot.web.admin.security import account_key, csrf_token, take_flashes
from outreach_bot.web.keys import services_key

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
OUTCOME_LABELS: Final[dict[str, str]] = {
    Outcome.CEJ: "Entré·e en CEJ (contrat d'engagement jeune)",
    Outcome.TRAINING: "Entré·e en formation",
    Outcome.JOB: "En emploi ou en alternance",
    Outcome.SUPPORT: "Accompagnement démarré à la Mission Locale",
    Outcome.ORIENTED: "Orienté·e vers une autre structure",
    Outcome.REACHED: "Joint·e, rien de plus à faire",
    Outcome.NO_ANSWER: "Pas de réponse, injoignable",
    Outcome.NOT_INTERESTED: "Pas intéressé·e",
}
CHANNEL_LABELS: Final = {
    "telegram": "Telegram",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
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
    Role.REVIEWER: "Relecture des textes (interprète, partenaire)",
}
INTENT_LABELS: Final[dict[str, str]] = {
    "crisis": "Détresse, danger (crise)",
    "opt_out": "Ne plus recevoir de messages (STOP)",
    "forget_me": "Effacer ses données",
    "ask_human": "Parler à un conseiller, RDV",
    "find_job": "Chercher un emploi",
    "find_training": "Formation, diplôme, reprise d'études",
    "apprenticeship": "Alternance, apprentissage",
    "cej": "Contrat d'engagement jeune (CEJ)",
    "financial_aid": "Aide financière, plus d'argent",
    "housing": "Logement",
    "mobility": "Permis, transport, mobilité",
    "health": "Santé, mutuelle, psy",
    "cv_help": "CV, lettre, entretien",
    "service_civique": "Service civique",
    "school_dropout": "Décrochage scolaire",
    "leaving_care": "Sortie de l'ASE, jeune majeur",
    "admin_help": "Papiers, démarches",
    "mission_locale_info": "Infos sur la Mission Locale",
    "greet": "Bonjour",
    "goodbye": "Au revoir",
    "thanks": "Merci",
    "affirm": "Oui, d'accord",
    "deny": "Non, pas maintenant",
    "bot_challenge": "« T'es un robot ? »",
    "out_of_scope": "Hors sujet, blague, charabia",
}
"""What each intent means, in the counsellors' words; the value sent is the intent name."""
URGENCY_LABELS: Final[dict[str, str]] = {
    "suicide": "Idées suicidaires",
    "violence": "Violences",
    "sexual_violence": "Violences sexuelles",
    "sextortion": "Chantage aux images",
    "medical": "Urgence médicale",
    "shelter": "Sans logement ce soir",
    "shelter_minor": "Sans logement ce soir (mineur)",
    "shelter_adult": "Sans logement ce soir",
    "danger": "En danger",
    "gentle": "Détresse",
}
"""What happened, for an urgent lead (the crisis kinds of ``nlu/safety.py``), in French."""
MEDIA_LABELS: Final = {
    "voice": "Note vocale",
    "audio": "Audio",
    "photo": "Photo",
    "document": "Document",
    "video": "Vidéo",
}
MEDIA_PROBLEMS: Final = {
    "too_big": "trop lourd",
    "wrong_type": "type de fichier non accepté",
    "unavailable": "pas pu être récupéré",
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


def _label(table: Mapping[str, str]) -> Any:
    return lambda value: table.get(str(value), str(value or ""))


FILTERS: Final = {
    "local": local_time,
    "button_label": button_label,
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
