"""What each answer costs on SMS: at most 2 SMS, written in GSM-7, and the table in the docs.

A Mission Locale pays per segment. One "ê" turns a whole message into UCS-2 (70 characters an
SMS instead of 160), and the SMS channel then drops accents to save a segment, so the answers
are written in GSM-7 where French allows. A text that grows past its bound fails here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from outreach_bot.channels.sms import SmsRenderer
from outreach_bot.channels.sms_text import count_segments
from outreach_bot.content import load_content

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "channels" / "sms.md"
START, END = "<!-- answers-sms-table -->", "<!-- /answers-sms-table -->"

#: Answers allowed more than 2 SMS, with their recorded bound: their source address alone is
#: long (the "Source :" line is part of the SMS), and the facts they give cannot be cut.
BOUNDS: dict[str, int] = {
    "mobility.grand_verdun": 3,
    "health.harassment": 3,
}
DEFAULT_BOUND = 2


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sms_segments", ROOT / "scripts" / "sms_segments.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("sms_segments", module)
    spec.loader.exec_module(module)
    return module


def _bodies() -> list[tuple[str, str, str]]:
    content = load_content(ROOT / "bot")
    rows: list[tuple[str, str, str]] = _script().answer_bodies(content, SmsRenderer(content))
    return rows


def test_no_answer_costs_more_sms_than_its_bound() -> None:
    """2 SMS at most, as sent (a follow-up with its source line), except the recorded ones."""
    over = {
        key: count_segments(sent).segments
        for key, _, sent in _bodies()
        if count_segments(sent).segments > BOUNDS.get(key, DEFAULT_BOUND)
    }
    assert over == {}


def test_every_answer_is_written_in_gsm7() -> None:
    """No "ê", "ç" or "â" in a French answer: correct French reaches the phone unchanged."""
    ucs2 = [key for key, written, _ in _bodies() if count_segments(written).encoding != "GSM-7"]
    assert ucs2 == []


def test_the_table_in_the_sms_page_is_current() -> None:
    """docs/channels/sms.md shows what each answer costs; regenerate it when a text changes:
    ``.venv/bin/python scripts/sms_segments.py --answers``."""
    content = load_content(ROOT / "bot")
    table = _script().answers_table(content, SmsRenderer(content))
    page = PAGE.read_text(encoding="utf-8")
    shown = page.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == table
