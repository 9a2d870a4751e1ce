"""Logs never contain message text, names or phone numbers."""

from __future__ import annotations

import logging

from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat


async def test_a_whole_conversation_logs_no_personal_data(client, caplog) -> None:
    """Even at DEBUG, a full lead conversation leaves no name, number or message in the logs."""
    caplog.set_level(logging.DEBUG)
    chat = RestChat(client)
    await run_full_lead(chat)
    await chat.say("je veux me suicider")
    await chat.say("SUPPRIMER")
    await chat.say("/affirm")
    logged = caplog.text.lower()
    assert "lead" in logged  # the log is not empty: ids are there
    for secret in ("léa", "612345678", "6 12 34 56 78", "restauration", "suicider", "boulot"):
        assert secret not in logged
