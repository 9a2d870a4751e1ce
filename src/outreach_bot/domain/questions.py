"""What kind of question a short message asks: how much, where, who, how, how long...

"c'est payé combien ?", "c'est où ?" or "j'ai 17 ans ça marche ?" name no topic: they are
about the topic the bot just answered. Each follow-up answer in ``bot/answers.yml`` declares the
kinds of question it answers (``asks``), and the dialogue picks, in the topic it keeps in
memory, the follow-up of the kind asked. Nothing is learned here: a few patterns per kind,
French and English, over the folded text (no case, accents or punctuation; whole words only),
so that a reviewer can read why a message went where it went, and a kind never swallows a
word inside another ("quand même" is not "quand").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from outreach_bot.domain.spelling import respell

QuestionKind = Literal[
    "dose", "pay", "cost", "where", "when", "who", "how_to", "how_long", "papers", "rules"
]

#: Every kind, in the order the patterns are tried, with what a reviewer reads in bot/README.md.
QUESTION_KINDS: Final[dict[str, str]] = {
    "dose": "how much of a medicine to take (la dose, je peux prendre combien de doliprane)",
    "how_long": "how long it lasts, how many hours (combien de temps, ça dure, how long)",
    "pay": "how much one gets: pay, allowance (c'est payé combien, le salaire, how much do I get)",
    "cost": "what it costs, whether it is free (ça coûte combien, c'est gratuit, is it free)",
    "where": "where it is, where to go (c'est où, l'adresse, where)",
    "when": "when, opening hours (c'est ouvert le samedi, à quelle heure, when)",
    "who": "who it is for, age limits (pour qui, jusqu'à quel âge, j'ai 17 ans ça marche)",
    "how_to": "how to apply, sign up or find one (comment on fait, faut faire quoi pour "
    "s'inscrire, how do I apply)",
    "papers": "papers or documents to bring (quels papiers, je dois ramener quoi, documents)",
    "rules": "the rules: compulsory, automatic, combined with another aid (c'est obligatoire)",
}

#: The kinds answered from the places the team lists in the back office (where, opening hours).
PLACE_KINDS: Final = frozenset({"where", "when"})

#: Fixed expressions whose words mean something else alone: "quand même" is not "when",
#: "n'importe où" is not "where". They are removed before any kind or keyword is looked for.
IDIOMS: Final = (
    "quand meme",
    "tout de meme",
    "de toute facon",
    "n importe ou",
    "n importe quand",
    "ou pas",
    "ou bien",
    "ou alors",
    "ou quoi",
)

_IT = r"(?:c est|c|cest|ces|sa|ca|ce sera|ca sera|c etait|is it|it s|its)"
#: A medicine or what one takes it for: with a word of taking or of quantity, a question
#: about a dose. A medicine named alone ("je garde mes médocs dans mon sac") asks nothing.
_MEDICINE = (
    r"(?:doliprane|paracetamol|ibuprofene|dafalgan|efferalgan|advil|aspirine|medicament"
    r"|medicaments|medoc|medocs|cachet|cachets|comprime|comprimes|gelule|gelules|sirop"
    r"|paracetamol|ibuprofen|painkillers?|pills?|tablets?|medicine|medication)"
)
_TAKING = r"(?:prendre|avaler|combien|cb|cmb|take|how much|how many)"
_MONEY = r"(?:combien|cb|cmb|thune|tune|argent|sous|fric|how much|money)"

#: kind -> patterns over the folded, space-framed text. A message may ask several kinds;
#: "c'est combien ?" asks for an amount, which is pay for the CEJ and a cost for the licence.
_PATTERNS: Final[dict[str, tuple[str, ...]]] = {
    "dose": (
        r"(?:dose|doses|dosage|posologie)",
        rf"{_TAKING}(?: \w+){{0,4}} {_MEDICINE}",
        rf"{_MEDICINE}(?: \w+){{0,4}} {_TAKING}",
        # "c bon si je prend 2 ibuprofene ?": a number of a medicine, asked.
        rf"(?:c est bon|c bon|cest bon|est ce que|peux|peut|dois|doit|droit)(?: \w+){{0,4}}"
        rf" (?:\d+|un|une|deux|trois) {_MEDICINE}",
    ),
    "how_long": (
        r"(?:combien|cb|cmb) de (?:temps|mois|semaines|jours|heures|h)",
        r"(?:ca|sa|il|elle|le contrat) dure",
        r"duree",
        r"jusqu a quand",
        r"heures? par (?:semaine|jour)",
        r"how long",
        r"how many (?:hours|months|weeks)",
    ),
    "pay": (
        r"paye?e? combien",
        r"paie combien",
        r"combien (?:on|je|tu|j|ils?) (?:est )?(?:touche|gagne|paye|paie|recoit)",
        rf"{_IT} (?:paye|payee|remunere|indemnise|retribue)",
        r"(?:salaire|remuneration|allocation|indemnite|montant)",
        r"(?:on|je|tu|j) (?:touche|gagne|recoit) (?:combien|quoi|de l argent|des sous|un salaire)",
        r"(?:on|je|tu|il|elle) (?:est|suis|es|serai|sera|serait|serais) (?:paye|payee|payes|payees"
        r"|remunere|remuneree|indemnise|indemnisee)",
        r"(?:niveau|et le|et l|question) (?:salaire|thune|argent|sous|paye|paie)",
        r"how much (?:do|will|would|can) (?:i|you|we) (?:get|earn|be paid)",
        r"(?:paid|salary|wage|allowance)",
    ),
    "cost": (
        r"(?:coute|coutent|cout|prix|tarif|cher|payant|gratuit|gratos)",
        r"(?:faut|dois|doit|je dois|il faut) (?:le |la |les )?payer",
        r"(?:free|cost|costs|price|expensive)",
    ),
    "where": (
        rf"{_IT} ou",
        r"ou (?:ca|c est|cest|c|est|sont|se trouve|aller|je vais|je peux|je dois|on va|on peut|"
        r"vous etes|etes vous|trouver|vous trouver|s inscrire|postuler)",
        r"vous etes ou",
        # "on en trouve où ?", "je postule où ?": the place word last, so "ou" is not "or".
        r"(?:trouve|trouver|trouvent|cherche|chercher|postule|postuler|inscrire|inscris|va|vais"
        r"|aller) ou(?= $)",
        r"(?:adresse|le plus proche|la plus proche|pres de chez moi|a cote de chez moi)",
        r"(?:where|address|nearest|near me)",
    ),
    "when": (
        r"quand",
        r"(?:horaire|horaires|ouvert|ouverte|ouverts|ferme|fermee)",
        r"a quelle heure",
        r"quel jour",
        r"(?:when|opening|open)",
    ),
    "who": (
        r"pour qui",
        r"qui peut",
        r"(?:quel|quelle) age",
        r"(?:jusqu a|a partir de|des|avant|apres) (?:quel )?age",
        r"trop (?:vieux|vieille|jeune|age|agee)",
        r"(?:j ai|jai|g) \d{1,2} (?:ans|an)",
        r"\d{1,2} ans (?:ca marche|c est bon|je peux|c est possible|c ok|ok)",
        r"(?:age limite|limite d age|eligible|j y ai droit|j ai le droit)",
        r"(?:who|how old|what age|age limit|up to what age|too old|too young)",
    ),
    "how_to": (
        r"comment (?:on|je|j|tu|il faut|faire|ca marche|s inscrire|postuler|avoir|trouver|"
        r"demander|ca se passe)",
        r"(?:on fait|je fais|faut faire) comment",
        r"comment(?= $)",
        r"(?:s|m|t) inscri(?:re|s|t)",
        # "sinscrire", "jmincris": the apostrophe left out. Not "desinscrire", its opposite.
        r"(?:s|m|t)inscri(?:re|s|t)",
        r"(?:faut|dois|doit|on doit|je dois) (?:faire )?quoi (?:pour|pr|pour le|pour la)",
        r"(?:on|je|j) (?:fait|fais) quoi pour",
        r"quoi faire (?:pour|pr)",
        r"(?:inscription|postuler|candidater|candidature)",
        r"(?:how do|how can|how to|apply|sign up|register)",
    ),
    "papers": (
        r"(?:quels|quel|les|des|mes) (?:papiers|documents|pieces|justificatifs)",
        r"(?:ramener|apporter|amener) quoi",
        r"quoi (?:ramener|apporter|amener)",
        r"(?:what documents|which documents|what papers|what do i bring)",
    ),
    "rules": (
        r"(?:obligatoire|oblige|obligee|force|forcee|automatique|automatiquement|cumuler|cumul|"
        r"cumulable)",
        r"en meme temps",
        r"(?:compulsory|mandatory|automatic)",
    ),
}
_COMPILED: Final = {
    kind: tuple(re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])") for pattern in patterns)
    for kind, patterns in _PATTERNS.items()
}
_NOT_A_WORD: Final = re.compile(r"[^a-z0-9]+")
_IDIOMS: Final = re.compile(r"(?<![a-z0-9])(?:" + "|".join(IDIOMS) + r")(?![a-z0-9])")
_AMOUNT: Final = re.compile(rf"(?<![a-z0-9]){_MONEY}(?![a-z0-9])")


def words_of(text: str) -> str:
    """``text`` as compared with kinds and keywords: phone spelling written out ("kel age" is
    "quel age", see :mod:`outreach_bot.domain.spelling`), lowercase, no accents, no
    punctuation, fixed expressions removed, one space between words and one at each end."""
    decomposed = unicodedata.normalize("NFKD", respell(text.casefold().replace("’", "'")))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    spaced = " ".join(_NOT_A_WORD.sub(" ", bare).split())
    return f" {' '.join(_IDIOMS.sub(' ', spaced).split())} "


def has_phrase(words: str, phrase: str) -> bool:
    """Whether the words (from :func:`words_of`) hold ``phrase`` as whole words."""
    return phrase_at(words, phrase) >= 0


def phrase_at(words: str, phrase: str) -> int:
    """Where ``phrase`` last appears as whole words in the words, -1 when it does not."""
    return words.rfind(f" {' '.join(_NOT_A_WORD.sub(' ', phrase).split())} ")


def phrase_spans(words: str, phrase: str) -> list[tuple[int, int]]:
    """Every place ``phrase`` appears as whole words in the words: (start, end) offsets."""
    framed = f" {' '.join(_NOT_A_WORD.sub(' ', phrase).split())} "
    spans: list[tuple[int, int]] = []
    start = words.find(framed)
    while start >= 0:
        spans.append((start, start + len(framed)))
        start = words.find(framed, start + 1)
    return spans


def question_kinds(text: str) -> tuple[str, ...]:
    """The kinds of question ``text`` asks, most specific first; empty when it asks none.

    "c'est combien ?" alone asks for an amount: ``("pay", "cost")``, and the topic decides
    (the CEJ's amount, the licence's price). "combien de temps" is a duration, not an amount.
    """
    words = words_of(text)
    kinds = [
        kind for kind, patterns in _COMPILED.items() if any(p.search(words) for p in patterns)
    ]
    amount = _AMOUNT.search(words)
    if amount is not None and "how_long" not in kinds and not {"pay", "cost"} & set(kinds):
        kinds += ["pay", "cost"]
    return tuple(kinds)


#: "s'inscrire", "m'inscrire", "sinscrire", "l'inscription": signing up, the opposite of
#: "se désinscrire" (whose "des" glues to the verb, so it never matches here).
_SIGNING_UP: Final = re.compile(r"(?<![a-z0-9])(?:(?:s|m|t|l) ?)?inscri(?:re|s|t|ption|ptions)")


def signs_up(text: str) -> bool:
    """Whether ``text`` speaks of signing up ("comment on s'inscrit", "pr minscrire"), which a
    classifier that learnt "désinscrire" may take for a wish to stop the messages."""
    return _SIGNING_UP.search(words_of(text)) is not None
