"""Referral pages: the lead page's section, the partner directory, and the partner's pages.

Handlers parse forms and call :mod:`outreach_bot.core.partners`; every rule (who may see
what, the young person's consent, the link's life) lives there. The partner's one-time link
(``/admin/orientation/{token}``) works without an account: the token is the key.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.delivery.whatsapp import templates_of
from outreach_bot.core.leads.queue import LeadView
from outreach_bot.core.partners import directory, referrals
from outreach_bot.core.partners.referrals import OUTCOME_LABELS, LinkExpiredError
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.domain.referrals import ReferralOutcome, ReferralStatus
from outreach_bot.domain.roles import Role
from outreach_bot.web.admin.campaigns import require_role
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.queue import lead_id_of
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

STATUS_LABELS: Final = {
    ReferralStatus.ASKED: "Accord demandé au jeune",
    ReferralStatus.REFUSED: "Le jeune a dit non",
    ReferralStatus.NO_ANSWER: "Pas de réponse du jeune",
    ReferralStatus.SENT: "Transmise, en attente du partenaire",
    ReferralStatus.ACCEPTED: "Acceptée par le partenaire",
    ReferralStatus.DECLINED: "Refusée par le partenaire",
    ReferralStatus.CLOSED: "Close sans réponse (30 jours)",
    ReferralStatus.WITHDRAWN: "Retirée",
}
EMAIL_LABELS: Final = {
    "pending": "e-mail en cours d'envoi",
    "sending": "e-mail en cours d'envoi",
    "retry": "e-mail en attente (serveur indisponible)",
    "sent": "e-mail envoyé",
    "failed": "e-mail refusé : copie le lien",
    "no_smtp": "pas d'e-mail configuré : copie le lien",
    "no_address": "pas d'adresse e-mail : copie le lien",
}
SHARED_LABELS: Final = {"first_name": "Prénom", "phone": "Téléphone", "need": "Demande"}
TEMPLATE_GLOBALS: Final = {
    "referral_status_labels": STATUS_LABELS,
    "referral_email_labels": EMAIL_LABELS,
    "referral_outcome_labels": OUTCOME_LABELS,
    "referral_shared_labels": SHARED_LABELS,
    "referral_outcomes": list(ReferralOutcome),
}
ADMIN_ONLY: Final = frozenset({Role.ADMIN})


def _id(request: web.Request, name: str) -> int:
    value = parse_record_id(request.match_info[name])
    if value is None:
        raise NotFoundError(name)
    return value


async def lead_section(request: web.Request, view: LeadView) -> dict[str, Any]:
    """What the lead page's referral section needs (``_referrals.html``)."""
    services = request.app[services_key]
    account = current_account(request)
    lead, sector = view.lead, view.sector
    return {
        "referrals": await referrals.referrals_for_lead(services.sessions, account, lead.id),
        "partner_choice": directory.services_for_place(
            await directory.list_services(services.sessions),
            commune_insee=lead.commune_insee,
            commune_name=lead.commune_name,
            sector_name=sector.name if sector else None,
            sector_rules=sector.rules if sector else (),
        ),
        "mail_configured": services.mailer.configured,
    }


async def _back_to_lead(
    request: web.Request, lead_id: int, error: str, status: int, **keep: str
) -> web.Response:
    from outreach_bot.web.admin.lead import show_lead  # noqa: PLC0415 - lead includes us

    return await show_lead(request, lead_id, status=status, error=error, **keep)


def _lead_url(request: web.Request, lead_id: int) -> str:
    return str(request.app.router["lead"].url_for(lead_id=str(lead_id)))


async def propose(request: web.Request) -> web.StreamResponse:
    """``POST /admin/leads/{id}/referrals``: ask the young person on their channel."""
    _lead_worker(request)
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    reason = str(form.get("reason", ""))
    service_id = parse_record_id(str(form.get("service", ""))) or 0
    try:
        proposed = await referrals.propose_referral(
            services.sessions,
            current_account(request),
            lead_id,
            service_id,
            reason,
            content=services.content,
            queued_channels=QUEUED_CHANNELS,
            policies=services.send_policies,
            on_queued=services.dispatcher.wakeup.set,
            whatsapp_templates=templates_of(services.settings),
        )
    except NotFoundError:
        return await _back_to_lead(request, lead_id, "Choisis un service de l'annuaire.", 400)
    except ConflictError as error:
        return await _back_to_lead(request, lead_id, str(error), 409)
    except InvalidInputError as error:
        return await _back_to_lead(request, lead_id, str(error), 400)
    await flash(request, proposed.notice)
    raise web.HTTPSeeOther(_lead_url(request, lead_id))


