"""SMS text: segment counting, typographic clean-up and numbered choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_bot.channels.sms import SmsRenderer
from outreach_bot.channels.sms_text import (
    count_segments,
    render_reply,
    replace_typography,
    to_sms_text,
)
from outreach_bot.content import load_content
from outreach_bot.dialogue.replies import Button, Reply

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("Salut", "GSM-7", 5, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        # é è à ù ì ò É Ç exist in GSM-7: common French stays in the cheap alphabet.
        ("é" * 160, "GSM-7", 160, 1),
        ("Ça va ? Tu as trouvé où aller, à Verdun ?", "GSM-7", 41, 1),
        # € [ ] { } ^ ~ \ | are escape sequences: two septets each.
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("10 € [promo]", "GSM-7", 15, 1),
        # An escape sequence is never split across two parts.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        # â ê î ô û ç ë ï are not GSM-7: the whole message becomes UCS-2.
        ("Tu as quel âge ?", "UCS-2", 16, 1),
        ("ê" * 70, "UCS-2", 70, 1),
        ("ê" * 71, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("ê" * 135, "UCS-2", 135, 3),
        ("C’est noté", "UCS-2", 10, 1),
        # An emoji is two UTF-16 units and is never split either.
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_segment_count_matches_what_the_operator_bills(
    text: str, encoding: str, units: int, segments: int
) -> None:
    """Each text is counted in the encoding and number of parts the network will use."""
    counted = count_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("C’est noté", "C'est noté"),
        ("« Garantie jeunes »", '"Garantie jeunes"'),
        ("«\u00a0CEJ\u00a0»", '"CEJ"'),
        ("Attends…", "Attends..."),
        ("Tu es d’accord\u202f?", "Tu es d'accord ?"),
        ("16\u00a0–\u00a025 ans", "16 - 25 ans"),
        ("ton cœur", "ton coeur"),
        ("un·e conseiller·e", "un.e conseiller.e"),
        ("“ok”", '"ok"'),
    ],
)
def test_typographic_characters_become_plain_gsm7(raw: str, plain: str) -> None:
    """Curly quotes, guillemets, ellipses and special spaces no longer force UCS-2."""
    assert replace_typography(raw) == plain
    assert count_segments(to_sms_text(raw)).encoding == "GSM-7"


def test_accents_stay_when_dropping_them_saves_nothing() -> None:
    """A short message keeps its circumflex: it is one segment either way."""
    assert to_sms_text("Tu as quel âge ?") == "Tu as quel âge ?"


def test_accents_are_dropped_when_that_saves_a_segment() -> None:
    """A long message loses â ê ç (not é è à) and costs one segment instead of three."""
    text = "Ça fait plaisir, tu es prêt ? " * 4 + "Ta première étape : être là à 9h."
    assert count_segments(text).segments == 3
    sent = to_sms_text(text)
    assert count_segments(sent).segments == 1
    assert sent == text.replace("ê", "e")


def test_an_emoji_is_left_alone() -> None:
    """Nothing can make an emoji GSM-7, so accents are kept as they are."""
    text = "Trop bien 😀 tu es prêt ! " * 3
    assert to_sms_text(text) == text


def test_buttons_become_numbered_lines_with_an_instruction() -> None:
    """Two buttons read as "1. Oui / 2. Non merci" followed by how to answer."""
    reply = Reply(
        "Tu veux qu'on t'appelle ?", (Button("Oui", "/affirm"), Button("Non merci", "/deny"))
    )
    assert render_reply(reply, "Réponds 1 ou 2.") == (
        "Tu veux qu'on t'appelle ?\n1. Oui\n2. Non merci\nRéponds 1 ou 2."
    )


def test_a_lone_option_does_not_look_like_the_only_answer() -> None:
    """A skip button under a free question reads "(1 = Passer)", with no instruction line."""
    reply = Reply("Ton prénom ?", (Button("Passer", "/skip"),))
    assert render_reply(reply, "Réponds 1.") == "Ton prénom ?\n(1 = Passer)"


@pytest.mark.parametrize(
    ("titles", "instruction"),
    [
        (("Oui", "Non merci"), "Réponds 1 ou 2."),
        (("Yes", "No thanks"), "Reply 1 or 2."),
        (
            ("Le matin", "L'après-midi", "En fin de journée", "Peu importe"),
            "Réponds par un chiffre de 1 à 4.",
        ),
        (
            ("Morning", "Afternoon", "Late afternoon", "Any time"),
            "Reply with a number from 1 to 4.",
        ),
    ],
)
def test_instruction_comes_from_the_content_in_the_conversation_language(
    titles: tuple[str, ...], instruction: str
) -> None:
    """French buttons get a French instruction, English ones an English one."""
    renderer = SmsRenderer(load_content(ROOT / "bot"))
    reply = Reply("?", tuple(Button(title, f"/b{i}") for i, title in enumerate(titles)))
    assert renderer.render(reply).endswith("\n" + instruction)
