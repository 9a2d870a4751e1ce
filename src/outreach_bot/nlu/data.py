"""Reading Rasa 3 NLU training data, so both backends learn from the same YAML files.

Only the part of the format our data uses is supported: ``nlu:`` items with an
``intent:`` and an ``examples: |`` block of ``- `` lines. Synonyms, regexes and
lookup tables are skipped (Rasa keeps them; the embedded classifier has no use
for them). Entity annotations such as ``[Verdun](city)`` or
``[Verdun]{"entity": "city"}`` are reduced to their text.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Final, NamedTuple

import yaml

from outreach_bot.yaml_files import safe_load

logger = logging.getLogger(__name__)

YAML_SUFFIXES: Final = (".yml", ".yaml")

# `[text](entity)`, `[text](entity:value)`, `[text]{"entity": ...}`: keep only `text`.
_ENTITY_ANNOTATION: Final = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


class NluDataError(ValueError):
    """A training or test file cannot be read as Rasa NLU data.

    The message names the file and the faulty item, so whoever edits the YAML
    can fix it without reading the loader.
    """


class Example(NamedTuple):
    """One labelled message: what a young person wrote and what they meant.

    A named tuple, so callers may unpack it as ``(text, intent)``.
    """

    text: str
    intent: str


def strip_entities(text: str) -> str:
    """Return ``text`` with Rasa entity annotations replaced by the annotated words."""
    return _ENTITY_ANNOTATION.sub(r"\1", text)


def data_files(path: Path) -> list[Path]:
    """List the YAML files that make up the data at ``path``, in a stable order.

    A stable order matters because the model cache key hashes the files in
    this order.

    Raises:
        NluDataError: ``path`` does not exist, or a folder holds no YAML file.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise NluDataError(f"{path}: no such file or folder")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES)
    if not files:
        raise NluDataError(f"{path}: no .yml or .yaml file in this folder")
    return files


def load_examples(path: Path) -> list[Example]:
    """Load every intent example from a Rasa NLU YAML file or folder.

    Files without an ``nlu:`` key (a ``domain.yml`` or ``stories.yml`` lying in
    the same folder) are skipped, as Rasa does.

    Raises:
        NluDataError: a file is not valid YAML, or an ``nlu:`` item is malformed.
    """
    examples: list[Example] = []
    for file in data_files(path):
        examples.extend(_load_file(file))
    return examples


def _load_file(file: Path) -> list[Example]:
    try:
        document = safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise NluDataError(f"{file}: not valid YAML ({error})") from error
    except UnicodeDecodeError as error:
        raise NluDataError(f"{file}: not UTF-8 text") from error
    if document is None:
        return []
    if not isinstance(document, dict):
        raise NluDataError(f"{file}: expected a mapping at the top level")
    items = document.get("nlu")
    if items is None:
        return []
    if not isinstance(items, list):
        raise NluDataError(f"{file}: `nlu:` must be a list of items")
    examples: list[Example] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise NluDataError(f"{file}: nlu item {position} is not a mapping")
        if "intent" not in item:
            continue  # synonym, regex or lookup item: not an intent example
        examples.extend(_intent_examples(file, position, item))
    return examples


def _intent_examples(file: Path, position: int, item: dict[object, object]) -> list[Example]:
    intent = item.get("intent")
    if not isinstance(intent, str) or not intent.strip():
        raise NluDataError(f"{file}: nlu item {position} has an empty or non-text intent")
    block = item.get("examples")
    if not isinstance(block, str):
        raise NluDataError(f"{file}: intent {intent!r} needs an `examples: |` block of `- ` lines")
    examples: list[Example] = []
    for line_number, raw in enumerate(block.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("-"):
            raise NluDataError(
                f"{file}: intent {intent!r}, example line {line_number} does not start with '- '"
            )
        text = strip_entities(line[1:].strip()).strip()
        if text:
            examples.append(Example(text=text, intent=intent.strip()))
    if not examples:
        raise NluDataError(f"{file}: intent {intent!r} has no example")
    return examples
