"""The QR landing page and the web chat's first screen in the phone's language, over real HTTP.

What a young person whose phone is in Arabic, Dari, Pashto or English notices: the page they
land on after scanning is in their language (right-to-left for Arabic script), with every
language the bot speaks named in its own words as plain links; the chat opens in that language
and the bot's first words are in it too. A language the bot does not speak gets French, as
before, and the contract's routes stay as they were.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import CampaignScan, Conversation

Client = TestClient[web.Request, web.Application]
REST = "/webhooks/rest/webhook"
ARABIC_PHONE = {"Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.5"}
HIDDEN_RE = re.compile(r'name="(sender|started|lang)" value="([^"]*)"')
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")


async def landing(client: Client, path: str, headers: dict[str, str] | None = None) -> str:
    response = await client.get(path, headers=headers or {})
    assert response.status in {200, 404}
    return unescape(await response.text())


def language_links(html: str) -> dict[str, str]:
    """hreflang → the whole ``<a>`` tag of each language link."""
    return {
        found.group(1): found.group(0)
        for found in re.finditer(r'<a href="[^"]*" hreflang="([^"]+)"[^>]*>[^<]*</a>', html)
    }


async def scans(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(CampaignScan.id))) or 0)


async def test_an_arabic_phone_gets_the_landing_page_in_arabic_right_to_left(
    client: Client, services: Services
) -> None:
    """Accept-Language ar: lang="ar" dir="rtl", the Arabic texts, the chat link keeps Arabic."""
    message = services.content.messages
    await create_campaign(services.sessions, "FORUM-AR", name="Forum emploi")
    html = await landing(client, "/q/FORUM-AR", ARABIC_PHONE)
    assert '<html lang="ar" dir="rtl">' in html
    assert f"<h1>{message['landing_hello'].get('ar')}</h1>" in html
    assert message["landing_intro"].get("ar") in html
    assert message["landing_small_print"].get("ar") in html
    assert message["landing_intro"].get("fr") not in html
    assert 'href="/q/FORUM-AR/chat?lang=ar"' in html
    # The privacy notice, in Arabic: its headings and its list items, none of the French.
    notice = services.content.privacy.notice
    assert f"<h2>{notice.get('ar').splitlines()[0]}</h2>" in html
    assert f"<summary>{message['landing_privacy'].get('ar')}</summary>" in html
    assert "<li>" + notice.get("ar").split("\n- ")[1].splitlines()[0] + "</li>" in html
    assert notice.get("fr").splitlines()[0] not in html
    assert ARABIC_LETTERS.search(message["landing_chat"].get("ar"))


async def test_the_language_links_name_every_language_in_its_own_words(
    client: Client, services: Services
) -> None:
    """One link a language, with hreflang, lang and dir, the current one marked; following
    "Français" from an Arabic phone gives the French page, and is not counted as a scan."""
    await create_campaign(services.sessions, "FORUM-LINKS", name="Forum")
    html = await landing(client, "/q/FORUM-LINKS", ARABIC_PHONE)
    assert '<nav aria-label="' + services.content.messages["landing_languages"].get("ar") in html
    links = language_links(html)
    assert set(links) == set(services.content.languages)
    for code, language in services.content.languages.items():
        tag = links[code]
        assert f'href="/q/FORUM-LINKS?lang={code}"' in tag
        assert f'lang="{code}"' in tag
        assert f'dir="{language.direction}"' in tag
        assert f">{language.native_name}</a>" in tag
        assert ("aria-current" in tag) == (code == "ar"), code
    assert await scans(services) == 1

    french = await landing(client, "/q/FORUM-LINKS?lang=fr", ARABIC_PHONE)
    assert '<html lang="fr" dir="ltr">' in french
    assert "<h1>Salut\u00a0!</h1>" in french
    assert 'href="/q/FORUM-LINKS/chat?lang=fr"' in french
    assert "aria-current" in language_links(french)["fr"]
    assert await scans(services) == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fa-AF,fa;q=0.9", "prs"),
        ("ps-AF", "ps"),
        ("en-GB,en;q=0.8", "en"),
        ("de-DE,ar;q=0.4", "ar"),
        ("ar;q=0,en;q=0.5", "en"),
        ("de-DE,ti;q=0.8,*;q=0.1", "fr"),
        ("", "fr"),
        ("q=;;,,ar-;q=abc", "fr"),
    ],
)
async def test_the_page_speaks_the_first_of_the_browsers_languages_the_bot_speaks(
    client: Client, header: str, expected: str
) -> None:
    """A phone in Persian gets Dari, in Pashto Pashto, in English English; a language the bot
    does not speak, a refused one (q=0) or a garbled header gets French."""
    html = await landing(client, "/q/NO-SUCH-CODE", {"Accept-Language": header})
    direction = "rtl" if expected in {"ar", "prs", "ps"} else "ltr"
    assert f'<html lang="{expected}" dir="{direction}">' in html


async def test_an_unknown_language_in_the_link_is_ignored(client: Client) -> None:
    """``?lang=`` with a language the bot does not speak falls back to the browser's, then
    French, and the page still works."""
    assert '<html lang="ar" dir="rtl">' in await landing(client, "/q/X?lang=xx", ARABIC_PHONE)
    html = await landing(client, "/q/X?lang=<b>")
    assert '<html lang="fr" dir="ltr">' in html
    assert "<b>" not in html


async def test_the_chat_opens_in_the_language_of_the_landing_page(
    client: Client, services: Services
) -> None:
    """The chat's first screen follows ``?lang=`` or the phone; its back link keeps it; the
    script and the form without JavaScript both carry it to the bot."""
    message = services.content.messages
    await create_campaign(services.sessions, "FORUM-CHAT", name="Forum")
    html = await landing(client, "/q/FORUM-CHAT/chat", ARABIC_PHONE)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'data-lang="ar"' in html
    assert f"<h1>{message['webchat_name'].get('ar')}</h1>" in html
    assert f">{message['webchat_start'].get('ar')}</button>" in html
    assert 'href="/q/FORUM-CHAT?lang=ar"' in html
    assert dict(HIDDEN_RE.findall(html))["lang"] == "ar"
    pashto = await landing(client, "/q/FORUM-CHAT/chat?lang=ps", ARABIC_PHONE)
    assert '<html lang="ps" dir="rtl">' in pashto


async def test_the_bot_greets_in_the_language_the_page_was_read_in(
    client: Client, services: Services
) -> None:
    """``/start CODE`` with ``metadata.language`` ar: the first answer is Arabic, rtl, the
    conversation is Arabic (kept, not asked again) and attributed to the campaign."""
    await create_campaign(services.sessions, "FORUM-GREET", name="Forum")
    body = {"sender": "web-greet-ar", "message": "/start FORUM-GREET", "metadata": {}}
    body["metadata"] = {"message_id": "web-1", "language": "ar"}
    replies = await (await client.post(REST, json=body)).json()
    assert replies
    assert {(r["custom"]["language"], r["custom"]["direction"]) for r in replies} == {
        ("ar", "rtl")
    }
    assert ARABIC_LETTERS.search(replies[0]["text"])
    assert "Salut" not in replies[0]["text"]
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert conversation.locale == "ar"
        assert conversation.campaign_id is not None
    # Arabic was the person's choice on the page: an Arabic message does not ask it again.
    again = {"sender": "web-greet-ar", "message": "أبحث عن عمل في فردان"}
    second = await (await client.post(REST, json=again)).json()
    assert all(r["custom"]["language"] == "ar" for r in second)
    texts = " ".join(r["text"] for r in second)
    assert services.content.messages["language_detected"].get("ar") not in texts


async def test_an_english_page_starts_in_english_and_french_words_still_switch(
    client: Client,
) -> None:
    """English is where the bot starts, not a lock: a French speaker whose phone is in English
    is answered in French once they write French."""
    body = {"sender": "web-greet-en", "message": "/start", "metadata": {"language": "en"}}
    first = await (await client.post(REST, json=body)).json()
    assert first[0]["custom"]["language"] == "en"
    assert first[0]["text"].startswith("Hi!")
    body = {"sender": "web-greet-en", "message": "salut je cherche du boulot"}
    second = await (await client.post(REST, json=body)).json()
    assert {r["custom"]["language"] for r in second} == {"fr"}


@pytest.mark.parametrize("language", ["xx", "de", ""])
async def test_a_language_the_bot_does_not_speak_leaves_the_greeting_french(
    client: Client, language: str
) -> None:
    """An unknown code in metadata.language changes nothing; an empty one is refused (400)."""
    body = {"sender": f"web-unknown-{language}", "message": "/start"}
    response = await client.post(REST, json={**body, "metadata": {"language": language}})
    if not language:
        assert response.status == 400
        assert "metadata.language" in (await response.json())["error"]
        return
    replies = await response.json()
    assert replies[0]["custom"]["language"] == "fr"
    assert replies[0]["text"].startswith("Salut")


async def test_a_language_that_is_not_text_is_refused_with_a_json_400(client: Client) -> None:
    """``metadata.language`` must be a short string: anything else is a 400, never a 500."""
    for value in (5, ["ar"], "a" * 36):
        body = {"sender": "web-bad-lang", "message": "/start", "metadata": {"language": value}}
        response = await client.post(REST, json=body)
        assert response.status == 400, value
        assert "metadata.language" in (await response.json())["error"]


async def test_without_javascript_the_first_answer_is_in_the_page_language(
    client: Client, services: Services
) -> None:
    """The form version: "Commencer" on a Dari page gets the bot's first words in Dari."""
    html = await landing(client, "/q/chat/chat?lang=prs")
    hidden = dict(HIDDEN_RE.findall(html))
    assert hidden["lang"] == "prs"
    page = unescape(await (await client.post("/q/chat/chat", data=hidden)).text())
    assert '<html lang="prs" dir="rtl">' in page
    first = re.search(r'<li class="bot">(.*?)</li>', page)
    assert first
    assert ARABIC_LETTERS.search(first.group(1))
    assert 'name="lang"' not in page  # said once: the conversation has its language now


async def test_the_contract_routes_are_unchanged(client: Client, services: Services) -> None:
    """No header: the landing page is French as before, 200 for a campaign and 404 for an
    unknown code; the public routes under /q/ are the same three."""
    await create_campaign(services.sessions, "FORUM-FR", name="Forum")
    response = await client.get("/q/FORUM-FR")
    assert response.status == 200
    assert '<html lang="fr" dir="ltr">' in await response.text()
    assert "Accept-Language" in response.headers["Vary"]
    assert (await client.get("/q/NOPE")).status == 404
    routes = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/q/")
    }
    assert routes == {
        ("GET", "/q/{code}"),
        ("HEAD", "/q/{code}"),
        ("GET", "/q/{code}/chat"),
        ("HEAD", "/q/{code}/chat"),
        ("POST", "/q/{code}/chat"),
    }
