"""The partner directory: admins fill it by hand or from a data·inclusion file; others cannot."""

from __future__ import annotations

import json

from aiohttp import FormData

from outreach_bot.core.partners.directory import covers, list_services
from outreach_bot.core.services import Services
from tests.web.admin.conftest import Browser

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
