"""QR codes of campaign landing pages, as PNG and SVG files and as a matrix for posters."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import segno

ERROR_LEVEL: Final = "m"
"""Medium correction (15 %): survives a creased poster; segno raises it when the size allows."""

QUIET_ZONE: Final = 4
"""Modules of white around the code, as the QR standard asks, so any phone finds it."""


def _qr(url: str) -> segno.QRCode:
    import segno  # noqa: PLC0415 - about 1 MB, and only campaign pages draw a code

    return segno.make_qr(url, error=ERROR_LEVEL, boost_error=True)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A black-on-white PNG of the QR code for ``url`` (``scale`` pixels per module)."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()


def qr_svg(url: str, *, scale: int = 10, title: str = "") -> bytes:
    """An SVG of the QR code for ``url``: sharp at any printing size."""
    buffer = io.BytesIO()
    _qr(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        title=title or None,
        xmldecl=True,
        svgns=True,
        unit=None,
    )
    return buffer.getvalue()


def qr_svg_inline(url: str, *, scale: int = 4) -> str:
    """An SVG element to embed in an HTML page: no XML declaration, a viewBox to scale by CSS."""
    buffer = io.BytesIO()
    _qr(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=url,
    )
    return buffer.getvalue().decode("utf-8")


def qr_matrix(url: str) -> list[list[bool]]:
    """The code's modules (True is dark), without the quiet zone, for drawing it ourselves."""
    return [[bool(module) for module in row] for row in _qr(url).matrix]
