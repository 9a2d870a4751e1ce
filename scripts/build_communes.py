"""Rebuild the packaged list of French communes from Etalab's npm package.

The commune parser (``outreach_bot.domain.fields.commune``) reads a compact, gzipped extract of
``data/communes.json`` from the npm package ``@etalab/decoupage-administratif`` (INSEE's Code
officiel géographique with La Poste postal codes and INSEE legal populations; data under the
Licence Ouverte, code MIT). The extract is committed, so the bot needs neither npm nor the network
at run time; run this script only when a new vintage (millésime) is published.

How to refresh (needs ``npm`` on the PATH and access to the npm registry)::

    python scripts/build_communes.py                   # latest version of the package
    python scripts/build_communes.py --version 6.0.0   # a given vintage

The script runs ``npm pack @etalab/decoupage-administratif@VERSION`` in a temporary directory,
reads ``package/data/communes.json`` from the tarball, and rewrites both
``src/outreach_bot/domain/fields/communes.tsv.gz`` and ``COMMUNES_SOURCE.md`` next to it. To work
offline from a tarball or an unpacked package you already have, pass ``--from PATH`` (a ``.tgz``
or the directory that holds ``data/communes.json``).

What is kept: communes of type ``commune-actuelle`` only, sorted by INSEE code, each with its
INSEE code, name, department, arrondissement (if any), population and postal codes; the names of
delegated and associated communes (``commune-deleguee``, ``commune-associee``) with the INSEE code
of the current commune they now belong to, because people in merged villages still give the old
name; and each department's code and name from ``data/departements.json``, so that
"Verdun (Meuse)" can be read.

Coordinates: the package has none (its ``communes.json`` gives no centre). To let the bot rank
places by distance, pass ``--coordinates FILE``, a CSV with the columns ``insee``, ``latitude``
and ``longitude`` (WGS 84) taken from an official source, such as the chef-lieu points of
IGN's ADMIN EXPRESS COG or the ``centre`` that geo.api.gouv.fr serves for each commune; the
``latitude`` and ``longitude`` lines are then written (empty for a commune the file lacks) and
``COMMUNES_SOURCE.md`` names the file. Without it, the bot ranks by the official geography the
list does have (same commune, postal code, arrondissement, department).

The file is UTF-8 text, gzipped, written column by column so that the bot reads it a column at
a time instead of parsing 35,000 JSON lists (see ``_build_index`` in the commune parser): each
line is a field name, then a tab, then that field's values for every row, separated
by tabs. The lines are ``source``; ``insee``, ``name``, ``department``, ``arrondissement`` (empty
when none), ``population`` and ``postal_codes`` (a commune's codes separated by spaces), the
n-th value of each being the n-th commune; ``former_name`` and ``former_insee``; and
``department_code`` and ``department_name``. The gzip header carries no timestamp, so the same
input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
TARGET_DIR = Path(__file__).resolve().parent.parent / "src" / "outreach_bot" / "domain" / "fields"
DATA_FILE = TARGET_DIR / "communes.tsv.gz"
SOURCE_FILE = TARGET_DIR / "COMMUNES_SOURCE.md"


def fetch_package(version: str, workdir: Path) -> Path:
    """Download the package tarball with npm and unpack it; return the package directory."""
    spec = f"{PACKAGE}@{version}"
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["npm", "pack", spec, "--silent"],  # noqa: S607 - npm is looked up on PATH on purpose
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    return unpack(tarball, workdir)


def unpack(tarball: Path, workdir: Path) -> Path:
    """Unpack an npm tarball (its files live under ``package/``) and return that directory."""
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def build(package_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the compact data and the ``package.json`` metadata read from ``package_dir``."""
    metadata = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    records = json.loads((package_dir / "data" / "communes.json").read_text(encoding="utf-8"))
    communes = sorted(
        (
            [
                record["code"],
                record["nom"],
                record["departement"],
                # Mayotte's communes have no arrondissement, written "" upstream: none, as
                # for the overseas collectivities, whose records have no such field.
                record.get("arrondissement") or None,
                int(record.get("population", 0)),
                sorted(record.get("codesPostaux", [])),
            ]
            for record in records
            if record["type"] == "commune-actuelle"
        ),
        key=lambda row: row[0],
    )
    current = {row[0]: row[1] for row in communes}
    # A delegated commune often keeps the name of the new commune; only other names help.
    former = sorted(
        {
            (record["nom"], record["chefLieu"])
            for record in records
            if record["type"] in {"commune-deleguee", "commune-associee"}
            and record.get("chefLieu") in current
            and record["nom"] != current[record["chefLieu"]]
        }
    )
    departments = json.loads(
        (package_dir / "data" / "departements.json").read_text(encoding="utf-8")
    )
    data = {
        "source": f"{PACKAGE}@{metadata['version']}",
        "communes": communes,
        "former": [list(pair) for pair in former],
        "departments": sorted([record["code"], record["nom"]] for record in departments),
    }
    return data, metadata


