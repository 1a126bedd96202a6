"""A label as a 1-bit image at printer resolution: the PNG output, the PDF pages and the
ZPL raster fallback all come from here. Symbols are scaled by whole dots, never resampled."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageDraw

from batchlabel.errors import TemplateError
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import Element, Template
from batchlabel.render.content import check_label, symbol_content, where
from batchlabel.render.geometry import QUIET_ZONES, dots, module_dots
from batchlabel.render.symbols import LINEAR, symbol_matrix
from batchlabel.render.text import fit_text, font, line_image

HRI_SIZE_MM = 2.2
WHITE, BLACK = 1, 0


def label_size(template: Template, dpi: int) -> tuple[int, int]:
    return dots(template.width_mm, dpi), dots(template.height_mm, dpi)


def render_label(template: Template, data: LabelData, dpi: int) -> Image.Image:
    """Draw one label. Raises TemplateError naming the element when something does not fit."""
    check_label(template, data)
    image = Image.new("1", label_size(template, dpi), WHITE)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # crisp 1-bit glyphs, as a thermal head prints them
    for element in template.elements:
        if element.optional and not template.shows(element, data):
            continue
        _DRAWERS[element.type](image, draw, template, element, data, dpi)
    if template.orientation == "inverted":
        image = image.rotate(180)
    return image


def _text(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    template: Template,
    element: Element,
    data: LabelData,
    dpi: int,
) -> None:
    fitted = fit_text(
        template.fill(element, data),
        dots(element.width, dpi),
        dots(element.height, dpi),
        dots(element.size, dpi),
        element.bold,
        element.fit == "shrink",
        where(template, element),
    )
    x, y = dots(element.x, dpi), dots(element.y, dpi)
    for number, line in enumerate(fitted.lines):
        ink, mask = line_image(line, fitted.size_dots, element.bold)
        image.paste(ink, (x, y + number * fitted.line_dots), mask)


def symbol_box(
    template: Template, element: Element, data: LabelData, dpi: int
) -> tuple[Image.Image, int, int, int]:
    """The scaled symbol and where its first module goes: (image, x, y, module)."""
    content = symbol_content(template, element, data)
    label = where(template, element)
    matrix = symbol_matrix(content.symbology, content.data, bool(content.gs1_fields), label)
    module = module_dots(element.module, dpi)
    left, right, top = QUIET_ZONES[content.symbology]
    if content.symbology in LINEAR:
        bar_height = dots(element.height, dpi) - (_hri_dots(dpi) if element.hri else 0)
        scaled = matrix.resize(
            (matrix.width * module, max(1, bar_height)), Image.Resampling.NEAREST
        )
    else:
        scaled = matrix.resize(
            (matrix.width * module, matrix.height * module), Image.Resampling.NEAREST
        )
    x = dots(element.x, dpi) + left * module
    y = dots(element.y, dpi) + top * module
    need_w = scaled.width + (left + right) * module
    need_h = scaled.height + 2 * top * module
    box_w = dots(element.width, dpi) or dots(template.width_mm - element.x, dpi)
    box_h = dots(element.height, dpi) or dots(template.height_mm - element.y, dpi)
    if need_w > box_w or need_h > box_h:
        raise TemplateError(
            f"{label}: the {content.symbology} for '{content.hri}' needs "
            f"{need_w / dpi * 25.4:.1f} x {need_h / dpi * 25.4:.1f} mm with its quiet zone, more than "
            f"its {box_w / dpi * 25.4:.1f} x {box_h / dpi * 25.4:.1f} mm box; shorten the data, "
            "make the module smaller or the box larger."
        )
    return scaled, x, y, module


def _hri_dots(dpi: int) -> int:
    return round(dots(HRI_SIZE_MM, dpi) * 1.2)


def _symbol(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    template: Template,
    element: Element,
    data: LabelData,
    dpi: int,
) -> None:
    scaled, x, y, _ = symbol_box(template, element, data, dpi)
    image.paste(scaled, (x, y))
    if element.hri:
        content = symbol_content(template, element, data)
        face = font(dots(HRI_SIZE_MM, dpi), False)
        draw.text((x, y + scaled.height + 1), content.hri, font=face, fill=BLACK)


def _line(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    template: Template,
    element: Element,
    data: LabelData,
    dpi: int,
) -> None:
    width = max(1, dots(element.thickness, dpi))
    draw.line(
        [
            (dots(element.x, dpi), dots(element.y, dpi)),
            (dots(element.x2, dpi), dots(element.y2, dpi)),
        ],
        fill=BLACK,
        width=width,
    )


def _box(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    template: Template,
    element: Element,
    data: LabelData,
    dpi: int,
) -> None:
    x, y = dots(element.x, dpi), dots(element.y, dpi)
    draw.rectangle(
        [x, y, x + dots(element.width, dpi) - 1, y + dots(element.height, dpi) - 1],
        outline=BLACK,
        width=max(1, dots(element.thickness, dpi)),
    )


def _image(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    template: Template,
    element: Element,
    data: LabelData,
    dpi: int,
) -> None:
    assert element.image is not None
    picture = load_picture(element.image, dots(element.width, dpi), dots(element.height, dpi))
    image.paste(picture, (dots(element.x, dpi), dots(element.y, dpi)))


MAX_LOGO_PIXELS = 16_000_000


@functools.lru_cache(maxsize=32)
def load_picture(path: Path, width: int, height: int) -> Image.Image:
    """A logo fitted into its box, dithered to 1 bit once and reused for every label."""
    try:
        with Image.open(path) as source:
            # Checked before decoding: a logo is small, and a huge one would fill the memory.
            if source.width * source.height > MAX_LOGO_PIXELS:
                raise TemplateError(
                    f"The image {path} is {source.width} x {source.height} pixels; a logo may "
                    f"have at most {MAX_LOGO_PIXELS:,} (say 4000 x 4000)."
                )
            picture = source.convert("RGBA")
    except Image.DecompressionBombError:
        raise TemplateError(
            f"The image {path} is too many pixels; a logo may have at most "
            f"{MAX_LOGO_PIXELS:,} (say 4000 x 4000)."
        ) from None
    except OSError as error:
        raise TemplateError(f"The image {path} cannot be read: {error}.") from None
    backdrop = Image.new("RGBA", picture.size, "white")
    picture = Image.alpha_composite(backdrop, picture).convert("L")
    picture.thumbnail((width, height), Image.Resampling.LANCZOS)
    return picture.convert("1")


_DRAWERS = {
    "text": _text, "qr": _symbol, "datamatrix": _symbol, "barcode": _symbol,
    "line": _line, "box": _box, "image": _image,
}  # fmt: skip
