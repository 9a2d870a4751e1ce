"""Communes are found from a name or a postal code, with suggestions when in doubt."""

import gzip
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest

from outreach_bot.domain.fields import (
    Commune,
    CommuneMatch,
    commune_by_insee,
    home_commune_in,
    load_communes_in_background,
    match_commune,
    without_commune_name,
)
from outreach_bot.domain.fields import commune as commune_module

VERDUN = "55545"
VERDUN_ARIEGE = "09328"
BAR_LE_DUC = "55029"
SAINT_MIHIEL = "55463"
STENAY = "55502"
COMMERCY = "55122"
BELLERAY = "55042"
THIERVILLE_SUR_MEUSE = "55505"
THIERVILLE_EURE = "27631"
SAINT_MARTIN_54 = "54480"
DOUAUMONT_VAUX = "55537"
PARIS = "75056"
AJACCIO = "2A004"


def codes(communes: tuple[Commune, ...]) -> list[str]:
    return [commune.insee for commune in communes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Verdun", VERDUN),
        ("verdun", VERDUN),
        ("VERDUN", VERDUN),
        ("Verdun ", VERDUN),
        ("  verdun.", VERDUN),
        ("j'habite à Verdun", VERDUN),
        ("à verdun", VERDUN),
        ("Verdun (Meuse)", VERDUN),
        ("verdun dans la meuse", VERDUN),
        ("Bar-le-Duc", BAR_LE_DUC),
        ("bar le duc", BAR_LE_DUC),
        ("BAR LE DUC", BAR_LE_DUC),
        ("barleduc", BAR_LE_DUC),
        ("je suis de bar-le-duc", BAR_LE_DUC),
        ("Saint-Mihiel", SAINT_MIHIEL),
        ("St Mihiel", SAINT_MIHIEL),
        ("st-mihiel", SAINT_MIHIEL),
        ("saint mihiel", SAINT_MIHIEL),
        ("Stenay", STENAY),
        ("sur Stenay", STENAY),
        ("Étain", "55181"),
        ("etain", "55181"),
        ("Sainte-Menehould", "51507"),
        ("Ste Menehould", "51507"),
        ("Bras s/ Meuse", "55073"),
        ("La Chalade", "55266"),
        ("Le Havre", "76351"),
        ("havre", "76351"),
        ("Paris", PARIS),
        ("Paris 15", PARIS),
        ("Lyon 3e", "69123"),
        ("Ajaccio", AJACCIO),
        ("Ajaccio (2A)", AJACCIO),
    ],
)
def test_a_known_name_gives_the_commune(text, expected):
    """Case, accents, hyphens, "St", articles and "j'habite à" do not stop a name from matching."""
    match = match_commune(text)
    assert match.commune is not None
    assert match.commune.insee == expected


def test_the_matched_commune_carries_what_sectors_need():
    """The commune found has its official name, department, arrondissement and postal code."""
    commune = match_commune("verdun").commune
    assert commune is not None
    assert (commune.insee, commune.name, commune.department) == (VERDUN, "Verdun", "55")
    assert (commune.arrondissement, commune.postal_codes) == ("553", ("55100",))
    assert commune.population > 10_000


def test_a_postal_code_shared_by_many_communes_gives_suggestions():
    """55100 covers Verdun and 25 villages around it, so the largest are offered, Verdun first."""
    match = match_commune("55100")
    assert match.commune is None
    assert codes(match.suggestions)[0] == VERDUN
    assert len(match.suggestions) == 5
    every = match_commune("55100", limit=100).suggestions
    assert len(every) == 26
    assert {VERDUN, BELLERAY, DOUAUMONT_VAUX} <= set(codes(every))
    assert all("55100" in commune.postal_codes for commune in every)
    populations = [commune.population for commune in every]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("75015", PARIS), ("Paris 75015", PARIS), ("55100 Belleray", BELLERAY)],
)
def test_a_postal_code_that_designates_one_commune_gives_it(text, expected):
    """A code with a single commune, or a code with the village's name, is certain."""
    match = match_commune(text)
    assert match.commune is not None
    assert match.commune.insee == expected


