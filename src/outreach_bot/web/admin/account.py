"""Signing in and out, one's own account, one-time password links, and the first-admin page.

Everything here is open to anyone with the link or a session: the pages an admin manages
the team with live in :mod:`outreach_bot.web.admin.team`.
"""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import web

from outreach_bot.config import proxy_networks
from outreach_bot.core.staff import profile
from outreach_bot.core.staff.accounts import (
    AccountDisabledError,
    TooManyAttemptsError,
    authenticate,
    create_first_admin,
    has_accounts,
    setup_token_valid,
)
from outreach_bot.core.staff.links import LinkPurpose, find_link, redeem_link, reset_by_email
from outreach_bot.core.staff.mail import send_link
from outreach_bot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import (
    current_account,
    flash,
    safe_next,
    sign_in,
    sign_out,
)
from outreach_bot.web.admin.team import password_link
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key
from outreach_bot.web.ratelimit import client_ip

logger = logging.getLogger(__name__)

DISABLED: Final = (
    "Ce compte est désactivé. Demande à l'admin de ton équipe de le réactiver "
    "(il ou elle le fait depuis la page Comptes)."
)
LINK_SPENT: Final = (
    "Ce lien ne marche plus : il a déjà servi, il a expiré, ou un lien plus récent l'a "
    "remplacé. Demande un nouveau lien à l'admin de ton équipe."
)


async def login_page(request: web.Request) -> web.Response:
    """The sign-in form."""
    notice = None
    if request.query.get("expired"):
        notice = "Ta session a expiré. Reconnecte-toi."
    elif request.query.get("bye"):
        notice = "Tu es déconnecté·e."
    target = safe_next(request.query.get("next", ""))
    return await render(request, "login.html", {"next": target, "notice": notice})


async def login(request: web.Request) -> web.StreamResponse:
    """Check the credentials; throttled per account and address (429 when exceeded)."""
    form = await read_form(request)
    email = str(form.get("email", ""))
    target = safe_next(str(form.get("next", "")))
    services = request.app[services_key]
    try:
        account = await authenticate(
            services.sessions,
            email,
            str(form.get("password", "")),
            ip=client_ip(request, proxy_networks(services.settings.trusted_proxies)),
        )
    except TooManyAttemptsError:
        error, status = "Trop d'essais. Attends 15 minutes avant de réessayer.", 429
    except AccountDisabledError:
        error = DISABLED
        status = 403
    except PermissionDeniedError:
        error, status = "E-mail ou mot de passe incorrect.", 401
    else:
        await sign_in(request, account)
        raise web.HTTPSeeOther(target)
    return await render(
        request, "login.html", {"next": target, "email": email, "error": error}, status=status
    )


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    await sign_out(request)
    raise web.HTTPSeeOther(request.app.router["login"].url_for().with_query(bye="1"))


async def setup_page(request: web.Request) -> web.Response:
    """The first-admin form, reachable only with the one-time token printed at start-up.

    Once an account exists the link has done its job: the page says so (410) and points to
    the sign-in form, rather than a bare "not found".
    """
    token = request.query.get("token", "")
    async with request.app[services_key].sessions() as session:
        valid = await setup_token_valid(session, token)
        done = not valid and await has_accounts(session)
    if done:
        return await render(request, "setup_done.html", status=410)
    if not valid:
        raise NotFoundError("lien de création invalide ou déjà utilisé")
    return await render(request, "setup.html", {"token": token})


async def setup(request: web.Request) -> web.StreamResponse:
    """Create the first admin, spend the token, and sign them in."""
    form = await read_form(request)
    token = str(form.get("token", ""))
    email = str(form.get("email", ""))
    password = str(form.get("password", ""))
    error = None
    if password != str(form.get("password2", "")):
        error = "Les deux mots de passe sont différents."
    else:
        try:
            account = await create_first_admin(
                request.app[services_key].sessions, token, email=email, password=password
            )
        except InvalidInputError as failure:
            error = str(failure)
        else:
            await sign_in(request, account)
            await flash(request, "Compte admin créé. Bienvenue !")
            logger.info("first admin %s created through the set-up link", account.id)
            raise web.HTTPSeeOther("/admin/")
    return await render(
        request, "setup.html", {"token": token, "email": email, "error": error}, status=400
    )


async def password_page(request: web.Request) -> web.Response:
    """Choose a password with a one-time link: an invitation or a reset."""
    token = request.query.get("token", "")
    target = await find_link(request.app[services_key].sessions, token)
    if target is None:
        return await render(request, "password_link.html", {"spent": LINK_SPENT}, status=410)
    return await render(request, "password_link.html", {"target": target, "token": token})


