"""The queue's search (over encrypted fields, through the blind index) and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.services import Services
from outreach_bot.storage.models import AuditEntry, Conversation, Lead, LeadWord
from outreach_bot.web.admin import queue as queue_view
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, Staff, make_lead


async def _found(browser: Browser, query: str, name: str) -> bool:
    response = await browser.get("/admin/", params={"q": query, "status": "all"})
    assert response.status == 200
    return f">{name}</a>" in await response.text()


async def _words(services: Services, lead_id: int) -> int:
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(LeadWord).where(LeadWord.lead_id == lead_id)
        )
    return int(count or 0)


async def test_etienne_is_found_by_etienne_and_by_the_words_of_his_request(
    browser: Browser, services: Services
) -> None:
    """Accents, case, emoji and plurals do not matter; every typed word must match."""
    await make_lead(services, first_name="Étienne", need="un logement près de la gare")
    await make_lead(services, first_name="Inès", need="du boulot dans la restauration")
    await browser.login("lea")
    for typed in ("etienne", "ÉTIENNE", "Étienne 😀", "logements", "etienne gare", "Verdun"):
        assert await _found(browser, typed, "Étienne"), typed
    assert await _found(browser, "ines", "Inès")
    assert not await _found(browser, "etienne", "Inès")
    assert not await _found(browser, "etienne boulot", "Étienne")  # every word must match
    assert not await _found(browser, "etien", "Étienne")  # whole words, no prefixes
    page = await (await browser.get("/admin/", params={"q": "etienne"})).text()
    assert "1 contact pour «&nbsp;etienne&nbsp;»" in page


async def test_nothing_searchable_says_what_to_type(browser: Browser, services: Services) -> None:
    """A search of emoji and little words lists nobody and says what a search looks for."""
    await make_lead(services, first_name="Étienne")
    await browser.login("lea")
    response = await browser.get("/admin/", params={"q": "😀 de §"})
    html = await response.text()
    assert response.status == 200
    assert "Rien à chercher" in html
    assert ">Étienne</a>" not in html


async def test_a_counsellor_finds_only_her_sectors_leads(
    browser: Browser, services: Services
) -> None:
    """Sam (hors secteur) does not find Nord Meusien's Étienne, even urgent; admins find all."""
    await make_lead(services, first_name="Étienne", urgent=True)
    await make_lead(services, first_name="Étienne", sector="hors-secteur", need="un stage")
    await browser.login("sam")
    assert await _found(browser, "stage", "Étienne")
    assert not await _found(browser, "restauration", "Étienne")  # the urgent one's request
    await browser.post("/admin/logout")
    await browser.login("admin")
    page = await (await browser.get("/admin/", params={"q": "etienne"})).text()
    assert "2 contacts pour «&nbsp;etienne&nbsp;»" in page


async def test_the_index_follows_a_changed_request(browser: Browser, services: Services) -> None:
    """When a lead's request changes, its old words no longer find it and its new ones do."""
    lead = await make_lead(services, first_name="Étienne", need="un logement")
    async with services.sessions.begin() as session:
        row = await session.get(Lead, lead.id)
        assert row is not None
        row.need = "passer le permis de conduire"
    await browser.login("lea")
    assert not await _found(browser, "logement", "Étienne")
    assert await _found(browser, "permis", "Étienne")


async def test_the_index_holds_no_word_in_clear(services: Services) -> None:
    """The database holds keyed hashes of words: not the words, nor their plain hashes."""
    import hashlib

    lead = await make_lead(services, first_name="Étienne", need="un logement")
    async with services.sessions() as session:
        tokens = set(
            await session.scalars(select(LeadWord.token).where(LeadWord.lead_id == lead.id))
        )
    assert len(tokens) == 3  # etienne, verdun, logement ("un" is not a word to find)
    for word in ("etienne", "verdun", "logement"):
        assert word not in " ".join(tokens)
        assert hashlib.sha256(word.encode()).hexdigest()[:32] not in tokens


async def test_an_erased_person_is_no_longer_findable(
    browser: Browser, services: Services
) -> None:
    """After an admin erases Étienne, no search finds him and his index rows are gone."""
    lead = await make_lead(services, first_name="Étienne", need="un logement")
    await browser.login("admin")
    assert await _found(browser, "etienne", "Étienne")
    erased = await browser.post(f"/admin/leads/{lead.id}/erase", {"confirm": "yes"})
    assert erased.status == 303
    assert not await _found(browser, "etienne", "Étienne")
    assert not await _found(browser, "logement", "Étienne")
    assert await _words(services, lead.id) == 0


async def test_a_young_person_found_by_the_words_of_the_form_is_gone_after_supprimer(
    browser: Browser, services: Services
) -> None:
    """The lead the bot's form writes is findable at once; SUPPRIMER takes it out of the index."""
    chat = RestChat(browser.client)
    await run_full_lead(chat)  # Léa, Verdun, "un job dans la restauration"
    await browser.login("lea")
    assert await _found(browser, "lea verdun restauration", "Léa")
    await chat.say("SUPPRIMER")
    await chat.say("/affirm")
    assert "effacé" in chat.text()
    assert not await _found(browser, "restauration", "Léa")
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(LeadWord)) == 0


async def test_the_retention_purge_takes_the_index_rows_with_the_lead(
    browser: Browser, services: Services
) -> None:
    """A lead past its retention is purged, and nothing of it can be found any more."""
    old = await make_lead(services, first_name="Étienne")
    kept = await make_lead(services, first_name="Noémie")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    async with services.sessions.begin() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == old.conversation_id)
            .values(last_message_at=long_ago)
        )
    await purge(services.sessions, transcript_days=90, retention_days=365)
    assert await _words(services, old.id) == 0
    assert await _words(services, kept.id) > 0
    await browser.login("lea")
    assert not await _found(browser, "etienne", "Étienne")
    assert await _found(browser, "noemie", "Noémie")


