"""CSV files for French spreadsheets, safe to open with a double click."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
"""What makes LibreOffice or Excel read a cell as a formula (OWASP's list for CSV injection)."""


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as typed and never runs: text a young person or a member of
    staff wrote ("=HYPERLINK(…)", "+33 6…", "-") gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV file: byte-order mark (Excel otherwise reads UTF-8 as Windows-1252), then
    :func:`csv_section`."""
    return "\ufeff" + csv_section(header, rows)


def csv_section(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header and its rows with no byte-order mark, to follow another section in one file:
    ``;`` between cells (``,`` is the French decimal mark), CRLF line ends, every cell made
    safe by :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
