"""scripts/build_communes.py: coordinates from an official file reach the commune index."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from outreach_bot.domain.fields import commune as commune_module

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_communes.py"


@pytest.fixture(name="build", scope="module")
def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_communes", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _package(tmp_path: Path) -> Path:
    """A two-commune package laid out as the npm one (invented populations)."""
    data = tmp_path / "package" / "data"
    data.mkdir(parents=True)
    (tmp_path / "package" / "package.json").write_text(json.dumps({"version": "0.0.0-test"}))
    communes = [
        {"code": code, "nom": name, "departement": "55", "arrondissement": "553",
         "type": "commune-actuelle", "population": 10, "codesPostaux": [postal]}
        for code, name, postal in (("55545", "Verdun", "55100"), ("55502", "Stenay", "55700"))
    ]  # fmt: skip
    (data / "communes.json").write_text(json.dumps(communes))
    (data / "departements.json").write_text(json.dumps([{"code": "55", "nom": "Meuse"}]))
    return tmp_path / "package"


def _columns(encoded: bytes) -> dict[bytes, bytes]:
    return dict(line.partition(b"\t")[::2] for line in encoded.split(b"\n") if line)


def test_coordinates_given_are_written_and_read_back(build: ModuleType, tmp_path: Path) -> None:
    """A commune in the CSV gets its position; one left out gets none (NaN, then None)."""
    data, _ = build.build(_package(tmp_path))
    csv = tmp_path / "centres.csv"
    csv.write_text("insee,latitude,longitude\n55545,49.1598,5.3844\n", encoding="utf-8")
    data["coordinates"] = build.read_coordinates(csv)
    columns = _columns(build.encode(data))
    latitude = commune_module._coordinates(columns[b"latitude"], 2)
    longitude = commune_module._coordinates(columns[b"longitude"], 2)
    # Rows in INSEE order: Stenay (55502) first, without a position.
    assert math.isnan(latitude[0])
    assert commune_module._position(latitude[0], longitude[0]) is None
    assert commune_module._position(latitude[1], longitude[1]) == (49.1598, 5.3844)


def test_without_coordinates_no_column_is_written(build: ModuleType, tmp_path: Path) -> None:
    """The packaged list as shipped: no position for anyone."""
    data, _ = build.build(_package(tmp_path))
    columns = _columns(build.encode(data))
    assert b"latitude" not in columns
    assert all(math.isnan(value) for value in commune_module._coordinates(None, 2))


def test_an_impossible_position_is_refused(build: ModuleType, tmp_path: Path) -> None:
    """A latitude past the pole is a file error, not a commune at the edge of the map."""
    csv = tmp_path / "centres.csv"
    csv.write_text("insee,latitude,longitude\n55545,91,5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="55545"):
        build.read_coordinates(csv)
