"""Play the conversation test set through the real REST webhook and judge each answer.

The set (``tests/conversations/*.yml``) is written in young people's register: SMS spelling,
voice-to-text run-ons, typed follow-ups, two topics at once, crises said sideways, everyday
sentences that are not crises. Each turn says what a young person would call a right answer,
in terms they would notice: what the answer says or must not say, whether it is the crisis
answer, whether the team was alerted, whether it is a dead end (the topic menu, "pas
compris"). Nothing here is in ``nlu/data``: the set measures understanding, it does not train.

A case file is a YAML list of cases::

    - id: cej-amount-typed            # unique
      category: follow_up             # the report groups by it
      turns:
        - say: "c koi le cej"
        - say: "c'est payé combien ?"
          expect: {says_any: ["561,68"], understood: true}
        - counsellor: "Bonjour, c'est Julie"   # a counsellor writes from the back office

Checks (all optional, all must hold): ``says`` (every text appears), ``says_any`` (one of
them appears), ``not_says`` (none appears), ``crisis`` (the answer is, or is not, a crisis
text of ``bot/crisis.yml``), ``alert`` (the team has, or has not, an urgent entry for this
young person), ``menu`` (the topic menu is, or is not, offered), ``understood`` (neither the
"pas compris" fallback nor the out-of-scope answer), ``silent`` (no answer at all),
``first_number`` (the first phone number the answer gives), ``lead`` (a request with
consent is in the queue). Texts are compared without case, accents or repeated spaces.

:func:`run_set` starts the real web application on a loopback port with a fresh SQLite
database, adds the places the team would list in the back office, and plays every case.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from outreach_bot.app import create_web_app, open_services
from outreach_bot.config import Settings
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, Lead

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REST_PATH = "/webhooks/rest/webhook"
MENU_PAYLOADS = frozenset(
    {"/find_job", "/find_training", "/apprenticeship", "/cej", "/financial_aid", "/housing"}
)
#: Phone numbers a crisis or practical answer may give, longest first so "116 006" wins
#: over "11" and "3114" over "311"; "18 ans", "Under 18", "from age 18", "9h" or "561,68 €"
#: are not phone numbers.
PHONE_RE = re.compile(
    r"(?<![\d,.])(?<![Uu]nder )(?<!age )(0 ?800(?: ?\d\d\d){2}|0 ?800(?: ?\d\d){3}|116 ?006"
    r"|116 ?111|3114|3919|3018|3039|112|114|115|119|15|17|18)(?!\d|,\d| ?(?:ans|an|h|%|€)\b)"
)
CHECKS = frozenset(
    {
        "says",
        "says_any",
        "not_says",
        "crisis",
        "alert",
        "menu",
        "understood",
        "silent",
        "first_number",
        "lead",
        "says_in_order",
    }
)


def folded(text: str) -> str:
    """Lowercase, no accents, one space: how expected and actual texts are compared."""
    bare = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    bare = "".join(char for char in bare if not unicodedata.combining(char))
    return " ".join(bare.replace("\u00a0", " ").replace("\u202f", " ").split())


@dataclass(frozen=True)
class Turn:
    """One message of the young person (``say``) or of a counsellor, and what must follow."""

    say: str | None = None
    counsellor: str | None = None
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One conversation of the set."""

    id: str
    category: str
    turns: tuple[Turn, ...]
    note: str = ""


@dataclass
class Result:
    """How one case went: the first failed check, if any, with what the bot said."""

    case: Case
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every turn's every check held."""
        return not self.failures


#: Turns that many cases start with, named so that a case says ``- prelude: lead``.
PRELUDES: dict[str, tuple[dict[str, Any], ...]] = {
    # A request for a counsellor, filled in as quickly as a young person would.
    "lead": (
        {"say": "je voudrais parler a un conseiller"},
        {"say": "oui"},
        {"say": "19"},
        {"say": "Léo"},
        {"say": "06 12 34 56 78"},
        {"say": "Verdun"},
        {"say": "un taf"},
        {"say": "peu importe"},
        {"say": "oui", "expect": {"lead": True}},
    ),
    # The same, stopped at the recap ("Je récapitule... C'est bon ?").
    "lead_until_recap": (
        {"say": "je voudrais parler a un conseiller"},
        {"say": "oui"},
        {"say": "19"},
        {"say": "Léo"},
        {"say": "06 12 34 56 78"},
        {"say": "Verdun"},
        {"say": "un taf"},
        {"say": "peu importe", "expect": {"says": ["Je récapitule"]}},
    ),
}


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Read and check every case file; a typo in a check name fails loudly."""
    cases: list[Case] = []
    for path in sorted(paths):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            turns = []
            steps: list[dict[str, Any]] = []
            for step in raw["turns"]:
                steps.extend(PRELUDES[step["prelude"]] if "prelude" in step else [step])
            for step in steps:
                unknown = set(step.get("expect", {})) - CHECKS
                if unknown:
                    raise ValueError(f"{path.name}:{raw['id']}: unknown checks {sorted(unknown)}")
                turns.append(Turn(step.get("say"), step.get("counsellor"), step.get("expect", {})))
            cases.append(Case(raw["id"], raw["category"], tuple(turns), raw.get("note", "")))
    ids = [case.id for case in cases]
    duplicates = {name for name in ids if ids.count(name) > 1}
    if duplicates:
        raise ValueError(f"case ids repeat: {sorted(duplicates)}")
    return cases


class Judge:
    """Knows the texts that make an answer a crisis answer or a dead end, from ``bot/``."""

    def __init__(self, services: Services) -> None:
        content = services.content
        crisis = content.crisis
        texts = [kind.text for kind in crisis.kinds.values()] + [crisis.after, crisis.team_told]
        self.crisis_texts = [folded(text) for localized in texts for text in localized.values()]
        self.fallback = folded(content.message("fallback", "fr"))
        out_of_scope = content.answer("out_of_scope")
        self.out_of_scope = folded(out_of_scope.text.fr) if out_of_scope else "\x00"

    def is_crisis(self, texts: Sequence[str]) -> bool:
        """Whether one of the answer's messages is one of the crisis texts."""
        said = [folded(text) for text in texts]
        return any(known and known in text for text in said for known in self.crisis_texts)


