"""Brother QL raster through brother-ql-next (import name ``brother_ql``, GPL-3.0, installed
with the ``brother`` extra): the label drawn once by the renderer at 300 dpi, placed on the
tape's printable width, then converted by the library that knows each model's raster.

A template must fit the media: any length on continuous tape of enough width, exactly the
die-cut label's size otherwise (turned a quarter where that fits and the upright does not).
"""

from __future__ import annotations

import contextlib
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


@functools.cache
def models() -> tuple[str, ...]:
    """The Brother QL models brother-ql-next knows ("QL-700", "QL-1100"...)."""
    _library()
    from brother_ql.models import ModelsManager

    return tuple(m.identifier for m in ModelsManager().iter_elements())


def check_model(name: str) -> str:
    if name not in models():
        raise InputError(f"Unknown Brother model '{name}'; use one of {', '.join(models())}.")
    return name


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
    images: list[Image.Image],
    medium: Media,
    turned: bool,
    model: str = DEFAULT_MODEL,
    cut_each: bool = True,
) -> bytes:
    """One raster job of ``images`` (each a 1-bit label at 300 dpi), cut after each label,
    or (``cut_each`` False) once after the last: a strip to cut by hand, less waste.

    The job is framed by brother-ql-next's own commands, in the order its ``convert`` issues
    them (mode, initialise, status, media and quality, cutting, margins, print). Only the
    rows are written here, uncompressed: the library's row loop and its pure-Python PackBits
    cost most of a label's time, and a test holds these bytes equal to ``convert``'s."""
    _library()
    from brother_ql.exceptions import BrotherQLUnsupportedCmd
    from brother_ql.labels import FormFactor, LabelsManager
    from brother_ql.raster import BrotherQLRaster

    spec = LabelsManager()[medium.name]
    qlr = BrotherQLRaster(model)
    width = qlr.get_pixel_width()
    right_margin = spec.offset_r + qlr.model.additional_offset_r
    if medium.width_dots + right_margin > width:
        raise InputError(
            f"The Brother {model} cannot print on {medium.describe()}; load narrower media."
        )
    shortest, longest = qlr.model.min_max_length_dots
    die_cut = spec.form_factor in (FormFactor.DIE_CUT, FormFactor.ROUND_DIE_CUT)
    pieces: list[bytes] = []

    def taken() -> bytes:  # the library appends to one bytes object: quadratic for a job
        data: bytes = qlr.data
        qlr.data = b""
        return data

    with contextlib.suppress(BrotherQLUnsupportedCmd):
        qlr.add_switch_mode()
    qlr.add_invalidate()
    qlr.add_initialize()
    with contextlib.suppress(BrotherQLUnsupportedCmd):
        qlr.add_switch_mode()
    for number, image in enumerate(images):
        label = (image.rotate(90, expand=True) if turned else image).convert("1")
        length = medium.length_dots or label.height
        if not shortest <= length <= longest:
            raise InputError(
                f"The Brother {model} prints labels {shortest} to {longest} dots long at "
                f"300 dpi; this one is {length}."
            )
        # What lies outside the printable area (a 62 mm label on 62 mm media) is cut off
        # evenly on both sides, as the printer would leave it unprinted.
        over_x = max(0, label.width - medium.width_dots)
        over_y = max(0, label.height - length)
        if over_x or over_y:
            # Centring rounds down, as the library's paste does: an odd extra dot goes left.
            label = label.crop(
                (over_x - over_x // 2, over_y - over_y // 2, label.width - over_x // 2,
                 label.height - over_y // 2)
            )  # fmt: skip
        # Centred on the printable width. Rows are packed from a whole byte: a label that
        # starts within a byte gets white dots before it up to that byte's start.
        left = width - medium.width_dots - right_margin  # where the printable width starts
        x = left + (medium.width_dots - label.width) // 2
        if x % 8:
            padded = Image.new("1", (label.width + x % 8, label.height), 1)
            padded.paste(label, (x % 8, 0))
            label, x = padded, x - x % 8
        y = (length - label.height) // 2
        qlr.add_status_information()
        qlr.mtype, qlr.mwidth = (0x0B if die_cut else 0x0A), spec.tape_size[0]
        qlr.mlength = spec.tape_size[1] if die_cut else 0
        qlr.pquality = 1
        if not cut_each:
            # One job of pages (Brother's raster reference): pages after the first say so,
            # and each but the last ends with a form feed, so the cutter waits for the end.
            qlr.page_number = number
        qlr.add_media_and_quality(length)
        with contextlib.suppress(BrotherQLUnsupportedCmd):
            qlr.add_autocut(True)
            qlr.add_cut_every(1 if cut_each else min(len(images), 255))
        with contextlib.suppress(BrotherQLUnsupportedCmd):
            qlr.dpi_600 = False
            qlr.cut_at_end = True
            qlr.two_color_printing = False
            qlr.add_expanded_mode()
        qlr.add_margins(spec.feed_margin)
        pieces.append(taken())
        pieces.append(_rows(label, x, y, width, length))
        qlr.add_print(last_page=cut_each or number == len(images) - 1)
    pieces.append(taken())
    return b"".join(pieces)


def _rows(label: Image.Image, x: int, y: int, width: int, length: int) -> bytes:
    """Raster rows as the printer reads them: the label at (x, y) on a white page of
    ``width`` x ``length`` dots (x a multiple of 8), mirrored, 1 = a printed dot, each row
    ``g 0x00 LENGTH`` and its bytes. Packed inverted with the first pixel in the lowest bit
    ("1;IR"), a mirrored row is its bytes in reverse order: no page is drawn or flipped."""
    row = width // 8
    packed = (label.width + 7) // 8
    frame = label.tobytes("raw", "1;IR")
    head = b"g\x00" + bytes((row,))
    right = bytes(row - x // 8 - packed)  # the page right of the label comes first
    left = bytes(x // 8)
    blank = head + bytes(row)
    # The whole frame reversed holds every row mirrored, from the last row to the first.
    backwards = frame[::-1]
    rows = [backwards[start : start + packed] for start in range(0, len(backwards), packed)]
    rows.reverse()
    return b"".join(
        (
            blank * y,
            head + right,
            (left + head + right).join(rows),
            left,
            blank * (length - y - label.height),
        )
    )


__all__ = [
    "BROTHER_DPI", "DEFAULT_MODEL", "Media", "brother_raster", "check_media", "check_model", "media",
    "models",
]  # fmt: skip
