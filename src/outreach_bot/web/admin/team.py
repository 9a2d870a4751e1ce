"""The admin's pages for the team: accounts (invite, edit, disable, reset) and API tokens.

Handlers parse the form and call one use case of :mod:`outreach_bot.core.team.accounts`,
which checks the role, acts and audits. A link or token is shown once, on the page that
answers the POST that made it, never in a redirect or a flash message kept in the cookie.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Self

from aiohttp import web
from multidict import MultiDictProxy

from outreach_bot.core.staff.accounts import staff_label
from outreach_bot.core.staff.links import INVITE_VALID, RESET_VALID, IssuedLink, LinkPurpose
from outreach_bot.core.staff.mail import send_link
from outreach_bot.core.team import accounts as team
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.domain.roles import Role
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import flash, require_admin
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

STATE_LABELS: Final = {
    "active": "Actif",
    "invited": "Invitation en attente",
    "invite_expired": "Invitation expirée",
    "disabled": "Désactivé",
}
ROLE_ORDER: Final = (
    Role.COUNSELLOR,
    Role.COORDINATOR,
    Role.OUTREACH,
    Role.FUNDER,
    Role.REVIEWER,
    Role.ADMIN,
)


@dataclass(frozen=True, slots=True)
class StaffForm:
    """What the account form holds, kept as typed when it comes back with an error."""

    email: str = ""
    display_name: str = ""
    role: str = Role.COUNSELLOR.value
    sectors: tuple[str, ...] = ()

    @classmethod
    def read(cls, form: MultiDictProxy[Any]) -> Self:
        """The form's fields; anything but text counts as empty."""
        return cls(
            _text(form, "email"),
            _text(form, "display_name"),
            _text(form, "role"),
            tuple(_texts(form, "sectors")),
        )


def password_link(request: web.Request, token: str) -> str:
    """The full address of a one-time password link, on the public URL the team uses."""
    base = str(request.app[services_key].settings.public_url).rstrip("/")
    return f"{base}/admin/password?token={token}"


def _days(purpose: LinkPurpose) -> str:
    if purpose is LinkPurpose.INVITE:
        return f"{INVITE_VALID.days} jours"
    return f"{int(RESET_VALID.total_seconds() // 3600)} heures"


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    number = parse_record_id(raw)
    if number is None:
        raise NotFoundError(f"{name} {raw[:20]}")
    return number


def _texts(form: MultiDictProxy[Any], name: str) -> list[str]:
    return [value for value in form.getall(name, []) if isinstance(value, str)]


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _sectors(request: web.Request) -> list[Any]:
    return await team.sectors(request.app[services_key].sessions, require_admin(request))


async def _list(
    request: web.Request, *, draft: StaffForm | None = None, error: str = ""
) -> web.Response:
    admin = require_admin(request)
    services = request.app[services_key]
    return await render(
        request,
        "team/list.html",
        {
            "staff": await team.list_staff(services.sessions, admin),
            "sectors": await _sectors(request),
            "role_order": ROLE_ORDER,
            "states": STATE_LABELS,
            "draft": draft or StaffForm(),
            "error": error,
            "form_key": secrets.token_urlsafe(16),
        },
        status=400 if error else 200,
    )


async def list_page(request: web.Request) -> web.Response:
    """Every account with its role, sectors, last sign-in and state; the invitation form."""
    return await _list(request)


async def _link_page(request: web.Request, issued: IssuedLink) -> web.Response:
    """Show a new link once, after e-mailing it when the installation can send e-mail."""
    link = password_link(request, issued.token)
    emailed = await send_link(request.app[services_key].mailer, issued, link)
    return await render(
        request,
        "team/link.html",
        {
            "label": staff_label(issued.display_name, issued.email),
            "email": issued.email,
            "link": link,
            "purpose": issued.purpose.value,
            "valid_for": _days(issued.purpose),
            "emailed": emailed,
            "mail_configured": request.app[services_key].mailer.configured,
        },
    )


async def invite(request: web.Request) -> web.Response:
    """Create an account and show its one-time invitation link (once)."""
    admin = require_admin(request)
    form = await read_form(request)
    draft = StaffForm.read(form)
    try:
        issued = await team.invite(
            request.app[services_key].sessions,
            admin,
            email=draft.email,
            display_name=draft.display_name,
            role=draft.role,
            sectors=list(draft.sectors),
            form_key=_text(form, "form_key"),
        )
    except (InvalidInputError, ConflictError) as failure:
        return await _list(request, draft=draft, error=str(failure))
    return await _link_page(request, issued)


async def _edit(
    request: web.Request, user_id: int, *, error: str = "", draft: StaffForm | None = None
) -> web.Response:
    admin = require_admin(request)
    row = await team.get_staff(request.app[services_key].sessions, admin, user_id)
    return await render(
        request,
        "team/edit.html",
        {
            "row": row,
            "draft": draft or StaffForm(row.email, row.display_name, row.role, row.sector_codes),
            "sectors": await _sectors(request),
            "role_order": ROLE_ORDER,
            "states": STATE_LABELS,
            "is_self": user_id == admin.id,
            "error": error,
        },
        status=400 if error else 200,
    )


