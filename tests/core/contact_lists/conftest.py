"""Invented contact lists: every name, number and date here is made up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from tests.conftest import make_settings
from tests.fakes import RecordingChannel

TODAY = date(2026, 12, 7)
HEADER = "Prénom;Téléphone;Date de naissance;Commune;Téléphone du représentant légal\n"


def phone_of(index: int) -> str:
    """An invented French mobile number, different for each index below 10**7."""
    return f"06{40000000 + index:08d}"


def csv_of(lines: list[str]) -> bytes:
    """A SIEI-like export (semicolons, UTF-8 with Excel's BOM)."""
    return ("\ufeff" + HEADER + "".join(line + "\n" for line in lines)).encode()


def person(index: int, *, born: str = "12/03/2009", commune: str = "Verdun", rep: str = "") -> str:
    """One line of a list."""
    return f"Jeune{chr(65 + index % 26)};{phone_of(index)};{born};{commune};{rep}"


@pytest.fixture(name="services")
async def _services(tmp_path: Path, embedded_nlu: NluBackend) -> AsyncIterator[Services]:
    """Services with the team's phone configured and SMS recorded instead of sent."""
    settings = make_settings(tmp_path, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        services.outbound["sms"] = RecordingChannel("sms")
        yield services
