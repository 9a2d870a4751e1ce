"""Phone numbers typed by young people are read in every usual form, and junk is refused.

All numbers are invented: 01 99 00 xx xx is in the block ARCEP reserves for fiction, and
06 12 34 56 78 is the sequential example number everyone uses.
"""

import pytest

from outreach_bot.domain.fields import is_mobile, parse_phone

MOBILE = "+33612345678"
FICTION_LANDLINE = "+33199001234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", MOBILE),
        ("0612345678", MOBILE),
        ("06.12.34.56.78", MOBILE),
        ("06-12-34-56-78", MOBILE),
        ("+33 6 12 34 56 78", MOBILE),
        ("+33612345678", MOBILE),
        ("+33 (0)6 12 34 56 78", MOBILE),
        ("0033 6 12 34 56 78", MOBILE),
        ("0033612345678", MOBILE),
        ("  06 12 34 56 78  ", MOBILE),
        ("612345678", MOBILE),
        ("c'est le 0612345678 merci", MOBILE),
        ("mon num : 06 12 34 56 78 !", MOBILE),
        ("01 99 00 12 34", FICTION_LANDLINE),
        ("appelle moi au 01.99.00.12.34 stp", FICTION_LANDLINE),
    ],
)
def test_usual_ways_of_writing_a_number_give_e164(text, expected):
    """A number written with spaces, dots, dashes, a prefix or words around it is understood."""
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bof",
        "j'ai pas de téléphone",
        "06 12 34 56",
        "0612",
        "06123456789",
        "j'ai 17 ans",
        "12/03/2008",
        "55100",
        "0800 12 34 56",
        "08 99 12 34 56",
    ],
)
def test_answers_without_a_personal_number_are_refused(text):
    """Too short, too long, dates, postal codes and service numbers are not kept as contacts."""
    assert parse_phone(text) is None


def test_the_first_of_two_numbers_is_kept():
    """When two numbers are given, the first one written is the one kept."""
    assert parse_phone("0612345678 ou sinon 0199001234") == MOBILE


def test_a_foreign_number_with_its_prefix_is_kept():
    """A Belgian mobile written with +32 is accepted, since the Meuse borders Belgium."""
    assert parse_phone("+32 470 12 34 56") == "+32470123456"


def test_national_numbers_follow_the_default_region():
    """The same digits without a prefix are Belgian for a Belgian region, French by default."""
    assert parse_phone("0470 12 34 56", default_region="BE") == "+32470123456"
    assert parse_phone("0470 12 34 56") == "+33470123456"


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        (MOBILE, True),
        ("+32470123456", True),
        (FICTION_LANDLINE, False),
        ("not a number", False),
        ("", False),
    ],
)
def test_is_mobile_tells_whether_sms_can_reach_the_number(e164, expected):
    """Mobiles can be texted; landlines and garbage cannot."""
    assert is_mobile(e164) is expected
