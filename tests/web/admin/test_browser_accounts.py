"""Accounts without a shell, in headless Chromium on a phone and on a desktop screen.

Uses the real server and Debian's chromium like ``test_browser.py`` (whose fixtures these
are); screenshots go to ``test-artifacts/`` with the viewport in their name.
"""

from __future__ import annotations

from typing import Any

import pytest

from outreach_bot.core.services import Services
from tests.browser import sign_in
from tests.web.admin.conftest import EMAILS
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser

VIEWPORTS = [
    pytest.param((390, 844), id="phone"),
    pytest.param((1366, 800), id="desktop"),
]
NEW_PASSWORD = "une phrase facile à retenir"


async def _sign_out(page: Any) -> None:
    await page.get_by_role("button", name="Déconnexion").click()
    await page.get_by_text("Tu es déconnecté·e.").wait_for()


def _on(base_url: str, link: str) -> str:
    """The link as shown (on the public URL) opened on this test's server."""
    return base_url + link[link.index("/admin/") :]


async def _shot(page: Any, name: str, size: tuple[int, int]) -> None:
    await _screenshot(page, name, *size)


@pytest.mark.parametrize("size", VIEWPORTS)
async def test_admin_invites_a_counsellor_who_opens_the_account_with_the_link(
    base_url: str, browser_page: Any, size: tuple[int, int]
) -> None:
    """The admin invites Nina from the Comptes page; Nina opens the link, chooses her password
    and name, lands in her queue greeted by name; the same link then says it has expired."""
    page = browser_page
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await sign_in(page, base_url, EMAILS["admin"])
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Comptes")
        .click()
    )
    await page.get_by_role("heading", name="Comptes de l'équipe").wait_for()
    await _shot(page, "accounts-list", size)
    form = page.locator("#invite")
    await form.get_by_label("E-mail").fill("nina@example.org")
    await form.get_by_label("Nom affiché").fill("Nina")
    await form.get_by_label("Rôle").select_option("counsellor")
    await form.get_by_label("Nord Meusien").check()
    await form.get_by_role("button", name="Créer le compte et le lien").click()
    await page.get_by_role("heading", name="Invitation pour Nina").wait_for()
    link = await page.get_by_label("Lien à usage unique").input_value()
    assert "/admin/password?token=" in link
    await _shot(page, "accounts-invitation-link", size)
    await page.get_by_role("link", name="Retour aux comptes").click()
    nina = page.locator(".staff-card", has=page.get_by_role("link", name="Nina"))
    assert "Invitation en attente" in await nina.inner_text()
    assert "Conseiller·e · Nord Meusien" in await nina.inner_text()
    await _sign_out(page)

    await page.goto(_on(base_url, link))
    await page.get_by_role("heading", name="Bienvenue, Nina").wait_for()
    await _shot(page, "accounts-welcome", size)
    await page.get_by_label("Ton nom, tel que les collègues le verront").fill("Nina Petit")
    await page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("Mot de passe (encore)").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Ouvrir mon compte").click()
    await page.get_by_text("Bienvenue, Nina Petit ! Ton compte est prêt.").wait_for()
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await _sign_out(page)
    await page.goto(_on(base_url, link))
    await page.get_by_role("heading", name="Lien expiré").wait_for()
    await _shot(page, "accounts-link-spent", size)
    await sign_in(page, base_url, "nina@example.org", NEW_PASSWORD)
    await page.get_by_role("heading", name="File des contacts").wait_for()


