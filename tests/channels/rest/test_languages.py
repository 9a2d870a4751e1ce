"""Each language over the REST webhook: detected or picked, kept, used for every text.

The conversations are written as young people write: a first message in Arabic, Dari or
Pashto, a confirmation, the offer of a person with an interpreter, the consent and the form in
that language; English and easy French the same way.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from outreach_bot.content import Content
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Lead
from tests.factories import RestChat

ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")


def pick(code: str) -> str:
    return f'/language{{"code":"{code}"}}'


async def lead_of(services: Services, sender_phone: str) -> Lead:
    async with services.sessions() as session:
        leads = list(await session.scalars(select(Lead)))
    assert len(leads) == 1
    assert leads[0].phone == sender_phone
    return leads[0]


async def test_an_arabic_speaker_goes_through_consent_and_the_form_in_arabic(
    client: Any, services: Services
) -> None:
    """Arabic is recognised from the first message; once confirmed, the offer of a person
    with an interpreter, the consent, every question (a postal code several communes share
    too) and the confirmation, which says the number the counsellor will call, are in Arabic,
    and the lead carries ``language: ar``."""
    content: Content = services.content
    chat = RestChat(client, "ar-1")
    await chat.say("السلام عليكم، أبحث عن عمل")
    assert content.message("language_detected", "ar") in chat.text()
    assert pick("ar") in chat.payloads()
    await chat.say(pick("ar"))
    assert content.message("interpreter_offer", "ar") in chat.text()
    await chat.say("هل يوجد شخص يتكلم العربية؟")
    assert content.message("interpreter_offer", "ar") in chat.text()
    await chat.say("/affirm")
    assert chat.text() == content.privacy.consent.text.get("ar")
    await chat.say("/affirm")
    assert chat.text() == content.message("ask_age", "ar")
    await chat.say("19")
    assert chat.text() == content.message("ask_name", "ar")
    await chat.say("أحمد")
    assert chat.text() == content.message("ask_phone", "ar")
    await chat.say("06 12 34 56 78")
    assert content.message("ask_commune", "ar") in chat.text()
    await chat.say("55100")
    assert chat.text() == content.message("which_commune", "ar", code="55100")
    assert "plusieurs communes" not in chat.text()
    await chat.say("1")
    assert content.message("ask_need", "ar") in chat.text()
    await chat.say("عمل في مطعم")
    assert content.message("ask_when", "ar") in chat.text()
    await chat.say('/select{"value":"when_morning"}')
    assert "أحمد" in chat.text()
    assert "ملخص" in chat.text()
    await chat.say("/affirm")
    assert chat.text() == "\n\n".join(
        (
            content.message("lead_done_phone", "ar", phone="06 12 34 56 78"),
            content.message("lead_done_when", "ar", when=content.message("when_morning", "ar")),
            content.message("lead_done_after", "ar"),
        )
    )
    assert not re.search(r"[A-Za-zéè]{3,} [a-zéè]{3,}", chat.text().replace("Mission Locale", ""))
    lead = await lead_of(services, "+33612345678")
    assert (lead.language, lead.urgent) == ("ar", False)


async def test_a_dari_job_request_raises_no_crisis_and_is_answered_in_dari(
    client: Any, services: Services
) -> None:
    """The classifier never reads Arabic script: "I am looking for work" in Dari gets Dari,
    not a crisis alert; picked by a typed "1", Dari stays for the STOP confirmation."""
    content = services.content
    chat = RestChat(client, "prs-1")
    await chat.say("سلام، من دنبال کار هستم")
    assert content.message("language_detected", "prs") in chat.text()
    assert "3114" not in chat.text()
    await chat.say("1")
    assert content.message("language_set", "prs") in chat.text()
    await chat.say("کمک می خواهم برای پیدا کردن کار")
    assert content.message("interpreter_offer", "prs") in chat.text()
    await chat.say("/deny")
    assert content.message("lead_declined", "prs") in chat.text()
    await chat.say("تشکر")
    await chat.say("STOP")
    assert chat.text() == content.message("opt_out_done", "prs")
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert (conversation.locale, conversation.urgent) == ("prs", False)
        assert await session.scalar(select(Lead)) is None


async def test_a_crisis_said_in_french_words_is_answered_in_the_chosen_language(
    client: Any, services: Services
) -> None:
    """A Pashto speaker who writes a French crisis word gets the Pashto crisis text, every
    number in it, and the line that 112 answers even in little French."""
    content = services.content
    chat = RestChat(client, "ps-1")
    await chat.say("سلام، زه د کار په لټه کې یم")
    assert content.message("language_detected", "ps") in chat.text()
    await chat.say(pick("ps"))
    await chat.say("je veux mourir")
    text = chat.text()
    assert content.crisis.kinds["suicide"].text.get("ps") in text
    for number in ("3114", "112", "114"):
        assert number in text
    assert "لږ فرانسوي" in text
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
        assert lead is not None
        assert (lead.urgent, lead.language) == (True, "ps")


async def test_an_unknown_script_gets_the_languages_in_their_own_names(
    client: Any, services: Services
) -> None:
    """Tigrinya is known to no identifier: the bot asks in every language and lists them."""
    chat = RestChat(client, "ti-1")
    await chat.say("ሰላም ስራ እደሊ ኣለኹ")
    titles = [button["title"] for item in chat.last for button in item.get("buttons", [])]
    assert {"العربية", "دری", "پښتو", "English", "français"} <= set(titles)
    assert ARABIC_LETTERS.search(chat.text())
    assert services.content.message("language_menu", "en") in chat.text()


async def test_langue_opens_the_list_at_any_time_and_the_choice_sticks(
    client: Any, services: Services
) -> None:
    """ "langue" lists the languages; English picked mid-form asks the form's question again
    in English, and French words later do not switch back."""
    content = services.content
    chat = RestChat(client, "fr-1")
    await chat.say("salut je cherche du taf")
    await chat.say("/affirm")
    await chat.say("/affirm")
    assert chat.text() == content.message("ask_age", "fr")
    await chat.say("langue")
    assert pick("en") in chat.payloads()
    await chat.say(pick("en"))
    assert content.message("ask_age", "en") in chat.text()
    await chat.say("18")
    assert chat.text() == content.message("ask_name", "en")
    await chat.say("je m'appelle Lucas")
    assert chat.text() == content.message("ask_phone", "en")


async def test_je_lis_pas_bien_gets_easy_french_and_a_call_back(
    client: Any, services: Services
) -> None:
    """ "je lis pas bien" repeats the last answer in français facile and offers a call back;
    never "je ne peux pas t'aider"; later answers stay easy."""
    content = services.content
    chat = RestChat(client, "falc-1")
    await chat.say("c'est quoi le CEJ")
    assert content.answers["cej"].text.fr in chat.text()
    await chat.say("je lis pas bien")
    text = chat.text()
    assert content.answers["cej"].text.get("fr-x-falc") in text
    assert content.message("easy_offer", "fr-x-falc") in text
    assert "je ne peux pas t'aider" not in text.lower()
    await chat.say("/deny")
    await chat.say("je cherche un logement")
    assert content.answers["housing"].text.get("fr-x-falc") in chat.text()


async def test_a_whole_message_in_dari_after_french_was_chosen_asks_the_language_again(
    client: Any, services: Services
) -> None:
    """Someone in easy French who then writes in Dari (a friend took the phone, or French was
    a guess) is asked which language, in Dari, instead of "pas compris" in French; a Latin
    "ok" in an Arabic conversation keeps Arabic."""
    content = services.content
    chat = RestChat(client, "switch-1")
    await chat.say("je cherche une formation")
    await chat.say("je lis pas bien")
    await chat.say("/deny")
    await chat.say("تو میتونی به من کمک کنی کار پیدا کنم؟")
    assert content.message("language_detected", "prs") in chat.text()
    assert "pas compris" not in chat.text()
    await chat.say("1")
    assert content.message("language_set", "prs") in chat.text()
    await chat.say("ok")
    assert ARABIC_LETTERS.search(chat.text())
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert conversation.locale == "prs"


async def test_a_typed_yes_in_the_language_counts_as_the_yes_button(
    client: Any, services: Services
) -> None:
    """ "نعم" typed after the offer of an interpreter opens the consent, as the button does."""
    content = services.content
    chat = RestChat(client, "ar-2")
    await chat.say("مرحبا أريد مساعدة")
    await chat.say("نعم")
    assert content.message("interpreter_offer", "ar") in chat.text()
    await chat.say("نعم")
    assert chat.text() == content.privacy.consent.text.get("ar")
    await chat.say("لا")
    assert chat.text() == content.message("consent_declined", "ar")


async def test_a_crisis_typed_in_dari_on_an_arabic_keyboard_raises_the_alert_in_dari(
    client: Any, services: Services
) -> None:
    """The words of ``bot/languages/prs/crisis_words.yml`` are heard whatever the keyboard:
    "I want to die" with Arabic ye, after an ordinary job request that raised nothing, gets
    the Dari crisis text with its numbers and an urgent conversation for the team."""
    content = services.content
    chat = RestChat(client, "prs-crisis")
    await chat.say("سلام، من دنبال کار هستم")
    await chat.say("1")
    await chat.say("موتر ندارم، کار در وردن میخواهم")
    assert "3114" not in chat.text()
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert conversation.urgent is False
    await chat.say("ديگه ميخواهم بميرم")
    assert content.crisis.kinds["suicide"].text.get("prs") in chat.text()
    for number in ("3114", "112", "114"):
        assert number in chat.text()
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        assert (conversation.locale, conversation.urgent) == ("prs", True)


async def test_a_question_at_the_consent_step_is_asked_again_in_arabic_not_french(
    client: Any, services: Services
) -> None:
    """Typed instead of a yes or no, "I am 17, can I work?" gets the consent question again
    in Arabic: consent is asked in a language the person reads (once it came in French)."""
    content = services.content
    chat = RestChat(client, "ar-consent")
    for message in ("السلام عليكم", "ابحث عن عمل في فردان", "نعم"):
        await chat.say(message)
    assert chat.text() == content.privacy.consent.text.get("ar")
    await chat.say("عندي 17 سنة هل يمكنني العمل؟")
    assert content.message("consent_again", "ar") in chat.text()
    assert content.message("consent_again", "fr") not in chat.text()
