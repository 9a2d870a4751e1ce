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

Two strengths of signal. Most patterns are *certain*: "je veux mourir" means it whatever
else the message says. A few words are only *hints*, because young people also use them
for a missed bus: "sos", "au secours", "aidez-moi", "en danger", "j'ai fugué". A hint alone
does not decide; the dialogue weighs it with the classifier's guesses
(:mod:`outreach_bot.dialogue.crisis`), and a laugh ("mdr", "lol", 😂) cancels it.

The kind says which number comes first (facts sheet, section 4): an overdose or a
medical emergency needs the 15 before the suicide line, sexual violence the words
"ce n'est pas ta faute" and the victims' lines, sextortion the 3018.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from outreach_bot.content import ContentError
from outreach_bot.content.languages import CrisisWords
from outreach_bot.nlu.normalization import normalize


class CrisisKind(StrEnum):
    """What kind of help a crisis message calls for, so the dialogue can pick the right number."""

    MEDICAL = "medical"  # overdose, someone unconscious, drugs gone wrong (15 or 112 first)
    SUICIDE = "suicide"  # suicidal thoughts or self-harm (3114)
    SEXUAL_VIOLENCE = "sexual_violence"  # rape, sexual abuse (17/112, 119, 3919, 116 006)
    SEXTORTION = "sextortion"  # intimate images shared or used for blackmail (3018, 17)
    VIOLENCE = "violence"  # violence, abuse, threats (119, 17, 3919)
    SHELTER = "shelter"  # thrown out, sleeping outside tonight (115 from 18, 119 under 18)
    DANGER = "danger"  # any other immediate danger (17, 112)


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    """What the safety net saw: the kind of crisis, and whether the words leave no doubt."""

    kind: CrisisKind
    certain: bool = True


