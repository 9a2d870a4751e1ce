"""Back-office pages for campaigns (outreach staff and up) and the figures (coordinators and up).

The pages are mounted on the back-office sub-application, so its middlewares sign people in,
check the CSRF token of every POST and turn domain errors into its error page. The templates
extend the back office's own ``base.html``: one layout and one menu serve every page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypedDict

import aiohttp_jinja2
from aiohttp import web

from outreach_bot.core.figures.lists import COLUMNS as LIST_COLUMNS
from outreach_bot.core.figures.lists import list_figures, lists_csv
from outreach_bot.core.figures.referrals import referral_csv, referral_figures
from outreach_bot.core.figures.stats import (
    FUNNEL,
    METRIC_LABELS,
    TOUCH_LABELS,
    Metric,
    Period,
    compute_figures,
    figures_csv,
    week_start,
)
from outreach_bot.core.outreach.campaigns import (
    CampaignView,
    NewPlace,
    PlaceLink,
    archive_campaign,
    campaign_figures,
    campaign_funnel,
    create_campaign,
    delete_campaign,
    get_campaign,
    landing_url,
    list_campaigns,
    restore_campaign,
    sector_choices,
    update_campaign,
)
from outreach_bot.core.outreach.places import PlaceInputError, place_choices
from outreach_bot.core.outreach.qr import qr_png, qr_svg, qr_svg_inline
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.campaigns import (
    NAME_MAX,
    CampaignCodeError,
    CodeProblem,
    code_problem,
    describe_event,
    parse_held_on,
    suggest_code,
)
from outreach_bot.domain.contact_lists import LIST_STATUS_LABELS, PURPOSE_LABELS
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.domain.places import PastDateError, past_date_fr, team_today
from outreach_bot.domain.roles import Role
from outreach_bot.web.admin.labels import month_label
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.charts import bar_chart
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key
from outreach_bot.web.landing import telegram_link, whatsapp_url
from outreach_bot.web.posters import MESSAGES as POSTER_MESSAGES
from outreach_bot.web.posters import PosterSize, PosterText, display_phone, poster_pdf

logger = logging.getLogger(__name__)

CAMPAIGN_ROLES: Final = frozenset({Role.OUTREACH, Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN})
FIGURES_ROLES: Final = frozenset({Role.FUNDER, Role.COORDINATOR, Role.ADMIN})
LIST_MENU_ROLES: Final = frozenset({Role.OUTREACH, Role.COORDINATOR, Role.ADMIN})
"""Who sees "Listes" in the menu: ``web/admin/lists.py`` checks the same roles."""
DEFAULT_WEEKS: Final = 12
NO_ACCESS: Final = "Ton rôle ne donne pas accès à cette page."
FIGURES_REFUSED: Final = (
    f"{NO_ACCESS} Les chiffres sont réservés aux coordinateurs, aux administrateurs et aux "
    "financeurs."
)

CODE_PROBLEMS_FR: Final = {
    CodeProblem.EMPTY: (
        "Le code est obligatoire (ou laisse-le vide avec un nom pour qu'on le propose)."
    ),
    CodeProblem.TOO_SHORT: "Le code doit faire au moins 3 caractères.",
    CodeProblem.TOO_LONG: "Le code doit faire au plus 32 caractères.",
    CodeProblem.CHARACTERS: (
        "Le code ne peut contenir que des lettres sans accent, des chiffres et des tirets "
        "(pas d'espace, pas d'emoji)."
    ),
    CodeProblem.RESERVED: "Ce mot est réservé (STOP, AIDE, SALUT…) : choisis un autre code.",
}
DONE_FR: Final = {
    "saved": "Modifications enregistrées.",
    "archived": (
        "Campagne archivée. Son QR code mène maintenant à une page « événement terminé », et "
        "les jeunes qui écrivent avec son code restent rattachés à elle."
    ),
    "restored": "Campagne de nouveau active.",
}

FUNNEL_CONTEXT: Final = {"funnel": FUNNEL, "metric_labels": METRIC_LABELS}
"""What the funnel tables of both the campaign page and the figures page need."""
LIST_METRICS: Final = (Metric.SCANS, Metric.IDENTIFIED, Metric.LEADS)
"""The figures the campaign list shows for each campaign; its page has the whole funnel."""
NEW_PLACE: Final = "new"
"""The place choice that creates the event's place in Lieux from the campaign form."""
PLACE_FIELDS: Final = {
    "commune": "place_commune",
    "address": "place_address",
    "hours": "place_hours",
    "held_on": "held_on",
    "name": "name",
}
"""Where a new place's error shows in the campaign form (the place takes the campaign's name
and date)."""


