"""The accounts and tokens pages over HTTP: an admin runs the team without a shell."""

from __future__ import annotations

import html
import re

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import issue_setup_token
from outreach_bot.storage.models import ApiToken, AuditEntry, User
from tests.web.admin.conftest import (
    EMAILS,
    PASSWORD,
    Browser,
    Staff,
    csrf_of,
    form_key_of,
    make_lead,
)

LINK_RE = re.compile(r'value="(https?://[^"]+/admin/password\?token=[^"]+)"')
TOKEN_RE = re.compile(r'id="token" type="text" readonly value="(ob_[^"]+)"')
NEW_PASSWORD = "a brand new passphrase"


def _link_of(page: str) -> str:
    match = LINK_RE.search(page)
    assert match, "no one-time link on the page"
    return html.unescape(match.group(1))


def _path(link: str) -> str:
    return link[link.index("/admin/") :]


async def _invite(browser: Browser, **fields: str) -> str:
    data = {
        "email": "nina@example.org",
        "display_name": "Nina Petit",
        "role": "counsellor",
        "sectors": "nord-meusien",
        **fields,
    }
    response = await browser.post("/admin/accounts", data)
    assert response.status == 200, await response.text()
    return _link_of(await response.text())


async def _use_link(client: TestClient, link: str, password: str, **extra: str):  # type: ignore[no-untyped-def, type-arg]
    page = await client.get(_path(link))
    assert page.status == 200
    return await client.post(
        "/admin/password",
        data={
            "csrf": csrf_of(await page.text()),
            "token": link.split("token=", 1)[1],
            "password": password,
            "password2": password,
            **extra,
        },
        allow_redirects=False,
    )


async def test_accounts_list_shows_role_sectors_last_sign_in_and_state(browser: Browser) -> None:
    """The admin's list names each colleague by display name with role, sectors and state."""
    await browser.login("admin")
    page = await (await browser.get("/admin/accounts")).text()
    assert "Léa Conseillère" in page
    assert "Conseiller·e · Nord Meusien" in page
    assert "Dernière connexion le" in page  # the admin just signed in
    assert "Jamais connecté·e" in page  # the others never did
    assert page.count("Actif<") == 6


async def test_only_admins_open_the_accounts_and_tokens_pages(browser: Browser) -> None:
    """A coordinator gets a 403 page on accounts and tokens, and cannot post to them."""
    await browser.login("coordinator")
    assert (await browser.get("/admin/accounts")).status == 403
    assert (await browser.get("/admin/tokens")).status == 403
    response = await browser.post("/admin/accounts", {"email": "x@example.org"})
    assert response.status == 403


async def test_an_invited_colleague_opens_the_account_with_the_link_once(
    browser: Browser, second_browser: Browser, services: Services
) -> None:
    """Invite, open the link elsewhere, choose a password: signed in by name; the link is spent."""
    await browser.login("admin")
    link = await _invite(browser)
    listing = await (await browser.get("/admin/accounts")).text()
    assert "Invitation en attente" in listing
    response = await _use_link(second_browser.client, link, NEW_PASSWORD, display_name="Nina P.")
    assert response.status == 303
    queue = await second_browser.client.get("/admin/")
    text = await queue.text()
    assert "Bienvenue, Nina P. !" in text
    assert "File des contacts" in text
    again = await second_browser.client.get(_path(link))
    assert again.status == 410
    assert "Ce lien ne marche plus" in await again.text()
    async with services.sessions() as session:
        user = await session.scalar(select(User).where(User.email == "nina@example.org"))
        assert user is not None
        assert user.display_name == "Nina P."
        assert user.last_sign_in_at is not None


async def test_a_bad_invitation_comes_back_with_what_was_typed(browser: Browser) -> None:
    """A taken e-mail or a missing name is refused in French and the form keeps the input."""
    await browser.login("admin")
    taken = await browser.post(
        "/admin/accounts",
        {"email": EMAILS["lea"], "display_name": "Autre Léa", "role": "counsellor"},
    )
    assert taken.status == 400
    text = await taken.text()
    assert "lea@example.org a déjà un compte." in text
    assert 'value="Autre Léa"' in text
    nameless = await browser.post(
        "/admin/accounts", {"email": "new@example.org", "display_name": " ", "role": "admin"}
    )
    assert nameless.status == 400
    assert "Donne le nom que les collègues verront" in await nameless.text()


