"""Signing in and out, and the one-time page that creates the first admin."""

from __future__ import annotations

import logging

from aiohttp import web

from outreach_bot.config import proxy_networks
from outreach_bot.core.staff.accounts import (
    TooManyAttemptsError,
    authenticate,
    create_first_admin,
    setup_token_valid,
)
from outreach_bot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import flash, safe_next, sign_in, sign_out
from outreach_bot.web.keys import services_key
from outreach_bot.web.ratelimit import client_ip

logger = logging.getLogger(__name__)


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
    form = await request.post()
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
    """The first-admin form, reachable only with the one-time token printed at start-up."""
    token = request.query.get("token", "")
    async with request.app[services_key].sessions() as session:
        if not await setup_token_valid(session, token):
            raise NotFoundError("lien de création invalide ou déjà utilisé")
    return await render(request, "setup.html", {"token": token})


async def setup(request: web.Request) -> web.StreamResponse:
    """Create the first admin, spend the token, and sign them in."""
    form = await request.post()
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


def add_routes(app: web.Application) -> None:
    """Mount the account pages on the admin sub-app."""
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login, name="login-post")
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/setup", setup_page, name="setup")
    app.router.add_post("/setup", setup, name="setup-post")
