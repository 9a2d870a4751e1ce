"""Printable posters (A4) and flyers (A6) of a campaign: QR code, what the bot is for, SMS and
Telegram.

The QR code is drawn as vector squares, so it stays sharp on any printer. Text is set in
Source Sans Pro (SIL Open Font License), from the ``font-source-sans-pro`` package, and the
letters used are embedded in the PDF: a print shop or a phone without the font prints the
poster as it was laid out (the PDF core fonts are never embedded, so each reader substitutes
its own, with other widths). Text is still kept to Latin-1, which covers French. What the
poster says comes from ``messages.yml`` (``poster_*``), like every text a young person reads;
the event it announces (name, date, place) comes from the campaign.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from typing import TYPE_CHECKING, Final

import phonenumbers

from outreach_bot.content import Content
from outreach_bot.core.outreach.qr import QUIET_ZONE, qr_matrix

if TYPE_CHECKING:
    from fpdf import FPDF

POSTER_LOCALE: Final = "fr"
"""Posters are printed in French."""

FONT: Final = "SourceSans"
FONT_FILES: Final = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Bold.ttf"}
"""The poster's typeface, regular and bold, embedded (as subsets) in every PDF; looked up in
the ``font_source_sans_pro`` package when a poster is made, like fpdf2 itself."""

#: The poster's message keys, with the placeholders filled (checked at start-up).
MESSAGES: Final[dict[str, frozenset[str]]] = {
    "poster_purpose": frozenset(),
    "poster_scan": frozenset(),
    "poster_sms": frozenset({"code", "number"}),
    "poster_telegram": frozenset({"link"}),
    "poster_whatsapp": frozenset({"code", "number"}),
}

NBSP: Final = "\u00a0"

_REPLACEMENTS: Final = {
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "\u00a0": " ",
    "\u202f": " ",
}


class PosterSize(StrEnum):
    """A4 to pin on a wall, A6 to hand out."""

    A4 = "a4"
    A6 = "a6"


_PAGE_MM: Final = {PosterSize.A4: (210.0, 297.0), PosterSize.A6: (105.0, 148.0)}


@dataclass(frozen=True, slots=True)
class PosterText:
    """What a poster says besides the QR code; empty fields leave their line out."""

    url: str
    code: str
    campaign_name: str = ""
    event: str = ""
    """The event the campaign is (``Forum emploi · mardi 12 mai 2026 · Verdun``), if any."""
    sms_number: str = ""
    telegram_link: str = ""
    whatsapp_number: str = ""
    whatsapp_link: str = ""


def latin1(text: str) -> str:
    """``text`` with typographic signs simplified and anything outside Latin-1 dropped.

    Campaign names are typed by staff and may hold emoji; the poster must still print.
    """
    for sign, plain in _REPLACEMENTS.items():
        text = text.replace(sign, plain)
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.encode("latin-1", "ignore").decode("latin-1").split())


def display_phone(number: str) -> str:
    """A phone number as people read it on a poster (``06 12 34 56 78`` for French ones)."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code == 33:  # noqa: PLR2004 - France's calling code
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _short(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://")


def _wording(content: Content, key: str, **bold: str) -> str:
    """A poster text in Latin-1, its placeholders filled in bold (fpdf2 markdown).

    The values are simplified on their own, after the text, so that the no-break spaces of the
    phone number survive.
    """
    template = latin1(content.messages[key].get(POSTER_LOCALE))
    return template.format(**{name: f"**{value}**" for name, value in bold.items()})


def poster_pdf(text: PosterText, content: Content, size: PosterSize = PosterSize.A4) -> bytes:
    """The poster as a one-page PDF, laid out for ``size``, with the texts of ``content``."""
    # fpdf2 (with fontTools and Pillow) costs every worker about a second and tens of MB at
    # start-up; only a poster download needs it.
    from fpdf import FPDF  # noqa: PLC0415

    k = _PAGE_MM[size][0] / _PAGE_MM[PosterSize.A4][0]
    pdf = FPDF(orientation="P", unit="mm", format=_PAGE_MM[size])
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(left=16 * k, top=16 * k, right=16 * k)
    _describe(pdf, text.code)
    pdf.add_page()
    width = pdf.epw

    if text.event:
        _event(pdf, text.event, k=k)
    pdf.set_text_color(20, 20, 20)
    pdf.set_font(FONT, style="B", size=28 * k)
    purpose = _wording(content, "poster_purpose")
    pdf.multi_cell(width, 12 * k, purpose, align="C", new_x="LMARGIN", new_y="NEXT")

    side = 124 * k
    top = pdf.get_y() + 10 * k
    _draw_qr(pdf, text.url, x=(pdf.w - side) / 2, y=top, side=side)
    pdf.set_y(top + side + 4 * k)
    pdf.set_font(FONT, size=15 * k)
    scan = _wording(content, "poster_scan")
    pdf.multi_cell(width, 7.5 * k, scan, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11 * k)
    pdf.set_text_color(70, 70, 70)
    pdf.multi_cell(
        width, 6 * k, latin1(_short(text.url)), align="C", new_x="LMARGIN", new_y="NEXT"
    )

    pdf.set_y(pdf.get_y() + 6 * k)
    pdf.set_draw_color(180, 180, 180)
    pdf.set_line_width(0.4 * k)
    pdf.line(pdf.l_margin + 20 * k, pdf.get_y(), pdf.w - pdf.r_margin - 20 * k, pdf.get_y())
    pdf.set_y(pdf.get_y() + 6 * k)
    pdf.set_text_color(20, 20, 20)
    if text.sms_number:
        pdf.set_font(FONT, size=18 * k)
        pdf.multi_cell(
            width,
            9 * k,
            _wording(
                content,
                "poster_sms",
                code=latin1(text.code),
                # No-break spaces: a phone number cut across two lines gets mistyped.
                number=latin1(display_phone(text.sms_number)).replace(" ", NBSP),
            ),
            align="C",
            markdown=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(pdf.get_y() + 2 * k)
    if text.whatsapp_link:
        pdf.set_font(FONT, size=18 * k)
        pdf.multi_cell(
            width,
            9 * k,
            _wording(
                content,
                "poster_whatsapp",
                code=latin1(text.code),
                number=latin1(display_phone(text.whatsapp_number)).replace(" ", NBSP),
            ),
            align="C",
            markdown=True,
            link=text.whatsapp_link,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(pdf.get_y() + 2 * k)
    if text.telegram_link:
        link = latin1(_short(text.telegram_link))
        font_size = _fitting_size(pdf, link, width=width, largest=18 * k)
        pdf.set_font(FONT, size=font_size)
        pdf.multi_cell(
            width,
            font_size / 2,  # the 9 mm line of 18 pt text, scaled with the font
            _wording(content, "poster_telegram", link=link),
            align="C",
            markdown=True,
            link=text.telegram_link,
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_font(FONT, size=8 * k)
    pdf.set_text_color(120, 120, 120)
    footer = text.code if not text.campaign_name else f"{text.code} - {text.campaign_name}"
    pdf.set_y(pdf.h - 14 * k)
    pdf.multi_cell(width, 4 * k, latin1(footer)[:120], align="C")
    return bytes(pdf.output())


def _describe(pdf: FPDF, code: str) -> None:
    """Title and creator, and the typeface (embedded when the PDF is written)."""
    pdf.set_title(latin1(f"Affiche {code}"))
    pdf.set_creator("Outreach Bot")
    folder = files("font_source_sans_pro") / "files"
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style=style, fname=str(folder / name))


def _event(pdf: FPDF, event: str, *, k: float) -> None:
    """The event first: whoever reads the poster at the forum knows the code is this one's."""
    pdf.set_text_color(31, 95, 191)
    pdf.set_font(FONT, style="B", size=16 * k)
    pdf.multi_cell(pdf.epw, 7.5 * k, latin1(event)[:160], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(pdf.get_y() + 3 * k)


def _fitting_size(pdf: FPDF, word: str, *, width: float, largest: float) -> float:
    """The largest font size, up to ``largest``, at which ``word`` (in bold) fits on one line.

    A line too narrow for a word makes fpdf2 cut the word wherever the line ends: a Telegram
    link cut in two cannot be typed from the poster, so the link's line is set smaller instead.
    """
    pdf.set_font(FONT, style="B", size=largest)
    natural = pdf.get_string_width(word)
    if natural <= width:
        return largest
    # A little slack: fpdf2 measures the line with the cell's inner padding taken off.
    return largest * width / natural * 0.97


def _draw_qr(pdf: FPDF, url: str, *, x: float, y: float, side: float) -> None:
    """Draw the code as filled squares, one rectangle per horizontal run of dark modules."""
    matrix = qr_matrix(url)
    modules = len(matrix) + 2 * QUIET_ZONE
    cell = side / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, side, side, style="F")
    pdf.set_fill_color(0, 0, 0)
    origin_x = x + QUIET_ZONE * cell
    origin_y = y + QUIET_ZONE * cell
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                origin_x + start * cell,
                origin_y + row_index * cell,
                (column - start) * cell,
                cell,
                style="F",
            )
