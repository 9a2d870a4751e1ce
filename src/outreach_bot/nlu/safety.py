"""A hand-reviewed safety net for messages that must never be misread.

A statistical classifier trained on a few hundred examples will miss some
phrasings of "je veux mourir". These patterns run before it, so a young person
in danger always gets the emergency answer, and a "STOP" always stops the
messages (a legal duty for SMS). Every pattern is matched against
:func:`outreach_bot.nlu.normalization.normalize` output with punctuation turned
into spaces, so accents, capitals, apostrophes and common SMS spellings
("jveux", "chui", "jpp") do not matter.

Recall comes first: a false alarm costs a counsellor a look, a miss may cost a
life. False positives are still kept low where an idiom is common
("mort de rire", "ce taf me tue", "ma mère va me tuer si je rate le bac").
Review every change to these lists with a counsellor, and add the phrasing to
``tests/nlu/test_safety.py``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from outreach_bot.nlu.normalization import normalize


class CrisisKind(StrEnum):
    """What kind of help a crisis message calls for, so the dialogue can pick the right number."""

    SUICIDE = "suicide"  # suicidal thoughts or self-harm (3114)
    VIOLENCE = "violence"  # violence, abuse, rape, threats (119, 17, 3919)
    SHELTER = "shelter"  # thrown out, sleeping outside tonight (115)
    DANGER = "danger"  # any other immediate danger (17, 112)


def _compile(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


_SUBJECT: Final = r"(?:il|elle|ils|elles|on)"
_HITS: Final = (
    r"(?:frappe|frappent|frappait|bat|battent|battait|cogne|cognent|tabasse|tabassent"
    r"|viole|violent|violait|agresse|agressent|etrangle|etranglent|enferme|enferment"
    r"|menace|menacent|attache|attachent|brule|brulent|touche la nuit)"
)
_HIT_PARTICIPLE: Final = (
    r"(?:frappee?|battue?|tabassee?|violee?|agressee?|etranglee?|enfermee?|menacee?"
    r"|sequestree?|brulee?|cramee?|giflee?|forcee?)"
)
_HIT_INFINITIVE: Final = r"(?:frapper|taper|violer|agresser|tabasser|etrangler|cogner)"
_MEDICINE: Final = (
    r"(?:cachets|medocs|medicaments|comprimes|pilules|doliprane|paracetamol|xanax"
    r"|anxiolytiques|somniferes|antidepresseurs|lexomil|tramadol)"
)
_BODY_PART: Final = r"(?:les |le |la )(?:bras|poignets?|cuisses?|veines|jambes?|ventre|peau)"
_ROUGH_SLEEP_PLACE: Final = (
    r"(?:dehors|a la rue|dans la rue|dans ma voiture|dans la voiture|dans une voiture"
    r"|dans un parc|dans la gare|a la gare|sous un pont|dans un hall|dans une tente"
    r"|sur un banc|dans la cage d escalier)"
)
_TONIGHT: Final = (
    r"(?:ce soir|cette nuit|la nuit|froid|sans rien|mes affaires|mon sac|pas de maison"
    r"|plus de maison|nulle part)"
)
_HOME: Final = (
    r"(?:de chez moi|de chez elle|de chez lui|de chez nous|de chez eux|de chez mes parents"
    r"|de chez ma mere|de chez mon pere|de la maison|de l appart|dehors|a la porte)"
)

# Checked in this order: the first kind that matches wins, most severe first.
_CRISIS_PATTERNS: Final[tuple[tuple[CrisisKind, re.Pattern[str]], ...]] = (
    (
        CrisisKind.SUICIDE,
        _compile(
            r"\bsuicid|\btentative de suicide\b|\b(?:une|des|fait une) ts\b",
            # "me tuer" but not "il va me tuer" (violence) nor "ça va me tuer" (idiom).
            r"\b(?<!va )(?<!vont )(?<!veut )(?<!veulent )me (?:tuer|buter|flinguer|pendre"
            r"|noyer|defenestrer|foutre en l air|jeter (?:sous|sur|d un|du|par|de))\b",
            r"\b(?:veux|veut|envie de|vais|voudrais|prefere|pense a|aimerais|besoin de"
            r"|prefererais|me laisser|que de)(?: (?:juste|vraiment|seulement|simplement"
            r"|tellement|trop|grave))? (?:mour+ir|crever|disparaitre)\b",
            r"\b(?:veux|envie de|peux|sais|vois) plus (?:vivre|exister)\b",
            r"\b(?:plus|pas|aucune) envie de vivre\b|\bmeme plus (?:de )?vivre\b",
            r"\bmarre de (?:vivre|la vie|ma vie|exister)\b|\bfatiguee? de (?:vivre|la vie)\b",
            r"\bplus la force de (?:vivre|continuer)\b|\braisons? de vivre\b",
            r"\bsert (?:plus )?a rien (?:de vivre|que je (?:vive|reste|sois))\b",
            r"\b(?:la|ma) vie (?:ca )?(?:sert a rien|a plus de sens|n a plus de sens)\b",
            r"\bveux plus etre (?:la|en vie|ici)\b|\bmieux sans moi\b",
            r"\bpense a la mort\b|\bpensees? de mort\b|\bautre solution que (?:de )?mourir\b",
            r"\bmieux que je meure\b|\bveux que je meure\b",
            # "en finir" but not "en finir avec ce dossier".
            r"\b(?:veux|envie d|vais|voudrais|prefere|pense a|aimerais|compte|besoin d"
            r"|faut que j|plan pour) en finir\b"
            r"(?! avec (?!(?:la vie|ma vie|cette vie|tout|moi)\b))",
            r"\ben finir (?:avec (?:la vie|ma vie|cette vie)|ce soir|une bonne fois)\b",
            r"\bque tout s arrete\b|\bmettre fin a (?:mes jours|ma vie)\b",
            r"\benvie de tout arreter\b|\bidees? noires?\b",
            r"\b(?:peur de|vais|envie de) faire une (?:betise|connerie)\b",
            r"\b(?:lettre|lettres|message|messages|mot) d adieu\b",
            r"\badieu (?:tout le monde|a tous)\b",
            r"\bplus (?:jamais )?me reveiller\b|\bme reveiller plus\b|\bme reveille pas demain\b",
            r"\bpartir (?:pour de bon|pour toujours|a jamais)\b|\bpars pour de bon\b",
            r"\bplus rien (?:sentir|ressentir)\b|\bcorde (?:prete|est prete|autour)\b",
            r"\bsauter (?:du|d un|de la|par la|sous un|sous le) (?:pont|toit|fenetre|balcon"
            r"|immeuble|train|metro)\b",
            r"\b(?:veux|envie de|vais) sauter\b(?! (?:en parachute|a l elastique|le pas|une etape"
            r"|une classe|le repas|le dejeuner|de joie))",
            # Overdose: a medicine with a quantity, or with "pour" / "d'un coup".
            rf"\b(?:avale|avaler|pris|prendre|prends|prepare|mis)\b(?: \w+){{0,4}}"
            rf" (?:tous|toutes|toute|plein|une boite|la boite|une plaquette|la plaquette|\d+)"
            rf"(?: \w+){{0,3}} {_MEDICINE}\b",
            rf"\b{_MEDICINE} (?:d un coup|en meme temps|pour ce soir|pour en finir|pour mourir"
            r"|pour plus rien)\b",
            # Self-harm goes to the same helpline.
            r"\bscarif|\bautomutil|\bme mutiler\b|\bme blesser expres\b|\bje me frappe\b",
            # "je me fais du mal" is self-harm; "il me fait du mal" is violence (below).
            r"\b(?:je|j)\b(?: \w+){0,4} (?<!il )(?<!elle )(?<!ils )(?<!elles )(?<!on )(?<!tu )"
            r"me (?:faire|fais|fait) du mal\b",
            r"\bme suis fait du mal\b|\b(?:envie|besoin) de me faire du mal\b",
            rf"\bme (?:couper|coupe|taillader|ouvrir|bruler|brule) {_BODY_PART}\b",
            rf"\bme suis (?:encore )?(?:coupee?|ouverte?|brulee?|tailladee?) {_BODY_PART}\b",
            r"\b(?:a|de) me (?:couper|scarifier|bruler|mutiler)\b(?! (?:les cheveux|les ongles"
            r"|la frange|de tout|du monde|des autres))",
            r"\bje me (?:coupe|brule)\b(?! (?:les cheveux|les ongles|la frange|de tout|du monde"
            r"|des autres|en cuisinant|avec le fer))",
            r"\b(?:kill myself|end my life|want to die|wanna die|self harm|hurt myself"
            r"|cut myself|end it all)\b|\bdon t want to (?:live|be alive)\b",
        ),
    ),
    (
        CrisisKind.VIOLENCE,
        _compile(
            # "je me cogne" is clumsiness, "je m'enferme" is sulking: not violence.
            rf"\b(?<!je )(?:me|m|nous) {_HITS}\b",
            rf"\bm (?:a|ont|avait|avaient) {_HIT_PARTICIPLE}\b",
            rf"\b(?:je suis|j ai ete|on m a|je me suis fait) {_HIT_PARTICIPLE}\b",
            r"\b(?:femme|fille|enfant|gamine?) battue?\b|\bbattue? par\b",
            rf"\bme {_HIT_INFINITIVE}\b|\bme (?:fais|fait|faire)(?: \w+ et)? {_HIT_INFINITIVE}\b",
            r"\b(?<!je )me tape(?:nt)?\b(?! (?:sur les nerfs|sur le systeme|la honte|l affiche"
            r"|des barres|une barre|un fou rire|la discute|trop))",
            r"\b(?<!ca )(?<!cela )(?<!message )me touche(?:nt)?\b(?! (?:beaucoup|vraiment|trop"
            r"|enormement|pas|au coeur))",
            rf"\b{_SUBJECT} (?:va|vont) me (?:tuer|taper|frapper|buter|planter)\b",
            r"\b(?:veut|veulent|menace de|menacent de) me (?:tuer|taper|frapper|buter|planter)\b",
            r"\b(?<!ca )(?<!cela )me (?:fait|font|faisait|faisaient|fasse|fassent) du mal\b",
            r"\b(?:veut|veulent|va|vont|menace de|menacent de) me faire du mal\b",
            rf"\b{_SUBJECT} me tue\b|\bmenace(?:s|e|ee)? de mort\b|\bviol\b|\battouchements?\b",
            r"\binceste\b|\babus(?:e|ee)? sexuel|\babusee? de moi\b|\bharcelement sexuel\b",
            r"\bmariage force\b|\bmarier de force\b|\bm a forcee? a\b",
            r"\bme force(?:nt)? a (?:coucher|faire des (?:trucs|choses))\b",
            r"\bviolences? (?:a la maison|chez moi|conjugales?|familiales?|sexuelles?)\b",
            r"\bon me (?:force|prostitue)\b|\bprostitu",
            r"\bpeur de (?:rentrer|mon pere|ma mere|mon beau pere|mon copain|mon mec|mon mari)\b",
            r"\b(?:frappe|tape|bat) moi\b",
            r"\b(?:hits|beats|beat|hurts|touches|rapes|raped|abuses|abused) me\b",
            r"\b(?:will|gonna|going to|wants to) kill me\b|\bdomestic violence\b",
        ),
    ),
    (
        CrisisKind.SHELTER,
        _compile(
            rf"\b(?:dors|dormir|dormi|dort|dormirai|dormais|passer la nuit|passe la nuit)"
            rf"(?: \w+){{0,3}} {_ROUGH_SLEEP_PLACE}\b",
            r"\ba la rue\b|\bsans (?:abri|domicile|toit)\b|\bsdf\b",
            r"\b(?:pas|sais pas|nulle part|aucun endroit|personne chez qui) ou dormir\b",
            r"\b(?:dors|dormir|dormirai) ou\b|\bpas d endroit (?:pour|ou) dormir\b",
            r"\b(?:pas|plus) de toit\b|\bplus de maison\b|\bpas de maison\b",
            rf"\b(?:suis|retrouve|finir) (?:dehors|dans la rue)\b(?: \w+){{0,5}} {_TONIGHT}\b",
            rf"\b{_TONIGHT}\b(?: \w+){{0,4}} (?:suis|retrouve) (?:dehors|dans la rue)\b",
            r"\b(?:vire|viree|virer|jete|jetee|chasse|chassee|mis|mise|mettent|met"
            rf"|fous|fout|foutent|foutu|foutue) {_HOME}\b",
            r"\b(?:vire|viree|virer|jete|jetee|mis|mise|chasse|chassee) par mes (?:parents"
            r"|darons|vieux)\b",
            r"\bhomeless\b|\b(?:kicked|threw|thrown) (?:me )?out\b|\bnowhere to sleep\b",
            r"\bsleep(?:ing)? (?:outside|rough|on the street|in the street)\b",
        ),
    ),
    (
        CrisisKind.DANGER,
        _compile(
            r"\ben danger\b|\bin danger\b|\bau secours\b|\bsos\b|\ben detresse\b",
            r"\bpeur pour ma vie\b|\bqui me (?:suit|suivent|poursuit)\b",
            r"\bon me (?:suit|poursuit)\b",
            r"\b(?:il|elle|ils) me suit\b|\bfugu|\bnot safe\b|\bpas en securite\b",
            r"\burgence\b(?: \w+){0,4} aidez moi\b|\baidez moi\b(?: \w+){0,2} (?:vite|urgence)\b",
            r"\b(?:a|avec|sort) un (?:couteau|flingue|pistolet|fusil)\b",
        ),
    ),
)

_OPT_OUT: Final = _compile(
    # "STOP" anywhere, except hitch-hiking ("faire du stop") and "stop à ..." slogans.
    r"(?<!du )(?<!en )\bstop(?:pez|per|sms)?\b(?! (?:a|au|aux) (?!vos|tes|ces))",
    r"^(?:arret|arrete|arretez)(?: (?:s il (?:te|vous) plait|merci|please))*$",
    r"\barrete[zr]? (?:svp|s il (?:te|vous) plait|merci)\b|\barretez$",
    r"\barrete[zr]? (?:de m ecrire|d ecrire|de m envoyer|d envoyer|de me (?:contacter|spammer"
    r"|relancer|harceler|texter|ecrire)|les (?:sms|messages|textos|notifs|envois)"
    r"|vos (?:sms|messages|textos))\b",
    r"\bcessez de m|\b(?:me|m) (?:contacte[zr]?|ecri(?:s|vez|re)|relance[zr]?) plus\b",
    r"\bne plus (?:m ecrire|me contacter|m envoyer|me relancer)\b",
    r"\bdesabonn|\bdesinscri(?:s|vez|re|ption)? moi\b|\bme desinscrire\b|\bdesinscription\b",
    r"\bunsubscribe\b|\bspam\b",
    r"\blaisse[zr]? moi tranquille\b|\blache[zr]? moi avec (?:tes|vos|ces) (?:sms|messages"
    r"|textos)\b",
    r"\b(?:veux|souhaite|voudrais) (?:plus|pas) (?:rien )?recevoir\b|\bplus rien recevoir\b",
    r"\bplus etre (?:contactee?|relancee?|sollicitee?)\b",
    r"\bveux plus (?:que (?:tu|vous) m|de (?:vos |tes |ces )?(?:sms|messages?|textos|nouvelles)"
    r"|messages?|sms)\b",
    r"\bplus (?:de|d) (?:sms|messages|notifs|notifications|envois|textos)"
    r" (?:svp|stp|s il (?:te|vous) plait|merci)\b",
    r"\b(?:don t|do not) (?:text|message|contact) me\b|\bno more (?:messages|sms|texts)\b",
)

_NOT_ALPHANUMERIC: Final = re.compile(r"[^a-z0-9]+")


def matching_form(text: str) -> str:
    """Return the form the safety patterns see: normalised, punctuation turned into spaces."""
    return _NOT_ALPHANUMERIC.sub(" ", normalize(text)).strip()


def crisis_kind(text: str) -> CrisisKind | None:
    """Return what kind of crisis ``text`` signals, or ``None`` when the net does not fire.

    ``CrisisKind`` members are plain strings ("suicide", "violence", "shelter",
    "danger"), so callers may compare them with literals.
    """
    form = matching_form(text)
    for kind, pattern in _CRISIS_PATTERNS:
        if pattern.search(form):
            return kind
    return None


def is_opt_out(text: str) -> bool:
    """Return whether ``text`` unambiguously asks to stop receiving messages."""
    return _OPT_OUT.search(matching_form(text)) is not None
