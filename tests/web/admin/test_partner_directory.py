"""The partner directory: admins fill it by hand or from a data·inclusion file; others cannot."""

from __future__ import annotations

import html
import json
import re

import pytest
from aiohttp import FormData
from sqlalchemy import update

from outreach_bot.core.partners.directory import covers, list_services
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead
from tests.web.admin.conftest import Browser, make_lead
from tests.web.admin.test_referrals import add_partner

STRUCTURES = [
    {
        "source": "dora",
        "id": "s-001",
        "nom": "Maison des Adolescents de la Meuse",
        "description": "Accueil, écoute et orientation des 11-25 ans et de leurs familles.",
        "courriel": "accueil@mda-test.example",
        "telephone": "+33300000000",
        "commune": "Verdun",
        "date_maj": "2026-10-01",
    }
]
SERVICES = [
    {
        "source": "dora",
        "id": "sv-001",
        "structure_id": "s-001",
        "nom": "Consultation psychologique jeunes",
        "description": "Entretiens gratuits et confidentiels avec un psychologue.",
        "thematiques": ["sante--sante-mentale"],
        "zone_eligibilite": ["55"],
        "courriel": "psy@mda-test.example",
        "date_maj": "2026-10-01",
    },
    {"source": "dora", "id": "sv-002", "structure_id": "inconnue", "nom": "Service orphelin"},
]
SERVICES_CSV = (
    "source;id;structure_id;nom;description;zone_eligibilite;courriel\n"
    "dora;sv-003;s-001;Groupe de parole;Un groupe chaque mercredi.;55545,55029;\n"
)


async def upload(browser: Browser, name: str, body: bytes) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf", browser.csrf)
    form.add_field("file", body, filename=name, content_type="application/octet-stream")
    response = await browser.client.post("/admin/partners/import", data=form)
    return response.status, await response.text()


async def test_a_datainclusion_file_fills_the_directory_and_a_second_import_updates_it(
    browser: Browser, services: Services
) -> None:
    """Structures and services load from JSON, then a CSV adds a service to the same
    structure; importing the JSON again updates instead of adding copies, and a service of
    an unknown structure is reported, not imported."""
    await browser.login("admin")
    body = json.dumps({"structures": STRUCTURES, "services": SERVICES}).encode()

    status, page = await upload(browser, "dora-55.json", body)
    assert status == 200
    assert "1 structures ajoutées" in page
    assert "1 services ajoutés" in page
    assert "structure inconnue inconnue" in page
    status, page = await upload(browser, "services.csv", SERVICES_CSV.encode())
    assert status == 200
    assert "1 services ajoutés" in page
    status, page = await upload(browser, "dora-55.json", body)
    assert "0 structures ajoutées, 1 mises à jour" in page

    listed = await list_services(services.sessions)
    assert [(entry.name, entry.referral_email) for entry in listed] == [
        ("Consultation psychologique jeunes", "psy@mda-test.example"),
        ("Groupe de parole", "accueil@mda-test.example"),  # the structure's e-mail
    ]
    assert listed[0].area == "55"
    assert listed[1].area == "55545,55029"
    assert covers(listed[1].area, "55545")
    assert not covers(listed[1].area, "55100")


async def test_a_bad_file_changes_nothing_and_says_why(
    browser: Browser, services: Services
) -> None:
    """Garbage, a CSV of another format or a file of nothing is refused with a reason."""
    await browser.login("admin")
    for name, body, reason in (
        ("x.json", b"{not json", "JSON illisible"),
        ("x.csv", b"a;b\n1;2\n", "colonne"),
        ("x.json", b"[]", "aucune structure"),
        ("x.csv", b"\xff\xfe\x00", "UTF-8"),
    ):
        status, page = await upload(browser, name, body)
        assert status == 400, name
        assert reason in page
    assert await list_services(services.sessions, active_only=False) == []


async def test_admins_edit_by_hand_and_counsellors_cannot(
    browser: Browser, services: Services
) -> None:
    """An admin adds an organisation and a service; a wrong e-mail is refused with its
    reason; a counsellor gets a 403 on the directory."""
    await browser.login("admin")
    created = await browser.post(
        "/admin/partners/organisations", {"name": "CSAPA Meuse", "email": "csapa@test.example"}
    )
    assert created.status == 303
    page = await (await browser.get("/admin/partners")).text()
    organisation_id = page.split('<option value="', 1)[1].split('"', 1)[0]
    bad = await browser.post(
        "/admin/partners/services",
        {"organisation_id": organisation_id, "name": "Consultations", "referral_email": "pas@"},
    )
    assert bad.status == 400
    assert "adresse e-mail invalide" in await bad.text()
    good = await browser.post(
        "/admin/partners/services",
        {"organisation_id": organisation_id, "name": "Consultations jeunes", "area": "55, 54"},
    )
    assert good.status == 303
    assert [entry.area for entry in await list_services(services.sessions)] == ["55,54"]

    await browser.login("lea")
    assert (await browser.get("/admin/partners")).status == 403


