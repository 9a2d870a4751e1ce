"""Texts per language: a folder adds a language, texts are owned, crisis numbers are kept."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from outreach_bot.content import ContentError, ReviewState, load_content
from outreach_bot.content.languages import lookup_chain

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _french(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (BOT / "languages" / "fr" / f"{name}.yml").read_text(encoding="utf-8")
    )
    return loaded


def with_language(tmp_path: Path, code: str, crisis: dict[str, str], **files: Any) -> Path:
    """A copy of ``bot/`` with a folder for ``code``: its crisis texts, and ``files`` as given."""
    directory = tmp_path / "bot"
    shutil.copytree(BOT, directory)
    folder = directory / "languages" / code
    _write(
        folder / "language.yml",
        {"code": code, "name": "allemand", "native_name": "Deutsch", "direction": "ltr"},
    )
    _write(folder / "crisis.yml", {"written_by": "test", "state": "draft", "texts": crisis})
    for name, data in files.items():
        _write(folder / f"{name}.yml", data)
    return directory


def german_crisis() -> dict[str, str]:
    """The French crisis texts, each kind's text with a German word in front: every number kept."""
    return {
        key: f"Hilfe: {text}" if key.startswith("kinds.") else text
        for key, text in _french("crisis")["texts"].items()
    }


def test_a_new_folder_adds_a_language_with_no_code_change(tmp_path: Path) -> None:
    """A folder with its crisis texts and a greeting is a language: its texts are said, the
    rest comes from French, and each text says who wrote it and that it is a draft."""
    directory = with_language(
        tmp_path,
        "de",
        german_crisis(),
        messages={"written_by": "Verein X", "state": "draft", "texts": {"greet": "Hallo!"}},
    )
    content = load_content(directory)
    assert "de" in content.languages
    assert next(iter(content.languages)) == "fr"
    assert content.message("greet", "de") == "Hallo!"
    assert content.message("help", "de") == content.message("help", "fr")
    assert content.crisis.kinds["suicide"].text.get("de").startswith("Hilfe: ")
    greet = content.texts["de"]["messages.greet"]
    assert (greet.written_by, greet.state) == ("Verein X", ReviewState.DRAFT)


@pytest.mark.parametrize("number", ["3114", "112"])
def test_a_crisis_text_without_one_of_its_numbers_stops_start_up_in_any_language(
    tmp_path: Path, number: str
) -> None:
    """A translated suicide text that lost 3114 or 112 is refused, as a French one is."""
    crisis = german_crisis()
    crisis["kinds.suicide"] = crisis["kinds.suicide"].replace(number, "die Nummer")
    with pytest.raises(ContentError) as caught:
        load_content(with_language(tmp_path, "de", crisis))
    assert f"kind suicide: the de text does not write {number}" in str(caught.value)


def test_a_language_without_every_crisis_text_stops_start_up(tmp_path: Path) -> None:
    """A young person in danger never gets the French text for want of a translation."""
    crisis = german_crisis()
    del crisis["kinds.shelter"]
    with pytest.raises(ContentError) as caught:
        load_content(with_language(tmp_path, "de", crisis))
    assert str(caught.value) == "languages/de: missing texts crisis.yml: kinds.shelter"


def test_a_translated_label_without_the_hours_of_a_part_time_line_stops_start_up(
    tmp_path: Path,
) -> None:
    """116 006 is not open at night: its label says its hours in every language."""
    crisis = german_crisis()
    crisis["resources.116006.hours"] = "9 bis 19 Uhr"
    with pytest.raises(ContentError, match="116006: the de label must say its hours"):
        load_content(with_language(tmp_path, "de", crisis))


def test_an_unknown_text_key_stops_start_up(tmp_path: Path) -> None:
    """A typo in a key (or a follow-up that no longer exists) is named, not silently unused."""
    directory = with_language(
        tmp_path,
        "de",
        german_crisis(),
        answers={"written_by": "Verein X", "state": "draft", "texts": {"cej.amout": "Wie viel?"}},
    )
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    assert str(caught.value) == "languages/de: unknown text keys answers.yml: cej.amout"


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"state": "reviewed"}, "a reviewed text names reviewed_by and reviewed_on"),
        (
            {"state": "draft", "reviewed_by": "A. Dolmetscher"},
            "a draft has no reviewed_by or reviewed_on",
        ),
        ({"state": "approved"}, "state"),
    ],
)
def test_a_review_state_must_be_signed(
    tmp_path: Path, record: dict[str, str], problem: str
) -> None:
    """Reviewed means someone and a date; a draft claims no reviewer."""
    texts = {"greet": {"text": "Hallo!", **record}}
    directory = with_language(
        tmp_path,
        "de",
        german_crisis(),
        messages={"written_by": "Verein X", "state": "draft", "texts": texts},
    )
    with pytest.raises(ContentError, match=problem):
        load_content(directory)


