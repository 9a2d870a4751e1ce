"""Who is asking, and may they: encrypted session cookies, sign-in checks, CSRF tokens.

The session is a small JSON object in a cookie encrypted and authenticated with Fernet under a
key derived from ``OUTREACH_SECRET_KEY``; it holds a random session id, a CSRF token, the time
of the last request and one-time messages. The session id must match an open row of
``admin_sessions`` (see :mod:`outreach_bot.core.staff.sessions`), so logout, a password change
or a deactivation ends it on the server, and a cookie copied before then is worthless.
Nothing else about the user is trusted from the cookie: role and sectors are read from the
database on every request.

aiohttp-session's ``EncryptedCookieStorage`` does the same, but stores its state under string
request keys, which aiohttp 3.14 warns about on every request; the forty lines below avoid
that dependency and keep the cookie attributes in one visible place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import Account, load_account
from outreach_bot.core.staff.sessions import close_session, open_session, session_user
from outreach_bot.domain.errors import PermissionDeniedError
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.web.errors import read_form
from outreach_bot.web.headers import ADMIN_HEADERS, security_headers
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE_NAME: Final = "outreach_admin"
COOKIE_PATH: Final = "/admin/"
PUBLIC_ROUTES: Final = frozenset(
    {
        "login",
        "login-post",
        "setup",
        "setup-post",
        "password",
        "password-post",
        "forgot",
        "forgot-post",
        "static",
        "orientation",
        "orientation-post",
    }
)
"""Pages open without signing in; a partner's referral link carries its own one-time key."""
TOUCH_EVERY: Final = 60
"""Seconds between two refreshes of the cookie: often enough for a sliding expiry, no more."""
MAX_COOKIE: Final = 4000
"""Browsers drop cookies over 4 kB; ours holds a few ids and tokens."""
STAFF_COOKIE: Final = "outreach_staff"
STAFF_COOKIE_PATH: Final = "/q/"
"""A marker sent only to the QR landing pages, so that a member of staff trying a poster's code
is not counted as a scan. The session cookie itself stays scoped to ``/admin/``; the marker
holds only the user id, under its own key, so it cannot open the back office, and it is worth
nothing once the account is deactivated or the session has expired."""


class Session(dict[str, Any]):
    """The decrypted cookie; remembers whether it must be written back."""

    def __init__(self, data: dict[str, Any], *, from_cookie: bool) -> None:
        super().__init__(data)
        self.from_cookie = from_cookie
        self.changed = False
        self.invalidated = False

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.changed = True

    def pop(self, key: str, default: Any = None) -> Any:
        """Remove ``key`` (marking the session for saving if it was there)."""
        if key in self:
            self.changed = True
        return super().pop(key, default)

    def renew(self) -> None:
        """Drop everything, e.g. at sign-in, so nothing carries over from before."""
        self.clear()
        self.changed = True

    def invalidate(self) -> None:
        """Drop everything and delete the cookie."""
        self.clear()
        self.invalidated = True


session_key = web.RequestKey("admin_session", Session)
account_key = web.RequestKey("account", Account)


