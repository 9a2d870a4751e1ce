"""Password links by e-mail, against a real local SMTP server (aiosmtpd).

With ``OUTREACH_SMTP_*`` set, an invitation or a reset link made by the admin also leaves by
e-mail, and "mot de passe oublié" sends a one-hour link to whoever asks for their own account.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from outreach_bot.config import Settings
from tests.browser import sign_in
from tests.conftest import make_settings
from tests.smtp import Inbox
from tests.web.admin.conftest import EMAILS, Browser, Staff, csrf_of
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)

LINK_RE = re.compile(r"(https?://\S+/admin/password\?token=\S+)")
NEW_PASSWORD = "une phrase facile à retenir"
SENT = "un e-mail vient de partir avec un lien pour choisir un nouveau mot de passe"


@pytest.fixture(name="settings")
def _settings(tmp_path: Path, smtp: Inbox) -> Settings:
    return make_settings(tmp_path, **smtp.settings())


def _mailed_link(smtp: Inbox, to: str) -> str:
    mails = [mail for mail in smtp.received if mail.recipients == [to]]
    assert mails, f"no e-mail to {to}"
    match = LINK_RE.search(mails[-1].body())
    assert match, "no link in the e-mail"
    return match.group(1)


def _path(link: str) -> str:
    return link[link.index("/admin/") :]


async def _forgot(client: TestClient, email: str) -> Any:  # type: ignore[type-arg]
    page = await client.get("/admin/forgot")
    return await client.post(
        "/admin/forgot", data={"csrf": csrf_of(await page.text()), "email": email}
    )


async def test_an_invitation_also_leaves_by_e_mail(browser: Browser, smtp: Inbox) -> None:
    """The invitation link reaches the colleague's mailbox, in French, and it works."""
    await browser.login("admin")
    response = await browser.post(
        "/admin/accounts",
        {"email": "nina@example.org", "display_name": "Nina", "role": "counsellor"},
    )
    page = await response.text()
    assert "Un e-mail vient de partir à nina@example.org avec ce lien." in page
    assert "Préparer un e-mail" not in page
    mail = next(m for m in smtp.received if m.recipients == ["nina@example.org"])
    assert mail.message["Subject"] == "Ton compte Outreach Bot"
    assert "Bonjour Nina," in mail.body()
    link = _mailed_link(smtp, "nina@example.org")
    assert link in page  # the same link, shown once to the admin as well
    opened = await browser.client.get(_path(link))
    assert opened.status == 200
    assert "Bienvenue, Nina" in await opened.text()


async def test_forgotten_password_sends_a_link_to_real_accounts_only(
    client: TestClient,  # type: ignore[type-arg]
    staff: Staff,
    smtp: Inbox,
) -> None:
    """Léa gets a one-hour link; an unknown address gets nothing; both read the same answer."""
    known = await _forgot(client, EMAILS["lea"])
    unknown = await _forgot(client, "nobody@example.org")
    assert known.status == unknown.status == 200
    assert SENT in await known.text()
    assert SENT in await unknown.text()
    assert [mail.recipients for mail in smtp.received] == [[EMAILS["lea"]]]
    assert "marche jusqu'au" in smtp.received[0].body()
    again = await _forgot(client, EMAILS["lea"])
    assert SENT in await again.text()
    assert len(smtp.received) == 1  # at most one e-mail per account every 15 minutes

    link = _mailed_link(smtp, EMAILS["lea"])
    page = await client.get(_path(link))
    assert "Nouveau mot de passe" in await page.text()
    used = await client.post(
        "/admin/password",
        data={
            "csrf": csrf_of(await page.text()),
            "token": link.split("token=", 1)[1],
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        allow_redirects=False,
    )
    assert used.status == 303


async def test_a_relay_that_fails_leaves_the_link_to_copy(browser: Browser, smtp: Inbox) -> None:
    """When the relay refuses, the admin is told and still has the link to hand over."""
    smtp.answer_data = "451 4.3.0 try again later"
    await browser.login("admin")
    response = await browser.post(
        "/admin/accounts",
        {"email": "nina@example.org", "display_name": "Nina", "role": "counsellor"},
    )
    page = await response.text()
    assert "L'e-mail n'a pas pu partir : transmets le lien toi-même." in page
    assert "/admin/password?token=" in page
    assert "Préparer un e-mail" in page


@pytest.mark.browser
@pytest.mark.parametrize("size", [(390, 844), (1366, 800)], ids=["phone", "desktop"])
async def test_forgotten_password_by_e_mail_in_a_real_browser(
    base_url: str, browser_page: Any, smtp: Inbox, size: tuple[int, int]
) -> None:
    """Marc asks for a link from the sign-in page, opens the e-mailed link, signs in anew."""
    page = browser_page
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await page.goto(f"{base_url}/admin/login")
    await page.get_by_role("link", name="Mot de passe oublié ?").click()
    await page.get_by_label("E-mail").fill(EMAILS["marc"])
    await page.get_by_role("button", name="Recevoir un lien").click()
    await page.get_by_text("Si un compte existe pour marc@example.org").wait_for()
    await _screenshot(page, "forgot-sent", *size)
    link = _mailed_link(smtp, EMAILS["marc"])
    await page.goto(base_url + _path(link))
    await page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("Mot de passe (encore)").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer le mot de passe").click()
    await page.get_by_text("Mot de passe changé.").wait_for()
    await page.get_by_role("button", name="Déconnexion").click()
    await sign_in(page, base_url, EMAILS["marc"])
    await page.get_by_text("E-mail ou mot de passe incorrect.").wait_for()