def read_coordinates(path: Path) -> dict[str, tuple[str, str]]:
    """INSEE code → (latitude, longitude) as written in a CSV with those three columns."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(file)
        coordinates = {}
        for row in rows:
            latitude, longitude = float(row["latitude"]), float(row["longitude"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # noqa: PLR2004
                raise ValueError(f"{path.name}: {row['insee']} has no valid position")
            coordinates[row["insee"].strip()] = (f"{latitude:.5f}", f"{longitude:.5f}")
    return coordinates


def encode(data: dict[str, Any]) -> bytes:
    """Lay ``data`` out as the packaged file's columns (see the module docstring)."""
    communes = data["communes"]
    positions = data.get("coordinates") or {}
    columns = {
        "source": [data["source"]],
        "insee": [row[0] for row in communes],
        "name": [row[1] for row in communes],
        "department": [row[2] for row in communes],
        "arrondissement": [row[3] or "" for row in communes],
        "population": [str(row[4]) for row in communes],
        "postal_codes": [" ".join(row[5]) for row in communes],
        "former_name": [name for name, _ in data["former"]],
        "former_insee": [insee for _, insee in data["former"]],
        "department_code": [code for code, _ in data["departments"]],
        "department_name": [name for _, name in data["departments"]],
    }
    if positions:
        columns["latitude"] = [positions.get(row[0], ("", ""))[0] for row in communes]
        columns["longitude"] = [positions.get(row[0], ("", ""))[1] for row in communes]
    lines = []
    for field, values in columns.items():
        for value in values:
            # The reader splits on these; no official name holds one, but say so if one ever does.
            if "\t" in value or "\n" in value:
                raise ValueError(f"{field}: {value!r} cannot be written as a column value")
        lines.append("\t".join([field, *values]) + "\n")
    return "".join(lines).encode("utf-8")


def write(data: dict[str, Any], metadata: dict[str, Any]) -> None:
    """Write the gzipped extract and its provenance note."""
    with DATA_FILE.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        zipped.write(encode(data))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    SOURCE_FILE.write_text(
        SOURCE_TEMPLATE.format(
            package=PACKAGE,
            version=metadata["version"],
            repository=metadata.get("repository", ""),
            date=today,
            communes=len(data["communes"]),
            former=len(data["former"]),
            departments=len(data["departments"]),
            coordinates=(
                f"positions of {len(data['coordinates'])} communes from "
                f"`{data['coordinates_source']}`"
                if data.get("coordinates")
                else "none: the package has no coordinates and no --coordinates file was given"
            ),
        ),
        encoding="utf-8",
    )


SOURCE_TEMPLATE = """\
# Source of `communes.tsv.gz`

- **Data**: the official list of French communes, from the npm package
  [`{package}`](https://www.npmjs.com/package/{package}) version **{version}**
  (Etalab / data.gouv.fr, repository <{repository}>),
  file `data/communes.json`.
- **Upstream sources** (per the package README): INSEE's Code officiel géographique, INSEE legal
  populations, and La Poste's Base officielle des codes postaux.
- **Licence**: data under the [Licence Ouverte / Open Licence](https://www.etalab.gouv.fr/licence-ouverte-open-licence)
  (Etalab); the package's code is MIT (`license` field of its `package.json`). The Licence Ouverte
  asks for attribution; we credit it as: "Etalab, découpage administratif (INSEE, La Poste),
  version {version}".
- **Extracted on**: {date} by `scripts/build_communes.py` (run it again to refresh; its docstring
  says how).
- **Content**: {communes} current communes (`commune-actuelle`) with their INSEE code, name,
  department, arrondissement, population and postal codes; {former} former names (delegated or
  associated communes) with the INSEE code of the current commune; and the {departments}
  departments' codes and names (from `data/departements.json`). The file is gzipped text, one
  line per field (`insee`, `name`, ...), tab-separated values, the n-th value of each commune
  line being the n-th commune; the script's docstring describes it.
- **Coordinates**: {coordinates}.
"""


def main() -> None:
    """Parse the command line and rebuild the data file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="latest", help="package version (default: latest)")
    parser.add_argument(
        "--coordinates",
        type=Path,
        help="CSV of insee,latitude,longitude from an official source (see the docstring)",
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a .tgz from `npm pack` or an unpacked package directory, instead of npm",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.source is None:
            package_dir = fetch_package(args.version, workdir)
        elif args.source.is_dir():
            package_dir = args.source
        else:
            package_dir = unpack(args.source, workdir)
        data, metadata = build(package_dir)
    if args.coordinates is not None:
        data["coordinates"] = read_coordinates(args.coordinates)
        data["coordinates_source"] = args.coordinates.name
    write(data, metadata)
    print(
        f"{DATA_FILE.name}: {len(data['communes'])} communes, {len(data['former'])} former names, "
        f"{DATA_FILE.stat().st_size} bytes, from {data['source']}"
    )


if __name__ == "__main__":
    main()
