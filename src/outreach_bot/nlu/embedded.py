"""The in-process intent classifier: no server to run, trained in seconds at start-up.

Features are TF-IDF word uni/bigrams and character 2-5-grams of the normalised
text (robust to SMS spelling), plus a multilingual sentence embedding (robust
to paraphrase). A linear SVM separates the intents, crisis examples weighing
double (a missed crisis costs more than a false alarm). A softmax of its
scores, with a temperature fitted on cross-validated scores, turns them into
probabilities, so a confidence of 0.4 means "right about 40 % of the time" and
a fallback threshold means the same thing whatever the training data. The
hand-written safety net of :mod:`outreach_bot.nlu.safety` runs first and
overrides the classifier for crisis and opt-out messages.

The fitted model is cached on disk, keyed by a hash of the training files, so
the bot starts instantly when ``nlu/data/`` has not changed. The cache holds plain
vocabularies and numpy arrays, not scikit-learn objects: serving scores with
them alone, so scikit-learn and SciPy (about 80 MB and a second of imports) are
loaded only by a process that trains.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from outreach_bot.nlu.base import RANKING_SIZE, Prediction
from outreach_bot.nlu.batching import ThreadBatcher
from outreach_bot.nlu.data import Example, NluDataError, data_files, load_examples
from outreach_bot.nlu.encoder import SentenceEncoder, default_encoder
from outreach_bot.nlu.normalization import fold_accents, spell_out
from outreach_bot.nlu.safety import crisis_signal, is_opt_out

logger = logging.getLogger(__name__)

# Bump when features, classifier or rules change, so cached models are rebuilt.
MODEL_VERSION: Final = "5"
# What the safety net's verdict is worth: above any fallback threshold, but not
# 1.0, so logs and reports still tell a rule from certainty.
RULE_CONFIDENCE: Final = 0.99
CRISIS_INTENT: Final = "crisis"
OPT_OUT_INTENT: Final = "opt_out"
# The classifier reads at most this much of a message (the safety net reads it all):
# a pasted page must not hold the bot for tens of milliseconds. Our longest test
# messages are about 120 characters.
MAX_CLASSIFIED_CHARS: Final = 1000

# Chosen by 5-fold cross-validation on the training sets of nlu/data and of the
# Wikit benchmark, never on their test sets.
_SVM_C: Final = 0.5
# A crisis example counts this many times in the SVM's loss: missing a crisis costs
# far more than a counsellor's look at a false alarm (the intent contract puts
# recall first). 5-fold cross-validation on nlu/data: crisis recall 0.984 at weight
# 1, 0.990-0.995 at 1.5, 2 and 3 alike, accuracy unchanged within 0.002.
_CRISIS_WEIGHT: Final = 2.0
_EMBEDDING_WEIGHT: Final = 1.5
# Two folds fit the temperature about as well as five (expected calibration error
# 0.035 vs 0.032 on nlu/tests) in half the training time.
_CALIBRATION_FOLDS: Final = 2
# A classifier needs two intents; cross-validated calibration two examples of each.
_MIN_INTENTS: Final = 2
_MIN_PER_CLASS: Final = 2
_CACHE_FILES_KEPT: Final = 4
# TfidfVectorizer's default token pattern; _LinearScorer tokenises as it does.
_WORD_PATTERN: Final = re.compile(r"(?u)\b\w\w+\b")
_WORD_NGRAMS: Final = (1, 2)
_CHAR_NGRAMS: Final = (2, 5)


@dataclass(frozen=True, slots=True)
class _FittedModel:
    """Everything learned from the data; pickled into the cache as one object.

    What serving needs is plain Python and numpy, so that reading the cache
    imports neither scikit-learn nor SciPy. The scikit-learn objects themselves
    are kept only in the process that trained (tests compare the quick scoring
    with them) and are left out of the cache.
    """

    fingerprint: str
    word_vocabulary: dict[str, int]
    word_idf: npt.NDArray[np.float64]
    char_vocabulary: dict[str, int]
    char_idf: npt.NDArray[np.float64]
    # The SVM's coefficients, one column per intent, rows in feature order
    # (words, characters, embedding); with two intents already made two columns.
    weights: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    temperature: float
    intents: tuple[str, ...]
    train_seconds: float
    n_examples: int
    words: Any = None  # TfidfVectorizer, never cached
    chars: Any = None  # TfidfVectorizer, never cached
    classifier: Any = None  # LinearSVC, never cached


class EmbeddedNlu:
    """Intent classifier running inside the bot process (``OUTREACH_NLU_BACKEND=embedded``).

    Build it with :meth:`train` or :meth:`from_path`. It is safe to share between
    tasks: prediction reads the fitted model and never changes it.
    """

    name = "embedded"

    def __init__(self, model: _FittedModel, *, encoder: SentenceEncoder | None) -> None:
        self._model = model
        self._encoder = encoder
        self._scorer = _LinearScorer(model)
        self._rules_for_crisis = CRISIS_INTENT in model.intents
        self._rules_for_opt_out = OPT_OUT_INTENT in model.intents
        self._batches = ThreadBatcher(self.predict)

    @property
    def intents(self) -> tuple[str, ...]:
        """The intents this model can answer, in sorted order."""
        return self._model.intents

    @property
    def train_seconds(self) -> float:
        """How long training took, even when the model came from the cache."""
        return self._model.train_seconds

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the training data and model version this model was built from."""
        return self._model.fingerprint

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        *,
        encoder: SentenceEncoder | None = None,
        use_embeddings: bool = True,
        fingerprint: str = "",
    ) -> EmbeddedNlu:
        """Fit a model on ``examples``.

        Args:
            examples: labelled messages; every intent needs at least two.
            encoder: the sentence encoder; the shared default when ``None``.
            use_embeddings: ``False`` trains on TF-IDF features alone (faster,
                a few points less accurate); used by tests and the benchmark.
            fingerprint: recorded in the model, see :meth:`from_path`.

        Raises:
            NluDataError: fewer than two intents, or an intent with one example.
        """
        import scipy.sparse  # noqa: PLC0415 - training only: serving never imports SciPy
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
        from sklearn.svm import LinearSVC  # noqa: PLC0415

        chosen = (encoder or default_encoder()) if use_embeddings else None
        started = time.perf_counter()
        counts = Counter(example.intent for example in examples)
        if len(counts) < _MIN_INTENTS:
            raise NluDataError("training data needs at least two intents")
        scarce = sorted(intent for intent, count in counts.items() if count < _MIN_PER_CLASS)
        if scarce:
            raise NluDataError(f"these intents need at least two examples: {', '.join(scarce)}")
        texts = [example.text for example in examples]
        labels = [example.intent for example in examples]
        words = TfidfVectorizer(lowercase=False, ngram_range=_WORD_NGRAMS, sublinear_tf=True)
        chars = TfidfVectorizer(
            lowercase=False, analyzer="char_wb", ngram_range=_CHAR_NGRAMS, sublinear_tf=True
        )
        expanded = [spell_out(text[:MAX_CLASSIFIED_CHARS]) for text in texts]
        folded = [fold_accents(text) for text in expanded]
        matrices = [words.fit_transform(folded), chars.fit_transform(folded)]
        if chosen is not None:
            matrices.append(scipy.sparse.csr_matrix(chosen.encode(expanded) * _EMBEDDING_WEIGHT))
        features = scipy.sparse.hstack(matrices, format="csr")
        folds = min(_CALIBRATION_FOLDS, *counts.values())
        weights = _sample_weights(labels)
        temperature = _fit_temperature(features, labels, weights, folds=folds)
        classifier = LinearSVC(C=_SVM_C).fit(features, labels, sample_weight=weights)
        coef = np.asarray(classifier.coef_, dtype=np.float64)
        intercept = np.asarray(classifier.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:
            # Two intents: scikit-learn keeps one score, for the second class.
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        model = _FittedModel(
            fingerprint=fingerprint,
            word_vocabulary={str(k): int(v) for k, v in words.vocabulary_.items()},
            word_idf=np.asarray(words.idf_, dtype=np.float64),
            char_vocabulary={str(k): int(v) for k, v in chars.vocabulary_.items()},
            char_idf=np.asarray(chars.idf_, dtype=np.float64),
            weights=np.ascontiguousarray(coef.T),
            intercept=intercept,
            words=words,
            chars=chars,
            classifier=classifier,
            temperature=temperature,
            intents=tuple(str(intent) for intent in classifier.classes_),
            train_seconds=time.perf_counter() - started,
            n_examples=len(examples),
        )
        logger.info(
            "embedded NLU trained on %d examples, %d intents, in %.2f s",
            model.n_examples,
            len(model.intents),
            model.train_seconds,
        )
        return cls(model, encoder=chosen)

    @classmethod
    def from_path(
        cls,
        path: Path,
        *,
        cache_dir: Path | None,
        encoder: SentenceEncoder | None = None,
        use_embeddings: bool = True,
    ) -> EmbeddedNlu:
        """Train on a Rasa NLU file or folder, reusing the cached model when the data is unchanged.

        Args:
            path: a Rasa NLU YAML file or a folder of them.
            cache_dir: where fitted models are kept, and the sentence encoder's weights
                ready to be mapped; ``None`` disables the cache.
            encoder: see :meth:`train`.
            use_embeddings: see :meth:`train`.

        Raises:
            NluDataError: the data cannot be read or cannot train a model.
        """
        chosen = (encoder or default_encoder(cache_dir)) if use_embeddings else None
        fingerprint = training_fingerprint(path, encoder=chosen)
        if cache_dir is not None:
            cached = _read_cache(cache_dir, fingerprint)
            if cached is not None:
                logger.info("embedded NLU loaded from cache %s", fingerprint[:16])
                return cls(cached, encoder=chosen)
        backend = cls.train(
            load_examples(path),
            encoder=chosen,
            use_embeddings=use_embeddings,
            fingerprint=fingerprint,
        )
        if cache_dir is not None:
            _write_cache(cache_dir, backend._model)
        return backend

    async def parse(self, text: str) -> Prediction:
        """Return the most likely intent of ``text`` without blocking the event loop.

        Messages that arrive together are classified in one batch (see
        :mod:`outreach_bot.nlu.batching`).
        """
        return await self._batches(text)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify many messages at once; much faster per message than :meth:`parse`."""
        if not texts:
            return []
        probabilities = self._probabilities(texts)
        predictions = []
        for text, row in zip(texts, probabilities, strict=True):
            order = np.argsort(-row)[:RANKING_SIZE]
            ranking = tuple((self._model.intents[int(i)], float(row[i])) for i in order)
            rule = self._rule(text)
            if rule is not None:
                # The rule wins, and the classifier's own guesses stay visible behind it.
                ranked = ((rule, RULE_CONFIDENCE), *((n, c) for n, c in ranking if n != rule))
                predictions.append(Prediction(rule, RULE_CONFIDENCE, self.name, ranked))
            else:
                intent, confidence = ranking[0]
                predictions.append(Prediction(intent, confidence, self.name, ranking))
        return predictions

    def _rule(self, text: str) -> str | None:
        # Only a certain signal overrides the classifier; a hint ("au secours") is weighed
        # by the dialogue with the classifier's own guesses.
        signal = crisis_signal(text) if self._rules_for_crisis else None
        if signal is not None and signal.certain:
            return CRISIS_INTENT
        if self._rules_for_opt_out and is_opt_out(text):
            return OPT_OUT_INTENT
        return None

    def _probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        expanded = [spell_out(text[:MAX_CLASSIFIED_CHARS]) for text in texts]
        embeddings = self._encoder.encode(expanded) if self._encoder is not None else None
        scores = np.stack(
            [
                self._scorer.scores(
                    fold_accents(text), None if embeddings is None else embeddings[row]
                )
                for row, text in enumerate(expanded)
            ]
        )
        return _softmax(scores / self._model.temperature)


class _LinearScorer:
    """The fitted linear SVM, laid out to score one message with a few dictionary lookups.

    scikit-learn's ``transform`` and ``decision_function`` check and convert
    their inputs on every call, which costs more than the work on one short
    message (0.7 ms of TF-IDF alone), and importing scikit-learn costs 80 MB.
    Here the message is cut into n-grams as ``TfidfVectorizer`` does (see
    :func:`_word_ngrams` and :func:`_char_wb_ngrams`), each is looked up in the
    vocabulary and weighted as it does (sublinear tf, idf, L2 norm per block),
    and only the matching rows of the weight matrix are summed. The result
    equals the SVM's ``decision_function`` (tests check it).
    """

    def __init__(self, model: _FittedModel) -> None:
        weights = model.weights
        self._intercept = model.intercept
        self._blocks: list[_TfidfBlock] = []
        offset = 0
        for analyzer, vocabulary, idf in (
            (_word_ngrams, model.word_vocabulary, model.word_idf),
            (_char_wb_ngrams, model.char_vocabulary, model.char_idf),
        ):
            size = len(vocabulary)
            self._blocks.append(
                _TfidfBlock(
                    analyzer=analyzer,
                    vocabulary=vocabulary,
                    idf=idf,
                    weights=weights[offset : offset + size],
                )
            )
            offset += size
        # The embedding's share of the weights, with its fusion weight folded in.
        self._embedding_weights = weights[offset:] * _EMBEDDING_WEIGHT

    def scores(
        self, folded: str, embedding: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float64]:
        """Return one SVM score per intent for the accent-folded text and its embedding."""
        total = self._intercept.copy()
        for block in self._blocks:
            counts = Counter(block.analyzer(folded))
            known = [
                (block.vocabulary[gram], n)
                for gram, n in counts.items()
                if gram in block.vocabulary
            ]
            if not known:
                continue
            columns = np.fromiter((column for column, _ in known), dtype=np.intp, count=len(known))
            tf = np.fromiter((n for _, n in known), dtype=np.float64, count=len(known))
            values = (np.log(tf) + 1.0) * block.idf[columns]
            values /= np.sqrt(values @ values)
            total += values @ block.weights[columns]
        if embedding is not None and self._embedding_weights.shape[0]:
            total += embedding.astype(np.float64) @ self._embedding_weights
        return total


@dataclass(frozen=True, slots=True)
class _TfidfBlock:
    """One TF-IDF vectorizer of the model and its rows of the SVM's weight matrix."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]


def _word_ngrams(text: str) -> list[str]:
    """Word uni- and bigrams, as ``TfidfVectorizer(lowercase=False, ngram_range=(1, 2))``."""
    tokens = _WORD_PATTERN.findall(text)
    low, high = _WORD_NGRAMS
    return [
        " ".join(tokens[start : start + n])
        for n in range(low, high + 1)
        for start in range(len(tokens) - n + 1)
    ]


def _char_wb_ngrams(text: str) -> list[str]:
    """Character 2-5-grams inside space-padded words, as ``analyzer="char_wb"`` makes them.

    A word shorter than an n-gram gives itself, padded, once.
    """
    low, high = _CHAR_NGRAMS
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[start : start + n] for start in range(len(padded) - n + 1))
    return grams


