"""Rows to records: the one place that knows how a product or batch row is laid out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from batchlabel.models import Batch, BatchStatus, Product, Unit, UnitState


def product_from_row(row: dict[str, Any]) -> Product:
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        gtin=row["gtin"],
        description=row["description"],
        public_attributes=json.loads(row["public_attributes"]),
        private_notes=row["private_notes"],
        lot_format=row["lot_format"],
        serial_format=row["serial_format"],
        created_at=row["created_at"],
    )


# A batch row with its product's SKU, as batch_from_row reads it; add WHERE or ORDER BY.
BATCH_SELECT = "SELECT b.*, p.sku FROM batches b JOIN products p ON p.id = b.product_id"


def batch_from_row(row: dict[str, Any]) -> Batch:
    return Batch(
        id=row["id"],
        product_id=row["product_id"],
        sku=row["sku"],
        lot=row["lot"],
        status=BatchStatus(row["status"]),
        made_on=date.fromisoformat(row["made_on"]),
        best_before=date.fromisoformat(row["best_before"]) if row["best_before"] else None,
        planned_quantity=row["planned_quantity"],
        created_at=row["created_at"],
    )


def unit_from_row(row: dict[str, Any]) -> Unit:
    return Unit(
        id=row["id"], batch_id=row["batch_id"], serial=row["serial"], state=UnitState(row["state"])
    )