def _lead_worker(request: web.Request) -> None:
    """Only roles that work on leads act on referrals: others get a 403 before any lookup."""
    if not current_account(request).works_on_leads:
        raise PermissionDeniedError("ton rôle ne donne pas accès aux contacts")


async def copy_link(request: web.Request) -> web.StreamResponse:
    """``POST .../referrals/{id}/link``: a fresh link to give the partner by hand."""
    _lead_worker(request)
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    try:
        link = await referrals.make_link(
            services.sessions,
            current_account(request),
            _id(request, "referral_id"),
            public_url=str(services.settings.public_url),
        )
    except ConflictError as error:
        return await _back_to_lead(request, lead_id, str(error), 409)
    await flash(
        request, f"Lien pour le partenaire (valable 8 jours, l'ancien ne marche plus) : {link}"
    )
    raise web.HTTPSeeOther(_lead_url(request, lead_id))


async def withdraw(request: web.Request) -> web.StreamResponse:
    """``POST .../referrals/{id}/withdraw``: end an open referral."""
    _lead_worker(request)
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    try:
        await referrals.withdraw(
            services.sessions, current_account(request), _id(request, "referral_id")
        )
    except ConflictError as error:
        return await _back_to_lead(request, lead_id, str(error), 409)
    await flash(request, "Orientation retirée : le lien du partenaire ne montre plus rien.")
    raise web.HTTPSeeOther(_lead_url(request, lead_id))


# -- the directory (admins) ------------------------------------------------------------------


async def directory_page(
    request: web.Request, *, status: int = 200, error: str = "", report: Any = None
) -> web.Response:
    """``GET /admin/partners``: organisations, their services, the forms and the import."""
    require_role(request, ADMIN_ONLY, "L'annuaire des partenaires est géré par les admins.")
    sessions = request.app[services_key].sessions
    context = {
        "organisations": await directory.list_organisations(sessions),
        "services": await directory.list_services(sessions, active_only=False),
        "error": error,
        "report": report,
    }
    return await render(request, "partners/directory.html", context, status=status)


async def save_organisation(request: web.Request) -> web.StreamResponse:
    """``POST /admin/partners/organisations``: add or edit an organisation."""
    account = require_role(request, ADMIN_ONLY, "Réservé aux admins.")
    form = await read_form(request)
    try:
        await directory.save_organisation(
            request.app[services_key].sessions,
            actor=account.email,
            user_id=account.id,
            organisation_id=parse_record_id(str(form.get("organisation_id", ""))),
            name=str(form.get("name", "")),
            description=str(form.get("description", "")),
            phone=str(form.get("phone", "")),
            email=str(form.get("email", "")),
            website=str(form.get("website", "")),
            commune_name=str(form.get("commune", "")),
        )
    except InvalidInputError as error:
        return await directory_page(request, status=400, error=str(error))
    await flash(request, "Organisation enregistrée.")
    raise web.HTTPSeeOther("/admin/partners")


async def save_service(request: web.Request) -> web.StreamResponse:
    """``POST /admin/partners/services``: add or edit a service."""
    account = require_role(request, ADMIN_ONLY, "Réservé aux admins.")
    form = await read_form(request)
    try:
        await directory.save_service(
            request.app[services_key].sessions,
            actor=account.email,
            user_id=account.id,
            organisation_id=parse_record_id(str(form.get("organisation_id", ""))) or 0,
            service_id=parse_record_id(str(form.get("service_id", ""))),
            name=str(form.get("name", "")),
            description=str(form.get("description", "")),
            themes=str(form.get("themes", "")),
            area=str(form.get("area", "")),
            area_label=str(form.get("area_label", "")),
            contact=str(form.get("contact", "")),
            referral_email=str(form.get("referral_email", "")),
        )
    except (InvalidInputError, NotFoundError) as error:
        return await directory_page(request, status=400, error=str(error))
    await flash(request, "Service enregistré.")
    raise web.HTTPSeeOther("/admin/partners")