async def edit_page(request: web.Request) -> web.Response:
    """One account: its name, role and sectors, and what can be done to it."""
    return await _edit(request, _id(request, "user_id"))


async def update(request: web.Request) -> web.StreamResponse:
    """Save a name, role and sectors; they apply from that person's next click."""
    admin = require_admin(request)
    user_id = _id(request, "user_id")
    draft = StaffForm.read(await read_form(request))
    try:
        await team.update_staff(
            request.app[services_key].sessions,
            admin,
            user_id,
            display_name=draft.display_name,
            role=draft.role,
            sectors=list(draft.sectors),
        )
    except InvalidInputError as failure:
        return await _edit(request, user_id, error=str(failure), draft=draft)
    await flash(request, "Compte mis à jour.")
    raise web.HTTPSeeOther(str(request.app.router["team.list"].url_for()))


async def _set_active(request: web.Request, *, active: bool) -> web.StreamResponse:
    admin = require_admin(request)
    user_id = _id(request, "user_id")
    try:
        label = await team.set_staff_active(
            request.app[services_key].sessions, admin, user_id, active=active
        )
    except (InvalidInputError, ConflictError) as failure:
        return await _edit(request, user_id, error=str(failure))
    if active:
        await flash(request, f"Compte de {label} réactivé : cette personne peut se connecter.")
    else:
        await flash(request, f"Compte de {label} désactivé : cette personne est déconnectée.")
    raise web.HTTPSeeOther(str(request.app.router["team.list"].url_for()))


async def disable(request: web.Request) -> web.StreamResponse:
    """Refuse sign-in to an account and end its open sessions at once."""
    return await _set_active(request, active=False)


async def enable(request: web.Request) -> web.StreamResponse:
    """Let a disabled account sign in again."""
    return await _set_active(request, active=True)


async def make_link(request: web.Request) -> web.Response:
    """A new one-time link to choose a password (reset, or a fresh invitation), shown once."""
    admin = require_admin(request)
    user_id = _id(request, "user_id")
    services = request.app[services_key]
    try:
        issued = await team.password_link(services.sessions, admin, user_id)
    except ConflictError as failure:
        return await _edit(request, user_id, error=str(failure))
    return await _link_page(request, issued)


async def _tokens(
    request: web.Request,
    *,
    error: str = "",
    created: str = "",
    draft: StaffForm | None = None,
) -> web.Response:
    admin = require_admin(request)
    return await render(
        request,
        "team/tokens.html",
        {
            "tokens": await team.tokens(request.app[services_key].sessions, admin),
            "sectors": await _sectors(request),
            "error": error,
            "created": created,
            "draft": draft or StaffForm(),
            "form_key": secrets.token_urlsafe(16),
        },
        status=400 if error else 200,
    )


async def tokens_page(request: web.Request) -> web.Response:
    """The API tokens: name, sectors, last use; the form to make one."""
    return await _tokens(request)


async def create_token(request: web.Request) -> web.Response:
    """Make a token and show it, this once."""
    admin = require_admin(request)
    form = await read_form(request)
    name = _text(form, "name")
    draft = StaffForm(display_name=name, sectors=tuple(_texts(form, "sectors")))
    try:
        token = await team.create_api_token(
            request.app[services_key].sessions,
            admin,
            name,
            list(draft.sectors),
            form_key=_text(form, "form_key"),
        )
    except (InvalidInputError, ConflictError) as failure:
        return await _tokens(request, error=str(failure), draft=draft)
    return await _tokens(request, created=token)


async def revoke_token(request: web.Request) -> web.StreamResponse:
    """Revoke a token: the next request made with it is refused."""
    admin = require_admin(request)
    try:
        name = await team.revoke_api_token(
            request.app[services_key].sessions, admin, _id(request, "token_id")
        )
    except ConflictError as failure:
        return await _tokens(request, error=str(failure))
    await flash(request, f"Jeton « {name} » révoqué.")
    raise web.HTTPSeeOther(str(request.app.router["team.tokens"].url_for()))


def add_routes(app: web.Application) -> None:
    """Mount the accounts and tokens pages (admins only) on the admin sub-app."""
    router = app.router
    router.add_get("/accounts", list_page, name="team.list")
    router.add_post("/accounts", invite, name="team.invite")
    router.add_get("/accounts/{user_id}", edit_page, name="team.edit")
    router.add_post("/accounts/{user_id}", update, name="team.update")
    router.add_post("/accounts/{user_id}/disable", disable, name="team.disable")
    router.add_post("/accounts/{user_id}/enable", enable, name="team.enable")
    router.add_post("/accounts/{user_id}/link", make_link, name="team.link")
    router.add_get("/tokens", tokens_page, name="team.tokens")
    router.add_post("/tokens", create_token, name="team.create_token")
    router.add_post("/tokens/{token_id}/revoke", revoke_token, name="team.revoke")