def test_a_typo_next_to_a_postal_code_is_suggested_within_that_code():
    """A misspelt name next to its postal code is offered among that code's communes only."""
    match = match_commune("55100 verdin")
    assert match.commune is None
    assert codes(match.suggestions) == [VERDUN]


def test_a_name_that_contradicts_the_postal_code_is_not_certain():
    """Verdun with Bar-le-Duc's postal code is asked again, offering both."""
    match = match_commune("55000 Verdun")
    assert match.commune is None
    assert codes(match.suggestions)[0] == VERDUN
    assert BAR_LE_DUC in codes(match.suggestions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("verdin", VERDUN),
        ("Verdum", VERDUN),
        ("stenai", STENAY),
        ("bar le duk", BAR_LE_DUC),
        ("commerci", COMMERCY),
        ("saint mihel", SAINT_MIHIEL),
    ],
)
def test_a_typo_gives_suggestions_with_the_right_commune_first(text, expected):
    """A misspelt name is never taken for granted, but the intended commune is offered first."""
    match = match_commune(text)
    assert match.commune is None
    assert codes(match.suggestions)[0] == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "azertyuiop", "je sais pas", "jsp", "oui", "non", "bonjour", "merci", "55", "?"],
)
def test_nonsense_gives_neither_commune_nor_suggestions(text):
    """An answer that is no commune at all gives nothing to offer, so the bot can re-ask."""
    assert match_commune(text) == CommuneMatch(None, ())


def test_an_unknown_postal_code_gives_nothing():
    """A five-digit number that no commune uses is not matched to anything."""
    assert match_commune("00000") == CommuneMatch(None, ())


def test_a_homonym_in_the_preferred_department_wins():
    """Verdun means the one in the Meuse by default; the Ariège one is still offered."""
    match = match_commune("Verdun")
    assert match.commune is not None
    assert match.commune.insee == VERDUN
    assert codes(match.suggestions) == [VERDUN_ARIEGE]


def test_the_preferred_departments_can_be_changed():
    """Another Mission Locale gets its own homonym first."""
    match = match_commune("Verdun", preferred_departments=("09",))
    assert match.commune is not None
    assert match.commune.insee == VERDUN_ARIEGE
    saint_martin = match_commune("Saint-Martin", preferred_departments=("54",)).commune
    assert saint_martin is not None
    assert saint_martin.insee == SAINT_MARTIN_54


def test_homonyms_outside_the_preferred_departments_are_only_suggested():
    """With five Saint-Martins and none in the Meuse, the bot must ask which one."""
    match = match_commune("Saint-Martin")
    assert match.commune is None
    assert len(match.suggestions) == 5
    assert {commune.name for commune in match.suggestions} == {"Saint-Martin"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Martin 54", SAINT_MARTIN_54),
        ("Saint-Martin (54)", SAINT_MARTIN_54),
        ("saint martin meurthe-et-moselle", SAINT_MARTIN_54),
        ("Verdun 09", VERDUN_ARIEGE),
        ("Verdun (Ariège)", VERDUN_ARIEGE),
        ("Thierville 27", THIERVILLE_EURE),
    ],
)
def test_a_department_after_the_name_settles_homonyms(text, expected):
    """A department code or name written after the commune picks the homonym in it."""
    match = match_commune(text)
    assert match.commune is not None
    assert match.commune.insee == expected


@pytest.mark.parametrize(
    ("text", "expected_first", "also_offered"),
    [
        ("Thierville", THIERVILLE_SUR_MEUSE, THIERVILLE_EURE),
        ("Bar", BAR_LE_DUC, "19016"),
        ("belleville", "55043", "54060"),
    ],
)
def test_a_shortened_local_name_is_not_taken_for_a_commune_elsewhere(
    text, expected_first, also_offered
):
    """ "Thierville" in the Meuse probably means Thierville-sur-Meuse, so both are offered."""
    match = match_commune(text)
    assert match.commune is None
    assert codes(match.suggestions)[0] == expected_first
    assert also_offered in codes(match.suggestions)


