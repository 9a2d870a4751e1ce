"""Back-office URLs and forms with ids or dates no row can have: a 404 or a 400 page, never 500."""

from __future__ import annotations

import html

import pytest

from outreach_bot.core.services import Services
from tests.web.admin.conftest import Browser, make_lead

TOO_BIG_ID = str(2**31)


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/leads/{TOO_BIG_ID}",
        f"/admin/leads/{TOO_BIG_ID}/card",
        f"/admin/leads/{TOO_BIG_ID}/messages",
        f"/admin/leads/{TOO_BIG_ID}/export.json",
        "/admin/leads/²",
        "/admin/leads/٣",
    ],
)
async def test_a_lead_id_no_row_can_have_is_not_found(browser: Browser, path: str) -> None:
    """An id past 2**31 - 1 (or "²") is a plain 404 page, as for a lead that is not there."""
    await browser.login("admin")
    response = await browser.get(path)
    assert response.status == 404


@pytest.mark.parametrize("action", ["claim", "note", "status", "next-action", "hand-back"])
async def test_posting_to_an_impossible_lead_id_is_not_found(
    browser: Browser, action: str
) -> None:
    """Forms posted to an id no row can have get the same 404."""
    await browser.login("admin")
    response = await browser.post(f"/admin/leads/{TOO_BIG_ID}/{action}", {"note": "x"})
    assert response.status == 404


@pytest.mark.parametrize("action", ["label", "unlabel", "dismiss"])
async def test_a_quality_id_no_row_can_have_is_not_found(browser: Browser, action: str) -> None:
    """The NLU review actions check their id like the lead pages."""
    await browser.login("admin")
    response = await browser.post(f"/admin/quality/{TOO_BIG_ID}/{action}", {"intent": "greet"})
    assert response.status == 404


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "to=²", "from=2026-02-30"])
@pytest.mark.parametrize("path", ["/admin/figures", "/admin/figures.csv"])
async def test_figures_for_a_date_out_of_range_are_a_400(
    browser: Browser, path: str, query: str
) -> None:
    """``to=9999-12-31`` on the figures page says the period is invalid instead of a 500."""
    await browser.login("coordinator")
    response = await browser.get(f"{path}?{query}")
    assert response.status == 400
    assert "Période invalide" in await response.text()


async def test_a_next_action_date_out_of_range_is_refused(
    browser: Browser, services: Services
) -> None:
    """A next action on 9999-12-31 is refused on the lead page, which says the date is wrong."""
    lead = await make_lead(services)
    await browser.login("lea")
    response = await browser.post(f"/admin/leads/{lead.id}/next-action", {"on": "9999-12-31"})
    assert response.status == 400
    assert "date invalide" in await response.text()


@pytest.mark.parametrize("before", [TOO_BIG_ID, "²", "9" * 40])
async def test_the_audit_log_ignores_an_impossible_cursor(browser: Browser, before: str) -> None:
    """``/admin/audit?before=…`` with an id no row can have shows the first page."""
    await browser.login("admin")
    response = await browser.get("/admin/audit", params={"before": before, "lead": before})
    assert response.status == 200


@pytest.mark.parametrize("name", ["x" * 300, "é" * 200, "admin.css%00", "..%2F__init__.py"])
async def test_an_unknown_static_file_is_a_404(browser: Browser, name: str) -> None:
    """A file name over 255 bytes was a false 503 (OS error); any unknown name is a 404."""
    response = await browser.get(f"/admin/static/{name}")
    assert response.status == 404
    assert (await browser.get("/admin/static/admin.css")).status == 200


BROKEN_FORMS = [
    # a multipart body whose boundary is not the one declared
    (
        b'--other\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--other--\r\n',
        "multipart/form-data; boundary=declared",
    ),
    (b"--x\r\n\r\n--x--", "multipart/form-data"),  # no boundary at all
    (b"email=caf\xe9&password=x", "application/x-www-form-urlencoded"),  # not UTF-8
    (b"email=a", "application/x-www-form-urlencoded; charset=nope"),  # an unknown charset
]


@pytest.mark.parametrize(("body", "content_type"), BROKEN_FORMS)
@pytest.mark.parametrize("path", ["/admin/login", "/admin/setup", "/admin/leads/1/note"])
async def test_a_form_that_cannot_be_read_is_a_400_page(
    browser: Browser, path: str, body: bytes | str, content_type: str
) -> None:
    """A bad boundary or bytes that are not UTF-8 get a 400 page that says what to do."""
    await browser.login("admin")
    raw = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type}
    response = await browser.client.post(path, data=raw, headers=headers)
    assert response.status == 400
    assert "Ce formulaire n'a pas pu être lu" in html.unescape(await response.text())
    # With the CSRF token in a header, the handler itself reads the form: the same 400.
    response = await browser.client.post(
        path, data=raw, headers={**headers, "X-CSRF-Token": browser.csrf}
    )
    assert response.status == 400
