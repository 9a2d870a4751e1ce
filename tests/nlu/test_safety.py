"""The crisis and opt-out safety net: what it must catch, and what it must leave alone."""

from __future__ import annotations

import pytest

from outreach_bot.nlu.safety import (
    CrisisKind,
    CrisisSignal,
    breakup,
    crisis_kind,
    crisis_signal,
    everyday_idiom,
    is_opt_out,
    likely_kind,
)

CRISIS_MESSAGES = [
    ("je veux mourir", CrisisKind.SUICIDE),
    ("JVEUX MOURIR", CrisisKind.SUICIDE),
    ("jveux mourriiiir", CrisisKind.SUICIDE),
    ("je veux juste mourir", CrisisKind.SUICIDE),
    ("non jveux juste mourir", CrisisKind.SUICIDE),
    ("j'ai envie de me suicider", CrisisKind.SUICIDE),
    ("jsuis suicidaire", CrisisKind.SUICIDE),
    ("je vais me tuer ce soir", CrisisKind.SUICIDE),
    ("jvais me foutre en l’air", CrisisKind.SUICIDE),
    ("envie d'en finir", CrisisKind.SUICIDE),
    ("je veux en finir avec la vie", CrisisKind.SUICIDE),
    ("jveux plus vivre", CrisisKind.SUICIDE),
    ("j'ai plus envie de vivre", CrisisKind.SUICIDE),
    ("des idées noires tout le temps", CrisisKind.SUICIDE),
    ("tout le monde serait mieux sans moi", CrisisKind.SUICIDE),
    ("j'ai envie de me faire du mal", CrisisKind.SUICIDE),
    ("je me fais du mal exprès", CrisisKind.SUICIDE),
    ("jme fait du mal", CrisisKind.SUICIDE),
    ("je craque je vais me faire du mal", CrisisKind.SUICIDE),
    ("je me suis fait du mal hier", CrisisKind.SUICIDE),
    ("je me scarifie depuis 1 an", CrisisKind.SUICIDE),
    ("je me suis coupée les bras hier", CrisisKind.SUICIDE),
    ("j'ai avalé toute la boîte de cachets", CrisisKind.MEDICAL),
    ("j'ai pris 15 doliprane", CrisisKind.MEDICAL),
    ("je veux sauter du pont", CrisisKind.SUICIDE),
    ("I want to kill myself", CrisisKind.SUICIDE),
    ("il me frappe", CrisisKind.VIOLENCE),
    ("mon beau-père me bat", CrisisKind.VIOLENCE),
    ("mon copain m'a frappée hier soir", CrisisKind.VIOLENCE),
    ("ma mère me tape quand elle a bu", CrisisKind.VIOLENCE),
    ("il va me tuer", CrisisKind.VIOLENCE),
    ("j'ai été violée", CrisisKind.SEXUAL_VIOLENCE),
    ("mon oncle me touche", CrisisKind.SEXUAL_VIOLENCE),
    ("ils veulent me marier de force", CrisisKind.VIOLENCE),
    ("my boyfriend beats me", CrisisKind.VIOLENCE),
    ("il me fait du mal", CrisisKind.VIOLENCE),
    ("je suis harcelée et menacée de mort", CrisisKind.VIOLENCE),
    ("mon copain me fait du mal", CrisisKind.VIOLENCE),
    ("je sais pas quoi faire il me fait du mal", CrisisKind.VIOLENCE),
    ("ils me font du mal à la maison", CrisisKind.VIOLENCE),
    ("mon cousin veut me faire du mal", CrisisKind.VIOLENCE),
    ("je dors dehors ce soir", CrisisKind.SHELTER),
    ("jdors dehors cette nuit", CrisisKind.SHELTER),
    ("je suis à la rue ce soir", CrisisKind.SHELTER),
    ("mes parents m'ont viré de chez moi", CrisisKind.SHELTER),
    ("ma mère m'a mise à la porte", CrisisKind.SHELTER),
    ("je sais pas où dormir ce soir", CrisisKind.SHELTER),
    ("je vais dormir dans ma voiture", CrisisKind.SHELTER),
    ("chui sdf", CrisisKind.SHELTER),
    ("I'm homeless tonight", CrisisKind.SHELTER),
    ("je suis en danger", CrisisKind.DANGER),
    ("au secours", CrisisKind.DANGER),
    ("y a un mec qui me suit", CrisisKind.DANGER),
    ("j'ai fugué", CrisisKind.DANGER),
    # Issue 18: each kind with its own first number, and distress said sideways.
    ("j'ai pris une plaquette entière de doliprane", CrisisKind.MEDICAL),
    ("ma soeur respire plus", CrisisKind.MEDICAL),
    ("mon pote bouge plus il a trop bu", CrisisKind.MEDICAL),
    ("il a fait une overdose", CrisisKind.MEDICAL),
    ("j'ai pris de la coke et j'ai le coeur qui bat trop vite", CrisisKind.MEDICAL),
    ("elle s'est évanouie dans la rue", CrisisKind.MEDICAL),
    ("mon voisin me touche quand ma mère est pas là", CrisisKind.SEXUAL_VIOLENCE),
    ("j'ai subi des attouchements", CrisisKind.SEXUAL_VIOLENCE),
    ("il m'a forcée à coucher avec lui", CrisisKind.SEXUAL_VIOLENCE),
    ("I was raped", CrisisKind.SEXUAL_VIOLENCE),
    ("il menace de balancer mes nudes", CrisisKind.SEXTORTION),
    ("mon ex a posté une vidéo intime de moi", CrisisKind.SEXTORTION),
    ("on me fait du chantage avec des photos", CrisisKind.SEXTORTION),
    ("il a diffusé des photos de moi nue", CrisisKind.SEXTORTION),
    ("il m'a menacée avec un couteau", CrisisKind.VIOLENCE),
    ("il me menace de mort", CrisisKind.VIOLENCE),
    ("mon père me met des claques", CrisisKind.VIOLENCE),
    ("je vis dans ma voiture", CrisisKind.SHELTER),
    ("je dors dans un garage depuis lundi", CrisisKind.SHELTER),
    ("j'ai nulle part où aller ce soir", CrisisKind.SHELTER),
    ("a quoi bon continuer", CrisisKind.SUICIDE),
    ("personne remarquerait si je disparaissais", CrisisKind.SUICIDE),
    ("jsuis un poids pour ma famille", CrisisKind.SUICIDE),
    ("je devrais même pas exister", CrisisKind.SUICIDE),
    ("j'aimerais m'endormir et pas me réveiller", CrisisKind.SUICIDE),
    ("je me mérite même pas d'être en vie", CrisisKind.SUICIDE),
    ("i'd be better off without me", CrisisKind.SUICIDE),
    ("quelqu'un essaie de rentrer chez moi", CrisisKind.DANGER),
    ("comment mourir sans souffrir", CrisisKind.SUICIDE),
    ("je vois plus d'issue", CrisisKind.SUICIDE),
    ("vous me reverrez plus", CrisisKind.SUICIDE),
    ("ma soeur a bu trop d'alcool elle vomit", CrisisKind.MEDICAL),
    ("je me fais des entailles", CrisisKind.SUICIDE),
    ("mes photos nue circulent au lycée", CrisisKind.SEXTORTION),
    ("il me fait chanter", CrisisKind.SEXTORTION),
    ("mon patron m'a touchée", CrisisKind.SEXUAL_VIOLENCE),
    ("je dors dans une cage d'escalier", CrisisKind.SHELTER),
    ("il allait me tuer", CrisisKind.VIOLENCE),
    ("mon frère a trop bu, il se réveille plus", CrisisKind.MEDICAL),
    # Issue 18, second round: sideways, glued and misspelt (tests/conversations/crisis_sideways.yml
    # plays others through the webhook).
    ("g envi de mourire ce soir", CrisisKind.SUICIDE),
    ("jpense que jmerite pas de vivre", CrisisKind.SUICIDE),
    ("si jetais morte ca changerait rien", CrisisKind.SUICIDE),
    ("jsuis fatiguée d'être encore là", CrisisKind.SUICIDE),
    ("je suis un boulet pour mes parents", CrisisKind.SUICIDE),
    ("tout le monde vivrait mieux si je me réveillais plus", CrisisKind.SUICIDE),
    ("j'aurais préféré y rester dans cet accident", CrisisKind.SUICIDE),
    ("je voudrais juste ne plus me réveiller", CrisisKind.SUICIDE),
    ("je compte pas rester très longtemps sur cette terre", CrisisKind.SUICIDE),
    ("plus rien me retient en vie", CrisisKind.SUICIDE),
    ("j'ai tout organisé, il y a un mot pour mes parents", CrisisKind.SUICIDE),
    ("j'ai pensé à me tirer une balle", CrisisKind.SUICIDE),
    ("my family would be better off if i wasn't here", CrisisKind.SUICIDE),
    ("il a pris de la md et il réagit plus", CrisisKind.MEDICAL),
    ("il me fait des choses la nuit dans ma chambre", CrisisKind.SEXUAL_VIOLENCE),
    ("my uncle touched me", CrisisKind.SEXUAL_VIOLENCE),
    ("elle va montrer les photos à mes parents si je paye pas", CrisisKind.SEXTORTION),
    ("ma mere ma giflée devant tout le monde", CrisisKind.VIOLENCE),
    ("mon daron a levé la main sur moi", CrisisKind.VIOLENCE),
    ("ma soeur se fait frapper par son copain", CrisisKind.VIOLENCE),
    ("mes parents me laissent seule plusieurs jours sans rien", CrisisKind.VIOLENCE),
    ("mon beau père ma jetée hier", CrisisKind.SHELTER),
    ("je sais pas où aller cette nuit", CrisisKind.SHELTER),
    ("je vais disparaître", CrisisKind.SUICIDE),
    ("je veux disparaître en silence", CrisisKind.SUICIDE),
    ("je suis à la rue depuis hier", CrisisKind.SHELTER),
]

