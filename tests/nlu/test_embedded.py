"""The embedded classifier: predictions, the safety net override, and its on-disk cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer

from outreach_bot.nlu.base import NluBackend
from outreach_bot.nlu.data import Example, NluDataError, load_examples
from outreach_bot.nlu.embedded import (
    _EMBEDDING_WEIGHT,
    MAX_CLASSIFIED_CHARS,
    RULE_CONFIDENCE,
    EmbeddedNlu,
    _char_wb_ngrams,
    _word_ngrams,
)
from outreach_bot.nlu.normalization import fold_accents, spell_out
from outreach_bot.nlu.safety import crisis_kind

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "nlu" / "tiny.yml"
PROJECT_DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"
TINY_INTENTS = ("crisis", "find_job", "greet", "housing", "opt_out")


@pytest.fixture(scope="module", name="tiny_nlu")
def _tiny_nlu() -> EmbeddedNlu:
    """The real classifier, sentence embeddings included, trained once on the tiny set."""
    return EmbeddedNlu.train(load_examples(TINY))


def test_it_is_an_nlu_backend(tiny_nlu: EmbeddedNlu) -> None:
    """The embedded classifier plugs in wherever the bot expects an NLU backend."""
    backend: NluBackend = tiny_nlu
    assert backend.name == "embedded"
    assert tiny_nlu.intents == TINY_INTENTS


async def test_parse_recognises_a_paraphrase(tiny_nlu: EmbeddedNlu) -> None:
    """A message worded differently from the examples still gets the right intent."""
    prediction = await tiny_nlu.parse("bonjour, je recherche un emploi")
    assert prediction.intent == "find_job"
    assert prediction.backend == "embedded"
    assert 0.0 <= prediction.confidence <= 1.0


def test_batch_predictions_keep_order_and_stay_in_range(tiny_nlu: EmbeddedNlu) -> None:
    """Each message gets a known intent and a confidence between 0 and 1, in input order."""
    texts = ["slt", "je cherche un appart pas cher", "zzqx 42 ???", ""]
    predictions = tiny_nlu.predict(texts)
    assert [p.intent for p in predictions[:2]] == ["greet", "housing"]
    for prediction in predictions:
        assert prediction.intent in TINY_INTENTS
        assert 0.0 <= prediction.confidence <= 1.0
    assert tiny_nlu.predict([]) == []


def test_gibberish_is_less_confident_than_a_clear_message(tiny_nlu: EmbeddedNlu) -> None:
    """Confidence drops on a message unlike any training example, so a fallback can trigger."""
    clear, gibberish = tiny_nlu.predict(["je cherche du travail", "qsdkjh pouet 1234"])
    assert clear.confidence > gibberish.confidence


def test_safety_net_overrides_the_classifier(tiny_nlu: EmbeddedNlu) -> None:
    """Crisis and STOP messages get their intent at high confidence, whatever the model thinks."""
    crisis, stop = tiny_nlu.predict(["je cherche un logement mais jveux plus vivre", "STOP merci"])
    assert (crisis.intent, crisis.confidence) == ("crisis", RULE_CONFIDENCE)
    assert (stop.intent, stop.confidence) == ("opt_out", RULE_CONFIDENCE)


def test_without_crisis_in_the_data_the_net_stays_silent() -> None:
    """Trained on other data (--train), only that data's intents are ever returned."""
    examples = [
        Example(text, intent)
        for intent, texts in {
            "weather": ["quel temps fait-il", "il va pleuvoir ?", "météo demain"],
            "music": ["mets de la musique", "joue du rap", "lance une chanson"],
        }.items()
        for text in texts
    ]
    backend = EmbeddedNlu.train(examples, use_embeddings=False)
    prediction = backend.predict(["je veux mourir"])[0]
    assert prediction.intent in {"weather", "music"}
    assert prediction.confidence < RULE_CONFIDENCE


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        ([Example("salut", "greet"), Example("wesh", "greet")], "at least two intents"),
        (
            [Example("salut", "greet"), Example("wesh", "greet"), Example("merci", "thanks")],
            "thanks",
        ),
    ],
)
def test_too_little_data_is_refused(examples: list[Example], message: str) -> None:
    """Training data that cannot make a classifier is refused with a reason."""
    with pytest.raises(NluDataError, match=message):
        EmbeddedNlu.train(examples, use_embeddings=False)


@pytest.fixture(name="data_dir")
def _data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(TINY, data / "tiny.yml")
    return data


