"""Millimetres to printer dots, and the fixed facts of each symbology (quiet zones)."""

from __future__ import annotations

MM_PER_INCH = 25.4
SUPPORTED_DPI = (203, 300, 600)

# Quiet zones in modules (left, right, top/bottom), as the symbology standards require.
QUIET_ZONES: dict[str, tuple[int, int, int]] = {
    "code128": (10, 10, 0),
    "gs1-128": (10, 10, 0),
    "ean13": (11, 7, 0),
    "upca": (9, 9, 0),
    "itf14": (10, 10, 0),
    "qr": (4, 4, 4),
    "datamatrix": (1, 1, 1),
}


def dots(mm: float, dpi: int) -> int:
    """A length in whole printer dots."""
    return round(mm * dpi / MM_PER_INCH)


def module_dots(mm: float, dpi: int) -> int:
    """A module width in whole dots (at least one): bars sit on the printer's dot grid."""
    return max(1, dots(mm, dpi))
