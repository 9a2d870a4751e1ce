"""The contact-list pages: who may open them, importing with the refused lines shown,
previewing, testing, starting, pausing and erasing, over HTTP like a browser without script."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.app import create_web_app, open_services
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import AuditEntry, ContactList, ContactListRow
from tests.conftest import make_settings
from tests.core.contact_lists.conftest import csv_of, person
from tests.core.contact_lists.test_sending import answered_list, new_list
from tests.fakes import RecordingChannel
from tests.web.admin.conftest import Browser

WHO = {"outreach": "olga", "counsellor": "lea", "coordinator": "coordinator", "admin": "admin"}


@pytest.fixture(name="services")
async def _services(tmp_path: Path, embedded_nlu: NluBackend) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


@pytest.fixture(name="client")
async def _client(services: Services, aiohttp_client: Any) -> TestClient:  # type: ignore[type-arg]
    client = await aiohttp_client(create_web_app(services))
    services.outbound["sms"] = RecordingChannel("sms")
    return client  # type: ignore[no-any-return]


async def upload(browser: Browser, data: bytes, **fields: str) -> Any:
    """Post the import form with a CSV file, as the page's form does."""
    form = aiohttp.FormData()
    values = {
        "csrf": browser.csrf,
        "name": "SIEI novembre",
        "purpose": "obligation_formation",
        "purge_on": "2027-03-01",
        "daily_budget": "200",
    }
    values.update(fields)
    for key, value in values.items():
        form.add_field(key, value)
    form.add_field("file", data, filename="siei.csv", content_type="text/csv")
    return await browser.client.post("/admin/lists", data=form, allow_redirects=False)


async def count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("role", "status", "linked"),
    [
        ("outreach", 200, True),
        ("counsellor", 403, False),
        ("coordinator", 200, True),
        ("admin", 200, True),
    ],
)
async def test_the_lists_open_to_outreach_and_coordinators(
    browser: Browser, role: str, status: int, linked: bool
) -> None:
    """Outreach staff, coordinators and admins see "Listes"; counsellors get a 403."""
    await browser.login(WHO[role])
    response = await browser.get("/admin/lists")
    assert response.status == status
    menu = await (await browser.get("/admin/me")).text()
    assert ('href="/admin/lists"' in menu) is linked


async def test_an_import_shows_the_refused_lines_and_never_their_values(
    browser: Browser, services: Services
) -> None:
    """The page says how many were kept and lists each refused line with its reason only."""
    await browser.login("olga")
    response = await upload(
        browser,
        csv_of([person(1), person(2, born="01/01/1990"), "Zoé;0329123456;01/01/2009;Verdun;"]),
    )
    assert response.status == 200
    page = await response.text()
    assert "<strong>1</strong> jeune(s) importé(s)" in page
    assert "âge hors du public" in page
    assert "téléphone fixe" in page
    assert "0329123456" not in page
    assert "JeuneC" not in page
    assert "Bonjour Léa" in page  # the preview, with an invented name
    async with services.sessions() as session:
        assert await session.scalar(select(AuditEntry.action)) == "import"


@pytest.mark.parametrize(
    ("fields", "data", "message"),
    [
        ({"purpose": "autre"}, csv_of([person(1)]), "objet"),
        ({"purge_on": "2099-01-01"}, csv_of([person(1)]), "effacement"),
        ({"purge_on": "demain"}, csv_of([person(1)]), "date"),
        ({"daily_budget": "beaucoup"}, csv_of([person(1)]), "budget"),
        ({}, b"\x00\x01binary", "CSV"),
        ({}, b"Prenom;Commune\nLea;Verdun\n", "colonne"),
    ],
)
async def test_a_bad_import_is_refused_whole_with_the_reason(
    browser: Browser, services: Services, fields: dict[str, str], data: bytes, message: str
) -> None:
    """A wrong form or file gives a 400 that says why, and stores nothing."""
    await browser.login("coordinator")
    response = await upload(browser, data, **fields)
    assert response.status == 400
    assert message in await response.text()
    assert await count(services, ContactList) == 0


async def test_a_large_list_goes_through_the_import_form(
    browser: Browser, services: Services
) -> None:
    """A file far above the server's usual body limit (3,000 lines) is imported whole."""
    await browser.login("olga")
    data = csv_of([person(index) for index in range(1, 3001)])
    response = await upload(browser, data + b"\n" * 300_000)
    assert response.status == 200, await response.text()
    assert await count(services, ContactListRow) == 3000


