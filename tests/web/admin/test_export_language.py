"""The queue's CSV says which language a young person reads, and that an interpreter is wanted."""

from __future__ import annotations

import csv
import io

from sqlalchemy import update

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead
from tests.web.admin.conftest import Browser, make_lead


async def test_the_csv_names_the_language_and_asks_for_an_interpreter(
    browser: Browser, services: Services
) -> None:
    """A Dari speaker's row says "dari · interprète souhaité"; a French speaker's says nothing."""
    dari = await make_lead(services, first_name="Farid")
    await make_lead(services, first_name="Inès")
    async with services.sessions.begin() as session:
        await session.execute(update(Lead).where(Lead.id == dari.id).values(language="prs"))
    await browser.login("lea")
    response = await browser.get("/admin/leads.csv?status=all")
    assert response.status == 200
    rows = list(
        csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";")
    )
    header = rows[0]
    languages = {row[header.index("Prénom")]: row[header.index("Langue")] for row in rows[1:]}
    assert languages == {"Farid": "dari · interprète souhaité", "Inès": ""}