def test_every_text_says_who_wrote_it_and_whether_it_was_checked() -> None:
    """The texts in service record their authors; the drafted translations are drafts, never
    marked reviewed without a reviewer and a date."""
    content = load_content(BOT)
    for code, texts in content.texts.items():
        for key, record in texts.items():
            assert record.written_by, (code, key)
            if record.state is ReviewState.REVIEWED:
                assert record.reviewed_by, (code, key)
                assert record.reviewed_on, (code, key)
    for code in ("ar", "prs", "ps", "fr-x-falc"):
        states = {record.state for record in content.texts[code].values()}
        assert states == {ReviewState.DRAFT}, code
    assert content.languages["fr"].complete
    assert content.languages["en"].complete


def test_lookup_falls_back_to_the_wider_language_then_french() -> None:
    """French made easy borrows a text it lacks from French; other languages too."""
    assert lookup_chain("fr-x-falc") == ("fr-x-falc", "fr")
    assert lookup_chain("prs") == ("prs", "fr")
    assert lookup_chain("fr") == ("fr",)


def test_every_language_folder_is_installed_with_the_wheel() -> None:
    """A wheel install carries every language folder (setuptools copies no folder by itself)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    for folder in sorted((BOT / "languages").iterdir()):
        target = f"share/outreach-bot/bot/languages/{folder.name}"
        assert data_files.get(target) == [f"bot/languages/{folder.name}/*.yml"], target


def test_a_language_in_another_script_without_crisis_words_stops_start_up(
    tmp_path: Path,
) -> None:
    """The classifier does not read Arabic script: its crisis words are the only way a young
    person in danger is heard, so a language of that script cannot start without them."""
    directory = tmp_path / "bot"
    shutil.copytree(BOT, directory)
    (directory / "languages" / "ps" / "crisis_words.yml").unlink()
    with pytest.raises(ContentError, match=r"languages/ps: crisis_words.yml is missing"):
        load_content(directory)


def test_every_language_in_another_script_has_its_crisis_words() -> None:
    content = load_content(BOT)
    assert set(content.crisis_words) == {"ar", "prs", "ps"}
    assert all(words.kinds["suicide"] for words in content.crisis_words.values())


#: Texts that stay in French for a person who chose Arabic, Dari or Pashto, and why. Any other
#: text a young person can receive must be in each of these languages, drafted at least.
FRENCH_ONLY: dict[str, str] = {
    **{
        f"messages.poster_{part}": "printed by staff for a public place, read before anyone "
        "chose a language; it leads to the landing page, which opens in the phone's language"
        for part in ("purpose", "scan", "sms", "telegram", "whatsapp")
    },
    **{
        f"messages.first_contact_{part}": "sent first, to a contact list's row, before the "
        "person has written: no language is known (core/contact_lists/sending.py)"
        for part in (
            "training",
            "recontact",
            "representative",
            "place_dated",
            "place_office",
            "place_none",
        )
    },
    "messages.easy_offer": "said only in français facile (fr-x-falc), never in another language",
}


@pytest.mark.parametrize("code", ["ar", "prs", "ps"])
def test_every_text_a_young_person_can_receive_is_in_their_language(code: str) -> None:
    """A person who chose Arabic, Dari or Pashto gets no French sentence (appointments, places,
    the form's ending, Telegram notices...) unless it is listed as French-only with a reason;
    every number of the French text is in the translation (a date, a delay, a phone number)."""
    content = load_content(BOT)
    own = content.texts[code]
    missing = [
        key
        for key in content.texts["fr"]
        if key.startswith("messages.") and key not in own and key not in FRENCH_ONLY
    ]
    assert missing == [], f"{code}: {len(missing)} texts said in French"
    assert not [key for key in FRENCH_ONLY if key in own], "translated: drop it from the list"
    changed = [
        key
        for key, record in own.items()
        if key.startswith("messages.")
        and key != "messages.lead_done"  # the one general sentence, with no delay (issue 20)
        and not set(re.findall(r"\d+", content.texts["fr"][key].text))
        <= set(re.findall(r"\d+", record.text))
    ]
    assert changed == [], f"{code}: a number of the French text is missing"
