"""Phone numbers typed by a young person, normalised to E.164.

A counsellor will call or text the number we keep, so we keep only numbers that can belong to a
person: valid for their region according to ``phonenumbers`` (Google's libphonenumber metadata),
and not a premium, toll-free or shared-cost service number.
"""

import re
from typing import Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

__all__ = ["is_french_mobile", "is_mobile", "parse_phone"]

# Types a personal line can have; "unknown" covers valid numbers whose range the metadata does
# not classify, which is rare but happens for some foreign countries.
PERSONAL_TYPES: Final = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.UNKNOWN,
    }
)
FRANCE: Final = 33
MOBILE_TYPES: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

# A reply that is nothing but a number ("612345678", the leading 0 forgotten) is not found by the
# matcher, which wants a number in its usual written form; we then parse the reply as a whole.
BARE_NUMBER: Final = re.compile(r"[0-9\s.\-()+/]{6,}")


def parse_phone(text: str, default_region: str = "FR") -> str | None:
    """Find the first personal phone number in a free answer.

    The young person may write the number in any usual way ("06 12 34 56 78", "06.12.34.56.78",
    "+33 6…", "0033 6…") and with words around it ("c'est le 0612345678 merci"); numbers without
    an international prefix are read as numbers of ``default_region``.

    Args:
        text: the message as received.
        default_region: ISO 3166-1 alpha-2 code of the region assumed for national numbers.

    Returns:
        The number in E.164 form ("+33612345678"), or None when the text holds no valid number
        that can belong to a person.
    """
    for match in phonenumbers.PhoneNumberMatcher(
        text, default_region, leniency=phonenumbers.Leniency.VALID
    ):
        if _is_personal(match.number):
            return _e164(match.number)
    stripped = text.strip()
    if BARE_NUMBER.fullmatch(stripped):
        try:
            number = phonenumbers.parse(stripped, default_region)
        except NumberParseException:
            return None
        if phonenumbers.is_valid_number(number) and _is_personal(number):
            return _e164(number)
    return None


def is_mobile(e164: str) -> bool:
    """Tell whether a number can receive SMS, so the team knows whether texting it is worth it.

    Args:
        e164: a number as returned by :func:`parse_phone`.

    Returns:
        True for mobile numbers (and for regions that do not tell mobile and fixed lines apart),
        False for fixed lines and for anything that does not parse.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in MOBILE_TYPES


def is_french_mobile(text: str) -> bool:
    """Tell whether ``text`` is a French mobile number (06 or 07, ``+336…``, ``+337…``).

    Since 1 January 2023 these numbers are reserved for communications between people (ARCEP
    décision 2022-1583), and operators block automated SMS sent from them; the SMS channel
    warns at start-up when it would send from one.
    """
    try:
        number = phonenumbers.parse(text, "FR")
    except NumberParseException:
        return False
    return (
        number.country_code == FRANCE
        and phonenumbers.region_code_for_number(number) == "FR"
        and phonenumbers.number_type(number) in MOBILE_TYPES
    )


def _is_personal(number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) in PERSONAL_TYPES


def _e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national_format(e164: str) -> str:
    """A number as people dial it: "03 29 00 00 00" for a French one, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    french = number.country_code == 33  # noqa: PLR2004 - France's calling code
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if french else PhoneNumberFormat.INTERNATIONAL
    )
