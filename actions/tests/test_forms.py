"""The lead form's validation action, step by step, against a real bot."""

from __future__ import annotations

import logging

import pytest
from actions import slot
from actions.actions import ActionSubmitLead
from actions.api_client import OutreachApi
from actions.forms import ValidateLeadForm
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


def texts(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message["text"] for message in dispatcher.messages]


def slots_of(events: list[dict]) -> dict:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def test_form_name_matches_the_domain(domain):
    """Rasa finds the validation by its name: validate_ plus the form's name in the domain."""
    assert ValidateLeadForm().name() == "validate_lead_form"
    assert ValidateLeadForm().form_name() in domain["forms"]


async def test_a_whole_form_reaches_the_team_queue(bot, form_tracker, domain, content, caplog):
    """Consent, age, name, phone, a misspelt commune then its suggestion, need: one lead."""
    caplog.set_level(logging.DEBUG)
    form = ValidateLeadForm(bot.api())
    version = content["privacy"]["consent"]["text_version"]
    known = {"consent_text_version": version, "topic": "find_job"}

    steps = [
        ("consent", True, "oui", "affirm", {"consent": True}),
        ("age", "j'ai dix-sept ans", None, "inform", {"age": 17}),
        ("first_name", "je m'appelle Maëlys", None, "inform", {"first_name": "Maëlys"}),
        ("phone", "06 98 76 54 32", None, "inform", {"phone": "+33698765432"}),
    ]
    for requested, value, text, intent, expected in steps:
        dispatcher = CollectingDispatcher()
        tracker = form_tracker(requested, value, text=text, intent=intent, **known)
        events = await form.run(dispatcher, tracker, domain)
        assert slots_of(events) == expected, requested
        assert dispatcher.messages == [], requested
        known.update(expected)

    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, form_tracker("commune", "verdin", **known), domain)
    assert slots_of(events) == {"commune": None, "commune_insee": None}
    assert texts(dispatcher) == [content["messages"]["did_you_mean"]["fr"]]
    buttons = dispatcher.messages[0]["buttons"]
    assert buttons[0]["title"] == "Verdun (55)"

    dispatcher = CollectingDispatcher()
    chosen = form_tracker("commune", buttons[0]["payload"], **known)
    events = await form.run(dispatcher, chosen, domain)
    assert slots_of(events) == {"commune": "Verdun", "commune_insee": "55545"}
    known.update(slots_of(events))

    events = await form.run(
        CollectingDispatcher(), form_tracker("need", "  un  CAP cuisine ", **known), domain
    )
    assert slots_of(events) == {"need": "un CAP cuisine"}
    known.update(slots_of(events))

    dispatcher = CollectingDispatcher()
    submitted = await ActionSubmitLead(bot.api()).run(
        dispatcher, form_tracker("need", known["need"], **known), domain
    )
    assert texts(dispatcher) == [content["messages"]["lead_done"]["fr"]]
    assert submitted == [SlotSet(name, None) for name in slot.LEAD_SLOTS]
    (lead,) = [lead for lead in bot.get("/api/leads")[1] if lead["first_name"] == "Maëlys"]
    assert (lead["age"], lead["phone"], lead["commune"]) == (17, "+33698765432", "Verdun")
    assert lead["consent"]["channel"] == "rasa"

    # Neither the action server nor the bot wrote the person's details to their logs.
    bot_log = bot.log.read_text(encoding="utf-8", errors="replace")
    for secret in ("Maëlys", "98 76 54 32", "+33698765432", "CAP cuisine", chosen.sender_id):
        assert secret not in caplog.text
        assert secret not in bot_log


async def test_under_15_stops_the_form_and_keeps_nothing(bot, form_tracker, domain, content):
    """At 14 the form ends with the under-15 text, no age is kept, and the consent is erased."""
    version = content["privacy"]["consent"]["text_version"]
    form = ValidateLeadForm(bot.api())
    first = form_tracker(
        "consent", True, text="oui", intent="affirm", consent_text_version=version
    )
    assert slots_of(await form.run(CollectingDispatcher(), first, domain)) == {"consent": True}

    dispatcher = CollectingDispatcher()
    young = form_tracker("age", "14", consent=True, consent_text_version=version)
    events = await form.run(dispatcher, young, domain)
    assert texts(dispatcher) == [content["privacy"]["under_15"]["fr"]]
    assert slots_of(events) == {
        "age": None,
        "too_young": True,
        "consent": None,
        "consent_text_version": None,
        "requested_slot": None,  # no more questions: the form ends here
    }
    # The consent given a moment ago is gone: the bot refuses any lead for this sender.
    status, body = bot.post(
        "/api/leads", {"sender_id": young.sender_id, "age": 19, "phone": "0612345678"}
    )
    assert (status, "consent" in body["error"]) == (409, True)