BENIGN_MESSAGES = [
    "je suis mort de rire",
    "ptdr",
    "ce taf me tue",
    "ça va me tuer ces trajets",
    "ma mère va me tuer si je rate mon bac",
    "je veux en finir avec ce dossier CAF",
    "je me suis coupé les cheveux",
    "je me cogne partout",
    "ça me fait du mal de voir ça",
    "il me tape sur les nerfs",
    "ton message me touche beaucoup",
    "je cherche un logement",
    "mon proprio veut me mettre dehors dans deux mois",
    "j'habite rue de la gare",
    "je crève de faim, j'ai pas de thune",
    "je veux sauter une étape dans ma formation",
    "je prends des médicaments pour l'asthme",
    "je suis dehors, je t'appelle après",
    "j'ai été viré de mon taf",
    "je veux me battre pour avoir mon diplôme",
    "bonjour je cherche une formation",
    "help me prepare for an interview",
    "je vais crever de faim",
    "mon chef me menace de me virer",
    "ma mère m'a menacé de me couper internet",
    "je suis en danger de rater mon année",
    "au secours mdr",
    "sos 😂",
    "les photos de moi pour mon dossier",
    "je dors chez ma cousine ce soir",
    "mon pote répond plus à mes messages",
    "j'ai pris trop de temps pour répondre",
    "je vois pas la sortie du parking",
    "il se réveille pas le matin pour aller en cours",
    # Issue 18, second round: crisis words about a trip, money, a class, a plan.
    "je vais disparaître une semaine en Espagne",
    "je vais disparaître de snap pour réviser",
    "je suis à la rue en maths",
    "je suis pas à la rue, je loge chez mon frère",
    "le prof m'a mise dehors de la classe",
    "mon patron m'a viré de l'entreprise",
    "mon enterrement de vie de garçon est samedi",
    "j'aimerais ne pas me réveiller à 5h pour le bus",
    "je vais quitter ce job pour une formation",
    "j'ai tout préparé pour l'entretien et la lettre de motivation",
    "je lui ai donné mes affaires de foot, j'en aurai plus besoin",
    "ma pote me répond plus depuis qu'elle a pris des vacances",
    "i want to end things with my boyfriend",
    "tkt je suis pas en danger",
]


