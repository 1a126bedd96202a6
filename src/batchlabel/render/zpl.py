"""ZPL II: native commands where ZPL has them, a ^GFA Z64 raster where it does not.

A template is compiled once per dpi into static ZPL with holes; each label then costs a few
string joins, so a job streams at tens of thousands of labels per second. All field data goes
through ^FH escaping, so ``^ ~ _ \\`` in a lot or a product name can never break the label.
"""

from __future__ import annotations

import base64
import binascii
import operator
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from batchlabel.codes.gs1 import VARIABLE_AIS
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import ATTRIBUTES, Element, Template
from batchlabel.render.content import CAPACITY, check_capacity, check_label, symbol_content, where
from batchlabel.render.geometry import QUIET_ZONES, dots, module_dots
from batchlabel.render.raster import HRI_SIZE_MM, _hri_dots, load_picture
from batchlabel.render.text import fit_text, line_height, text_width

# ^FH with the default indicator "_": these characters become _XX hex escapes.
_ESCAPES = {ord(c): f"_{ord(c):02X}" for c in "_^~\\"}
_ESCAPES.update({code: f"_{code:02X}" for code in range(32)})
_SPECIAL = re.compile(r"[_^~\\\x00-\x1f]")

Piece = str | Callable[[LabelData], str]


def escape(text: str) -> str:
    """Field data made safe for a ^FH field."""
    # Most data needs no escape, and a search is far cheaper than translate.
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def gfa(image: Image.Image) -> str:
    """A 1-bit image as ``^GFA`` with Z64 (zlib + base64 + CRC): a fraction of plain hex."""
    bitmap = image.convert("1")
    row_bytes = (bitmap.width + 7) // 8
    # PIL: 1 = white; ZPL: 1 = black. Packed inverted by Pillow: quicker than its plain
    # packing (which is also slower than a translate), and the row ends pad white.
    data = bitmap.tobytes("raw", "1;I")
    encoded = base64.b64encode(zlib.compress(data, 6))
    crc = binascii.crc_hqx(encoded, 0)
    return f"^GFA,{len(data)},{len(data)},{row_bytes},:Z64:{encoded.decode()}:{crc:04X}"


@dataclass(frozen=True)
class CompiledZpl:
    """A template's ZPL as one format string whose holes are filled per label."""

    template: Template
    pattern: str
    fields: tuple[Callable[[LabelData], str], ...]

    def label(self, data: LabelData) -> str:
        if data.gtin is None:
            check_label(self.template, data)
        return self.pattern.format(*[field(data) for field in self.fields])


def compile_template(template: Template, dpi: int) -> CompiledZpl:
    """Turn a template into ZPL pieces: static text, and functions of the label data."""
    width, height = dots(template.width_mm, dpi), dots(template.height_mm, dpi)
    orientation = "I" if template.orientation == "inverted" else "N"
    pieces: list[Piece] = [f"^XA^CI28^PW{width}^LL{height}^LH0,0^PO{orientation}"]
    for element in template.elements:
        made = _COMPILERS[element.type](template, element, dpi)
        if element.optional:
            made = [_when_shown(template, element, piece) for piece in made]
        pieces.extend(made)
    pieces.append("^XZ\n")
    pattern = "".join(
        p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{}" for p in pieces
    )
    return CompiledZpl(template, pattern, tuple(p for p in pieces if not isinstance(p, str)))


def _when_shown(template: Template, element: Element, piece: Piece) -> Piece:
    """An optional element's piece: nothing on a label whose data has nothing for it."""

    def shown(data: LabelData) -> str:
        if not template.shows(element, data):
            return ""
        return piece if isinstance(piece, str) else piece(data)

    return shown


def raster_label(image: Image.Image) -> str:
    """A whole label as one graphic: for printers or layouts ZPL cannot draw natively."""
    return f"^XA^PW{image.width}^LL{image.height}^FO0,0{gfa(image)}^FS^XZ\n"


def _text(template: Template, element: Element, dpi: int) -> list[Piece]:
    x, y = dots(element.x, dpi), dots(element.y, dpi)
    box_w, box_h, size = (
        dots(element.width, dpi),
        dots(element.height, dpi),
        dots(element.size, dpi),
    )
    label = where(template, element)
    shrink = element.fit == "shrink"

    line_dots = line_height(size)
    one_line = f"^FO{x},{y}^A0N,{size},{size}^FB{box_w},1,{line_dots - size},L,0^FH^FD"
    one_line_fits = line_dots <= box_h
    fill = template.filler(element)

    def make(text: str) -> str:
        if one_line_fits and "\n" not in text and text_width(text, size, element.bold) <= box_w:
            # What fit_text would answer for a line that fits whole (serials, mostly).
            return f"{one_line}{escape(text)}^FS"
        # Break lines where the preview breaks them, so PNG and ZPL agree.
        fitted = fit_text(text, box_w, box_h, size, element.bold, shrink, label)
        body = "\\&".join(escape(line) for line in fitted.lines)
        gap = fitted.line_dots - fitted.size_dots
        return (
            f"^FO{x},{y}^A0N,{fitted.size_dots},{fitted.size_dots}"
            f"^FB{box_w},{len(fitted.lines)},{gap},L,0^FH^FD{body}^FS"
        )

    attributes = sorted({ATTRIBUTES[name] for name in element.placeholders})
    if not attributes:
        return [make("".join(part.literal for part in element.value))]
    # A batch repeats its names, lots and dates on every label: keyed by the values shown,
    # those fields are made once and the rest are a dictionary look-up.
    values_of = operator.attrgetter(*attributes)
    made: dict[object, str] = {}

    def field(data: LabelData) -> str:
        key = values_of(data)
        known = made.get(key)
        if known is None:
            if len(made) >= 256:
                made.clear()
            known = made[key] = make(fill(data))
        return known

    return [field]


