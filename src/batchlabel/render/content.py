"""What each element of a template shows for one label: shared by the raster and ZPL writers,
so that both print the same data."""

from __future__ import annotations

from dataclasses import dataclass

from batchlabel.codes.gs1 import bracketed, gtin14, human_readable
from batchlabel.errors import TemplateError
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import Element, Template


@dataclass(frozen=True)
class SymbolContent:
    symbology: str
    data: str  # encoder input: bracketed GS1, digits, or plain text
    hri: str  # what a person reads under it
    gs1_fields: tuple[tuple[str, str], ...] = ()


# The most a symbol can hold as bytes (QR at error correction M, the largest square
# DataMatrix, Code 128 as long as a scanner reads in one pass): checked for every writer, so
# the ZPL a printer draws and the PNG preview refuse the same data.
CAPACITY = {"qr": 2331, "datamatrix": 1556, "code128": 80, "gs1-128": 80}


def check_capacity(template: Template, element: Element, symbology: str, text: str) -> str:
    limit = CAPACITY.get(symbology)
    if limit is not None and len(text.encode("utf-8")) > limit:
        raise TemplateError(
            f"{where(template, element)}: {len(text.encode('utf-8')):,} bytes do not fit a "
            f"{symbology}, which holds at most {limit:,}."
        )
    return text


def where(template: Template, element: Element) -> str:
    return f"Template '{template.name}', {element.label}"


def check_label(template: Template, data: LabelData) -> None:
    """Refuse a label whose template needs a GTIN the product does not have."""
    if data.gtin is None and template.needs_gtin:
        raise TemplateError(
            f"Template '{template.name}' needs a GTIN and product {data.sku} has none; "
            "use item-50x30, or add a template of your own."
        )


def symbol_content(template: Template, element: Element, data: LabelData) -> SymbolContent:
    symbology = element.symbology
    if element.gs1:
        if "gtin" in element.fields and data.gtin is None:
            raise _needs_gtin(template, element, data)
        fields = data.gs1(element.fields)
        return SymbolContent(symbology, bracketed(fields), human_readable(fields), tuple(fields))
    if symbology in ("ean13", "upca", "itf14"):
        if data.gtin is None:
            raise _needs_gtin(template, element, data)
        full = gtin14(data.gtin)
        if symbology == "ean13":
            if full[0] != "0":
                raise TemplateError(
                    f"{where(template, element)}: GTIN {data.gtin} is a GTIN-14 and cannot be an EAN-13; use itf14."
                )
            return SymbolContent(symbology, full[1:], full[1:])
        if symbology == "upca":
            if not full.startswith("00"):
                raise TemplateError(
                    f"{where(template, element)}: GTIN {data.gtin} is not a GTIN-12, so it cannot be a UPC-A; use ean13."
                )
            return SymbolContent(symbology, full[2:], full[2:])
        return SymbolContent(symbology, full, full)
    text = check_capacity(template, element, symbology, template.fill(element, data))
    return SymbolContent(symbology, text, text)


def _needs_gtin(template: Template, element: Element, data: LabelData) -> TemplateError:
    return TemplateError(
        f"{where(template, element)} needs a GTIN, and product {data.sku} has none; "
        "choose a template without GS1 barcodes (e.g. item-50x30)."
    )