async def _leads_of(services: Services, sender: str) -> list[Lead]:
    sender_hash = current_cipher().lookup_hash(f"rest:{sender}")
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Lead)
            .join(Conversation, Lead.conversation_id == Conversation.id)
            .where(Conversation.channel == "rest", Conversation.sender_hash == sender_hash)
        )
        return list(rows)


async def _counsellor_writes(services: Services, sender: str, text: str, account: Any) -> None:
    from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
    from outreach_bot.core.leads import queue as leads

    found = await _leads_of(services, sender)
    if not found:
        raise AssertionError("a counsellor can only write once there is a lead")
    await leads.send_counsellor_reply(
        services.sessions,
        account,
        found[-1].id,
        text,
        form_key=f"harness-{sender}-{len(text)}-{id(text)}",
        takeover_hours=services.settings.takeover_timeout_hours,
        queued_channels=QUEUED_CHANNELS,
        policies=services.send_policies,
        events=services.events,
    )


@dataclass(frozen=True)
class Stage:
    """The running bot the cases are played against."""

    http: aiohttp.ClientSession
    base_url: str
    services: Services
    judge: Judge
    account: Any


async def play(case: Case, stage: Stage) -> Result:
    """Play one case over HTTP; stop at its first failed turn."""
    result = Result(case)
    sender = f"set-{case.id}"
    for number, turn in enumerate(case.turns, start=1):
        if turn.counsellor is not None:
            await _counsellor_writes(stage.services, sender, turn.counsellor, stage.account)
            continue
        async with stage.http.post(
            stage.base_url + REST_PATH, json={"sender": sender, "message": turn.say}
        ) as response:
            if response.status != 200:
                result.failures.append(f"turn {number}: HTTP {response.status}")
                return result
            replies = await response.json()
        problems = await _judge_turn(turn.expect, replies, stage.services, stage.judge, sender)
        if problems:
            said = " | ".join(item.get("text", "") for item in replies)
            result.failures.append(f"turn {number} {turn.say!r}: {'; '.join(problems)}")
            result.failures.append(f"    bot: {said[:400]}")
            return result
    return result


async def _judge_turn(
    expect: dict[str, Any],
    replies: list[dict[str, Any]],
    services: Services,
    judge: Judge,
    sender: str,
) -> list[str]:
    texts = [str(item.get("text", "")) for item in replies]
    # What the young person sees: the messages and the buttons under them.
    titles = [button["title"] for item in replies for button in item.get("buttons", [])]
    said = folded("\n".join(texts + titles))
    payloads = {button["payload"] for item in replies for button in item.get("buttons", [])}
    problems: list[str] = []
    for wanted in expect.get("says", []):
        if folded(wanted) not in said:
            problems.append(f"should say {wanted!r}")
    if "says_any" in expect and not any(folded(w) in said for w in expect["says_any"]):
        problems.append(f"should say one of {expect['says_any']!r}")
    for unwanted in expect.get("not_says", []):
        if folded(unwanted) in said:
            problems.append(f"should not say {unwanted!r}")
    if "crisis" in expect and judge.is_crisis(texts) != expect["crisis"]:
        problems.append("should be the crisis answer" if expect["crisis"] else "false alarm")
    if "menu" in expect:
        menu = len(payloads & MENU_PAYLOADS) >= 4
        if menu != expect["menu"]:
            problems.append("should offer the topic menu" if expect["menu"] else "dead end: menu")
    if expect.get("understood") and (judge.fallback in said or judge.out_of_scope in said):
        problems.append("not understood")
    if "silent" in expect and (not replies) != expect["silent"]:
        problems.append("should stay silent" if expect["silent"] else "should answer")
    if "says_in_order" in expect:
        places = [said.find(folded(wanted)) for wanted in expect["says_in_order"]]
        if -1 in places or places != sorted(places):
            problems.append(f"should say in this order {expect['says_in_order']!r}")
    if "first_number" in expect:
        numbers = PHONE_RE.findall("\n".join(texts))
        first = numbers[0].replace(" ", "") if numbers else None
        wanted = expect["first_number"]
        allowed = [
            str(n).replace(" ", "") for n in (wanted if isinstance(wanted, list) else [wanted])
        ]
        if first not in allowed:
            problems.append(f"first number {first} instead of {wanted}")
    if "alert" in expect or "lead" in expect:
        leads = await _leads_of(services, sender)
        urgent = any(lead.urgent for lead in leads)
        if "alert" in expect and urgent != expect["alert"]:
            problems.append("team should be alerted" if expect["alert"] else "false alert")
        consented = any(lead.consent_id is not None for lead in leads)
        if "lead" in expect and consented != expect["lead"]:
            problems.append("should be in the queue" if expect["lead"] else "unwanted lead")
    return problems