async def picker(browser: Browser, lead_id: int) -> tuple[dict[str, list[str]], str]:
    """The service picker of the lead page: option texts by group (``""``: outside any
    group), and the help line under it."""
    page = html.unescape(await (await browser.get(f"/admin/leads/{lead_id}")).text())
    select = page.split('<select id="referral-service"', 1)[1].split("</select>", 1)[0]
    groups: dict[str, list[str]] = {}
    label = ""
    for match in re.finditer(r'<optgroup label="([^"]*)">|<option value="\d+">([^<]*)<', select):
        if match.group(1) is not None:
            label = match.group(1)
        else:
            groups.setdefault(label, []).append(match.group(2))
    help_line = re.search(r'id="referral-service-help">([^<]*)<', page)
    assert help_line is not None
    return groups, help_line.group(1)


@pytest.fixture(name="partners")
async def _partners(services: Services) -> dict[str, int]:
    return {
        key: await add_partner(services, name=name, service=service, area=area)
        for key, name, service, area in (
            ("verdun", "FJT Verdun-test", "Logement jeunes", "55545"),
            ("bar", "Atelier Bar-test", "Chantier d'insertion", "55029"),
            ("meuse", "Écoute Meuse-test", "Consultation psy", "55"),
            ("nancy", "Asso Nancy-test", "Garantie jeunes", "54395"),
        )
    }


async def test_the_picker_lists_first_the_services_covering_the_young_persons_commune(
    browser: Browser, services: Services, partners: dict[str, int]
) -> None:
    """A young person of Verdun: Verdun's and the Meuse's services come first, the others
    after them, and one of those can still be proposed."""
    lead = await make_lead(services, first_name="Maëlys")
    await browser.login("lea")

    groups, help_line = await picker(browser, lead.id)

    assert {label: set(options) for label, options in groups.items()} == {
        "Couvrent Verdun": {
            "Écoute Meuse-test · Consultation psy",
            "FJT Verdun-test · Logement jeunes",
        },
        "Autres territoires": {
            "Asso Nancy-test · Garantie jeunes",
            "Atelier Bar-test · Chantier d'insertion",
        },
    }
    assert list(groups) == ["Couvrent Verdun", "Autres territoires"]
    assert "En premier, les services qui couvrent Verdun" in help_line
    proposed = await browser.post(
        f"/admin/leads/{lead.id}/referrals",
        {"service": str(partners["nancy"]), "reason": "Déménage à Nancy le mois prochain."},
    )
    assert proposed.status == 303


async def test_without_a_commune_the_sectors_territory_decides(
    browser: Browser, services: Services, partners: dict[str, int]
) -> None:
    """Commune unknown: the services meeting the lead's sector (Nord Meusien, the Meuse)
    come first; in the fallback sector, which has no territory, one plain list."""
    lead = await make_lead(services, first_name="Kenzo")
    stray = await make_lead(services, first_name="Lou", sector="hors-secteur")
    async with services.sessions.begin() as session:
        for row in (lead, stray):
            await session.execute(
                update(Lead).where(Lead.id == row.id).values(commune_insee=None, commune_name=None)
            )
    await browser.login("lea")

    groups, help_line = await picker(browser, lead.id)
    assert list(groups) == ["Couvrent le secteur Nord Meusien", "Autres territoires"]
    assert groups["Autres territoires"] == ["Asso Nancy-test · Garantie jeunes"]
    assert len(groups["Couvrent le secteur Nord Meusien"]) == 3

    await browser.login("sam")
    groups, help_line = await picker(browser, stray.id)
    assert list(groups) == [""]
    assert len(groups[""]) == len(partners)
    assert help_line.startswith("Commune et secteur inconnus")


async def test_when_no_service_covers_the_commune_the_page_says_so(
    browser: Browser, services: Services
) -> None:
    """Only services elsewhere: they are all listed, and the counsellor is told."""
    await add_partner(services, name="Asso Nancy-test", service="Garantie jeunes", area="54395")
    lead = await make_lead(services, first_name="Théo")
    await browser.login("lea")

    groups, help_line = await picker(browser, lead.id)

    assert groups == {"Autres territoires": ["Asso Nancy-test · Garantie jeunes"]}
    assert help_line.startswith("Aucun service de l'annuaire ne couvre Verdun")