def _compile(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


_SUBJECT: Final = r"(?:il|elle|ils|elles|on)"
_HITS: Final = (
    r"(?:frappe|frappent|frappait|bat|battent|battait|cogne|cognent|tabasse|tabassent"
    r"|agresse|agressent|etrangle|etranglent|enferme|enferment"
    r"|attache|attachent|brule|brulent)"
)
_HIT_PARTICIPLE: Final = (
    r"(?:frappee?|battue?|tabassee?|agressee?|etranglee?|enfermee?"
    r"|sequestree?|brulee?|cramee?|giflee?)"
)
_HIT_INFINITIVE: Final = r"(?:frapper|taper|agresser|tabasser|etrangler|cogner|defoncer)"
_THREAT_VERB: Final = r"(?:tuer|taper|frapper|buter|planter|defoncer|tabasser|egorger)"
_MEDICINE: Final = (
    r"(?:cachets|medocs|medicaments|comprimes|pilules|doliprane|paracetamol|xanax"
    r"|anxiolytiques|somniferes|antidepresseurs|lexomil|tramadol|lexo|ibuprofene|advil"
    r"|dafalgan|efferalgan|codeine|antidouleurs?)"
)
_DRUG_WORDS: Final = (
    r"cachets|medocs|medicaments|pilules|drogue|drogues|coke|cocaine|md|mdma|ecstasy|ghb"
    r"|heroine|crack|proto|protoxyde|alcool|vodka|whisky|bu|trucs|truc|fume|joint"
)
_DRUG: Final = rf"(?:{_DRUG_WORDS})"
_BODY_PART: Final = r"(?:les |le |la |mes )(?:bras|poignets?|cuisses?|veines|jambes?|ventre|peau)"
_ROUGH_SLEEP_PLACE: Final = (
    r"(?:dehors|a la rue|dans la rue|dans (?:ma|sa|la|une|son|leur) voiture"
    r"|dans un parc|dans la gare|a la gare|sous un pont|dans (?:un|le) hall|dans une tente"
    r"|sous une tente|sur un banc|dans (?:la|une) cage d escaliers?|dans les escaliers"
    r"|dans un garage"
    r"|dans une cave|dans un squat|dans un abri bus)"
)
#: Soon: "bientôt", "d'ici la fin du mois", "demain".
_SOON: Final = (
    r"(?:bientot|d ici|demain|apres demain|ce soir|cette nuit|la semaine (?:pro|prochaine)"
    r"|dans (?:quelques|\d+|deux|trois|peu de) (?:jours|semaines|temps)|fin du mois"
    r"|fin de la semaine)"
)
_TONIGHT: Final = (
    r"(?:ce soir|cette nuit|la nuit|froid|sans rien|mes affaires|mon sac|pas de maison"
    r"|plus de maison|nulle part)"
)
_HOME: Final = (
    r"(?:de chez moi|de chez elle|de chez lui|de chez nous|de chez eux|de chez mes parents"
    r"|de chez ma mere|de chez mon pere|de la maison|de l appart|dehors|a la porte)"
)
#: Work, as in "se tuer à la tâche" ("je vais me tuer à ce taf", "je me tue au boulot").
_WORK: Final = (
    r"(?:(?:la|le|ce|cette|mon|ma) )?(?:taf|boulot|travail|job|tache|bosser|formation|stage"
    r"|chantier|usine)"
)
#: A night to come: it keeps a story a present one ("... mais ce soir je sais pas où aller").
_NIGHT_TO_COME: Final = r"(?:ce soir|cette nuit|demain)"
#: A short horizon: "dans une semaine", "d'ici dimanche", "pour mon anniv", "à Noël".
_HORIZON: Final = (
    rf"(?:{_SOON}|dans (?:une|un|1|2|3|deux|trois|quelques) (?:jours?|semaines?|mois)"
    r"|la semaine pro\w*|ce week end|le mois (?:pro|prochain)|d ici \w+|a noel|pour noel"
    r"|pour (?:mon|ma) anni\w*|(?<!le )(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
    r"|(?<=serai plus la )(?:de )?toute facon|(?:de )?toute facon(?= (?:je|j) serai))"
)
#: An everyday reason not to be somewhere: moving, a contract, a course, a placement, a trip.
#: "je serai plus là la semaine prochaine, je déménage" is no farewell.
_REASON_TO_LEAVE: Final = (
    r"(?:contrat|cdd|cdi|interim|mission|demenag\w*|reunion|rdv|rendez vous|entretien|vacances"
    r"|conges|appart\w*|logement|bail|service civique|armee|mutation|mutee?|voyage|erasmus"
    r"|ailleurs|dispo|dispos|disponible|region|ville|pays|bled|papiers|titre de sejour"
    r"|recepisse|oqtf|embauchee?|trouve (?:un|une|du) (?:taf|boulot|job|travail|emploi|place)"
    r"|(?:au|a l|a la) (?:taf|boulot|travail|usine|chantier)|je (?:bosse|travaille|taffe)"
    # A course starts or ends: looking for one is no reason to be gone.
    r"|(?:commence|debute|entre|rentre|reprends|reprend|fais|ferai|serai|suis|finis|fini"
    r"|termine)(?: \w+){0,2} (?:stage|formation|alternance|apprentissage|cfa|ecole|fac|lycee"
    r"|college|cours|etudes)"
    r"|(?:mon|ma|mes) (?:stage|formation|alternance|apprentissage|etudes|cours) (?:commence"
    r"|commencent|finit|finissent|se termine|s arrete|reprend)"
    r"|chez (?!moi\b)\w+|(?:pars|vais|rentre|retourne|bouge|repars) (?:a|en|au|aux|sur|vers"
    r"|dans) (?!finir\b))"
)
#: A complaint a medicine is taken for: "combien de doliprane pour la fièvre" asks a dose. Not
#: "pour la tête" (said of psychiatric medicine) nor "le mal de vivre".
_COMPLAINT: Final = (
    r"(?:fievre|mal(?! (?:de vivre|etre|a l ame))|douleurs?|migraines?|regles|rhume|grippe"
    r"|dents?|gorge|crampes|dos|ventre|toux|allergie|angine|covid|courbatures|nausee|otite)"
)
#: Who a young person lives with, or was placed with: the people who can put them out.
_HOUSEHOLD: Final = (
    r"(?:parents|mere|pere|daron|daronne|darons|vieux|famille|famille d accueil|beau pere"
    r"|belle mere|beauf|foyer|tuteur|tutrice|grands parents|grand mere|grand pere|oncle|tante)"
)
#: Turned away by them: "veulent plus de moi", "m'a dit de plus revenir", locks changed.
#: "veulent plus de moi" is also "they expect more of me" ("... en cours"), so alone it is
#: only a hint; with a night or a place outside it is certain.
_TURNED_AWAY: Final = (
    rf"\b{_HOUSEHOLD} (?:ne )?(?:veut|veulent|voulait|voulaient) plus (?:de moi|me voir)\b"
    rf"(?! (?:en|au|a l|dans|pour|niveau|cote) (?:cours|ecole|classe|sport|taf|boulot|notes"
    r"|travail|maison de|menage))"
    rf"|\b{_HOUSEHOLD}\b(?: \w+){{0,4}} dit de (?:ne )?(?:plus|pas|jamais)(?: jamais)?"
    r" (?:revenir|rentrer|remettre les pieds)\b"
    rf"|\b{_HOUSEHOLD} (?:ont|a) change (?:les|la) serrures?\b"
)
#: Out tonight, somewhere outside, or with nowhere to go.
_OUT_NOW: Final = (
    rf"(?:{_ROUGH_SLEEP_PLACE}|{_TONIGHT}|arret de bus|abribus|gare|il fait (?:froid|nuit)"
    r"|depuis \d+ ?h|dors ou|ou dormir|sais pas ou aller|chez personne|personne chez qui)"
)
#: A routine's times: "tous les soirs" is no quantity of pills.
_TIME: Final = (
    r"(?:jours?|soirs?|matins?|midis?|nuits?|semaines?|mois|ans|week ends?|we|\d+ ?h\w*"
    r"|\d+ heures|(?:deux|2|trois|3) jours|journee|matinee|soiree)"
)
#: What makes medicine talk alarming (issue 18, seventh round): distress or intent (the words of
#: :data:`_NO_DISTRESS` and more), a quantity ("toute la boîte", "tous mes cachets", "plein",
#: "trop", a box, a number past a dose), swallowing, alcohol or drugs with it, the body in
#: trouble, a night to come. Any of them and no rule holds a guess about medicine back.
_MEDICINE_ALARM: Final = (
    r".*\b(?:ce soir|cette nuit|fini|finir|en finir|mourir|mort|crever|vivre|vie|plus la|adieu"
    r"|pardon|reveiller|reveille|peur|secret|cache|cacher|caches|planque|personne|seule?|sang"
    r"|couper|lames?|vide|inutile|sers a rien|sert a rien|craque|au bout|plus la force|plus envie"
    r"|detruite?|pleure|moral|triste|nulle?|deprim\w*|tout arrete|envie de rien|s arrete"
    r"|sarrete|en peux plus|supporte plus|marre|plus rien|disparaitre|pour toujours|jamais"
    r"|de bon|envie de (?:les|tout)|pense a (?:les|tout)"
    r"|bye|dernier|derniere|assez|suffi\w*|suicid\w*|ts|"
    # A quantity, or swallowing.
    # "elle a plein de cachets" says a grandmother's pill box, not pills taken.
    r"(?<!elle a )(?<!il a )plein|trop|boites?|plaquettes?|entieres?|reserve|de cote|stock\w*"
    r"|double|triple|par erreur|sans faire expres|(?:2|deux) fois(?! par)|avale|avaler"
    r"|avalee?s?|overdose|surdose|od"
    # Alcohol or drugs with it; the body in trouble; someone who does not answer.
    r"|alcool|vodka|whisky|rhum|bu|bouteille|biere|drogue|coke|vomi\w*|flou|tourne|tremble\w*"
    r"|partir|malaise|respire\w*|evanoui\w*|inconscient\w*|convuls\w*|repond|reagit"
    r"|bouge plus|bizarre|samu|pompiers|urgences?)\b"
    r"|.*\b(?:tous|toutes|toute)\b(?! (?:les|la|mes) " + _TIME + r"\b)"
    r"|.*\b(?:[3-9]|\d{2,})\b(?! ?(?:jours?|semaines?|mois|ans|heures?|h|min\w*|kilos?|kg"
    r"|euros?|fois)\b)"
)
_INTIMATE_IMAGE: Final = (
    r"(?:nudes?|nude|photos? (?:intimes?|nues?|de moi nue?|de moi toute? nue?|de mon corps)"
    r"|videos? (?:intimes?|de moi nue?|de moi toute? nue?|de moi)|sextape)"
)
_SPREAD: Final = (
    r"(?:menace|menacent|chantage|publier|publie|diffuser|diffuse|balancer|balance|poster"
    r"|poste|partager|partage|tourner|tourne|tournent|circulent|mis|mises|mettre|envoyer|envoie"
    r"|faux compte)"
)

# Checked in this order: the first kind that matches wins, most severe first. An overdose
# needs the 15 before the suicide line; suicidal thoughts come before the kind of violence
# that caused them.
_CRISIS_PATTERNS: Final[tuple[tuple[CrisisKind, re.Pattern[str]], ...]] = (
    (
        CrisisKind.MEDICAL,
        _compile(
            # Overdose: a medicine with a quantity, or with "pour" / "d'un coup".
            # Not pills put aside ("mis de côté 30 cachets": a stock, below), nor one or two
            # taken for a complaint ("pris 2 doliprane pour ma migraine": a dose).
            rf"\b(?:avale|avaler|pris|prendre|prends|prepare|mis|sorti|aligne)\b"
            r"(?! de cote\b| en reserve\b| (?:un|une|1|2|deux) \w+ pour (?:ma|la|le|mon|mes|les"
            rf"|un|une) {_COMPLAINT}\b)(?: \w+){{0,4}}"
            rf" (?:tous|toutes|toute|plein|une boite|la boite|une plaquette|la plaquette"
            # "pris 5 kilos avec les médocs": a weight gained, not pills taken. One or two of a
            # medicine is a dose ("jpeux prendre 2 doliprane ?"), unless the message says
            # more (below, :data:`_MEDICINE_ALARM`).
            rf"|(?!(?:1|2) {_MEDICINE}\b)"
            rf"\d+(?! ?(?:kilos?|kg|livres|ans|mois|jours|semaines|heures|minutes|min|euros)\b))"
            rf"(?: \w+){{0,3}} {_MEDICINE}\b",
            # One or two of a medicine with distress, intent, a quantity or a night to come.
            rf"^(?={_MEDICINE_ALARM}).*\b(?:avale|avaler|pris|prendre|prends)\b(?: \w+){{0,4}}"
            rf" (?:1|2) (?:\w+ )?(?:de |d )?{_MEDICINE}\b",
            # "j'ai pris toute la boîte", said alone; not "toute la boîte de chocolats".
            r"\b(?:avale|avaler|pris|prendre|prends)\b"
            r" (?:toute (?:la|ma|sa|une) (?:boite|plaquette)"
            r"|(?:la|une|ma) (?:boite|plaquette) entiere)\b"
            r"(?! (?:de|d|des|du) (?:chocolats?|bonbons|gateaux|biscuits|cereales|mouchoirs"
            r"|kleenex|cookies|pizzas?|glace|chips|capotes|preservatifs|allumettes|cigarettes"
            r"|clopes|gants|masques|the|cafe|sucre|feutres|crayons|lego|jeux?)\b)",
            # "mes cachets, je les prends tous": not "tous les soirs".
            rf"\b{_MEDICINE}\b(?: \w+){{0,8}} (?:les|en) (?:prends|prendre|avale|avaler|ai pris"
            rf"|ai avale|vais prendre|vais avaler) (?:tous|toutes)\b(?! (?:les|mes) {_TIME}\b)",
            # Medicine with alcohol; not "avec un verre d'eau".
            rf"\b{_MEDICINE}\b(?: \w+){{0,4}} (?:avec|et) (?:une bouteille\b(?! (?:de |d )?eau)"
            r"|de l alcool|la vodka|de la vodka|du whisky|du rhum|(?:\w+ )?verres? (?:de |d )"
            r"(?:vodka|whisky|rhum|alcool|vin|biere|gin|tequila|pastis|ricard)"
            r"|(?:des|plusieurs|\d+) verres\b(?! (?:de |d )?eau))",
            rf"\b(?:bouteille\b(?! (?:de |d )?eau)|alcool|vodka|whisky|rhum)\b(?: \w+){{0,4}}"
            r" (?:avec|et)"
            r" (?:mes|des|les"
            rf"|plein de) {_MEDICINE}\b",
            # All at once: "mes cachets d'un coup", not "2 doliprane d'un coup ?" (a dose) nor
            # "doliprane et ibuprofène en même temps ?", unless the message says more.
            rf"\b(?:mes|tes|ses|les|des|tous|toutes|plein de|trop de|\d{{2,}}|[3-9])"
            rf" (?:\w+ )?{_MEDICINE} (?:d un coup|dun coup|en meme temps)\b",
            rf"^(?={_MEDICINE_ALARM}).*\b{_MEDICINE} (?:d un coup|dun coup|en meme temps)\b",
            rf"\b{_MEDICINE} (?:pour ce soir|pour en finir|pour mourir"
            r"|pour plus rien|pour (?:dormir et )?(?:plus|pas|jamais) me reveiller)\b",
            r"\b(?:avale|pris) (?:une|la) boite (?:de |d )?\w+\b",
            rf"\b(?:pris|prend|bu|avale|fume) (?:beaucoup |vraiment )?trop (?:de |d )?"
            rf"(?:{_DRUG}|{_MEDICINE})\b",
            r"\boverdos|\bsurdose\b|\bfait une od\b",
            # Someone's body in danger: unconscious, not breathing, bleeding a lot.
            r"\b(?:respire|respirait) (?:plus|presque plus|mal)\b|\barrive plus a respirer\b"
            r"|\bpeux plus respirer\b",
            r"\b(?:il|elle|mon pote|ma pote|mon ami|mon amie|ma copine|mon copain|mon frere"
            r"|ma soeur) (?:bouge|reagit) plus\b",
            rf"\b{_DRUG}\b(?: \w+){{0,8}} (?:il|elle|on|je) (?:arrive|peut|tient) (?:plus|pas)"
            r" (?:a )?(?:se lever|me lever|marcher|parler|ouvrir les yeux|debout|bouger)\b",
            rf"\b{_DRUG}\b(?: \w+){{0,8}} (?:il|elle) (?:repond|reagit|bouge)"
            r" (?:plus|pas|presque plus)\b(?! a (?:mes|ses|nos) )",
            r"\b(?:repond|reagit) plus quand on (?:lui parle|l appelle|le secoue|la secoue)\b",
            r"\b(?:il|elle) (?:se )?reveille (?:pas|plus)\b(?! (?:le matin|a l heure|tot))",
            r"\b(?:perdu connaissance|evanouie?|fait un malaise|fait une crise cardiaque"
            r"|convulse|en convulsion)\b",
            r"\bsaigne (?:beaucoup|trop|enormement|de partout)\b|\bcoupee? trop profond\b",
            rf"\b{_DRUG}\b(?: \w+){{0,8}} (?:coeur (?:qui )?(?:s emballe|bat (?:trop|tres) (?:vite"
            r"|fort))|me sens partir|vais tomber dans les pommes|vois flou)\b",
            r"\b(?:took|swallowed) (?:a lot of|too many|all (?:my|the)|a bottle of) (?:pills"
            r"|meds|tablets)\b|\bnot breathing\b|\bunconscious\b",
        ),
    ),
    (
        CrisisKind.SUICIDE,
        _compile(
            r"\bsuicid|\btentative de suicide\b|\b(?:une|des|fait une) ts\b",
            # "me tuer" but not "il va me tuer" (violence) nor "ça va me tuer" (idiom).
            r"\b(?<!va )(?<!vont )(?<!veut )(?<!veulent )(?<!allait )(?<!allaient )(?<!pour )"
            # "je vais me tuer à ce taf" is "se tuer à la tâche": working oneself to death (not
            # with a night to come: "je vais me tuer au taf ce soir").
            rf"me (?:tuer(?! (?:a|au) {_WORK}\b(?!.*\b{_NIGHT_TO_COME}\b))|buter|flinguer|pendre"
            r"|noyer|defenestrer|foutre en l air|jeter (?:sous|sur|d un|du|par|de))\b",
            r"\b(?:veux|veut|envie de|vais|voudrais|prefere|pense a|aimerais|besoin de"
            r"|prefererais|me laisser|que de)(?: (?:juste|vraiment|seulement|simplement"
            r"|tellement|trop|grave))? (?:mour+ir|crever|disparaitre)\b"
            r"(?! (?:de|d) (?:froid|faim|chaud|rire|fatigue|soif|ennui|peur|honte))"
            # "disparaître quelques jours chez ma tante", "des réseaux": a trip, a break.
            r"(?:(?<!disparaitre)|(?! (?:quelques|deux|trois|\d+|un|une|le|ce) (?:jours?|semaines?"
            r"|mois|nuits?|temps|week end|moment)\b| chez \w+| en (?:vacances|voyage)\b"
            r"| a l etranger\b| sous (?:ma|la|une|mon|les) (?:couette|couverture|draps?|plaid)\b"
            r"| (?:de|des|d) (?:la circulation|reseaux|insta|snap|tiktok|l ecran|ecrans)))",
            r"\b(?:veux|envie de|peux|sais|vois) plus (?:vivre|exister)\b",
            r"\b(?:plus|pas|aucune) envie de vivre\b|\bmeme plus (?:de )?vivre\b",
            r"\b(?:marre|saoulee?|degoutee?|lassee?) de (?:vivre|la vie|ma vie|exister)\b"
            r"|\bfatiguee? de (?:vivre|la vie)\b"
            r"|\b(?:marre|fatiguee?|lassee?|epuisee?) d (?:etre en vie|exister"
            r"|etre (?:encore )?la)\b",
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
            r"\bque tout s arrete\b|\bmettre fin a (?:mes jours|ma vie|tout ca|tout)\b",
            r"\benvie de tout arreter\b|\bidees? noires?\b",
            r"\b(?:peur de|vais|envie de) faire une (?:betise|connerie)\b",
            r"\b(?:lettre|lettres|message|messages|mot) d adieu\b",
            r"\badieu (?:tout le monde|a tous)\b",
            r"\bplus (?:jamais )?me reveiller\b|\bme reveiller plus\b|\bme reveille pas demain\b",
            # Joining the dead: "je vais rejoindre mon père là-haut".
            r"\brejoindre (?:mon|ma|mes) \w+(?: \w+)? (?:la haut|au ciel|au paradis"
            r"|de l autre cote)\b",
            r"\b(?:dormir|m endormir|envie|veux|voudrais|aimerais|prefererais)\b(?: \w+){0,3}"
            r" (?:de )?(?:ne )?(?:plus jamais|jamais plus|plus) (?:ouvrir|rouvrir) les yeux\b",
            # Wishing not to wake up, feeling a burden, wishing to be gone: said sideways,
            # these are the warning signs counsellors are trained to hear.
            r"\b(?:dormir|m endormir|endormir) (?:et )?(?:ne )?(?:pas|plus|jamais) (?:me )?"
            r"reveiller\b|\b(?:dormir|m endormir) pour (?:toujours|de bon|l eternite)\b",
            r"\b(?:un poids|un fardeau|un boulet|une charge|de trop) pour (?:tout le monde"
            r"|ma famille|mes parents|les autres|mes proches|eux|ma mere|mon pere|mes darons"
            r"|mon daron|ma daronne|mes vieux|ma copine|mon copain|ma femme|mon mec|mes freres"
            r"|mes soeurs|mes enfants|ma grand mere|mon grand pere|mes grands parents|tous)\b"
            r"|\bje suis (?:qu |que |juste )?un (?:poids|fardeau)\b(?! (?:lourd|plume|mort))",
            r"\bsi (?:je|j) (?:disparaissais|disparais|mourais|meurs|etais plus la|suis plus la"
            r"|etais pas la"
            r"|etais morte?|etais (?:pas|jamais) nee?|existais (?:pas|plus))\b",
            r"\b(?:plus simple|mieux|plus facile|plus tranquille|un soulagement)\b(?: \w+){0,3}"
            r" si (?:je|j) (?:me )?(?:reveillais|reveille) (?:pas|plus|jamais)\b",
            r"\baurais (?:du|voulu|prefere|aime) (?:mourir|y rester|crever|(?:ne )?(?:jamais|pas)"
            r" (?:me reveiller|survivre|naitre|exister))\b",
            # Wishing not to wake up, said in the middle of a question about a job or a course.
            r"\b(?:aimerais|voudrais|prefererais|veux|envie de|souhaite|espere)(?: \w+){0,2}"
            r" (?:ne )?(?:pas|plus|jamais) me reveiller\b(?! (?:a|avant|tot|si tot|aussi tot|en"
            r" retard|pour|\d))",
            r"\b(?:pas|plus) (?:rester|etre|vivre) (?:\w+ ){0,2}sur (?:cette|la) terre\b"
            r"|\bquitter (?:ce monde|cette terre|la terre|cette vie)\b",
            r"\bme retient (?:plus )?(?:dans (?:cette|la|ma) vie|en vie|sur (?:cette|la) terre)\b",
            r"\b(?:endormir|dormir)\b(?: \w+){0,3} (?:et )?(?:que )?tout (?:soit|serait)"
            r" (?:fini|termine)\b",
            r"\bque (?:ca|tout) s arrete (?:pour de bon|pour toujours|a jamais|definitivement)\b",
            r"\bpersonne (?:ne )?(?:viendrait|viendra|pleurerait|pleurera) a mon enterrement\b"
            r"|\b(?:mon enterrement|mes funerailles)\b(?! de vie)",
            # Giving all one's things away "since I won't need them"; not one's football kit.
            r"\b(?:donne|distribue|offert|laisse) (?:(?:toutes|tous) mes \w+|mes (?:affaires|trucs"
            r"|fringues|vetements|bijoux)\b(?! (?:de|d|du|pour) ))(?: \w+){0,6} (?:plus besoin"
            r"|en aurai plus|aurai plus besoin)\b",
            # Everything tidied and one's things given away; given away "là où je vais".
            r"^(?=.*\btout (?:range|vide|trie)\b)(?=.*\b(?:donne|distribue|offert|laisse)"
            r" (?:toutes |tous )?mes (?:affaires|trucs|fringues|vetements|bijoux|jeux|sous"
            r"|thunes|economies)\b)",
            r"\b(?:donne|distribue|offert|laisse)\b(?: \w+){0,8} la ou je (?:vais|pars)\b"
            r"(?: \w+){0,3} (?:en )?aurai (?:pas|plus) besoin\b",
            # Looking for a way: how many pills it takes, a deadly dose, a painless way, a
            # height one does not survive. "combien de doliprane pour la fièvre" is a dose.
            rf"\b(?:combien|cb|cmb|cbn) (?:de |d )?(?:{_MEDICINE}|{_DRUG})\b(?: \w+){{0,7}}"
            r" (?:mourir|crever|y passer|en finir|mortel|mortelle|que ca suffise|que ce soit fini"
            r"|que tout s arrete|(?:ne )?(?:plus|pas|jamais) (?:jamais )?(?:me|se|te|m|s) "
            r"(?:reveiller|reveille)\b(?! (?:la nuit|avant|trop|tot|a \d|en|pendant|au milieu))"
            r"|(?:ne )?(?:plus|pas) souffrir\b(?! (?:de|du|des|d|pendant|avec|au|a|en)\b))",
            rf"\b(?:doses?|quantite) (?:mortelle|letale|fatale)s?\b|\b{_MEDICINE} (?:qui tuent"
            r"|mortels?)\b",
            r"\bcomment (?:faire )?(?:pour )?(?:ne )?(?:pas|plus) souffrir\b"
            r"(?! (?:pendant|au|a|en|avec|de|des|du|d|quand|lors|apres|avant|pour|chez)\b)",
            r"\b(?:veux|voudrais|envie de|aimerais|prefere) (?:juste )?(?:ne )?plus souffrir\b"
            r"(?! (?:de|du|des|d|avec|pendant|a cause|au|a|en|chez)\b)",
            r"\b(?:quelle|quel) hauteur\b(?: \w+){0,5} (?:survit pas|survit plus|meurt|mortel\w*"
            r"|mourir|suffit|suffira|on se tue|on s en sort pas|on se rate pas"
            r"|(?:pas|plus) (?:se|me|te) rater)\b",
            r"\b(?:pont|immeuble|toit|falaise|viaduc|tour|batiment|etage|fenetre|barrage)\b"
            r"(?: \w+){0,4} (?:assez|suffisamment|vraiment|tres) haute?s?\b(?: \w+){0,5}"
            r" (?:suffira|suffit|suffirait|pour (?:mourir|en finir|pas (?:me|se) rater"
            r"|plus (?:me|se) reveiller|que ca marche|sauter\b(?! (?:a l elastique|en parachute"
            r"|dans l eau))))\b",
            # Blades bought or hidden, said alone; not razor blades, a cutter's or a floor's.
            r"^(?!.*\b(?:rasoir|raser|rase|barbe|cutter|scie|tondeuse|patins?|parquet|terrasse"
            r"|stores?|essuie glaces?|gillette|cuisine|couteaux?|epiler|epilation|mixeur"
            r"|lamelles?)\b).*\b(?:achete|rachete|pris|cache|garde|planque|commande|trouve"
            r"|vole|recupere)\b(?: (?:des|mes|une|les|de nouvelles|encore des|deja des))? lames?"
            r"\b(?! (?:de|d|du|pour|a) )",
            # Pills put aside, stocked up or counted.
            rf"\b(?:garde|gardais|mets|mis|met|mettre|stocke|stocker|planque|cache|accumule"
            rf"|amasse|economise)\b(?: \w+){{0,3}} {_MEDICINE}\b(?: \w+){{0,2}} (?:de cote"
            r"|en reserve|pour plus tard|pour le jour|pour le moment venu|quelque part)\b",
            rf"\bde cote (?:des|mes|plein de|\d+) {_MEDICINE}\b",
            rf"\b(?:stocke|stocker|accumule|accumuler|amasse|amasser)\b(?: \w+){{0,2}}"
            rf" (?:des|mes|les|plein de|\d+) {_MEDICINE}\b",
            rf"\b(?:j ai fait|je fais|je me fais|je me suis fait) (?:des|une|un|mon|ma)"
            rf" (?:reserves?|stock|provision) de {_MEDICINE}\b",
            rf"\b(?:compte|recompte)\b(?: \w+){{0,2}} {_MEDICINE}\b(?: \w+){{0,6}}"
            r" (?:assez|suffisamment|ca suffira|ca devrait suffire|suffit)\b",
            # A rope one cannot stop thinking of, a slipknot learnt.
            r"\bune corde\b(?: \w+){0,6} (?:arrete pas d y penser|pense qu a ca|pense qu a elle"
            r"|y pense (?:tout le temps|souvent|chaque|tous|sans arret))\b",
            r"^(?!.*\b(?:peche|bateau|voile|scouts?|escalade|camping|lasso|bracelet|cravate"
            r"|noeuds marins?)\b).*\bnoeuds? coulants?\b",
            # Letters left for the family, a goodbye said in secret.
            r"\becrit (?:des lettres|une lettre|un mot|des mots|des messages|un message)"
            r" (?:a|pour) (?:chacun|ma|mon|mes|tout le monde|ceux|les gens|ceux que)\b"
            r"(?: \w+){0,8} (?:sur mon bureau|sur mon lit|dans ma chambre|comprendront"
            r"|comprendrez|trouvera|trouveront|trouverez|lira|liront|pardon|desolee?)\b",
            rf"^(?!.*\b{_REASON_TO_LEAVE})(?=.*\b(?:dit|fait|faire|dire|dis) (?:mes )?adieux?"
            r" (?:a|aux) (?:mes|ma|mon|tout|tous|ceux|ma famille)\b)",
            # Not being here any more, with a short horizon and no everyday reason: "d'ici
            # dimanche je serai plus là", "jcherche du boulo mais jsais pas si je serai encore
            # là dans une semaine". "je serai plus là lundi, je pars en stage" is a trip.
            rf"^(?!.*\b{_REASON_TO_LEAVE})(?=.*\b(?:serai|serais|vais (?:plus )?etre|suis)"
            rf" plus la\b|.*\bpas (?:si|sure?|certaine?|sur) (?:si )?(?:je serai|je serais"
            rf"|j serai|d etre|que je sois|de l etre) encore la\b)(?=.*\b{_HORIZON}\b)",
            r"\bplus pour (?:tres )?longtemps (?:a etre la|a vivre|sur (?:cette|la) terre"
            r"|ici bas|en vie)\b",
            r"^(?=.*\bfini pour moi\b)(?=.*\btout (?:prevu|prepare|organise|planifie|decide)\b)",
            # A plan: everything ready and a letter for someone, a rope and "ce que je vais faire".
            r"\btout (?:prepare|prevu|organise|planifie|range)\b(?: \w+){0,8}"
            r" (?:une |un |ma |mes )?(?:lettre|lettres|mot) (?:pour|a) (?:ma|mon|mes)\b",
            r"\b(?:lettre|lettres|mot) (?:pour|a) (?:ma|mon|mes)\b(?: \w+){0,8} tout (?:prepare"
            r"|prevu|organise|planifie|range)\b",
            r"\bune corde\b(?: \w+){0,6} (?:sais ce que je vais faire|pour ce soir|pour en finir"
            r"|pour le faire|pour moi)\b",
            r"\ba quoi bon (?:continuer|vivre|rester|me lever|exister|tout ca|me battre)\b",
            # Soon needing nothing any more, or no longer being a problem for anyone: a
            # farewell said sideways. "j'aurai plus besoin de taf bientôt" alone is also
            # someone about to sign a contract; with "je sais même pas pourquoi je fais ça"
            # in the same message it is not.
            rf"^(?=.*\b(?:aurai|aurais|vais avoir) plus besoin de (?:rien|personne|tout ca)\b)"
            rf"(?=.*\b{_SOON}\b)",
            r"^(?=.*\bsais (?:meme )?pas pourquoi je (?:fais|continue|postule|cherche|me bats"
            r"|me fatigue|me leve)\b)(?=.*\b(?:aurai|aurais|vais avoir) plus besoin\b)",
            r"\b(?:serai|serais|vais etre) plus (?:un|une) (?:probleme|poids|souci|fardeau|charge)"
            r" pour (?:personne|vous|tout le monde|ma famille|mes parents|mes darons|ma mere"
            r"|mon pere)\b",
            r"\bquand (?:je|j) (?:serai|serais|vais etre) plus (?:la|en vie|de ce monde)\b",
            r"\b(?:seule )?solution (?:c est|ce serait|serait|est) (?:la mort|de mourir|mourir"
            r"|d en finir|de disparaitre)\b",
            # Maghrebi Arabic and Dari written in Latin letters ("bghit nmout", "mekhaham
            # bemiram"), as young newcomers type them on a French keyboard.
            r"\b(?:bghit|nbghi|nebghi|bghina|n7eb|nheb|n7ab|bdi|badi|baddi) (?:n?mout|nmot"
            r"|ne9tel rasi|n9tel rasi|nentahar|ntahar)\b|\bnentahar\b",
            r"\b(?:bemiram|bemirom|bemirum|khodkoshi|khodkushi|khudkushi|khodkeshi)\b",
            # "ma bqitch baghi n3ich" (Darija: I don't want to live any more), "khodama
            # bokosham" (Dari: kill myself), "zhwand na ghwaram" (Pashto: I don't want life).
            r"\bma (?:bqitch |b9itch |bqit |b9it )?(?:baghi|bghit|bagha|baghya|nbghi)\w* n3ich\b"
            r"|\bma?bghitch n3ich\b",
            r"\bkhod(?:am|ama|ma|mo|emo|a)?(?: ra)? (?:bokosham|bokoshom|bokoshum|bkosham"
            r"|bekosham)\b",
            r"\b(?:zhwand|jwand|zwand) (?:na|nah) (?:ghwaram|ghwarum|ghwarm|gwaram)\b",
            # "man dega nemekhaham zenda basham" (Dari: I do not want to be alive any more).
            r"\b(?:nemekhaham|nemikhaham|namekhaham|nemekham|nemikham|nemekhayam) (?:dega |dige )?"
            r"zend(?:a|e)(?: basham| bemanam| bashom)\b",
            r"\b(?:devrais|voudrais|aimerais|prefererais|merite) (?:meme )?(?:plus|pas) "
            r"(?:d |de )?(?:etre la|exister|etre en vie|etre nee?|vivre)\b",
            r"\ba quoi (?:ca )?(?:sert|servirait) (?:que je|de) (?:vivre|continuer|exister"
            r"|me battre)\b",
            r"\bdisparaitre (?:de la surface|pour toujours|a jamais|pour de bon|de ce monde)\b",
            r"\bpartir (?:pour de bon|pour toujours|a jamais)\b|\bpars pour de bon\b",
            r"\bplus rien (?:sentir|ressentir)\b|\bcorde (?:prete|est prete|autour)\b",
            # Looking at the tracks or the drop for a long time.
            r"\b(?:regarde|fixe|suis (?:sur|devant|au bord de|au bord du)|assise? (?:sur|au bord"
            r" de|au bord du))(?: \w+){0,1} (?:la voie ferree|les rails|le vide|des rails"
            r"|du vide|toit)\b(?: \w+){0,3} depuis\b",
            r"\b(?:sauter|saute|sauterai) (?:du|d un|de la|par la|sous un|sous le)"
            r" (?:pont|toit|fenetre|balcon|immeuble|train|metro)\b",
            r"\bme (?:tirer|mettre|foutre) une balle\b",
            r"\b(?:veux|envie de|vais) sauter\b(?! (?:en parachute|a l elastique|le pas|une etape"
            r"|une classe|le repas|le dejeuner|de joie|sur l occasion|sur l offre|dessus))",
            # Self-harm goes to the same helpline.
            r"\bscarif|\bautomutil|\bme mutiler\b|\bme blesser expres\b|\bje me frappe\b"
            r"|\bme (?:fais|fait|suis fait) des entailles\b",
            # Hopelessness: no way out, no point in anything.
            r"\b(?:plus|aucun|pas) (?:l |d )?(?:interet|sens) (?:de|a|d) (?:rien|la vie|vivre"
            r"|continuer|exister)\b|\b(?:plus d|aucune|pas d) issue\b"
            r"|\b(?:vois|voit|trouve) (?:pas|plus|aucune) (?:de |d )?(?:sortie|issue)\b",
            # Looking for a way, and farewells.
            r"\b(?:mourir|partir|en finir|le faire|me tuer) sans (?:souffrir|douleur|avoir mal)\b",
            r"\b(?:entendrez|entendra|entendre) plus (?:jamais )?parler de moi\b"
            r"|\b(?:me )?(?:reverrez|reverra) plus\b|\bmon dernier message\b",
            # "je me fais du mal" is self-harm; "il me fait du mal" is violence (below).
            r"\b(?:je|j)\b(?: \w+){0,4} (?<!il )(?<!elle )(?<!ils )(?<!elles )(?<!on )(?<!tu )"
            r"me (?:faire|fais|fait) du mal\b",
            r"\bme suis fait du mal\b|\b(?:envie|besoin) de me faire (?:du )?mal\b",
            rf"\bme (?:couper|coupe|taillader|taillade|ouvrir|ouvre|bruler|brule) {_BODY_PART}\b",
            rf"\bme suis (?:encore )?(?:coupee?|ouverte?|brulee?|tailladee?) {_BODY_PART}\b",
            # "à me couper" alone; "me couper internet" or "les cheveux" is something else
            # (a body part is read by the pattern above).
            r"\b(?:a|de) me (?:couper|scarifier|bruler|mutiler)\b(?! (?:de tout|du monde"
            r"|des autres|internet|le|la|les|l|du|mon|ma|mes|son|sa|ses|leur|leurs|un|une))",
            r"\bje me (?:coupe|brule)\b(?! (?:les cheveux|les ongles|la frange|de tout|du monde"
            r"|des autres|en cuisinant|avec le fer))",
            r"\bmarques sur (?:les|mes) (?:bras|poignets|cuisses|jambes)\b|\bjusqu au sang\b",
            r"\b(?:kill myself|end my life|want to die|wanna die|self harm|hurt myself"
            r"|cut myself|end it all|ending (?:it all|everything|my life)|better off without me"
            r"|no reason to live)\b|\bdon t want to (?:live|be alive|be here)\b"
            r"|\bif i (?:was|were) gone\b|\bpoint (?:of|in) living\b",
            r"\b(?:happier|better|better off|easier) (?:\w+ )?if i (?:wasnt|wasn t|weren t|werent"
            r"|was not|were not|didnt|didn t) (?:around|here|alive|exist)\b"
            r"|\bif i (?:was|were) (?:dead|never born)\b",
            r"\bend(?:ing)? things\b(?! with)|\b(?:hope|wish) i (?:just )?(?:dont|don t|do not"
            r"|never|wouldnt|wouldn t) wake up\b",
        ),
    ),
    (
        CrisisKind.SEXUAL_VIOLENCE,
        _compile(
            # "violent" is the adjective far more often than the verb: left out.
            r"\b(?:viole|violee|violes|violees|violait)\b(?! (?:de|la loi|le reglement))"
            r"|\b(?:fait|faire|voulu|veut|essaye de|essaie de|tente de|a tente de)"
            r" (?:me )?violer\b"
            r"|\bviol\b|\battouchements?\b",
            r"\binceste\b|\babus(?:e|ee)? sexuel|\babusee? de moi\b|\bharcelement sexuel\b",
            r"\bagressee? sexuellement\b|\bagression sexuelle\b",
            r"\bm a forcee? a\b|\bforcee? a (?:coucher|faire des (?:trucs|choses))\b",
            r"\bme force(?:nt)? a (?:coucher|faire des (?:trucs|choses))\b",
            r"\bme force(?:nt)? (?:quand|alors que) (?:j ai|je veux|je dis) (?:pas|non)\b",
            r"\bviolences? sexuelles?\b|\bon me (?:prostitue)\b|\bprostitu",
            r"\b(?<!ca )(?<!cela )(?<!message )me touche(?:nt)?\b(?! (?:beaucoup|vraiment|trop"
            r"|enormement|pas|au coeur))",
            # "ça m'a touchée", "ses mots m'ont touchée": moved, not touched.
            r"\btouche (?:les|mes) (?:fesses|seins|parties)\b"
            r"|(?<!ca )(?<!cela )(?<!mots )(?<!message )(?<!histoire )\bm (?:a|ont) touchee\b"
            r"(?! (?:au coeur|en plein coeur))",
            # "il en a profité" with being drunk, asleep or remembering nothing.
            r"^(?=.*\b(?:il|ils|on|mec|gars|type|keum) (?:en )?(?:a|ont) profite\b)"
            r"(?=.*\b(?:pas en etat|bourree?|saoule|ivre|dormais|endormie?|droguee?|inconsciente?"
            r"|me souviens (?:de |plus de )?(?:rien|presque rien|pas))\b)",
            r"\b(?<!je )(?<!j )(?:vient|venait|rentre|rentrait|entre|entrait|se glisse)\b"
            r"(?: \w+){0,2} dans (?:ma chambre|mon lit)\b(?: \w+){0,4} (?:la nuit"
            r"|quand (?:tout le monde|je|ma mere"
            r"|mes parents|les autres) dor\w*|pendant que (?:je|tout le monde) dor\w*)\b",
            r"\bce qu (?:il|elle|ils) me (?:fait|faisait|font)\b(?: \w+){0,4} (?:secret"
            r"|(?:le )?dire a personne|en parler a personne)\b",
            r"\bm (?:a|ont) coincee?\b(?: \w+){0,2} (?:dans|contre)"
            r" (?:les |la |le |l |sa |son |un |une )?"
            r"(?:vestiaires?|toilettes|douches?|reserve|cave|chambre|voiture|ascenseur|mur|lit)\b",
            r"\bprofite (?:que j etais|de moi)\b(?: \w+){0,4}(?: coucher)?",
            r"\b(?:rape|raped|rapes|sexually (?:abused|assaulted))\b",
            # "il me fait des trucs quand je dors", "des choses que je voulais pas".
            r"\b(?:me|m a|ma|m ont|mont) (?:fait|fais|font|faisait|faisaient) des (?:trucs|choses)"
            r"\b(?: \w+){0,6} (?:quand je dors|pendant que je dors|la nuit|dans mon lit"
            r"|dans ma chambre|que je (?:voulais|veux) pas|sans mon accord)\b",
            r"\b(?:trucs|choses) que je (?:voulais|veux) pas\b(?: \w+){0,6} (?:soiree|bourree?"
            r"|saoule|dormais|lit|chambre|force)\b",
            r"\b(?:touched|groped|gropes|molested|molests) me\b|\btouches me\b",
        ),
    ),
    (
        CrisisKind.SEXTORTION,
        _compile(
            rf"\b{_INTIMATE_IMAGE}\b(?: \w+){{0,8}} {_SPREAD}\b",
            rf"\b{_SPREAD}\b(?: \w+){{0,8}} {_INTIMATE_IMAGE}\b",
            r"\bchantage (?:avec|a cause d) (?:une|des|ma|mes) (?:photos?|videos?)\b",
            # "il va envoyer ma vidéo à mes contacts si je paie pas": blackmail.
            r"\b(?:photos?|videos?|pics?|contacts)\b(?: \w+){0,10} si (?:je |j )?(?:lui |leur )?"
            r"(?:donne|paie|paye|envoie|vire|verse)(?: \w+)? pas\b",
            r"\b(?:fait|font|faire) chanter\b",
            r"\bsextorsion\b|\brevenge porn\b|\bsextortion\b",
            r"\bblackmail\w* (?:me )?(?:with|over) (?:my )?(?:nudes|pics|photos|videos)\b",
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
            # A threat is violence when what is threatened is: "il me menace de me virer" is not.
            r"\b(?:me|m) menacen?t?\b(?! (?:de|d) (?!mort\b|me (?:tuer|taper|frapper|buter"
            r"|planter|defoncer|tabasser|faire du mal)\b))",
            r"\bm (?:a|ont) menacee? (?:avec|de mort|de me (?:tuer|taper|frapper|buter|planter"
            r"|defoncer|tabasser))\b",
            rf"\b{_SUBJECT} (?:va|vont|allait|allaient) me {_THREAT_VERB}\b",
            rf"\b(?:veut|veulent|menace de|menacent de|a dit qu il allait|pour)"
            rf" me {_THREAT_VERB}\b",
            r"\b(?<!ca )(?<!cela )me (?:fait|font|faisait|faisaient|fasse|fassent) du mal\b",
            r"\b(?:veut|veulent|va|vont|menace de|menacent de) me faire du mal\b",
            rf"\b{_SUBJECT} me tue\b|\bmenace(?:s|e|ee)? de mort\b",
            r"\bmariage force\b|\bmarier de force\b",
            r"\bviolences? (?:a la maison|chez moi|conjugales?|familiales?)\b",
            r"\bviolente? avec moi\b|\bdevient violente?\b",
            # "un coup de main", "un coup de fil", "un coup au moral": help, a call, a blow felt.
            r"(?:\bme (?:met|mettent|mets|donne|donnent|file|filent|colle|collent)"
            r"(?: des| une| un)? (?:claques?|gifles?|baffes?|coups?)"
            r"|\bm a (?:mis|donne|file) (?:un|une|des) (?:coup|coups|claque|gifle|baffe))\b"
            r"(?! (?:de|d) (?:main|fil|pouce|coeur|stress"
            r"|barre|mou|vieux|boost|balai|chaud|froid|soleil|genie|foudre|bol|chance|neuf"
            r"|projecteur|pression|cafard|blues)\b| au moral\b)",
            r"\bdes bleus (?:partout|a cause)\b|\bserre le cou\b",
            r"\b(?:marques?|bleus?|traces?|cicatrices?)\b(?: \w+){0,2} (?:de la|de sa|de|du|de son"
            r"|des) (?:ceinture|cable|baton|poings?|coups?|claques?|gifles?)\b"
            r"(?! (?:de|d) (?:soleil|foot|pied|genou|coude|vent|froid|chaud|main|fil))",
            r"\b(?:bleus|marques|traces|coquard|cocard)\b (?:qu il|qu elle|qu ils|que mon|que ma"
            r"|que mes)(?: \w+){0,2} m (?:a|ont|avait) (?:fait|faits|faites|laisse\w*)\b",
            r"^(?=.*\b(?:petite? (?:frere|soeur)s?|bebe|enfants?|gamine?s?|petits"
            r"|(?:frere|soeur|fils"
            r"|fille|cousine?|neveu|niece) de (?:[1-9]|1[0-3]) ans)\b)(?=.*\b(?:tout"
            r"|toute|tous|toutes) seule?s?\b(?: \w+){0,4} depuis"
            r" (?:\d+|deux|trois|quatre|plusieurs)"
            r" (?:jours|nuits)\b)",
            # Latin-letter Darija, Dari and Pashto: "kayderbni", "mara lat mekona", "ma wahi".
            r"\b(?:kay|ka|ta|tay|kat)?d(?:e|a|o)?r(?:e|a)?b(?:ni|ouni|oni|uni)\b",
            r"\b(?:mara|mra|mano) (?:lat|laat) (?:mekona|mekone|mekonad|mikone|mikonad|mekunad"
            r"|mekonan|kard|kad|kadan)\b|\b(?:mara|mra|mano) (?:mezana|mezane|mizane|mizanad"
            r"|mezanad|mezanan|mizanan)\b",
            r"\bma (?:wahi|wahee|wahai|wahe|wahalay|wahal)\b",
            # An injury someone did: "mon mec m'a cassé le nez", "il m'a ouvert l'arcade".
            r"\b(?:m a|ma|m ont|mont) (?:casse|pete|ouvert|fracture|cogne) (?:le nez|le bras"
            r"|la machoire|une dent|des dents|les dents|les cotes|une cote|l arcade"
            r"|la levre|le poignet|la gueule)\b",
            r"\bpeur de (?:rentrer|mon pere|ma mere|mon beau pere|mon copain|mon mec|mon mari)\b",
            r"\b(?:frappe|tape|bat) moi\b",
            r"\b(?:hits|beats|beat|hurts|abuses|abused) me\b",
            r"\bleve la main sur (?:moi|nous|ma|mon|mes)\b",
            # "m'a" typed "ma": "mon frère ma étranglé".
            rf"\b(?:il|elle|ils|elles|on|pere|mere|frere|soeur|copain|copine|mec|daron|daronne"
            rf"|oncle|tante|cousin|cousine|parents|darons) (?:ma|mont) {_HIT_PARTICIPLE}\b",
            r"\bse fait (?:taper|frapper|battre|tabasser|cogner) par (?:mon|ma|mes|son|sa|ses|leur"
            r"|le|la)\b",
            # A child left alone without food.
            r"\blaissen?t? (?:toute? )?seule?s? (?:\w+ ){0,2}(?:sans manger|sans rien a manger"
            r"|des jours|plusieurs jours)\b",
            r"\b(?:will|gonna|going to|wants to) kill me\b|\bdomestic violence\b",
        ),
    ),
    (
        CrisisKind.SHELTER,
        _compile(
            rf"\b(?:dors|dormir|dormi|dort|dormirai|dormais|passer la nuit|passe la nuit|vis|vit"
            rf"|vivre|habite|loge|squatte)(?: \w+){{0,3}} {_ROUGH_SLEEP_PLACE}\b"
            # A night in the car or a tent at a festival or a camp site is an outing.
            r"(?!(?: \w+){0,2} (?:au|du|a un|a l|en|pour le|pour un) (?:festival|concert|camping"
            r"|road trip|roadtrip|rallye|teknival)\b)",
            rf"\b{_HOUSEHOLD}\b(?: \w+){{0,2}} (?:a|ont) (?:mis|jete|sorti|balance|foutu|vire)"
            r" (?:toutes )?mes (?:affaires|sacs|fringues|vetements)\b(?: \w+){0,5}"
            r" (?:devant la porte"
            r"|dehors|sur le palier|dans la rue|sur le trottoir|dans des sacs poubelle"
            r"|par la fenetre)\b",
            # "à la rue niveau thunes" or "en maths" is broke or lost; "pas à la rue" is not.
            r"\b(?<!pas )(?<!peur de finir )(?<!peur de me retrouver )a la rue\b(?! (?:niveau|cote"
            r"|question) \w| (?:en|pour) (?:thunes?|argent|sous|fric|maths|francais|anglais|cours"
            r"|notes|ortho|orthographe|info|horaires))|\bsans (?:abri|domicile|toit)\b|\bsdf\b",
            r"\b(?:pas|sais pas|nulle part|aucun endroit|personne chez qui) ou dormir\b",
            r"\b(?:dors|dormir|dormirai) ou\b|\bpas d endroit (?:pour|ou) dormir\b",
            r"\b(?:pas|plus) de toit\b|\bplus de maison\b|\bpas de maison\b",
            r"\bnulle part ou (?:aller|dormir|me loger)\b|\bpersonne chez qui aller\b",
            r"\bpas de (?:logement|toit|endroit) (?:ce soir|cette nuit|pour ce soir)\b",
            r"\bexpulsee?s?\b(?: \w+){0,4} (?:aujourd hui|ce matin|ce soir|hier)\b",
            rf"\b(?:suis|retrouve|finir) (?:dehors|dans la rue)\b(?: \w+){{0,5}} {_TONIGHT}\b",
            rf"\b{_TONIGHT}\b(?: \w+){{0,4}} (?:suis|retrouve) (?:dehors|dans la rue)\b",
            r"\b(?:vire|viree|virer|jete|jetee|chasse|chassee|mis|mise|mettent|met"
            rf"|fous|fout|foutent|foutu|foutue) {_HOME}\b"
            # Put out of a class, a shop or a meeting is not put out of a home.
            r"(?! (?:du|de la|de l|des|de mon|de ma) (?:cours|classe|salle|formation|magasin|boite"
            r"|soiree|match|terrain|bus|reunion|entretien|stage|atelier|bureau|car|equipe))",
            r"\b(?:pere|mere|parents|daron|daronne|darons|beau pere|belle mere|vieux|copain"
            r"|copine|mec|coloc|oncle|tante|famille|frere|soeur|proprio) (?:m a|ma|m ont|mont)"
            r" (?:vire|viree|jete|jetee|chasse|chassee|degage|degagee)\b(?! (?:de|du|d) (?!chez\b"
            r"|la maison\b"
            r"|l appart\b))",
            r"\bsais pas ou aller\b(?: \w+){0,3} (?:ce soir|cette nuit|dormir)\b"
            r"|\b(?:ce soir|cette nuit)\b(?: \w+){0,4} sais pas ou aller\b",
            r"\b(?:vire|viree|virer|jete|jetee|mis|mise|chasse|chassee) par mes (?:parents"
            r"|darons|vieux)\b",
            # Turned away by the household, with a night or a place outside in the message.
            rf"(?:{_TURNED_AWAY}).*\b{_OUT_NOW}\b|\b{_OUT_NOW}\b.*(?:{_TURNED_AWAY})",
            rf"\b{_HOUSEHOLD} ne (?:veut|veulent) plus de moi\b",
            r"\bhomeless\b|\b(?:kicked|threw|thrown) (?:me )?out\b|\bnowhere to sleep\b"
            r"|\bno place to (?:stay|sleep)\b",
            r"\bsleep(?:ing)? (?:outside|rough|on the street|in the street|in my car)\b",
        ),
    ),
    (
        CrisisKind.DANGER,
        _compile(
            r"\b(?:je suis|suis|chui|jsuis|on est|nous sommes) en danger\b"
            r"(?! (?:de|d) (?!mort\b))",
            r"\bpeur pour ma vie\b|\bqui me (?:suit|suivent|poursuit)\b",
            r"\bon me (?:suit|poursuit)\b|\bme suit depuis\b",
            r"\b(?:il|elle|ils) me suit\b|\bnot safe\b|\bpas en securite\b",
            r"\b(?:a|avec|sort) un (?:couteau|flingue|pistolet|fusil)\b",
            r"\b(?:essaie|essaye|veut|veulent|tente) de (?:rentrer|entrer) chez (?:moi|nous)\b",
        ),
    ),
)

# Words that usually mean danger but also a missed bus or a bad CV: a hint, not a verdict.
_HINTS: Final[tuple[tuple[CrisisKind, re.Pattern[str]], ...]] = (
    (
        CrisisKind.DANGER,
        _compile(
            # "je suis pas en danger" says the opposite.
            r"\b(?<!pas )(?<!plus )en danger\b(?! (?:de|d) (?!mort\b))|\bin danger\b"
            r"|\bau secours\b|\bsos\b|\ben detresse\b",
            r"\burgence\b(?: \w+){0,4} aidez moi\b|\baidez moi\b(?: \w+){0,2} (?:vite|urgence)\b",
            # A runaway told as past history ("j'ai fugué quand j'avais 14 ans") is not one now.
            r"\bfugu\w*\b(?! (?:\w+ ){0,2}(?:l an dernier|l annee derniere|quand j avais"
            r"|il y a \d+ (?:ans|mois)|a \d+ ans|petite?|plus jeune|au college))",
        ),
    ),
    # Turned away by parents or a foster home, with no night or place said: a hint, because
    # "mes parents veulent plus de moi" is also what they expect of someone.
    (CrisisKind.SHELTER, _compile(_TURNED_AWAY)),
)
# A night outside or a runaway told as over: when it was ("l'an dernier", "il y a 2 ans", "à 15
# ans") and that it is fine now ("mais là ça va", "aujourd'hui j'ai un studio"), with no night
# to come in the message. It turns the shelter words and the hints off and holds a guess back;
# the other certain words still decide ("j'ai fait une TS l'an dernier mais là ça va" alarms:
# a past attempt is for a counsellor to hear).
_PAST: Final = (
    r"(?:l an dernier|l annee derniere|l annee passee|l ete dernier|l hiver dernier"
    r"|il y a (?:\d+|deux|trois|quatre|quelques|plusieurs) (?:ans|mois)|quand j avais \d+"
    r"|quand j etais (?:petite?|plus jeune|mineure?|au college|au lycee)|a \d+ ans|plus jeune"
    r"|au college)"
)
_NOW_FINE: Final = (
    r"(?:la|maintenant|aujourd hui|now|depuis)(?: \w+){0,2} (?:ca va\b(?! (?:pas|plus|mal))"
    r"|ca va mieux|je vais (?:bien|mieux)|c est (?:fini|bon|du passe|regle)|tout va bien"
    r"|j ai (?:un|une|mon|ma|trouve|enfin)(?: \w+)? (?:appart|appartement|studio|logement"
    r"|chambre|toit|place|boulot|taf|travail)\b|je suis (?:logee?|hebergee?|rentree?|chez moi"
    r"|bien)\b)"
)
_TOLD_AS_OVER: Final = re.compile(
    rf"^(?!.*\b{_NIGHT_TO_COME}\b)(?=.*\b{_PAST}\b)(?=.*\b{_NOW_FINE})"
)
# A breakup: sad, not in danger. It holds back a guess the classifier is not sure of, never a
# confident one ("mon copain m'a quitté et je me sens tellement vide") nor certain words ("ma
# copine m'a quitté et je veux mourir"). The dialogue answers it with kind words and someone
# to talk to.
_BREAKUP: Final = _compile(
    r"\b(?:ma copine|mon copain|ma meuf|mon mec|mon ex|ma femme|mon mari|ma go|mon keum"
    r"|ma nana|ma cherie|mon cheri) (?:ne )?(?:veut|voulait) plus (?:de moi|me voir|me parler"
    r"|etre avec moi|sortir avec moi)\b",
    r"\b(?:m a|ma|m ont) (?:quittee?|larguee?|plaquee?|ghostee?)\b",
    r"\b(?:on a rompu|on s est (?:quittes|separes)|chagrin d amour|broke up"
    r"|rupture(?! (?:conventionnelle|de contrat|du contrat|de periode|anticipee))"
    r"|dumped me|left me for)\b",
)

# A relative's trouble told as such: a parent, a brother, a partner in prison or out of work, a
# brother who left school. It is the family's hardship, not a danger to the young person, so it
# holds a guess back, unless the message also says the young person's own distress ("ma mère
# est en prison et je sais plus quoi faire"). Someone else's *release* is left to the
# classifier: it may be a threat ("mon beau-père sort de prison demain").
_RELATIVE: Final = (
    r"(?:mon|ma|mes) (?:(?:grand|petit|grande|petite|beau|belle) )?(?:pere|mere|frere|soeur"
    r"|freres|soeurs|copain|copine|mec|mari|daron|daronne|darons|reum|reup|oncle|tante|cousin"
    r"|cousine|parents|pote)"
)
_OWN_DISTRESS: Final = (
    r"(?:sais (?:plus|pas) quoi faire|plus la force|en peux plus|craque|au bout|peur|seule?"
    r" au monde|plus envie)"
)
_RELATIVE_TROUBLE: Final = re.compile(
    rf"^(?!.*\b{_OWN_DISTRESS}\b).*\b{_RELATIVE}\b(?: \w+){{0,3}}"
    r" (?:(?:est|sont|vient d etre|a ete|ont ete|va|part) (?:en|au) (?:prison|taule|detention"
    r"|zonzon|cabane|placard)\b|(?:vient de prendre|a pris|a pris|prend|a eu|a) \d+ (?:mois|ans)"
    r" (?:de prison|ferme|de taule)\b|(?:a|ont) perdu (?:son|sa|leur) (?:taf|boulot|travail"
    r"|emploi|job)\b|(?:a|ont) (?:quitte|quitter|arrete|arreter|lache|lacher) (?:le lycee|l ecole"
    r"|le college|la fac|sa formation|son cfa|ses etudes|les cours|le bahut)\b)"
)

# A laugh turns a hint into a joke ("au secours mon cv mdr"); it never cancels a certain
# signal ("je veux mourir mdr" may be a way of saying it).
_LAUGH: Final = re.compile(r"\b(?:mdr|lol|ptdr|xd|haha\w*|hihi|jpp de rire|mort de rire)\b")
_LAUGH_EMOJI: Final = frozenset("😂🤣😆😅😹")

# Folding for the words of other scripts (``bot/languages/<code>/crisis_words.yml``): the same
# word typed on an Arabic, a Persian or a Pashto keyboard, with or without its vowel marks.
# NFKD with the marks dropped already turns أ إ آ into ا and ؤ into و; the rest is here.
_LETTER_VARIANTS: Final = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic ye -> Persian ye
        "\u0649": "\u06cc",  # alef maksura
        "\u06d0": "\u06cc",  # Pashto ye
        "\u06cd": "\u06cc",  # Pashto ye with tail
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u06c1": "\u0647",  # heh goal
        "\u06d5": "\u0647",  # ae
        "\u0640": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner (the Persian half-space)
        "\u200d": None,  # zero-width joiner
        "\u200f": None,  # right-to-left mark
    }
)
_NOT_LETTER: Final = re.compile(r"[\W_]+")
_PERSIAN_PREFIX: Final = re.compile("(?<!\\S)(\u0646?\u0645[\u06cc\u064a])\\s+")
""""می خواهم" is written "میخواهم" too: the Persian verbal prefix joins its verb (before the
ye variants are folded, so Pashto "مې", "my", keeps its space)."""


