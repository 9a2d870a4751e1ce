"""Reading Rasa NLU YAML: what the loader accepts and how it refuses broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_bot.nlu.data import Example, NluDataError, load_examples, strip_entities

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_are_read_as_text_intent_pairs(tmp_path: Path) -> None:
    """Each example line becomes one (text, intent) pair, in file order."""
    file = write(
        tmp_path / "nlu.yml",
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - salut\n    - wesh\n'
        "- intent: thanks\n  examples: |\n    - merci\n",
    )
    examples = load_examples(file)
    assert examples == [
        Example("salut", "greet"),
        Example("wesh", "greet"),
        Example("merci", "thanks"),
    ]
    text, intent = examples[0]
    assert (text, intent) == ("salut", "greet")


@pytest.mark.parametrize(
    ("annotated", "plain"),
    [
        ("j'habite à [Verdun](city)", "j'habite à Verdun"),
        ('à [Bar-le-Duc]{"entity": "city"} depuis 2 ans', "à Bar-le-Duc depuis 2 ans"),
        ("[Léa](first_name) et [Tom](first_name:Thomas)", "Léa et Tom"),
        ("pas d'entité [ici]", "pas d'entité [ici]"),
    ],
)
def test_entity_annotations_are_reduced_to_their_words(annotated: str, plain: str) -> None:
    """Rasa entity markup never reaches the classifier, only the words a person typed."""
    assert strip_entities(annotated) == plain


def test_a_folder_reads_every_yaml_file_and_skips_non_nlu_ones(tmp_path: Path) -> None:
    """A folder is read whole (.yml and .yaml, sub-folders too); a domain file is ignored."""
    write(tmp_path / "a.yml", "nlu:\n- intent: greet\n  examples: |\n    - salut\n")
    write(tmp_path / "sub" / "b.yaml", "nlu:\n- intent: deny\n  examples: |\n    - nan\n")
    write(tmp_path / "domain.yml", "intents:\n- greet\n")
    write(tmp_path / "notes.txt", "not data")
    write(
        tmp_path / "synonyms.yml",
        "nlu:\n- synonym: taf\n  examples: |\n    - boulot\n- regex: zip\n  examples: |\n"
        "    - \\d{5}\n",
    )
    assert sorted(load_examples(tmp_path)) == [Example("nan", "deny"), Example("salut", "greet")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nlu:\n- intent: greet\n  examples: |\n   - salut\n  - oops: [\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping at the top level"),
        ("nlu: nope\n", "must be a list"),
        ("nlu:\n- intent: greet\n", "examples: |"),
        ("nlu:\n- intent: greet\n  examples: |\n    salut\n", "does not start with '- '"),
        ("nlu:\n- intent: ''\n  examples: |\n    - salut\n", "empty or non-text intent"),
        ("nlu:\n- intent: greet\n  examples: |\n    -\n", "has no example"),
        ("nlu:\n- just a string\n", "not a mapping"),
    ],
)
def test_a_malformed_file_is_refused_with_its_name(
    tmp_path: Path, content: str, message: str
) -> None:
    """A broken data file stops training with an error naming the file and the problem."""
    file = write(tmp_path / "broken.yml", content)
    with pytest.raises(NluDataError, match=message) as raised:
        load_examples(file)
    assert "broken.yml" in str(raised.value)


def test_a_missing_path_or_an_empty_folder_is_refused(tmp_path: Path) -> None:
    """Pointing --train at nothing gives a clear error instead of an empty model."""
    with pytest.raises(NluDataError, match="no such file"):
        load_examples(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NluDataError, match=r"no \.yml"):
        load_examples(tmp_path / "empty")


def test_the_project_training_data_loads() -> None:
    """The shipped nlu/data and nlu/tests files load, and the tests use only trained intents."""
    training = {intent for _, intent in load_examples(ROOT / "nlu" / "data")}
    held_out = {intent for _, intent in load_examples(ROOT / "nlu" / "tests")}
    assert {"crisis", "opt_out", "forget_me", "out_of_scope"} <= training
    assert held_out <= training
