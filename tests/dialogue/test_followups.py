"""Follow-up questions of a topic: quick replies under the answer, typed questions too."""

from __future__ import annotations

from datetime import date

from outreach_bot.dialogue.crisis import CrisisClues
from outreach_bot.dialogue.state import Step
from outreach_bot.domain.places import Place, PlaceKind, PlacesAnswer
from tests.dialogue.test_engine import CONTENT, Conversation

CEJ = CONTENT.answers["cej"]


def _payloads(conversation: Conversation) -> list[str]:
    assert conversation.last is not None
    return [button.payload for button in conversation.last.replies[-1].buttons]


def test_topic_answer_offers_its_follow_ups_after_yes_and_no() -> None:
    """The CEJ answer offers the counsellor (yes, no), then "c'est combien ?" and the others."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    assert CEJ.text.fr in chat.text()
    assert _payloads(chat) == [
        "/affirm",
        "/deny",
        # The answer for a relative is never a button (it answers "c pour ma cousine...").
        *(f'/cej{{"followup":"{f.id}"}}' for f in CEJ.followups if f.id != "relative"),
    ]
    titles = [b.title for b in chat.last.replies[-1].buttons] if chat.last else []
    assert titles[2] == CEJ.followups[0].question.fr


def test_choosing_a_follow_up_gives_its_answer_with_its_source() -> None:
    """The button's answer is the follow-up's text, then where it comes from."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    chat.say('/cej{"followup":"amount"}')
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.fr in chat.text()
    assert "Source : 1jeune1solution.gouv.fr/contrat-engagement-jeune" in chat.text()
    # The other questions stay on offer, the one just answered does not.
    assert '/cej{"followup":"amount"}' not in _payloads(chat)
    assert '/cej{"followup":"automatic"}' in _payloads(chat)
    assert chat.state.step is Step.OFFER_LEAD


def test_a_typed_question_reaches_the_follow_up() -> None:
    """ "c'est combien le CEJ ?" gets the amount, not the general answer."""
    chat = Conversation()
    chat.say("c'est combien le CEJ ?", "cej")
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.fr in chat.text()
    assert CEJ.text.fr not in chat.text()


def test_a_typed_question_without_keyword_gets_the_topic_answer() -> None:
    """A plain topic question keeps the general answer."""
    chat = Conversation()
    chat.say("je veux faire le contrat d'engagement jeune", "cej")
    assert CEJ.text.fr in chat.text()


def test_on_sms_a_digit_picks_a_follow_up() -> None:
    """On SMS buttons are numbered lines: 1 and 2 answer the offer, 3 is the first question."""
    chat = Conversation(channel="sms", sender_phone="+33612345678")
    chat.say("apprentissage", "apprenticeship")
    chat.say("3")
    pay = CONTENT.answers["apprenticeship"].followups[0]
    assert pay.text.fr in chat.text()


def test_after_a_follow_up_yes_still_starts_the_consent() -> None:
    """The counsellor offer under a follow-up works like the one under the answer."""
    chat = Conversation()
    chat.say("logement", "housing")
    chat.say('/housing{"followup":"guarantee"}')
    chat.say("/affirm")
    assert chat.state.step is Step.CONSENT
    assert chat.state.topic == "housing"


def test_an_unknown_follow_up_gets_the_topic_answer() -> None:
    """An old or forged payload falls back to the topic's general answer."""
    chat = Conversation()
    chat.say('/cej{"followup":"nope"}')
    assert CEJ.text.fr in chat.text()


def test_english_follow_up_is_in_english() -> None:
    """A newcomer writing in English reads the follow-up in English."""
    chat = Conversation()
    chat.say("how much is the CEJ allowance?", "cej")
    amount = CEJ.followup("amount")
    assert amount is not None
    assert amount.text.en in chat.text()
    assert "Source: " in chat.text()


def _places(near: str | None = None, *, in_near: bool = False) -> PlacesAnswer:
    stenay = Place(
        kind=PlaceKind.PERMANENCE,
        name="Permanence MiloMouv'",
        address="Maison France Services",
        commune_insee="55502",
        commune_name="Stenay",
        held_on=date(2026, 11, 27),
        hours="14h-17h",
    )
    office = Place(
        kind=PlaceKind.OFFICE,
        name="Mission Locale",
        address="",
        commune_insee="55545",
        commune_name="Verdun",
        held_on=None,
        hours="lun.-ven. 9h-12h",
    )
    return PlacesAnswer((stenay, office), near=near, in_near=in_near)


