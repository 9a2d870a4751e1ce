"""The public QR landing page ``/q/{code}`` and its web chat, with and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, inspect, select, text

from outreach_bot.app import create_web_app, open_services
from outreach_bot.content import ContentError
from outreach_bot.core.outreach.campaigns import archive_campaign, create_campaign
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import (
    Author,
    Campaign,
    CampaignScan,
    Conversation,
    Direction,
    Lead,
    Message,
)
from tests.channels.rest.test_conversation import run_full_lead
from tests.conftest import make_settings, serve
from tests.factories import RestChat, edited_content

BOT = "MissionLocaleTestBot"
NUMBER = "+33639980000"
HIDDEN_RE = re.compile(r'name="(sender|started)" value="([^"]*)"')

Client = TestClient[web.Request, web.Application]


@pytest.fixture(name="configured")
async def _configured(
    tmp_path: Path, embedded_nlu: NluBackend
) -> AsyncIterator[tuple[Services, Client]]:
    """Services with an SMS number and a Telegram bot name, and a client on them."""
    settings = make_settings(tmp_path, telegram_bot_username=f"@{BOT}", sms_number=NUMBER)
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        yield services, client


async def scan_count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count(CampaignScan.id))) or 0)


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


async def test_landing_page_offers_chat_telegram_and_sms_without_javascript(
    configured: tuple[Services, Client],
) -> None:
    """Scanning shows three plain links, each carrying the campaign code, and counts the scan."""
    services, client = configured
    await create_campaign(services.sessions, "FORUM-VERDUN", name="Forum emploi Verdun")
    response = await client.get("/q/forum-verdun")
    assert response.status == 200
    html = await response.text()
    assert "<script" not in html
    assert 'rel="stylesheet"' not in html
    assert len(html.encode()) < 8000
    assert {"/q/FORUM-VERDUN/chat?lang=fr", f"https://t.me/{BOT}?start=FORUM-VERDUN"} <= set(
        links(html)
    )
    assert f"sms:{NUMBER}?body=FORUM-VERDUN" in links(html)
    for label in ("Discuter ici", "Ouvrir dans Telegram", "Envoyer un SMS"):
        assert label in html
    assert "06 39 98 00 00" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert await scan_count(services) == 1


async def test_scans_store_neither_address_nor_browser(
    configured: tuple[Services, Client],
) -> None:
    """A scan row holds a campaign and a time only; the user agent is nowhere in the database."""
    services, client = configured
    await create_campaign(services.sessions, "FORUM-UA", name="Forum")
    agent = "Mozilla/5.0 (TestPhone; Unique-Agent-4242)"
    response = await client.get(
        "/q/FORUM-UA", headers={"User-Agent": agent, "X-Forwarded-For": "203.0.113.77"}
    )
    assert response.status == 200
    columns = {column.key for column in inspect(CampaignScan).columns}
    assert columns == {"id", "campaign_id", "at"}
    path = Path(services.settings.effective_database_url.split("///", 1)[1])
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"Unique-Agent-4242" not in raw
    assert b"203.0.113.77" not in raw


@pytest.mark.parametrize(
    "headers",
    [{"Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"X-Purpose": "preview"}],
)
async def test_prefetches_and_link_previews_are_not_scans(
    configured: tuple[Services, Client], headers: dict[str, str]
) -> None:
    """A browser prefetch or a messaging app preview shows the page without counting it."""
    services, client = configured
    await create_campaign(services.sessions, "FORUM-P", name="Forum")
    response = await client.get("/q/FORUM-P", headers=headers)
    assert response.status == 200
    assert (await client.head("/q/FORUM-P")).status == 200
    assert await scan_count(services) == 0


@pytest.mark.parametrize("code", ["INCONNU", "💥", "forum verdun", "A" * 500, "<script>"])
async def test_unknown_or_malformed_codes_still_let_them_talk(
    configured: tuple[Services, Client], code: str
) -> None:
    """A bad code gets a friendly 404 page with working links and no campaign in them."""
    services, client = configured
    response = await client.get(f"/q/{code}")
    assert response.status == 404
    html = await response.text()
    assert "tu peux quand même nous écrire" in html
    assert "<script>" not in html
    found = links(html)
    assert "/q/chat/chat?lang=fr" in found
    assert f"https://t.me/{BOT}" in found
    assert f"sms:{NUMBER}" in found
    assert await scan_count(services) == 0


async def test_an_archived_campaign_says_it_is_over_and_keeps_its_code(
    configured: tuple[Services, Client],
) -> None:
    """After the event, the page says so, still counts the scan, and still attributes."""
    services, client = configured
    await create_campaign(services.sessions, "FETE-SPORT", name="Fête du sport")
    await archive_campaign(services.sessions, "FETE-SPORT")
    response = await client.get("/q/FETE-SPORT")
    assert response.status == 200
    html = await response.text()
    assert "est terminé" in html
    assert "Fête du sport" in html
    assert f"https://t.me/{BOT}?start=FETE-SPORT" in links(html)
    assert await scan_count(services) == 1


async def test_without_telegram_or_sms_configured_only_the_chat_is_offered(
    client: Client, services: Services
) -> None:
    """A fresh install with no channels configured shows just "Discuter ici"."""
    await create_campaign(services.sessions, "FORUM-Z", name="Forum")
    html = await (await client.get("/q/FORUM-Z")).text()
    assert "Discuter ici" in html
    assert "t.me" not in html
    assert "sms:" not in html


async def test_the_pages_say_what_bot_messages_say_and_escape_it(
    tmp_path: Path, embedded_nlu: NluBackend
) -> None:
    """A reviewer's edit to bot/messages.yml shows on both pages; names and texts stay escaped."""
    content_dir = edited_content(
        tmp_path,
        {
            "landing_hello": "Coucou !",
            "landing_archived": "Fini, l'événement {campaign} !",
            "landing_sms_code": "texte {code} au {number}",
            "webchat_send": "Go <b>",
            "webchat_not_sent": "Raté, réessaie.",
        },
    )
    settings = make_settings(tmp_path, content_dir=content_dir, sms_number=NUMBER)
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        await create_campaign(services.sessions, "FETE-SPORT", name="Fête <i>du</i> sport")
        await archive_campaign(services.sessions, "FETE-SPORT")
        landing = await (await client.get("/q/FETE-SPORT")).text()
        chat = await (await client.get("/q/FETE-SPORT/chat")).text()
    assert "<h1>Coucou\u00a0!</h1>" in landing
    assert "Salut" not in landing
    assert "Fini, l&#39;événement <bdi>Fête &lt;i&gt;du&lt;/i&gt; sport</bdi>\u00a0!" in landing
    assert "<i>" not in landing
    number = '<bdi class="nowrap" dir="ltr">06 39 98 00 00</bdi>'
    assert f'texte <bdi dir="ltr">FETE-SPORT</bdi> au {number}' in landing
    assert 'data-send="Go &lt;b&gt;"' in chat
    assert 'data-not-sent="Raté, réessaie."' in chat
    assert "<b>" not in chat


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"landing_hello": None}, "missing message 'landing_hello'"),
        ({"webchat_not_sent": None}, "missing message 'webchat_not_sent'"),
        ({"poster_sms": None}, "missing message 'poster_sms'"),
        (
            {"landing_sms_code": "envoie {code} au {numero}"},
            "landing_sms_code.fr uses unknown ['numero']; "
            "landing_sms_code.fr leaves out ['number']",
        ),
        ({"poster_sms": "Par SMS : envoie {code}"}, "poster_sms.fr leaves out ['number']"),
    ],
)
async def test_a_missing_page_or_poster_text_stops_start_up(
    tmp_path: Path, embedded_nlu: NluBackend, change: dict[str, str | None], problem: str
) -> None:
    """The web app is not built with a hole in its texts; the error names the file and key."""
    settings = make_settings(tmp_path, content_dir=edited_content(tmp_path, change))
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        with pytest.raises(ContentError) as caught:
            create_web_app(services)
    assert str(caught.value) == f"bot/languages/*/messages.yml: {problem}"