class CampaignDetails(TypedDict):
    """What staff may set on a campaign, typed as the core takes it."""

    name: str
    sector: str | None
    held_on: date | None
    place_link: PlaceLink


def _text(value: object) -> str:
    """A posted form value; a file where text was expected counts as nothing."""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class CampaignForm:
    """What was typed in a campaign form, kept to show it again next to the errors."""

    code: str = ""
    name: str = ""
    sector: str = ""
    held_on: str = ""
    place_id: str = ""
    """"" for no place, :data:`NEW_PLACE` to create it from the fields below, or an id."""
    place_commune: str = ""
    place_address: str = ""
    place_hours: str = ""

    @classmethod
    def posted(cls, data: Mapping[str, object], **fixed: str) -> CampaignForm:
        """The form as posted; ``fixed`` fields (the code of an existing campaign) win."""
        typed = {field: _text(data.get(field)) for field in cls.__dataclass_fields__}
        return cls(**{**typed, **fixed})

    def details(self) -> CampaignDetails:
        """The checked form as the core's keyword arguments (run :func:`_check` first)."""
        return CampaignDetails(
            name=self.name,
            sector=self.sector or None,
            held_on=parse_held_on(self.held_on),
            place_link=self.place_link(),
        )

    def place_link(self) -> PlaceLink:
        """The place chosen: none, a new one from the fields, or an existing one's id (run
        :func:`_check` first: an id that is not a number is refused there)."""
        if not self.place_id:
            return None
        if self.place_id == NEW_PLACE:
            return NewPlace(self.place_commune, self.place_address, self.place_hours)
        return parse_record_id(self.place_id)

    @classmethod
    def of(cls, campaign: CampaignView) -> CampaignForm:
        """The form filled with what the campaign holds now."""
        return cls(
            code=campaign.code,
            name=campaign.name,
            sector=campaign.sector_code or "",
            held_on=campaign.held_on.isoformat() if campaign.held_on else "",
            place_id=str(campaign.place_id) if campaign.place_id else "",
        )


def require_role(request: web.Request, roles: frozenset[Role], refusal: str) -> Account:
    """The signed-in account if its role is in ``roles``.

    Raises:
        PermissionDeniedError: any other role (the back office shows a 403 page).
    """
    account = current_account(request)
    if account.role not in roles:
        raise PermissionDeniedError(refusal)
    return account


def _url(request: web.Request, name: str, **parts: str) -> str:
    return str(request.app.router[name].url_for(**parts))


def _check(form: CampaignForm, *, code: str, new: bool) -> dict[str, str]:
    """Field by field, in the staff's language, before the core checks the same rules."""
    errors: dict[str, str] = {}
    if new:
        problem = code_problem(code)
        if problem is not None:
            errors["code"] = CODE_PROBLEMS_FR[problem]
    name = " ".join(form.name.split())
    if not name:
        errors["name"] = "Donne un nom à la campagne (par exemple « Forum emploi Verdun »)."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Le nom doit faire au plus {NAME_MAX} caractères."
    if form.place_id not in {"", NEW_PLACE} and parse_record_id(form.place_id) is None:
        errors["place_id"] = "Choisis un lieu dans la liste."
    if form.place_id == NEW_PLACE and not form.place_commune.strip():
        errors["place_commune"] = "Donne la commune du nouveau lieu (nom ou code postal)."
    try:
        parse_held_on(form.held_on)
    except InvalidInputError:
        errors["held_on"] = "Date invalide : écris-la comme 12/05/2026 ou 2026-05-12."
    return errors


