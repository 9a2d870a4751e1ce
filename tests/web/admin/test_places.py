"""Places and permanences kept in the back office, and the bot giving them, over real HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from outreach_bot.core.outreach.places import team_today
from outreach_bot.core.services import Services
from outreach_bot.storage.models import LocalPlace
from tests.factories import RestChat
from tests.web.admin.conftest import Browser


def _day(days: int) -> str:
    return (team_today() + timedelta(days=days)).isoformat()


def _weekday_date(days: int) -> str:
    return (team_today() + timedelta(days=days)).strftime("%d/%m")


async def _count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(LocalPlace.id))) or 0)


async def _past_event(services: Services, name: str) -> int:
    """An event entered while it was still to come, now over (the form refuses past dates)."""
    yesterday = team_today() - timedelta(days=1)
    async with services.sessions.begin() as session:
        row = LocalPlace(
            kind="event",
            name=name,
            commune_insee="55502",
            commune_name="Stenay",
            held_on=yesterday,
        )
        session.add(row)
        await session.flush()
        return row.id


async def _add(browser: Browser, **fields: str) -> int:
    response = await browser.post("/admin/places", {"address": "", "hours": "", **fields})
    assert response.status == 303, await response.text()
    return response.status


async def test_a_permanence_added_in_the_back_office_is_given_nearest_first(
    browser: Browser, client, services: Services
) -> None:
    """Staff add places; the bot answers "une permanence à Stenay ?" with Stenay first,
    then the others, and never a date that has passed."""
    await browser.login("olga")
    await _add(
        browser,
        kind="office",
        name="Mission Locale",
        commune="55100 Verdun",
        address="1 rue de l'Exemple",
        hours="lun.-ven. 9h-12h / 14h-17h",
    )
    await _add(
        browser,
        kind="permanence",
        name="Permanence Montmédy",
        commune="Montmédy",
        held_on=_day(1),
        hours="10h-12h",
    )
    await _add(
        browser,
        kind="permanence",
        name="Permanence Stenay",
        commune="55700 Stenay",
        address="Maison France Services",
        held_on=_day(4),
        hours="14h-17h",
    )
    await _past_event(services, "Forum passé")
    page = await (await browser.get("/admin/places")).text()
    assert "Permanence Stenay" in page
    assert "passée" in page

    chat = RestChat(client)
    await chat.say("il y a une permanence à Stenay ?")
    lines = chat.last[0]["text"].splitlines()
    assert lines[0] == services.content.message("places_in_near", "fr", commune="Stenay")
    assert "Permanence Stenay, Maison France Services, Stenay" in lines[1]
    assert _weekday_date(4) in lines[1]
    assert "Permanence Montmédy" in lines[2]
    assert "Mission Locale, 1 rue de l'Exemple, Verdun" in lines[3]
    assert "Forum passé" not in chat.text()


async def test_without_a_commune_the_next_dates_come_first(
    browser: Browser, client, services: Services
) -> None:
    """ "Vous êtes où cette semaine ?" lists the soonest date first."""
    await browser.login("lea")
    await _add(browser, kind="permanence", name="Stenay", commune="Stenay", held_on=_day(3))
    await _add(browser, kind="permanence", name="Dun", commune="Dun-sur-Meuse", held_on=_day(0))
    chat = RestChat(client)
    await chat.say("vous êtes où cette semaine ?")
    lines = chat.last[0]["text"].splitlines()
    assert lines[0] == services.content.message("places_intro", "fr")
    assert "Dun-sur-Meuse" in lines[1]
    assert "Stenay" in lines[2]


async def test_a_wrong_commune_keeps_the_form_and_adds_nothing(
    browser: Browser, services: Services
) -> None:
    """An unknown commune gets a 400 with the reason next to the field; nothing is saved."""
    await browser.login("olga")
    response = await browser.post(
        "/admin/places",
        {"kind": "permanence", "name": "Perm", "commune": "Zzzzyx", "held_on": _day(2)},
    )
    assert response.status == 400
    page = await response.text()
    assert "Commune introuvable" in page
    assert 'value="Perm"' in page
    no_date = await browser.post(
        "/admin/places", {"kind": "permanence", "name": "Perm", "commune": "Stenay"}
    )
    assert no_date.status == 400
    assert "a une date" in await no_date.text()
    assert await _count(services) == 0


async def test_editing_and_deleting_a_place_changes_what_the_bot_says(
    browser: Browser, client, services: Services
) -> None:
    """A corrected commune is given at once; a deleted place is no longer given."""
    await browser.login("coordinator")
    await _add(browser, kind="permanence", name="Perm", commune="Stenay", held_on=_day(2))
    async with services.sessions() as session:
        place_id = await session.scalar(select(LocalPlace.id))
    edit = await browser.get(f"/admin/places/{place_id}")
    assert edit.status == 200
    assert "55700 Stenay" in await edit.text()
    saved = await browser.post(
        f"/admin/places/{place_id}",
        {"kind": "permanence", "name": "Perm", "commune": "Montmédy", "held_on": _day(2)},
    )
    assert saved.status == 303
    chat = RestChat(client)
    await chat.say("vous êtes où cette semaine ?")
    assert "Montmédy" in chat.text()
    assert "Stenay" not in chat.text()
    deleted = await browser.post(f"/admin/places/{place_id}/delete")
    assert deleted.status == 303
    assert await _count(services) == 0
    await chat.say("vous êtes où cette semaine ?")
    where = services.content.answers["mission_locale_info"].followup("where")
    assert where is not None
    assert where.text.fr in chat.text()


@pytest.mark.parametrize("path", ["/admin/places", "/admin/places/1"])
async def test_strangers_cannot_see_or_change_places(
    browser: Browser, services: Services, path: str
) -> None:
    """Not signed in: sent to sign in; a posted place is refused and nothing is saved."""
    response = await browser.get(path, allow_redirects=False)
    assert response.status == 303
    posted = await browser.post(
        "/admin/places", {"kind": "office", "name": "X", "commune": "Stenay", "hours": "9h"}
    )
    assert posted.status == 401
    assert await _count(services) == 0


async def test_an_unknown_place_is_a_404(browser: Browser) -> None:
    """A missing or malformed id gets the back office's 404 page, never a 500."""
    await browser.login("olga")
    assert (await browser.get("/admin/places/999")).status == 404
    assert (await browser.get("/admin/places/abc")).status == 404
    assert (await browser.post("/admin/places/999/delete")).status == 404