async def use_password_link(request: web.Request) -> web.StreamResponse:
    """Set the password chosen with a link, spend the link, and sign the person in."""
    form = await read_form(request)
    token = str(form.get("token", ""))
    password = str(form.get("password", ""))
    name = str(form.get("display_name", "")) if "display_name" in form else None
    services = request.app[services_key]
    target = await find_link(services.sessions, token)
    if target is None:
        return await render(request, "password_link.html", {"spent": LINK_SPENT}, status=410)
    error = None
    if password != str(form.get("password2", "")):
        error = "Les deux mots de passe sont différents."
    else:
        try:
            account = await redeem_link(
                services.sessions, token, password=password, display_name=name
            )
        except InvalidInputError as failure:
            error = str(failure)
        except NotFoundError:
            return await render(request, "password_link.html", {"spent": LINK_SPENT}, status=410)
        else:
            await sign_in(request, account)
            welcome = (
                f"Bienvenue, {account.label} ! Ton compte est prêt."
                if target.purpose is LinkPurpose.INVITE
                else "Mot de passe changé. Tes autres connexions sont fermées."
            )
            await flash(request, welcome)
            raise web.HTTPSeeOther("/admin/")
    context = {"target": target, "token": token, "error": error, "display_name": name or ""}
    return await render(request, "password_link.html", context, status=400)


async def forgot_page(request: web.Request) -> web.Response:
    """What to do when the password is forgotten: ask for a link by e-mail, or the admin."""
    mail = request.app[services_key].mailer.configured
    return await render(request, "forgot.html", {"mail": mail})


async def forgot(request: web.Request) -> web.Response:
    """E-mail a one-hour reset link to that address if it has an account.

    The answer is the same whether or not it has one, and whether or not the e-mail left, so
    the form tells nobody which addresses have an account.
    """
    services = request.app[services_key]
    if not services.mailer.configured:
        return await render(request, "forgot.html", {"mail": False}, status=400)
    email = str((await read_form(request)).get("email", "")).strip()[:254]
    issued = await reset_by_email(services.sessions, email) if email else None
    if issued is not None:
        await send_link(services.mailer, issued, password_link(request, issued.token))
    return await render(request, "forgot.html", {"mail": True, "sent": email or "cette adresse"})


async def me_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    """One's own account: the name colleagues see, and the password."""
    return await render(request, "me.html", {"error": error}, status=status)


async def rename(request: web.Request) -> web.StreamResponse:
    """Change the name colleagues see."""
    form = await read_form(request)
    try:
        name = await profile.rename(
            request.app[services_key].sessions,
            current_account(request),
            str(form.get("display_name", "")),
        )
    except InvalidInputError as failure:
        return await me_page(request, error=str(failure), status=400)
    await flash(request, f"Tes collègues te voient maintenant comme « {name} ».")
    raise web.HTTPSeeOther(request.app.router["me"].url_for())


async def change_password(request: web.Request) -> web.StreamResponse:
    """Change one's password, knowing the current one; other browsers are signed out."""
    form = await read_form(request)
    new = str(form.get("new_password", ""))
    if new != str(form.get("new_password2", "")):
        return await me_page(
            request, error="Les deux nouveaux mots de passe sont différents.", status=400
        )
    try:
        account = await profile.change_password(
            request.app[services_key].sessions,
            current_account(request),
            current=str(form.get("current_password", "")),
            new=new,
        )
    except InvalidInputError as failure:
        return await me_page(request, error=str(failure), status=400)
    await sign_in(request, account)
    await flash(request, "Mot de passe changé. Tes autres connexions sont fermées.")
    raise web.HTTPSeeOther(request.app.router["me"].url_for())


def add_routes(app: web.Application) -> None:
    """Mount the account pages on the admin sub-app."""
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login, name="login-post")
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/setup", setup_page, name="setup")
    app.router.add_post("/setup", setup, name="setup-post")
    app.router.add_get("/password", password_page, name="password")
    app.router.add_post("/password", use_password_link, name="password-post")
    app.router.add_get("/forgot", forgot_page, name="forgot")
    app.router.add_post("/forgot", forgot, name="forgot-post")
    app.router.add_get("/me", me_page, name="me")
    app.router.add_post("/me/name", rename, name="me.name")
    app.router.add_post("/me/password", change_password, name="me.password")