def test_a_former_commune_name_leads_to_the_merged_commune():
    """Douaumont, merged into Douaumont-Vaux, still finds the commune it now belongs to."""
    match = match_commune("Douaumont")
    assert match.commune is not None
    assert match.commune.insee == DOUAUMONT_VAUX


def test_suggestions_respect_the_limit():
    """The caller decides how many suggestions an SMS can carry."""
    assert len(match_commune("55100", limit=3).suggestions) == 3


@pytest.mark.parametrize(("code", "name"), [(VERDUN, "Verdun"), (" 2a004 ", "Ajaccio")])
def test_a_stored_insee_code_gives_the_commune_back(code, name):
    """The INSEE code kept with a lead leads back to the commune and its name."""
    commune = commune_by_insee(code)
    assert commune is not None
    assert commune.name == name


@pytest.mark.parametrize("code", ["99999", "", "Verdun"])
def test_an_unknown_insee_code_gives_none(code):
    """A code that is no current commune gives nothing."""
    assert commune_by_insee(code) is None


def test_an_answer_during_the_background_build_waits_for_it() -> None:
    """At start-up the index builds in the background; an answer arriving meanwhile gets the
    right commune, from the same single index (not a second build of its own)."""
    commune_module._build_index.cache_clear()
    builder = load_communes_in_background()
    with ThreadPoolExecutor(max_workers=3) as pool:
        matches = list(pool.map(match_commune, ["Verdun", "verdun", "55100 Verdun"]))
    builder.join(timeout=30)
    assert not builder.is_alive()
    found = [match.commune for match in matches]
    assert [commune.insee if commune else None for commune in found] == [VERDUN] * 3
    assert all(commune is found[0] for commune in found)
    assert commune_by_insee(VERDUN) is found[0]


def read_packaged_columns() -> dict[str, list[str]]:
    """The packaged file read plainly: one line per field, its values separated by tabs."""
    data = resources.files("outreach_bot.domain.fields").joinpath(commune_module.DATA_FILE)
    lines = gzip.decompress(data.read_bytes()).decode("utf-8").splitlines()
    return {name: values for name, *values in (line.split("\t") for line in lines)}


def test_every_packaged_commune_is_found_whole_by_its_insee_code():
    """Each of the 35,000 communes comes back from its code with all its fields as packaged."""
    columns = read_packaged_columns()
    rows = zip(
        *(columns[field] for field in ("insee", "name", "department", "arrondissement")),
        columns["population"],
        columns["postal_codes"],
        strict=True,
    )
    expected = [
        Commune(
            insee, name, department, tuple(codes.split()), int(population), arrondissement or None
        )
        for insee, name, department, arrondissement, population, codes in rows
    ]
    assert len(expected) > 34_000
    assert [commune_by_insee(commune.insee) for commune in expected] == expected


def test_every_packaged_name_leads_to_its_commune():
    """Every official name, and every former name of a merged commune, leads to its commune
    once read as a typed answer is (the index normalises all the names in one pass)."""
    columns = read_packaged_columns()
    index = commune_module._index()
    tables = {"name": index.by_name, "former_name": index.by_former_name}
    lost = [
        (name, insee)
        for field, table in tables.items()
        for name, insee in zip(
            columns[field], columns[field.replace("name", "insee")], strict=True
        )
        if insee not in codes(index.find(table, commune_module._key(name)))
    ]
    assert lost == []