def test_the_cache_is_reused_while_the_data_is_unchanged(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart with the same training data loads the model instead of retraining."""
    cache = tmp_path / "cache"
    first = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    assert len(list(cache.glob("embedded-*.pickle"))) == 1

    def no_training(*args: object, **kwargs: object) -> EmbeddedNlu:
        raise AssertionError("retrained although the data did not change")

    monkeypatch.setattr(EmbeddedNlu, "train", no_training)
    second = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    assert second.fingerprint == first.fingerprint
    assert second.train_seconds == first.train_seconds
    assert second.predict(["wesh"]) == first.predict(["wesh"])


def test_changed_data_is_retrained(data_dir: Path, tmp_path: Path) -> None:
    """Adding an intent to the data gives a model that knows it, without clearing the cache."""
    cache = tmp_path / "cache"
    before = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    with (data_dir / "tiny.yml").open("a", encoding="utf-8") as stream:
        stream.write(
            "- intent: thanks\n  examples: |\n    - merci\n    - mrc\n    - merci beaucoup\n"
        )
    after = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    assert after.fingerprint != before.fingerprint
    assert "thanks" in after.intents
    assert "thanks" not in before.intents
    assert len(list(cache.glob("embedded-*.pickle"))) == 2


# Reads a model from the cache in a fresh interpreter, as `outreach-bot run` does, and says
# what it answered and which heavy libraries that needed.
SERVE_FROM_CACHE = """
import json, sys
from pathlib import Path
from outreach_bot.nlu.embedded import EmbeddedNlu

def no_training(*args, **kwargs):
    raise AssertionError("retrained instead of reading the cache")

EmbeddedNlu.train = no_training
data, cache = Path(sys.argv[1]), Path(sys.argv[2])
backend = EmbeddedNlu.from_path(data, cache_dir=cache, use_embeddings=False)
print(json.dumps({
    "predictions": [[p.intent, p.confidence] for p in backend.predict(sys.argv[3:])],
    "heavy": sorted(m for m in ("sklearn", "scipy") if m in sys.modules),
}))
"""


def test_serving_from_the_cache_imports_neither_scikit_learn_nor_scipy(
    data_dir: Path, tmp_path: Path
) -> None:
    """A bot started on a trained cache answers as the trained model did, without 80 MB of SciPy.

    The texts cover words, bigrams, one-letter words and unknown words, so the n-grams cut
    without scikit-learn must be the ones it cut when training.
    """
    cache = tmp_path / "cache"
    trained = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    texts = ["jcherche un taf stp", "un appart  pas cher !", "a", "", "ça va ? zzqx 42"]
    result = subprocess.run(  # noqa: S603 - our own interpreter and script, test texts
        [sys.executable, "-c", SERVE_FROM_CACHE, str(data_dir), str(cache), *texts],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    served = json.loads(result.stdout)
    assert served["heavy"] == []
    expected = trained.predict(texts)
    assert [intent for intent, _ in served["predictions"]] == [p.intent for p in expected]
    for (_, confidence), prediction in zip(served["predictions"], expected, strict=True):
        assert confidence == pytest.approx(prediction.confidence, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "jcherche un taf stp",
        "a b c",
        "  deux   espaces\tet tab ",
        "l'appart, c'est 450€/mois ?!",
        "ça-va être_ok 2024 x",
        "",
    ],
)
def test_ngrams_are_cut_as_scikit_learn_cuts_them(text: str) -> None:
    """Serving cuts a message into the same word and character n-grams as training did."""
    words = TfidfVectorizer(lowercase=False, ngram_range=(1, 2)).build_analyzer()
    chars = TfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(2, 5))
    assert _word_ngrams(text) == words(text)
    assert _char_wb_ngrams(text) == chars.build_analyzer()(text)


def test_a_corrupt_cache_file_is_replaced(data_dir: Path, tmp_path: Path) -> None:
    """A damaged cache file (disk full, killed process) leads to retraining, not a crash."""
    cache = tmp_path / "cache"
    EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    (file,) = cache.glob("embedded-*.pickle")
    file.write_bytes(b"not a pickle")
    backend = EmbeddedNlu.from_path(data_dir, cache_dir=cache, use_embeddings=False)
    assert backend.predict(["je cherche un taf"])[0].intent == "find_job"
    assert file.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_does_not_stop_the_bot(data_dir: Path, tmp_path: Path) -> None:
    """When the cache folder cannot be created the model still trains and answers."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    backend = EmbeddedNlu.from_path(data_dir, cache_dir=blocker / "cache", use_embeddings=False)
    assert backend.predict(["bonjour"])[0].intent == "greet"


def test_without_a_cache_dir_nothing_is_written(data_dir: Path, tmp_path: Path) -> None:
    """cache_dir=None trains in memory only."""
    backend = EmbeddedNlu.from_path(data_dir, cache_dir=None, use_embeddings=False)
    assert backend.intents == TINY_INTENTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def _svm_probabilities(backend: EmbeddedNlu, texts: list[str]) -> npt.NDArray[np.float64]:
    """What scikit-learn's own transform and decision_function make of ``texts``."""
    model = backend._model
    expanded = [spell_out(text) for text in texts]
    folded = [fold_accents(text) for text in expanded]
    blocks = [model.words.transform(folded), model.chars.transform(folded)]
    if backend._encoder is not None:
        embeddings = backend._encoder.encode(expanded) * _EMBEDDING_WEIGHT
        blocks.append(scipy.sparse.csr_matrix(embeddings))
    decision = model.classifier.decision_function(scipy.sparse.hstack(blocks, format="csr"))
    if decision.ndim == 1:
        decision = np.column_stack([-decision, decision])
    probabilities: npt.NDArray[np.float64] = softmax(decision / model.temperature, axis=1)
    return probabilities


SCORED_TEXTS = ["salut", "jcherche un taf stp", "un appart pas cher", "", "zzqx 42 ???", "ça va"]


def test_confidences_are_the_trained_svms_own(tiny_nlu: EmbeddedNlu) -> None:
    """The quick per-message scoring answers exactly what the trained model would."""
    predictions = tiny_nlu.predict(SCORED_TEXTS)
    reference = _svm_probabilities(tiny_nlu, SCORED_TEXTS)
    for prediction, row in zip(predictions, reference, strict=True):
        assert prediction.intent == tiny_nlu.intents[int(row.argmax())]
        assert prediction.confidence == pytest.approx(float(row.max()), abs=1e-6)


def test_two_intents_are_scored_like_the_trained_svm() -> None:
    """With only two intents (a one-column SVM), confidences still match the trained model."""
    examples = [
        Example(text, intent)
        for intent, texts in {
            "weather": ["quel temps fait-il", "il va pleuvoir ?", "météo demain"],
            "music": ["mets de la musique", "joue du rap", "lance une chanson"],
        }.items()
        for text in texts
    ]
    backend = EmbeddedNlu.train(examples, use_embeddings=False)
    texts = ["il pleut ?", "du rap stp", "bof"]
    reference = _svm_probabilities(backend, texts)
    for prediction, row in zip(backend.predict(texts), reference, strict=True):
        assert prediction.intent == backend.intents[int(row.argmax())]
        assert prediction.confidence == pytest.approx(float(row.max()), abs=1e-9)


def test_a_very_long_message_is_classified_on_its_beginning(tiny_nlu: EmbeddedNlu) -> None:
    """A pasted page costs no more than its first characters, and gets the same answer."""
    beginning = "je cherche du travail " * (MAX_CLASSIFIED_CHARS // 22 + 1)
    long_message = beginning[:MAX_CLASSIFIED_CHARS] + " bonjour appart logement" * 400
    short, long = tiny_nlu.predict([beginning[:MAX_CLASSIFIED_CHARS], long_message])
    assert long.intent == short.intent == "find_job"
    # Equal up to float rounding: the encoder pads a batch, which moves the last digits.
    assert long.confidence == pytest.approx(short.confidence, rel=1e-6)


def test_the_safety_net_reads_a_long_message_to_the_end(tiny_nlu: EmbeddedNlu) -> None:
    """A crisis sentence after a long paste is still caught."""
    message = "je cherche du travail " * 100 + "et je veux mourir"
    assert tiny_nlu.predict([message])[0].intent == "crisis"


@pytest.fixture(scope="module", name="project_nlu")
def _project_nlu() -> EmbeddedNlu:
    """The classifier the bot runs, trained on the project's own nlu/data."""
    return EmbeddedNlu.train(load_examples(PROJECT_DATA))


@pytest.mark.parametrize(
    "message",
    [
        "mon père a fait une raclette hier",
        "ce taf me tue",
        "ma mère va me tuer si je rate mon bac",
        "je suis en burn out",
        "jsuis épuisé",
        "mdr je suis mort",
    ],
)
def test_everyday_idioms_do_not_raise_a_crisis(project_nlu: EmbeddedNlu, message: str) -> None:
    """Family chat, a tiring job or a joke about dying gets an ordinary answer, not 3114."""
    assert project_nlu.predict([message])[0].intent != "crisis"


@pytest.mark.parametrize(
    "message",
    [
        "j'ai plus envie de rien, je voudrais dormir et ne plus jamais me lever",
        "je me sens de trop partout, je vais tout arrêter ce soir",
        "mon père rentre ce soir et j'ai peur de ce qu'il va me faire",
        "je vais pas tenir cette nuit",
    ],
)
def test_distress_without_keywords_is_still_a_crisis(
    project_nlu: EmbeddedNlu, message: str
) -> None:
    """A crisis worded past the safety net's patterns still gets the emergency answer."""
    assert crisis_kind(message) is None
    assert project_nlu.predict([message])[0].intent == "crisis"
