"""Fitting text into a box: word wrap and shrink-to-fit, measured with the bundled font."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from batchlabel.errors import TemplateError
from batchlabel.fonts import font_file

LINE_SPACING = 1.15
MIN_SHRINK = 0.5


@functools.cache
def font_path(bold: bool) -> str:
    return str(font_file(bold))


@functools.lru_cache(maxsize=64)
def font(size_dots: int, bold: bool) -> ImageFont.FreeTypeFont:
    # BASIC layout: no shaping engine, ten times faster to measure; label text needs no shaping.
    return ImageFont.truetype(font_path(bold), size_dots, layout_engine=ImageFont.Layout.BASIC)


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


@functools.lru_cache(maxsize=64)
def _advances(size_dots: int, bold: bool) -> dict[str, float]:
    return {}


def text_width(text: str, size_dots: int, bold: bool) -> float:
    """Width in dots as the sum of glyph advances: FreeType's own measure costs ~27 us a
    call, a table look-up per character well under one. Kerning only narrows text, so the
    sum never says a line fits when it does not."""
    advances = _advances(size_dots, bold)
    try:
        return sum(map(advances.__getitem__, text))
    except KeyError:
        for char in set(text) - advances.keys():
            advances[char] = font(size_dots, bold).getlength(char)
        return sum(map(advances.__getitem__, text))


def line_height(size_dots: int) -> int:
    """Dots from one line of text to the next at this font size."""
    return max(1, round(size_dots * LINE_SPACING))


def _wrap(text: str, width: int, height: int, size: int, bold: bool) -> FittedText | None:
    line_dots = line_height(size)
    max_lines = max(1, height // line_dots)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if not current or text_width(word, size, bold) > width:
                return None  # a single word wider than the box
            lines.append(current)
            current = word
        lines.append(current)
    if len(lines) > max_lines:
        return None
    return FittedText(tuple(lines), size, line_dots)


@functools.lru_cache(maxsize=2048)
def line_image(text: str, size_dots: int, bold: bool) -> tuple[Image.Image, Image.Image]:
    """One line of text drawn once, 1-bit, with its mask: product names and lot lines repeat
    on every label of a batch, and FreeType rendering is the slowest step of a label."""
    face = font(size_dots, bold)
    _, _, right, bottom = face.getbbox(text)
    width, height = max(1, int(right)), max(1, int(bottom))
    mask = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "1"
    draw.text((0, 0), text, font=face, fill=1)
    ink = Image.new("1", (width, height), 0)
    return ink, mask