async def test_disabling_signs_out_at_once_and_sign_in_says_to_ask_the_admin(
    browser: Browser, second_browser: Browser, staff: Staff
) -> None:
    """Léa's open session ends when disabled; her right password then hears 'ask the admin'."""
    await second_browser.login("lea")
    assert (await second_browser.get("/admin/")).status == 200
    await browser.login("admin")
    response = await browser.post(f"/admin/accounts/{staff.lea}/disable")
    assert response.status == 303
    flash_page = await (await browser.get("/admin/accounts")).text()
    assert "Compte de Léa Conseillère désactivé" in flash_page
    assert "Désactivé" in flash_page
    kicked = await second_browser.get("/admin/", allow_redirects=False)
    assert kicked.status == 303
    refused = await second_browser.login("lea")
    assert refused.status == 403
    assert "Demande à l&#39;admin de ton équipe de le réactiver" in await refused.text()
    wrong = await second_browser.login("lea", password="not her password")
    assert "E-mail ou mot de passe incorrect" in await wrong.text()
    await browser.post(f"/admin/accounts/{staff.lea}/enable")
    assert (await second_browser.login("lea")).status == 303


async def test_an_admin_cannot_disable_their_own_account(browser: Browser, staff: Staff) -> None:
    """Disabling oneself is refused with the reason, and the account stays active."""
    await browser.login("admin")
    response = await browser.post(f"/admin/accounts/{staff.admin}/disable")
    assert response.status == 400
    assert "Tu ne peux pas désactiver ton propre compte." in await response.text()
    assert (await browser.get("/admin/accounts")).status == 200


async def test_changing_sectors_changes_the_queue_at_the_next_click(
    browser: Browser, second_browser: Browser, staff: Staff
) -> None:
    """Moving Sam to Nord Meusien shows him that sector's filter on his very next page."""
    await second_browser.login("sam")
    before = await (await second_browser.get("/admin/")).text()
    assert 'value="nord-meusien"' not in before
    await browser.login("admin")
    response = await browser.post(
        f"/admin/accounts/{staff.sam}",
        {"display_name": "Sam Durand", "role": "counsellor", "sectors": "nord-meusien"},
    )
    assert response.status == 303
    after = await (await second_browser.get("/admin/")).text()
    assert 'value="nord-meusien"' in after
    assert "Sam Durand" in await (await browser.get("/admin/accounts")).text()


async def test_a_reset_link_sets_a_new_password_and_the_old_one_stops(
    browser: Browser, second_browser: Browser, staff: Staff, services: Services
) -> None:
    """The admin's reset link lets Marc choose a password; the old one fails afterwards."""
    await browser.login("admin")
    response = await browser.post(f"/admin/accounts/{staff.marc}/link")
    text = await response.text()
    assert "Nouveau mot de passe pour Marc" in text
    assert "expire dans 24 heures" in text
    link = _link_of(text)
    assert (await second_browser.login("marc")).status == 303  # old password still works
    used = await _use_link(second_browser.client, link, NEW_PASSWORD)
    assert used.status == 303
    assert (await second_browser.login("marc")).status == 401
    assert (await second_browser.login("marc", password=NEW_PASSWORD)).status == 303
    async with services.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_type == "user")
            )
        )
    assert actions == ["account_reset_link"]


async def test_an_api_token_is_shown_once_scoped_and_revocable(
    browser: Browser,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    """A token made in the browser reads only its sector's leads through the API until revoked."""
    await browser.login("admin")
    created = await browser.post(
        "/admin/tokens", {"name": "Partenaire Nord", "sectors": "nord-meusien"}
    )
    text = await created.text()
    token = TOKEN_RE.search(text)
    assert token, "the token is not shown"
    listing = await (await browser.get("/admin/tokens")).text()
    assert token.group(1) not in listing  # never shown again
    assert "Partenaire Nord" in listing
    assert "Nord Meusien" in listing
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await client.get("/api/leads", headers=headers)).status == 200
    token_id = re.search(r"/admin/tokens/(\d+)/revoke", listing)
    assert token_id
    revoked = await browser.post(f"/admin/tokens/{token_id.group(1)}/revoke")
    assert revoked.status == 303
    assert (await client.get("/api/leads", headers=headers)).status == 401
    assert "Révoqué" in await (await browser.get("/admin/tokens")).text()


