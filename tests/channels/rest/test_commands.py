"""STOP through the real REST webhook: everyday sentences never unsubscribe, the command does."""

from __future__ import annotations

from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation
from tests.factories import EVERYDAY_NOT_STOP, EXPLICIT_STOP, RestChat


async def opted_out(services: Services, sender: str) -> bool:
    async with services.sessions() as session:
        found = await session.scalar(
            select(Conversation).where(
                Conversation.sender_hash == current_cipher().lookup_hash(f"rest:{sender}")
            )
        )
    assert found is not None
    return found.opted_out


async def test_everyday_sentences_never_unsubscribe(client, services: Services) -> None:
    """Each everyday sentence gets an answer and leaves the person subscribed."""
    done = services.content.message("opt_out_done", "fr")
    wrongly_stopped = []
    for number, sentence in enumerate(EVERYDAY_NOT_STOP):
        chat = RestChat(client, sender=f"everyday-{number}")
        await chat.say("salut")
        await chat.say(sentence)
        assert chat.last, sentence
        if done in chat.text() or await opted_out(services, chat.sender):
            wrongly_stopped.append(sentence)
    assert wrongly_stopped == []
    assert len(EVERYDAY_NOT_STOP) >= 20


async def test_the_stop_command_unsubscribes_at_once(client, services: Services) -> None:
    """STOP alone or nearly alone, in every spelling, is confirmed and unsubscribes."""
    done = services.content.message("opt_out_done", "fr")
    for number, word in enumerate(EXPLICIT_STOP):
        chat = RestChat(client, sender=f"stop-{number}")
        await chat.say("salut")
        await chat.say(word)
        assert chat.text() == done, word
        assert await opted_out(services, chat.sender), word


async def test_a_guessed_opt_out_asks_and_the_button_confirms(client, services: Services) -> None:
    """ "attends stop jai pas fini" asks first; the yes button then unsubscribes."""
    chat = RestChat(client, sender="asked")
    await chat.say("attends stop jai pas fini")
    assert chat.text() == services.content.message("opt_out_confirm", "fr")
    assert chat.payloads() == ["/opt_out", "/deny"]
    assert not await opted_out(services, "asked")
    await chat.say("/opt_out")
    assert chat.text() == services.content.message("opt_out_done", "fr")
    assert await opted_out(services, "asked")


async def test_after_the_question_another_message_carries_on(client, services: Services) -> None:
    """Answering the question with a topic gets the topic's answer and no unsubscription."""
    chat = RestChat(client, sender="carries-on")
    await chat.say("attends stop jai pas fini")
    assert chat.text() == services.content.message("opt_out_confirm", "fr")
    await chat.say("c'est quoi le contrat d'engagement jeune ?")
    assert chat.last[0]["text"] == services.content.answers["cej"].text.fr
    assert not await opted_out(services, "carries-on")


async def test_stop_with_i_do_not_follow_gets_easier_words(client, services: Services) -> None:
    """ "stop je comprends rien" after an answer is someone who does not follow: the answer
    again in easy French and a call back offered, no "no more messages?" question."""
    content = services.content
    chat = RestChat(client, sender="lost")
    await chat.say("c'est quoi le contrat d'engagement jeune ?")
    await chat.say("stop je comprends rien")
    assert content.message("opt_out_confirm", "fr") not in chat.text()
    assert content.answers["cej"].text.get("fr-x-falc") in chat.text()
    assert content.message("easy_offer", "fr-x-falc") in chat.text()
    assert not await opted_out(services, "lost")
