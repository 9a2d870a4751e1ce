"""The custom actions, called in-process with rasa_sdk trackers against a real bot."""

from __future__ import annotations

import random
import string
from typing import Any

from actions import slot
from actions.actions import (
    ActionAnswerTopic,
    ActionAskConsent,
    ActionCrisis,
    ActionEraseUser,
    ActionRecordConsent,
    ActionSubmitLead,
)
from actions.api_client import OutreachApi
from rasa_sdk.events import AllSlotsReset, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

READY_SLOTS = {
    "consent": True,
    "age": 19,
    "first_name": "Inès",
    "phone": "+33612345678",
    "commune": "Verdun",
    "commune_insee": "55545",
    "need": "un job",
    "topic": "find_job",
}


def unique_name() -> str:
    """A first name no other test uses, to find this test's lead in the shared bot's queue."""
    return "Inès" + "".join(random.choices(string.ascii_lowercase, k=8))


SUICIDE = "je veux me suicider, personne le sait"


def crisis_tracker(topic_tracker: Any, text: str, **slots: Any) -> Any:
    """A tracker whose latest message, read as ``crisis``, says ``text``."""
    tracker = topic_tracker("crisis", **slots)
    tracker.latest_message["text"] = text
    return tracker


def texts(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message["text"] for message in dispatcher.messages]


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message["response"] for message in dispatcher.messages]


async def test_topic_question_gets_the_reviewed_answer(bot, topic_tracker, domain, content):
    """A question about the CEJ is answered with the bot's reviewed text and offers a lead."""
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerTopic(bot.api()).run(dispatcher, topic_tracker("cej"), domain)
    assert texts(dispatcher) == [content["answers"]["cej"]["text"]["fr"]]
    assert events == [SlotSet("topic", "cej"), SlotSet("offer_lead", True)]


async def test_locale_slot_gives_the_english_answer(bot, topic_tracker, domain, content):
    """With the locale slot set to English, the answer is the English text."""
    dispatcher = CollectingDispatcher()
    tracker = topic_tracker("housing", locale="en")
    await ActionAnswerTopic(bot.api()).run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [content["answers"]["housing"]["text"]["en"]]


async def test_intent_without_an_answer_gets_the_default_response(bot, topic_tracker, domain):
    """An intent the knowledge base does not cover falls back to the assistant's default."""
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerTopic(bot.api()).run(dispatcher, topic_tracker("greet"), domain)
    assert responses(dispatcher) == ["utter_default"]
    assert events == []


async def test_crisis_gets_the_emergency_response_even_with_the_api_down(
    dead_api, topic_tracker, domain
):
    """Distress is answered at once with the team's emergency numbers, whatever the API does."""
    for action in (ActionCrisis(OutreachApi(dead_api)), ActionAnswerTopic(OutreachApi(dead_api))):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, crisis_tracker(topic_tracker, SUICIDE), domain)
        assert responses(dispatcher) == ["utter_crisis"], action.name()
        assert events == [], action.name()


async def test_crisis_with_the_api_refusing_still_gets_the_numbers(
    fake_api, topic_tracker, domain
):
    """A refusal (bad token, 400), a failure or an empty answer still gives the numbers."""
    fake, config = fake_api
    for status, body in ((401, {"error": "no"}), (400, {"error": "no"}), (500, {}), (200, {})):
        fake.status, fake.body = status, body
        dispatcher = CollectingDispatcher()
        await ActionCrisis(OutreachApi(config)).run(
            dispatcher, crisis_tracker(topic_tracker, SUICIDE), domain
        )
        assert responses(dispatcher) == ["utter_crisis"], status


async def test_crisis_alerts_the_team_and_says_the_bots_text(bot, topic_tracker, domain, content):
    """Suicidal words get the bot's 3114 text, and the team gets an urgent lead without consent."""
    known = {lead["id"] for lead in bot.get("/api/leads")[1]}
    dispatcher = CollectingDispatcher()
    tracker = crisis_tracker(topic_tracker, SUICIDE)
    events = await ActionCrisis(bot.api()).run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [content["crisis"]["suicide"]["text"]["fr"]]
    assert "3114" in texts(dispatcher)[0]
    assert events == []
    status, leads = bot.get("/api/leads")
    assert status == 200
    (new,) = [lead for lead in leads if lead["id"] not in known]
    assert (new["urgent"], new["topic"], new["channel"], new["consent"]) == (
        True,
        "crisis",
        "rasa",
        None,
    )
    assert all(lead["urgent"] for lead in leads[: leads.index(new)])  # among the first