def _softmax(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Row-wise softmax, shifted by each row's maximum so that exp cannot overflow."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def _class_scores(decision: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return one column per class; scikit-learn gives a single column for two classes."""
    if decision.ndim == 1:
        return np.column_stack([-decision, decision])
    return decision


def _sample_weights(labels: Sequence[str]) -> npt.NDArray[np.float64]:
    """Weigh crisis examples up, so that the SVM leans towards crisis when in doubt."""
    return np.where(np.asarray(labels) == CRISIS_INTENT, _CRISIS_WEIGHT, 1.0)


def _fit_temperature(
    features: Any, labels: Sequence[str], weights: npt.NDArray[np.float64], *, folds: int
) -> float:
    """Find the softmax temperature that makes held-out SVM scores honest probabilities.

    Scores of examples the model was trained on are overconfident, so the
    temperature is fitted on cross-validated scores (minimum log-loss).
    """
    from scipy.optimize import minimize_scalar  # noqa: PLC0415 - training only
    from scipy.special import log_softmax  # noqa: PLC0415
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: PLC0415
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    held_out = _class_scores(
        cross_val_predict(
            LinearSVC(C=_SVM_C),
            features,
            labels,
            cv=splitter,
            method="decision_function",
            params={"sample_weight": weights},
        )
    )
    classes, truth = np.unique(np.asarray(labels), return_inverse=True)
    rows = np.arange(len(truth))

    def log_loss(log_temperature: float) -> float:
        scaled = log_softmax(held_out / np.exp(log_temperature), axis=1)
        return float(-scaled[rows, truth].mean())

    result = minimize_scalar(log_loss, bounds=(-6.0, 3.0), method="bounded")
    temperature = float(np.exp(result.x))
    logger.debug("softmax temperature %.3f for %d intents", temperature, len(classes))
    return temperature


def training_fingerprint(path: Path, *, encoder: SentenceEncoder | None) -> str:
    """Return the SHA-256 that identifies a model trained on ``path``.

    It covers the bytes and relative names of every data file, the model
    version, scikit-learn's version (its pickles do not survive upgrades) and
    the sentence encoder's identity.

    Raises:
        NluDataError: ``path`` holds no data file.
    """
    digest = hashlib.sha256()
    encoder_identity = encoder.identity if encoder is not None else "none"
    # The version from the package metadata: importing scikit-learn costs 80 MB.
    for part in (MODEL_VERSION, version("scikit-learn"), encoder_identity):
        digest.update(part.encode() + b"\0")
    root = path if path.is_dir() else path.parent
    for file in data_files(path):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _cache_file(cache_dir: Path, fingerprint: str) -> Path:
    return cache_dir / f"embedded-{fingerprint[:32]}.pickle"


def _read_cache(cache_dir: Path, fingerprint: str) -> _FittedModel | None:
    file = _cache_file(cache_dir, fingerprint)
    if not file.is_file():
        return None
    try:
        with file.open("rb") as stream:
            # Safe: this process family wrote the file into our own cache
            # directory under a name derived from the data's hash; it never
            # comes from a user or the network.
            model = pickle.load(stream)  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        logger.warning("unreadable NLU cache file %s, retraining", file.name, exc_info=True)
        return None
    if not isinstance(model, _FittedModel) or model.fingerprint != fingerprint:
        logger.warning("stale NLU cache file %s, retraining", file.name)
        return None
    return model


def _write_cache(cache_dir: Path, model: _FittedModel) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = _cache_file(cache_dir, model.fingerprint)
        # Write then rename, so a concurrent reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            # Without the scikit-learn objects, so that reading it never imports them.
            lean = replace(model, words=None, chars=None, classifier=None)
            pickle.dump(lean, stream, protocol=pickle.HIGHEST_PROTOCOL)
        Path(temporary).replace(target)
        _prune_cache(cache_dir, keep=target)
    except OSError:
        # A read-only disk must not stop the bot: it will just retrain next time.
        logger.warning("could not write the NLU cache in %s", cache_dir, exc_info=True)


def _prune_cache(cache_dir: Path, *, keep: Path) -> None:
    """Delete all but the most recent cached models (other data sets may be in use)."""
    others = sorted(
        (file for file in cache_dir.glob("embedded-*.pickle") if file != keep),
        key=lambda file: file.stat().st_mtime,
        reverse=True,
    )
    for file in others[_CACHE_FILES_KEPT - 1 :]:
        file.unlink(missing_ok=True)
