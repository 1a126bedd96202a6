"""Rows for exports, streamed from cursors so an export of a million units stays small in
memory. A selection is ``since`` (batches created on or after a date) and/or one ``lot``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from batchlabel.store.base import StoreBase


class ExportRecords(StoreBase):
    """Mixed into Store: streamed rows for EPCIS and CSV exports."""

    def _chosen(self, since: date | None, lot: str | None) -> tuple[str, list[Any]]:
        """A CTE naming the chosen batches."""
        clauses, params = [], []
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(since.isoformat())
        if lot is not None:
            clauses.append("lot = ?")
            params.append(lot)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return f"WITH chosen AS (SELECT id FROM batches{where})", params

    def _stream(self, sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        return self.engine.stream(sql, params)

    def export_units(self, since: date | None, lot: str | None) -> Iterator[tuple[Any, ...]]:
        """(gtin, sku, lot, serial, state, batch created_at) per unit, batch by batch."""
        cte, params = self._chosen(since, lot)
        return self._stream(
            f"{cte} SELECT p.gtin, p.sku, b.lot, u.serial, u.state, b.created_at"
            " FROM chosen JOIN batches b ON b.id = chosen.id JOIN units u ON u.batch_id = b.id"
            " JOIN products p ON p.id = u.product_id ORDER BY b.id, u.id",
            params,
        )

    def export_unit_rows(self, since: date | None, lot: str | None) -> Iterator[tuple[Any, ...]]:
        """(sku, gtin, lot, serial, state, carton, shipment, customer) per unit."""
        cte, params = self._chosen(since, lot)
        return self._stream(
            f"{cte} SELECT p.sku, p.gtin, b.lot, u.serial, u.state, c.code, s.code, k.name"
            " FROM chosen JOIN batches b ON b.id = chosen.id JOIN units u ON u.batch_id = b.id"
            " JOIN products p ON p.id = u.product_id"
            " LEFT JOIN carton_units cu ON cu.unit_id = u.id LEFT JOIN cartons c ON c.id = cu.carton_id"
            " LEFT JOIN shipments s ON s.id = c.shipment_id LEFT JOIN customers k ON k.id = s.customer_id"
            " ORDER BY b.id, u.id",
            params,
        )

    def export_inputs(self, since: date | None, lot: str | None) -> Iterator[tuple[Any, ...]]:
        """Per chosen batch with inputs: (gtin, sku, lot, units, last input time, inputs JSON)."""
        cte, params = self._chosen(since, lot)
        return self._stream(
            f"{cte} SELECT p.gtin, p.sku, b.lot,"
            " (SELECT count(*) FROM units u WHERE u.batch_id = b.id AND u.state != 'voided'),"
            " max(bi.at), json_group_array(json_object("
            "  'supplier', s.name, 'kind', m.kind, 'lot', coalesce(m.lot, ib.lot),"
            "  'gtin', ip.gtin, 'sku', ip.sku, 'quantity', bi.quantity, 'unit', bi.unit))"
            " FROM chosen JOIN batches b ON b.id = chosen.id JOIN products p ON p.id = b.product_id"
            " JOIN batch_inputs bi ON bi.batch_id = b.id"
            " LEFT JOIN material_lots m ON m.id = bi.material_lot_id"
            " LEFT JOIN suppliers s ON s.id = m.supplier_id"
            " LEFT JOIN batches ib ON ib.id = bi.input_batch_id"
            " LEFT JOIN products ip ON ip.id = ib.product_id"
            " GROUP BY b.id, p.id ORDER BY b.id",
            params,
        )

    def export_packing(self, since: date | None, lot: str | None) -> Iterator[tuple[Any, ...]]:
        """(carton code, carton kind, packed at, gtin, sku, lot, serial) per packed unit,
        carton by carton, for cartons holding units of the chosen batches."""
        cte, params = self._chosen(since, lot)
        return self._stream(
            f"{cte}, boxes AS (SELECT DISTINCT cu.carton_id FROM chosen"
            " JOIN units u ON u.batch_id = chosen.id JOIN carton_units cu ON cu.unit_id = u.id)"
            " SELECT c.code, c.kind, cu.packed_at, p.gtin, p.sku, b.lot, u.serial"
            " FROM boxes JOIN cartons c ON c.id = boxes.carton_id"
            " JOIN carton_units cu ON cu.carton_id = c.id JOIN units u ON u.id = cu.unit_id"
            " JOIN batches b ON b.id = u.batch_id JOIN products p ON p.id = u.product_id"
            " ORDER BY c.id, u.id",
            params,
        )

    def export_shipments(self, since: date | None, lot: str | None) -> Iterator[tuple[Any, ...]]:
        """(shipment code, shipped at, carton codes JSON) for shipments carrying chosen batches."""
        cte, params = self._chosen(since, lot)
        return self._stream(
            f"{cte}, sent AS (SELECT DISTINCT c.shipment_id FROM chosen"
            " JOIN units u ON u.batch_id = chosen.id JOIN carton_units cu ON cu.unit_id = u.id"
            " JOIN cartons c ON c.id = cu.carton_id WHERE c.shipment_id IS NOT NULL)"
            " SELECT s.code, s.shipped_at, json_group_array(json_array(c.code, c.kind))"
            " FROM sent JOIN shipments s ON s.id = sent.shipment_id"
            " JOIN cartons c ON c.shipment_id = s.id GROUP BY s.id ORDER BY s.id",
            params,
        )

    def export_lot_rows(self, since: date | None, lot: str | None) -> Iterator[dict[str, Any]]:
        """One row per chosen batch with everything a traceability sheet asks for."""
        cte, params = self._chosen(since, lot)
        lots = self.engine.stream(
            f"{cte} SELECT b.id, p.sku, p.name, p.gtin, b.lot, b.status, b.made_on,"
            " b.best_before, b.planned_quantity, b.created_at,"
            " (SELECT count(*) FROM units u WHERE u.batch_id = b.id AND u.state != 'voided') AS produced,"
            " (SELECT count(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'printed') AS printed,"
            " (SELECT count(*) FROM units u WHERE u.batch_id = b.id AND u.state = 'voided') AS voided,"
            " (SELECT json_group_array(coalesce(m.kind || ' ' || m.lot || ' (' || s.name || ')',"
            "   'batch ' || ib.lot)) FROM batch_inputs bi"
            "   LEFT JOIN material_lots m ON m.id = bi.material_lot_id"
            "   LEFT JOIN suppliers s ON s.id = m.supplier_id"
            "   LEFT JOIN batches ib ON ib.id = bi.input_batch_id WHERE bi.batch_id = b.id) AS inputs,"
            " (SELECT count(*) FROM complaints c WHERE c.batch_id = b.id) AS complaints"
            " FROM chosen JOIN batches b ON b.id = chosen.id JOIN products p ON p.id = b.product_id"
            " ORDER BY b.made_on, b.id",
            params,
            as_dicts=True,
        )
        for record in lots:
            record["inputs"] = json.loads(record["inputs"])
            shipped = self.conn.execute(
                "SELECT k.name, s.code, substr(s.shipped_at, 1, 10), count(*) FROM units u"
                " JOIN carton_units cu ON cu.unit_id = u.id JOIN cartons c ON c.id = cu.carton_id"
                " JOIN shipments s ON s.id = c.shipment_id JOIN customers k ON k.id = s.customer_id"
                " WHERE u.batch_id = ? GROUP BY s.id, k.id ORDER BY s.shipped_at",
                (record["id"],),
            ).fetchall()
            record["shipments"] = shipped
            yield record