async def test_a_second_commune_in_a_row_gets_its_own_answer(
    browser: Browser, client, services: Services
) -> None:
    """ "Vous êtes où ?" then "et à Dun-sur-Meuse ?": the second commune gets its yes or no."""
    await browser.login("olga")
    await _add(browser, kind="permanence", name="Perm", commune="Stenay", held_on=_day(2))
    chat = RestChat(client)
    await chat.say("vous êtes où cette semaine ?")
    await chat.say("et à Dun-sur-Meuse ?")
    expected = services.content.message("places_none_near", "fr", commune="Dun-sur-Meuse")
    assert chat.last[0]["text"].startswith(expected)
    assert "Stenay" in chat.last[0]["text"]


OFFICE = {
    "kind": "office",
    "name": "Mission Locale",
    "commune": "55100 Verdun",
    "address": "1 rue de l'Exemple",
    "hours": "lun.-ven.",
    "phone": "03.29.00.00.00",
    "walk_in": "no",
    "hours_mon": "9h-12h, 14h-17h",
    "hours_tue": "9h-12h, 14h-17h",
    "hours_sat": "",
}


async def test_phone_hours_and_walk_in_set_in_the_back_office_are_what_the_bot_says(
    browser: Browser, client, services: Services
) -> None:
    """An office's phone, hours per day and walk-in answer "votre numéro ?", "ouvert le
    samedi ?" and "sans rendez-vous ?"; an edit is said at once."""
    await browser.login("olga")
    await _add(browser, **OFFICE)
    page = await (await browser.get("/admin/places")).text()
    assert "03 29 00 00 00" in page  # stored and shown as people dial it
    async with services.sessions() as session:
        place_id = await session.scalar(select(LocalPlace.id))
    edit = await (await browser.get(f"/admin/places/{place_id}")).text()
    assert 'name="hours_mon" value="9h-12h, 14h-17h"' in edit
    assert 'value="no" checked' in edit

    chat = RestChat(client)
    await chat.say("c koi votre num de tel")
    assert "Mission Locale, Verdun : 03 29 00 00 00" in chat.text()
    await chat.say("c'est ouvert le samedi ?")
    assert chat.text().startswith(services.content.message("places_day", "fr", day="samedi"))
    assert "Mission Locale, Verdun : fermé" in chat.text()
    await chat.say("on peut passer sans rdv ?")
    no = services.content.message("place_walk_in_no", "fr")
    assert f"Mission Locale, Verdun : {no} (03 29 00 00 00)" in chat.text()

    saved = await browser.post(
        f"/admin/places/{place_id}", {**OFFICE, "walk_in": "yes", "hours_sat": "9h-12h"}
    )
    assert saved.status == 303
    await chat.say("et le samedi c ouvert ?")
    assert "Mission Locale, Verdun : 9h-12h" in chat.text()
    await chat.say("sans rendez-vous ?")
    yes = services.content.message("place_walk_in_yes", "fr")
    assert f"Mission Locale, Verdun : {yes}" in chat.text()


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("phone", "12", "Numéro invalide"),
        ("walk_in", "peut-être", "Sans rendez-vous"),
        ("hours_wed", "9h" * 40, "au plus 60"),
    ],
)
async def test_a_wrong_office_detail_keeps_the_form_and_adds_nothing(
    browser: Browser, services: Services, field: str, value: str, said: str
) -> None:
    """A bad phone number, walk-in choice or day's hours: 400, the reason shown, nothing saved."""
    await browser.login("olga")
    response = await browser.post("/admin/places", {**OFFICE, field: value})
    assert response.status == 400
    assert said in await response.text()
    assert await _count(services) == 0


