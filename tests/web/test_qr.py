"""QR codes and posters scan back to the campaign's landing page."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from outreach_bot.content import load_content
from outreach_bot.core.outreach.campaigns import landing_url
from outreach_bot.core.outreach.qr import QUIET_ZONE, qr_matrix, qr_png, qr_svg, qr_svg_inline
from outreach_bot.web.posters import PosterSize, PosterText, display_phone, latin1, poster_pdf
from tests.factories import edited_content

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT / "bot")
URL = landing_url("https://bot.mission-locale.example/", "FORUM-VERDUN")
TELEGRAM = "https://t.me/MissionLocaleTestBot?start=FORUM-VERDUN"


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_png_qr_code_decodes_to_the_landing_url() -> None:
    """A phone reading the PNG lands on /q/CODE of our public address."""
    image = Image.open(io.BytesIO(qr_png(URL)))
    assert image.format == "PNG"
    assert decode(image) == ["https://bot.mission-locale.example/q/FORUM-VERDUN"]


def test_the_longest_code_still_fits_a_readable_qr_code() -> None:
    """A 32-character code on a long public address still scans."""
    url = landing_url("https://outreach.mission-locale-nord-meusien.example/bot", "A" * 32)
    assert decode(Image.open(io.BytesIO(qr_png(url, scale=6)))) == [url]


def test_svg_qr_code_has_the_size_of_the_png_one() -> None:
    """The SVG file is as big as the PNG and titled; the inline one scales with the page."""
    svg = qr_svg(URL, title="Forum emploi Verdun").decode()
    size = len(qr_matrix(URL)) + 2 * QUIET_ZONE
    assert svg.startswith("<?xml")
    assert "<title>Forum emploi Verdun</title>" in svg
    assert f'width="{size * 10}" height="{size * 10}"' in svg
    png = Image.open(io.BytesIO(qr_png(URL)))
    assert png.size == (size * 10, size * 10)
    inline = qr_svg_inline(URL)
    assert inline.startswith("<svg")
    assert f'viewBox="0 0 {size * 4} {size * 4}"' in inline


def test_the_matrix_used_for_posters_decodes_to_the_url() -> None:
    """The modules we draw ourselves on posters are a valid code for the URL."""
    matrix = qr_matrix(URL)
    scale = 8
    side = (len(matrix) + 2 * QUIET_ZONE) * scale
    image = Image.new("L", (side, side), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale
                image.paste(0, (left, top, left + scale, top + scale))
    assert decode(image) == [URL]


def test_poster_text_survives_emoji_and_typographic_signs() -> None:
    """A campaign name with emoji or curly quotes prints instead of crashing the PDF."""
    assert latin1("Fête 🎉 l’été – œuvre…") == "Fête l'été - oeuvre..."
    assert display_phone("+33639980000") == "06 39 98 00 00"
    assert display_phone("+32470123456").startswith("+32")
    assert display_phone("n'importe quoi") == "n'importe quoi"
    pdf = poster_pdf(PosterText(url=URL, code="FORUM-VERDUN", campaign_name="🎉🎉🎉"), CONTENT)
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("size", list(PosterSize))
def test_rendered_poster_scans_and_says_everything(size: PosterSize, tmp_path: Path) -> None:
    """The printed poster, rendered to an image, scans to the URL and shows SMS and Telegram."""
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(
        poster_pdf(
            PosterText(
                url=URL,
                code="FORUM-VERDUN",
                campaign_name="Forum emploi Verdun",
                sms_number="+33639980000",
                telegram_link=TELEGRAM,
            ),
            CONTENT,
            size,
        )
    )
    subprocess.run(  # noqa: S603 - fixed arguments, a file we just wrote
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(tmp_path / "poster")],  # noqa: S607
        check=True,
    )
    image = Image.open(tmp_path / "poster.png")
    expected_width = {PosterSize.A4: 827, PosterSize.A6: 413}[size]
    assert abs(image.width - expected_width) <= 2
    assert decode(image) == [URL]
    flat = pdf_text(pdf)
    assert "pose tes questions" in flat
    assert "envoie FORUM-VERDUN au 06 39 98 00 00" in flat
    assert "t.me/MissionLocaleTestBot?start=FORUM-VERDUN" in flat
    assert "bot.mission-locale.example/q/FORUM-VERDUN" in flat


def pdf_text(pdf: Path) -> str:
    """The words of a PDF as pdftotext reads them, whitespace collapsed."""
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file the test wrote
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(text.split())


def test_the_poster_prints_the_texts_of_bot(tmp_path: Path) -> None:
    """What the poster says comes from bot/messages.yml, placeholders filled."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    content = load_content(
        edited_content(
            tmp_path,
            {
                "poster_purpose": "Une question ? Demande au bot.",
                "poster_sms": "Texto : {code} au {number}",
                "poster_telegram": "Appli Telegram : {link}",
            },
        )
    )
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(
        poster_pdf(
            PosterText(
                url=URL, code="FORUM-VERDUN", sms_number="+33639980000", telegram_link=TELEGRAM
            ),
            content,
        )
    )
    flat = pdf_text(pdf)
    assert "Une question ? Demande au bot." in flat
    assert "pose tes questions" not in flat
    assert "Texto : FORUM-VERDUN au 06 39 98 00 00" in flat
    assert "Appli Telegram : t.me/MissionLocaleTestBot?start=FORUM-VERDUN" in flat
    assert "Scanne avec l'appareil photo" in flat


@pytest.mark.parametrize("size", list(PosterSize))
@pytest.mark.parametrize(
    ("bot", "code"),
    [
        ("MissionLocaleTestBot", "FORUM"),
        ("MissionLocaleNordMeusien_Bot", "FORUM-EMPLOI-VERDUN-MAI"),
        ("M" * 32, "C" * 32),  # the longest username Telegram allows, the longest code
    ],
)
def test_the_telegram_link_is_never_cut_across_two_lines(
    size: PosterSize, bot: str, code: str, tmp_path: Path
) -> None:
    """Whatever the link's length, it prints whole on one line, so it can be typed from paper."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    link = f"https://t.me/{bot}?start={code}"
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(
        poster_pdf(
            PosterText(url=URL, code=code, sms_number="+33939980000", telegram_link=link),
            CONTENT,
            size,
        )
    )
    lines = subprocess.run(  # noqa: S603 - fixed arguments, a file the test wrote
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert any(link.removeprefix("https://") in line for line in lines), lines
