"""Label templates: TOML data files, validated on load. No template can run code or read
files outside its own folder.

A template gives the label size in mm and a list of elements placed in mm::

    name = "item-50x30"
    width_mm = 50
    height_mm = 30

    [[elements]]
    type = "text"
    x = 2
    y = 2
    width = 27
    height = 8
    size = 3.2
    bold = true
    fit = "shrink"
    value = "{product.name}"

Element types: text, qr, datamatrix, barcode (symbology code128, gs1-128, ean13, upca,
itf14), line, box, image. Text values use fixed placeholders only (see PLACEHOLDERS).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from batchlabel import validation
from batchlabel.errors import TemplateError
from batchlabel.labels.data import LabelData

PLACEHOLDERS = (
    "product.name", "product.sku", "product.description", "sku", "lot", "serial", "gtin",
    "made_on", "best_before", "digital_link", "public_url",
    "sscc", "carton", "count", "ship_from", "ship_to", "contents",
)  # fmt: skip
DATE_PLACEHOLDERS = frozenset({"made_on", "best_before"})
GS1_FIELDS = ("gtin", "made_on", "best_before", "lot", "serial")  # an item's, by default
# A carton's logistic label adds its SSCC, the GTIN of what it holds and how many.
CARTON_GS1_FIELDS = ("sscc", "content", "count")
SYMBOLOGIES = ("code128", "gs1-128", "ean13", "upca", "itf14")
ELEMENT_TYPES = ("text", "qr", "datamatrix", "barcode", "line", "box", "image")
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
MAX_LABEL_MM = 300.0
MAX_TEMPLATE_BYTES = 256 * 1024
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
MAX_ELEMENTS = 200
MAX_VALUE_LENGTH = 1000
# Sizes in mm: a font under 0.8 mm or a module under 0.1 mm is below any label printer's dot.
_SIZE_LIMITS = {"size": (0.8, 100.0), "module": (0.1, 10.0), "thickness": (0.05, 50.0)}


@dataclass(frozen=True)
class Part:
    """A piece of a text value: literal text, or a placeholder with an optional date format."""

    literal: str = ""
    name: str = ""
    spec: str = ""


@dataclass(frozen=True)
class Element:
    type: str
    index: int
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0
    value: tuple[Part, ...] = ()
    size: float = 3.0
    bold: bool = False
    fit: str = "wrap"
    symbology: str = ""
    module: float = 0.25
    gs1: bool = False
    fields: tuple[str, ...] = GS1_FIELDS
    hri: bool = False
    thickness: float = 0.3
    x2: float = 0.0
    y2: float = 0.0
    image: Path | None = None
    optional: bool = False  # left off a label whose data has nothing for it

    @property
    def label(self) -> str:
        return f"element {self.index + 1} ({self.type})"

    @property
    def placeholders(self) -> set[str]:
        return {p.name for p in self.value if p.name}


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    description: str
    width_mm: float
    height_mm: float
    orientation: str
    per: str = "unit"
    elements: tuple[Element, ...] = field(default_factory=tuple)

    @property
    def needs_gtin(self) -> bool:
        return any(
            (e.gs1 and "gtin" in e.fields)
            or e.symbology in ("ean13", "upca", "itf14")
            or "gtin" in e.placeholders
            or "digital_link" in e.placeholders
            for e in self.elements
            if not e.optional  # an optional element is left off a label without a GTIN
        )

    def can_fill(self, gtin: bool, best_before: bool) -> bool:
        """Whether labels with (or without) a GTIN and a best-before date can be drawn at all:
        a quick test for offering the template; sizes are checked when printing."""
        if self.needs_gtin and not gtin:
            return False
        return best_before or not any("best_before" in e.placeholders for e in self.elements)

    def filler(self, element: Element) -> Callable[[LabelData], str]:
        """``fill`` for one element, compiled to a format string: the per-label step of
        streamed ZPL, where ``fill`` would cost several microseconds a label."""
        pattern = "".join(
            part.literal.replace("{", "{{").replace("}", "}}")
            if not part.name
            else f"{{0.{ATTRIBUTES[part.name]}{':' + part.spec if part.spec else '!s'}}}"
            for part in element.value
        )
        nullable = [p.name for p in element.value if p.name in _NULLABLE]
        if not nullable:
            return pattern.format
        attributes = [ATTRIBUTES[name] for name in nullable]

        def fill(data: LabelData) -> str:
            for attribute in attributes:
                if getattr(data, attribute) is None:
                    return self.fill(element, data)  # raises the clear error
            return pattern.format(data)

        return fill

    def shows(self, element: Element, data: LabelData) -> bool:
        """Whether ``element`` is drawn on this label: an optional one only when it has
        something to show (every placeholder filled, or any of its GS1 fields)."""
        if not element.optional:
            return True
        if element.gs1:
            return data.has(element.fields)
        return all(getattr(data, ATTRIBUTES[name]) is not None for name in element.placeholders)

    def fill(self, element: Element, data: LabelData) -> str:
        """The text of ``element`` for ``data``; a missing value is a clear error."""
        out = []
        for part in element.value:
            if not part.name:
                out.append(part.literal)
                continue
            value = getattr(data, ATTRIBUTES[part.name])
            if value.__class__ is str:
                out.append(value)
                continue
            if value is None:
                whose = (
                    f"carton {data.sscc or data.carton}"
                    if data.contents
                    else (f"{data.sku} lot {data.lot}")
                )
                raise TemplateError(
                    f"Template '{self.name}', {element.label}: the field '{{{part.name}}}' "
                    f"is empty for {whose}; choose a template without it."
                )
            out.append(_format_date(value, part.spec) if isinstance(value, date) else str(value))
        return "".join(out)


# Placeholder -> LabelData attribute.
ATTRIBUTES = {
    "product.name": "product_name",
    "product.sku": "sku",
    "product.description": "product_description",
    "sku": "sku",
    "lot": "lot",
    "serial": "serial",
    "gtin": "gtin",
    "made_on": "made_on",
    "best_before": "best_before",
    "digital_link": "digital_link",
    "public_url": "public_url",
    "sscc": "sscc",
    "carton": "carton",
    "count": "count",
    "ship_from": "ship_from",
    "ship_to": "ship_to",
    "contents": "contents",
}


# Placeholders that may be empty for a label (a product without a GTIN, a batch label).
_NULLABLE = frozenset({
    "serial", "gtin", "best_before", "digital_link", "lot", "sscc", "carton", "count",
    "ship_from", "ship_to", "contents",
})  # fmt: skip


@functools.lru_cache(maxsize=256)
def _format_date(value: date, spec: str) -> str:
    return value.strftime(spec) if spec else value.isoformat()


@functools.cache  # the package does not move while the program runs
def builtin_dir() -> Path:
    """The templates shipped inside the package (built from the repository's templates/)."""
    return Path(str(resources.files("batchlabel.labels.builtin")))


def template_dirs(extra: Path | None) -> list[Path]:
    dirs = [builtin_dir()]
    if extra is not None:
        if not extra.is_dir():
            raise TemplateError(f"The template folder {extra} does not exist.")
        dirs.insert(0, extra)  # the user's templates win over built-ins of the same name
    return dirs


def list_templates(extra: Path | None = None) -> list[Template]:
    seen: dict[str, Template] = {}
    for folder in reversed(template_dirs(extra)):
        for path in sorted(folder.glob("*.toml")):
            found = load_template(path)
            seen[found.name] = found
    return sorted(seen.values(), key=lambda t: t.name)


def find_template(name: str, extra: Path | None = None) -> Template:
    """A template by name, or by path to a .toml file."""
    if name.endswith(".toml"):
        return load_template(Path(name))
    for folder in template_dirs(extra):
        for path in folder.glob("*.toml"):
            if path.stem == name:
                return load_template(path)
    names = ", ".join(t.name for t in list_templates(extra))
    raise TemplateError(f"No template named '{name}'; choose one of: {names}.")


def load_template(path: Path) -> Template:
    """Read and validate a template file; every problem names the file and the element.
    A file read before and unchanged since is not parsed again."""
    try:
        seen = path.stat()
    except FileNotFoundError:
        raise TemplateError(f"The template file {path} does not exist.") from None
    except OSError as error:
        raise TemplateError(
            f"Template {path} cannot be read ({error.strerror or error})."
        ) from None
    return _load_unchanged(path, seen.st_mtime_ns, seen.st_size)


@functools.lru_cache(maxsize=256)
def _load_unchanged(path: Path, mtime_ns: int, size: int) -> Template:
    """load_template's work, kept per file version (name, modification time and size)."""
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise TemplateError(
                f"Template {path} is over {MAX_TEMPLATE_BYTES // 1024} KB; a label template is "
                "a few KB."
            )
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"The template file {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise TemplateError(f"Template {path} is not valid TOML: {error}.") from None
    except RecursionError:
        raise TemplateError(
            f"Template {path} is nested too deeply to be a label template."
        ) from None
    except OSError as error:
        raise TemplateError(
            f"Template {path} cannot be read ({error.strerror or error})."
        ) from None
    name = str(raw.get("name", path.stem))
    if not _TEMPLATE_NAME.fullmatch(name):
        raise TemplateError(
            f"Template {path}: its name must be 1 to 60 letters, digits, '.', '_' or '-' "
            "(it becomes part of file names)."
        )
    where = f"Template '{name}' ({path})"
    width = _number(raw, "width_mm", where)
    height = _number(raw, "height_mm", where)
    orientation = str(raw.get("orientation", "normal"))
    if orientation not in ("normal", "inverted"):
        raise TemplateError(
            f"{where}: orientation must be 'normal' or 'inverted', not '{orientation}'."
        )
    per = str(raw.get("per", "unit"))
    if per not in ("unit", "batch", "carton"):
        raise TemplateError(
            f"{where}: per must be 'unit' (one label per serial), 'batch' or 'carton'."
        )
    items = raw.get("elements", [])
    if not isinstance(items, list) or not items:
        raise TemplateError(f"{where} has no [[elements]]; add at least one.")
    if len(items) > MAX_ELEMENTS:
        raise TemplateError(
            f"{where} has {len(items)} elements; a label holds at most {MAX_ELEMENTS}."
        )
    elements = tuple(
        _element(item, index, where, path.parent, width, height) for index, item in enumerate(items)
    )
    return Template(
        name, path, str(raw.get("description", "")), width, height, orientation, per, elements
    )


def _number(raw: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TemplateError(f"{where}: '{key}' must be a number of millimetres.")
    if isinstance(value, int) and abs(value) > 10**6:  # float() of a huge integer overflows
        raise TemplateError(f"{where}: '{key}' = {value:.3g} is outside 0..{MAX_LABEL_MM:g} mm.")
    if not 0 <= float(value) <= MAX_LABEL_MM:
        raise TemplateError(f"{where}: '{key}' = {value} is outside 0..{MAX_LABEL_MM:g} mm.")
    return float(value)


def _element(
    raw: Any, index: int, where: str, folder: Path, label_w: float, label_h: float
) -> Element:
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: element {index + 1} is not a table.")
    kind = raw.get("type")
    at = f"{where}, element {index + 1} ({kind})"
    if kind not in ELEMENT_TYPES:
        raise TemplateError(f"{at}: unknown type; use one of {', '.join(ELEMENT_TYPES)}.")
    known = {
        "type", "x", "y", "width", "height", "value", "size", "bold", "fit", "symbology",
        "module", "fields", "hri", "thickness", "x2", "y2", "file", "optional",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise TemplateError(f"{at}: unknown key '{unknown[0]}'.")

    def num(key: str, default: float | None = None) -> float:
        return _number(raw, key, at, default)

    def sized(key: str, default: float) -> float:
        """A size that must be printable: too small draws nothing, too large fits nothing."""
        value = num(key, default)
        low, high = _SIZE_LIMITS[key]
        if not low <= value <= high:
            raise TemplateError(f"{at}: '{key}' = {value:g} mm is outside {low:g}..{high:g} mm.")
        return value

    values: dict[str, Any] = {"type": kind, "index": index, "x": num("x", 0), "y": num("y", 0)}
    if kind in ("line",):
        values |= {"x2": num("x2"), "y2": num("y2"), "thickness": sized("thickness", 0.3)}
    else:
        values |= {"width": num("width", 0), "height": num("height", 0)}
    if kind == "text":
        values |= {
            "value": _parse_value(raw.get("value"), at), "size": sized("size", 3.0),
            "bold": bool(raw.get("bold", False)), "fit": str(raw.get("fit", "wrap")),
        }  # fmt: skip
        if values["fit"] not in ("wrap", "shrink"):
            raise TemplateError(f"{at}: fit must be 'wrap' or 'shrink'.")
        if values["width"] <= 0 or values["height"] <= 0 or values["size"] <= 0:
            raise TemplateError(f"{at}: a text box needs width, height and size above 0.")
    elif kind in ("qr", "datamatrix", "barcode"):
        values |= {"module": sized("module", 0.5 if kind != "barcode" else 0.25)}
        symbology = str(raw.get("symbology", kind))
        if kind == "barcode" and symbology not in SYMBOLOGIES:
            raise TemplateError(f"{at}: symbology must be one of {', '.join(SYMBOLOGIES)}.")
        # GS1-128 always carries GS1 fields; a DataMatrix does unless it is given a value.
        gs1 = symbology == "gs1-128" or (kind == "datamatrix" and "value" not in raw)
        listed = raw.get("fields", GS1_FIELDS)
        if not isinstance(listed, list | tuple) or not all(isinstance(f, str) for f in listed):
            raise TemplateError(f'{at}: \'fields\' must be a list such as ["gtin", "lot"].')
        fields = tuple(listed)
        if gs1:
            known_fields = GS1_FIELDS + CARTON_GS1_FIELDS
            bad = [f for f in fields if f not in known_fields]
            if bad:
                raise TemplateError(
                    f"{at}: unknown GS1 field '{bad[0]}'; use {', '.join(known_fields)}."
                )
            if "gtin" in fields and "content" in fields:
                raise TemplateError(
                    f"{at}: a symbol carries 'gtin' (an item) or 'content' (a carton's items), "
                    "not both."
                )
        elif symbology not in ("ean13", "upca", "itf14"):  # those always carry the GTIN
            values["value"] = _parse_value(raw.get("value"), at)
        values |= {"symbology": symbology, "gs1": gs1, "fields": fields,
                   "hri": bool(raw.get("hri", False))}  # fmt: skip
        if kind == "barcode" and values["height"] <= 0:
            raise TemplateError(f"{at}: a barcode needs a height above 0.")
    elif kind == "box":
        values |= {"thickness": sized("thickness", 0.3)}
    elif kind == "image":
        values["image"] = _image_path(raw.get("file"), folder, at)
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise TemplateError(f"{at}: 'optional' must be true or false.")
    values["optional"] = optional
    element = Element(**values)
    right = element.x2 if kind == "line" else element.x + element.width
    bottom = element.y2 if kind == "line" else element.y + element.height
    if right > label_w + 0.01 or bottom > label_h + 0.01:
        raise TemplateError(f"{at}: it reaches past the label's {label_w:g} x {label_h:g} mm.")
    return element


def _parse_value(value: Any, at: str) -> tuple[Part, ...]:
    if not isinstance(value, str) or not value:
        raise TemplateError(f"{at}: 'value' must be text, e.g. \"Lot {{lot}}\".")
    if len(value) > MAX_VALUE_LENGTH or validation.shown(value, lines=True) != value:
        raise TemplateError(
            f"{at}: 'value' must be at most {MAX_VALUE_LENGTH} characters, without control characters."
        )
    parts: list[Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(value):
        if match.start() > position:
            parts.append(Part(literal=value[position : match.start()]))
        name, spec = match.group(1), match.group(2) or ""
        if name not in PLACEHOLDERS:
            raise TemplateError(
                f"{at}: unknown placeholder '{{{name}}}'; use one of "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + "."
            )
        if spec and name not in DATE_PLACEHOLDERS:
            raise TemplateError(f"{at}: only dates take a format, not '{{{name}:{spec}}}'.")
        if spec and not re.fullmatch(r"(%[YymdbBjU]|[-/. ])+", spec):
            raise TemplateError(f"{at}: date format '{spec}' may only use %Y %y %m %d %b %B %j %U.")
        parts.append(Part(name=name, spec=spec))
        position = match.end()
    rest = value[position:]
    if "{" in rest or "}" in rest:
        raise TemplateError(f"{at}: unbalanced brace in '{value}'.")
    if rest:
        parts.append(Part(literal=rest))
    return tuple(parts)


def _image_path(file: Any, folder: Path, at: str) -> Path:
    if not isinstance(file, str) or not file:
        raise TemplateError(f'{at}: an image needs file = "logo.png" (in the template\'s folder).')
    resolved = (folder / file).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise TemplateError(f"{at}: the image '{file}' is outside the template's folder.")
    if not resolved.is_file():
        raise TemplateError(f"{at}: the image '{file}' does not exist next to the template.")
    return resolved