async def test_an_office_needs_hours_in_brief_or_for_one_day(browser: Browser) -> None:
    """No summary and no day: refused; one day is enough."""
    await browser.login("olga")
    days = {key: "" for key in OFFICE if key.startswith("hours_")}
    bare = {**OFFICE, **days, "hours": ""}
    assert (await browser.post("/admin/places", bare)).status == 400
    await _add(browser, **{**bare, "hours_thu": "14h-17h"})


def _next_weekday(weekday: int, *, after: int = 0) -> date:
    start = team_today() + timedelta(days=after)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


async def test_a_weekly_permanence_is_given_at_its_next_session_until_its_last_day(
    browser: Browser, client, services: Services
) -> None:
    """ "Tous les mardis 14h-17h, jusqu'au …": the list says so in French, and the bot gives
    the next Tuesday, for "vous êtes où ?" and for "et le mardi ?"."""
    await browser.login("olga")
    until = team_today() + timedelta(days=60)
    await _add(
        browser,
        kind="permanence",
        name="Permanence MiloMouv'",
        commune="55700 Stenay",
        address="Maison France Services",
        repeat="tue",
        repeat_start="14:00",
        repeat_end="17:00",
        repeat_until=until.isoformat(),
    )
    page = await (await browser.get("/admin/places")).text()
    assert f"tous les mardis, 14h-17h, jusqu&#39;au {until:%d/%m/%Y}" in page
    next_tuesday = _next_weekday(1)
    assert f"prochaine : {next_tuesday:%d/%m/%Y}" in page

    chat = RestChat(client)
    await chat.say("il y a une permanence à Stenay ?")
    lines = chat.last[0]["text"].splitlines()
    assert lines[0] == services.content.message("places_in_near", "fr", commune="Stenay")
    assert f"{next_tuesday:%d/%m}, 14h-17h : Permanence MiloMouv'" in lines[1]


