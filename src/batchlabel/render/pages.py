"""PDF output: one label per page for label printers, or label sheets for office printers.

Pages carry the 1-bit raster at the printer's resolution, not vector bars: a label printer's
driver rasterises at 203 dpi, where vector bars of one dot would drift off the dot grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image

from batchlabel.errors import InputError, TemplateError
from batchlabel.labels.templates import Template
from batchlabel.render.geometry import dots


@dataclass(frozen=True)
class Sheet:
    """A sheet of labels: page size, grid, and where the first label sits (all mm)."""

    name: str
    page_w: float
    page_h: float
    columns: int
    rows: int
    label_w: float
    label_h: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


SHEETS = {
    s.name: s
    for s in (
        Sheet("a4-3x7", 210, 297, 3, 7, 63.5, 38.1, 7.2, 15.15, 66.0, 38.1),  # L7160 layout
        Sheet("a4-2x7", 210, 297, 2, 7, 99.1, 38.1, 4.65, 15.15, 101.6, 38.1),  # L7163 layout
        Sheet("letter-3x10", 215.9, 279.4, 3, 10, 66.7, 25.4, 4.8, 12.7, 69.85, 25.4),  # 5160
        Sheet("letter-2x7", 215.9, 279.4, 2, 7, 101.6, 33.9, 4.0, 21.2, 104.8, 33.9),  # 5162
    )
}


def sheet(name: str) -> Sheet:
    if name not in SHEETS:
        raise InputError(f"Unknown sheet '{name}'; choose one of {', '.join(SHEETS)}.")
    return SHEETS[name]


def write_label_pdf(images: Iterable[Image.Image], path: Path | IO[bytes], dpi: int) -> int:
    """One label per page, each page exactly the label's size. Returns the page count."""
    pages = list(images)
    if not pages:
        raise InputError("There are no labels to put in the PDF.")
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return len(pages)


def write_sheet_pdf(
    template: Template,
    images: Iterable[Image.Image],
    path: Path | IO[bytes],
    dpi: int,
    layout: Sheet,
    skip: int = 0,
) -> int:
    """Labels on sheets, starting after ``skip`` used positions on the first sheet."""
    if template.width_mm > layout.label_w + 0.01 or template.height_mm > layout.label_h + 0.01:
        raise TemplateError(
            f"Template '{template.name}' is {template.width_mm:g} x {template.height_mm:g} mm and "
            f"does not fit the {layout.label_w:g} x {layout.label_h:g} mm labels of sheet {layout.name}."
        )
    if not 0 <= skip < layout.per_page:
        raise InputError(
            f"The labels to skip on sheet {layout.name} must be between 0 and {layout.per_page - 1}."
        )
    pages: list[Image.Image] = []
    page: Image.Image | None = None
    position = skip
    count = 0
    for image in images:
        if page is None or position == layout.per_page:
            page = Image.new("1", (dots(layout.page_w, dpi), dots(layout.page_h, dpi)), 1)
            pages.append(page)
            position = position if position < layout.per_page else 0
        row, column = divmod(position, layout.columns)
        # Centre the label in its cell, on whole dots.
        x = layout.left + column * layout.pitch_x + (layout.label_w - template.width_mm) / 2
        y = layout.top + row * layout.pitch_y + (layout.label_h - template.height_mm) / 2
        page.paste(image, (dots(x, dpi), dots(y, dpi)))
        position += 1
        count += 1
    if not pages:
        raise InputError("There are no labels to put on the sheet.")
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return count
