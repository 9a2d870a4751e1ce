"""The web chat in the conversation's language, over real HTTP.

What a young person who writes in Arabic, Dari or Pashto notices: once the language is chosen,
the REST replies say it (``custom.language``, ``custom.direction``), so the page turns
right-to-left with its own labels in that language; the page without JavaScript is served in
that language too; French stays the default, and a phone number stays readable as dialled.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from outreach_bot.core.services import Services
from outreach_bot.web.landing import SCRIPT_LABELS, isolate_numbers
from tests.factories import RestChat

Client = TestClient[web.Request, web.Application]
HIDDEN_RE = re.compile(r'name="(sender|started)" value="([^"]*)"')
LABELS_RE = re.compile(r'data-labels="([^"]*)"')


def pick(code: str) -> str:
    return f'/language{{"code":"{code}"}}'


async def test_rest_replies_carry_the_language_and_its_direction(client: Client) -> None:
    """French until a message is written in Arabic: from the bot's question "go on in
    Arabic?" on, every reply says ar / rtl; picking English turns it back to ltr."""
    chat = RestChat(client, "web-lang-rest-1")
    await chat.say("/start")
    assert {(r["custom"]["language"], r["custom"]["direction"]) for r in chat.last} == {
        ("fr", "ltr")
    }
    await chat.say("سلام، ابحث عن شغل في فردان")
    assert pick("ar") in chat.payloads()
    assert {r["custom"]["language"] for r in chat.last} == {"ar"}
    await chat.say(pick("ar"))
    assert chat.last
    assert all(r["custom"]["language"] == "ar" for r in chat.last)
    assert all(r["custom"]["direction"] == "rtl" for r in chat.last)
    await chat.say(pick("en"))
    assert {(r["custom"]["language"], r["custom"]["direction"]) for r in chat.last} == {
        ("en", "ltr")
    }


@pytest.mark.parametrize("code", ["prs", "ps"])
async def test_dari_and_pashto_replies_are_right_to_left_too(client: Client, code: str) -> None:
    """Picked from the language list ("زبان" / "ژبه" open it), Dari and Pashto answer rtl."""
    chat = RestChat(client, f"web-lang-rest-{code}")
    await chat.say("/start")
    await chat.say(pick(code))
    assert chat.last
    assert {(r["custom"]["language"], r["custom"]["direction"]) for r in chat.last} == {
        (code, "rtl")
    }


async def test_the_page_holds_every_languages_labels_french_first_shown(
    client: Client, services: Services
) -> None:
    """A fresh chat is French, left-to-right, and carries the labels of every language for the
    script: Arabic, Dari and Pashto have their own (not French), right-to-left."""
    html = await (await client.get("/q/chat/chat")).text()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Envoyer" in html
    found = LABELS_RE.search(html)
    assert found
    labels = json.loads(unescape(found.group(1)))
    assert set(labels) == set(services.content.languages)
    for code in ("ar", "prs", "ps"):
        assert labels[code]["dir"] == "rtl"
        assert set(labels[code]) == {"dir", *SCRIPT_LABELS}
        for name, key in SCRIPT_LABELS.items():
            assert labels[code][name] == services.content.messages[key].get(code)
            assert labels[code][name] != labels["fr"][name], (code, name)
    assert labels["fr"]["send"] == "Envoyer"
    assert labels["fr"]["dir"] == labels["en"]["dir"] == "ltr"


async def test_without_javascript_the_page_turns_to_arabic_once_chosen(
    client: Client, services: Services
) -> None:
    """The form version: French until the first message in Arabic; then the page is rtl with
    Arabic labels and header, and stays so once Arabic is picked."""
    content = services.content
    html = await (await client.get("/q/chat/chat")).text()
    hidden = dict(HIDDEN_RE.findall(html))
    first = await client.post(
        "/q/chat/chat", data={**hidden, "message": "مرحبا، أريد عمل في فردان من فضلك"}
    )
    page = unescape(await first.text())
    assert pick("ar") in page
    assert '<html lang="ar" dir="rtl">' in page
    hidden = dict(HIDDEN_RE.findall(page))
    chosen = await client.post("/q/chat/chat", data={**hidden, "payload": pick("ar")})
    page = unescape(await chosen.text())
    assert '<html lang="ar" dir="rtl">' in page
    for key in ("webchat_send", "webchat_placeholder", "webchat_name", "webchat_not_a_person"):
        assert content.message(key, "ar") in page, key
    assert ">Envoyer<" not in page
    french = await client.post("/q/chat/chat", data={**hidden, "payload": pick("fr")})
    page = unescape(await french.text())
    assert '<html lang="fr" dir="ltr">' in page
    assert ">Envoyer<" in page


async def test_numbers_are_kept_left_to_right_in_a_right_to_left_bubble() -> None:
    """A phone number keeps its "+" in front and its groups in order inside Arabic text."""
    shown = str(isolate_numbers("اتصل بـ +33 6 12 34 56 78 أو 116 006 <b>"))
    assert '<bdi dir="ltr">+33 6 12 34 56 78</bdi>' in shown
    assert '<bdi dir="ltr">116 006</bdi>' in shown
    assert "&lt;b&gt;" in shown
