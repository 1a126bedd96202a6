"""A rendered label as the bitmap commands of the cheap printers' languages: TSPL (TSC, Rollo,
Munbyn, Xprinter, iDPRT) and EPL2 (Zebra LP/TLP 2844). The label is drawn once by the raster
renderer at the printer's dpi, so what prints is the preview dot for dot.

Both take rows of bits, most significant bit leftmost, with 0 for a printed (black) dot:
exactly how Pillow lays out a "1" image, so the image's bytes go out as they are.
"""

from __future__ import annotations

from PIL import Image

_INVERT = bytes(255 - b for b in range(256))


def _rows(image: Image.Image) -> tuple[int, int, bytes]:
    """(bytes per row, rows, the raw bits) of a 1-bit image: 1 white, 0 black."""
    bitmap = image if image.mode == "1" else image.convert("1")
    # Pillow packs 1-bit rows inverted faster than plain: packed so, then turned back (and
    # the row ends pad white, not black).
    return (bitmap.width + 7) // 8, bitmap.height, bitmap.tobytes("raw", "1;I").translate(_INVERT)


def tspl_label(
    image: Image.Image, width_mm: float, height_mm: float, copies: int = 1, gap_mm: float = 3.0
) -> bytes:
    """One TSPL label: size and gap of the media, the bitmap at the origin, then PRINT.

    >>> tspl_label(Image.new("1", (16, 2), 1), 2, 0.25).split(b"\\r\\n")[:2]
    [b'SIZE 2 mm,0.25 mm', b'GAP 3 mm,0 mm']
    """
    width_bytes, rows, bits = _rows(image)
    head = (
        f"SIZE {width_mm:g} mm,{height_mm:g} mm\r\n"
        f"GAP {gap_mm:g} mm,0 mm\r\n"
        "DIRECTION 0,0\r\n"
        "REFERENCE 0,0\r\n"
        "CLS\r\n"
        f"BITMAP 0,0,{width_bytes},{rows},0,"
    ).encode("ascii")
    return head + bits + f"\r\nPRINT 1,{copies}\r\n".encode("ascii")


def epl2_label(image: Image.Image, copies: int = 1, gap_dots: int = 24) -> bytes:
    """One EPL2 label: clear the buffer, set width and length, the GW graphic, then P."""
    width_bytes, rows, bits = _rows(image)
    head = (f"\r\nN\r\nq{image.width}\r\nQ{rows},{gap_dots}\r\nGW0,0,{width_bytes},{rows},").encode(
        "ascii"
    )
    return head + bits + f"\r\nP{copies}\r\n".encode("ascii")


__all__ = ["epl2_label", "tspl_label"]
