"""Brother QL raster through brother-ql-next (import name ``brother_ql``, GPL-3.0, installed
with the ``brother`` extra): the label drawn once by the renderer at 300 dpi, placed on the
tape's printable width, then converted by the library that knows each model's raster.

A template must fit the media: any length on continuous tape of enough width, exactly the
die-cut label's size otherwise (turned a quarter where that fits and the upright does not).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import Image

from batchlabel.errors import InputError, TemplateError

DEFAULT_MODEL = "QL-820NWB"
BROTHER_DPI = 300


@dataclass(frozen=True)
class Media:
    name: str  # brother_ql's identifier: "62", "62x29", "29x90"...
    width_mm: float
    length_mm: float  # 0 for continuous tape
    width_dots: int  # printable dots across
    length_dots: int  # printable dots along a die-cut label, 0 for continuous

    @property
    def continuous(self) -> bool:
        return self.length_dots == 0

    def describe(self) -> str:
        if self.continuous:
            return f"{self.width_mm:g} mm continuous tape ({self.name})"
        return f"{self.width_mm:g} x {self.length_mm:g} mm labels ({self.name})"


def _library() -> object:
    try:
        import brother_ql  # noqa: F401  (only checks that it is there)
    except ImportError:
        raise InputError(
            "Brother QL printers need the brother-ql-next library: install batchlabel[brother]."
        ) from None
    return True


@functools.cache
def media(name: str) -> Media:
    """The media called ``name`` ('62', '62x29'...), or InputError naming the known ones."""
    _library()
    from brother_ql.labels import LabelsManager

    known = {label.identifier: label for label in LabelsManager().iter_elements()}
    label = known.get(name)
    if label is None:
        raise InputError(f"Unknown Brother media '{name}'; use one of {', '.join(sorted(known))}.")
    width_mm, length_mm = label.tape_size
    width_dots, length_dots = label.dots_printable
    return Media(name, float(width_mm), float(length_mm), int(width_dots), int(length_dots))


def check_media(template_name: str, width_mm: float, height_mm: float, medium: Media) -> bool:
    """Whether the label goes on ``medium`` turned a quarter (True) or upright (False);
    TemplateError naming both sizes when it fits neither way."""

    def fits(w: float, h: float) -> bool:
        if medium.continuous:
            return w <= medium.width_mm + 0.01
        return w <= medium.width_mm + 0.01 and h <= medium.length_mm + 0.01

    if fits(width_mm, height_mm):
        return False
    if fits(height_mm, width_mm):
        return True
    raise TemplateError(
        f"Template '{template_name}' is {width_mm:g} x {height_mm:g} mm and does not fit "
        f"{medium.describe()}; choose a template of that size or load other media."
    )


def brother_raster(
    images: list[Image.Image], medium: Media, turned: bool, model: str = DEFAULT_MODEL
) -> bytes:
    """One raster job of ``images`` (each a label at 300 dpi), cut after each label."""
    _library()
    from brother_ql.conversion import convert
    from brother_ql.raster import BrotherQLRaster

    pages = [
        _on_media(image.rotate(90, expand=True) if turned else image, medium) for image in images
    ]
    raster = BrotherQLRaster(model)
    data: bytes = convert(
        qlr=raster, images=pages, label=medium.name, rotate="0", threshold=70,
        # Uncompressed: the library's PackBits is pure Python and costs 85 % of the time
        # (150 labels/s against 980); 33 KB a label is nothing to a USB or network printer
        # that prints one label a second, and every QL model takes it.
        dither=False, compress=False, red=False, dpi_600=False, hq=True, cut=True,
    )  # fmt: skip
    return data


def _on_media(image: Image.Image, medium: Media) -> Image.Image:
    """The label centred on the printable width (and length, for die-cut labels)."""
    length = medium.length_dots or image.height
    page = Image.new("L", (medium.width_dots, length), 255)
    page.paste(
        image.convert("L"), ((medium.width_dots - image.width) // 2, (length - image.height) // 2)
    )
    return page


__all__ = ["BROTHER_DPI", "DEFAULT_MODEL", "Media", "brother_raster", "check_media", "media"]