@pytest.mark.parametrize(("text", "kind"), CRISIS_MESSAGES)
def test_crisis_messages_are_caught_with_their_kind(text: str, kind: CrisisKind) -> None:
    """A young person in danger is recognised, and the kind picks the right emergency number."""
    assert crisis_kind(text) == kind


@pytest.mark.parametrize("text", BENIGN_MESSAGES)
def test_everyday_messages_do_not_raise_a_crisis(text: str) -> None:
    """Idioms and ordinary requests do not trigger the emergency answer."""
    assert crisis_kind(text) is None


@pytest.mark.parametrize("text", ["au secours", "sos", "j'ai fugué", "je suis en detresse"])
def test_alarm_words_alone_are_hints(text: str) -> None:
    """Words also used for a missed bus are a hint for the dialogue to weigh, not a verdict."""
    signal = crisis_signal(text)
    assert signal is not None
    assert not signal.certain


def test_what_leaves_no_doubt_is_certain() -> None:
    """ "je veux mourir" is certain whatever else the message says, a laugh included."""
    signal = crisis_signal("je veux mourir mdr")
    assert signal is not None
    assert signal.certain


def test_kinds_compare_as_plain_strings() -> None:
    """The dialogue can compare the kind with a literal such as "shelter"."""
    assert crisis_kind("je dors dehors ce soir") == "shelter"


