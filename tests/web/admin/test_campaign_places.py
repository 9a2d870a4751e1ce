"""A campaign's figures in the list, its event in Lieux, on its landing page and its poster,
over real HTTP."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.outreach.campaigns import campaign_funnel, create_campaign, get_campaign
from outreach_bot.core.outreach.places import team_today
from outreach_bot.core.services import Services
from outreach_bot.domain.places import french_day
from outreach_bot.storage.models import LocalPlace
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, make_lead

SOON = team_today() + timedelta(days=5)
LATER = team_today() + timedelta(days=9)
ROW_RE = re.compile(r"<tr>\s*<td><a href=\"/admin/campaigns/([A-Z0-9-]+)\">.*?</tr>", re.S)
CELL_RE = re.compile(r'<td class="num">(\d+)</td>')


async def _places(services: Services) -> list[LocalPlace]:
    async with services.sessions() as session:
        return list(await session.scalars(select(LocalPlace).order_by(LocalPlace.id)))


@contextmanager
def _statements(services: Services) -> Iterator[list[str]]:
    """Every SQL statement about campaigns the server runs meanwhile (the background workers
    poll their own tables)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        if "campaign" in str(args[2]):
            seen.append(str(args[2]))

    event.listen(services.db.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(services.db.sync_engine, "before_cursor_execute", count)


async def test_the_list_shows_what_each_campaign_produced_in_one_go(
    browser: Browser, services: Services
) -> None:
    """Scans, conversations and leads per campaign, the same as each campaign's own page, and
    the list costs as many queries with seven campaigns as with one."""
    await create_campaign(services.sessions, "SEUL", name="Seule")
    await browser.login("olga")
    with _statements(services) as one:
        assert (await browser.get("/admin/campaigns")).status == 200
    await seed_demo(services.sessions, consent_version="2024-06")
    with _statements(services) as many:
        page = await (await browser.get("/admin/campaigns")).text()
    assert len(many) == len(one)
    rows = {match.group(1): CELL_RE.findall(match.group(0)) for match in ROW_RE.finditer(page)}
    assert len(rows) > 3
    for code, cells in rows.items():
        funnel = await campaign_funnel(services.sessions, code)
        assert cells == [str(funnel.count(m)) for m in ("scans", "identified", "leads")], code
    assert any(cells[0] != "0" for cells in rows.values())
    assert '<th scope="col" class="num">Conversations</th>' in page


async def test_a_new_place_typed_in_the_campaign_form_is_in_lieux_once_and_given_by_the_bot(
    browser: Browser, client: Any, services: Services
) -> None:
    """The event's place is created in Lieux (an event on the campaign's date), linked, and
    answered from at once; moving the campaign's date moves it too."""
    await browser.login("olga")
    created = await browser.post(
        "/admin/campaigns",
        {
            "code": "FORUM-STENAY",
            "name": "Forum jobs d'été",
            "held_on": SOON.isoformat(),
            "place_id": "new",
            "place_commune": "Stenay",
            "place_address": "Salle Baudot",
            "place_hours": "14h-18h",
        },
    )
    assert created.status == 303, await created.text()
    [place] = await _places(services)
    assert (place.kind, place.name, place.held_on, place.address, place.hours) == (
        "event",
        "Forum jobs d'été",
        SOON,
        "Salle Baudot",
        "14h-18h",
    )
    lieux = await (await browser.get("/admin/places")).text()
    assert lieux.count("Forum jobs d&#39;été") == 1
    campaign = await get_campaign(services.sessions, "FORUM-STENAY")
    assert (campaign.place_id, campaign.place) == (place.id, "Salle Baudot, Stenay")

    chat = RestChat(client)
    await chat.say("il y a une permanence à Stenay ?")
    assert f"{SOON:%d/%m}, 14h-18h : Forum jobs d'été, Salle Baudot, Stenay" in chat.text()

    moved = await browser.post(
        "/admin/campaigns/FORUM-STENAY",
        {"name": "Forum jobs d'été", "held_on": LATER.isoformat(), "place_id": str(place.id)},
    )
    assert moved.status == 303
    [place] = await _places(services)
    assert place.held_on == LATER


async def test_an_existing_place_is_linked_not_typed_again(
    browser: Browser, services: Services
) -> None:
    """Choosing a place of Lieux links it: no second place, and the campaign shows its label
    as Lieux has it now."""
    await browser.login("olga")
    added = await browser.post(
        "/admin/places",
        {
            "kind": "permanence",
            "name": "Permanence MiloMouv'",
            "commune": "55700 Stenay",
            "address": "Maison France Services",
            "held_on": SOON.isoformat(),
            "hours": "14h-17h",
        },
    )
    assert added.status == 303
    [place] = await _places(services)
    form = await (await browser.get("/admin/campaigns")).text()
    option = f"Permanence MiloMouv', Maison France Services, Stenay · {SOON:%d/%m/%Y}"
    assert f'<option value="{place.id}">{option}</option>' in form.replace("&#39;", "'")
    created = await browser.post(
        "/admin/campaigns",
        {
            "code": "PERM-STENAY",
            "name": "Permanence Stenay",
            "held_on": SOON.isoformat(),
            "place_id": str(place.id),
        },
    )
    assert created.status == 303
    assert len(await _places(services)) == 1
    page = await (await browser.get("/admin/campaigns/PERM-STENAY")).text()
    assert f'href="/admin/places/{place.id}">Maison France Services, Stenay</a>' in page
    assert f'<option value="{place.id}" selected>' in page
    listing = await (await browser.get("/admin/campaigns")).text()
    assert "Maison France Services, Stenay" in listing


async def test_a_campaign_whose_date_has_passed_can_still_be_renamed(
    browser: Browser, services: Services
) -> None:
    """Its date unchanged, a past campaign saves; moving it to another past day does not,
    and the form keeps what was typed."""
    held = team_today() - timedelta(days=20)
    await create_campaign(services.sessions, "FORUM-OLD", name="Forum", held_on=held)
    await browser.login("olga")
    renamed = await browser.post(
        "/admin/campaigns/FORUM-OLD", {"name": "Forum de mars", "held_on": held.isoformat()}
    )
    assert renamed.status == 303
    earlier = held - timedelta(days=1)
    moved = await browser.post(
        "/admin/campaigns/FORUM-OLD", {"name": "Forum d'avril", "held_on": earlier.isoformat()}
    )
    assert moved.status == 400
    page = await moved.text()
    assert f"Cette date est passée ({earlier:%d/%m/%Y})" in page
    assert 'value="Forum d&#39;avril"' in page
    assert f'value="{earlier.isoformat()}"' in page
    view = await get_campaign(services.sessions, "FORUM-OLD")
    assert (view.name, view.held_on) == ("Forum de mars", held)


async def test_the_landing_page_names_the_event_and_a_poster_campaign_names_none(
    browser: Browser, client: Any, services: Services
) -> None:
    """Scanned at the forum, the page says which event it is; a poster without a date does
    not pretend to be one."""
    await browser.login("olga")
    await browser.post(
        "/admin/campaigns",
        {
            "code": "FORUM-DUN",
            "name": "Forum emploi Dun",
            "held_on": SOON.isoformat(),
            "place_id": "new",
            "place_commune": "Dun-sur-Meuse",
            "place_address": "Salle polyvalente",
        },
    )
    await create_campaign(services.sessions, "AFFICHE-LYCEE", name="Affiche lycée")
    page = await (await client.get("/q/forum-dun")).text()
    event_line = f"Forum emploi Dun · {french_day(SOON)} · Salle polyvalente, Dun-sur-Meuse"
    assert f'<p class="event" lang="fr" dir="auto">{event_line}</p>' in page
    poster = await (await client.get("/q/AFFICHE-LYCEE")).text()
    assert 'class="event"' not in poster


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")
async def test_the_poster_names_the_event_and_embeds_every_font(
    browser: Browser, services: Services, tmp_path: Path
) -> None:
    """Both sizes: the event's name, date and place are printed, and pdffonts finds every
    font embedded (a print shop prints what we laid out)."""
    await create_campaign(
        services.sessions, "FORUM-ETAIN", name="Forum Étain", held_on=SOON, place="Gymnase"
    )
    await browser.login("olga")
    for size in ("a4", "a6"):
        pdf = tmp_path / f"{size}.pdf"
        pdf.write_bytes(
            await (await browser.get(f"/admin/campaigns/FORUM-ETAIN/poster-{size}.pdf")).read()
        )
        fonts = subprocess.run(  # noqa: S603 - fixed arguments, a file the test wrote
            ["pdffonts", str(pdf)],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[2:]
        assert fonts, "no font at all"
        for line in fonts:
            assert line.split()[-5] == "yes", line  # the "emb" column
        text = subprocess.run(  # noqa: S603
            ["pdftotext", str(pdf), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        flat = " ".join(text.split())
        assert f"Forum Étain · {french_day(SOON)} · Gymnase" in flat


async def test_lieux_counts_nothing_twice_when_the_form_is_refused(
    browser: Browser, services: Services
) -> None:
    """A refused campaign (its code taken) creates no place either."""
    await create_campaign(services.sessions, "PRIS", name="Pris")
    await browser.login("olga")
    refused = await browser.post(
        "/admin/campaigns",
        {
            "code": "PRIS",
            "name": "Autre",
            "held_on": SOON.isoformat(),
            "place_id": "new",
            "place_commune": "Stenay",
        },
    )
    assert refused.status == 400
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(LocalPlace.id))) == 0


async def test_an_appointment_can_be_set_at_a_weekly_permanence(
    browser: Browser, services: Services
) -> None:
    """The lead page's list of the team's places names a weekly permanence by its rule, not
    by a first day that may have passed."""
    lead = await make_lead(services)
    await browser.login("lea")
    until = team_today() + timedelta(days=30)
    added = await browser.post(
        "/admin/places",
        {
            "kind": "permanence",
            "name": "Perm jeudi",
            "commune": "Stenay",
            "repeat": "thu",
            "repeat_start": "9:00",
            "repeat_end": "12:00",
            "repeat_until": until.isoformat(),
        },
    )
    assert added.status == 303
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert f"Perm jeudi · Stenay (tous les jeudis, 9h-12h, jusqu&#39;au {until:%d/%m/%Y})" in page
