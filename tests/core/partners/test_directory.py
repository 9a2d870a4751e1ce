"""Which partner services meet a sector's territory, when the commune is unknown."""

from __future__ import annotations

import pytest

from outreach_bot.core.partners.directory import covers_sector

NORTH_MEUSE = ["arr:553"]  # Verdun's arrondissement, Stenay's too


@pytest.mark.parametrize(
    ("area", "rules", "expected"),
    [
        ("", NORTH_MEUSE, True),  # no area: everywhere the team works
        ("FRANCE", NORTH_MEUSE, True),
        ("55", NORTH_MEUSE, True),  # the département holds the sector
        ("55502", NORTH_MEUSE, True),  # Stenay lies in it
        ("55029", NORTH_MEUSE, False),  # Bar-le-Duc, another arrondissement
        ("54", NORTH_MEUSE, False),
        ("55029,55545", ["insee:55545"], True),
        ("55", ["insee:55545"], True),
        ("55", ["cp:55100"], True),
        ("54395", ["cp:55100"], False),
        ("2A", ["cp:20000"], True),
        ("971", ["dep:971"], True),
        ("246700488", ["dep:67"], False),  # an intercommunality: its communes are not known
        ("55", [], False),  # the fallback sector has no territory
    ],
)
def test_a_service_meets_a_sector_when_their_territories_overlap(
    area: str, rules: list[str], expected: bool
) -> None:
    """A commune of the service in the sector, or the sector in the service's département."""
    assert covers_sector(area, rules) is expected