async def test_no_to_consent_ends_the_form(bot, form_tracker, domain, content):
    """Answering no to the consent text ends the form at once, with the bot's refusal text."""
    version = content["privacy"]["consent"]["text_version"]
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        "consent", False, text="non", intent="deny", consent_text_version=version
    )
    events = await ValidateLeadForm(bot.api()).run(dispatcher, tracker, domain)
    assert slots_of(events) == {
        "consent": False,
        "consent_text_version": None,
        "requested_slot": None,
    }
    assert texts(dispatcher) == [content["messages"]["consent_declined"]["fr"]]


async def test_consent_without_the_text_shown_is_asked_again(fake_api, form_tracker, domain):
    """A "yes" with no consent text shown by action_ask_consent records nothing."""
    fake, config = fake_api
    tracker = form_tracker("consent", True, text="oui", intent="affirm")
    events = await ValidateLeadForm(OutreachApi(config)).run(
        CollectingDispatcher(), tracker, domain
    )
    assert slots_of(events) == {"consent": None, "consent_text_version": None}
    assert [path for _, path, _ in fake.calls] == ["/api/crisis-check"]  # no consent recorded


async def test_wrong_answers_are_asked_again_in_the_bot_words(bot, form_tracker, domain, content):
    """An unreadable age, a non-number, a name with digits, an unknown town: asked again."""
    form = ValidateLeadForm(bot.api())
    cases = [
        ("age", "bof", "reask_age"),
        ("phone", "12 34", "reask_phone"),
        ("first_name", "R2D2", "reask_name"),
        ("commune", "xqzkwv", "reask_commune"),
    ]
    for requested, value, message in cases:
        dispatcher = CollectingDispatcher()
        events = await form.run(dispatcher, form_tracker(requested, value, consent=True), domain)
        assert slots_of(events)[requested] is None, requested
        assert texts(dispatcher) == [content["messages"][message]["fr"]], requested


async def test_over_29_is_kept_with_the_notice(bot, form_tracker, domain, content):
    """A 31-year-old is accepted, and told the Mission Locale mostly helps 16-25 year olds."""
    dispatcher = CollectingDispatcher()
    events = await ValidateLeadForm(bot.api()).run(
        dispatcher, form_tracker("age", "31", consent=True), domain
    )
    assert slots_of(events) == {"age": 31}
    assert texts(dispatcher) == [content["messages"]["over_29"]["fr"]]


async def test_optional_questions_can_be_skipped(fake_api, form_tracker, domain):
    """ "passer" or the skip button leaves first name, commune and need out, without the API."""
    fake, config = fake_api
    form = ValidateLeadForm(OutreachApi(config))
    for requested, value, intent in (
        ("first_name", "passer", "out_of_scope"),
        ("commune", "/skip", "skip"),
        ("need", "Je sais pas", "out_of_scope"),
    ):
        events = await form.run(
            CollectingDispatcher(), form_tracker(requested, value, intent=intent), domain
        )
        assert slots_of(events)[requested] == slot.SKIPPED
    assert [path for _, path, _ in fake.calls] == ["/api/crisis-check"] * 3  # no field check


async def test_a_free_answer_read_as_deny_is_still_checked(bot, form_tracker, domain):
    """A first name the NLU happens to read as "deny" is kept as a name, not skipped."""
    events = await ValidateLeadForm(bot.api()).run(
        CollectingDispatcher(), form_tracker("first_name", "Nadia", intent="deny"), domain
    )
    assert slots_of(events) == {"first_name": "Nadia"}


