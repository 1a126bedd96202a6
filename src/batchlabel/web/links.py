"""The links a resolver offers for a product, batch or unit: the canonical Digital Link URI
(the anchor), the page and data addresses it redirects to, and the GS1 linkset listing them
(RFC 9264, ``application/linkset+json``) at every level from the item up to the product."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from batchlabel.codes.gs1 import gtin14
from batchlabel.models import Batch, Product, Unit
from batchlabel.services.origin import Origin

GS1_VOC = "https://gs1.org/voc/"
PIP, DEFAULT_LINK = f"{GS1_VOC}pip", f"{GS1_VOC}defaultLink"
# The JSON-LD context GS1 publishes for reading a linkset as linked data.
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
# linkType values that name the origin page; GS1 lets clients write them as CURIEs or URIs.
PAGE_LINK_TYPES = frozenset(
    {"gs1:pip", "gs1:defaultLink", PIP, DEFAULT_LINK}
    | {f"https://ref.gs1.org/voc/{name}" for name in ("pip", "defaultLink")}
)
LINKSET_LINK_TYPES = frozenset({"linkset", "all"})  # "all" is the older spelling
PAGE_PREFIX, DATA_PREFIX, PHOTO_PREFIX = "/origin", "/data", "/photo"


def item_path(product: Product, batch: Batch | None = None, unit: Unit | None = None) -> str:
    """The path naming an item: ``/01/GTIN-14[/10/LOT[/21/SERIAL]]``, or the short link
    ``/p/SKU[/LOT[/SERIAL]]`` for a product without a GTIN."""
    steps: list[tuple[str, str]] = []
    if batch is not None:
        steps.append(("10", batch.lot))
        if unit is not None:
            steps.append(("21", unit.serial))
    if product.gtin:
        path = f"/01/{gtin14(product.gtin)}"
        return path + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in steps)
    path = f"/p/{quote(product.sku, safe='')}"
    return path + "".join(f"/{quote(value, safe='')}" for _, value in steps)


def levels(origin: Origin) -> list[tuple[str, str]]:
    """(path, description) for the matched item and each level above it, item first."""
    product, batch, unit = origin.product, origin.batch, origin.unit
    found = [(item_path(product), product.name)]
    if batch is not None:
        found.insert(0, (item_path(product, batch), f"{product.name}, lot {batch.lot}"))
        if unit is not None:
            found.insert(
                0, (item_path(product, batch, unit), f"{product.name}, serial {unit.serial}")
            )
    return found


def linkset(base: str, origin: Origin) -> dict[str, Any]:
    entries = []
    for path, description in levels(origin):
        page, data = base + PAGE_PREFIX + path, base + DATA_PREFIX + path
        entries.append(
            {
                "anchor": base + path,
                "itemDescription": description,
                DEFAULT_LINK: [{"href": page, "title": f"{description}: origin"}],
                PIP: [
                    {
                        "href": page,
                        "title": f"{description}: origin",
                        "type": "text/html",
                        "hreflang": ["en"],
                    },
                    {
                        "href": data,
                        "title": f"{description}: origin data",
                        "type": "application/json",
                        "hreflang": ["en"],
                    },
                ],
            }
        )
    return {"linkset": entries}


def link_header(anchor: str, same_as: str | None = None) -> str:
    """The Link header every resolver answer carries: where its linkset is, and for a
    compressed request the uncompressed URI it stands for."""
    header = f'<{anchor}?linkType=linkset>; rel="linkset"; type="application/linkset+json"'
    if same_as is not None:
        header += f', <{same_as}>; rel="owl:sameAs"'
    return header
