"""Consent rules that do not depend on any channel."""

from typing import Final

#: French age of digital consent (article 45, loi Informatique et Libertés): below it we collect
#: nothing and give information instead.
DIGITAL_CONSENT_AGE: Final = 15

#: Missions Locales serve 16-25 year olds, sometimes up to 29; above that we still pass the lead
#: on but say that another service may fit better.
MAX_USUAL_AGE: Final = 29
