"""The conversation test set, played through the real REST webhook, must not slip back.

The whole set's pass rate per category is printed by ``benchmarks/conversations.py``; here
the categories the bot gets entirely right must stay entirely right.
"""

from __future__ import annotations

from pathlib import Path

from outreach_bot.nlu.base import NluBackend
from tests.conversations.harness import HERE, load_cases, run_set

#: Categories where every case passes; a case that fails here is a regression.
GREEN: frozenset[str] = frozenset(
    {
        "communes",
        "crisis_kind",
        "crisis_sideways",
        "crisis_sideways_2",
        "crisis_sideways_3",
        "crisis_sideways_4",
        "crisis_sideways_5",
        "easy_french",
        "emoji",
        "emoji_2",
        "follow_up",
        "follow_up_2",
        "follow_up_3",
        "form",
        "job_words",
        "keyboard",
        "keyboard_2",
        "life_event",
        "life_event_2",
        "newcomer_latin",
        "not_a_command",
        "not_crisis",
        "not_crisis_2",
        "not_crisis_3",
        "not_crisis_4",
        "not_crisis_5",
        "places",
        "register",
        "relative",
        "relative_2",
        "relative_3",
        "repetition",
        "school_pupil",
        "school_pupil_2",
        "small_talk",
        "sms_typos",
        "takeover",
        "town_named",
        "town_named_2",
        "town_no_alarm",
        "town_offered",
        "two_needs",
        "two_topics",
        "voice",
        "voice_2",
        "volunteered_number",
        "volunteered_number_2",
    }
)


async def test_green_categories_stay_green(tmp_path: Path, embedded_nlu: NluBackend) -> None:
    """Crises said sideways (past and present, a friend who worries, a breakup, newcomers'
    Arabic, Dari and English), each crisis kind, everyday sentences, takeovers, practical
    questions answered from the places, communes in sentences, typed follow-ups in context,
    the form without dead ends, the offer made once, and the second register file (SMS
    spelling, keyboard slips, emoji, dictation, "stop" in a sentence, small talk, easy French)
    and the third (two needs in one message, a Meuse town named with a topic, a relative's
    trouble told as such), and a village's name raising no alarm, and the sixth round of crises
    said sideways (slang, emoji, Latin-letter Darija, Dari and Pashto, sexual violence said
    indirectly, a crisis answered to the form's questions) with its everyday near misses, all
    pass; so do the fourth register file (a message written for a sister or a cousin, Dari in
    Latin letters, a move, a medicine's dose, a 3e pupil's placement, a village the classifier
    never saw named with a topic, and typed follow-ups, dictation, AZERTY slips and emoji) and
    the two topics of one message, and a phone number handed over unasked (a wish to be
    contacted, never a question about erasing); and the fifth register file (signing up for the
    CEJ asked in passing, a medicine named without a question about its dose, a trade's project,
    more topics written for a relative, the number given before consent offered back, the 3e
    pupil's button only for pupils) with its guards; and the seventh round of crises said
    sideways, medicine both ways (a treatment taken, forgotten or asked about raises no alarm,
    a dose question gets the dose answer; a whole box, all one's pills, too much, "ce soir" or
    distress with a medicine still alarm); and the sixth register file (a Meuse town said as
    home before the form asks for it, offered back at the commune question) with its guards."""
    cases = [case for case in load_cases(HERE.glob("*.yml")) if case.category in GREEN]
    assert {case.category for case in cases} == GREEN
    results = await run_set(cases, workdir=tmp_path, nlu=embedded_nlu)
    failures = [f"{r.case.id}: {r.failures}" for r in results if not r.passed]
    assert failures == []


def test_the_set_is_big_enough_and_well_formed() -> None:
    """At least 100 cases, each with a category and at least one checked turn."""
    cases = load_cases(HERE.glob("*.yml"))
    assert len(cases) >= 100
    for case in cases:
        assert any(turn.expect for turn in case.turns), case.id
