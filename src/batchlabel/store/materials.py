"""Suppliers, material lots and genealogy: which inputs went into which batch."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from batchlabel import validation
from batchlabel.errors import ConflictError, InputError
from batchlabel.models import Actor, Batch, BatchInput, BatchStatus, MaterialLot
from batchlabel.store.base import Connection, StoreBase, checked_text, marks, now

_MATERIAL_SQL = (
    "SELECT m.*, s.name AS supplier FROM material_lots m JOIN suppliers s ON s.id = m.supplier_id"
)

# Every batch downstream of a set of inputs, with the batch it was made from (NULL when it
# consumed the starting material directly). UNION, not UNION ALL: a batch reached by two
# paths is listed once per path, never looped over.
_DOWNSTREAM_SQL = """
WITH RECURSIVE down(batch_id, made_from) AS (
    SELECT batch_id, NULL FROM batch_inputs WHERE material_lot_id IN ({materials})
    UNION SELECT batch_id, input_batch_id FROM batch_inputs WHERE input_batch_id IN ({batches})
    UNION SELECT bi.batch_id, bi.input_batch_id FROM batch_inputs bi
        JOIN down ON bi.input_batch_id = down.batch_id
)
SELECT batch_id, made_from FROM down
"""

# ``up``: a batch (the parameter) and every batch it was made from, at any depth.
UPSTREAM_CTE = """
WITH RECURSIVE up(batch_id) AS (
    SELECT ?
    UNION SELECT bi.input_batch_id FROM batch_inputs bi JOIN up ON bi.batch_id = up.batch_id
        WHERE bi.input_batch_id IS NOT NULL
)
"""
_UPSTREAM_SQL = UPSTREAM_CTE + "SELECT batch_id FROM up"


def material_from_row(row: dict[str, Any]) -> MaterialLot:
    return MaterialLot(
        id=row["id"],
        kind=row["kind"],
        supplier=row["supplier"],
        lot=row["lot"],
        origin=row["origin"],
        quantity=row["quantity"],
        unit=row["unit"],
        public=bool(row["public"]),
        received_at=row["received_at"],
    )


class MaterialRecords(StoreBase):
    """Mixed into Store: suppliers, material lots and batch inputs."""

    def receive_material(
        self,
        kind: str,
        supplier: str,
        lot: str,
        actor: Actor,
        origin: str = "",
        quantity: float | None = None,
        unit: str | None = None,
        public: bool = False,
    ) -> MaterialLot:
        """Record a delivered lot of material. The supplier is created on first use."""
        kind = checked_text(kind, "material kind", "leather")
        supplier = checked_text(supplier, "supplier name", "'Tannery Rossi'")
        lot = checked_text(lot, "supplier's lot code", "H-2291", max_length=40)
        if quantity is not None:
            validation.quantity(quantity)
        origin = validation.line(origin, "origin", required=False)
        if unit is not None:
            unit = validation.line(unit, "unit of measure", max_length=20)
        with self.transaction() as conn:
            supplier_id = self._supplier_id(conn, supplier)
            try:
                cursor = conn.execute(
                    "INSERT INTO material_lots (kind, supplier_id, lot, origin, quantity, unit,"
                    " public, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (kind, supplier_id, lot, origin.strip(), quantity, unit, int(public), now()),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"{kind} lot {lot} from {supplier} is already recorded.",
                    needs="known_material",
                ) from None
            self._log(
                conn, "material_received", actor, material_kind=kind, supplier=supplier, lot=lot,
                quantity=quantity, unit=unit, public=public,
            )  # fmt: skip
            material_id = int(cursor.lastrowid or 0)
        return self.material_by_id(material_id)

    def _supplier_id(self, conn: Connection, name: str) -> int:
        row = conn.execute(
            "SELECT id FROM suppliers WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        if row:
            return int(row[0])
        cursor = conn.execute(
            "INSERT INTO suppliers (name, created_at) VALUES (?, ?)", (name, now())
        )
        return int(cursor.lastrowid or 0)

    def material_by_id(self, material_id: int) -> MaterialLot:
        return material_from_row(self._rows(f"{_MATERIAL_SQL} WHERE m.id = ?", [material_id])[0])

    def materials(
        self, lot: str | None = None, supplier: str | None = None, kind: str | None = None
    ) -> list[MaterialLot]:
        """Material lots, newest first; filtered by the supplier's lot code, supplier or kind."""
        clauses, params = [], []
        for column, value in (("m.lot", lot), ("s.name", supplier), ("m.kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ? COLLATE NOCASE")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(f"{_MATERIAL_SQL}{where} ORDER BY m.received_at DESC, m.id DESC", params)
        return [material_from_row(r) for r in rows]

    # -- genealogy -------------------------------------------------------------------------

    def add_input(
        self,
        batch: Batch,
        actor: Actor,
        material: MaterialLot | None = None,
        input_batch: Batch | None = None,
        quantity: float | None = None,
        unit: str | None = None,
    ) -> None:
        """Record that ``batch`` consumed a material lot or another batch."""
        if quantity is not None:
            validation.quantity(quantity)
        if unit is not None:
            unit = validation.line(unit, "unit of measure", max_length=20)
        if input_batch is not None:
            if input_batch.id == batch.id:
                raise InputError(f"Batch '{batch.lot}' cannot consume itself.")
            if input_batch.status in (BatchStatus.RECALLED, BatchStatus.REJECTED):
                raise ConflictError(
                    f"Batch '{input_batch.lot}' is {input_batch.status} and must not go into "
                    "another batch; choose another input."
                )
        with self.transaction() as conn:
            if input_batch is not None and batch.id in self._upstream_ids(conn, input_batch.id):
                raise ConflictError(
                    f"Batch '{input_batch.lot}' was itself made from '{batch.lot}'; a batch "
                    "cannot be its own input."
                )
            conn.execute(
                "INSERT INTO batch_inputs (batch_id, material_lot_id, input_batch_id, quantity,"
                " unit, at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    batch.id,
                    material.id if material else None,
                    input_batch.id if input_batch else None,
                    quantity,
                    unit,
                    now(),
                ),
            )
            detail: dict[str, Any] = {"quantity": quantity, "unit": unit}
            if material is not None:
                detail.update(
                    material=material.lot, supplier=material.supplier, material_kind=material.kind
                )
            if input_batch is not None:
                detail.update(input_lot=input_batch.lot, input_sku=input_batch.sku)
            self._log(conn, "input_consumed", actor, batch.product_id, batch.id, **detail)

    def _upstream_ids(self, conn: Connection, batch_id: int) -> set[int]:
        return {r[0] for r in conn.execute(_UPSTREAM_SQL, (batch_id,))}

    def upstream_batch_ids(self, batch: Batch) -> list[int]:
        """``batch`` and every batch it was made from, at any depth."""
        return [r["batch_id"] for r in self._rows(_UPSTREAM_SQL, [batch.id])]

    def inputs_of(self, batch_ids: Iterable[int]) -> list[BatchInput]:
        """The inputs of these batches, in the order they were recorded."""
        ids = list(batch_ids)
        if not ids:
            return []
        rows = self._rows(
            "SELECT bi.*, m.kind, s.name AS supplier, m.lot AS material_lot, m.origin,"
            " m.quantity AS material_quantity, m.unit AS material_unit, m.public,"
            " m.received_at FROM batch_inputs bi"
            " LEFT JOIN material_lots m ON m.id = bi.material_lot_id"
            " LEFT JOIN suppliers s ON s.id = m.supplier_id"
            f" WHERE bi.batch_id IN ({marks(ids)}) ORDER BY bi.id",
            ids,
        )
        sources = self.batches_by_ids([r["input_batch_id"] for r in rows if r["input_batch_id"]])
        inputs = []
        for r in rows:
            material = None
            if r["material_lot_id"] is not None:
                material = MaterialLot(
                    r["material_lot_id"], r["kind"], r["supplier"], r["material_lot"],
                    r["origin"], r["material_quantity"], r["material_unit"], bool(r["public"]),
                    r["received_at"],
                )  # fmt: skip
            source = sources.get(r["input_batch_id"])
            inputs.append(
                BatchInput(r["batch_id"], material, source, r["quantity"], r["unit"], r["at"])
            )
        return inputs

    def downstream(
        self, material_ids: Iterable[int] = (), batch_ids: Iterable[int] = ()
    ) -> list[tuple[int, int | None]]:
        """Every batch made, at any depth, from these material lots or batches, as
        (batch id, the batch it was made from or None for the material itself)."""
        materials, batches = list(material_ids), list(batch_ids)
        sql = _DOWNSTREAM_SQL.format(
            materials=marks(materials) or "NULL",
            batches=marks(batches) or "NULL",
        )
        return [(r["batch_id"], r["made_from"]) for r in self._rows(sql, [*materials, *batches])]