def test_the_most_severe_kind_wins() -> None:
    """A message with violence and suicidal thoughts gets the suicide helpline first."""
    assert crisis_kind("il me frappe et je veux mourir") == CrisisKind.SUICIDE


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        "arrêt",
        "Arrêtez svp",
        "arrête de m'écrire",
        "arrete de mecrire",
        "ne m'écrivez plus",
        "je veux plus recevoir vos messages",
        "stop sms",
        "désabonnez moi",
        "vous me saoulez avec vos sms, stop",
        "don't text me anymore",
    ],
)
def test_stop_requests_are_caught(text: str) -> None:
    """Any clear request to stop the messages is honoured, in capitals or not."""
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "j'ai fait du stop pour venir",
        "j'ai arrêté l'école en 3e",
        "ils m'ont désinscrit du lycée",
        "je veux arrêter de fumer",
        "oui je veux bien recevoir les offres",
        "bonjour",
    ],
)
def test_other_messages_are_not_opt_outs(text: str) -> None:
    """Hitch-hiking, dropping out of school or quitting smoking do not unsubscribe anybody."""
    assert not is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "mon dos me tue",
        "ce taf me tue",
        "ma mère va me tuer si je rentre tard",
        "je suis mort de fatigue",
        "le prof m'a menacé de me coller",
        "j'ai la flemme",
        "mes parents me saoulent",
        "je sais pas quoi faire de ma vie",
        "je vais tout rater mdr",
        "trop nul 😂",
        "j'ai envie de tout lâcher pour partir vivre à Nancy",
        "chui crevé après le stage",
        "le code c'est mort pour moi",
        "je suis pas à la rue, merci",
    ],
)
def test_everyday_idioms_are_recognised(text: str) -> None:
    """Expressions that only sound like distress are marked, so a guess raises no alarm."""
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "je veux plus vivre",
        "il me frappe",
        "mon père me tue à petit feu",
        "je dors dehors",
        "je suis morte à l'intérieur",
        "j'ai peur de me retrouver à la rue ce soir",
    ],
)
def test_distress_is_not_an_idiom(text: str) -> None:
    """Real distress, a family member's violence included, is never taken for an idiom."""
    assert not everyday_idiom(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("je suis à la gare depuis hier, j'ai nulle part", CrisisKind.SHELTER),
        ("il m'a poussée contre le mur", CrisisKind.VIOLENCE),
        ("il a montré mes photos à toute la classe", CrisisKind.SEXTORTION),
        ("mon cousin vient dans ma chambre la nuit", CrisisKind.SEXUAL_VIOLENCE),
        ("j'ai avalé des trucs bizarres, je vois flou", CrisisKind.MEDICAL),
        ("c'est la fin pour moi, ce soir", None),
        ("je vais pas bien", None),
    ],
)
def test_a_guessed_crisis_gets_the_kind_its_words_point_to(
    text: str, kind: CrisisKind | None
) -> None:
    """Words of despair keep the suicide line; a night outside or a blow get their numbers."""
    assert likely_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "mes darons veulent plus de moi, je suis dans un parc avec mon sac",
        "ma mère ne veut plus de moi et il fait froid dehors, j'ai 15 ans",
        "mon pere m'a dit de plus jamais rentrer, jsais pas ou aller",
        "jsuis sous un abribus depuis 4h, mon foyer veut plus me voir",
        "mes parents ont changé les serrures, je suis a la gare",
        "mon tuteur ne veut plus de moi",
    ],
)
def test_turned_away_by_the_household_with_a_night_outside_is_certain(text: str) -> None:
    """Put out by parents, a step-parent or a foster home, with a place outside or a night
    said: certain, so the 119 (or the 115) comes whatever the classifier guesses."""
    signal = crisis_signal(text)
    assert signal is not None
    assert signal.kind == CrisisKind.SHELTER
    assert signal.certain


def test_turned_away_with_no_night_said_is_a_hint() -> None:
    """ "veulent plus de moi" alone may also be "expect more of me": a hint, weighed with the
    classifier; "... en cours" is what they expect, no signal at all."""
    signal = crisis_signal("mes parents veulent plus de moi")
    assert signal is not None
    assert not signal.certain
    assert crisis_signal("mes parents veulent plus de moi au taf, ils disent que jglande") is None
    assert crisis_signal("ma copine veut plus de moi") is None
    assert crisis_signal("mon patron m'a dit de plus revenir lundi") is None


@pytest.mark.parametrize(
    "text",
    [
        "je sors de taule, ça bloque pour bosser ?",
        "jsuis sorti de prison la semaine derniere",
        "chui libéré de détention depuis lundi",
        "depuis ma sortie de prison personne m'embauche",
        "j'ai fait de la prison, je peux passer le caces ?",
    ],
)
def test_leaving_prison_oneself_is_everyday(text: str) -> None:
    """Out of prison is a job or criminal-record question: no certain signal, and the
    classifier's crisis guess is held back."""
    assert crisis_signal(text) is None
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("je sors de prison demain et j'ai nulle part où dormir", CrisisKind.SHELTER),
        ("jsuis sorti de taule et jveux plus vivre", CrisisKind.SUICIDE),
    ],
)
def test_out_of_prison_does_not_hide_certain_words(text: str, kind: CrisisKind) -> None:
    """The prison context only holds back a guess: a night outside or despair is still heard."""
    assert crisis_kind(text) == kind


