"""Back-office pages of the contact lists (aller-vers): import, preview, test, start, pause.

For the outreach staff and the coordinators (and admins). The pages show what a list is for,
who imported it, until when it is kept and what its campaign produced, never a row: a
refused line is named by its number and its reason only. Every rule lives in
``core/contact_lists``; these handlers read the form, call the core and render.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

from aiohttp import web

from outreach_bot.core.contact_lists.importing import DEFAULT_KEEP, ImportReport, import_list
from outreach_bot.core.contact_lists.views import erase_now, get_list, list_views
from outreach_bot.domain.contact_lists import (
    BASIS_LABELS,
    LEGAL_BASIS,
    PURPOSE_LABELS,
    ListPurpose,
    ListStatus,
)
from outreach_bot.domain.dates import parse_iso_day
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.domain.numbers import parse_record_id, parse_whole_number
from outreach_bot.web.admin.campaigns import LIST_MENU_ROLES, require_role
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import Handler, flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

LIST_ROLES: Final = LIST_MENU_ROLES
REFUSED: Final = (
    "Ton rôle ne donne pas accès à cette page. Les listes sont réservées à l'équipe "
    "d'aller-vers, aux coordinateurs et aux administrateurs."
)
MAX_UPLOAD: Final = 8 * 1024 * 1024
"""A CSV of 20,000 lines (the import's limit) with every column stays well under this."""
IMPORT_PATH: Final = "/admin/lists"


@web.middleware
async def upload_size_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only the list import may send more than the server's usual body limit.

    The limit (``app.MAX_BODY``) keeps every webhook and form small; a département's SIEI
    export is bigger, so this one route reads its body with :data:`MAX_UPLOAD`.
    """
    if request.method == "POST" and request.path == IMPORT_PATH:
        request = request.clone(client_max_size=MAX_UPLOAD)
    return await handler(request)


def _list_id(request: web.Request) -> int:
    raw = request.match_info["list_id"]
    list_id = parse_record_id(raw)
    if list_id is None:
        raise NotFoundError(f"contact list {raw[:20]}")
    return list_id


def _detail_url(request: web.Request, list_id: int) -> str:
    return str(request.app.router["lists.detail"].url_for(list_id=str(list_id)))


async def _list_page(
    request: web.Request, *, error: str = "", form: dict[str, str] | None = None
) -> web.Response:
    today = datetime.now(UTC).date()
    return await render(
        request,
        "lists/list.html",
        {
            "lists": await list_views(request.app[services_key].sessions),
            "purposes": PURPOSE_LABELS,
            "bases": {purpose: BASIS_LABELS[basis] for purpose, basis in LEGAL_BASIS.items()},
            "error": error,
            "form": form
            or {
                "name": "",
                "representatives": "",
                "purpose": ListPurpose.TRAINING_OBLIGATION.value,
                "purge_on": (today + DEFAULT_KEEP).isoformat(),
                "daily_budget": "200",
            },
        },
        status=400 if error else 200,
    )


async def list_page(request: web.Request) -> web.Response:
    """Every list with its figures, and the import form."""
    require_role(request, LIST_ROLES, REFUSED)
    return await _list_page(request)


async def import_page(request: web.Request) -> web.Response:
    """Import a CSV; the result (kept, and refused lines with their reason) is shown at once."""
    account = require_role(request, LIST_ROLES, REFUSED)
    data = await read_form(request)
    form = {
        key: str(data.get(key, ""))
        for key in ("name", "purpose", "purge_on", "daily_budget", "representatives")
    }
    upload = data.get("file")
    try:
        purpose, purge_on, budget, content = _import_form(form, upload)
        report = await import_list(
            request.app[services_key].sessions,
            content,
            name=form["name"],
            purpose=purpose,
            purge_on=purge_on,
            imported_by=account.id,
            imported_by_name=account.label,
            contact_representatives=form["representatives"] == "yes",
            daily_budget=budget,
        )
    except InvalidInputError as error:
        return await _list_page(request, error=str(error), form=form)
    return await _detail(request, report.list_id, report=report)


def _import_form(form: dict[str, str], upload: object) -> tuple[ListPurpose, date, int, bytes]:
    """The import form's values, read and checked.

    Raises:
        InvalidInputError: no file, no purpose, no date, or a budget that is not a number.
    """
    if not isinstance(upload, web.FileField):
        raise InvalidInputError("choisis le fichier CSV de la liste")
    with upload.file:
        content = upload.file.read()
    try:
        purpose = ListPurpose(form["purpose"])
    except ValueError as error:
        raise InvalidInputError("choisis l'objet de la liste") from error
    purge_on = parse_iso_day(form["purge_on"])
    if purge_on is None:
        raise InvalidInputError("indique la date d'effacement")
    budget = parse_whole_number(form["daily_budget"].strip(), max_digits=4)
    if budget is None:
        raise InvalidInputError("le budget est un nombre de SMS par jour")
    return purpose, purge_on, budget, content


async def _detail(
    request: web.Request,
    list_id: int,
    *,
    report: ImportReport | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    services = request.app[services_key]
    view = await get_list(services.sessions, list_id)
    preview = (
        await services.first_contacts.preview(list_id) if view.status != ListStatus.PURGED else []
    )
    return await render(
        request,
        "lists/detail.html",
        {
            "list": view,
            "report": report,
            "preview": preview,
            "error": error,
            "team_phone": services.first_contacts.team_phone,
        },
        status=status,
    )


async def detail_page(request: web.Request) -> web.Response:
    """One list: why and until when, its message as it will go, its figures, its buttons."""
    require_role(request, LIST_ROLES, REFUSED)
    return await _detail(request, _list_id(request))


async def start(request: web.Request) -> web.Response:
    """Start (or resume) the campaign: one message per person, within the sending rules."""
    require_role(request, LIST_ROLES, REFUSED)
    list_id = _list_id(request)
    plan = await request.app[services_key].first_contacts.start(list_id)
    zone = request.app[services_key].rules.zone
    when = plan.first_due.astimezone(zone) if plan.first_due else None
    text = f"Campagne lancée : {plan.planned} message(s) prévu(s)"
    if when is not None:
        text += f", le premier le {when:%d/%m à %H:%M}"
    if plan.representatives:
        text += f", dont {plan.representatives} aux représentants légaux"
    await flash(request, text + ".")
    raise web.HTTPSeeOther(_detail_url(request, list_id))


async def pause(request: web.Request) -> web.Response:
    """Pause: what has not left yet waits; nothing is sent twice on resume."""
    require_role(request, LIST_ROLES, REFUSED)
    list_id = _list_id(request)
    held = await request.app[services_key].first_contacts.pause(list_id)
    await flash(request, f"Campagne en pause : {held} message(s) retenu(s).")
    raise web.HTTPSeeOther(_detail_url(request, list_id))


async def test_send(request: web.Request) -> web.Response:
    """Send the message to a member of staff's own phone."""
    require_role(request, LIST_ROLES, REFUSED)
    list_id = _list_id(request)
    phone = str((await read_form(request)).get("phone", ""))[:40]
    try:
        await request.app[services_key].first_contacts.test_send(list_id, phone)
    except InvalidInputError as error:
        return await _detail(request, list_id, error=str(error), status=400)
    await flash(request, "Message de test envoyé (hors des heures calmes, il part à l'ouverture).")
    raise web.HTTPSeeOther(_detail_url(request, list_id))


async def erase(request: web.Request) -> web.Response:
    """Erase now the people who never answered (what the list's date would do)."""
    account = require_role(request, LIST_ROLES, REFUSED)
    list_id = _list_id(request)
    if (await read_form(request)).get("confirm") != "yes":
        return await _detail(
            request, list_id, error="coche la case pour confirmer l'effacement", status=400
        )
    erased = await erase_now(
        request.app[services_key].sessions, list_id, user_id=account.id, actor=account.label
    )
    await flash(request, f"Liste effacée : {erased} ligne(s) supprimée(s).")
    raise web.HTTPSeeOther(_detail_url(request, list_id))


def setup(admin: web.Application) -> None:
    """Add the contact-list pages (``/admin/lists``) to the back office."""
    router = admin.router
    router.add_get("/lists", list_page, name="lists.list")
    router.add_post("/lists", import_page)
    router.add_get("/lists/{list_id}", detail_page, name="lists.detail")
    router.add_post("/lists/{list_id}/start", start, name="lists.start")
    router.add_post("/lists/{list_id}/pause", pause, name="lists.pause")
    router.add_post("/lists/{list_id}/test", test_send, name="lists.test")
    router.add_post("/lists/{list_id}/erase", erase, name="lists.erase")