async def import_file(request: web.Request) -> web.StreamResponse:
    """``POST /admin/partners/import``: a data·inclusion JSON or CSV file."""
    account = require_role(request, ADMIN_ONLY, "Réservé aux admins.")
    form = await read_form(request)
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return await directory_page(request, status=400, error="Choisis un fichier.")
    try:
        report = await directory.import_listing(
            request.app[services_key].sessions,
            upload.file.read(),
            upload.filename or "",
            actor=account.email,
            user_id=account.id,
        )
    except InvalidInputError as error:
        return await directory_page(request, status=400, error=str(error))
    return await directory_page(request, report=report)


# -- the partner's side ----------------------------------------------------------------------


async def member_page(request: web.Request) -> web.Response:
    """``GET /admin/partner``: a partner account's referrals (its organisation's only)."""
    account = require_role(
        request, frozenset({Role.PARTNER}), "Page réservée aux comptes partenaires."
    )
    views = await referrals.referrals_for_member(request.app[services_key].sessions, account)
    return await render(request, "partners/member.html", {"referrals": views})


async def member_act(request: web.Request) -> web.StreamResponse:
    """``POST /admin/partner/referrals/{id}``: accept, decline or report an outcome."""
    account = require_role(request, frozenset({Role.PARTNER}), "Réservé aux partenaires.")
    form = await read_form(request)
    try:
        await referrals.act_as_member(
            request.app[services_key].sessions,
            account,
            _id(request, "referral_id"),
            str(form.get("action", "")),
            note=str(form.get("note", "")),
            outcome=str(form.get("outcome", "")),
        )
    except (InvalidInputError, ConflictError) as error:
        await flash(request, str(error), level="error")
    else:
        await flash(request, "Réponse enregistrée, le conseiller est prévenu.")
    raise web.HTTPSeeOther("/admin/partner")


async def link_page(request: web.Request) -> web.Response:
    """``GET /admin/orientation/{token}``: the referral as the partner's link shows it."""
    services = request.app[services_key]
    try:
        view = await referrals.referral_by_token(services.sessions, request.match_info["token"])
    except LinkExpiredError:
        return await render(request, "partners/expired.html", status=410)
    return await render(
        request, "partners/link.html", {"referral": view, "error": "", "done": False}
    )


async def link_act(request: web.Request) -> web.StreamResponse:
    """``POST /admin/orientation/{token}``: the partner answers through the link."""
    services = request.app[services_key]
    token = request.match_info["token"]
    form = await read_form(request)
    try:
        view = await referrals.act_by_token(
            services.sessions,
            token,
            str(form.get("action", "")),
            note=str(form.get("note", "")),
            outcome=str(form.get("outcome", "")),
        )
    except LinkExpiredError:
        return await render(request, "partners/expired.html", status=410)
    except (InvalidInputError, ConflictError) as error:
        view = await referrals.referral_by_token(services.sessions, token)
        return await render(
            request,
            "partners/link.html",
            {"referral": view, "error": str(error), "done": False},
            status=400,
        )
    return await render(
        request, "partners/link.html", {"referral": view, "error": "", "done": True}
    )


def setup(admin: web.Application) -> None:
    """Add the referral routes and template globals to the back-office sub-app."""
    import aiohttp_jinja2  # noqa: PLC0415 - only to reach the environment set up before

    aiohttp_jinja2.get_env(admin).globals.update(TEMPLATE_GLOBALS)
    router = admin.router
    router.add_post("/leads/{lead_id}/referrals", propose, name="referrals.propose")
    router.add_post(
        "/leads/{lead_id}/referrals/{referral_id}/link", copy_link, name="referrals.link"
    )
    router.add_post(
        "/leads/{lead_id}/referrals/{referral_id}/withdraw", withdraw, name="referrals.withdraw"
    )
    router.add_get("/partners", directory_page, name="partners.directory")
    router.add_post("/partners/organisations", save_organisation, name="partners.organisation")
    router.add_post("/partners/services", save_service, name="partners.service")
    router.add_post("/partners/import", import_file, name="partners.upload")
    router.add_get("/partner", member_page, name="partner.home")
    router.add_post("/partner/referrals/{referral_id}", member_act, name="partner.act")
    router.add_get("/orientation/{token}", link_page, name="orientation")
    router.add_post("/orientation/{token}", link_act, name="orientation-post")
