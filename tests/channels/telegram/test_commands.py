"""On Telegram a guessed opt-out asks with a button; only the tap (or STOP) unsubscribes."""

from __future__ import annotations

from sqlalchemy import select

from outreach_bot.storage.models import Conversation
from tests.channels.telegram.conftest import Harness
from tests.fakes import FakeNlu


def guess_opt_out(harness: Harness, text: str) -> None:
    """Make this harness's classifier read ``text`` as opt_out (at 0.95), as ours may."""
    nlu = harness.services.nlu
    assert isinstance(nlu, FakeNlu)
    nlu.mapping[text] = "opt_out"


async def opted_out(harness: Harness) -> bool:
    async with harness.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    return conversation.opted_out


async def test_the_yes_button_confirms_a_guessed_opt_out(polling: Harness) -> None:
    """ "arrêtez de m'écrire svp" asks with a yes button; the tap unsubscribes."""
    content = polling.services.content
    guess_opt_out(polling, "arrêtez de m'écrire svp")
    replies = await polling.user.say("arrêtez de m'écrire svp")
    assert replies == [content.message("opt_out_confirm", "fr")]
    assert not await opted_out(polling)
    replies = await polling.user.tap("/opt_out")
    assert replies == [content.message("opt_out_done", "fr")]
    assert await opted_out(polling)


async def test_no_keeps_the_person_subscribed(polling: Harness) -> None:
    """Tapping "Non merci" after the question keeps the messages coming."""
    guess_opt_out(polling, "attends stop jai pas fini")
    await polling.user.say("attends stop jai pas fini")
    replies = await polling.user.tap("/deny")
    assert replies == [polling.services.content.message("opt_out_kept", "fr")]
    assert not await opted_out(polling)
