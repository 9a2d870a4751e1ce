"""Follow-up questions over the real server and REST channel, with the real embedded NLU."""

from __future__ import annotations

from outreach_bot.core.services import Services
from tests.factories import RestChat


async def test_follow_up_button_answers_with_its_source(client, services: Services) -> None:
    """A topic answer offers its follow-ups; the chosen one comes back with its source."""
    chat = RestChat(client)
    await chat.say("c'est quoi le contrat d'engagement jeune ?")
    assert chat.payloads()[:2] == ["/affirm", "/deny"]
    assert '/cej{"followup":"amount"}' in chat.payloads()
    await chat.say('/cej{"followup":"amount"}')
    amount = services.content.answers["cej"].followup("amount")
    assert amount is not None
    assert chat.last[0]["text"].startswith(amount.text.fr)
    assert chat.last[0]["text"].endswith(
        "Source : 1jeune1solution.gouv.fr/contrat-engagement-jeune"
    )
    # The counsellor was offered with the topic's answer; it stays as a button, not asked again.
    assert chat.payloads()[-1] == "/ask_human"
    assert "/affirm" not in chat.payloads()


async def test_typed_question_reaches_the_follow_up(client, services: Services) -> None:
    """ "c'est combien le CEJ ?" typed by hand gets the amount, via the NLU and the keywords."""
    chat = RestChat(client)
    await chat.say("c'est combien le CEJ ?")
    amount = services.content.answers["cej"].followup("amount")
    assert amount is not None
    assert amount.text.fr in chat.text()


async def test_apprentice_pay_question_gets_the_pay_grid(client, services: Services) -> None:
    """A question about apprentice pay gets the follow-up with the SMIC-based grid."""
    chat = RestChat(client)
    await chat.say("en apprentissage je serai payé combien ?")
    pay = services.content.answers["apprenticeship"].followup("pay")
    assert pay is not None
    assert pay.text.fr in chat.text()


async def test_follow_up_then_consent_goes_on_as_before(client, services: Services) -> None:
    """After a follow-up, "yes" to the counsellor offer opens the consent request."""
    chat = RestChat(client)
    await chat.say("je cherche un logement")
    await chat.say('/housing{"followup":"work_study"}')
    await chat.say("/affirm")
    assert services.content.privacy.consent.text.fr in chat.text()