@pytest.mark.parametrize("size", VIEWPORTS)
async def test_a_disabled_counsellor_is_told_to_ask_the_admin(
    base_url: str, browser_page: Any, size: tuple[int, int]
) -> None:
    """The admin disables Léa from her account page; Léa's right password then gets the
    'ask the admin' message, not 'mot de passe incorrect'; re-enabled, she signs in."""
    page = browser_page
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await sign_in(page, base_url, EMAILS["admin"])
    await page.goto(f"{base_url}/admin/accounts")
    await page.get_by_role("link", name="Léa Conseillère").click()
    await page.get_by_role("heading", name="Léa Conseillère").wait_for()
    await _shot(page, "accounts-edit", size)
    await page.get_by_role("button", name="Désactiver le compte").click()
    await page.get_by_text("Compte de Léa Conseillère désactivé").wait_for()
    card = page.locator(".staff-card", has=page.get_by_role("link", name="Léa Conseillère"))
    assert "Désactivé" in await card.inner_text()
    await _sign_out(page)

    await sign_in(page, base_url, EMAILS["lea"])
    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "Ce compte est désactivé. Demande à l'admin" in await alert.inner_text()
    await _shot(page, "login-disabled", size)

    await sign_in(page, base_url, EMAILS["admin"])
    await page.goto(f"{base_url}/admin/accounts")
    await page.get_by_role("link", name="Léa Conseillère").click()
    await page.get_by_role("button", name="Réactiver le compte").click()
    await page.get_by_text("Compte de Léa Conseillère réactivé").wait_for()
    await _sign_out(page)
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()


@pytest.mark.parametrize("size", VIEWPORTS)
async def test_admin_resets_a_password_and_makes_an_api_token_shown_once(
    base_url: str, browser_page: Any, size: tuple[int, int]
) -> None:
    """Marc forgot his password: the sign-in page says to ask the admin, who makes a reset
    link; Marc sets a new password with it. The admin then makes an API token, shown once."""
    page = browser_page
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await page.goto(f"{base_url}/admin/login")
    await page.get_by_role("link", name="Mot de passe oublié ?").click()
    await page.get_by_role("heading", name="Mot de passe oublié").wait_for()
    await _shot(page, "forgot", size)

    await sign_in(page, base_url, EMAILS["admin"])
    await page.goto(f"{base_url}/admin/accounts")
    await page.get_by_role("link", name="Marc").click()
    await page.get_by_role("button", name="Faire un lien de réinitialisation").click()
    await page.get_by_role("heading", name="Nouveau mot de passe pour Marc").wait_for()
    link = await page.get_by_label("Lien à usage unique").input_value()
    await _sign_out(page)
    await page.goto(_on(base_url, link))
    await page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("Mot de passe (encore)").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer le mot de passe").click()
    await page.get_by_text("Mot de passe changé.").wait_for()
    await _sign_out(page)
    await sign_in(page, base_url, EMAILS["marc"])
    assert "E-mail ou mot de passe incorrect" in await page.get_by_role("alert").inner_text()

    await sign_in(page, base_url, EMAILS["admin"])
    await page.goto(f"{base_url}/admin/tokens")
    await page.get_by_label("Nom (qui s'en sert)").fill("Tableau de bord du financeur")
    await page.get_by_role("button", name="Créer le jeton").click()
    token = await page.get_by_label("Copie-le maintenant").input_value()
    assert token.startswith("ob_")
    await _shot(page, "tokens-created", size)
    await page.get_by_role("link", name="← Comptes").click()
    await page.goto(f"{base_url}/admin/tokens")
    assert token not in await page.content()
    row = page.get_by_role("row", name="Tableau de bord du financeur")
    assert "Tous" in await row.inner_text()


@pytest.mark.parametrize("size", VIEWPORTS)
async def test_a_counsellor_renames_herself_and_colleagues_see_the_name(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """Léa opens Mon compte, sets her display name; the admin's list shows it, not an e-mail."""
    page = browser_page
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("link", name="Mon compte").click()
    await page.get_by_role("heading", name="Mon compte").wait_for()
    await page.get_by_label("Ce que les collègues voient").fill("Léa Martin")
    await page.get_by_role("button", name="Enregistrer le nom").click()
    await page.get_by_text("Tes collègues te voient maintenant comme « Léa Martin »").wait_for()
    await _shot(page, "me", size)
    await _sign_out(page)
    await sign_in(page, base_url, EMAILS["admin"])
    await page.goto(f"{base_url}/admin/accounts")
    await page.get_by_role("link", name="Léa Martin").wait_for()
