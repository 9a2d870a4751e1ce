"""The knowledge base in bot/answers.yml: every figure is sourced, every follow-up reviewed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from outreach_bot.content import ContentError, load_content

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"

# Written independently of the loader's own pattern, so a gap in one is caught by the other:
# euro amounts, toll-free and ten-digit numbers, and the short national lines (3018, 115...).
EURO = re.compile(r"\d[\d\u00a0 ]*(?:,\d{2})?\s?€")
TOLL_FREE = re.compile(r"0 800(?: \d{2,3}){2,3}")
SHORT_LINE = re.compile(r"\b(?:116 \d{3}|3\d{3}|11[2-9])\b")


def _entries() -> list[tuple[str, dict]]:
    """Every answer and follow-up of answers.yml as written, with its text in each language
    (``text``: language -> text) and a readable name."""
    raw = yaml.safe_load((BOT / "answers.yml").read_text(encoding="utf-8"))
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(BOT.glob("languages/*/answers.yml")):
        for key, value in yaml.safe_load(path.read_text(encoding="utf-8"))["texts"].items():
            text = value if isinstance(value, str) else value["text"]
            texts.setdefault(key, {})[path.parent.name] = text
    entries = []
    for answer in raw["answers"]:
        entries.append((answer["intent"], {**answer, "text": texts[answer["intent"]]}))
        entries.extend(
            (
                f"{answer['intent']}/{followup['id']}",
                {**followup, "text": texts[f"{answer['intent']}.{followup['id']}"]},
            )
            for followup in answer.get("followups", [])
        )
    return entries


def _numbers(text: str) -> set[str]:
    found = {m.group().strip() for m in EURO.finditer(text)}
    found |= {m.group() for m in TOLL_FREE.finditer(text)}
    return found | {m.group() for m in SHORT_LINE.finditer(text)}


@pytest.mark.parametrize(("name", "entry"), _entries(), ids=[name for name, _ in _entries()])
def test_each_amount_and_phone_number_has_a_sourced_entry(name: str, entry: dict) -> None:
    """Each € amount and phone number a young person reads is declared with where it was
    checked, next to the page it comes from."""
    declared = {figure["value"]: figure["ref"] for figure in entry.get("figures", [])}
    for locale, text in entry["text"].items():
        for number in _numbers(text):
            assert number in declared, f"{name}.{locale}: {number} has no figures entry"
            assert declared[number].strip(), f"{name}: {number} has an empty ref"
    assert entry["source"].startswith("https://")
    assert entry["reviewed"]


def test_the_knowledge_base_has_follow_ups_for_the_topics_young_people_ask_about() -> None:
    """The topics the issue lists each offer follow-up questions, with distinct ids."""
    content = load_content(BOT)
    for intent in (
        "cej",
        "apprenticeship",
        "service_civique",
        "mobility",
        "housing",
        "financial_aid",
        "health",
        "school_dropout",
        "leaving_care",
        "admin_help",
        "mission_locale_info",
    ):
        followups = content.answers[intent].followups
        assert followups, intent
        assert len({f.id for f in followups}) == len(followups)
        assert all(len(f.question.fr) <= 30 for f in followups), "buttons stay short"


def test_service_public_links_point_to_the_gouv_domain() -> None:
    """service-public.fr moved to service-public.gouv.fr in October 2025."""
    text = (BOT / "answers.yml").read_text(encoding="utf-8")
    assert "service-public.fr" not in text
    assert "service-public.gouv.fr" in text


def test_housing_answer_does_not_cite_the_emergency_numbers_page() -> None:
    """The housing answer and its follow-ups cite housing pages, not the page of 112/115."""
    housing = load_content(BOT).answers["housing"]
    sources = [housing.source, *(f.source for f in housing.followups)]
    assert not any("F33954" in source for source in sources)


def test_under_15_are_not_sent_to_the_mission_locale() -> None:
    """The Mission Locale serves 16-25: the under-15 text sends them elsewhere."""
    under_15 = load_content(BOT).privacy.under_15
    assert "avec un parent" not in under_15.fr
    assert "16 ans" in under_15.fr


@pytest.fixture(name="bot_copy")
def _bot_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "bot"
    shutil.copytree(BOT, copy)
    return copy


def test_an_unsourced_figure_stops_start_up(bot_copy: Path) -> None:
    """A follow-up that states an amount without its figures entry stops the bot at start-up."""
    answers = bot_copy / "languages" / "fr" / "answers.yml"
    raw = yaml.safe_load(answers.read_text(encoding="utf-8"))
    raw["texts"]["cej.amount"] += " Et une prime de 42 €."
    answers.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="42 €"):
        load_content(bot_copy)


def test_a_follow_up_without_a_source_stops_start_up(bot_copy: Path) -> None:
    """Every follow-up names its source page, like the answers."""
    answers = bot_copy / "answers.yml"
    raw = yaml.safe_load(answers.read_text(encoding="utf-8"))
    del raw["answers"][2]["followups"][0]["source"]
    answers.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="source"):
        load_content(bot_copy)


def test_an_unknown_kind_of_question_stops_start_up(bot_copy: Path) -> None:
    """A follow-up's ``asks`` names kinds the dialogue knows; a typo stops start-up."""
    answers = bot_copy / "answers.yml"
    raw = yaml.safe_load(answers.read_text(encoding="utf-8"))
    cej = next(answer for answer in raw["answers"] if answer["intent"] == "cej")
    cej["followups"][0]["asks"] = ["how_mutch"]
    answers.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="asks"):
        load_content(bot_copy)


def test_the_questions_young_people_ask_next_have_an_answer_of_their_kind() -> None:
    """How much, who and how long have a follow-up in the topics they are asked about most."""
    answers = load_content(BOT).answers
    wanted = {
        "cej": {"pay", "who", "how_long", "rules"},
        "apprenticeship": {"pay", "who", "how_to"},
        "find_job": {"pay"},
        "mobility": {"who", "cost"},
        "service_civique": {"how_long", "how_to"},
        "mission_locale_info": {"where", "when", "who", "cost"},
    }
    for intent, kinds in wanted.items():
        declared = {kind for followup in answers[intent].followups for kind in followup.asks}
        assert kinds <= declared, intent
    assert all(answer.names for name, answer in answers.items() if answer.followups), "names"
