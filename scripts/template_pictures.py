"""Regenerate docs/templates/*.png, the README's pictures of the built-in templates, with the
project's own renderer: python scripts/template_pictures.py"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from batchlabel.codes.gs1 import digital_link
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import list_templates
from batchlabel.render import render_label

OUT = Path(__file__).resolve().parent.parent / "docs" / "templates"


def sample(gtin: str, per: str) -> LabelData:
    if per == "carton":
        return dataclasses.replace(
            sample(gtin, "unit"), serial=None, public_url="", sscc="006141410000000128",
            count=12, ship_from="Atelier Nord\nHafenstrasse 4, Kiel",
            ship_to="Hundeladen Berlin", contents="12 x Leather dog collar, size M",
        )  # fmt: skip
    return LabelData(
        "COL-M",
        "Leather dog collar, size M",
        "",
        gtin,
        "2648-01",
        "K7M2QX9P",
        date(2026, 11, 23),
        date(2028, 11, 22),
        digital_link("https://id.example.com", gtin, "2648-01", "K7M2QX9P"),
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for template in list_templates():
        gtin = "036000291452" if template.name == "retail-upca" else "09506000134352"
        picture = render_label(template, sample(gtin, template.per), 203)
        picture.save(OUT / f"{template.name}.png")
        print(OUT / f"{template.name}.png")


if __name__ == "__main__":
    main()
