"""Languages over SMS: the texts, the numbered choices and their instruction in the language
the young person chose, through the real gateway webhook and the outbox."""

from __future__ import annotations

from sqlalchemy import select

from outreach_bot.channels.sms_text import count_segments
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead
from tests.channels.sms.conftest import YOUNG_PERSON, GatewayPhone


async def test_an_arabic_speaker_texts_through_to_a_lead_in_arabic(
    gateway_phone: GatewayPhone, gateway_services: Services
) -> None:
    """Every SMS after the first message is in Arabic, choices are numbered with an Arabic
    "reply 1 or 2", digits pick them, the ending says the team calls or texts this number,
    and the lead says the language."""
    content = gateway_services.content
    first = "\n".join(await gateway_phone.say("مرحبا، أريد أن أتكلم مع شخص عن العمل"))
    assert content.message("language_detected", "ar") in first
    assert "1. " in first
    answer = "\n".join(await gateway_phone.say("1"))
    assert content.message("interpreter_offer", "ar") in answer
    assert content.message("sms_choose_two", "ar") in answer
    consent = "\n".join(await gateway_phone.say("1"))
    assert content.privacy.consent.text.get("ar") in consent
    assert content.message("ask_age", "ar") in "\n".join(await gateway_phone.say("1"))
    assert content.message("ask_name", "ar") in "\n".join(await gateway_phone.say("20"))
    contact = "\n".join(await gateway_phone.say("سارة"))
    assert content.message("ask_contact_sms", "ar") in contact
    commune = "\n".join(await gateway_phone.say("1"))
    assert content.message("ask_commune", "ar") in commune
    assert content.message("ask_need", "ar") in "\n".join(await gateway_phone.say("Verdun"))
    when = "\n".join(await gateway_phone.say("تكوين في الطبخ"))
    assert content.message("ask_when", "ar") in when
    summary = "\n".join(await gateway_phone.say("2"))
    assert "سارة" in summary
    done = "\n".join(await gateway_phone.say("1"))
    assert content.message("lead_done_number", "ar") in done
    assert content.message("lead_done_after", "ar") in done
    assert "C'est envoyé" not in done
    async with gateway_services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    assert (lead.language, lead.phone, lead.channel) == ("ar", YOUNG_PERSON, "sms")


async def test_pashto_and_easy_french_over_sms(
    gateway_phone: GatewayPhone, gateway_services: Services
) -> None:
    """A Pashto speaker confirms Pashto by "1" and gets the STOP confirmation in Pashto; a
    French speaker who says "plus simple" gets the easy version and a call back."""
    content = gateway_services.content
    first = "\n".join(await gateway_phone.say("سلام! زه د کار په لټه کې یم"))
    assert content.message("language_detected", "ps") in first
    assert content.message("language_set", "ps") in "\n".join(await gateway_phone.say("1"))
    again = "\n".join(await gateway_phone.say("زه یو کار غواړم په Verdun کې"))
    assert content.message("interpreter_offer", "ps") in again
    assert content.message("opt_out_done", "ps") in "\n".join(await gateway_phone.say("STOP"))
    await gateway_phone.say("START")
    await gateway_phone.say("langue")
    easy = "\n".join(await gateway_phone.say("plus simple"))
    assert content.message("easy_offer", "fr-x-falc") in easy


async def test_an_arabic_crisis_sms_shows_its_numbers_as_dialled(
    gateway_phone: GatewayPhone, gateway_services: Services
) -> None:
    """ "He hits me" in Arabic gets the violence text in Arabic by SMS, with "116 006" joined
    by a no-break space (a phone lays an Arabic SMS out right to left and would show
    "006 116"), in UCS-2 as any Arabic SMS, stored with that segment count."""
    content = gateway_services.content
    await gateway_phone.say("مرحبا، أبحث عن عمل")
    await gateway_phone.say("1")
    answer = "\n".join(await gateway_phone.say("ابي يضربني كل يوم"))
    assert "116\u00a0006" in answer
    assert "116 006" not in answer
    expected = content.crisis.kinds["violence"].text.get("ar").replace("116 006", "116\u00a0006")
    assert expected in answer
    assert count_segments(answer).encoding == "UCS-2"