def test_someone_else_out_of_prison_is_not_held_back() -> None:
    """Only one's own release is everyday: "il sort de prison et il va venir" may be a threat."""
    assert not everyday_idiom("mon beau pere sort de prison demain, il a dit qu'il viendrait")


@pytest.mark.parametrize(
    "text",
    [
        "marre de postuler pour rien",
        "jen ai marre de ce stage",
        "j'arrive pas à me concentrer sur mes cours depuis la rentrée",
    ],
)
def test_fed_up_with_an_everyday_effort_is_an_idiom(text: str) -> None:
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text", ["j'en ai marre de tout", "marre de cette vie", "marre d'exister"]
)
def test_fed_up_with_everything_is_not_an_idiom(text: str) -> None:
    assert not everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    ["j'ai fugué quand j'avais 13 ans, là je cherche un appart", "jai fugue au college"],
)
def test_a_runaway_told_as_history_is_no_hint(text: str) -> None:
    assert crisis_signal(text) is None


def test_a_runaway_now_is_still_a_hint() -> None:
    signal = crisis_signal("j'ai fugué hier soir je sais pas quoi faire")
    assert signal is not None
    assert not signal.certain


# Issue 18, fourth round: past against present, farewells said sideways, newcomers' spellings.


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("je sais même pas pourquoi je fais ça, j'aurai plus besoin de taf bientôt", "suicide"),
        ("d'ici la fin du mois j'aurai plus besoin de rien", "suicide"),
        ("bientot je serai plus un probleme pour personne", "suicide"),
        ("une lettre pour ma mere pour quand je serai plus la", "suicide"),
        ("la seule solution c'est la mort", "suicide"),
        ("je regarde la voie ferrée depuis une heure", "suicide"),
        ("haha si je rate le code je saute du pont", "suicide"),
        ("wallah 3yit bghit nmout", "suicide"),
        ("man khasta hastam mekhaham bemiram", "suicide"),
        ("mon mec m'a cassé le nez hier soir", "violence"),
        ("il m'a donné un coup de pied", "violence"),
        ("ma meilleure amie dort dans sa voiture", "shelter"),
        ("ca fait 3 nuits que je dors dans le hall", "shelter"),
        ("j'étais à la rue il y a 2 ans, ce soir je dors dehors", "shelter"),
        ("j'ai fait une TS l'an dernier mais là ça va", "suicide"),
    ],
)
def test_sideways_and_newcomers_phrasings_are_certain(text: str, kind: str) -> None:
    """Farewells said sideways, a look at the tracks, Arabic and Dari in Latin letters, an
    injury someone did, someone else's car: certain, with their kind."""
    assert crisis_signal(text) == CrisisSignal(CrisisKind(kind))


@pytest.mark.parametrize(
    "text",
    [
        "j'aurai plus besoin de taf en septembre, je reprends les cours",
        "bientot j'aurai plus besoin de vous, j'ai signé mon cdi",
        "mdr je vais me tuer à ce taf",
        "il me donne un coup de main pour le cv",
        "ma rupture m'a mis un coup au moral",
        "il m'a cassé la tête avec ses questions",
        "je me suis cassé le bras au foot",
        "j'étais à la rue il y a 2 ans, aujourd'hui j'ai un studio",
        "j'ai dormi dans ma voiture l'an dernier, maintenant j'ai un appart",
    ],
)
def test_the_same_words_in_everyday_sentences_are_no_signal(text: str) -> None:
    """A contract signed, working oneself to death, a helping hand, a night outside that is
    over."""
    assert crisis_signal(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "j'ai fugué l'an dernier mais là ça va",
        "j'étais à la rue il y a 2 ans, aujourd'hui j'ai un studio",
        "je me tue au boulot pour 900 balles",
        "mdr je vais me tuer à ce taf",
    ],
)
def test_told_as_over_or_working_oneself_to_death_holds_a_guess_back(text: str) -> None:
    """A runaway or a night outside told as over, and "se tuer à la tâche", are everyday."""
    assert everyday_idiom(text)


def test_working_oneself_to_death_tonight_is_not_an_idiom() -> None:
    """ "je vais me tuer au taf ce soir" says a night: certain, as "je vais me tuer"."""
    assert crisis_signal("je vais me tuer au taf ce soir") == CrisisSignal(CrisisKind.SUICIDE)
    assert not everyday_idiom("je vais me tuer au taf ce soir")


def test_it_is_not_over_when_it_is_not_fine_or_the_night_is_to_come() -> None:
    """ "mais là ça va pas" or a night to come keeps the story a present one."""
    assert not everyday_idiom("j'ai dormi dehors l'an dernier mais là ça va pas du tout")
    assert not everyday_idiom("j'ai fugué l'an dernier, là ça va mais ce soir je sais pas")


