"""Label data: the values a template's placeholders can show, for one unit (or one batch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from batchlabel.codes.gs1 import digital_link, gs1_fields, short_link
from batchlabel.models import Batch, Product

DEFAULT_RESOLVER = "http://localhost:8000"


@dataclass(frozen=True)
class LabelData:
    """Everything a label may print. Private notes are deliberately absent."""

    sku: str
    product_name: str
    product_description: str
    gtin: str | None
    lot: str | None  # None only on a carton of several lots
    serial: str | None
    made_on: date
    best_before: date | None
    public_url: str
    # A carton's logistic label: its SSCC, or its own code when it has none; how many items
    # it holds when they are all one product; where it goes; what it holds, in words.
    sscc: str | None = None
    carton: str | None = None
    count: int | None = None
    ship_from: str | None = None
    ship_to: str | None = None
    contents: str | None = None

    @property
    def digital_link(self) -> str | None:
        return self.public_url if self.gtin and self.public_url else None

    def gs1(self, names: tuple[str, ...]) -> list[tuple[str, str]]:
        """The GS1 (AI, value) pairs for the named fields this label has."""
        wanted = set(names)
        return gs1_fields(
            gtin=self.gtin if "gtin" in wanted else None,
            lot=self.lot if "lot" in wanted else None,
            serial=self.serial if "serial" in wanted else None,
            made_on=self.made_on if "made_on" in wanted else None,
            best_before=self.best_before if "best_before" in wanted else None,
            sscc=self.sscc if "sscc" in wanted else None,
            content=self.gtin if "content" in wanted else None,
            count=self.count if "count" in wanted else None,
        )

    def has(self, names: tuple[str, ...]) -> bool:
        """Whether a GS1 symbol of the named fields can be drawn here: any of them has a
        value, and the GTIN they belong to when they name one (a count, lot or date of a
        carton's items means nothing without their GTIN)."""
        if ("content" in names or "gtin" in names) and self.gtin is None:
            return False
        attributes = {"content": "gtin"}
        return any(getattr(self, attributes.get(n, n)) is not None for n in names)


def label_data(
    product: Product, batch: Batch, serial: str | None, resolver: str = DEFAULT_RESOLVER
) -> LabelData:
    """The data for one label. Products with a GTIN get a GS1 Digital Link, others the
    project's own short URL of the same shape."""
    if product.gtin:
        url = digital_link(resolver, product.gtin, batch.lot, serial)
    else:
        url = short_link(resolver, product.sku, batch.lot, serial)
    return LabelData(
        sku=product.sku,
        product_name=product.name,
        product_description=product.description,
        gtin=product.gtin,
        lot=batch.lot,
        serial=serial,
        made_on=batch.made_on,
        best_before=batch.best_before,
        public_url=url,
    )
