"""Invented contact lists: every name, number and date here is made up."""

from __future__ import annotations

from datetime import date

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
