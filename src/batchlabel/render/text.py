"""Fitting text into a box: word wrap and shrink-to-fit, measured with the bundled font."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import ImageFont

from batchlabel.errors import TemplateError

LINE_SPACING = 1.15
MIN_SHRINK = 0.5


@functools.cache
def font_path(bold: bool) -> str:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return str(Path(str(resources.files("batchlabel"))) / "fonts" / name)


@functools.lru_cache(maxsize=64)
def font(size_dots: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(bold), size_dots)


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size_dots: int
    line_dots: int


@functools.lru_cache(maxsize=4096)
def fit_text(
    text: str, width: int, height: int, size: int, bold: bool, shrink: bool, where: str
) -> FittedText:
    """Wrap ``text`` into a ``width`` x ``height`` dot box at ``size`` dots, shrinking if
    allowed; raise TemplateError naming ``where`` when it cannot fit."""
    current = size
    while True:
        fitted = _wrap(text, width, height, current, bold)
        if fitted is not None:
            return fitted
        if not shrink or current <= max(1, int(size * MIN_SHRINK)):
            break
        current = max(1, int(current * 0.92))
    raise TemplateError(
        f"{where}: the text '{text[:40]}{'...' if len(text) > 40 else ''}' is too long for its "
        "box; shorten it, or make the box or the font smaller."
    )


def _wrap(text: str, width: int, height: int, size: int, bold: bool) -> FittedText | None:
    face = font(size, bold)
    line_dots = max(1, round(size * LINE_SPACING))
    max_lines = max(1, height // line_dots)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if face.getlength(candidate) <= width:
                current = candidate
                continue
            if not current or face.getlength(word) > width:
                return None  # a single word wider than the box
            lines.append(current)
            current = word
        lines.append(current)
    if len(lines) > max_lines:
        return None
    return FittedText(tuple(lines), size, line_dots)
