"""Every code the back office shows, in the team's French: one table per kind of code.

Staff never read a stored code (``find_job``, ``rest``, ``account_disable``, ``/start
FORUM``): a page passes the code through one of these tables (as a Jinja filter, see
:data:`outreach_bot.web.admin.page.FILTERS`). An unknown code is shown as it is rather than
hidden, and the crawl test of every page (``tests/web/admin/test_french_pages.py``) fails on
the codes it knows, so a new code without its label is noticed.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Final

from outreach_bot.domain.leads import LeadStatus, Outcome
from outreach_bot.domain.roles import Role

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
    "violence_adult": "Violences",
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
    "false_alarm": "Fausse alerte : plus une urgence",
    "reengage_exhausted": "Deux relances sans réponse : à appeler",
}

BUTTON_LABELS: Final = {
    "/affirm": "oui / valider",
    "/deny": "non / corriger",
    "/skip": "passer",
    "/stop": "STOP",
    "/supprimer": "SUPPRIMER (effacer ses données)",
    "/menu": "menu",
    "/aide": "aide",
    "/help": "aide",
    "/contact_here": "être recontacté·e ici",
}


def button_label(payload: str) -> str:
    """What a button payload means, for messages stored before buttons kept their title.

    Only a meaning: several buttons send ``/deny`` ("Non", "Corriger"), so the title the
    young person saw is unknown here (newer messages keep it in ``button_title``). A payload
    is ``/name`` or ``/name{json}`` as in Rasa: an intent's name reads as its label, a choice
    as its value.
    """
    if payload in BUTTON_LABELS:
        return BUTTON_LABELS[payload]
    name, brace, rest = payload.removeprefix("/").partition("{")
    if name in INTENT_LABELS:
        return INTENT_LABELS[name]
    if brace:
        try:
            values = json.loads(brace + rest)
        except ValueError:
            values = None
        if isinstance(values, dict) and values:
            return ", ".join(str(value) for value in values.values())
    return "autre choix" if name.isidentifier() else payload


def start_label(text: str) -> str | None:
    """``/start`` and ``/start CODE`` (a Telegram link or QR code) as the team reads it;
    None for any other text."""
    command, _, code = text.partition(" ")
    if command != "/start":
        return None
    if code.strip():
        return "a ouvert la conversation par le lien ou le QR code d'une campagne"
    return "a ouvert la conversation sur Telegram"


AUDIT_ACTIONS: Final = {
    "view": "Consultation",
    "view_media": "Fichier reçu consulté",
    "claim": "Prise en charge",
    "status": "Changement de statut",
    "close": "Suivi clos (avec son issue)",
    "note": "Note ajoutée",
    "next_action": "Prochaine action fixée",
    "reassign": "Réattribution",
    "reply": "Message envoyé",
    "hand_back": "Rendu au bot",
    "false_alarm": "Fausse alerte notée",
    "export": "Export",
    "export_csv": "Export CSV des contacts",
    "erase": "Effacement",
    "import": "Liste importée",
    "label": "Message étiqueté",
    "unlabel": "Étiquette retirée",
    "dismiss": "Message écarté",
    "api_list": "Liste lue par l'API",
    "api_view": "Contact lu par l'API",
    "api_consent": "Consentement reçu par l'API",
    "api_create": "Contact créé par l'API",
    "api_alert": "Urgence signalée par l'API",
    "account_invite": "Compte créé (invitation)",
    "account_update": "Compte modifié",
    "account_enable": "Compte réactivé",
    "account_disable": "Compte désactivé",
    "account_reset_link": "Lien de nouveau mot de passe",
    "account_invite_link": "Nouveau lien d'invitation",
    "token_create": "Jeton API créé",
    "token_revoke": "Jeton API révoqué",
    "partner_saved": "Partenaire enregistré",
    "partner_service_saved": "Service d'un partenaire enregistré",
    "partner_import": "Annuaire des partenaires importé",
    "referral_proposed": "Orientation proposée",
    "referral_agreed": "Orientation acceptée par le jeune",
    "referral_refused": "Orientation refusée par le jeune",
    "referral_link": "Lien d'orientation créé",
    "referral_view": "Orientation consultée",
    "referral_emailed": "Orientation envoyée par e-mail",
    "referral_reminded": "Relance du partenaire par e-mail",
    "referral_accept": "Orientation acceptée par le partenaire",
    "referral_decline": "Orientation refusée par le partenaire",
    "referral_outcome": "Suite de l'orientation indiquée",
    "referral_withdrawn": "Orientation retirée",
    "referral_closed": "Orientation close",
}
"""What an audit line records, by its stored ``action``."""
AUDIT_ACTORS: Final = {
    "young_person": "La personne elle-même",
    "purge": "Effacement automatique (durée de conservation)",
    "cli": "Ligne de commande du serveur",
    "partner_link": "Le partenaire (par son lien)",
    "system": "Le bot (automatiquement)",
}
"""Who acted, when it was not a signed-in colleague or an API token."""
AUDIT_TARGETS: Final = {
    "lead": "Contact",
    "leads": "Contacts",
    "conversation": "Conversation",
    "referral": "Orientation",
    "contact_list": "Liste d'aller-vers",
    "partner": "Partenaire",
    "partner_service": "Service d'un partenaire",
    "api_token": "Jeton API",
    "user": "Compte",
}
"""What an audit line is about, by its stored ``target_type``."""

TEXT_KINDS: Final = {
    "answers": "Réponse",
    "messages": "Message du bot",
    "crisis": "Urgence",
    "privacy": "Confidentialité",
    "places": "Lieux",
    "referrals": "Orientation",
}


def text_key_label(key: str) -> str:
    """A text's key (``answers.find_job.pay.question``) as a heading for the reviewers:
    its kind, the topic in French, and whether it is a follow-up or a button."""
    kind, _, rest = key.partition(".")
    parts = rest.split(".") if rest else []
    words = [TEXT_KINDS.get(kind, "Texte")]
    if parts and parts[0] in INTENT_LABELS:
        words.append(f"« {INTENT_LABELS[parts.pop(0)]} »")
    elif kind == "crisis" and len(parts) > 1 and parts[0] == "kinds":
        words.append(URGENCY_LABELS.get(parts[1], "situation"))
        parts = parts[2:]
    elif kind == "crisis" and len(parts) > 1 and parts[0] == "resources":
        words.append(f"numéro {parts[1]}" if parts[1].isdigit() else "ressource d'aide")
        parts = parts[2:]
    elif kind == "crisis" and parts and parts[0] == "buttons":
        words.append("bouton")
        parts = []
    elif parts and kind != "answers":
        parts = parts[1:]
    ending = parts[-1] if parts else ""
    if ending == "question":
        words.append("bouton de la question qui suit")
    elif ending in {"label", "hours"}:
        words.append("description" if ending == "label" else "horaires")
    elif parts:
        words.append("suite")
    return " · ".join(words)


MONTHS: Final = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
"""French month abbreviations (the server's locale is not relied on)."""


def month_label(day: date) -> str:
    """``day``'s month, short, as on a chart's axis: "janv. 26"."""
    return f"{MONTHS[day.month - 1]} {day:%y}"