def test_where_are_you_lists_the_places_the_core_found() -> None:
    """ "Vous êtes où ?" gets the dates and offices, in the order the core chose."""
    chat = Conversation()
    chat.places = _places()
    chat.say("vous êtes où cette semaine ?", "mission_locale_info")
    lines = chat.last.replies[0].text.splitlines() if chat.last else []
    assert lines == [
        CONTENT.message("places_intro", "fr"),
        "- ven. 27/11, 14h-17h : Permanence MiloMouv', Maison France Services, Stenay",
        "- Mission Locale, Verdun : lun.-ven. 9h-12h",
    ]


def test_a_commune_in_the_question_gets_a_yes_or_a_no() -> None:
    """ "Une permanence à Stenay ?" says yes (or that there is none) before the list."""
    chat = Conversation()
    chat.places = _places("Stenay", in_near=True)
    chat.say("il y a une permanence à Stenay ?", "mission_locale_info")
    assert chat.text().startswith("Oui, on passe à Stenay.")
    chat.places = _places("Dun-sur-Meuse")
    chat.say("et à Dun-sur-Meuse ?", "mission_locale_info")
    assert chat.text().startswith("Pas de date à Dun-sur-Meuse")


def test_where_with_no_place_listed_says_so() -> None:
    """With nothing in the back office, the reviewed fallback text is said, with its source."""
    chat = Conversation()
    chat.places = PlacesAnswer(())
    chat.say('/mission_locale_info{"followup":"where"}')
    where = CONTENT.answers["mission_locale_info"].followup("where")
    assert where is not None
    assert where.text.fr in chat.text()


def test_another_commune_right_after_the_places_gets_the_places_again() -> None:
    """ "Et à Dun-sur-Meuse ?" just after the list is the same question, not a misunderstanding."""
    chat = Conversation()
    chat.places = _places()
    chat.say("vous êtes où cette semaine ?", "mission_locale_info")
    chat.places = _places("Dun-sur-Meuse")
    chat.say("et a Dun-sur-Meuse ?", "out_of_scope", 0.2)
    assert chat.text().startswith("Pas de date à Dun-sur-Meuse")


def test_a_commune_after_another_topic_is_not_taken_for_a_place_question() -> None:
    """After the CEJ answer, a low-confidence message is not answered with places."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    chat.places = _places("Stenay")
    chat.say("et a Stenay ?", "out_of_scope", 0.2)
    assert "Stenay" not in chat.text()


# -- typed follow-ups in context: the classifier's guesses below are the real ones -----------


def _followup_text(intent: str, followup_id: str) -> str:
    followup = CONTENT.answers[intent].followup(followup_id)
    assert followup is not None
    return followup.text.fr


def test_a_short_question_after_a_topic_is_about_that_topic() -> None:
    """ "c'est payé combien ?" after the CEJ is the CEJ's amount, though the classifier says
    money in general; "j'ai 17 ans ça marche ?" is who it is for; then how long it lasts."""
    chat = Conversation()
    chat.say("c koi le cej", "cej", 1.0)
    chat.say("c'est payé combien ?", "financial_aid", 0.62)
    assert _followup_text("cej", "amount") in chat.text()
    chat.say("j'ai 17 ans ça marche ?", "mission_locale_info", 0.22)
    assert _followup_text("cej", "who") in chat.text()
    chat.say("et ça dure combien de temps ?", "mission_locale_info", 0.29)
    assert _followup_text("cej", "duration") in chat.text()
    assert chat.state.topic == "cej"


def test_a_keyword_of_the_topic_wins_over_the_kind_of_question() -> None:
    """ "je touche le RSA, je peux avoir le CEJ ?" is the RSA rule, not the amount."""
    chat = Conversation()
    chat.say("je touche le rsa je peux avoir le cej ?", "financial_aid", 0.9)
    assert _followup_text("cej", "automatic") in chat.text()
    assert "561,68" not in chat.text()


def test_the_same_question_gets_each_topic_s_own_answer() -> None:
    """ "c'est combien ?" is the CEJ's allowance after the CEJ, the licence's price after it."""
    chat = Conversation()
    chat.say("le permis", "mobility", 1.0)
    chat.say("c'est combien ?", "bot_challenge", 0.47)
    assert _followup_text("mobility", "licence_money") in chat.text()
    assert "robot" not in chat.text()


def test_a_question_that_names_another_topic_switches_topic() -> None:
    """ "et pour trouver un logement ?" after the CEJ is the housing answer, and the next
    short question is about housing."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej", 1.0)
    chat.say("et pour trouver un logement ?", "housing", 1.0)
    assert CONTENT.answers["housing"].text.fr in chat.text()
    chat.say("et si j'ai pas de garant ?", "housing", 0.73)
    assert _followup_text("housing", "guarantee") in chat.text()
    assert chat.state.topic == "housing"


