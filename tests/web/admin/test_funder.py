"""The read-only funder role: the figures and nothing else, created from the command line."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Lead
from tests.cli.test_cli import run_cli
from tests.conftest import make_settings, serve
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser, make_lead

FUNDER_EMAIL = "financeur@example.org"

#: Pages anyone reaches (signing in and out, the first admin's set-up, password links, one's
#: own account) and the funder's own.
OPEN_TO_FUNDER = {
    "login",
    "login-post",
    "logout",
    "setup",
    "setup-post",
    "password",
    "password-post",
    "forgot",
    "forgot-post",
    "me",
    "me.name",
    "me.password",
    "static",
    "orientation",  # a partner's one-time link: public, the token is the key
    "orientation-post",
}
FIGURES = {"figures.page", "figures.csv"}


@pytest.fixture(name="funder")
async def _funder(
    services: Services, monkeypatch: pytest.MonkeyPatch, browser: Browser
) -> Browser:
    """``browser`` signed in as a funder account."""
    await add_user(services.sessions, FUNDER_EMAIL, role="funder", password=PASSWORD)
    monkeypatch.setitem(EMAILS, "funder", FUNDER_EMAIL)
    assert (await browser.login("funder")).status == 303
    return browser


def _admin_app(client: TestClient) -> web.Application:  # type: ignore[type-arg]
    for resource in client.app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource) and resource.canonical == "/admin":
            app: web.Application = resource.get_info()["app"]
            return app
    raise AssertionError("no back office mounted at /admin/")


async def test_funder_created_by_the_cli_signs_in_and_lands_on_the_figures(
    tmp_path: Path,
    embedded_nlu: NluBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``outreach-bot users add EMAIL --role funder`` (on a database the CLI migrates), then
    the back office opens on the figures, with a menu that offers only them."""
    settings = make_settings(tmp_path)
    created = run_cli(
        ["users", "add", FUNDER_EMAIL, "--role", "funder", "--password-stdin"],
        tmp_path,
        stdin=f"{PASSWORD}\n",
        OUTREACH_DATABASE_URL=settings.database_url,
        OUTREACH_SECRET_KEY=settings.secret_key,
    )
    assert created.returncode == 0, created.stderr
    assert "(funder)" in created.stdout
    monkeypatch.setitem(EMAILS, "funder", FUNDER_EMAIL)
    async with (
        open_services(settings, nlu=embedded_nlu) as services,
        serve(services) as client,
    ):
        browser = Browser(client)
        assert (await browser.login("funder")).status == 303
        home = await browser.get("/admin/", allow_redirects=False)
        assert home.status == 303
        assert home.headers["Location"] == "/admin/figures"
        page = await (await browser.get("/admin/figures")).text()
    assert "Chiffres du réseau" in page
    menu = page[page.index('<nav aria-label="Menu principal">') : page.index("</nav>")]
    assert re.findall(r'<a href="([^"]+)"', menu) == ["/admin/figures", "/admin/me"]


async def test_funder_sees_figures_but_no_personal_data(
    funder: Browser, services: Services
) -> None:
    """The dashboard and the CSV carry counts; no first name or phone of any lead."""
    await seed_demo(services.sessions, consent_version="v-test")
    async with services.sessions() as session:
        leads = list(await session.scalars(select(Lead)))
    page = await (await funder.get("/admin/figures?from=&to=")).text()
    assert 'data-figure="identified">71<' in page
    response = await funder.get("/admin/figures.csv?from=&to=")
    assert response.status == 200
    body = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert rows[0]["Conversations"] == "71"
    for lead in leads:
        for secret in (lead.first_name, lead.phone, lead.need):
            if secret:
                assert secret not in page
                assert secret not in body
    assert "/admin/leads/" not in page
    assert "/admin/campaigns/" not in page


async def sweep_closed_routes(
    client: TestClient,  # type: ignore[type-arg]
    visitor: Browser,
    services: Services,
    *,
    allowed: set[str],
    home: str,
) -> tuple[Lead, list[tuple[str, str]]]:
    """Every back-office route but ``allowed``, read from the router (a page added later is
    swept too), as ``visitor``: each must answer 403 or a redirect to ``home``, and show
    nothing of the lead made here. Returns the lead and the (method, path) pairs tried."""
    lead = await make_lead(services)
    await create_campaign(services.sessions, "FORUM55", name="Forum", sector="nord-meusien")
    values = {
        "lead_id": str(lead.id),
        "code": "FORUM55",
        "gap_id": "1",
        "size": "a4",
        "place_id": "1",
        "list_id": "1",
        "appointment_id": "1",
        "scheduled_id": "1",
        "user_id": "1",
        "token_id": "1",
        "referral_id": "1",
        "media_id": "1",
        "token": "not-a-referral-link",
    }
    checked = []
    for resource in _admin_app(client).router.resources():
        if resource.name in allowed or isinstance(resource, web.StaticResource):
            continue
        path = re.sub(
            r"\{(\w+)(:[^}]*)?\}", lambda found: values[found.group(1)], resource.canonical
        )
        for route in resource:
            if route.method == "HEAD":
                continue
            if route.method == "GET":
                response = await visitor.get(path, allow_redirects=False)
            else:
                response = await visitor.post(
                    path, {"status": "contacted", "text": "x", "note": "x", "name": "x"}
                )
            checked.append((route.method, path))
            if response.status == 303:
                assert response.headers["Location"] == home, path
            else:
                assert response.status == 403, (route.method, path, response.status)
            assert str(lead.first_name) not in await response.text()
    return lead, checked


async def test_every_other_back_office_route_refuses_the_funder(
    client: TestClient,  # type: ignore[type-arg]
    funder: Browser,
    services: Services,
) -> None:
    """Each route of the back office, read from its router (so a page added later is swept
    too), answers the funder 403 or a redirect to the figures; nothing changes."""
    lead, checked = await sweep_closed_routes(
        client, funder, services, allowed=OPEN_TO_FUNDER | FIGURES, home="/admin/figures"
    )
    assert ("GET", f"/admin/leads/{lead.id}") in checked
    assert ("POST", "/admin/campaigns") in checked
    assert ("GET", "/admin/events") in checked
    assert len(checked) > 25
    async with services.sessions() as session:
        unchanged = await session.get(Lead, lead.id)
    assert unchanged is not None
    assert unchanged.status == "new"