async def test_a_weekly_permanence_whose_first_day_is_later_starts_then(
    browser: Browser, client, services: Services
) -> None:
    """A first day three weeks ahead: nothing before it, then that day (the edit form shows
    the rule again, filled)."""
    await browser.login("olga")
    first = _next_weekday(3, after=21)
    await _add(
        browser,
        kind="permanence",
        name="Perm jeudi",
        commune="Stenay",
        held_on=first.isoformat(),
        repeat="thu",
        repeat_start="9h30",
        repeat_end="12h",
        repeat_until=(first + timedelta(days=28)).isoformat(),
    )
    async with services.sessions() as session:
        row = await session.scalar(select(LocalPlace))
    assert row is not None
    assert (row.held_on, row.hours) == (first, "9h30-12h")
    edit = await (await browser.get(f"/admin/places/{row.id}")).text()
    assert '<option value="thu" selected>' in edit
    assert 'value="09:30"' in edit
    chat = RestChat(client)
    await chat.say("vous êtes où cette semaine ?")
    assert "Perm jeudi" not in chat.text()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"held_on": "-3"}, "held_on", "Cette date est passée"),
        (
            {"repeat": "tue", "repeat_start": "14:00", "repeat_end": "17:00"},
            "repeat_until",
            "Jusqu&#39;à quand ?",
        ),
        (
            {
                "repeat": "tue",
                "repeat_start": "14:00",
                "repeat_end": "17:00",
                "repeat_until": "-1",
            },
            "repeat_until",
            "Cette date est passée",
        ),
        (
            {"repeat": "tue", "repeat_start": "17:00", "repeat_end": "14h", "repeat_until": "30"},
            "repeat_end",
            "L&#39;heure de fin vient après",
        ),
        (
            {"repeat": "tue", "repeat_start": "midi", "repeat_end": "14h", "repeat_until": "30"},
            "repeat_start",
            "Heure de début invalide",
        ),
        ({"repeat": "someday", "repeat_until": "30"}, "repeat", "Choisis le jour"),
    ],
)
async def test_a_past_or_wrong_date_is_refused_and_what_was_typed_comes_back(
    browser: Browser, services: Services, fields: dict[str, str], field: str, message: str
) -> None:
    """The form comes back with the reason in French and every field as it was typed."""
    await browser.login("olga")
    typed = {
        "kind": "permanence",
        "name": "Perm du mardi",
        "commune": "Stenay",
        "address": "Salle Baudot",
        **{
            key: _day(int(value)) if key in {"held_on", "repeat_until"} else value
            for key, value in fields.items()
        },
    }
    response = await browser.post("/admin/places", typed)
    assert response.status == 400
    page = await response.text()
    assert message in page
    for key in ("name", "address", "held_on", "repeat_start", "repeat_end", "repeat_until"):
        if typed.get(key):
            assert f'value="{typed[key]}"' in page.replace("&#39;", "'"), key
    assert await _count(services) == 0


async def test_a_past_event_can_still_be_corrected_but_not_moved_to_another_past_day(
    browser: Browser, services: Services
) -> None:
    """Its date unchanged, a past event's name can be fixed; a new past date is refused."""
    place_id = await _past_event(services, "Forum")
    await browser.login("olga")
    form = await browser.get(f"/admin/places/{place_id}")
    yesterday = _day(-1)
    assert f'value="{yesterday}"' in await form.text()
    fixed = await browser.post(
        f"/admin/places/{place_id}",
        {"kind": "event", "name": "Forum de l'emploi", "commune": "Stenay", "held_on": yesterday},
    )
    assert fixed.status == 303
    moved = await browser.post(
        f"/admin/places/{place_id}",
        {"kind": "event", "name": "Forum de l'emploi", "commune": "Stenay", "held_on": _day(-2)},
    )
    assert moved.status == 400
    assert "Cette date est passée" in await moved.text()
    async with services.sessions() as session:
        row = await session.get(LocalPlace, place_id)
    assert row is not None
    assert (row.name, row.held_on.isoformat() if row.held_on else None) == (
        "Forum de l'emploi",
        yesterday,
    )