def test_where_after_a_topic_without_a_where_is_where_to_meet_the_team() -> None:
    """ "c'est où ?" after the training answer gets the places, not "je suis un robot"."""
    chat = Conversation()
    chat.say("je veux faire une formation", "find_training", 1.0)
    chat.say("c'est où ?", "bot_challenge", 0.62)
    assert _followup_text("mission_locale_info", "where") in chat.text()


def test_a_question_no_answer_covers_says_so_and_offers_a_counsellor() -> None:
    """ "il faut quels papiers ?" about the apprenticeship: no invented list, no menu, and
    not the administrative-help answer the classifier guessed."""
    chat = Conversation()
    chat.say("l'alternance", "apprenticeship", 1.0)
    chat.say("il faut quels papiers ?", "admin_help", 0.98)
    assert chat.text() == CONTENT.message("question_unsure", "fr")
    assert "/ask_human" in chat.payloads()
    assert "/find_job" not in chat.payloads()


def test_a_question_with_no_topic_before_it_asks_which_topic() -> None:
    """ "c'est combien ?" as a first message: which topic, never the bot's joke."""
    chat = Conversation()
    chat.say("c'est combien ?", "bot_challenge", 0.47)
    assert chat.text() == CONTENT.message("which_topic", "fr")
    assert "/cej" in chat.payloads()


def test_the_topic_is_forgotten_after_a_few_messages() -> None:
    """Four messages later, a bare question is no longer read as about the old topic."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej", 1.0)
    for _ in range(3):
        chat.say("merci", "thanks", 0.95)
    chat.say("c'est combien ?", "bot_challenge", 0.47)
    assert _followup_text("cej", "amount") not in chat.text()


def test_the_counsellor_offer_is_asked_once_then_stays_as_a_button() -> None:
    """The second answer does not ask again; "Parler à un conseiller" stays under it, and a
    typed yes still starts the consent."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej", 1.0)
    offer = CONTENT.message("offer_lead", "fr")
    assert offer in chat.text()
    chat.say("c'est combien ?", "bot_challenge", 0.47)
    assert offer not in chat.text()
    assert "/ask_human" in chat.payloads()
    chat.say("le permis", "mobility", 1.0)
    assert offer not in chat.text()
    chat.say("oui", "affirm", 1.0)
    assert chat.state.step is Step.CONSENT


def test_in_a_run_on_message_the_question_asked_last_wins() -> None:
    """ "j'ai 17 ans et je veux passer le permis, y a des aides ?" asks about the aids."""
    chat = Conversation()
    chat.say("j'ai 17 ans et je veux passer le permis, ya des aides ?", "mobility", 1.0)
    assert _followup_text("mobility", "licence_money") in chat.text()


def test_a_second_topic_named_in_the_message_stays_on_screen_as_a_button() -> None:
    """ "une formation ... et j'ai pas de logement non plus": the training answer, and the
    housing topic first among the buttons, so the second need is one tap away."""
    chat = Conversation()
    chat.say("je voudrais faire une formation mais jai pas de logement non plus", "find_training")
    assert CONTENT.answers["find_training"].text.fr in chat.text()
    assert _payloads(chat)[:3] == ["/affirm", "/deny", "/housing"]
    chat.say("/housing")
    assert CONTENT.answers["housing"].text.fr in chat.text()


def test_on_sms_the_counsellor_offer_carries_one_more_choice_at_most() -> None:
    """Each numbered line costs on SMS (and WhatsApp lists more than three): yes, no and the
    topic's first question; on the web chat every question stays under the offer."""
    sms = Conversation(channel="sms", sender_phone="+33612345678")
    sms.say("c'est quoi le CEJ", "cej")
    assert _payloads(sms) == ["/affirm", "/deny", f'/cej{{"followup":"{CEJ.followups[0].id}"}}']
    web = Conversation()
    web.say("c'est quoi le CEJ", "cej")
    buttons = [f for f in CEJ.followups if f.id != "relative"]  # never a button
    assert len(_payloads(web)) == 2 + len(buttons) > 3


def test_the_second_topic_is_offered_after_the_counsellor_offer_too() -> None:
    """Later in the conversation (the offer made, the bot waiting for its yes or no), a message
    naming two topics still keeps the second on screen."""
    chat = Conversation()
    chat.say("c'est quoi le CEJ", "cej")
    assert chat.state.step is Step.OFFER_LEAD
    chat.say("je voudrais faire une formation mais jai pas de logement non plus", "find_training")
    assert CONTENT.answers["find_training"].text.fr in chat.text()
    assert _payloads(chat)[0] == "/housing"


