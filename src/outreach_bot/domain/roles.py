"""Back-office roles, from least to most powerful."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a back-office account may do.

    ``funder`` (a financing partner) reads the aggregated figures and nothing else: no lead,
    no personal data, no campaign editing. ``partner`` (someone at a partner organisation)
    sees only the referrals sent to its organisation, and only what the young person agreed
    to share. ``reviewer`` (an interpreter, a partner association) reads and approves the bot's
    texts per language on the Textes page and sees nothing else: no lead, no conversation, no
    figure.
    """

    REVIEWER = "reviewer"
    PARTNER = "partner"
    FUNDER = "funder"
    OUTREACH = "outreach"
    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