@pytest.mark.parametrize(
    "text",
    ["ma copine veut plus de moi", "il m'a larguée", "on a rompu hier", "i broke up with her"],
)
def test_a_breakup_is_recognised(text: str) -> None:
    """A breakup is told apart, so a crisis guess behind another can be held back."""
    assert breakup(text)
    assert crisis_signal(text) is None


def test_a_breakup_with_despair_is_still_certain() -> None:
    """ "il m'a larguée, sans lui ma vie a plus de sens" is a crisis whatever the breakup."""
    assert crisis_signal("il m'a larguée, sans lui ma vie a plus de sens") == CrisisSignal(
        CrisisKind.SUICIDE
    )


def test_a_contract_ending_is_no_breakup() -> None:
    """ "rupture conventionnelle" is about a job."""
    assert not breakup("je veux faire une rupture conventionnelle avec mon patron")


def test_followed_or_watched_takes_the_danger_numbers() -> None:
    """A guess about someone waiting downstairs or following gets 112/17, not the 3114."""
    assert likely_kind("mon ex m'attend en bas de chez moi et me suit, j'ai peur") == "danger"
    assert likely_kind("y a un type qui rode devant ma porte") == "danger"


@pytest.mark.parametrize(
    "text",
    [
        "mon copain vient de prendre 6 mois de prison",
        "ma mere est en prison depuis noel",
        "mon pere a perdu son taf et on galere a la maison",
        "c pour mon petit frere il a quitter le lycee il a 16 ans",
    ],
)
def test_a_relatives_trouble_holds_a_guess_back(text: str) -> None:
    """A relative in prison, out of work or out of school is the family's hardship."""
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "ma mere est en prison et je sais plus quoi faire",
        "mon pere est en prison et j'en peux plus, jsuis au bout",
        "mon beau pere sort de prison demain",
    ],
)
def test_a_relatives_trouble_with_ones_own_distress_is_not_held_back(text: str) -> None:
    """One's own distress in the same message, or someone's release, stays the classifier's."""
    assert not everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "jai regardé sur internet comment faire pour plus souffrir",
        "je veux plus souffrir",
        "jme suis acheté des lames au carrefour, personne sait",
        "combien de cachets il faut pour mourir",
        "c quoi la dose mortelle de doliprane",
        "jai mis de coté 40 cachets",
        "je stocke mes médocs depuis des semaines",
        "jsais pas si je serai encore là demain",
        "bientôt je serai plus là pour vous embêter",
        "jsuis pas sur detre encore la la semaine pro",
        "jai écrit un mot pour ma mère, elle le trouvera sur mon lit",
        "jai dit adieu a ma famille",
        "jai tout rangé et donné mes affaires",
        "jai trouvé une corde, j'y pense tout le temps",
        "je connais un immeuble assez haut pour en finir",
        "je me suis renseigné sur quelle hauteur il faut pour pas se rater",
    ],
)
def test_looking_for_a_way_getting_ready_and_not_being_here_are_certain(text: str) -> None:
    """A method looked up, blades or pills gathered, things given away, letters left, "not
    here" with a short horizon: the suicide line first, none of them taken yet."""
    assert crisis_signal(text) == CrisisSignal(CrisisKind.SUICIDE)


@pytest.mark.parametrize(
    "text",
    [
        "je veux plus souffrir de mon dos",
        "combien de doliprane par jour pour une rage de dents",
        "combien de cachets de doliprane je peux prendre",
        "jai acheté des lames de parquet pour l'appart",
        "jai acheté des lames pour le rasoir de mon père",
        "jai pris 2 doliprane pour mon mal de tete",
        "jai pris un doliprane pour la fièvre",
        "je serai plus là demain, je vais chez ma tante a bar le duc",
        "jsais pas si je serai encore là la semaine pro, je cherche un appart a reims",
        "je serai plus là le mois prochain je pars a l'armée",
        "jai dit adieu a mes potes de verdun, je déménage a nancy",
        "je connais un pont assez haut pour sauter a l'élastique",
        "cb de cachets max par jour pour la grippe",
    ],
)
def test_a_dose_a_razor_or_a_move_is_no_certain_signal_and_holds_a_guess_back(
    text: str,
) -> None:
    """The same words for a dose, a shave, a floor or a move: no alarm, and the classifier's
    crisis guess is held back (it read "je veux plus souffrir de mon dos" as crisis 0.87)."""
    assert crisis_signal(text) is None
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "je cherche une formation mais bon je suis pas sûre d'être encore là à noël",
        "jcherche du taf mais jsais pas si je serai encore la dans une semaine",
    ],
)
def test_looking_for_a_job_or_a_course_is_no_reason_to_be_gone(text: str) -> None:
    """Starting a course or a contract explains not being here; looking for one does not."""
    assert crisis_signal(text) == CrisisSignal(CrisisKind.SUICIDE)