def _refused(error: InvalidInputError, errors: dict[str, str]) -> None:
    """Put what the core refused next to the field it is about, in the team's words."""
    if isinstance(error, PastDateError):
        errors["held_on"] = past_date_fr(error.day)
    elif isinstance(error, PlaceInputError):
        errors[PLACE_FIELDS.get(error.field, "place_id")] = str(error)
    elif isinstance(error, CampaignCodeError):
        errors["code"] = CODE_PROBLEMS_FR[error.problem]
    else:
        errors["form"] = str(error)


# --- campaigns ------------------------------------------------------------------------------


async def list_page(request: web.Request) -> web.Response:
    """Current campaigns (and archived ones on demand) with the creation form."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    return await _list(request, CampaignForm(), errors={})


async def _list(
    request: web.Request, form: CampaignForm, *, errors: dict[str, str]
) -> web.Response:
    sessions = request.app[services_key].sessions
    archived = request.query.get("archived") == "1"
    return await render(
        request,
        "campaigns/list.html",
        {
            "campaigns": await list_campaigns(sessions, include_archived=archived),
            "figures": await campaign_figures(sessions),
            "list_metrics": LIST_METRICS,
            "metric_labels": METRIC_LABELS,
            "show_archived": archived,
            "sectors": await sector_choices(sessions),
            "places": await place_choices(sessions, today=team_today()),
            "new_place": NEW_PLACE,
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


async def create(request: web.Request) -> web.Response:
    """Create a campaign; on a mistake, show the form again with what was typed."""
    account = require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    form = CampaignForm.posted(await read_form(request))
    code = form.code.strip() or suggest_code(form.name)
    errors = _check(form, code=code, new=True)
    if not errors:
        try:
            campaign = await create_campaign(
                request.app[services_key].sessions,
                code,
                **form.details(),
                created_by=account.id,
                today=team_today(),
            )
        except ConflictError:
            errors["code"] = f"Le code {code.upper()} est déjà pris : choisis-en un autre."
        except InvalidInputError as error:
            _refused(error, errors)
        else:
            raise web.HTTPSeeOther(_url(request, "campaigns.detail", code=campaign.code))
    return await _list(request, form, errors=errors)


async def detail(request: web.Request) -> web.Response:
    """One campaign: what it produced, its QR code, downloads, editing and archiving."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    return await _detail(request, form=None, errors={})


async def _detail(
    request: web.Request,
    *,
    form: CampaignForm | None,
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    services = request.app[services_key]
    settings = services.settings
    campaign = await get_campaign(services.sessions, request.match_info["code"])
    url = landing_url(str(settings.public_url), campaign.code)
    return await render(
        request,
        "campaigns/detail.html",
        {
            **FUNNEL_CONTEXT,
            "campaign": campaign,
            "funnel_row": await campaign_funnel(services.sessions, campaign.code),
            "landing_url": url,
            "qr_svg": qr_svg_inline(url),
            "telegram_url": telegram_link(settings.telegram_bot_username, campaign.code),
            "whatsapp_url": whatsapp_url(settings, campaign.code),
            "sms_number": display_phone(settings.sms_number) if settings.sms_number else "",
            "sectors": await sector_choices(services.sessions),
            "places": await place_choices(
                services.sessions, today=team_today(), keep=campaign.place_id
            ),
            "new_place": NEW_PLACE,
            "event": describe_event(campaign.name, campaign.held_on, campaign.place),
            "form": form or CampaignForm.of(campaign),
            "errors": errors,
        },
        status=status,
    )


async def update(request: web.Request) -> web.Response:
    """Save the name, date, place and sector; the code never changes (it is printed)."""
    account = require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    code = request.match_info["code"]
    form = CampaignForm.posted(await read_form(request), code=code)
    errors = _check(form, code=code, new=False)
    if not errors:
        try:
            campaign = await update_campaign(
                request.app[services_key].sessions,
                code,
                **form.details(),
                place=None,
                today=team_today(),
                by=account.id,
            )
        except InvalidInputError as error:
            _refused(error, errors)
        else:
            raise await _done(request, campaign.code, "saved")
    return await _detail(request, form=form, errors=errors, status=400)


async def _done(request: web.Request, code: str, what: str) -> web.HTTPSeeOther:
    await flash(request, DONE_FR[what])
    return web.HTTPSeeOther(_url(request, "campaigns.detail", code=code))


async def archive(request: web.Request) -> web.Response:
    """Archive: off the list, landing page says it is over, attribution keeps working."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    campaign = await archive_campaign(
        request.app[services_key].sessions, request.match_info["code"]
    )
    raise await _done(request, campaign.code, "archived")


async def restore(request: web.Request) -> web.Response:
    """Bring an archived campaign back to the current list."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    campaign = await restore_campaign(
        request.app[services_key].sessions, request.match_info["code"]
    )
    raise await _done(request, campaign.code, "restored")