async def test_start_pause_test_and_erase_from_the_page(
    browser: Browser, services: Services
) -> None:
    """The buttons start and pause the campaign, test-send to staff, and erase the silent."""
    await browser.login("olga")
    await upload(browser, csv_of([person(1), person(2)]))
    async with services.sessions() as session:
        list_id = await session.scalar(select(ContactList.id))
    detail = f"/admin/lists/{list_id}"
    started = await browser.post(f"{detail}/start")
    assert started.status == 303
    page = await (await browser.get(detail)).text()
    assert "2 message(s) prévu(s)" in page
    assert "Mettre en pause" in page
    assert (await browser.post(f"{detail}/start")).status == 409
    assert (await browser.post(f"{detail}/pause")).status == 303
    assert "Reprendre" in await (await browser.get(detail)).text()
    assert (await browser.post(f"{detail}/test", {"phone": "03 29 12 34 56"})).status == 400
    assert (await browser.post(f"{detail}/test", {"phone": "06 11 22 33 44"})).status == 303
    assert (await browser.post(f"{detail}/erase", {})).status == 400
    assert (await browser.post(f"{detail}/erase", {"confirm": "yes"})).status == 303
    assert await count(services, ContactListRow) == 0
    page = await (await browser.get(detail)).text()
    assert "Effacée" in page
    assert re.search(r'<td class="num">2</td>', page)  # the figures stay


@pytest.mark.parametrize("path", ["/admin/lists/0", "/admin/lists/99", "/admin/lists/x%C2%B2"])
async def test_an_unknown_list_is_a_404(browser: Browser, path: str) -> None:
    """No list, no page, never a 500."""
    await browser.login("olga")
    assert (await browser.get(path)).status == 404
    assert (await browser.post(f"{path}/start")).status == 404


async def test_the_figures_csv_has_a_section_per_list(browser: Browser) -> None:
    """The coordinators' figures export counts each list's campaign, with no person in it."""
    await browser.login("coordinator")
    await upload(browser, csv_of([person(1), person(2)]))
    body = (await (await browser.get("/admin/figures.csv")).read()).decode("utf-8-sig")
    section = body[body.index("Listes d'aller-vers;") :]
    assert (
        "Liste;SIEI novembre;LISTE-1;Obligation de formation (16-18 ans);2;0;0;0;0;0;0;0"
        in section
    )
    assert "+33" not in body
    assert "JeuneB" not in body


async def test_a_list_name_typed_as_a_formula_is_exported_as_text(browser: Browser) -> None:
    """A list's name that a spreadsheet would run comes out of the figures CSV as text."""
    await browser.login("coordinator")
    await upload(browser, csv_of([person(1)]), name="=cmd|'/c calc'!A1")
    body = (await (await browser.get("/admin/figures.csv")).read()).decode("utf-8-sig")
    section = body[body.index("Listes d'aller-vers;") :]
    [row] = list(csv.reader(io.StringIO(section), delimiter=";"))[1:]
    assert row[:2] == ["Liste", "'=cmd|'/c calc'!A1"]


async def test_the_figures_page_shows_each_lists_campaign(
    browser: Browser, services: Services
) -> None:
    """The figures page counts the lists like the CSV: sent, answered, wrong numbers, STOP and
    the leads, with French labels, a total, and no person in it."""
    first = await answered_list(services, ["ok je veux bien 👍", "c pas moi dsl", "STOP"])
    second = await new_list(services, [person(9)], name="Recontact été")
    await browser.login("coordinator")

    page = html.unescape(await (await browser.get("/admin/figures")).text())

    section = page[page.index('id="h-lists"') :]
    for label in ("Envoyés", "Réponses", "Mauvais numéros", "STOP", "Demandes", "Mobilisés"):
        assert f'class="num">{label}</th>' in section
    assert figures_of(section, first) == {
        "rows": 4,
        "sent": 4,
        "delivered": 0,
        "answered": 1,
        "wrong_numbers": 1,
        "stopped": 1,
        "leads": 1,
        "mobilised": 0,
    }
    assert figures_of(section, second)["rows"] == 1
    assert figures_of(section, 'class="total"')["rows"] == 5
    for shown in ("SIEI", "Recontact été", "Obligation de formation (16-18 ans)", "En cours"):
        assert shown in section
    for secret in ("JeuneB", "0640000001", "+33640000001"):
        assert secret not in page


def figures_of(section: str, row: int | str) -> dict[str, int]:
    """The counts of one row of the lists' table: a list's id, or the total row's class."""
    start = section.index(f'data-list="{row}"' if isinstance(row, int) else row)
    line = section[start : section.index("</tr>", start)]
    return {key: int(value) for key, value in re.findall(r'data-list-figure="(\w+)">(\d+)<', line)}


async def test_the_figures_page_says_when_there_is_no_list(browser: Browser) -> None:
    """No list yet: a sentence, not an empty table."""
    await browser.login("coordinator")
    page = html.unescape(await (await browser.get("/admin/figures")).text())
    assert "Aucune liste d'aller-vers pour l'instant." in page
    assert 'id="list-figures"' not in page