@pytest.mark.parametrize(
    "text",
    [
        "jai regardé comment faire pour pas souffrir pendant le tatouage",
        "on a fait des noeuds marins au camp scout dont le noeud coulant",
    ],
)
def test_a_pain_with_its_cause_or_a_scouts_knot_is_no_certain_signal(text: str) -> None:
    """Not suffering "pendant le tatouage", a knot at a scout camp: the classifier decides."""
    assert crisis_signal(text) is None


def test_pills_put_aside_are_a_stock_not_an_overdose() -> None:
    """Nothing taken yet: the suicide line first, not the 15; pills swallowed stay medical."""
    assert crisis_kind("jai mis de côté 30 cachets au cas où") is CrisisKind.SUICIDE
    assert crisis_kind("jai avalé 30 cachets") is CrisisKind.MEDICAL
    assert crisis_kind("jai pris 2 xanax et 3 somnifères") is CrisisKind.MEDICAL


@pytest.mark.parametrize(
    "text",
    [
        "je garde mes médocs dans mon sac au cas où",
        "jai toujours mon doliprane dans mon sac au cas où jai mal a la tête",
        "j'écris une lettre pour l'anniv de ma mère",
        "jécris un discours pour le mariage de ma cousine",
        "il me faut une corde pour mon projet de cordiste",
        "jai besoin d'une corde pour le camping ce week end",
        "jpp jai encore raté le code",
        "les trucs qu'il me fait faire au stage c'est n'importe quoi",
        "jvais sauter dessus, cette offre elle est parfaite",
        "ce soir je dors dans ma voiture au festival",
        "jveux disparaitre sous ma couette tout le week end",
        "mekhaham kar peyda konum dar verdun",
        "za kar ghwaram",
    ],
)
def test_an_object_with_its_everyday_use_holds_a_guess_back(text: str) -> None:
    """One's own medicine carried, a letter for a birthday, a rope for a job, a setback with a
    sigh, a festival night, a job asked in Latin-letter Dari or Pashto: the classifier read
    the first as crisis 0.98; no certain signal, and its guess is held back."""
    assert crisis_signal(text) is None
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "je garde des cachets dans mon sac au cas où ça devient trop dur",
        "jai pris une corde pour mon projet, ce soir c'est fini",
        "jai écrit une lettre a ma mère pour son anniversaire, je serai plus là après",
        "il me fait faire des trucs au stage que je veux pas",
    ],
)
def test_the_everyday_use_holds_nothing_back_with_distress(text: str) -> None:
    """The same objects with despair, a night to come or something unwanted: no hold-back."""
    assert not everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "jai pris 5 kilos avec les médocs du psy",
        "ça m'a touchée ce que la conseillère m'a dit",
        "je vais sauter sur l'occasion",
        "jveux disparaitre sous ma couette",
        "on dort sous une tente au festival de verdun",
        "jai des marques de coups de soleil",
    ],
)
def test_a_weight_being_moved_or_a_chance_seized_is_no_certain_signal(text: str) -> None:
    """A weight gained, being moved by words, a chance seized, a lie-in, a festival tent."""
    assert crisis_signal(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("jai envie de dormir et de plus jamais ouvrir les yeux", CrisisKind.SUICIDE),
        ("jvais rejoindre ma grand mere la haut", CrisisKind.SUICIDE),
        ("3yit bzaf, ma bqitch baghi n3ich", CrisisKind.SUICIDE),
        ("dega taqat nadaram, mekhaham khodama bokosham", CrisisKind.SUICIDE),
        ("za nor zhwand na ghwaram", CrisisKind.SUICIDE),
        ("ma pote a trop bu elle arrive plus a se lever", CrisisKind.MEDICAL),
        ("a la soirée jetais pas en etat et il en a profité", CrisisKind.SEXUAL_VIOLENCE),
        ("mon cousin vient dans ma chambre quand tout le monde dort", CrisisKind.SEXUAL_VIOLENCE),
        ("il dit que ce qu'il me fait c'est notre secret", CrisisKind.SEXUAL_VIOLENCE),
        ("un mec m'a coincée dans les vestiaires", CrisisKind.SEXUAL_VIOLENCE),
        ("jai encore les marques de la ceinture de mon pere", CrisisKind.VIOLENCE),
        ("je cache les bleus que mon copain m'a faits", CrisisKind.VIOLENCE),
        ("ma soeur de 6 ans est toute seule depuis trois jours", CrisisKind.VIOLENCE),
        ("baba kayderbni kol nhar", CrisisKind.VIOLENCE),
        ("padaram har shab mara lat mekona", CrisisKind.VIOLENCE),
        ("plar me ma wahi", CrisisKind.VIOLENCE),
        ("mes darons m'ont dégagé", CrisisKind.SHELTER),
        ("ma mere a mis mes affaires dans des sacs poubelle devant la porte", CrisisKind.SHELTER),
    ],
)
def test_distress_said_sideways_sixth_round_is_certain(text: str, kind: CrisisKind) -> None:
    """Never opening one's eyes again, joining the dead, Latin-letter Darija, Dari and
    Pashto, drunk and unable to stand, sexual violence said by the night or the secret,
    marks of a belt, a child alone for days, put out with one's things at the door."""
    assert crisis_signal(text) == CrisisSignal(kind)


