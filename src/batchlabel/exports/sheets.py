"""Spreadsheet exports.

The lots sheet has one row per lot, sortable by any column, with the key data elements a
food-safety traceability request (FSMA 204 style) asks for: the traceability lot code and
who assigned it, the product, quantity and unit of measure, the dates, what went in and who
received it. The units sheet has one row per item with its carton, shipment and customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from batchlabel.exports.spreadsheet import write_csv
from batchlabel.store import Store

SHEETS = ("lots", "units")

LOT_COLUMNS = (
    "traceability_lot_code", "lot_code_source", "sku", "gtin", "product_description",
    "status", "date_made", "best_before", "quantity_planned", "quantity_produced",
    "quantity_printed", "quantity_voided", "quantity_shipped", "unit_of_measure",
    "inputs", "shipped_to", "first_ship_date", "last_ship_date", "complaints",
)  # fmt: skip

UNIT_COLUMNS = ("sku", "gtin", "lot", "serial", "state", "carton", "shipment", "customer")


def write_lots_sheet(
    store: Store, path: Path, maker: str, since: date | None = None, lot: str | None = None
) -> int:
    def rows() -> Iterator[tuple[Any, ...]]:
        for r in store.export_lot_rows(since, lot):
            shipments = r["shipments"]
            dates = [s[2] for s in shipments]
            yield (
                r["lot"], maker, r["sku"], r["gtin"], r["name"], r["status"], r["made_on"],
                r["best_before"], r["planned_quantity"], r["produced"], r["printed"],
                r["voided"], sum(s[3] for s in shipments), "each",
                "; ".join(r["inputs"]),
                "; ".join(f"{s[0]} ({s[1]}, {s[3]})" for s in shipments),
                min(dates) if dates else "", max(dates) if dates else "", r["complaints"],
            )  # fmt: skip

    return write_csv(path, LOT_COLUMNS, rows())


def write_units_sheet(
    store: Store, path: Path, since: date | None = None, lot: str | None = None
) -> int:
    return write_csv(path, UNIT_COLUMNS, store.export_unit_rows(since, lot))