@pytest.mark.parametrize(
    ("code", "postal_codes", "arrondissement"),
    [
        ("97601", ("97630",), None),  # Mayotte: no arrondissement (written "" upstream)
        ("97502", ("97500",), None),  # Saint-Pierre-et-Miquelon: no arrondissement at all
        (AJACCIO, ("20000", "20090", "20167"), "2A1"),
    ],
)
def test_a_commune_keeps_its_postal_codes_and_arrondissement(code, postal_codes, arrondissement):
    """Several postal codes stay in order; a commune without arrondissement has None."""
    commune = commune_by_insee(code)
    assert commune is not None
    assert (commune.postal_codes, commune.arrondissement) == (postal_codes, arrondissement)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chez ma tante à commercy", COMMERCY),
        ("j'habite a dun sur meuse avec ma mere", "55167"),
        ("je suis chez une copine a verdun pour ce soir", VERDUN),
        ("c'est a cote de stenay", STENAY),
        ("verdun sur meuse", VERDUN),
    ],
)
def test_a_local_commune_inside_a_sentence_is_certain(text, expected):
    """A Meuse commune named anywhere in an answer is read, whatever surrounds it."""
    match = match_commune(text)
    assert match.commune is not None
    assert match.commune.insee == expected


@pytest.mark.parametrize(
    ("text", "name", "department"),
    [("chez ma tante à nancy", "Nancy", "54"), ("je vis à Reims avec mon père", "Reims", "51")],
)
def test_a_commune_elsewhere_after_a_place_word_is_only_suggested(text, name, department):
    """Far from the Meuse, a name after "à" is offered first, never taken for granted."""
    match = match_commune(text)
    assert match.commune is None
    assert (match.suggestions[0].name, match.suggestions[0].department) == (name, department)


@pytest.mark.parametrize("text", ["je sais pas trop", "j'en ai marre sans cesse", "ma mère"])
def test_a_sentence_without_a_commune_gives_none(text):
    """Everyday words that are also village names elsewhere are not read as communes."""
    assert match_commune(text).commune is None


@pytest.mark.parametrize(
    ("text", "without"),
    [
        ("jsuis a varennes en argonne jcherche du boulo", "jsuis a jcherche du boulo"),
        ("jsuis a Beney-en-Woëvre jcherche du boulo", "jsuis a jcherche du boulo"),
        ("c ou la mission locale a Kœur-la-Grande ?", "c ou la mission locale a ?"),
        ("à Stenay, jcherche du taf", "à , jcherche du taf"),
        ("st mihiel c loin", "c loin"),
        ("vers dun stp", "vers stp"),
        ("55700", ""),
        ("jcherche un taf", None),
        ("j'en ai marre", None),
    ],
)
def test_without_commune_name_cuts_the_name_find_commune_in_reads(
    text: str, without: str | None
) -> None:
    assert without_commune_name(text) == without


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mon num c 06 12 34 56 78 jhabite a stenay", "Stenay"),
        ("jsuis de verdun jveux parler a qqn", "Verdun"),
        ("18 ans jhabite a clermont en argonne", "Clermont-en-Argonne"),
        ("slt j'habite à Dun, un conseiller peut m'appeler ?", "Dun-sur-Meuse"),
        ("jhabite a st mihiel", "Saint-Mihiel"),
        ("je suis d'Étain", "Étain"),
        ("je vis à Bar-le-Duc", "Bar-le-Duc"),
        # near, someone else's, no longer, passing through, asked about, outside Meuse
        ("jhabite vers bar le duc", None),
        ("jhabite a cote de stenay", None),
        ("ma soeur habite a stenay", None),
        ("jhabite plus a verdun", None),
        ("je n'habite pas a verdun", None),
        ("j'habitais a verdun", None),
        ("jsuis de passage a verdun", None),
        ("je suis a verdun la", None),
        ("y a une permanence a stenay ?", None),
        ("je bosse a verdun", None),
        ("jhabite a nancy", None),
        ("jhabite a 55700", None),
        ("jsuis de la meuse", None),
    ],
)
def test_home_commune_only_where_the_writer_says_they_live(text: str, name: str | None) -> None:
    """A Meuse town right after "j'habite (à)", "je vis à" or "jsuis de" is home; a town merely
    named, near, someone else's, left or outside Meuse is not."""
    home = home_commune_in(text)
    assert (home.name if home else None) == name