def _rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the accents right
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


async def test_a_counsellor_exports_her_sectors_leads_in_french(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """Léa's file: her sector's leads only (not another sector's, even urgent), French headers,
    phones as dialled, and an audit line saying who took how many rows."""
    await make_lead(services, first_name="Étienne", need="un logement")
    await make_lead(services, first_name="Inès")
    await make_lead(services, first_name="Zoé", sector="hors-secteur", urgent=True)
    await browser.login("lea")
    response = await browser.get("/admin/leads.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(await response.read())
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "N°",
        "Arrivé le",
        "Statut",
        "Urgence",
        "Prénom",
        "Téléphone",
        "Âge",
        "Commune",
    ]
    by_name = {row[header.index("Prénom")]: row for row in body}
    assert set(by_name) == {"Étienne", "Inès"}
    etienne = by_name["Étienne"]
    assert etienne[header.index("Téléphone")] == "06 12 34 56 78"
    assert etienne[header.index("Statut")] == "Nouveau"
    assert etienne[header.index("Demande")] == "un logement"
    assert etienne[header.index("Secteur")] == "Nord Meusien"
    async with services.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "export_csv"))
    assert entry is not None
    assert (entry.user_id, entry.target_type, entry.target_id) == (staff.lea, "leads", "2")
    await browser.post("/admin/logout")
    await browser.login("admin")
    audit = await (await browser.get("/admin/audit")).text()
    assert "Export CSV des contacts" in audit
    assert "2 contacts (fichier CSV)" in audit


async def test_the_export_follows_the_search_and_filters(
    browser: Browser, services: Services
) -> None:
    """The export link of a search gives the leads the page lists, and says so in the log."""
    await make_lead(services, first_name="Étienne")
    await make_lead(services, first_name="Inès")
    await browser.login("lea")
    page = await (await browser.get("/admin/", params={"q": "etienne"})).text()
    assert 'href="/admin/leads.csv?status=open&amp;order=newest&amp;q=etienne"' in page
    rows = _rows(await (await browser.get("/admin/leads.csv?q=etienne")).read())
    assert [row[4] for row in rows[1:]] == ["Étienne"]


async def test_a_search_that_fills_the_page_says_the_export_holds_the_rest(
    browser: Browser, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more matches than a page lists, the page says so and the file holds them all."""
    monkeypatch.setattr(queue_view, "QUEUE_PAGE", 2)
    for name in ("Étienne", "Étienne", "Étienne"):
        await make_lead(services, first_name=name)
    await browser.login("lea")
    page = await (await browser.get("/admin/", params={"q": "etienne"})).text()
    assert "Les 2 premiers contacts pour «&nbsp;etienne&nbsp;» (l'export les contient tous)" in (
        page.replace("&#39;", "'")
    )
    assert page.count('class="name"') == 2
    rows = _rows(await (await browser.get("/admin/leads.csv?q=etienne")).read())
    assert len(rows) == 1 + 3


async def test_an_admin_exports_every_sector(browser: Browser, services: Services) -> None:
    """Admins (and coordinators) see every sector, so their file holds every sector."""
    await make_lead(services, first_name="Étienne")
    await make_lead(services, first_name="Zoé", sector="hors-secteur")
    await browser.login("admin")
    rows = _rows(await (await browser.get("/admin/leads.csv")).read())
    assert sorted(row[4] for row in rows[1:]) == ["Zoé", "Étienne"]


async def test_exported_cells_never_run_as_formulas(browser: Browser, services: Services) -> None:
    """A first name or a request starting with = + - @ is exported as text, not a formula."""
    await make_lead(services, first_name="=cmd|'/c calc'!A1", need='@SUM(1+1) "ok"; non')
    await make_lead(services, first_name="+33 6", need="-2+3")
    await browser.login("lea")
    rows = _rows(await (await browser.get("/admin/leads.csv")).read())
    cells = {cell for row in rows[1:] for cell in row}
    assert "'=cmd|'/c calc'!A1" in cells
    assert '\'@SUM(1+1) "ok"; non' in cells  # the quote and the ; survive the round trip
    assert {"'+33 6", "'-2+3"} <= cells
    assert not any(cell[:1] in {"=", "+", "-", "@"} for cell in cells)


async def test_outreach_staff_and_signed_out_visitors_cannot_export(
    browser: Browser, services: Services
) -> None:
    """Only roles that work on leads may take the file; nobody else, and no audit line."""
    await make_lead(services, first_name="Étienne")
    anonymous = await browser.get("/admin/leads.csv", allow_redirects=False)
    assert anonymous.status in {302, 303}
    await browser.login("olga")
    refused = await browser.get("/admin/leads.csv")
    assert refused.status == 403
    assert "Étienne" not in await refused.text()
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "export_csv")
        )
    assert count == 0


async def test_searching_and_exporting_log_no_name_or_word(
    browser: Browser, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """The logs (even at DEBUG) hold ids and counts, never the typed words, names or phones;
    the pages are not cached."""
    await make_lead(services, first_name="Étienne", need="un logement")
    await browser.login("lea")
    caplog.set_level("DEBUG")
    page = await browser.get("/admin/", params={"q": "etienne logement"})
    assert page.headers["Cache-Control"] == "no-store"
    exported = await browser.get("/admin/leads.csv", params={"q": "etienne"})
    assert exported.headers["Cache-Control"] == "no-store"
    logged = "\n".join(record.getMessage() for record in caplog.records).casefold()
    for secret in ("etienne", "étienne", "logement", "0612345678", "+33612345678", "06 12"):
        assert secret not in logged, secret
    assert "exported 1 leads" in logged
