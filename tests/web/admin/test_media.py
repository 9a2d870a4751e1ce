"""Who may open a file a young person sent: staff who may see the lead, and nobody else."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach_bot.core.media import store_media
from outreach_bot.core.services import Services
from outreach_bot.storage.models import AuditEntry, Lead
from tests.web.admin.conftest import Browser, make_lead

PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"invented photo of an ID card " * 20


async def with_photo(services: Services, lead: Lead) -> str:
    assert lead.conversation_id is not None
    async with services.sessions.begin() as session:
        media = await store_media(
            session,
            conversation_id=lead.conversation_id,
            lead_id=lead.id,
            message_id=None,
            kind="photo",
            content_type="image/jpeg",
            data=PHOTO,
            filename="carte.jpg",
            now=datetime.now(UTC),
        )
    return f"/admin/leads/{lead.id}/media/{media.id}"


async def test_a_counsellor_of_the_sector_opens_it_uncached(
    services: Services, browser: Browser
) -> None:
    """Served as it came, never cached, under our own name; the opening is audited."""
    lead = await make_lead(services)
    url = await with_photo(services, lead)
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert f'<img src="{url}"' in page
    response = await browser.get(url)
    assert response.status == 200
    assert await response.read() == PHOTO
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store, private"
    assert response.headers["Content-Disposition"] == 'inline; filename="photo.jpg"'
    assert "sandbox" in response.headers["Content-Security-Policy"]
    async with services.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "view_media" in actions


@pytest.mark.parametrize(("who", "status"), [("sam", 404), ("olga", 403)])
async def test_staff_who_may_not_see_the_lead_get_nothing(
    services: Services, browser: Browser, who: str, status: int
) -> None:
    """A counsellor of another sector: 404, as for a missing file; a role without leads: 403."""
    lead = await make_lead(services)
    url = await with_photo(services, lead)
    await browser.login(who)
    response = await browser.get(url)
    assert response.status == status
    assert PHOTO not in await response.read()


async def test_signed_out_is_sent_to_the_login(services: Services, browser: Browser) -> None:
    lead = await make_lead(services)
    url = await with_photo(services, lead)
    response = await browser.get(url, allow_redirects=False)
    assert response.status in {302, 303}
    assert "/admin/login" in response.headers["Location"]


async def test_a_file_of_another_lead_is_not_found(services: Services, browser: Browser) -> None:
    """The file id must belong to the lead in the URL: ids cannot be walked through a lead."""
    mine = await make_lead(services, first_name="Inès")
    other = await make_lead(services, first_name="Noa")
    url = await with_photo(services, other)
    await browser.login("lea")
    media_id = url.rsplit("/", 1)[1]
    response = await browser.get(f"/admin/leads/{mine.id}/media/{media_id}")
    assert response.status == 404


async def test_the_access_export_carries_the_files(services: Services, browser: Browser) -> None:
    """ "Exporter tout" hands over the files too, with their bytes."""
    lead = await make_lead(services)
    await with_photo(services, lead)
    await browser.login("admin")
    export = await (await browser.get(f"/admin/leads/{lead.id}/export.json")).json()
    (exported,) = export["files"]
    assert (exported["kind"], exported["content_type"], exported["status"]) == (
        "photo",
        "image/jpeg",
        "kept",
    )
    assert base64.b64decode(exported["content_base64"]) == PHOTO
