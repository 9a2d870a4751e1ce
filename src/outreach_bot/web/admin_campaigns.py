"""Back-office pages for campaigns (outreach staff and up) and the figures (coordinators and up).

This module plugs into the back-office sub-application without knowing how it signs people
in: :func:`setup` receives :class:`AdminHooks` that say who is asking and which CSRF token
their forms carry. Call it on the admin sub-app *before* ``app.add_subapp("/admin/", admin)``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import jinja2
from aiohttp import web

from outreach_bot.core.campaigns import (
    archive_campaign,
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
from outreach_bot.core.qr import qr_png, qr_svg, qr_svg_inline
from outreach_bot.core.stats import (
    FUNNEL,
    Metric,
    Period,
    compute_figures,
    figures_csv,
    week_start,
)
from outreach_bot.domain.campaigns import (
    NAME_MAX,
    PLACE_MAX,
    CampaignCodeError,
    CodeProblem,
    code_problem,
    parse_held_on,
    suggest_code,
)
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.roles import Role
from outreach_bot.web.charts import bar_chart
from outreach_bot.web.keys import services_key
from outreach_bot.web.landing import sms_link, telegram_link
from outreach_bot.web.posters import PosterSize, PosterText, display_phone, poster_pdf

logger = logging.getLogger(__name__)

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"

CAMPAIGN_ROLES: Final = frozenset({Role.OUTREACH, Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN})
FIGURES_ROLES: Final = frozenset({Role.COORDINATOR, Role.ADMIN})
DEFAULT_WEEKS: Final = 12

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

METRIC_LABELS: Final = {
    Metric.SCANS: "Scans",
    Metric.IDENTIFIED: "Conversations",
    Metric.CONSENTS: "Consentements",
    Metric.LEADS: "Demandes",
    Metric.URGENT: "Urgences",
    Metric.CONTACTED: "Contactés",
    Metric.MOBILISED: "Mobilisés",
}


class StaffMember(Protocol):
    """Who is signed in, as far as these pages care (the admin's ``Account`` fits)."""

    @property
    def id(self) -> int:
        """The user's id, recorded as the campaign's creator."""
        ...

    @property
    def role(self) -> str:
        """One of :class:`~outreach_bot.domain.roles.Role`."""
        ...


@dataclass(frozen=True, slots=True)
class AdminHooks:
    """What the back office gives these pages.

    Attributes:
        identify: the signed-in staff member of a request, or None.
        csrf_token: the token to put in this request's forms.
        check_csrf: verifies a posted form; None when the admin's middleware already checks
            every unsafe request of the sub-app.
        csrf_field: the form field name the admin expects the token in.
        login_path: where to send someone who is not signed in.
        home_path: the back office's home, for the navigation bar.
        stylesheet: the back office's own stylesheet, so these pages look like the others
            (they add a small one of their own for funnels and charts).
    """

    identify: Callable[[web.Request], Awaitable[StaffMember | None]]
    csrf_token: Callable[[web.Request], Awaitable[str]]
    check_csrf: Callable[[web.Request], Awaitable[bool]] | None = None
    csrf_field: str = "csrf"
    login_path: str = "/admin/login"
    home_path: str = "/admin/"
    stylesheet: str = ""


@dataclass(frozen=True, slots=True)
class CampaignForm:
    """What was typed in a campaign form, kept to show it again next to the errors."""

    code: str = ""
    name: str = ""
    sector: str = ""
    held_on: str = ""
    place: str = ""


def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals["metric_labels"] = METRIC_LABELS
    environment.globals["funnel"] = FUNNEL
    return environment


def _form_field(data: Any, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


class CampaignPages:
    """The campaign and figures pages, with the back office's hooks given once."""

    def __init__(self, hooks: AdminHooks) -> None:
        self._hooks = hooks
        self._templates = _templates()

    # --- access -----------------------------------------------------------------------------

    async def _staff(self, request: web.Request, roles: frozenset[Role]) -> StaffMember:
        staff = await self._hooks.identify(request)
        if staff is None:
            raise web.HTTPSeeOther(self._hooks.login_path)
        if staff.role not in roles:
            raise web.HTTPForbidden(
                text=await self._render_text(
                    request,
                    staff,
                    "campaigns/denied.html",
                    {"title": "Accès refusé"},
                ),
                content_type="text/html",
            )
        return staff

    async def _posted(self, request: web.Request) -> Any:
        data = await request.post()
        check = self._hooks.check_csrf
        if check is not None and not await check(request):
            raise web.HTTPForbidden(text="Formulaire expiré : recharge la page et recommence.")
        return data

    # --- rendering --------------------------------------------------------------------------

    async def _render_text(
        self,
        request: web.Request,
        staff: StaffMember,
        template: str,
        context: dict[str, Any],
    ) -> str:
        base = {
            "home_path": self._hooks.home_path,
            "campaigns_url": str(request.app.router["campaigns.list"].url_for()),
            "figures_url": str(request.app.router["figures.page"].url_for()),
            "can_see_figures": staff.role in FIGURES_ROLES,
            "csrf_field": self._hooks.csrf_field,
            "csrf_token": await self._hooks.csrf_token(request),
            "stylesheet": self._hooks.stylesheet,
            "own_stylesheet": str(request.app.router["campaigns.css"].url_for()),
        }
        return self._templates.get_template(template).render({**base, **context})

    async def _render(
        self,
        request: web.Request,
        staff: StaffMember,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
    ) -> web.Response:
        response = web.Response(
            text=await self._render_text(request, staff, template, context),
            status=status,
            content_type="text/html",
            charset="utf-8",
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    def _url(self, request: web.Request, name: str, **parts: str) -> str:
        return str(request.app.router[name].url_for(**parts))

    # --- campaigns --------------------------------------------------------------------------

    async def list_page(self, request: web.Request) -> web.Response:
        """Current campaigns (and archived ones on demand) with the creation form."""
        staff = await self._staff(request, CAMPAIGN_ROLES)
        return await self._list(request, staff, CampaignForm(), errors={})

    async def _list(
        self,
        request: web.Request,
        staff: StaffMember,
        form: CampaignForm,
        *,
        errors: dict[str, str],
    ) -> web.Response:
        sessions = request.config_dict[services_key].sessions
        archived = request.query.get("archived") == "1"
        campaigns = await list_campaigns(sessions, include_archived=archived)
        return await self._render(
            request,
            staff,
            "campaigns/list.html",
            {
                "title": "Campagnes",
                "campaigns": campaigns,
                "show_archived": archived,
                "sectors": await sector_choices(sessions),
                "form": form,
                "errors": errors,
                "create_url": self._url(request, "campaigns.list"),
            },
            status=400 if errors else 200,
        )

    async def create(self, request: web.Request) -> web.Response:
        """Create a campaign; on a mistake, show the form again with what was typed."""
        staff = await self._staff(request, CAMPAIGN_ROLES)
        data = await self._posted(request)
        form = CampaignForm(
            **{field: _form_field(data, field) for field in CampaignForm.__dataclass_fields__}
        )
        code = form.code.strip() or suggest_code(form.name)
        errors = self._check(form, code=code, new=True)
        if not errors:
            try:
                campaign = await create_campaign(
                    request.config_dict[services_key].sessions,
                    code,
                    name=form.name,
                    sector=form.sector or None,
                    held_on=parse_held_on(form.held_on),
                    place=form.place,
                    created_by=staff.id,
                )
            except CampaignCodeError as error:
                errors["code"] = CODE_PROBLEMS_FR[error.problem]
            except ConflictError:
                errors["code"] = f"Le code {code.upper()} est déjà pris : choisis-en un autre."
            except InvalidInputError as error:
                errors["form"] = str(error)
            else:
                raise web.HTTPSeeOther(self._url(request, "campaigns.detail", code=campaign.code))
        return await self._list(request, staff, form, errors=errors)

    def _check(self, form: CampaignForm, *, code: str, new: bool) -> dict[str, str]:
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
        if len(" ".join(form.place.split())) > PLACE_MAX:
            errors["place"] = f"Le lieu doit faire au plus {PLACE_MAX} caractères."
        try:
            parse_held_on(form.held_on)
        except InvalidInputError:
            errors["held_on"] = "Date invalide : écris-la comme 12/05/2026 ou 2026-05-12."
        return errors

    async def detail(self, request: web.Request) -> web.Response:
        """One campaign: what it produced, its QR code, downloads, editing and archiving."""
        staff = await self._staff(request, CAMPAIGN_ROLES)
        return await self._detail(request, staff, form=None, errors={})

    async def _detail(
        self,
        request: web.Request,
        staff: StaffMember,
        *,
        form: CampaignForm | None,
        errors: dict[str, str],
        status: int = 200,
    ) -> web.Response:
        services = request.config_dict[services_key]
        try:
            campaign = await get_campaign(services.sessions, request.match_info["code"])
        except NotFoundError as error:
            raise web.HTTPNotFound(text="Cette campagne n'existe pas (ou plus).") from error
        funnel = await campaign_funnel(services.sessions, campaign.code)
        url = landing_url(str(services.settings.public_url), campaign.code)
        if form is None:
            form = CampaignForm(
                code=campaign.code,
                name=campaign.name,
                sector=campaign.sector_code or "",
                held_on=campaign.held_on.isoformat() if campaign.held_on else "",
                place=campaign.place,
            )
        downloads = {
            "png": self._url(request, "campaigns.qr_png", code=campaign.code),
            "svg": self._url(request, "campaigns.qr_svg", code=campaign.code),
            **{
                size.value: self._url(
                    request, "campaigns.poster", code=campaign.code, size=size.value
                )
                for size in PosterSize
            },
        }
        return await self._render(
            request,
            staff,
            "campaigns/detail.html",
            {
                "title": campaign.name,
                "campaign": campaign,
                "funnel_row": funnel,
                "landing_url": url,
                "qr_svg": qr_svg_inline(url),
                "downloads": downloads,
                "telegram_url": telegram_link(
                    services.settings.telegram_bot_username, campaign.code
                ),
                "sms_url": sms_link(services.settings.sms_number, campaign.code),
                "sms_number": (
                    display_phone(services.settings.sms_number)
                    if services.settings.sms_number
                    else ""
                ),
                "sectors": await sector_choices(services.sessions),
                "form": form,
                "errors": errors,
                "update_url": self._url(request, "campaigns.detail", code=campaign.code),
                "archive_url": self._url(request, "campaigns.archive", code=campaign.code),
                "restore_url": self._url(request, "campaigns.restore", code=campaign.code),
                "delete_url": self._url(request, "campaigns.delete", code=campaign.code),
                "message": request.query.get("done", ""),
            },
            status=status,
        )

    async def update(self, request: web.Request) -> web.Response:
        """Save the name, date, place and sector; the code never changes (it is printed)."""
        staff = await self._staff(request, CAMPAIGN_ROLES)
        data = await self._posted(request)
        code = request.match_info["code"]
        form = CampaignForm(
            code=code,
            **{
                field: _form_field(data, field) for field in ("name", "sector", "held_on", "place")
            },
        )
        errors = self._check(form, code=code, new=False)
        if not errors:
            try:
                campaign = await update_campaign(
                    request.config_dict[services_key].sessions,
                    code,
                    name=form.name,
                    sector=form.sector or None,
                    held_on=parse_held_on(form.held_on),
                    place=form.place,
                )
            except NotFoundError as error:
                raise web.HTTPNotFound(text="Cette campagne n'existe pas (ou plus).") from error
            except InvalidInputError as error:
                errors["form"] = str(error)
            else:
                raise web.HTTPSeeOther(
                    self._url(request, "campaigns.detail", code=campaign.code) + "?done=saved"
                )
        return await self._detail(request, staff, form=form, errors=errors, status=400)

    async def archive(self, request: web.Request) -> web.Response:
        """Archive: off the list, landing page says it is over, attribution keeps working."""
        return await self._set_active(request, active=False)

    async def restore(self, request: web.Request) -> web.Response:
        """Bring an archived campaign back to the current list."""
        return await self._set_active(request, active=True)

    async def _set_active(self, request: web.Request, *, active: bool) -> web.Response:
        await self._staff(request, CAMPAIGN_ROLES)
        await self._posted(request)
        sessions = request.config_dict[services_key].sessions
        code = request.match_info["code"]
        try:
            campaign = await (restore_campaign if active else archive_campaign)(sessions, code)
        except NotFoundError as error:
            raise web.HTTPNotFound(text="Cette campagne n'existe pas (ou plus).") from error
        done = "restored" if active else "archived"
        raise web.HTTPSeeOther(
            self._url(request, "campaigns.detail", code=campaign.code) + f"?done={done}"
        )

    async def delete(self, request: web.Request) -> web.Response:
        """Delete a campaign nobody has used yet; anything used must be archived instead."""
        staff = await self._staff(request, CAMPAIGN_ROLES)
        await self._posted(request)
        code = request.match_info["code"]
        try:
            await delete_campaign(request.config_dict[services_key].sessions, code)
        except NotFoundError as error:
            raise web.HTTPNotFound(text="Cette campagne n'existe pas (ou plus).") from error
        except ConflictError:
            return await self._detail(
                request,
                staff,
                form=None,
                errors={
                    "delete": (
                        "Cette campagne a déjà servi (scans, conversations ou demandes) : "
                        "archive-la plutôt, pour ne rien perdre."
                    )
                },
                status=409,
            )
        raise web.HTTPSeeOther(self._url(request, "campaigns.list"))

    # --- QR codes and posters ---------------------------------------------------------------

    async def _campaign_url(self, request: web.Request) -> tuple[str, str, str]:
        await self._staff(request, CAMPAIGN_ROLES)
        services = request.config_dict[services_key]
        try:
            campaign = await get_campaign(services.sessions, request.match_info["code"])
        except NotFoundError as error:
            raise web.HTTPNotFound(text="Cette campagne n'existe pas (ou plus).") from error
        url = landing_url(str(services.settings.public_url), campaign.code)
        return campaign.code, campaign.name, url

    @staticmethod
    def _download(body: bytes, *, content_type: str, filename: str) -> web.Response:
        return web.Response(
            body=body,
            content_type=content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    async def qr_png(self, request: web.Request) -> web.Response:
        """The QR code as a PNG, big enough for slides and social posts."""
        code, _, url = await self._campaign_url(request)
        return self._download(qr_png(url), content_type="image/png", filename=f"qr-{code}.png")

    async def qr_svg(self, request: web.Request) -> web.Response:
        """The QR code as an SVG, for printers and designers."""
        code, name, url = await self._campaign_url(request)
        return self._download(
            qr_svg(url, title=name), content_type="image/svg+xml", filename=f"qr-{code}.svg"
        )

    async def poster(self, request: web.Request) -> web.Response:
        """The A4 poster or A6 flyer as a PDF, ready to print."""
        code, name, url = await self._campaign_url(request)
        settings = request.config_dict[services_key].settings
        size = PosterSize(request.match_info["size"])
        text = PosterText(
            url=url,
            code=code,
            campaign_name=name,
            sms_number=settings.sms_number,
            telegram_link=telegram_link(settings.telegram_bot_username, code),
        )
        return self._download(
            poster_pdf(text, size),
            content_type="application/pdf",
            filename=f"affiche-{code}-{size.value}.pdf",
        )

    async def stylesheet(self, request: web.Request) -> web.FileResponse:
        """The few styles these pages add (a file: the back office forbids inline styles)."""
        await self._staff(request, CAMPAIGN_ROLES)
        return web.FileResponse(
            TEMPLATES_DIR / "campaigns" / "campaigns.css",
            headers={"Content-Type": "text/css", "Cache-Control": "private, max-age=3600"},
        )

    # --- figures ----------------------------------------------------------------------------

    def _period(self, request: web.Request, today: date) -> Period:
        """The period asked for; by default the last twelve weeks, today included."""
        if "from" not in request.query and "to" not in request.query:
            return Period(week_start(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today)
        try:
            return Period.parse(request.query.get("from"), request.query.get("to"))
        except InvalidInputError as error:
            raise web.HTTPBadRequest(
                text="Période invalide : des dates comme 2026-01-31, la fin après le début."
            ) from error

    async def figures_page(self, request: web.Request) -> web.Response:
        """The key figures, weekly charts and funnels over a chosen period."""
        staff = await self._staff(request, FIGURES_ROLES)
        today = datetime.now(UTC).date()
        period = self._period(request, today)
        figures = await compute_figures(
            request.config_dict[services_key].sessions, period, today=today
        )
        labels = [week.start.strftime("%d/%m") for week in figures.weeks]
        charts = {
            metric: bar_chart(
                [
                    (label, week.count(metric))
                    for label, week in zip(labels, figures.weeks, strict=True)
                ],
                title=f"{METRIC_LABELS[metric]} par semaine",
                color=color,
            )
            for metric, color in (
                (Metric.IDENTIFIED, "#1f5fbf"),
                (Metric.LEADS, "#b85c00"),
                (Metric.MOBILISED, "#2c7a3f"),
                (Metric.SCANS, "#6a4fb3"),
            )
        }
        query = period.as_dict()
        csv_url = self._url(request, "figures.csv")
        csv_url += "?" + "&".join(f"{key}={value}" for key, value in query.items() if value)
        shortcuts = {
            "12 dernières semaines": Period(
                week_start(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today
            ),
            "Cette année": Period(date(today.year, 1, 1), today),
            "L'an dernier": Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        }
        return await self._render(
            request,
            staff,
            "figures/dashboard.html",
            {
                "title": "Chiffres",
                "figures": figures,
                "period": period,
                "charts": charts,
                "csv_url": csv_url,
                "shortcuts": shortcuts,
            },
        )

    async def figures_csv(self, request: web.Request) -> web.Response:
        """The same figures as CSV: aggregated counts only, nothing about any person."""
        await self._staff(request, FIGURES_ROLES)
        today = datetime.now(UTC).date()
        period = self._period(request, today)
        figures = await compute_figures(
            request.config_dict[services_key].sessions, period, today=today
        )
        span = f"{period.first or 'debut'}-{period.last or today}"
        return self._download(
            # A byte-order mark, so that spreadsheet software reads the accents right.
            ("\ufeff" + figures_csv(figures)).encode("utf-8"),
            content_type="text/csv",
            filename=f"chiffres-{span}.csv",
        )


def setup(admin: web.Application, hooks: AdminHooks) -> None:
    """Add the campaign and figures pages to the back-office sub-application.

    Paths are relative to the sub-app (``/campaigns`` becomes ``/admin/campaigns``). The
    sub-app (or its parent) must hold ``services_key``.
    """
    pages = CampaignPages(hooks)
    router = admin.router
    router.add_get("/campaigns", pages.list_page, name="campaigns.list")
    router.add_post("/campaigns", pages.create)
    router.add_get("/campaigns/{code}", pages.detail, name="campaigns.detail")
    router.add_post("/campaigns/{code}", pages.update)
    router.add_post("/campaigns/{code}/archive", pages.archive, name="campaigns.archive")
    router.add_post("/campaigns/{code}/restore", pages.restore, name="campaigns.restore")
    router.add_post("/campaigns/{code}/delete", pages.delete, name="campaigns.delete")
    router.add_get("/campaigns/{code}/qr.png", pages.qr_png, name="campaigns.qr_png")
    router.add_get("/campaigns/{code}/qr.svg", pages.qr_svg, name="campaigns.qr_svg")
    router.add_get(
        "/campaigns/{code}/poster-{size:a4|a6}.pdf", pages.poster, name="campaigns.poster"
    )
    router.add_get("/campaigns.css", pages.stylesheet, name="campaigns.css")
    router.add_get("/figures", pages.figures_page, name="figures.page")
    router.add_get("/figures.csv", pages.figures_csv, name="figures.csv")
