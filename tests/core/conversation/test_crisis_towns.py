"""A Meuse village named in an everyday message raises no crisis alarm (issue 18).

Every commune of the département, in the sentences young people write to say where they are,
is read by the bot's crisis decision as the conversation reads it: the safety net on the
message, the classifier on the message without the village's name. The full sweep with more
frames and spellings is ``benchmarks/crisis_towns.py``.
"""

from __future__ import annotations

import unicodedata

from outreach_bot.core.conversation.crisis import crisis_clues, crisis_reading
from outreach_bot.dialogue.crisis import assess_crisis
from outreach_bot.domain.fields.commune import _index
from outreach_bot.nlu.base import NluBackend
from outreach_bot.nlu.embedded import EmbeddedNlu

FRAMES = (
    "jsuis a {town} jcherche du boulo",
    "je vis a {town} jai 19 ans",
    "c ou la mission locale a {town}",
)


def _typed(name: str) -> str:
    """A name as typed on a phone: lower case, no accents, no hyphens."""
    plain = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return plain.lower().replace("-", " ").replace("'", " ")


def _meuse_names() -> list[str]:
    index = _index()
    return sorted({index.name[row] for row in index.by_department["55"]})


def test_no_meuse_village_in_an_everyday_sentence_raises_an_alarm(
    embedded_nlu: NluBackend,
) -> None:
    assert isinstance(embedded_nlu, EmbeddedNlu)
    names = _meuse_names()
    texts = [frame.format(town=_typed(name)) for name in names for frame in FRAMES]
    texts += [FRAMES[0].format(town=name) for name in names]  # as written: "Woëvre", hyphens
    assert len(names) > 490
    readings = [crisis_reading(text) for text in texts]
    predictions = embedded_nlu.predict(
        [reading or text for text, reading in zip(texts, readings, strict=True)]
    )
    alarms = [
        text
        for text, reading, prediction in zip(texts, readings, predictions, strict=True)
        if assess_crisis(crisis_clues(text), prediction.ranking if reading != "" else ())
    ]
    assert alarms == []


def test_a_village_named_with_distress_is_still_a_crisis(embedded_nlu: NluBackend) -> None:
    assert isinstance(embedded_nlu, EmbeddedNlu)
    texts = [
        "jsuis a varennes en argonne ma mere ma mis dehors jsais pas ou dormir ce soir",
        "je vis a beney en woevre et jvois plus de raison de continuer a vivre",
        "a buxieres sous les cotes mon beau pere me frappe",
    ]
    readings = [crisis_reading(text) for text in texts]
    assert all(readings)
    predictions = embedded_nlu.predict([reading or "" for reading in readings])
    calls = [
        assess_crisis(crisis_clues(text), prediction.ranking)
        for text, prediction in zip(texts, predictions, strict=True)
    ]
    assert all(call is not None for call in calls)