def session_fernet(secret: str) -> Fernet:
    """The cookie cipher, derived from the app secret but distinct from the database's key."""
    digest = hashlib.sha256(b"outreach-bot/admin-session/v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def staff_fernet(secret: str) -> Fernet:
    """The staff marker's cipher, distinct from the session's: one never passes for the other."""
    digest = hashlib.sha256(b"outreach-bot/staff-marker/v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def session_middleware(services: Services, secret: str) -> Any:
    """Load the session from its cookie and write it back: HttpOnly, SameSite=Lax, Secure on https.

    Fernet refuses a cookie older than ``OUTREACH_SESSION_HOURS``; the cookie is re-encrypted
    at most once a minute while in use, so an idle session expires by itself, even if stolen.
    """
    fernet = session_fernet(secret)
    marker = staff_fernet(secret)
    max_age = int(services.settings.session_hours * 3600)
    secure = services.settings.public_url.scheme == "https"

    def load(request: web.Request) -> Session:
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return Session({}, from_cookie=False)
        try:
            data = json.loads(fernet.decrypt(raw.encode("ascii"), ttl=max_age))
        except (InvalidToken, UnicodeError, ValueError):
            return Session({}, from_cookie=True)
        return Session(data if isinstance(data, dict) else {}, from_cookie=True)

    def save(session: Session, response: web.StreamResponse) -> None:
        if session.invalidated:
            response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)
            response.del_cookie(STAFF_COOKIE, path=STAFF_COOKIE_PATH)
            return
        if not session.changed:
            return
        value = fernet.encrypt(json.dumps(dict(session)).encode()).decode("ascii")
        if len(value) > MAX_COOKIE:
            logger.error("admin session too large (%s bytes); not saved", len(value))
            return
        cookies = [(COOKIE_NAME, value, COOKIE_PATH)]
        if isinstance(session.get("uid"), int):
            staff = marker.encrypt(json.dumps({"uid": session["uid"]}).encode()).decode("ascii")
            cookies.append((STAFF_COOKIE, staff, STAFF_COOKIE_PATH))
        for name, content, path in cookies:
            response.set_cookie(
                name,
                content,
                max_age=max_age,
                path=path,
                httponly=True,
                samesite="Lax",
                secure=secure,
            )

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        session = load(request)
        request[session_key] = session
        try:
            response = await handler(request)
        except web.HTTPException as redirect_or_error:
            save(session, redirect_or_error)
            raise
        if not response.prepared:  # a live feed has sent its headers already
            save(session, response)
        return response

    return middleware


async def staff_account(request: web.Request) -> Account | None:
    """The active back-office account whose session this request carries, on any route.

    Public pages use it to tell staff from the public; it signs nobody in and changes no
    cookie. An expired, forged or signed-out session, or a deactivated account, is nobody.
    """
    raw = request.cookies.get(STAFF_COOKIE)
    if not raw:
        return None
    services = request.app[services_key]
    fernet = staff_fernet(services.secret)
    try:
        data = json.loads(
            fernet.decrypt(raw.encode("ascii"), ttl=int(services.settings.session_hours * 3600))
        )
    except (InvalidToken, UnicodeError, ValueError):
        return None
    user_id = data.get("uid") if isinstance(data, dict) else None
    if not isinstance(user_id, int):
        return None
    async with services.sessions() as db:
        return await load_account(db, user_id)


async def get_session(request: web.Request) -> Session:
    """This request's session (the session middleware put it there)."""
    return request[session_key]


def current_account(request: web.Request) -> Account:
    """The signed-in account (the auth middleware guarantees one on non-public routes)."""
    return request[account_key]


def require_admin(request: web.Request) -> Account:
    """The signed-in account if it is an admin.

    Raises:
        PermissionDeniedError: any other role (403).
    """
    account = current_account(request)
    if not account.is_admin:
        raise PermissionDeniedError("réservé aux admins")
    return account


async def csrf_token(request: web.Request) -> str:
    """This session's CSRF token, created on first use (also for the sign-in form)."""
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def sign_in(request: web.Request, account: Account) -> None:
    """Start a fresh session for ``account`` (a new id, cookie and CSRF token: no fixation)."""
    session = await get_session(request)
    async with request.app[services_key].sessions.begin() as db:
        session_id = await open_session(db, account.id, idle=_idle(request))
    session.renew()
    session["sid"] = session_id  # what authenticates: must match an open admin_sessions row
    session["uid"] = account.id  # informative only (never trusted alone)
    session["csrf"] = secrets.token_urlsafe(32)
    session["seen"] = int(time.time())


async def sign_out(request: web.Request) -> None:
    """Close the session on the server and send the browser an empty, expired cookie."""
    session = await get_session(request)
    session_id = session.get("sid")
    if isinstance(session_id, str):
        async with request.app[services_key].sessions.begin() as db:
            await close_session(db, session_id)
    session.invalidate()


def _idle(request: web.Request) -> timedelta:
    return timedelta(hours=request.app[services_key].settings.session_hours)


async def flash(request: web.Request, text: str, *, level: str = "info") -> None:
    """A message shown once, on the next page (after a redirect)."""
    session = await get_session(request)
    messages = list(session.get("flash", []))
    messages.append([level, text])
    session["flash"] = messages[-5:]


async def take_flashes(request: web.Request) -> list[tuple[str, str]]:
    """The pending one-time messages, removed from the session."""
    session = await get_session(request)
    messages = session.pop("flash", [])
    return [(str(level), str(text)) for level, text in messages]


def _wants_html(request: web.Request) -> bool:
    return request.method == "GET" and "text/event-stream" not in request.headers.get("Accept", "")


def safe_next(path: str) -> str:
    """Only our own pages are valid targets after sign-in (no open redirect)."""
    if path.startswith("/admin/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/admin/"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the account from the session; send strangers to the sign-in page.

    An expired or tampered cookie decrypts to an empty session, which lands here as "nobody".
    """
    route = request.match_info.route.name
    session = await get_session(request)
    account = await _account(request, session)
    if account is None:
        if route in PUBLIC_ROUTES:
            return await handler(request)
        if not _wants_html(request):
            raise web.HTTPUnauthorized(text="sign in first")
        expired = COOKIE_NAME in request.cookies
        query = {"next": safe_next(request.path_qs)}
        if expired:
            query["expired"] = "1"
        location = request.app.router["login"].url_for().with_query(query)
        raise web.HTTPSeeOther(location)
    request[account_key] = account
    return await handler(request)


async def _account(request: web.Request, session: Session) -> Account | None:
    """The account of an open server-side session, refreshing its activity once a minute."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    now = int(time.time())
    touch = now - int(session.get("seen", 0)) > TOUCH_EVERY
    async with request.app[services_key].sessions.begin() as db:
        user_id = await session_user(db, session_id, idle=_idle(request), touch=touch)
        account = None if user_id is None else await load_account(db, user_id)
    if account is None:
        session.renew()  # signed out elsewhere: start afresh (the sign-in form needs a session)
    elif touch:
        session["seen"] = now
    return account


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing request carries this session's token (form field or header)."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return await handler(request)
    session = await get_session(request)
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        sent = str((await read_form(request)).get("csrf", ""))
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    if not isinstance(expected, str) or not hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8")
    ):
        logger.warning(
            "refused a %s on %s: bad CSRF token",
            escape_for_log(request.method),
            escape_for_log(request.path),
        )
        raise PermissionDeniedError(
            "Ce formulaire a expiré ou ne vient pas de cette page. Recharge la page et recommence."
        )
    return await handler(request)


headers_middleware: Final = security_headers(ADMIN_HEADERS, no_store=True)
"""No caching of personal data, no framing, no inline script: XSS defence in depth."""