async def test_crisis_in_the_middle_of_the_form_forgets_its_answers(
    bot, form_tracker, domain, content
):
    """Run by the rule for `crisis` while the lead form is active, action_crisis alerts the
    team and forgets the form's answers; the rule's action_deactivate_loop then ends it."""
    known = {lead["id"] for lead in bot.get("/api/leads")[1]}
    tracker = form_tracker(
        "first_name", None, text="je veux mourir", intent="crisis", taken=False, consent=True
    )
    tracker.slots["age"] = 17
    dispatcher = CollectingDispatcher()
    events = await ActionCrisis(bot.api()).run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [content["crisis"]["suicide"]["text"]["fr"]]
    assert events == [SlotSet(name, None) for name in slot.LEAD_SLOTS]
    (new,) = [lead for lead in bot.get("/api/leads")[1] if lead["id"] not in known]
    assert (new["urgent"], new["topic"], new["consent"]) == (True, "crisis", None)


async def test_crisis_makes_a_waiting_request_urgent(bot, topic_tracker, domain, content):
    """A person already in the queue is moved to the top rather than queued a second time."""
    version = content["privacy"]["consent"]["text_version"]
    await ActionRecordConsent(bot.api()).run(
        CollectingDispatcher(), topic_tracker("affirm", consent_text_version=version), domain
    )
    name = unique_name()
    await ActionSubmitLead(bot.api()).run(
        CollectingDispatcher(), topic_tracker(**{**READY_SLOTS, "first_name": name}), domain
    )
    before = len(bot.get("/api/leads")[1])
    dispatcher = CollectingDispatcher()
    await ActionCrisis(bot.api()).run(
        dispatcher, crisis_tracker(topic_tracker, "je dors dehors ce soir", locale="en"), domain
    )
    assert texts(dispatcher) == [content["crisis"]["shelter"]["text"]["en"]]
    leads = bot.get("/api/leads")[1]
    assert len(leads) == before
    (mine,) = [lead for lead in leads if lead["first_name"] == name]
    assert mine["urgent"] is True


async def test_crisis_sends_the_latest_message_and_nothing_else(fake_api, topic_tracker, domain):
    """The alert carries the sender, the latest message (to choose the numbers) and the locale."""
    fake, config = fake_api
    fake.body = {"kind": "default", "text": "Appelle le 112.", "resources": []}
    dispatcher = CollectingDispatcher()
    tracker = crisis_tracker(topic_tracker, "x" * 5000, locale="en")
    await ActionCrisis(OutreachApi(config)).run(dispatcher, tracker, domain)
    ((method, path, body),) = fake.calls
    assert (method, path) == ("POST", "/api/alerts")
    assert body == {"sender_id": tracker.sender_id, "text": "x" * 4000, "locale": "en"}
    assert texts(dispatcher) == ["Appelle le 112."]


async def test_ask_consent_shows_the_bot_text_and_keeps_its_version(
    bot, topic_tracker, domain, content
):
    """The consent request is the bot's exact text, with yes/no buttons and its version kept."""
    dispatcher = CollectingDispatcher()
    events = await ActionAskConsent(bot.api()).run(dispatcher, topic_tracker(), domain)
    consent = content["privacy"]["consent"]
    assert texts(dispatcher) == [consent["text"]["fr"]]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("consent_text_version", consent["text_version"])]


async def test_yes_records_the_consent_and_allows_a_lead(bot, topic_tracker, domain, content):
    """After "yes" to the text shown, consent is true and the bot accepts this sender's lead."""
    version = content["privacy"]["consent"]["text_version"]
    tracker = topic_tracker("affirm", consent_text_version=version)
    events = await ActionRecordConsent(bot.api()).run(CollectingDispatcher(), tracker, domain)
    assert events == [SlotSet("consent", True)]
    status, _ = bot.post(
        "/api/leads", {"sender_id": tracker.sender_id, "age": 19, "phone": "0612345678"}
    )
    assert status == 201


async def test_no_records_nothing_and_says_so(bot, topic_tracker, domain, content):
    """After "no", nothing is recorded, consent is false, and the bot's refusal text is said."""
    version = content["privacy"]["consent"]["text_version"]
    tracker = topic_tracker("deny", consent_text_version=version)
    dispatcher = CollectingDispatcher()
    events = await ActionRecordConsent(bot.api()).run(dispatcher, tracker, domain)
    assert SlotSet("consent", False) in events
    assert texts(dispatcher) == [content["messages"]["consent_declined"]["fr"]]
    status, body = bot.post(
        "/api/leads", {"sender_id": tracker.sender_id, "age": 19, "phone": "0612345678"}
    )
    assert status == 409
    assert "consent" in body["error"]


async def test_a_consent_to_an_old_text_shows_the_new_one(bot, topic_tracker, domain):
    """If the consent text changed since it was shown, nothing is recorded: it is shown again."""
    tracker = topic_tracker("affirm", consent_text_version="2020-01-01.1")
    events = await ActionRecordConsent(bot.api()).run(CollectingDispatcher(), tracker, domain)
    assert events == [SlotSet("consent", None), FollowupAction("action_ask_consent")]


