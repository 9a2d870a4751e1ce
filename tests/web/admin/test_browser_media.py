"""A counsellor plays a young person's voice note on the lead page, in headless Chromium."""

from __future__ import annotations

import io
import math
import struct
import wave
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.services import Services
from outreach_bot.storage.models import MediaFile
from tests.browser import sign_in
from tests.web.admin.conftest import EMAILS, make_lead
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser


def voice_note(seconds: float = 1.5, rate: int = 8_000) -> bytes:
    """An invented voice note: a 440 Hz tone as a WAV file, which Chromium always decodes."""
    frames = b"".join(
        struct.pack("<h", int(8_000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


async def test_counsellor_plays_a_voice_note(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """The ``<audio>`` element of the lead page loads the file (200, an audio type, its
    duration read) and plays."""
    lead = await make_lead(services, sender="browser-voice")
    data = voice_note()

    async def fetch(limit: int) -> bytes:
        return data

    await services.conversations.handle_media(
        InboundMessage(channel="rest", sender_id="browser-voice", text="", message_id="v1"),
        Attachment(kind="voice", fetch=fetch, declared_type="audio/wav"),
    )
    async with services.sessions() as session:
        media = await session.scalar(select(MediaFile))
    assert media is not None

    page = browser_page
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()

    url = f"/admin/leads/{lead.id}/media/{media.id}"
    async with page.expect_response(lambda r: r.url.endswith(url)) as served:
        await page.goto(f"{base_url}/admin/leads/{lead.id}")
    response = await served.value
    assert response.status in {200, 206}
    assert response.headers["content-type"] == "audio/x-wav"
    assert "no-store" in response.headers["cache-control"]

    await page.get_by_role("heading", name="Fichiers reçus").wait_for()
    audio = page.locator(f'.p-media audio[src="{url}"]')
    await audio.wait_for()
    await page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 1.4", arg=await audio.element_handle()
    )
    duration = await audio.evaluate("a => a.duration")
    assert duration == pytest.approx(1.5, abs=0.05)
    await audio.evaluate("a => { a.muted = true; return a.play(); }")
    await page.wait_for_function(
        "a => a.currentTime > 0.2", arg=await audio.element_handle(), timeout=10_000
    )
    # The counsellor can go back to listen again: paused, moved back to the start.
    await audio.evaluate("a => { a.pause(); a.currentTime = 0.05; }")
    await page.wait_for_function(
        "a => a.paused && !a.seeking && a.currentTime < 0.1", arg=await audio.element_handle()
    )
    await _screenshot(page, "lead-voice-note", 1280, 800)
