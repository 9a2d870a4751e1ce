"""``bot/crisis.yml``: each number said where it is offered, with its hours when not 24/7."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from outreach_bot.content import ContentError, load_content

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"


def edited_crisis(tmp_path: Path, change: Any) -> Path:
    """A copy of ``bot/`` whose crisis texts went through ``change(structure, french)``:
    ``structure`` is bot/crisis.yml, ``french`` the texts of bot/languages/fr/crisis.yml."""
    directory = tmp_path / "bot"
    shutil.copytree(BOT_DIR, directory)
    path = directory / "crisis.yml"
    texts_path = directory / "languages" / "fr" / "crisis.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = yaml.safe_load(texts_path.read_text(encoding="utf-8"))
    change(data, texts["texts"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    texts_path.write_text(
        yaml.safe_dump(texts, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return directory


def test_the_reviewed_crisis_file_offers_what_the_facts_sheet_says() -> None:
    """Violence lists 3919, 116 006 and 114 by SMS; shelter sends under-18s to 119."""
    crisis = load_content(BOT_DIR).crisis
    links = {kind: [r.link for r in crisis.resources_of(kind)] for kind in crisis.kinds}
    assert links["violence"] == ["tel:119", "tel:3919", "tel:116006", "tel:17", "sms:114"]
    assert links["shelter"] == ["tel:119", "tel:115"]
    shelter = crisis.kinds["shelter"].text.fr
    assert shelter.index("119") < shelter.index("moins de 18 ans") < shelter.index("115")
    fil = next(r for r in crisis.resources if r.id == "fil_sante_jeunes")
    assert fil.hours is not None
    assert "24h/24" not in fil.label.fr
    assert "9h à 23h" in crisis.kinds["default"].text.fr


def drop_number(_: dict[str, Any], french: dict[str, str]) -> None:
    french["kinds.violence"] = french["kinds.violence"].replace("3919", "le numéro")


def drop_hours(_: dict[str, Any], french: dict[str, Any]) -> None:
    default = french["kinds.default"]
    record = default if isinstance(default, dict) else {"text": default}
    french["kinds.default"] = {**record, "text": record["text"].replace(", de 9h à 23h", "")}


def sms_114_inside_3114(data: dict[str, Any], _: dict[str, str]) -> None:
    data["kinds"]["suicide"]["resources"].append("114")


def hours_not_in_label(_: dict[str, Any], french: dict[str, str]) -> None:
    french["resources.116006.label"] = "aide aux victimes, gratuit"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (drop_number, "kind violence: the fr text does not write 3919"),
        (drop_hours, "kind default: the fr text names 0 800 235 236 without its hours"),
        (sms_114_inside_3114, "kind suicide: the fr text does not write 114"),
        (hours_not_in_label, "116006: the fr label must say its hours"),
    ],
)
def test_a_crisis_text_without_its_number_or_hours_stops_start_up(
    tmp_path: Path, change: Any, problem: str
) -> None:
    """A number offered as a button but missing from the text (what an SMS reader sees), or a
    part-time line presented without its hours, is refused when the bot starts."""
    with pytest.raises(ContentError) as caught:
        load_content(edited_crisis(tmp_path, change))
    assert problem in str(caught.value)
