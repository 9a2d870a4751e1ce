"""Every back-office page speaks French: no stored code reaches what staff read.

The crawl signs in as each role, follows every link of the back office over real HTTP (demo
data plus the cases the demo lacks: a Telegram ``/start CODE``, an urgent lead, a housing
topic, audit lines of every kind) and reads the visible text of each page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Final
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import AuditEntry, Lead, LocalPlace, Message, UnderstoodGap
from outreach_bot.web.admin.labels import AUDIT_ACTIONS, AUDIT_TARGETS, EVENT_LABELS
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser, Staff, make_lead

SRC: Final = Path(__file__).resolve().parents[3] / "src" / "outreach_bot"
FUNDER_EMAIL: Final = "financeur@example.org"
CODES: Final = re.compile(
    r"\b[a-z]+_[a-z_]+\b"  # find_job, not_interested, account_disable, sexual_violence…
    r"|\b(?:crisis|apprenticeship|cej|housing|mobility|health|greet|goodbye|thanks|affirm|deny"
    r"|telegram|sms|whatsapp|rest|rasa"  # channels
    r"|new|claimed|contacted|appointment|mobilised|unreachable|closed"  # lead statuses
    r"|counsellor|coordinator|outreach|funder|reassigned|referral"
    r"|view|claim|status|reply|erase|dismiss|unlabel|medical|gentle|shelter)\b"
    r"|/start\b|/\w+\{|/(?:affirm|deny|skip)\b"  # button payloads
    r"|\b(?:answers|messages|crisis|privacy)\.\w"  # keys of the texts
)
"""Codes stored in the database or the content, in the form they are stored."""
NOT_TEXT: Final = re.compile(
    r"\S+@\S+|https?://\S+|(?:[\w-]+\.)+(?:fr|org|com|me)\S*|\{\w+\}|\bOUTREACH_\w+"
)
"""E-mail and web addresses, a text's ``{fields}`` and setting names: they are what they are."""
SKIPPED: Final = re.compile(r"\.(csv|pdf|png|svg|json|yml|zip)$|/static/|/logout|/export")
MAX_PAGES: Final = 120