def test_a_name_inside_a_longer_name_of_another_topic_does_not_count() -> None:
    """ "s'inscrire à France Travail" is paperwork, not a job search ("travail")."""
    chat = Conversation()
    chat.say("cmt on sinscri a france travail", "admin_help", 1.0)
    assert chat.text().startswith(CONTENT.answers["admin_help"].text.fr)


def test_a_typed_topic_name_is_enough_when_the_classifier_hesitates() -> None:
    """ "le permi", typed, with a weak guess of the same topic, answers the licence question."""
    chat = Conversation()
    chat.say("a kel age on pe passer le permi", "mobility", 0.44)
    assert chat.text().startswith(_followup_text("mobility", "licence_age"))


def test_a_keyword_of_the_guessed_topic_beats_a_general_kind_of_question() -> None:
    """ "17 ans" (find_job's minors) says more than "who" (the Mission Locale's age range)."""
    chat = Conversation()
    chat.say("g 17ans é je ve bossé cet été", "find_job", 0.7)
    assert chat.text().startswith(_followup_text("find_job", "minors"))


# -- out of prison (issue 18): one's own time inside is the criminal-record answer -------------

#: What the safety net reads in "je sors de prison": an everyday context that holds a crisis
#: guess back (``nlu/safety.py``); the classifier still ranks crisis first.
HELD_BACK = CrisisClues(idiom=True)


def test_out_of_prison_as_a_first_message_gets_the_criminal_record_answer() -> None:
    """No job word, a crisis guess held back: the 3039 and a counsellor, not the menu."""
    chat = Conversation()
    chat.say(
        "jsui sortie de taule y a 2 semaines",
        "crisis",
        0.8,
        clues=HELD_BACK,
        ranking=(("crisis", 0.8), ("find_job", 0.1)),
    )
    assert chat.last is not None
    assert chat.text().startswith(_followup_text("find_job", "criminal_record"))
    assert "3039" in chat.text()
    assert "/affirm" in chat.payloads()  # "Tu veux qu'un conseiller te contacte ?"
    assert not chat.last.effects.urgent
    assert "/find_training" not in chat.payloads()  # not the topic menu


def test_time_inside_said_with_a_sentence_length_gets_the_criminal_record_answer() -> None:
    """ "8 mois ferme" names no prison, yet says one was inside."""
    chat = Conversation()
    chat.say("jai pris 14 mois ferme", "out_of_scope", 0.5)
    assert chat.text().startswith(_followup_text("find_job", "criminal_record"))


def test_out_of_prison_after_another_topic_switches_to_the_criminal_record_answer() -> None:
    """Said later, after the CEJ's answer, it is still the 3039."""
    chat = Conversation()
    chat.say("c quoi le cej", "cej", 0.95)
    chat.say("moi je sors de prison dans 15 jours", "cej", 0.5, clues=HELD_BACK)
    assert chat.text().startswith(_followup_text("find_job", "criminal_record"))


def test_someone_else_in_prison_is_neither_a_crisis_nor_the_criminal_record_answer() -> None:
    """ "mon oncle est en prison": not the speaker's record; the family answer (a relative's
    trouble, issue 18 third pass) with the counsellor offer, where it was "pas compris" and the
    menu; never the "choice no longer valid" of a button the bot does not know."""
    chat = Conversation()
    chat.say(
        "mon oncle est en prison",
        "crisis",
        0.7,
        clues=HELD_BACK,
        ranking=(("crisis", 0.7), ("greet", 0.2)),
    )
    assert chat.last is not None
    assert not chat.last.effects.urgent
    assert "3039" not in chat.text()
    assert "plus valable" not in chat.text()
    family = CONTENT.answers["financial_aid"].followup("family")
    assert family is not None
    assert chat.text().startswith(family.text.fr)
    assert "/affirm" in chat.payloads()


def test_a_held_back_crisis_guess_is_read_as_the_next_guess() -> None:
    """The classifier's next guess answers when its crisis guess is held back."""
    chat = Conversation()
    chat.say(
        "mon dos me tue, je veux apprendre un metier assis",
        "crisis",
        0.6,
        clues=HELD_BACK,
        ranking=(("crisis", 0.6), ("find_training", 0.5)),
    )
    assert chat.text().startswith(CONTENT.answers["find_training"].text.fr)