async def delete(request: web.Request) -> web.Response:
    """Delete a campaign nobody has used yet; anything used must be archived instead."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    try:
        await delete_campaign(request.app[services_key].sessions, request.match_info["code"])
    except ConflictError:
        return await _detail(
            request,
            form=None,
            errors={
                "delete": (
                    "Cette campagne a déjà servi (scans, conversations ou demandes) : "
                    "archive-la plutôt, pour ne rien perdre."
                )
            },
            status=409,
        )
    raise web.HTTPSeeOther(_url(request, "campaigns.list"))


# --- QR codes and posters -------------------------------------------------------------------


async def _campaign_url(request: web.Request) -> tuple[CampaignView, str]:
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    services = request.app[services_key]
    campaign = await get_campaign(services.sessions, request.match_info["code"])
    return campaign, landing_url(str(services.settings.public_url), campaign.code)


def _download(body: bytes, *, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def download_qr_png(request: web.Request) -> web.Response:
    """The QR code as a PNG, big enough for slides and social posts."""
    campaign, url = await _campaign_url(request)
    return _download(qr_png(url), content_type="image/png", filename=f"qr-{campaign.code}.png")


async def download_qr_svg(request: web.Request) -> web.Response:
    """The QR code as an SVG, for printers and designers."""
    campaign, url = await _campaign_url(request)
    return _download(
        qr_svg(url, title=campaign.name),
        content_type="image/svg+xml",
        filename=f"qr-{campaign.code}.svg",
    )


async def download_poster(request: web.Request) -> web.Response:
    """The A4 poster or A6 flyer as a PDF, ready to print."""
    campaign, url = await _campaign_url(request)
    code = campaign.code
    services = request.app[services_key]
    settings = services.settings
    size = PosterSize(request.match_info["size"])
    text = PosterText(
        url=url,
        code=code,
        campaign_name=campaign.name,
        event=describe_event(campaign.name, campaign.held_on, campaign.place),
        sms_number=settings.sms_number,
        telegram_link=telegram_link(settings.telegram_bot_username, code),
        whatsapp_number=settings.whatsapp_number,
        whatsapp_link=whatsapp_url(settings, code),
    )
    return _download(
        poster_pdf(text, services.content, size),
        content_type="application/pdf",
        filename=f"affiche-{code}-{size.value}.pdf",
    )


# --- figures --------------------------------------------------------------------------------


MAX_WEEKLY_BARS: Final = 16
"""Beyond this many weeks (about four months), the charts count by month: a year of weekly
bars is too thin to read on a laptop, let alone a phone."""


def _period(request: web.Request, today: date) -> Period:
    """The period asked for; by default the last twelve weeks, today included."""
    if "from" not in request.query and "to" not in request.query:
        return Period(week_start(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today)
    try:
        return Period.parse(request.query.get("from"), request.query.get("to"), reorder=True)
    except InvalidInputError as error:
        raise InvalidInputError("Période invalide : des dates comme 2026-01-31.") from error


async def figures_page(request: web.Request) -> web.Response:
    """The key figures, weekly charts and funnels over a chosen period."""
    require_role(request, FIGURES_ROLES, FIGURES_REFUSED)
    today = datetime.now(UTC).date()
    period = _period(request, today)
    figures = await compute_figures(request.app[services_key].sessions, period, today=today)
    by_month = len(figures.weeks) > MAX_WEEKLY_BARS
    series = figures.months if by_month else figures.weeks
    labels = [
        month_label(row.start) if by_month else row.start.strftime("%d/%m") for row in series
    ]
    per = "par mois" if by_month else "par semaine"
    charts = {
        metric: bar_chart(
            [(label, row.count(metric)) for label, row in zip(labels, series, strict=True)],
            title=f"{METRIC_LABELS[metric]} {per}",
            color=color,
        )
        for metric, color in (
            (Metric.IDENTIFIED, "#1f5fbf"),
            (Metric.LEADS, "#b85c00"),
            (Metric.MOBILISED, "#2c7a3f"),
            (Metric.SCANS, "#6a4fb3"),
        )
    }
    shortcuts = {
        "12 dernières semaines": Period(
            week_start(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today
        ),
        "Cette année": Period(date(today.year, 1, 1), today),
        "L'an dernier": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    return await render(
        request,
        "figures/dashboard.html",
        {
            **FUNNEL_CONTEXT,
            "figures": figures,
            "period": period,
            "charts": charts,
            "by_month": by_month,
            "csv_query": {key: value for key, value in period.as_dict().items() if value},
            "shortcuts": shortcuts,
            "referral_rows": await referral_figures(request.app[services_key].sessions, period),
            # Like the CSV: each list since it began (a list is one campaign, not a period).
            "list_rows": await list_figures(request.app[services_key].sessions),
            "list_columns": LIST_COLUMNS,
            "list_purposes": PURPOSE_LABELS,
            "list_statuses": LIST_STATUS_LABELS,
            "touch_labels": TOUCH_LABELS,
        },
    )


async def download_figures_csv(request: web.Request) -> web.Response:
    """The same figures as CSV: aggregated counts only, nothing about any person."""
    require_role(request, FIGURES_ROLES, FIGURES_REFUSED)
    today = datetime.now(UTC).date()
    period = _period(request, today)
    figures = await compute_figures(request.app[services_key].sessions, period, today=today)
    span = f"{period.first or 'debut'}-{period.last or today}"
    referrals = await referral_figures(request.app[services_key].sessions, period)
    # The contact lists' campaigns since they began (a list is one campaign, not a period).
    lists = lists_csv(await list_figures(request.app[services_key].sessions))
    return _download(
        (figures_csv(figures) + "\r\n" + referral_csv(referrals) + "\r\n" + lists).encode("utf-8"),
        content_type="text/csv",
        filename=f"chiffres-{span}.csv",
    )


def setup(admin: web.Application) -> None:
    """Add the campaign and figures pages to the back-office sub-app (before it is mounted).

    The sub-app must already have its Jinja environment (``aiohttp_jinja2.setup``) and its
    sign-in and CSRF middlewares; paths are relative to it (``/campaigns`` is
    ``/admin/campaigns``). The menu of ``base.html`` reads ``campaign_roles`` and
    ``figures_roles`` to link these pages for those who may open them.

    Raises:
        ContentError: ``messages.yml`` lacks a poster text; the server does not start
            rather than fail on the first poster download.
    """
    admin[services_key].content.require_messages(POSTER_MESSAGES)
    aiohttp_jinja2.get_env(admin).globals.update(
        campaign_roles=CAMPAIGN_ROLES, figures_roles=FIGURES_ROLES, list_roles=LIST_MENU_ROLES
    )
    router = admin.router
    router.add_get("/campaigns", list_page, name="campaigns.list")
    router.add_post("/campaigns", create)
    router.add_get("/campaigns/{code}", detail, name="campaigns.detail")
    router.add_post("/campaigns/{code}", update)
    router.add_post("/campaigns/{code}/archive", archive, name="campaigns.archive")
    router.add_post("/campaigns/{code}/restore", restore, name="campaigns.restore")
    router.add_post("/campaigns/{code}/delete", delete, name="campaigns.delete")
    router.add_get("/campaigns/{code}/qr.png", download_qr_png, name="campaigns.qr_png")
    router.add_get("/campaigns/{code}/qr.svg", download_qr_svg, name="campaigns.qr_svg")
    router.add_get(
        "/campaigns/{code}/poster-{size:a4|a6}.pdf", download_poster, name="campaigns.poster"
    )
    router.add_get("/figures", figures_page, name="figures.page")
    router.add_get("/figures.csv", download_figures_csv, name="figures.csv")