class VisibleText(HTMLParser):
    """The text a person reads: no scripts, styles or attribute values, and no command
    lines (``<code>``: a command to type is what it is).

    Nor the texts under review on the "Textes" pages (in text boxes, or marked with a
    language other than French): they are the bot's words in each language, not the page's.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hiding: str | None = None  # the tag whose content is skipped
        self._depth = 0  # how many of that tag are open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hiding == tag:
            self._depth += 1
        elif self._hiding is None and (
            tag in {"script", "style", "template", "textarea", "code"}
            or dict(attrs).get("lang") not in {None, "fr"}
        ):
            self._hiding, self._depth = tag, 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._hiding:
            self._depth -= 1
            if not self._depth:
                self._hiding = None

    def handle_data(self, data: str) -> None:
        if self._hiding is None:
            self.parts.append(data)


async def _add_cases_the_demo_lacks(services: Services, staff: Staff) -> None:
    await seed_demo(services.sessions, consent_version="2024-06")
    telegram = await make_lead(
        services,
        first_name="Yasmine",
        channel="telegram",
        messages=("/start DEMO-FORUM-VERDUN", "/find_job", "jcherche 1 taf sur verdun 🙏"),
    )
    urgent = await make_lead(
        services, first_name="", urgent=True, messages=("jsui a la rue ce soir",)
    )
    async with services.sessions.begin() as session:
        lead = await session.get(Lead, telegram.id)
        assert lead is not None
        lead.topic = "housing"
        crisis = await session.get(Lead, urgent.id)
        assert crisis is not None
        crisis.urgency = "shelter_adult"
        session.add(
            Message(
                conversation_id=lead.conversation_id,
                direction="out",
                author="bot",
                text="Regarde sur 1jeune1solution.gouv.fr/emplois 👍",
            )
        )
        session.add(
            LocalPlace(
                kind="office",
                name="Mission Locale",
                commune_insee="55545",
                commune_name="Verdun",
                phone="0329000000",
            )
        )
        session.add(
            UnderstoodGap(text="chui en galer pr 1 apart 😩", guess="housing", confidence=0.3)
        )
        session.add(
            UnderstoodGap(text="jveu bosser mé g pa le permi", guess="mobility", label="find_job")
        )
        targets = {
            "referral": "1",
            "contact_list": "1",
            "partner": "*",
            "partner_service": "2",
            "conversation": str(lead.conversation_id),
            "lead": str(lead.id),
            "user": str(staff.lea),
            "api_token": "1",
        }
        for index, action in enumerate(AUDIT_ACTIONS):
            kind = list(targets)[index % len(targets)]
            session.add(
                AuditEntry(
                    user_id=None if index % 3 else staff.admin,
                    actor=("young_person", "system", "partner_link", "purge")[index % 4],
                    action=action,
                    target_type=kind,
                    target_id=targets[kind],
                    at=datetime.now(UTC),
                )
            )


async def _crawl(browser: Browser) -> dict[str, str]:
    """Every back-office page reachable by links, by path, with its visible text."""
    pages: dict[str, str] = {}
    seen: set[str] = set()
    todo = ["/admin/"]
    shapes: dict[str, int] = {}
    while todo and len(pages) < MAX_PAGES:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        # Three pages of each shape (three leads, three campaigns) are enough.
        shape = re.sub(r"\d+", "N", urlsplit(path).path)
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > 3:
            continue
        response = await browser.get(path, allow_redirects=True)
        if not response.content_type.startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(await response.text())
        pages[path] = " ".join(" ".join(parser.parts).split())
        for href in parser.links:
            target = urljoin(path, href).split("#")[0]
            if target.startswith("/admin") and not SKIPPED.search(urlsplit(target).path):
                todo.append(target)
    return pages


@pytest.mark.parametrize("who", ["admin", "coordinator", "lea", "olga", "funder"])
async def test_no_page_shows_a_stored_code(
    browser: Browser,
    services: Services,
    staff: Staff,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
) -> None:
    await _add_cases_the_demo_lacks(services, staff)
    await add_user(services.sessions, FUNDER_EMAIL, role="funder", password=PASSWORD)
    monkeypatch.setitem(EMAILS, "funder", FUNDER_EMAIL)
    assert (await browser.login(who)).status == 303

    pages = await _crawl(browser)

    assert len(pages) >= (2 if who == "funder" else 5), sorted(pages)
    found = set()
    for path, page_text in pages.items():
        text = NOT_TEXT.sub(" ", page_text)
        for match in CODES.finditer(text):
            found.add(f"{path}: …{text[max(0, match.start() - 40) : match.end() + 40]}…")
    assert not found, "\n".join(sorted(found))


async def test_lead_page_reads_the_start_link_topic_phone_and_sources(
    browser: Browser, services: Services, staff: Staff
) -> None:
    await _add_cases_the_demo_lacks(services, staff)
    assert (await browser.login("admin")).status == 303
    async with services.sessions() as session:
        newest = select(Lead.id).where(Lead.channel == "telegram").order_by(Lead.id.desc())
        lead_id = await session.scalar(newest)

    await browser.post(f"/admin/leads/{lead_id}/next-action", {"on": "2031-03-04"})

    html = await (await browser.get(f"/admin/leads/{lead_id}")).text()

    history = html[html.index('<ul class="history">') :].split("</ul>", 1)[0]
    assert "Prochaine action" in history
    assert "04/03/2031" in history
    assert "2031-03-04" not in history
    assert "a ouvert la conversation par le lien ou le QR code" in html
    assert "Chercher un emploi" in html  # the /find_job button
    assert "06 12 34 56 78" in html
    assert '<a href="https://1jeune1solution.gouv.fr/emplois"' in html
    assert '<ul class="history">' in html


def test_every_audit_action_in_the_code_has_a_french_label() -> None:
    """An audit action added anywhere without its label would show in English in the log."""
    source = _all_source()
    actions = {
        action
        for pattern in (
            r"action=\"([a-z_]+)\"",  # record_access(..., action="view", ...)
            r"_audit(?:_system)?\(\s*session,\s*[^,]+,\s*\"([a-z_]+)\"",  # helpers
            r"\baction = \"([a-z_]+)\"",
            r"\baction = \"[a-z_]+\" if .* else \"([a-z_]+)\"",
        )
        for action in re.findall(pattern, source)
    }
    targets = set(re.findall(r"target_type=\"([a-z_]+)\"", source))

    assert len(actions) > 20, actions
    assert actions - set(AUDIT_ACTIONS) == set()
    assert targets - set(AUDIT_TARGETS) - {"queue", "nlu_gap"} == set()


def test_every_history_event_in_the_code_has_a_french_label() -> None:
    """A lead event written anywhere without its label would show as a code in the history."""
    source = _all_source()
    constants = dict(re.findall(r"^(\w+): Final = \"([a-z_]+)\"", source, re.MULTILINE))
    kinds = set()
    for call in re.findall(r"LeadEvent\((.*?)\)\n", source, re.DOTALL):
        for literal, name in re.findall(r"kind=(?:\"([a-z_]+)\"|([A-Z_]+)\b)", call):
            kinds.add(literal or constants[name])
        kinds |= set(re.findall(r"else \"([a-z_]+)\"", call))

    assert {"claimed", "note", "reengage_exhausted", "false_alarm"} <= kinds, kinds
    assert kinds - set(EVENT_LABELS) == set()


def _all_source() -> str:
    """The code that may write audit lines (the command-line parser's ``action=`` aside)."""
    return "\n".join(
        path.read_text(encoding="utf-8") for path in SRC.rglob("*.py") if path.parent.name != "cli"
    )


async def test_texts_page_heads_each_text_in_french_and_links_its_source(
    browser: Browser, services: Services, staff: Staff
) -> None:
    assert (await browser.login("coordinator")).status == 303
    source = services.content.answers["find_job"].source

    html = await (await browser.get("/admin/texts/en?show=all")).text()

    assert "Réponse · « Chercher un emploi »" in html
    assert 'title="answers.find_job"' in html  # the key, for who needs it, on hover
    assert f'Source : <a href="{source}" target="_blank" rel="noopener noreferrer">' in html
