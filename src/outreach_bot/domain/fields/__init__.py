"""Parsers for the free answers a young person gives: name, phone number, age and commune.

They read and normalise, never decide: what an age under 15 or a commune outside the Mission
Locale's area means is the dialogue's business.
"""

from outreach_bot.domain.fields.age import parse_age, stated_age
from outreach_bot.domain.fields.commune import (
    Commune,
    CommuneMatch,
    commune_by_insee,
    find_commune_in,
    home_commune_in,
    load_communes_in_background,
    match_commune,
    without_commune_name,
)
from outreach_bot.domain.fields.name import MAX_NAME_LENGTH, parse_first_name
from outreach_bot.domain.fields.phone import (
    is_french_mobile,
    is_mobile,
    national_format,
    parse_phone,
)

__all__ = [
    "MAX_NAME_LENGTH",
    "Commune",
    "CommuneMatch",
    "commune_by_insee",
    "find_commune_in",
    "home_commune_in",
    "is_french_mobile",
    "is_mobile",
    "load_communes_in_background",
    "match_commune",
    "national_format",
    "parse_age",
    "parse_first_name",
    "parse_phone",
    "stated_age",
    "without_commune_name",
]