@pytest.mark.parametrize(
    "text",
    [
        "je prends mes medocs tous les soirs",
        "jai oublie mes medocs chez moi",
        "jpeux prendre 2 doliprane ?",
        "jpeux prendre 2 doliprane dun coup ?",
        "c bon si je prend 2 ibuprofene dun coup pour les regles ?",
        "jai zappé mes cachets ce matin c grave ?",
        "jprends un cachet le soir pour dormir depuis que je bosse de nuit",
        "les medocs c rembourse si jai pas de mutuelle ?",
        "mes medocs du psy me font dormir grave le matin",
        "jai toujours ma ventoline et mes cachets sur moi au cas ou",
        "je prépare le pilulier de ma grand mère, elle a plein de cachets",
    ],
)
def test_everyday_medicine_talk_holds_a_guess_back(text: str) -> None:
    """A treatment taken at set times, forgotten, paid for, a dose asked (issue 18, seventh
    round): "jpeux prendre 2 doliprane ?" was certain overdose words, the others got the
    classifier's crisis guess and an urgent alert."""
    assert crisis_signal(text) is None
    assert everyday_idiom(text)


@pytest.mark.parametrize(
    "text",
    [
        "je prends mes medocs tous les soirs mais ce soir je les prends tous",
        "jai oublie mes medocs chez moi de toute facon jen peux plus",
        "jpeux prendre 2 doliprane ? jai envie que tout sarrete",
        "je garde tous mes medocs dans mon sac",
        "jai zappé mes cachets ce matin, jvais tous les prendre ce soir",
        "mes medocs du psy je les ai pris avec une bouteille de vodka",
        "jai pris mes cachets du soir et jai la tete qui tourne",
        "combien de doliprane je peux prendre ce soir pour mon dos",
        "je prépare le pilulier de ma grand mère et jvais tout avaler",
    ],
)
def test_medicine_talk_holds_nothing_back_with_distress_a_quantity_or_tonight(text: str) -> None:
    """Distress, intent, a quantity ("tous", "toute la boîte"), swallowing, alcohol, the body
    in trouble or "ce soir" in the message: no medicine rule holds a guess back."""
    assert not everyday_idiom(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("jai pris toute la boite", CrisisKind.MEDICAL),
        ("jai pris toute la boite d'ibuprofene", CrisisKind.MEDICAL),
        ("jai pris 2 boites de doliprane", CrisisKind.MEDICAL),
        ("jcrois jai pris trop de doliprane", CrisisKind.MEDICAL),
        ("jai pris mes somniferes avec une bouteille de whisky", CrisisKind.MEDICAL),
        ("mes cachets jvais les prendre tous", CrisisKind.MEDICAL),
        ("jai pris mes cachets dun coup", CrisisKind.MEDICAL),
        ("ce soir je prends 2 xanax et c'est fini", CrisisKind.MEDICAL),
    ],
)
def test_an_overdose_said_plainly_or_sideways_is_certain(text: str, kind: CrisisKind) -> None:
    """A whole box said alone, two boxes, too much of a medicine, pills with alcohol, "je les
    prends tous", and one or two pills when the message says more: the 15 first."""
    assert crisis_signal(text) == CrisisSignal(kind)


@pytest.mark.parametrize(
    "text",
    [
        "jpeux prendre 2 doliprane ?",
        "jai pris 1 doliprane",
        "c bon si je prends un doliprane et un advil en meme temps pour ma tete ?",
        "jai pris toute la boite de chocolats",
        "je prends mes medocs tous les soirs",
        "jai pris un doliprane avec un verre d'eau",
        "jai pris mes medocs avec une bouteille d'eau",
    ],
)
def test_one_or_two_pills_or_a_box_of_sweets_is_no_certain_signal(text: str) -> None:
    """One or two of a medicine is a dose, two medicines "en même temps" a question, a box of
    chocolates no overdose, a glass or a bottle of water no alcohol."""
    assert crisis_signal(text) is None