async def test_chat_page_loads_its_own_script_and_starts_nothing(
    client: Client, services: Services
) -> None:
    """Opening the chat page serves vendored assets and creates no conversation by itself."""
    await create_campaign(services.sessions, "FORUM-C", name="Forum")
    response = await client.get("/q/FORUM-C/chat")
    assert response.status == 200
    html = await response.text()
    assert 'data-start="FORUM-C"' in html
    assert 'src="/webchat/chat.js"' in html
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html))
    for asset, kind in (("chat.js", "javascript"), ("chat.css", "css")):
        served = await client.get(f"/webchat/{asset}")
        assert served.status == 200
        assert kind in served.headers["Content-Type"]
    assert (await client.get("/webchat/landing.html")).status == 404
    assert (await client.get("/webchat/..%2F..%2Fapp.py")).status == 404
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Conversation.id))) == 0


async def test_the_first_screen_needs_one_request_and_comes_compressed(
    client: Client, services: Services
) -> None:
    """On a slow phone the chat paints from the page alone (its CSS is inline, a "bot is
    writing" bubble is already there) and the pages and the script come gzipped; a
    conversation's page (a form post) is never compressed, and a client that does not ask
    for gzip gets plain bytes."""
    await create_campaign(services.sessions, "FORUM-GZ", name="Forum")
    gzip = {"Accept-Encoding": "gzip"}
    page = await client.get("/q/FORUM-GZ/chat", headers=gzip)
    html = await page.text()
    assert page.headers["Content-Encoding"] == "gzip"
    assert 'rel="stylesheet"' not in html
    assert ".log li" in html.split("</style>")[0]
    assert 'class="typing pending"' in html
    landing = await client.get("/q/FORUM-GZ", headers=gzip)
    assert landing.headers["Content-Encoding"] == "gzip"
    script = await client.get("/webchat/chat.js", headers=gzip)
    assert script.headers["Content-Encoding"] == "gzip"
    assert script.headers["Vary"] == "Accept-Encoding"
    assert "localStorage" in await script.text()
    plain = await client.get("/webchat/chat.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert await plain.text() == await script.text()
    sender = HIDDEN_RE.findall(html)[0][1]
    posted = await client.post(
        "/q/FORUM-GZ/chat",
        data={"sender": sender, "started": "0", "message": ""},
        headers=gzip,
    )
    assert posted.status == 200
    assert "Content-Encoding" not in posted.headers


async def test_the_chat_works_as_a_plain_form_without_javascript(
    client: Client, services: Services
) -> None:
    """Without JavaScript: start, answer with a button, type a message, all attributed."""
    campaign = await create_campaign(services.sessions, "FORUM-NJ", name="Forum")
    html = await (await client.get("/q/FORUM-NJ/chat")).text()
    hidden = dict(HIDDEN_RE.findall(html))
    assert hidden["started"] == "0"
    started = await client.post("/q/FORUM-NJ/chat", data={**hidden, "message": ""})
    assert started.status == 200
    page = await started.text()
    assert "bot" in page.lower()
    hidden = dict(HIDDEN_RE.findall(page))
    assert hidden["started"] == "1"
    payloads = re.findall(r'name="payload" value="([^"]+)"', page)
    assert payloads
    typed = await client.post(
        "/q/FORUM-NJ/chat", data={**hidden, "message": "je cherche du boulot"}
    )
    assert "je cherche du boulot" in await typed.text()
    async with services.sessions() as session:
        conversations = list(await session.scalars(select(Conversation)))
    assert len(conversations) == 1
    assert conversations[0].channel == "rest"
    assert conversations[0].campaign_id == campaign.id


async def test_a_forged_sender_in_the_form_gets_a_fresh_conversation(
    client: Client, services: Services
) -> None:
    """A sender field that is not ours is replaced, never trusted or echoed."""
    response = await client.post(
        "/q/chat/chat", data={"sender": "young-1\x00<b>", "started": "1", "message": "salut"}
    )
    assert response.status == 200
    hidden = dict(HIDDEN_RE.findall(await response.text()))
    assert re.fullmatch(r"web-[A-Za-z0-9_-]{24}", hidden["sender"])


async def test_a_lead_from_the_web_chat_survives_its_campaign_being_deleted(
    client: Client, services: Services
) -> None:
    """Deleting the campaign row keeps the lead and the conversation, just without campaign."""
    campaign = await create_campaign(services.sessions, "FORUM-DEL", name="Forum")
    chat = RestChat(client, sender="web-0123456789abcdef0123")
    await chat.say("/start FORUM-DEL")
    await run_full_lead(chat)
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    assert lead.campaign_id == campaign.id
    async with services.sessions.begin() as session:
        await session.delete(await session.get(Campaign, campaign.id))
    await chat.say("merci")
    assert chat.last
    async with services.sessions() as session:
        kept = await session.scalar(select(Lead))
    assert kept is not None
    assert (kept.id, kept.campaign_id, kept.first_name) == (lead.id, None, "Léa")
    assert (await client.get("/q/FORUM-DEL")).status == 404


@pytest.mark.browser
async def test_the_web_chat_script_talks_to_the_bot_in_a_real_browser(
    client: Client, services: Services, chromium: Any
) -> None:
    """Headless Chromium: tap "Discuter ici", get the greeting, type, get an answer."""
    campaign = await create_campaign(services.sessions, "FORUM-JS", name="Forum")
    page = await chromium.new_page(locale="fr-FR")
    await page.goto(str(client.make_url("/q/FORUM-JS")))
    await page.click("text=Discuter ici")
    await page.wait_for_selector("#log li.bot")
    assert "bot" in (await page.inner_text("#log li.bot")).lower()
    await page.fill("#message", "je cherche du boulot")
    await page.press("#message", "Enter")
    # A locator, not wait_for_function: the page's CSP forbids the eval it would need.
    await page.locator("#log li.bot").nth(1).wait_for()
    assert await page.inner_text("#log li.me") == "je cherche du boulot"
    await page.reload()
    await page.wait_for_selector("#log li.me")
    async with services.sessions.begin() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        session.add(
            Message(
                conversation_id=conversation.id,
                direction=Direction.OUTBOUND,
                author=Author.COUNSELLOR,
                text="Bonjour, ici Léa, conseillère. Je peux t'appeler demain ?",
            )
        )
    await page.wait_for_selector("#log li.human", timeout=12_000)
    assert "Léa" in await page.inner_text("#log li.human")
    async with services.sessions() as session:
        conversations = list(await session.scalars(select(Conversation)))
    assert [c.campaign_id for c in conversations] == [campaign.id]


async def test_without_javascript_crisis_numbers_are_links(client: Client) -> None:
    """The plain form shows each crisis number as a tel:/sms: link, the team as a button."""
    started = await client.post("/q/chat/chat", data={"sender": "", "started": "0"})
    hidden = dict(HIDDEN_RE.findall(await started.text()))
    page = await (
        await client.post("/q/chat/chat", data={**hidden, "message": "je veux mourir"})
    ).text()
    assert [href for href in links(page) if ":" in href[:4]] == ["tel:3114", "tel:112"]
    assert 'name="payload" value="/ask_human"' in page


async def test_without_javascript_an_erasure_empties_the_page_and_the_sender(
    client: Client,
) -> None:
    """After SUPPRIMER is confirmed the form page shows only the confirmation, a new sender."""
    started = await client.post("/q/chat/chat", data={"sender": "", "started": "0"})
    hidden = dict(HIDDEN_RE.findall(await started.text()))
    await client.post("/q/chat/chat", data={**hidden, "message": "je cherche du boulot"})
    await client.post("/q/chat/chat", data={**hidden, "message": "SUPPRIMER"})
    page = await (await client.post("/q/chat/chat", data={**hidden, "payload": "/affirm"})).text()
    assert "tout est effacé" in page
    assert "boulot" not in page
    assert dict(HIDDEN_RE.findall(page))["sender"] != hidden["sender"]


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/q/forum"), ("GET", "/q/forum/chat"), ("POST", "/q/forum/chat")]
)
async def test_during_a_database_outage_a_browser_gets_a_page_and_a_client_json(
    client: Client, services: Services, method: str, path: str
) -> None:
    """The database down: the person who scanned reads a sentence with a link to try again
    (503, in French, no JSON); the widget and API clients still get their JSON 503."""
    async with services.db.begin() as connection:
        await connection.execute(text("ALTER TABLE campaigns RENAME TO campaigns_away"))
    page = await client.request(method, path, headers={"Accept": BROWSER})
    assert page.status == 503
    assert page.content_type == "text/html"
    assert page.headers["Retry-After"] == "30"
    html = unescape(await page.text())
    assert "Réessaie dans quelques minutes" in html
    assert f'href="{path}"' in html
    api = await client.request(method, path, headers={"Accept": "application/json"})
    assert api.status == 503
    assert "error" in await api.json()


async def test_a_chat_form_that_cannot_be_read_gets_a_page_in_a_browser(client: Client) -> None:
    """The no-JavaScript chat's form cut in transit: a 400 page saying to reload."""
    response = await client.post(
        "/q/forum/chat",
        data=b"message=caf\xe9",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": BROWSER},
    )
    assert response.status == 400
    assert "Recharge la page et réessaie" in unescape(await response.text())