#: What the team lists under "Lieux et permanences": invented test places, not facts.
PLACES: tuple[dict[str, Any], ...] = (
    {
        "kind": "office",
        "name": "Mission Locale du Nord Meusien",
        "commune": "Verdun",
        "address": "12 rue de l'Exemple",
        "hours": "lun.-ven. 9h-12h, 14h-17h",
        "phone": "03 29 00 00 00",
        "walk_in": "yes",
        "weekly": {
            "mon": "9h-12h, 14h-17h",
            "tue": "9h-12h, 14h-17h",
            "wed": "9h-12h, 14h-17h",
            "thu": "9h-12h, 14h-17h",
            "fri": "9h-12h",
        },
    },
    {
        "kind": "office",
        "name": "Antenne de Stenay",
        "commune": "Stenay",
        "address": "3 place de l'Exemple",
        "hours": "mar. et jeu. 9h-12h",
        "phone": "03 29 00 00 01",
        "walk_in": "no",
        "weekly": {"tue": "9h-12h", "thu": "9h-12h"},
    },
    {
        "kind": "permanence",
        "name": "Permanence MiloMouv'",
        "commune": "Montmédy",
        "address": "salle des fêtes",
        "hours": "14h-17h",
        "days_ahead": 3,
    },
)


async def add_places(services: Services, today: date) -> None:
    """Add the test places with every field the back office form has today."""
    from outreach_bot.core.outreach import places

    known = {f.name for f in dataclasses.fields(places.PlaceForm)}
    for spec in PLACES:
        values = {key: value for key, value in spec.items() if key in known}
        if "days_ahead" in spec:
            values["held_on"] = (today + timedelta(days=spec["days_ahead"])).isoformat()
        for key in ("phone", "walk_in"):
            if key in values:
                values[key] = str(values[key])
        await places.add_place(services.sessions, places.PlaceForm(**values), by=None)


async def run_set(
    cases: Sequence[Case],
    *,
    workdir: Path,
    nlu: NluBackend | None = None,
    concurrency: int = 4,
) -> list[Result]:
    """Start the real app on loopback with a fresh database, play every case, stop."""
    from outreach_bot.core.staff.accounts import add_user, load_account

    settings = Settings(
        var_dir=workdir / "var",
        database_url=f"sqlite+aiosqlite:///{workdir / 'conversations.db'}",
        content_dir=ROOT / "bot",
        nlu_data=ROOT / "nlu" / "data",
        secret_key="conversation-set-secret",
        rate_limit_sender=0,
        rate_limit_ip=0,
    )
    async with open_services(settings, nlu=nlu, create_schema=True) as services:
        await add_places(services, datetime.now(UTC).date())
        user_id = await add_user(
            services.sessions, "julie@example.org", role="admin", password="conversation-set"
        )
        async with services.sessions() as session:
            account = await load_account(session, user_id)
        judge = Judge(services)
        server = TestServer(create_web_app(services), host="127.0.0.1")
        await server.start_server()
        try:
            base_url = str(server.make_url("")).rstrip("/")
            limit = asyncio.Semaphore(concurrency)
            async with aiohttp.ClientSession() as http:
                stage = Stage(http, base_url, services, judge, account)

                async def one(case: Case) -> Result:
                    async with limit:
                        return await play(case, stage)

                return list(await asyncio.gather(*(one(case) for case in cases)))
        finally:
            await server.close()


def report(results: Sequence[Result]) -> str:
    """The pass rate per category and overall, as a Markdown table."""
    categories = sorted({result.case.category for result in results})
    lines = ["| category | passed | cases | pass rate |", "|---|---|---|---|"]
    for category in categories:
        mine = [result for result in results if result.case.category == category]
        passed = sum(result.passed for result in mine)
        lines.append(f"| {category} | {passed} | {len(mine)} | {passed / len(mine):.0%} |")
    passed = sum(result.passed for result in results)
    total = len(results)
    lines.append(f"| **all** | {passed} | {total} | {passed / max(1, total):.0%} |")
    return "\n".join(lines)