def _symbol(template: Template, element: Element, dpi: int) -> list[Piece]:
    module = module_dots(element.module, dpi)
    left, _, top = QUIET_ZONES[element.symbology]
    x = dots(element.x, dpi) + left * module
    y = dots(element.y, dpi) + top * module
    bar_h = dots(element.height, dpi) - (_hri_dots(dpi) if element.hri else 0)
    hri_size = dots(HRI_SIZE_MM, dpi)

    if element.type == "qr" and not element.gs1:
        qr = f"^FO{x},{y}^BQN,2,{module},M^FH^FDMA,"
        fill = template.filler(element)
        limit = CAPACITY["qr"]

        def quick_qr(data: LabelData) -> str:
            text = fill(data)
            if len(text) * 4 > limit:  # may be over (UTF-8 is at most 4 bytes a character)
                check_capacity(template, element, "qr", text)
            return f"{qr}{escape(text)}^FS"

        return [quick_qr]

    def field(data: LabelData) -> str:
        content = symbol_content(template, element, data)
        symbology = content.symbology
        if symbology == "qr":
            return f"^FO{x},{y}^BQN,2,{module},M^FH^FDMA,{escape(content.data)}^FS"
        if symbology == "datamatrix":
            if content.gs1_fields:
                body = "@1" + "@1".join(_gs1_runs(content.gs1_fields, "{ai}{value}"))
                return f"^FO{x},{y}^BXN,{module},200,,,,@^FH^FD{escape(body)}^FS"
            return f"^FO{x},{y}^BXN,{module},200^FH^FD{escape(content.data)}^FS"
        head = f"^BY{module},3,{bar_h}^FO{x},{y}"
        if symbology == "gs1-128":
            code = head + f"^BCN,{bar_h},N,N,N^FH^FD{_gs1_128(content.gs1_fields)}^FS"
        elif symbology == "code128":
            code = head + f"^BCN,{bar_h},N,N,N^FH^FD{escape(content.data).replace('>', '>0')}^FS"
        elif symbology == "ean13":
            code = head + f"^BEN,{bar_h},N,N^FD{content.data[:12]}^FS"
        elif symbology == "upca":
            code = head + f"^BUN,{bar_h},N,N,N^FD{content.data[:11]}^FS"
        else:  # itf14
            code = head + f"^B2N,{bar_h},N,N,N^FD{content.data}^FS"
        if element.hri:
            code += (
                f"^FO{x},{y + bar_h + 1}^A0N,{hri_size},{hri_size}^FH^FD{escape(content.hri)}^FS"
            )
        return code

    return [field]


def _gs1_runs(fields: tuple[tuple[str, str], ...], pattern: str) -> list[str]:
    """Group AIs into runs that need no separator between them: a variable-length AI
    ends a run, because the next AI must follow an FNC1."""
    runs, current = [], ""
    for ai, value in fields:
        current += pattern.format(ai=ai, value=value)
        if ai in VARIABLE_AIS:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def _gs1_128(fields: tuple[tuple[str, str], ...]) -> str:
    """GS1-128 in explicit subsets: start C with FNC1 for the all-digit fixed-length AIs,
    then subset B for the variable-length AIs (count, lot, serial), each after an FNC1 (``>8``). A ``>`` in data is ``>0`` (Code 128 value 30)."""
    numeric = "".join(ai + value for ai, value in fields if ai not in VARIABLE_AIS)
    variable = [(ai, value) for ai, value in fields if ai in VARIABLE_AIS]
    out = f">;>8{numeric}" if numeric else ">:>8"
    for number, (ai, value) in enumerate(variable):
        if number == 0 and numeric:
            out += ">6"
        elif number > 0 or numeric:
            out += ">8"
        out += ai + escape(value).replace(">", ">0")
    return out


def _line(template: Template, element: Element, dpi: int) -> list[Piece]:
    x1, y1, x2, y2 = (dots(v, dpi) for v in (element.x, element.y, element.x2, element.y2))
    thickness = max(1, dots(element.thickness, dpi))
    width, height = abs(x2 - x1), abs(y2 - y1)
    if width == 0 or height == 0:
        return [
            f"^FO{min(x1, x2)},{min(y1, y2)}^GB{max(width, thickness)},{max(height, thickness)},{thickness}^FS"
        ]
    direction = "L" if (x2 - x1) * (y2 - y1) > 0 else "R"
    return [f"^FO{min(x1, x2)},{min(y1, y2)}^GD{width},{height},{thickness},B,{direction}^FS"]


def _box(template: Template, element: Element, dpi: int) -> list[Piece]:
    x, y = dots(element.x, dpi), dots(element.y, dpi)
    w, h = dots(element.width, dpi), dots(element.height, dpi)
    return [f"^FO{x},{y}^GB{w},{h},{max(1, dots(element.thickness, dpi))}^FS"]


def _image(template: Template, element: Element, dpi: int) -> list[Piece]:
    assert element.image is not None
    picture = load_picture(element.image, dots(element.width, dpi), dots(element.height, dpi))
    return [f"^FO{dots(element.x, dpi)},{dots(element.y, dpi)}{gfa(picture)}^FS"]


_COMPILERS: dict[str, Callable[[Template, Element, int], list[Piece]]] = {
    "text": _text, "qr": _symbol, "datamatrix": _symbol, "barcode": _symbol,
    "line": _line, "box": _box, "image": _image,
}  # fmt: skip
