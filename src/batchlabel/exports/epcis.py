"""EPCIS 2.0 JSON-LD: the GS1 standard for sharing what happened to which items.

Written as a stream, one event at a time, so memory stays flat however many units there are:
- a commissioning ObjectEvent per unit;
- a TransformationEvent per batch with inputs (material lots and batches in, the batch out);
- an AggregationEvent per carton (packing);
- a shipping ObjectEvent per shipment, listing its cartons.

Items are named by GS1 Digital Link (``https://id.gs1.org/01/GTIN/21/SERIAL``) when the
product has a GTIN, by the maker's own resolver URLs otherwise. Customers are not exported:
they are private, and an EPCIS file is made to be shared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from batchlabel.codes.gs1 import gtin14
from batchlabel.models import UnitState
from batchlabel.outputs import atomic_text_file
from batchlabel.store import Store

GS1_DOMAIN = "https://id.gs1.org"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Stored times are UTC with the offset written out (store.base.now), as EPCIS wants them.
_UTC = "+00:00"
# Units of measure people type, as the UN/CEFACT codes EPCIS expects.
UOM = {
    "kg": "KGM", "g": "GRM", "t": "TNE", "l": "LTR", "ml": "MLT", "m": "MTR", "cm": "CMT",
    "mm": "MMT", "m2": "MTK", "m²": "MTK", "sqm": "MTK", "sqft": "FTK", "ft2": "FTK",
    "pcs": "H87", "pc": "H87", "piece": "H87", "pieces": "H87", "ea": "EA",
}  # fmt: skip

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _part(text: str) -> str:
    return quote(text, safe="")


class Identifiers:
    """URIs for items, classes (product + lot), material lots and cartons."""

    def __init__(self, resolver: str) -> None:
        self.resolver = resolver.rstrip("/")

    def unit(self, gtin: str | None, sku: str, lot: str, serial: str) -> str:
        if gtin:
            return f"{GS1_DOMAIN}/01/{gtin14(gtin)}/21/{_part(serial)}"
        return f"{self.resolver}/p/{_part(sku)}/{_part(lot)}/{_part(serial)}"

    def lot_class(self, gtin: str | None, sku: str, lot: str) -> str:
        if gtin:
            return f"{GS1_DOMAIN}/01/{gtin14(gtin)}/10/{_part(lot)}"
        return f"{self.resolver}/p/{_part(sku)}/{_part(lot)}"

    def material(self, supplier: str, kind: str, lot: str) -> str:
        return f"{self.resolver}/m/{_part(supplier)}/{_part(kind)}/{_part(lot)}"

    def carton(self, code: str, kind: str) -> str:
        if kind == "sscc":
            return f"{GS1_DOMAIN}/00/{code}"
        return f"{self.resolver}/c/{_part(code)}"


def epcis_events(
    store: Store, ids: Identifiers, since: date | None = None, lot: str | None = None
) -> Iterator[dict[str, Any]]:
    for gtin, sku, lot_code, serial, state, created_at in store.export_units(since, lot):
        event: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventTime": created_at,
            "eventTimeZoneOffset": _UTC,
            "epcList": [ids.unit(gtin, sku, lot_code, serial)],
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "inactive" if state == UnitState.VOIDED else "active",
        }
        yield event
    for gtin, sku, lot_code, units, at, inputs in store.export_inputs(since, lot):
        yield {
            "type": "TransformationEvent",
            "eventTime": at,
            "eventTimeZoneOffset": _UTC,
            "inputQuantityList": [_input(ids, item) for item in json.loads(inputs)],
            "outputQuantityList": [
                {"epcClass": ids.lot_class(gtin, sku, lot_code), "quantity": units, "uom": "H87"}
            ],
            "bizStep": "commissioning",
            "disposition": "active",
        }
    yield from _aggregations(store, ids, since, lot)
    for code, shipped_at, cartons in store.export_shipments(since, lot):
        yield {
            "type": "ObjectEvent",
            "eventTime": shipped_at,
            "eventTimeZoneOffset": _UTC,
            "epcList": [ids.carton(c, kind) for c, kind in json.loads(cartons)],
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "bizTransactionList": [{"type": "desadv", "bizTransaction": f"{ids.resolver}/s/{_part(code)}"}],
        }  # fmt: skip


def _input(ids: Identifiers, item: dict[str, Any]) -> dict[str, Any]:
    if item["supplier"] is not None:
        epc_class = ids.material(item["supplier"], item["kind"], item["lot"])
    else:
        epc_class = ids.lot_class(item["gtin"], item["sku"], item["lot"])
    entry: dict[str, Any] = {"epcClass": epc_class}
    if item["quantity"] is not None:
        # A quantity is a real number in the records; JSON built by the database may write
        # a whole one as 2 or as 2.0, and the document says it one way.
        entry["quantity"] = float(item["quantity"])
        uom = UOM.get((item["unit"] or "").strip().lower())
        if uom:
            entry["uom"] = uom
    return entry


def _aggregations(
    store: Store, ids: Identifiers, since: date | None, lot: str | None
) -> Iterator[dict[str, Any]]:
    current: dict[str, Any] | None = None
    current_code = None
    for code, kind, packed_at, gtin, sku, lot_code, serial in store.export_packing(since, lot):
        if code != current_code:
            if current is not None:
                yield current
            current_code = code
            current = {
                "type": "AggregationEvent",
                "eventTime": packed_at,
                "eventTimeZoneOffset": _UTC,
                "parentID": ids.carton(code, kind),
                "childEPCs": [],
                "action": "ADD",
                "bizStep": "packing",
                "disposition": "in_progress",
            }
        assert current is not None
        current["childEPCs"].append(ids.unit(gtin, sku, lot_code, serial))
        if packed_at > current["eventTime"]:
            current["eventTime"] = packed_at
    if current is not None:
        yield current


def write_epcis(
    store: Store, path: Path, resolver: str, since: date | None = None, lot: str | None = None
) -> int:
    """Write the EPCIS document; answers how many events it holds."""
    ids = Identifiers(resolver)
    head = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    count = 0
    with atomic_text_file(path) as handle:
        handle.write(_encode(head)[:-1] + ',"epcisBody":{"eventList":[\n')
        for event in epcis_events(store, ids, since, lot):
            if count:
                handle.write(",\n")
            handle.write(_encode(event))
            count += 1
        handle.write("\n]}}\n")
    return count