async def test_submit_sends_the_lead_and_forgets_the_answers(bot, topic_tracker, domain, content):
    """The lead reaches the team's queue with its consent; the form's slots are emptied."""
    version = content["privacy"]["consent"]["text_version"]
    consent_tracker = topic_tracker("affirm", consent_text_version=version)
    await ActionRecordConsent(bot.api()).run(CollectingDispatcher(), consent_tracker, domain)
    dispatcher = CollectingDispatcher()
    name = unique_name()
    events = await ActionSubmitLead(bot.api()).run(
        dispatcher, topic_tracker("affirm", **{**READY_SLOTS, "first_name": name}), domain
    )
    assert texts(dispatcher) == [content["messages"]["lead_done"]["fr"]]
    assert events == [SlotSet(name, None) for name in slot.LEAD_SLOTS]
    status, leads = bot.get("/api/leads")
    assert status == 200
    (mine,) = [lead for lead in leads if lead["first_name"] == name]
    assert (mine["age"], mine["phone"], mine["commune"]) == (19, "+33612345678", "Verdun")
    assert mine["consent"]["channel"] == "rasa"
    assert mine["sector"] == "nord-meusien"


async def test_submit_twice_keeps_one_lead_and_says_it_is_waiting(
    bot, topic_tracker, domain, content
):
    """A second request while the first is open is not queued again; the person is told."""
    version = content["privacy"]["consent"]["text_version"]
    await ActionRecordConsent(bot.api()).run(
        CollectingDispatcher(), topic_tracker("affirm", consent_text_version=version), domain
    )
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await ActionSubmitLead(bot.api()).run(first, topic_tracker(**READY_SLOTS), domain)
    await ActionSubmitLead(bot.api()).run(second, topic_tracker(**READY_SLOTS), domain)
    assert texts(second) == [content["messages"]["already_in_queue"]["fr"]]


async def test_submit_without_consent_or_under_15_sends_nothing(fake_api, topic_tracker, domain):
    """No consent, or under 15: the API is not even called, and the answers are forgotten."""
    fake, config = fake_api
    action = ActionSubmitLead(OutreachApi(config))
    for slots in (
        {**READY_SLOTS, "consent": None},
        {**READY_SLOTS, "consent": False},
        {**READY_SLOTS, "too_young": True, "age": None},
    ):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, topic_tracker(**slots), domain)
        assert events == [SlotSet(name, None) for name in slot.LEAD_SLOTS]
        assert dispatcher.messages == []
    assert fake.calls == []


async def test_skipped_answers_are_sent_as_missing(fake_api, topic_tracker, domain):
    """A first name, commune or need the person skipped is not sent as "-"."""
    fake, config = fake_api
    fake.status, fake.body = 201, {"lead_id": 1, "sector": None, "created": True, "message": "ok"}
    skipped = {
        **READY_SLOTS,
        "first_name": "-",
        "commune": "-",
        "commune_insee": None,
        "need": "-",
    }
    await ActionSubmitLead(OutreachApi(config)).run(
        CollectingDispatcher(), topic_tracker(**skipped), domain
    )
    ((_, path, body),) = fake.calls
    assert path == "/api/leads"
    assert (body["first_name"], body["commune_insee"], body["need"]) == (None, None, None)
    assert (body["age"], body["phone"], body["topic"]) == (19, "+33612345678", "find_job")


async def test_erase_user_removes_the_lead_and_resets_slots(bot, topic_tracker, domain, content):
    """After erasure the person's lead is gone from the queue and every slot is reset."""
    version = content["privacy"]["consent"]["text_version"]
    tracker = topic_tracker("affirm", consent_text_version=version)
    await ActionRecordConsent(bot.api()).run(CollectingDispatcher(), tracker, domain)
    status, lead = bot.post(
        "/api/leads", {"sender_id": tracker.sender_id, "age": 22, "phone": "07 81 23 45 67"}
    )
    assert status == 201
    dispatcher = CollectingDispatcher()
    events = await ActionEraseUser(bot.api()).run(dispatcher, topic_tracker("forget_me"), domain)
    assert texts(dispatcher) == [content["messages"]["erase_done"]["fr"]]
    assert events == [AllSlotsReset()]
    assert bot.get(f"/api/leads/{lead['lead_id']}")[0] == 404


async def test_api_down_says_so_and_changes_nothing(dead_api, topic_tracker, domain):
    """With the bot unreachable, each action says the team's "unavailable" line and keeps state."""
    api = OutreachApi(dead_api)
    cases: list[tuple[Any, Any]] = [
        (ActionAnswerTopic(api), topic_tracker("cej")),
        (ActionSubmitLead(api), topic_tracker(**READY_SLOTS)),
        (ActionEraseUser(api), topic_tracker("forget_me")),
    ]
    for action, tracker in cases:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, domain)
        assert responses(dispatcher) == ["utter_outreach_unavailable"], action.name()
        assert events == [], action.name()
