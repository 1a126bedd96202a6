"""Cartons, packing, shipments and customers: where every item of a batch went."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from batchlabel import validation
from batchlabel.errors import ConflictError, InputError, NotFoundError
from batchlabel.models import Actor, BatchStatus, Carton, Shipment, UnitState
from batchlabel.store.base import Connection, StoreBase, checked_text, in_chunks, marks, now

_CARTON_SQL = (
    "SELECT c.id, c.code, c.kind, s.code AS shipment, k.name AS customer, c.created_at,"
    " c.closed_at,"
    " (SELECT count(*) FROM carton_units cu WHERE cu.carton_id = c.id) AS units"
    " FROM cartons c LEFT JOIN shipments s ON s.id = c.shipment_id"
    " LEFT JOIN customers k ON k.id = s.customer_id"
)


class ShippingRecords(StoreBase):
    """Mixed into Store: cartons, their units, shipments and customers."""

    def carton(self, code: str) -> Carton | None:
        rows = self._rows(f"{_CARTON_SQL} WHERE c.code = ?", [code])
        return Carton(**rows[0]) if rows else None

    def cartons(self, shipment: str | None = None) -> list[Carton]:
        where, params = (" WHERE s.code = ?", [shipment]) if shipment else ("", [])
        return [Carton(**r) for r in self._rows(f"{_CARTON_SQL}{where} ORDER BY c.id", params)]

    def recent_cartons(self, limit: int = 200) -> list[Carton]:
        """The latest cartons, newest first."""
        return [
            Carton(**r) for r in self._rows(f"{_CARTON_SQL} ORDER BY c.id DESC LIMIT ?", [limit])
        ]

    def close_carton(self, code: str, actor: Actor) -> None:
        """Close a carton for shipping: nothing more is packed into it."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, closed_at, shipment_id FROM cartons WHERE code = ?", (code,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"No carton {code} is recorded; check the code.")
            if row[2] is not None:
                raise ConflictError(f"Carton {code} has shipped.")
            if row[1] is not None:
                raise ConflictError(f"Carton {code} is closed already.")
            (count,) = conn.execute(
                "SELECT count(*) FROM carton_units WHERE carton_id = ?", (row[0],)
            ).fetchone()
            if count == 0:
                raise InputError(f"Carton {code} is empty; pack it before closing it.")
            conn.execute("UPDATE cartons SET closed_at = ? WHERE id = ?", (now(), row[0]))
            self._log(conn, "carton_closed", actor, carton=code, count=count)

    def next_carton_number(self, series: str) -> int:
        """The next number of a carton series (an SSCC prefix, or internal codes), never reused."""
        with self.transaction() as conn:
            (value,) = conn.execute(
                "INSERT INTO counters (product_id, kind, scope, next_value) VALUES (0, ?, '', 2)"
                " ON CONFLICT (product_id, kind, scope) DO UPDATE SET next_value = counters.next_value + 1"
                " RETURNING next_value",
                (f"carton:{series}",),
            ).fetchone()
        return int(value) - 1

    def carton_batches(self, carton_id: int) -> list[dict[str, Any]]:
        """What a carton holds, per batch."""
        return self._rows(
            "SELECT p.sku, b.lot, b.status, count(*) AS units FROM carton_units cu"
            " JOIN units u ON u.id = cu.unit_id JOIN batches b ON b.id = u.batch_id"
            " JOIN products p ON p.id = b.product_id WHERE cu.carton_id = ?"
            " GROUP BY b.id, p.id ORDER BY b.lot",
            [carton_id],
        )

    def carton_contents(self, code: str) -> list[dict[str, Any]]:
        """Every unit in a carton, in packing order: product, batch and serial."""
        return self._rows(
            "SELECT u.product_id, u.batch_id, p.sku, p.gtin, b.lot, b.status, u.serial,"
            " u.state FROM cartons c JOIN carton_units cu ON cu.carton_id = c.id"
            " JOIN units u ON u.id = cu.unit_id JOIN batches b ON b.id = u.batch_id"
            " JOIN products p ON p.id = u.product_id WHERE c.code = ? ORDER BY cu.unit_id",
            [code],
        )

    def shipment_contents(self, code: str) -> list[dict[str, Any]]:
        """Every unit a shipment carried, carton by carton (what its receiver expects)."""
        self.shipment(code)  # a clear error for an unknown shipment
        return self._rows(
            "SELECT u.product_id, u.batch_id, p.sku, b.lot, u.serial, c.code AS carton"
            " FROM shipments s JOIN cartons c ON c.shipment_id = s.id"
            " JOIN carton_units cu ON cu.carton_id = c.id JOIN units u ON u.id = cu.unit_id"
            " JOIN batches b ON b.id = u.batch_id JOIN products p ON p.id = u.product_id"
            " WHERE s.code = ? ORDER BY c.id, u.id",
            [code],
        )

    def recent_shipments(self, limit: int = 30) -> list[dict[str, Any]]:
        """The latest shipments, newest first: code, customer and when."""
        return self._rows(
            "SELECT s.code, k.name AS customer, s.shipped_at FROM shipments s"
            " JOIN customers k ON k.id = s.customer_id ORDER BY s.id DESC LIMIT ?",
            [limit],
        )

    def pack(
        self,
        code: str,
        kind: str,
        actor: Actor,
        unit_ids: Sequence[int] = (),
        batch_id: int | None = None,
        quantity: int = 0,
        new: bool = False,
    ) -> list[tuple[str, str]]:
        """Put units into carton ``code``, all or none; with ``batch_id`` and ``quantity``, the
        next unpacked units of that batch. Answers (lot, serial) packed. Starting a carton and
        packing into one are different intents: ``new`` starts it (it must not exist), without
        it the carton must exist, so a mistyped code never becomes a carton of its own."""
        with self.transaction() as conn:
            carton_id = self._open_carton(conn, code, kind, new)
            ids = list(unit_ids)
            if batch_id is not None:
                picked = [
                    r[0]
                    for r in conn.execute(
                        "SELECT u.id FROM units u LEFT JOIN carton_units cu ON cu.unit_id = u.id"
                        " WHERE u.batch_id = ? AND u.state != ? AND cu.unit_id IS NULL"
                        " ORDER BY u.id LIMIT ?",
                        (batch_id, UnitState.VOIDED, quantity),
                    )
                ]
                if len(picked) < quantity:
                    raise ConflictError(
                        f"The batch has only {len(picked)} items not yet in a carton; "
                        f"{quantity} were asked for."
                    )
                ids += picked
            self._refuse_unfit(conn, ids)
            self._refuse_packed(conn, code, ids)
            packed_at = now()
            conn.executemany(
                "INSERT INTO carton_units (unit_id, carton_id, packed_at) VALUES (?, ?, ?)",
                [(unit_id, carton_id, packed_at) for unit_id in ids],
            )
            packed = self._serials_by_batch(conn, ids)
            for (product_id, batch_id_, lot), serials in packed.items():
                self._log(
                    conn, "packed", actor, product_id, batch_id_,
                    carton=code, count=len(serials), serials=serials, lot=lot,
                )  # fmt: skip
        return [(lot, s) for (_, _, lot), serials in packed.items() for s in serials]

    def _refuse_unfit(self, conn: Connection, unit_ids: list[int]) -> None:
        """A voided serial, or an item of a recalled or rejected batch, never goes in a carton."""
        for chunk in in_chunks(unit_ids):
            unfit = conn.execute(
                "SELECT u.serial, u.state, b.lot, b.status FROM units u"
                f" JOIN batches b ON b.id = u.batch_id WHERE u.id IN ({marks(chunk)})"
                " AND (u.state = ? OR b.status IN (?, ?)) LIMIT 1",
                [*chunk, UnitState.VOIDED, BatchStatus.RECALLED, BatchStatus.REJECTED],
            ).fetchone()
            if unfit is None:
                continue
            serial, state, lot, status = unfit
            if state == UnitState.VOIDED:
                raise ConflictError(f"Serial {serial} was voided; it cannot be packed.")
            raise ConflictError(
                f"Batch {lot} is {status}; its items must not be packed (serial {serial}). "
                "Set them aside."
            )

    def _refuse_packed(self, conn: Connection, code: str, unit_ids: list[int]) -> None:
        """Checked before anything is written: a unit is in one carton only, once."""
        seen: set[int] = set()
        for unit_id in unit_ids:
            if unit_id in seen:
                (serial,) = conn.execute(
                    "SELECT serial FROM units WHERE id = ?", (unit_id,)
                ).fetchone()
                raise ConflictError(
                    f"Serial {serial} is in this carton already; nothing was added."
                )
            seen.add(unit_id)
        for chunk in in_chunks(unit_ids):
            found = conn.execute(
                "SELECT u.serial, c.code FROM carton_units cu JOIN units u ON u.id = cu.unit_id"
                f" JOIN cartons c ON c.id = cu.carton_id WHERE cu.unit_id IN ({marks(chunk)})"
                " ORDER BY cu.unit_id LIMIT 1",
                chunk,
            ).fetchone()
            if found is None:
                continue
            serial, other = found
            if other == code:
                raise ConflictError(
                    f"Serial {serial} is in this carton already; nothing was added."
                )
            raise ConflictError(
                f"Serial {serial} is already in carton {other}; a unit can be in one carton only.",
                needs="unpack",
                carton=other,
                serial=serial,
            )

    def _open_carton(self, conn: Connection, code: str, kind: str, new: bool) -> int:
        row = conn.execute(
            "SELECT c.id, s.code, c.closed_at FROM cartons c"
            " LEFT JOIN shipments s ON s.id = c.shipment_id WHERE c.code = ?",
            (code,),
        ).fetchone()
        if new and row is not None:
            raise ConflictError(f"Carton {code} exists already; pack into it, or start another.")
        if row is None and not new:
            raise NotFoundError(
                f"No carton {code} is recorded; start it first.", needs="new_carton", carton=code
            )
        if row is None:
            cursor = conn.execute(
                "INSERT INTO cartons (code, kind, created_at) VALUES (?, ?, ?)", (code, kind, now())
            )
            return int(cursor.lastrowid or 0)
        if row[1] is not None:
            raise ConflictError(f"Carton {code} left in shipment {row[1]}; pack into a new carton.")
        if row[2] is not None:
            raise ConflictError(f"Carton {code} is closed; pack into another carton.")
        return int(row[0])

    def _serials_by_batch(
        self, conn: Connection, unit_ids: list[int]
    ) -> dict[tuple[int, int, str], list[str]]:
        grouped: dict[tuple[int, int, str], list[str]] = {}
        for chunk in in_chunks(unit_ids):
            for product_id, batch_id, lot, serial in conn.execute(
                "SELECT u.product_id, u.batch_id, b.lot, u.serial FROM units u"
                f" JOIN batches b ON b.id = u.batch_id WHERE u.id IN ({marks(chunk)}) ORDER BY u.id",
                chunk,
            ):
                grouped.setdefault((product_id, batch_id, lot), []).append(serial)
        return grouped

    def unpack(
        self, code: str, reason: str, actor: Actor, unit_ids: Sequence[int] | None = None
    ) -> list[tuple[str, str]]:
        """Take units (all of them when ``unit_ids`` is None) out of an unshipped carton."""
        reason = validation.reason(reason)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, shipment_id, closed_at FROM cartons WHERE code = ?", (code,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"No carton {code} is recorded; check the code.")
            if row[1] is not None:
                raise ConflictError(
                    f"Carton {code} has shipped; record a return instead.", needs="complaint"
                )
            if row[2] is not None:
                # Its label's count is wrong now: it must be closed (and labelled) again.
                conn.execute("UPDATE cartons SET closed_at = NULL WHERE id = ?", (row[0],))
                self._log(conn, "carton_reopened", actor, carton=code, reason=reason)
            inside = [r[0] for r in conn.execute(
                "SELECT unit_id FROM carton_units WHERE carton_id = ? ORDER BY unit_id", (row[0],)
            )]  # fmt: skip
            ids = inside if unit_ids is None else list(unit_ids)
            missing = set(ids) - set(inside)
            if missing:
                (serial,) = conn.execute(
                    "SELECT serial FROM units WHERE id = ?", (min(missing),)
                ).fetchone()
                raise ConflictError(
                    f"Serial {serial} is not in carton {code}; nothing was unpacked."
                )
            removed = self._serials_by_batch(conn, ids)
            for chunk in in_chunks(ids):
                conn.execute(f"DELETE FROM carton_units WHERE unit_id IN ({marks(chunk)})", chunk)
            for (product_id, batch_id, lot), serials in removed.items():
                self._log(
                    conn, "unpacked", actor, product_id, batch_id,
                    carton=code, count=len(serials), serials=serials, lot=lot, reason=reason,
                )  # fmt: skip
        return [(lot, s) for (_, _, lot), serials in removed.items() for s in serials]

    def ship(self, code: str, customer: str, cartons: Sequence[str], actor: Actor) -> Shipment:
        """Send cartons to a customer as shipment ``code``: all cartons or none. Only
        released batches ship; a recalled one never does."""
        customer = checked_text(customer, "customer name", "'Shop Berlin'", max_length=120)
        with self.transaction() as conn:
            found = {
                c: conn.execute(
                    "SELECT id, shipment_id FROM cartons WHERE code = ?", (c,)
                ).fetchone()
                for c in cartons
            }
            for carton_code, row in found.items():
                if row is None:
                    raise NotFoundError(
                        f"No carton {carton_code} is recorded; pack it first.",
                        needs="new_carton",
                        carton=carton_code,
                    )
                if row[1] is not None:
                    raise ConflictError(f"Carton {carton_code} has already shipped.")
            ids = [row[0] for row in found.values()]
            empty = conn.execute(
                f"SELECT code FROM cartons c WHERE c.id IN ({marks(ids)}) AND NOT EXISTS"
                " (SELECT 1 FROM carton_units cu WHERE cu.carton_id = c.id)",
                ids,
            ).fetchone()
            if empty:
                raise InputError(f"Carton {empty[0]} is empty; pack it or leave it out.")
            held = conn.execute(
                "SELECT DISTINCT b.lot, b.status, c.code FROM carton_units cu"
                " JOIN units u ON u.id = cu.unit_id JOIN batches b ON b.id = u.batch_id"
                f" JOIN cartons c ON c.id = cu.carton_id WHERE cu.carton_id IN ({marks(ids)})"
                " AND b.status != ?",
                [*ids, BatchStatus.RELEASED],
            ).fetchone()
            if held:
                raise ConflictError(
                    f"Carton {held[2]} holds items of batch {held[0]}, which is "
                    f"{str(held[1]).replace('_', ' ')}; only released batches ship.",
                    needs="unpack",
                    carton=held[2],
                )
            customer_id = self._customer_id(conn, customer)
            try:
                cursor = conn.execute(
                    "INSERT INTO shipments (code, customer_id, shipped_at, user, station)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (code, customer_id, now(), actor.user, actor.station),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"Shipment {code} already exists; give the new one another code."
                ) from None
            shipment_id = int(cursor.lastrowid or 0)
            conn.execute(
                f"UPDATE cartons SET shipment_id = ? WHERE id IN ({marks(ids)})",
                [shipment_id, *ids],
            )
            for product_id, batch_id, count in conn.execute(
                "SELECT u.product_id, u.batch_id, count(*) FROM carton_units cu"
                f" JOIN units u ON u.id = cu.unit_id WHERE cu.carton_id IN ({marks(ids)})"
                " GROUP BY u.product_id, u.batch_id",
                ids,
            ).fetchall():
                self._log(
                    conn, "shipped", actor, product_id, batch_id,
                    shipment=code, customer=customer, count=count, cartons=list(cartons),
                )  # fmt: skip
        return self.shipment(code)

    def _customer_id(self, conn: Connection, name: str) -> int:
        row = conn.execute(
            "SELECT id FROM customers WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        if row:
            return int(row[0])
        cursor = conn.execute(
            "INSERT INTO customers (name, created_at) VALUES (?, ?)", (name, now())
        )
        return int(cursor.lastrowid or 0)

    def shipment(self, code: str) -> Shipment:
        rows = self._rows(
            "SELECT s.id, s.code, k.name AS customer, s.shipped_at,"
            " (SELECT count(*) FROM cartons c WHERE c.shipment_id = s.id) AS cartons,"
            " (SELECT count(*) FROM cartons c JOIN carton_units cu ON cu.carton_id = c.id"
            "  WHERE c.shipment_id = s.id) AS units"
            " FROM shipments s JOIN customers k ON k.id = s.customer_id WHERE s.code = ?",
            [code],
        )
        if not rows:
            raise NotFoundError(f"No shipment {code} is recorded; check the code.")
        return Shipment(**rows[0])

    def unit_places(self, unit_ids: Iterable[int]) -> dict[int, tuple[str, str | None, str | None]]:
        """Where units are: carton code, shipment code and customer, by unit id."""
        places: dict[int, tuple[str, str | None, str | None]] = {}
        for chunk in in_chunks(list(unit_ids)):
            for r in self._rows(
                "SELECT cu.unit_id, c.code, s.code AS shipment, k.name FROM carton_units cu"
                " JOIN cartons c ON c.id = cu.carton_id LEFT JOIN shipments s ON s.id = c.shipment_id"
                f" LEFT JOIN customers k ON k.id = s.customer_id WHERE cu.unit_id IN ({marks(chunk)})",
                chunk,
            ):
                places[r["unit_id"]] = (r["code"], r["shipment"], r["name"])
        return places

    def distribution(self, batch_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Per batch and carton: the shipment, customer, date and how many of its items.
        Unshipped cartons have no shipment."""
        if not batch_ids:
            return []
        return self._rows(
            "SELECT u.batch_id, c.code AS carton, s.code AS shipment, k.name AS customer,"
            " s.shipped_at, count(*) AS units FROM units u"
            " JOIN carton_units cu ON cu.unit_id = u.id JOIN cartons c ON c.id = cu.carton_id"
            " LEFT JOIN shipments s ON s.id = c.shipment_id"
            " LEFT JOIN customers k ON k.id = s.customer_id"
            f" WHERE u.batch_id IN ({marks(batch_ids)})"
            " GROUP BY u.batch_id, c.id, s.id, k.id ORDER BY s.shipped_at NULLS FIRST, c.code",
            list(batch_ids),
        )

    def shipped_units(self, batch_ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """Every shipped unit of these batches, one row at a time (a recall list can be long)."""
        if not batch_ids:
            return iter(())
        return self.engine.stream(
            "SELECT k.name AS customer, s.code AS shipment, s.shipped_at, c.code AS carton,"
            " p.sku, p.gtin, b.lot, u.serial FROM units u"
            " JOIN carton_units cu ON cu.unit_id = u.id JOIN cartons c ON c.id = cu.carton_id"
            " JOIN shipments s ON s.id = c.shipment_id JOIN customers k ON k.id = s.customer_id"
            " JOIN batches b ON b.id = u.batch_id JOIN products p ON p.id = u.product_id"
            f" WHERE u.batch_id IN ({marks(batch_ids)})"
            " ORDER BY lower(k.name), s.shipped_at, s.code, c.code, u.id",
            list(batch_ids),
            as_dicts=True,
        )
