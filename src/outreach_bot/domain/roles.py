"""Back-office roles, from least to most powerful."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a back-office account may do."""

    OUTREACH = "outreach"
    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
