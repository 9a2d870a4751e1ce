"""Phone numbers and e-mail addresses taken out of a free text before it is kept for review.

The quality loop keeps what the bot did not understand so that counsellors can teach it; it needs
the words, not the way to reach the person. Phone numbers are found by ``phonenumbers``'
matcher (the same library the lead form uses) at its most lenient setting, because keeping a
number by mistake is worse than blanking a figure that only looked like one.
"""

import re
from typing import Final

import phonenumbers

__all__ = ["EMAIL_MARK", "PHONE_MARK", "strip_contact_details"]

PHONE_MARK: Final = "[téléphone]"
EMAIL_MARK: Final = "[e-mail]"
# Something@something.tld, with no space: enough for what a young person types in a chat.
EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")


def strip_contact_details(text: str, default_region: str = "FR") -> str:
    """Return ``text`` with every phone number and e-mail address replaced by a mark.

    Args:
        text: the message as received.
        default_region: ISO 3166-1 alpha-2 code assumed for numbers without a prefix.
    """
    text = EMAIL.sub(EMAIL_MARK, text)
    matches = list(
        phonenumbers.PhoneNumberMatcher(
            text, default_region, leniency=phonenumbers.Leniency.POSSIBLE
        )
    )
    for match in reversed(matches):
        text = text[: match.start] + PHONE_MARK + text[match.end :]
    return text