async def test_a_resent_token_form_creates_nothing(browser: Browser, services: Services) -> None:
    """Reloading the page that showed a new token (the same form again) makes no second token."""
    await browser.login("admin")
    page = await (await browser.get("/admin/tokens")).text()
    form_key = form_key_of(page)
    data = {"name": "Outil", "form_key": form_key}
    assert (await browser.post("/admin/tokens", data)).status == 200
    again = await browser.post("/admin/tokens", data)
    assert again.status == 400
    assert "Ce formulaire a déjà servi" in await again.text()
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ApiToken)) == 1


async def test_my_account_changes_name_and_password(
    browser: Browser, second_browser: Browser
) -> None:
    """Léa renames herself and changes her password; her other browser is signed out."""
    await browser.login("lea")
    await second_browser.login("lea")
    renamed = await browser.post("/admin/me/name", {"display_name": "Léa M."})
    assert renamed.status == 303
    assert (
        "Tes collègues te voient maintenant comme « Léa M. »"
        in await (await browser.get("/admin/me")).text()
    )
    wrong = await browser.post(
        "/admin/me/password",
        {
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert wrong.status == 400
    assert "Ton mot de passe actuel n&#39;est pas celui-là." in await wrong.text()
    changed = await browser.post(
        "/admin/me/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status == 303
    browser.csrf = csrf_of(await (await browser.get("/admin/me")).text())
    assert (await browser.get("/admin/me")).status == 200  # this browser stays signed in
    assert (await second_browser.get("/admin/", allow_redirects=False)).status == 303


async def test_the_first_admin_link_explains_itself_once_an_account_exists(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    """After the first admin exists, the set-up link says so and points to sign-in."""
    token = await issue_setup_token(services.sessions)
    assert token is not None
    page = await client.get(f"/admin/setup?token={token}")
    await client.post(
        "/admin/setup",
        data={
            "csrf": csrf_of(await page.text()),
            "token": token,
            "email": "first@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    again = await client.get(f"/admin/setup?token={token}")
    assert again.status == 410
    text = await again.text()
    assert "Le premier compte admin existe déjà" in text
    assert 'href="/admin/login"' in text


async def test_forgotten_password_page_is_open_without_signing_in(
    client: TestClient,  # type: ignore[type-arg]
    staff: Staff,
) -> None:
    """The sign-in page links to 'mot de passe oublié', which says how to get a new one."""
    login = await (await client.get("/admin/login")).text()
    assert 'href="/admin/forgot"' in login
    page = await client.get("/admin/forgot")
    assert page.status == 200
    assert "Demande à l'admin de ton équipe un lien" in await page.text()


async def test_staff_appear_by_display_name_not_e_mail(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """The queue, the lead page and its colleague list show names, never e-mail addresses."""
    await browser.login("lea")
    page = await (await browser.get("/admin/")).text()
    assert EMAILS["lea"] not in page
    async with services.sessions.begin() as session:
        user = await session.get(User, staff.marc)
        assert user is not None
        user.display_name = ""
    lead = await make_lead(services)
    await browser.login("marc")
    await browser.post(f"/admin/leads/{lead.id}/claim")
    await browser.login("lea")
    lead_page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Suivi par marc" in lead_page
    assert EMAILS["marc"] not in lead_page


async def test_the_audit_log_reads_in_french_with_names(
    browser: Browser, staff: Staff, services: Services
) -> None:
    """Account changes and lead views appear in the journal in French, people by name."""
    lead = await make_lead(services)
    await browser.login("admin")
    await _invite(browser)
    await browser.post(f"/admin/accounts/{staff.marc}/disable")
    await browser.get(f"/admin/leads/{lead.id}")
    page = await (await browser.get("/admin/audit")).text()
    for shown in (
        "Compte créé (invitation)",
        "Compte de Nina Petit",
        "Compte désactivé",
        "Compte de Marc",
        f"Contact n° {lead.id}",
        "Consultation",
        "File des contacts",
        "Ada Admin",
    ):
        assert shown in page, shown
    for code in ("account_invite", "account_disable", EMAILS["admin"], ">view<", ">user "):
        assert code not in page, code
