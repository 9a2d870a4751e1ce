"""Signing in and out, sessions, CSRF, throttling and the first-admin link."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import issue_setup_token
from outreach_bot.storage.models import User
from outreach_bot.web.admin.security import COOKIE_NAME, session_fernet
from tests.web.admin.conftest import PASSWORD, Browser, csrf_of


async def test_signed_out_visitor_is_sent_to_the_login_page(client, staff) -> None:
    """Opening the queue without a session redirects to the sign-in form, keeping the target."""
    response = await client.get("/admin/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/admin/login?next=/admin/")


async def test_login_opens_the_queue_with_a_hardened_cookie(browser: Browser) -> None:
    """A right password signs in with an HttpOnly, SameSite=Lax cookie scoped to /admin/."""
    response = await browser.login("lea")
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE_NAME}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/admin/" in cookie
    assert "Secure" not in cookie  # plain http in tests; https public URLs get Secure
    page = await browser.get("/admin/")
    assert page.status == 200
    assert "File des contacts" in await page.text()


async def test_wrong_password_is_refused_then_throttled(browser: Browser) -> None:
    """Five wrong passwords get 401; the sixth try gets 429 even with the right password."""
    for _ in range(5):
        response = await browser.login("lea", password="wrong password!")
        assert response.status == 401
        assert "E-mail ou mot de passe incorrect" in await response.text()
    response = await browser.login("lea")
    assert response.status == 429
    assert "Attends 15 minutes" in await response.text()


async def test_unknown_account_gets_the_same_answer(browser: Browser) -> None:
    """An e-mail without an account is refused exactly like a wrong password."""
    page = await browser.client.get("/admin/login")
    response = await browser.client.post(
        "/admin/login",
        data={
            "csrf": csrf_of(await page.text()),
            "email": "nobody@example.org",
            "password": "x" * 12,
        },
    )
    assert response.status == 401
    assert "E-mail ou mot de passe incorrect" in await response.text()


async def test_logout_ends_the_session(browser: Browser) -> None:
    """After logging out, the queue asks to sign in again."""
    await browser.login("lea")
    response = await browser.post("/admin/logout")
    assert response.status == 303
    assert "bye=1" in response.headers["Location"]
    again = await browser.get("/admin/", allow_redirects=False)
    assert again.status == 303


async def test_expired_session_redirects_to_login(browser: Browser, services: Services) -> None:
    """A session cookie older than OUTREACH_SESSION_HOURS is refused and the login says so."""
    await browser.login("lea")
    old = int(time.time()) - 13 * 3600
    payload = json.dumps({"created": old, "session": {"uid": 3, "csrf": "x", "seen": old}})
    stale = session_fernet(services.secret).encrypt_at_time(payload.encode(), old).decode()
    browser.client.session.cookie_jar.clear()
    response = await browser.client.get(
        "/admin/", cookies={COOKIE_NAME: stale}, allow_redirects=False
    )
    assert response.status == 303
    assert "expired=1" in response.headers["Location"]
    login = await browser.client.get(response.headers["Location"])
    assert "Ta session a expiré" in await login.text()


async def test_form_without_the_csrf_token_is_refused(browser: Browser) -> None:
    """A POST with a wrong CSRF token gets 403 and changes nothing."""
    await browser.login("lea")
    browser.csrf = "forged"
    response = await browser.post("/admin/logout")
    assert response.status == 403
    assert (await browser.get("/admin/")).status == 200  # still signed in


async def test_login_form_needs_its_csrf_token(client, staff) -> None:
    """A sign-in posted from elsewhere (no token) is refused with 403."""
    response = await client.post(
        "/admin/login", data={"email": "lea@example.org", "password": PASSWORD}
    )
    assert response.status == 403


async def test_login_never_redirects_off_site(browser: Browser) -> None:
    """A crafted next= pointing elsewhere lands on the queue instead."""
    page = await browser.client.get("/admin/login")
    response = await browser.client.post(
        "/admin/login",
        data={
            "csrf": csrf_of(await page.text()),
            "email": "lea@example.org",
            "password": PASSWORD,
            "next": "//evil.example/admin/",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/admin/"


async def test_setup_link_creates_the_first_admin_once(client, services: Services) -> None:
    """The one-time link creates an admin, signs them in, and then stops working."""
    token = await issue_setup_token(services.sessions)
    assert token
    page = await client.get(f"/admin/setup?token={token}")
    assert page.status == 200
    form = {
        "csrf": csrf_of(await page.text()),
        "token": token,
        "email": "first@example.org",
        "password": "a long passphrase",
        "password2": "a long passphrase",
    }
    response = await client.post("/admin/setup", data=form, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/admin/")).status == 200
    async with services.sessions() as session:
        user = await session.scalar(select(User))
    assert user is not None
    assert user.role == "admin"
    assert PASSWORD not in user.password_hash
    assert (await client.get(f"/admin/setup?token={token}")).status == 410  # says why
    assert await issue_setup_token(services.sessions) is None


async def test_setup_page_without_the_token_is_not_found(client, services: Services) -> None:
    """A wrong token shows a 404, so the page cannot be used without the console link."""
    await issue_setup_token(services.sessions)
    assert (await client.get("/admin/setup?token=guess")).status == 404


async def test_outreach_staff_see_no_leads(browser: Browser, services: Services) -> None:
    """An outreach account signs in but gets no queue and no lead page."""
    from tests.web.admin.conftest import make_lead

    lead = await make_lead(services, first_name="Confidentiel")
    await browser.login("olga")
    home = await browser.get("/admin/")
    assert home.status == 200
    assert "Confidentiel" not in await home.text()
    assert (await browser.get(f"/admin/leads/{lead.id}")).status == 403
    assert (await browser.get(f"/admin/leads/{lead.id}/card")).status == 403
    assert (await browser.post(f"/admin/leads/{lead.id}/claim")).status == 403


async def test_campaign_pages_share_the_sign_in_and_csrf(browser: Browser) -> None:
    """Campaign and figures pages need a session, check CSRF, and keep figures for coordinators."""
    signed_out = await browser.get("/admin/campaigns", allow_redirects=False)
    assert signed_out.status == 303
    assert signed_out.headers["Location"].startswith("/admin/login")
    await browser.login("olga")
    home = await browser.get("/admin/", allow_redirects=False)
    assert home.headers["Location"] == "/admin/campaigns"
    assert (await browser.get("/admin/campaigns")).status == 200
    assert (await browser.get("/admin/figures")).status == 403
    forged = await browser.client.post(
        "/admin/campaigns", data={"csrf": "forged", "name": "Forum", "code": "FORUM1"}
    )
    assert forged.status == 403
    created = await browser.post("/admin/campaigns", {"name": "Forum emploi", "code": "FORUM1"})
    assert created.status in {200, 303}
    page = await browser.get("/admin/campaigns")
    assert "FORUM1" in await page.text()
