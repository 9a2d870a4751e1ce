"""The young person's side of a referral: answering "OK pour que je transmette ... ?".

A counsellor's proposal asks on the young person's own channel whether a partner may be
told about them (:mod:`outreach_bot.core.partners.referrals` sends the question). Their
answer counts only when it is explicit: the Oui/Non button (or its number on SMS) or the
word alone ("oui", "non", "ok"...). A classifier's guess that a sentence means yes never
consents: the bot asks again, plainly. Any other message is not about the question, which
stays open for the next one.
"""

from __future__ import annotations

from typing import Final

from outreach_bot.content import Content
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState, Step

#: Message keys this module uses, with their placeholders (checked at start-up).
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    "referral_agreed": frozenset({"organisation"}),
    "referral_refused": frozenset(),
    "referral_unclear": frozenset({"organisation"}),
    "referral_share_first_name": frozenset(),
    "referral_share_phone": frozenset(),
    "referral_share_need": frozenset(),
    "referral_share_and": frozenset(),
}


def answer(
    content: Content,
    state: DialogueState,
    organisation: str,
    *,
    explicit: bool | None,
    guessed: bool,
) -> tuple[Reply, bool | None] | None:
    """The reply to a message sent while a referral question waits, and the answer it gives.

    Args:
        content: the reviewed texts.
        state: the conversation's state (its locale; its step goes back to idle).
        organisation: the partner named in the question.
        explicit: True for an explicit yes, False for an explicit no, None otherwise.
        guessed: the classifier thinks the message is a yes or a no.

    Returns:
        ``(reply, True|False)`` for an explicit answer, ``(reply, None)`` when the bot must ask
        again, or None when the message is about something else.
    """
    if explicit is None and not guessed:
        return None
    if state.step not in {Step.IDLE, Step.OFFER_LEAD, Step.AFTER_CRISIS}:
        return None  # in the middle of the form: its own question comes first
    state.step = Step.IDLE
    locale = state.locale
    if explicit is True:
        return Reply(content.message("referral_agreed", locale, organisation=organisation)), True
    if explicit is False:
        return Reply(content.message("referral_refused", locale)), False
    buttons = (
        Button(content.message("button_yes", locale), "/affirm"),
        Button(content.message("button_no", locale), "/deny"),
    )
    text = content.message("referral_unclear", locale, organisation=organisation)
    return Reply(text, buttons), None