def fold_script(text: str) -> str:
    """The form crisis words are compared in: letter variants, marks, digits and spacing
    folded, so a word typed on any keyboard of its script matches the word as listed.

    >>> fold_script("أريد أن أموت") == fold_script("اريد ان اموت")
    True
    >>> fold_script("می‌خواهم") == fold_script("مي خواهم") == fold_script("ميخواهم")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    joined = _PERSIAN_PREFIX.sub(r"\1", bare)
    digits = "".join(
        str(unicodedata.digit(char)) if char.isdigit() else char for char in joined
    ).translate(_LETTER_VARIANTS)
    return " ".join(_NOT_LETTER.sub(" ", digits).split())


_CLITICS: Final = "(?:[\u0648\u0641])?(?:[\u0628\u0644\u06a9])?(?:\u0627\u0644|\u0644)?"
"""What Arabic writes onto the front of a word: "و" and, "ف" so, "ب" with, "ل" for, "ك" like,
"ال" the ("الانتحار" is "انتحار")."""


class ScriptWords:
    """The crisis words of the languages the classifier does not read, ready to match.

    A word matches from the start of a word of the message (after the letters Arabic writes
    onto its front, :data:`_CLITICS`) and may go on into a suffix: "يضربني" also finds
    "ويضربني" and "يضربنيي", but
    "موت" would find "موتر" (a car, in Dari), which is why the files list whole phrases.
    """

    def __init__(self, words: Mapping[str, CrisisWords] | None = None) -> None:
        by_kind: dict[CrisisKind, list[str]] = {}
        for code, listed in (words or {}).items():
            for name, phrases in listed.kinds.items():
                try:
                    kind = CrisisKind(name)
                except ValueError:
                    known = ", ".join(kind.value for kind in CrisisKind)
                    raise ContentError(
                        f"languages/{code}/crisis_words.yml: unknown kind {name!r} ({known})"
                    ) from None
                by_kind.setdefault(kind, []).extend(fold_script(phrase) for phrase in phrases)
        # The most severe kind first, as the patterns are checked.
        order = [kind for kind, _ in _CRISIS_PATTERNS]
        self._patterns = tuple(
            (kind, re.compile(rf"(?<!\S){_CLITICS}(?:{'|'.join(map(re.escape, by_kind[kind]))})"))
            for kind in order
            if by_kind.get(kind)
        )

    def kind_of(self, text: str) -> CrisisKind | None:
        """The most severe kind whose words ``text`` holds, or None."""
        if not self._patterns or text.isascii():
            return None
        folded = fold_script(text)
        for kind, pattern in self._patterns:
            if pattern.search(folded):
                return kind
        return None


_words = ScriptWords()


def use_crisis_words(words: Mapping[str, CrisisWords]) -> None:
    """Listen for the crisis words of ``bot/languages/*/crisis_words.yml`` from now on.

    Called at start-up with the loaded content, like the field cipher: every path that asks
    the safety net (the NLU's rule, the dialogue, the assistants' API) then hears them.

    Raises:
        ContentError: a file names a kind the safety net does not know.
    """
    global _words  # noqa: PLW0603 - one net per process, set at start-up
    _words = ScriptWords(words)


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

# Everyday expressions that sound like distress. They keep a classifier's guess (never the
# net's certain words) from raising an alarm: "mon dos me tue", "ma mère va me tuer si je
# rate le bus", "menacé de me virer", "la flemme de tout", a laugh. Sentence embeddings put
# them next to real distress; these words say otherwise.
_THINGS: Final = (
    r"(?:dos|tete|pieds|jambes|genou|genoux|ventre|dents|yeux|bras|stage|taf|boulot|travail"
    r"|job|formation|cours|bus|trajet|trajets|chaleur|froid|maths|devoirs|chaussures|patron"
    r"|chef|prof|exam|exams|permis|examen)"
)
#: Words of distress, of a secret or of a night to come: with any of them in the message, an
#: everyday reason for an object (a rope for a job, pills carried for a treatment, a letter for a
#: birthday) holds nothing back.
_NO_DISTRESS: Final = (
    r"^(?!.*\b(?:ce soir|cette nuit|fini|finir|mourir|mort|crever|vivre|vie|plus la|adieu|pardon"
    r"|reveiller|peur|secret|cache|cacher|caches|planque|personne|seule?|sang|couper|lames?"
    r"|vide|inutile|sers a rien|craque|au bout|plus la force|plus envie|detruite?|pleure|moral"
    r"|triste|nulle?|deprim\w*|tout arrete|envie de rien"
    r"|force|forcee?|obligee?|touche\w*|nue?|corps|sexe|lit|chambre|voulais pas|veux pas)\b)"
)
#: What a rope is also for: a job, a climb, a move, a boat, the washing.
_ROPE_USE: Final = (
    r"(?:cordiste|escalade|grimpe|varappe|alpinisme|speleo\w*|accrobranche|travaux en hauteur"
    r"|chantier|bateau|voile|camping|tente|linge|demenag\w*|matelas|remorque|galerie|guitare"
    r"|violon|arc|bricolage|balancoire|hamac|chien|cheval|sport|crossfit|boxe|stage|taf|boulot"
    r"|formation|metier|job)"
)
#: Medicine the net's overdose words do not list, and the words of a treatment.
_MEDICINE_MORE: Final = (
    r"(?:medoc|medicament|cachet|comprime|pilule|pillule|gelules?|sirop|traitement|antibio\w*"
    r"|ibuprofene|ibu|doli|dafalgan|efferalgan|advil|spasfon|smecta|aspirine|ventoline"
    r"|inhalateur|insuline|ordonnance)"
)
#: What makes medicine talk everyday: set times, a treatment, forgetting, a prescription, a
#: pharmacy, paying, a dose asked.
_MEDICINE_EVERYDAY: Final = (
    r"(?:(?:tous|toutes) les (?:jours|soirs|matins|midis)|chaque (?:jour|soir|matin|midi)"
    r"|(?:le|au|du|ce) (?:matin|soir|midi)|matin et soir|oublie\w*|zappe\w*|pas pris"
    r"|ordonnance|pharmacie|pharmacien\w*|medecin|docteur|generaliste|psy|psychiatre"
    r"|traitement|rembourse\w*|mutuelle|carte vitale|secu|dose|posologie"
    r"|(?:je|j|on|tu) (?:peux|peut|dois|doit) (?:en |les |le |la )?prendre|peut on prendre"
    r"|est ce que (?:je|j) (?:peux|dois)|c (?:est )?bon si|j ai le droit"
    r"|pour (?:ma|la|le|mon|mes|les|un|une|des) " + _COMPLAINT + r"|pour dormir)"
)
_IDIOMS: Final = _compile(
    rf"\b(?:mon|ma|mes|ce|cette|ces|le|la|les|l) {_THINGS}(?: \w+)? me tuen?t?\b",
    r"\b(?:va|vont) me tuer si\b|\bme tuer si j\b",
    r"\b(?:mort|morte|morts|mourir|meurs|meurt|crever|creve|crevee?) de (?:rire|fatigue|faim"
    r"|froid|chaud|soif|honte|ennui|envie)\b|\bcreve la dalle\b",
    r"\bmenacee? (?:de me (?:virer|licencier|renvoyer|mettre|priver|prendre|couper|retirer"
    r"|punir|coller)|d un avertissement|d une sanction)\b",
    r"\bla flemme\b|\bprise de tete\b|\bme prends? la tete\b|\bme (?:saoule|soule|gave"
    r"|enerve)n?t?\b",
    r"\b(?:sais|sait) pas (?:trop )?quoi faire (?:de|dans) (?:ma|la|sa) vie\b",
    r"\b(?:divorcent|divorcer|se separent|me dispute|se disputent|on se dispute|m embrouille"
    r"|on s engueule|m engueule)\b",
    r"\b(?:mdr|lol|ptdr|xd|haha\w*|hihi)\b",
    # Quitting everything for a plan, worn out by a day's work, a licence or a bus "dead".
    r"\btout (?:plaquer|lacher|quitter)\b(?: \w+){0,2} (?:et |pour )(?:partir|aller|faire"
    r"|bosser|vivre|reprendre|changer|recommencer)\b",
    r"\b(?:suis|chui) (?:\w+ )?(?:dead|mort|morte|creve|crevee|claquee?|nazee?|nasee?|ko)\b"
    r"(?: \w+)? (?:apres|de ma journee|du taf|du boulot|du stage|de la formation|du sport)\b",
    r"\bmeurs d envie\b|\bc est (?:la mort|mort pour moi)\b|\b(?:dying to|is killing me)\b",
    # "se tuer à la tâche": "je vais me tuer à ce taf", "je me tue au boulot pour 900 balles".
    rf"\bme tuer? (?:a|au) {_WORK}\b(?!.*\b{_NIGHT_TO_COME}\b)",
    # Said not to be in danger: "je suis pas à la rue", "pas en danger"; a worry with an "if".
    r"\b(?:suis|sommes|est) (?:pas|plus) (?:a la rue|en danger|dehors|sdf"
    r"|sans (?:abri|logement))\b",
    r"\bpeur de (?:finir|me retrouver|etre) (?:a la rue|dehors|sdf) si\b",
    # Out of prison, said about oneself: a question about a job or a criminal record, which
    # sentence embeddings put next to distress. A night outside or a threat is still heard
    # by the certain words ("je sors de prison et j'ai nulle part où dormir").
    r"\b(?:je|j) (?:sors|sortirai|vais sortir|viens de sortir|suis sortie?|suis liberee?"
    r"|viens d etre liberee?|etais|ai fait|ai pris)\b(?: \w+){0,2}"
    r" (?:prison|taule|tole|zonzon|detention|maison d arret|centre de detention|cabane|epm)\b",
    r"\b(?:ma|depuis ma|apres ma) (?:sortie|liberation) (?:de |d )?(?:prison|taule|detention)\b",
    # Fed up with an everyday effort, or unable to focus on one's course: a job, a class.
    rf"\bmarre (?:de |d )(?:galerer|chercher|attendre|postuler|ramer|courir|bosser|reviser"
    rf"|me lever|(?:mon|ma|mes|ce|cette|ces|le|la|les|l) {_THINGS})\b",
    r"\b(?:du mal|de la peine|arrive pas|n arrive pas) a (?:me concentrer|suivre|reviser)\b"
    rf"(?: \w+){{0,3}} {_THINGS}\b",
    # A dose asked or taken for a complaint, a pill box filled for someone, a jump rope, old
    # things given away, the goodbyes of a last day at work (issue 18, fifth round).
    # Never with distress, a quantity or a night to come (:data:`_MEDICINE_ALARM`).
    rf"^(?!{_MEDICINE_ALARM}).*\b{_MEDICINE}\b(?: \w+){{0,6}} pour (?:ma|la|le|mon|mes|les|un"
    rf"|une|des) {_COMPLAINT}\b",
    rf"^(?!{_MEDICINE_ALARM}).*\b(?:prepare|remplis|remplir|preparer|fais|faire|range)"
    r" (?:le|son|un|leur) pilulier\b",
    r"\bcorde a sauter\b|\b(?:saut|sauter|saute) (?:a l elastique|en parachute)\b",
    rf"\bsouffrir (?:de|du|des) (?:(?:mon|ma|mes|la|le|les) )?(?:{_THINGS}|{_COMPLAINT})\b",
    r"\blames? (?:de|pour)(?: \w+){0,3} (?:rasoir|raser|cutter|scie|parquet|tondeuse)\b",
    rf"^(?!{_MEDICINE_ALARM}).*\b(?:combien|cb|cmb) (?:de |d )?{_MEDICINE}\b(?: \w+){{0,4}}"
    r" (?:je peux|on peut|peut on|j ai le droit|max|maximum|par jour)\b",
    # Everyday medicine talk (issue 18, seventh round): a treatment taken as prescribed or at
    # set times, forgotten, renewed, bought, paid for, or a question about a dose ("jpeux
    # prendre 2 doliprane ?"). Never with distress, intent, a quantity, swallowing, the body in
    # trouble or a night to come (:data:`_MEDICINE_ALARM`): the classifier decides then.
    rf"^(?!{_MEDICINE_ALARM})(?=.*\b(?:{_MEDICINE}|{_MEDICINE_MORE})\b).*\b{_MEDICINE_EVERYDAY}\b",
    # Leaving for an everyday reason: "j'ai dit adieu à mes potes, je déménage à Nancy".
    r"^(?=.*\b(?:(?:dit|dire|fait|faire) (?:mes )?adieux?|(?:serai|serais|sois|suis|etre)"
    rf" (?:plus|encore) la)\b).*\b{_REASON_TO_LEAVE}",
    r"\b(?:donne|donner|vendu|vendre|offert) (?:mes|des|ses|nos) (?:vieux|vieilles|anciens"
    r"|anciennes)\b",
    r"\bdernier jour (?:de|d|du|au|a la) (?:stage|taf|boulot|travail|cours|formation|contrat"
    r"|mission|cdd|lycee|college|ecole|fac|cfa|job|service civique)\b",
    # An object with its everyday use (issue 18, sixth round): one's own medicine carried "au cas
    # où", a letter or a card for an occasion, a rope for a job or a sport. Never with distress.
    rf"^(?!{_MEDICINE_ALARM}).*\b(?:mes|mon|ma) (?:{_MEDICINE}|traitement|ventoline|inhalateur"
    r"|insuline"
    r"|pilule)\b(?: \w+){0,3} (?:dans (?:mon|ma) (?:sac|poche|trousse|sacoche|valise)|sur moi)\b",
    rf"{_NO_DISTRESS}.*\b(?:lettre|mot|carte|poeme|discours|texte|message)\b(?: \w+){{0,6}}"
    r" (?:pour|a|de) (?:l |son |sa |ses |mon |ma |leur |notre |un |une |le |la )?(?:anniv\w*"
    r"|fete des (?:meres|peres)|noel|nouvel an|mariage|naissance|bapteme|retraite|felicitations?"
    r"|remerciements?|motivation|candidature|recommandation)\b",
    rf"{_NO_DISTRESS}.*(?:\bcordes?\b(?: \w+){{0,8}} {_ROPE_USE}\b|\b{_ROPE_USE}\b(?: \w+){{0,8}}"
    r" cordes?\b)",
    # An everyday setback said with a sigh: "jpp j'ai encore raté le code".
    rf"{_NO_DISTRESS}.*\b(?:rate|loupe|foire|echoue)\b(?: \w+){{0,2}} (?:le |la |l |mon |ma |mes"
    r" |son |un |une )?(?:code|permis|exam\w*|bac|brevet|cap|bus|train|car|entretien|partiels?"
    r"|controle|epreuve|concours)\b",
    # A night out at a festival or a camp site, a lie-in under the duvet: an outing, a rest.
    rf"^(?!.*\b(?:mourir|mort|vivre|vie|plus la|seule?|peur|personne)\b).*\b{_ROUGH_SLEEP_PLACE}\b"
    r"(?: \w+){0,2} (?:au|du|a un|a l|en|pour le|pour un) (?:festival|concert|camping|road trip"
    r"|roadtrip|rallye|teknival)\b",
    rf"{_NO_DISTRESS}.*\bdisparaitre sous (?:ma|la|une|mon|les) (?:couette|couverture|draps?"
    r"|plaid)\b",
    # Seizing a chance: "je vais sauter sur l'occasion", "sauter dessus".
    rf"{_NO_DISTRESS}.*\bsauter (?:dessus|sur (?:l|cette|une|la|ce|cet) (?:occasion|offre|annonce"
    r"|opportunite|poste|taf|job))\b",
    # Chores a placement gives: "les trucs qu'il me fait faire au stage".
    rf"{_NO_DISTRESS}.*\b(?:me|nous) (?:fait|font|faisait|faisaient|fais) faire\b(?: \w+){{0,5}}"
    r" (?:stage|taf|boulot|travail|formation|chantier|cfa|alternance|apprentissage|cours|menage"
    r"|vaisselle|cafe|photocopies)\b",
    # A job asked in Dari, Pashto or Darija typed in Latin letters: words the classifier never
    # saw, whose letters pull its guess anywhere ("mekhaham kar peyda konum", "za kar ghwaram").
    rf"{_NO_DISTRESS}.*(?:\b(?:mekhaham|mikham|mekhayum|mekhahom|mikhaham|ghwaram|ghwarum|bghit"
    r"|baghi|nbghi|baghya|bghina)\b(?: \w+){0,3} (?:kar|kaar|khedma|khdma|nkhdem|nekhdem|taf"
    r"|boulot|travail|job|formation|stage)\b|\b(?:kar|kaar)\b(?: \w+){0,2} (?:ghwaram|ghwarum"
    r"|mekhaham|mikham|peyda)\b)",
)

# When the classifier, not the net, says "crisis", the message's words still tell which help
# it needs. Checked in order; words of despair first, so "ce soir c'est la dernière fois"
# gets the suicide line, not the shelter. Never decides *whether* it is a crisis.
_LIKELY_KIND: Final[tuple[tuple[CrisisKind, re.Pattern[str]], ...]] = (
    (
        CrisisKind.SUICIDE,
        _compile(
            r"\b(?:mourir|mort|vivre|vie|exister|disparaitre|finir|fin|derniere fois|adieu"
            r"|plus la|pont|sauter|reveiller|interet|sert a rien|sers a rien|poids|fardeau)\b",
            r"\b(?:die|dead|live|living|life|end it|gone)\b",
        ),
    ),
    (
        CrisisKind.SEXTORTION,
        _compile(r"\b(?:photos?|videos?|nudes?|chantage|balancer|montre|pics|blackmail)\b"),
    ),
    (
        CrisisKind.SEXUAL_VIOLENCE,
        _compile(
            r"\b(?:viol\w*|sexe|sexuel\w*|coucher|mon lit|ma chambre la nuit|habits|nue?"
            r"|attouch\w*|oblige|obligee|force|forcee|rape\w*|en a profite|coincee"
            r"|notre secret)\b"
        ),
    ),
    (
        CrisisKind.MEDICAL,
        _compile(
            r"\b(?:cachets|medocs|medicaments|pilules|drogue|coke|cocaine|mdma|ecstasy|ghb"
            r"|overdose|respire|malaise|vomi|flou|reveille pas|pills)\b",
        ),
    ),
    (
        CrisisKind.SHELTER,
        _compile(
            r"\b(?:dormir|dors|dormi|dehors|la rue|toit|squat\w*|gare|abri|revenir a la maison"
            r"|plus revenir|rentrer chez moi|nowhere|tonight|sleep|a la porte|banc)\b",
            _TURNED_AWAY,
        ),
    ),
    (
        CrisisKind.VIOLENCE,
        _compile(
            r"\b(?:frappe\w*|tape\w*|cogne\w*|pousse\w*|casse\w*|bleus?|coups?|couteau|menace\w*"
            r"|hurle\w*|hits?|beats?|hurts?|ceinture|marques|s en prenne?n?t? a moi"
            r"|finit mal pour moi|rentre bourre)\b",
        ),
    ),
    (
        # Followed, watched, someone prowling at the door: the police first, not the 3114.
        CrisisKind.DANGER,
        _compile(
            r"\b(?:me suit|me suivent|me guette|me guettent|rode|rodent|me surveille)\b"
            r"|\b(?:devant|en bas de) (?:chez moi|ma porte|mon immeuble)\b",
        ),
    ),
)

_NOT_ALPHANUMERIC: Final = re.compile(r"[^a-z0-9]+")
#: Spellings only the safety net folds. The shared normalisation stays small because the
#: classifier learns from it; a missed crisis costs more than a word read twice, so the net also
#: reads "g envi de mourire" as "j ai envie de mourir" and "tlm" as "tout le monde".
_NET_WORDS: Final[dict[str, str]] = {
    "g": "j ai",
    "envi": "envie",
    "mourire": "mourir",
    "mourrire": "mourir",
    "den": "d en",
    "sen": "s en",
    "quon": "qu on",
    "tlm": "tout le monde",
    "jetais": "j etais",
    "jaurais": "j aurais",
    "javais": "j avais",
    "jaurai": "j aurai",
    "cb": "combien",
    "cmb": "combien",
    "detre": "d etre",
    # An AZERTY slip, q for a: "mes cqchets".
    "cqchets": "cachets",
    "medicqments": "medicaments",
}
#: A "j" glued to a verb that starts with a consonant ("jmerite", "jpense"): no French word
#: starts so, so it can only be "je".
_GLUED_JE: Final = re.compile(r"\bj(?=[bcdfghjklmnpqrstvwxz][a-z])")
_WORD: Final = re.compile(r"[a-z0-9]+")


def matching_form(text: str) -> str:
    """Return the form the safety patterns see: normalised, punctuation turned into spaces,
    and a few SMS spellings of distress folded (:data:`_NET_WORDS`, :data:`_GLUED_JE`)."""
    form = _NOT_ALPHANUMERIC.sub(" ", normalize(text)).strip()
    form = _WORD.sub(lambda word: _NET_WORDS.get(word.group(), word.group()), form)
    return _GLUED_JE.sub("je ", form)


def crisis_signal(text: str) -> CrisisSignal | None:
    """Return what the safety net sees in ``text``: a certain crisis, a hint, or nothing.

    A hint ("au secours", "sos", "en danger") comes back with ``certain=False``, unless a
    laugh in the same message makes it a joke; the caller weighs it with the classifier.
    """
    form = matching_form(text)
    over = _TOLD_AS_OVER.search(form) is not None
    for kind, pattern in _CRISIS_PATTERNS:
        if pattern.search(form) and not (over and kind is CrisisKind.SHELTER):
            return CrisisSignal(kind)
    if (written := _words.kind_of(text)) is not None:
        return CrisisSignal(written)
    if over or _LAUGH.search(form) or any(char in _LAUGH_EMOJI for char in text):
        return None
    for kind, pattern in _HINTS:
        if pattern.search(form):
            return CrisisSignal(kind, certain=False)
    return None


def everyday_idiom(text: str) -> bool:
    """Whether ``text`` uses an everyday expression that only sounds like distress.

    It never outweighs the net's certain words: "je veux mourir mdr" is still a crisis. It
    only keeps the classifier's guess from raising an alarm on "mon dos me tue".
    """
    form = matching_form(text)
    return (
        _IDIOMS.search(form) is not None
        or _TOLD_AS_OVER.search(form) is not None
        or _RELATIVE_TROUBLE.search(form) is not None
        or any(char in _LAUGH_EMOJI for char in text)
    )


def breakup(text: str) -> bool:
    """Whether ``text`` tells of a breakup ("ma copine veut plus de moi", "il m'a larguée").

    Sad, not in danger: it holds back a crisis guess the classifier is not sure of, never a
    confident one nor the net's certain words.
    """
    return _BREAKUP.search(matching_form(text)) is not None


def likely_kind(text: str) -> CrisisKind | None:
    """The kind of crisis ``text``'s words point to, if the classifier says it is one.

    Used only to choose the numbers of a crisis the net did not see: "il m'a poussé dans
    les escaliers" guessed as a crisis gets the violence numbers. None means the general
    gentle answer (3114 first).
    """
    form = matching_form(text)
    for kind, pattern in _LIKELY_KIND:
        if pattern.search(form):
            return None if kind is CrisisKind.SUICIDE else kind
    return None


def crisis_kind(text: str) -> CrisisKind | None:
    """Return what kind of crisis ``text`` signals, hints included, or ``None``.

    ``CrisisKind`` members are plain strings ("suicide", "violence", "shelter",
    "danger"...), so callers may compare them with literals.
    """
    signal = crisis_signal(text)
    return signal.kind if signal else None


def is_opt_out(text: str) -> bool:
    """Return whether ``text`` unambiguously asks to stop receiving messages."""
    return _OPT_OUT.search(matching_form(text)) is not None
