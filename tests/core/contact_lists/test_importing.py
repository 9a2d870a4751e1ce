"""Importing a contact list: checked, de-duplicated by keyed hash, encrypted, whole or absent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.contact_lists import importing
from outreach_bot.core.contact_lists.importing import import_list
from outreach_bot.core.services import Services
from outreach_bot.domain.contact_lists import LegalBasis, ListPurpose
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import (
    Campaign,
    ContactList,
    ContactListRow,
    DoNotContact,
)
from tests.core.contact_lists.conftest import TODAY, csv_of, person, phone_of


async def run_import(services: Services, data: bytes, **options: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "name": "SIEI novembre",
        "purpose": ListPurpose.TRAINING_OBLIGATION,
        "purge_on": TODAY + timedelta(days=90),
        "imported_by": None,
        "imported_by_name": "Camille (coordinatrice)",
        "today": TODAY,
    }
    values.update(options)
    return await import_list(services.sessions, data, **values)  # type: ignore[arg-type]


async def count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_valid_rows_are_stored_encrypted_and_bad_ones_listed(services: Services) -> None:
    """Good lines are kept (personal fields unreadable in the database), bad ones named."""
    report = await run_import(
        services,
        csv_of([person(1, rep="0698765432"), person(2, born="01/01/1990"), person(3)]),
    )
    assert report.imported == 2
    assert [(p.line, p.reason) for p in report.problems] == [(3, "âge hors du public (16-25 ans)")]
    async with services.sessions() as session:
        contact_list = await session.get(ContactList, report.list_id)
        assert contact_list is not None
        assert contact_list.legal_basis == LegalBasis.PUBLIC_MISSION
        assert contact_list.imported_by_name == "Camille (coordinatrice)"
        campaign = await session.get(Campaign, contact_list.campaign_id)
        assert campaign is not None
        assert campaign.code == report.campaign_code
        rows = list(await session.scalars(select(ContactListRow).order_by(ContactListRow.line)))
        assert [row.phone for row in rows] == ["+33640000001", "+33640000003"]
        assert rows[0].representative_phone == "+33698765432"
        assert rows[0].commune_name == "Verdun"
        raw = (
            await session.execute(
                text("SELECT first_name, phone, birth_date FROM contact_list_rows")
            )
        ).all()
    stored = " ".join(" ".join(values) for values in raw)
    for clear in ("JeuneB", "+33640000001", "2009-03-12", "0640000001"):
        assert clear not in stored


async def test_numbers_already_known_are_left_out_with_the_reason(services: Services) -> None:
    """A number that talks with the bot, sits on another list or said STOP is not added."""
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id="+33640000001", text="salut", message_id="a1")
    )
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id="+33640000002", text="salut", message_id="b1")
    )
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id="+33640000002", text="STOP", message_id="b2")
    )
    await run_import(services, csv_of([person(3)]), name="Reprise de contact")
    report = await run_import(services, csv_of([person(1), person(2), person(3), person(4)]))
    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "déjà en conversation avec l'équipe"),
        (3, "a demandé à ne plus être contacté (STOP)"),
        (4, "déjà sur la liste « Reprise de contact »"),
    ]
    assert report.imported == 1


async def test_a_stop_blocks_rows_on_every_list(services: Services) -> None:
    """A STOP by SMS marks the number stopped on the lists that hold it, and keeps only a hash."""
    await run_import(services, csv_of([person(5), person(6)]))
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id="+33640000005", text="salut", message_id="c1")
    )
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id="+33640000005", text="STOP", message_id="c2")
    )
    async with services.sessions() as session:
        statuses = dict(
            (await session.execute(select(ContactListRow.line, ContactListRow.status))).all()
        )
        blocked = list(await session.scalars(select(DoNotContact.phone_hash)))
    assert statuses == {2: "stopped", 3: "waiting"}
    assert len(blocked) == 1
    assert phone_of(5) not in blocked[0]


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (csv_of([person(1, born="01/01/1990")]), {}, "aucune ligne valide"),
        (b"Prenom;Commune\nLea;Verdun\n", {}, "colonne"),
        (csv_of([person(1)]), {"purge_on": TODAY}, "effacement"),
        (csv_of([person(1)]), {"purge_on": TODAY + timedelta(days=400)}, "effacement"),
        (csv_of([person(1)]), {"name": "  "}, "nom"),
    ],
)
async def test_a_refused_import_keeps_nothing(
    services: Services, data: bytes, options: dict[str, object], message: str
) -> None:
    """A file with no good line, a wrong file or a bad form stores no list and no row."""
    with pytest.raises(InvalidInputError, match=message):
        await run_import(services, data, **options)
    assert await count(services, ContactList) == 0
    assert await count(services, ContactListRow) == 0


async def test_a_failure_after_the_rows_are_written_leaves_nothing(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows, list and campaign go in one transaction: a crash midway keeps none of them."""

    def crash(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "ImportReport", crash)
    with pytest.raises(RuntimeError):
        await run_import(services, csv_of([person(index) for index in range(1, 50)]))
    assert await count(services, ContactListRow) == 0
    assert await count(services, ContactList) == 0
    assert await count(services, Campaign) == 0


async def test_supprimer_erases_the_rows_of_that_number(services: Services) -> None:
    """SUPPRIMER by SMS erases the person's rows on every list; the other rows stay."""
    await run_import(services, csv_of([person(7), person(8)]))
    for index, word in enumerate(["salut", "SUPPRIMER", "SUPPRIMER"]):
        await services.conversations.handle_inbound(
            InboundMessage(
                channel="sms", sender_id="+33640000007", text=word, message_id=f"e{index}"
            )
        )
    async with services.sessions() as session:
        phones = list(await session.scalars(select(ContactListRow.phone)))
    assert phones == ["+33640000008"]