async def test_api_down_during_the_form_says_so_and_asks_again(dead_api, form_tracker, domain):
    """With the bot unreachable, the answer is not kept and the "unavailable" line is said."""
    dispatcher = CollectingDispatcher()
    events = await ValidateLeadForm(OutreachApi(dead_api)).run(
        dispatcher, form_tracker("phone", "06 12 34 56 78", consent=True), domain
    )
    assert slots_of(events) == {"phone": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_outreach_unavailable"]


FORM_CLEARED = {name: None for name in (*slot.LEAD_SLOTS, "requested_slot")}
"""Every answer forgotten and no question left: the form ends."""

MISREAD_CRISES = [
    # (question asked, what Rasa took as the answer, what was typed, NLU intent, crisis kind)
    ("first_name", "il me frappe", None, "inform", "violence"),
    ("need", "je dors dehors ce soir", None, "find_job", "shelter"),
    ("age", "jveux plus vivre", None, "out_of_scope", "suicide"),
    ("consent", False, "non j'ai plus envie de vivre", "deny", "suicide"),
    # Nothing taken (consent only maps yes/no): the form would step aside for a topic rule.
    ("consent", None, "je dors dehors ce soir", "housing", "shelter"),
]


@pytest.mark.parametrize(("requested", "value", "text", "intent", "kind"), MISREAD_CRISES)
async def test_a_crisis_the_nlu_misread_alerts_the_team_and_ends_the_form(
    bot, form_tracker, domain, content, requested, value, text, intent, kind
):
    """The bot's safety net catches distress typed as an answer: crisis text, urgent lead,
    the form ends, and nothing of the form is kept (not the message, not earlier answers)."""
    known = {lead["id"] for lead in bot.get("/api/leads")[1]}
    version = content["privacy"]["consent"]["text_version"]
    earlier = {"consent": True, "consent_text_version": version, "age": 17}
    if requested == "consent":
        earlier = {"consent_text_version": version}
    tracker = form_tracker(
        requested, value, text=text, intent=intent, taken=value is not None, **earlier
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateLeadForm(bot.api()).run(dispatcher, tracker, domain)

    assert texts(dispatcher) == [content["crisis"][kind]["text"]["fr"]]
    assert slots_of(events) == FORM_CLEARED
    (new,) = [lead for lead in bot.get("/api/leads")[1] if lead["id"] not in known]
    assert (new["urgent"], new["topic"], new["consent"]) == (True, "crisis", None)

    # The form's end then runs action_submit_lead: it finds no consent, sends and says nothing.
    after = form_tracker("need", None, taken=False, **slots_of(events))
    submit = CollectingDispatcher()
    assert await ActionSubmitLead(bot.api()).run(submit, after, domain) == [
        SlotSet(name, None) for name in slot.LEAD_SLOTS
    ]
    assert submit.messages == []
    assert [lead["id"] for lead in bot.get("/api/leads")[1] if lead["id"] not in known] == [
        new["id"]
    ]


async def test_a_crisis_read_by_the_nlu_is_left_to_the_crisis_rule(fake_api, form_tracker, domain):
    """Read as `crisis` and taken as no answer, the message makes the form step aside: Rasa
    rejects it and the crisis rule runs action_crisis; alerting here too would alert twice."""
    fake, config = fake_api
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        "first_name", None, text="je veux mourir", intent="crisis", taken=False, consent=True
    )
    events = await ValidateLeadForm(OutreachApi(config)).run(dispatcher, tracker, domain)
    assert (events, dispatcher.messages, fake.calls) == ([], [], [])


async def test_a_crisis_taken_as_an_answer_is_never_kept(fake_api, form_tracker, domain):
    """A domain without `not_intent: crisis` lets Rasa take the message as the first name:
    the validation alerts the team with it and keeps none of it."""
    fake, config = fake_api
    fake.body = {"kind": "violence", "text": "Appelle le 119 ou le 17.", "resources": []}
    dispatcher = CollectingDispatcher()
    tracker = form_tracker("first_name", "il me frappe", intent="crisis", consent=True, age=16)
    events = await ValidateLeadForm(OutreachApi(config)).run(dispatcher, tracker, domain)
    assert texts(dispatcher) == ["Appelle le 119 ou le 17."]
    assert slots_of(events) == FORM_CLEARED
    body = {"sender_id": tracker.sender_id, "text": "il me frappe", "locale": "fr"}
    assert fake.calls == [("POST", "/api/alerts", body)]


async def test_answers_are_checked_for_distress_with_the_bot(fake_api, form_tracker, domain):
    """Each message goes through the bot's safety net (as typed) before its field check."""
    fake, config = fake_api
    fake.body = {"crisis": False, "kind": None}
    await ValidateLeadForm(OutreachApi(config)).run(
        CollectingDispatcher(), form_tracker("need", "un job en cuisine"), domain
    )
    assert fake.calls == [("POST", "/api/crisis-check", {"text": "un job en cuisine"})]


async def test_with_the_bot_down_a_need_is_still_kept(dead_api, form_tracker, domain):
    """Without the safety net the form goes on (the NLU's crisis rule still stands)."""
    dispatcher = CollectingDispatcher()
    events = await ValidateLeadForm(OutreachApi(dead_api)).run(
        dispatcher, form_tracker("need", "un job en cuisine"), domain
    )
    assert slots_of(events) == {"need": "un job en cuisine"}
    assert dispatcher.messages == []
