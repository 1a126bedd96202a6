"""The Store: every read and write of batchlabel's records. The only module that speaks SQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

from batchlabel import validation
from batchlabel.codes.gs1 import gtin14, validate_ai82
from batchlabel.codes.serial_formats import (
    DEFAULT_LOT_FORMAT,
    DEFAULT_SERIAL_FORMAT,
    CodeFormat,
    parse_format,
)
from batchlabel.errors import ConflictError, InputError, NotFoundError
from batchlabel.models import (
    ALLOWED_TRANSITIONS,
    Actor,
    Allocation,
    Batch,
    BatchStatus,
    Event,
    Product,
    Unit,
    UnitState,
)
from batchlabel.store.base import SQL_NOW, Connection, Engine, holds_nul, in_chunks, marks, now
from batchlabel.store.catalogue import CatalogueRecords
from batchlabel.store.connection import SqliteEngine
from batchlabel.store.exports import ExportRecords
from batchlabel.store.location import Location
from batchlabel.store.materials import MaterialRecords
from batchlabel.store.people import PeopleRecords
from batchlabel.store.postgres_connection import PostgresEngine
from batchlabel.store.print_jobs import PrintRecords
from batchlabel.store.quality import QualityRecords
from batchlabel.store.rows import BATCH_SELECT, unit_from_row
from batchlabel.store.rows import batch_from_row as _batch
from batchlabel.store.rows import product_from_row as _product
from batchlabel.store.scanning import ScanRecords
from batchlabel.store.shipping import ShippingRecords
from batchlabel.store.tokens import TokenRecords

# Bulk allocation above this size goes in slices so memory stays flat.
_ALLOCATION_SLICE = 50_000
# Generated lot codes count up across all products sharing a lot format.
WORKSHOP_COUNTER = 0


_EVENT = (
    "INSERT INTO events (at, kind, station, user, product_id, batch_id, serial, detail)"
    f" VALUES ({SQL_NOW}, ?, ?, ?, ?, ?, ?, ?)"
)
# The allocation event, its time and detail made by SQLite: Python work there would
# lengthen the write lock that every station queues for.
_ALLOCATION_EVENT = (
    "INSERT INTO events (at, kind, station, user, product_id, batch_id, detail)"
    f" VALUES ({SQL_NOW}, 'serials_allocated', ?, ?, ?, ?,"
    " json_object('count', ?, 'first', ?, 'last', ?))"
)

_COUNTER_FIRST = "INSERT INTO counters (product_id, kind, scope, next_value) VALUES (?, ?, ?, ?)"
_COUNTER_MOVE = (
    "UPDATE counters SET next_value = next_value + ?"
    " WHERE product_id = ? AND kind = ? AND scope = ?"
)
_COUNTER_RETURNING = _COUNTER_MOVE + " RETURNING next_value"
# One serial and its allocation event in one statement (PostgreSQL: see Engine.remote).
_ONE_SERIAL = (
    "WITH unit AS (INSERT INTO units (product_id, batch_id, serial) VALUES (?, ?, ?)) "
    + _ALLOCATION_EVENT
)

# One encoder for event details: json.dumps(default=...) builds a new one on every call.
_DETAIL = json.JSONEncoder(default=str)


class Store(
    PeopleRecords,
    PrintRecords,
    ScanRecords,
    TokenRecords,
    MaterialRecords,
    QualityRecords,
    ShippingRecords,
    ExportRecords,
    CatalogueRecords,
):
    """batchlabel's records, in a SQLite file or a PostgreSQL database: ``Store.open("batchlabel.db")``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._products_by_id: dict[int, Product] = {}
        self._products_by_gtin: dict[str, Product] = {}
        self._commits = 0

    @classmethod
    def open(cls, location: str | Path) -> Store:
        """The records at ``location``: a SQLite file (a path, or sqlite:///path), or a
        PostgreSQL database (postgresql://USER@HOST/DB)."""
        where = Location(str(location))
        if where.is_postgres:
            return cls(PostgresEngine(where.text))
        return cls(SqliteEngine(where.path))

    def close(self) -> None:
        self.engine.close()

    @property
    def shown(self) -> str:
        """Where the records are, for sentences (a PostgreSQL password left out)."""
        return self.engine.shown

    @property
    def conn(self) -> Connection:
        return self.engine.conn

    def transaction(self) -> AbstractContextManager[Connection]:
        """One all-or-nothing write under the write lock (see Transaction)."""
        return self.engine.transaction(self._committed)

    def _committed(self) -> None:
        self._commits += 1

    def change_token(self) -> tuple[object, int]:
        """A value that changes whenever the records change: the engine's own mark of other
        connections' commits, and this Store's commits. Answers made from the records stay
        good while it holds."""
        return self.engine.change_token(), self._commits

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        if holds_nul(params):
            return []
        return self.engine.rows(sql, params)

    # -- events ---------------------------------------------------------------------------

    def _log(
        self,
        conn: Connection,
        kind: str,
        actor: Actor,
        product_id: int | None = None,
        batch_id: int | None = None,
        serial: str | None = None,
        **detail: Any,
    ) -> int:
        """Append one event inside the caller's transaction; answers its id."""
        return int(
            conn.execute(
                _EVENT,
                (
                    kind,
                    actor.station,
                    actor.user,
                    product_id,
                    batch_id,
                    serial,
                    _DETAIL.encode(detail),
                ),
            ).lastrowid
            or 0
        )

    def record_event(
        self,
        kind: str,
        actor: Actor,
        batch: Batch | None = None,
        serial: str | None = None,
        **detail: Any,
    ) -> None:
        """Append one event (a scan, a note) in its own transaction."""
        with self.transaction() as conn:
            self._log(
                conn,
                kind,
                actor,
                batch.product_id if batch else None,
                batch.id if batch else None,
                serial,
                **detail,
            )

    def events(
        self, batch: Batch | None = None, limit: int = 1000, kind: str | None = None
    ) -> list[Event]:
        clauses: list[str] = []
        params: list[Any] = []
        if batch is not None:
            clauses.append("e.batch_id = ?")
            params.append(batch.id)
        if kind is not None:
            clauses.append("e.kind = ?")
            params.append(kind)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            "SELECT e.*, p.sku, b.lot FROM events e LEFT JOIN products p ON p.id = e.product_id"
            f" LEFT JOIN batches b ON b.id = e.batch_id {where} ORDER BY e.id LIMIT ?",
            [*params, limit],
        )
        return [
            Event(
                r["id"],
                r["at"],
                r["kind"],
                r["station"],
                r["user"],
                r["sku"],
                r["lot"],
                r["serial"],
                json.loads(r["detail"]),
            )
            for r in rows
        ]

    # -- products ---------------------------------------------------------------------------

    def add_product(
        self,
        sku: str,
        name: str,
        actor: Actor,
        gtin: str | None = None,
        description: str = "",
        public_attributes: dict[str, str] | None = None,
        private_notes: str = "",
        lot_format: str = DEFAULT_LOT_FORMAT,
        serial_format: str = DEFAULT_SERIAL_FORMAT,
    ) -> Product:
        validate_ai82(sku, "SKU", max_length=40)
        if not name.strip():
            raise InputError("The product name is empty.", needs="name")
        name = validation.line(name, "product name")
        description = validation.paragraph(description, "description")
        private_notes = validation.paragraph(private_notes, "private notes", max_length=5000)
        public_attributes = validation.attributes(public_attributes or {})
        if gtin is not None:
            gtin = gtin14(gtin)  # one key in one form: GTIN-13 9506000134352 is 09506000134352
        parse_format(lot_format, "lot")
        parse_format(serial_format, "serial")
        try:
            with self.transaction() as conn:
                cursor = conn.execute(
                    "INSERT INTO products (sku, name, gtin, description, public_attributes,"
                    " private_notes, lot_format, serial_format, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sku,
                        name,
                        gtin,
                        description,
                        json.dumps(public_attributes or {}),
                        private_notes,
                        lot_format,
                        serial_format,
                        now(),
                    ),
                )
                self._log(conn, "product_added", actor, cursor.lastrowid, sku=sku, gtin=gtin)
        except sqlite3.IntegrityError:
            clash = "SKU" if self.find_product(sku) else "GTIN"
            value = sku if clash == "SKU" else gtin
            raise ConflictError(
                f"A product with {clash} '{value}' already exists; each {clash} can belong to one product."
            ) from None
        return self.product(sku)

    def find_product(self, sku: str) -> Product | None:
        rows = self._rows("SELECT * FROM products WHERE sku = ?", [sku])
        return _product(rows[0]) if rows else None

    def product(self, sku: str) -> Product:
        found = self.find_product(sku)
        if found is None:
            raise NotFoundError(f"No product with SKU '{sku}'.", needs="known_product")
        return found

    def product_by_id(self, product_id: int) -> Product:
        """A product by id, read once per process: products are never changed after they
        are added, and allocation and scanning ask for the same few again and again."""
        product = self._products_by_id.get(product_id)
        if product is None:
            product = self._products_by_id[product_id] = _product(
                _one(self.conn, "SELECT * FROM products WHERE id = ?", (product_id,))
            )
        return product

    def product_by_gtin(self, gtin: str) -> Product | None:
        """The product whose GTIN, padded to 14 digits, equals ``gtin`` padded likewise.
        Kept once found, as by product_by_id (every origin page asks); an unknown GTIN is
        asked again, since another station may add it."""
        key = gtin.rjust(14, "0")
        product = self._products_by_gtin.get(key)
        if product is None:
            rows = self._rows("SELECT * FROM products WHERE gtin = ?", [key])
            if not rows:
                return None
            product = self._products_by_gtin[key] = _product(rows[0])
        return product

    def products(self) -> list[Product]:
        return [_product(r) for r in self._rows("SELECT * FROM products ORDER BY sku")]

    # -- batches ------------------------------------------------------------------------------

    def create_batch(
        self,
        sku: str,
        actor: Actor,
        lot: str | None = None,
        made_on: date | None = None,
        best_before: date | None = None,
        planned_quantity: int = 0,
        allocate: bool = True,
    ) -> Allocation:
        """Create a batch (lot) and, if ``allocate``, its ``planned_quantity`` serials, in one
        transaction: either the batch and all its serials exist afterwards, or nothing does."""
        product = self.product(sku)
        made_on = made_on or date.today()
        if best_before is not None and best_before < made_on:
            raise InputError(
                f"The best-before date {best_before} is before the made-on date {made_on}; check both."
            )
        validation.count(planned_quantity, "planned items", minimum=0)
        if lot is not None:
            validate_ai82(lot, "lot code")
        lot_format = parse_format(product.lot_format, "lot")
        with self.transaction() as conn:
            if lot is None:
                lot = self._next_lot(conn, product, lot_format, made_on)
            try:
                cursor = conn.execute(
                    "INSERT INTO batches (product_id, lot, status, made_on, best_before,"
                    " planned_quantity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        product.id,
                        lot,
                        BatchStatus.IN_PRODUCTION,
                        made_on.isoformat(),
                        best_before.isoformat() if best_before else None,
                        planned_quantity,
                        now(),
                    ),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"Product '{sku}' already has a lot '{lot}'; choose another lot code."
                ) from None
            batch_id = int(cursor.lastrowid or 0)
            self._log(
                conn,
                "batch_created",
                actor,
                product.id,
                batch_id,
                lot=lot,
                status=BatchStatus.IN_PRODUCTION,
                planned_quantity=planned_quantity,
            )
            serials: list[str] = []
            if allocate and planned_quantity:
                fmt = parse_format(product.serial_format, "serial")
                serials = self._allocate(
                    conn, product, fmt, batch_id, planned_quantity, actor, made_on
                )
        batch = self.batch(lot, sku)
        return Allocation(batch, product.gtin, tuple(serials))

    def _next_lot(self, conn: Connection, product: Product, fmt: CodeFormat, made_on: date) -> str:
        # Skip codes someone typed by hand earlier; the counter only moves forward.
        for _ in range(1000):
            (code,) = self._next_codes(conn, WORKSHOP_COUNTER, f"lot:{fmt.spec}", fmt, 1, made_on)
            validate_ai82(code, "lot code")
            taken = conn.execute("SELECT 1 FROM batches WHERE lot = ?", (code,)).fetchone()
            if not taken:
                return code
        raise ConflictError(f"Could not find a free lot code for '{product.sku}'.", needs="lot")

    def _next_codes(
        self,
        conn: Connection,
        product_id: int,
        kind: str,
        fmt: CodeFormat,
        count: int,
        day: date,
    ) -> list[str]:
        # Move the counter, then read where our range ends (the write lock is ours, so
        # nobody moves it in between). An UPDATE first, because the counter exists for all
        # but the first allocation; UPDATE + SELECT costs less than UPDATE ... RETURNING,
        # which SQLite runs through a temporary table.
        key = (product_id, kind, fmt.scope(day))
        after: int | None = None
        if self.engine.remote:  # one trip to the server, not two
            moved_to = conn.execute(_COUNTER_RETURNING, (count, *key)).fetchone()
            after = moved_to[0] if moved_to else None
        elif conn.execute(_COUNTER_MOVE, (count, *key)).rowcount:
            (after,) = conn.execute(
                "SELECT next_value FROM counters WHERE product_id = ? AND kind = ? AND scope = ?",
                key,
            ).fetchone()
        if after is None:  # the first of its kind: the counter starts here
            after = 1 + count
            conn.execute(_COUNTER_FIRST, (*key, after))
        return fmt.generate(after - count, count, day)

    def batch(self, lot: str, sku: str | None = None) -> Batch:
        """The batch with lot code ``lot`` (of product ``sku`` when two products share a lot code)."""
        sql = f"{BATCH_SELECT} WHERE b.lot = ?"
        params: list[Any] = [lot]
        if sku is not None:
            sql += " AND p.sku = ?"
            params.append(sku)
        rows = self._rows(sql, params)
        if not rows:
            owner = f" for product '{sku}'" if sku else ""
            raise NotFoundError(f"No batch with lot '{lot}'{owner}.", needs="known_batch")
        if len(rows) > 1:
            skus = ", ".join(sorted(r["sku"] for r in rows))
            raise InputError(f"Lot '{lot}' exists for several products ({skus}).", needs="sku")
        return _batch(rows[0])

    def batch_by_id(self, batch_id: int) -> Batch:
        rows = self._rows(
            f"{BATCH_SELECT} WHERE b.id = ?",
            [batch_id],
        )
        return _batch(rows[0])

    def batches(
        self, status: BatchStatus | str | None = None, sku: str | None = None
    ) -> list[Batch]:
        clauses: list[str] = []
        params: list[str] = []
        if status is not None:
            clauses.append("b.status = ?")
            params.append(_status(status))
        if sku is not None:
            clauses.append("p.sku = ?")
            params.append(sku)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            f"{BATCH_SELECT} {where} ORDER BY b.made_on, b.id",
            params,
        )
        return [_batch(r) for r in rows]

    def set_status(
        self, batch: Batch, status: BatchStatus | str, actor: Actor, reason: str | None
    ) -> Batch:
        """Move a batch to a new QA status, if the rules allow it, and record who, when and why."""
        status = _status(status)
        if status == BatchStatus.RECALLED and not (reason or "").strip():
            raise InputError("A recall needs a reason.", needs="reason")
        if reason is not None:  # optional, but a reason given is never blank
            reason = validation.reason(reason)
        with self.transaction() as conn:
            (current,) = conn.execute(
                "SELECT status FROM batches WHERE id = ?", (batch.id,)
            ).fetchone()
            if current == status:
                raise ConflictError(f"Batch '{batch.lot}' is already {status}.")
            if status not in ALLOWED_TRANSITIONS[current]:
                allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "nothing (it is final)"
                raise ConflictError(
                    f"Batch '{batch.lot}' is {current} and cannot become {status}; "
                    f"from {current} it can become {allowed}."
                )
            conn.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch.id))
            self._log(
                conn,
                "status_changed",
                actor,
                batch.product_id,
                batch.id,
                **{"from": current, "to": status, "reason": reason},
            )
        return self.batch_by_id(batch.id)

    def recall_batches(
        self, batches: Sequence[Batch], reason: str, actor: Actor, cause: str
    ) -> list[Batch]:
        """Recall several batches in one transaction (all or none): a recall that stops
        half-way would leave some affected batches on sale. Final states are left alone."""
        reason = validation.reason(reason)
        changed = []
        with self.transaction() as conn:
            for batch in batches:
                (current,) = conn.execute(
                    "SELECT status FROM batches WHERE id = ?", (batch.id,)
                ).fetchone()
                if BatchStatus.RECALLED not in ALLOWED_TRANSITIONS[current]:
                    continue
                conn.execute(
                    "UPDATE batches SET status = ? WHERE id = ?", (BatchStatus.RECALLED, batch.id)
                )
                self._log(
                    conn, "status_changed", actor, batch.product_id, batch.id,
                    **{"from": current, "to": BatchStatus.RECALLED, "reason": reason, "cause": cause},
                )  # fmt: skip
                changed.append(batch)
        now_recalled = self.batches_by_ids([b.id for b in changed])
        return [now_recalled[b.id] for b in changed]

    # -- units and serials --------------------------------------------------------------------

    def allocate(self, batch: Batch, count: int, actor: Actor) -> Allocation:
        """Allocate ``count`` new serials to ``batch`` in one transaction (all or none)."""
        validation.count(count, "serials")
        today = date.today()
        # The product and its format are read before the write lock (the product only once
        # per process): the lock is held only for the counter, the serials and the event,
        # which is what bounds many stations allocating at once.
        product = self.product_by_id(batch.product_id)
        fmt = parse_format(product.serial_format, "serial")
        with self.transaction() as conn:
            serials = self._allocate(conn, product, fmt, batch.id, count, actor, today)
        return Allocation(batch, product.gtin, tuple(serials))

    def _allocate_units(
        self, conn: Connection, batch: Batch, count: int, actor: Actor
    ) -> list[Unit]:
        """Allocate inside a transaction the caller holds (a print job and its new serials
        are one write: both or neither)."""
        validation.count(count, "serials")
        product = self.product_by_id(batch.product_id)
        fmt = parse_format(product.serial_format, "serial")
        self._allocate(conn, product, fmt, batch.id, count, actor, date.today())
        rows = conn.execute(
            "SELECT id, batch_id, serial, state FROM units WHERE batch_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (batch.id, count),
        ).fetchall()
        return [Unit(r[0], r[1], r[2], UnitState(r[3])) for r in reversed(rows)]

    def _allocate(
        self,
        conn: Connection,
        product: Product,
        fmt: CodeFormat,
        batch_id: int,
        count: int,
        actor: Actor,
        day: date,
    ) -> list[str]:
        serials: list[str] = []
        if fmt.is_random:
            serials = self._insert_random(conn, product.id, batch_id, fmt, count, day)
        else:
            for offset in range(0, count, _ALLOCATION_SLICE):
                chunk = self._next_codes(
                    conn, product.id, "serial", fmt, min(_ALLOCATION_SLICE, count - offset), day
                )
                # Lengths only grow with the counter: checking the last checks them all.
                validate_ai82(chunk[-1], "serial")
                try:
                    if count == 1 and self.engine.remote:  # the unit and its event at once
                        conn.execute(
                            _ONE_SERIAL,
                            (product.id, batch_id, chunk[0], actor.station, actor.user,
                             product.id, batch_id, 1, chunk[0], chunk[0]),
                        )  # fmt: skip
                        return chunk
                    if len(chunk) == 1:  # a station taking one serial: the common case
                        conn.execute(
                            "INSERT INTO units (product_id, batch_id, serial) VALUES (?, ?, ?)",
                            (product.id, batch_id, chunk[0]),
                        )
                    else:
                        # One statement per slice: json_each keeps the loop inside SQLite,
                        # twice as fast as executemany over tuples.
                        conn.execute(
                            "INSERT INTO units (product_id, batch_id, serial)"
                            " SELECT ?, ?, value FROM json_each(?)",
                            (product.id, batch_id, json.dumps(chunk)),
                        )
                except sqlite3.IntegrityError:
                    raise ConflictError(
                        f"A serial of product '{product.sku}' near '{chunk[0]}' is already taken; "
                        "serials are never reused. Change the product's serial format."
                    ) from None
                serials.extend(chunk)
        conn.execute(
            _ALLOCATION_EVENT,
            (actor.station, actor.user, product.id, batch_id, count, serials[0], serials[-1]),
        )
        return serials

    def _insert_random(
        self,
        conn: Connection,
        product_id: int,
        batch_id: int,
        fmt: CodeFormat,
        count: int,
        day: date,
    ) -> list[str]:
        (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()
        missing = count
        for _ in range(100):
            if not missing:
                break
            changes = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO units (product_id, batch_id, serial) VALUES (?, ?, ?)",
                [(product_id, batch_id, fmt.render(0, day)) for _ in range(missing)],
            )
            missing -= conn.total_changes - changes
        if missing:
            raise ConflictError("The random serial format is nearly exhausted; use a longer one.")
        # We hold the write lock, so every row after ``before`` is ours.
        return [
            r[0]
            for r in conn.execute("SELECT serial FROM units WHERE id > ? ORDER BY id", (before,))
        ]

    def units(self, batch: Batch, limit: int | None = None) -> list[Unit]:
        sql = "SELECT id, batch_id, serial, state FROM units WHERE batch_id = ? ORDER BY id"
        params: list[Any] = [batch.id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [unit_from_row(r) for r in self._rows(sql, params)]

    def next_unprinted(self, batch: Batch) -> Unit | None:
        """The batch's first serial still waiting for its label, if any."""
        rows = self._rows(
            "SELECT id, batch_id, serial, state FROM units WHERE batch_id = ? AND state = ?"
            " ORDER BY id LIMIT 1",
            [batch.id, UnitState.ALLOCATED],
        )
        return unit_from_row(rows[0]) if rows else None

    def unit(self, product_id: int, serial: str) -> Unit | None:
        rows = self._rows(
            "SELECT id, batch_id, serial, state FROM units WHERE product_id = ? AND serial = ?",
            [product_id, serial],
        )
        return unit_from_row(rows[0]) if rows else None

    def batches_by_ids(self, batch_ids: Sequence[int]) -> dict[int, Batch]:
        found: dict[int, Batch] = {}
        for chunk in in_chunks(list(batch_ids)):
            for r in self._rows(
                f"{BATCH_SELECT} WHERE b.id IN ({marks(chunk)})",
                chunk,
            ):
                found[r["id"]] = _batch(r)
        return found

    def unit_counts_by_batch(self, batch_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Unit counts per state for many batches in one query."""
        counts: dict[int, dict[str, int]] = {b: dict.fromkeys(UnitState, 0) for b in batch_ids}
        for chunk in in_chunks(list(batch_ids)):
            for r in self._rows(
                "SELECT batch_id, state, count(*) AS n FROM units"
                f" WHERE batch_id IN ({marks(chunk)}) GROUP BY batch_id, state",
                chunk,
            ):
                counts[r["batch_id"]][r["state"]] = r["n"]
        return counts

    def unit_counts(self, batch: Batch) -> dict[str, int]:
        rows = self._rows(
            "SELECT state, count(*) AS n FROM units WHERE batch_id = ? GROUP BY state", [batch.id]
        )
        counts: dict[str, int] = dict.fromkeys(UnitState, 0)
        counts.update({r["state"]: r["n"] for r in rows})
        return counts

    def units_by_serials(self, batch: Batch, serials: Iterable[str]) -> list[Unit]:
        """The units of ``batch`` with these serials, in the order given; unknown ones raise."""
        wanted = list(serials)
        found: dict[str, Unit] = {}
        for chunk in in_chunks(wanted):
            for r in self._rows(
                f"SELECT id, batch_id, serial, state FROM units WHERE batch_id = ? AND serial IN ({marks(chunk)})",
                [batch.id, *chunk],
            ):
                found[r["serial"]] = unit_from_row(r)
        unknown = [s for s in wanted if s not in found]
        if unknown:
            raise NotFoundError(
                f"Serial {unknown[0]!r} is not in batch '{batch.lot}'.",
                needs="batch_serials",
                lot=batch.lot,
            )
        return [found[s] for s in wanted]


def _status(status: BatchStatus | str) -> BatchStatus:
    try:
        return BatchStatus(status)
    except ValueError:
        known = ", ".join(BatchStatus)
        raise InputError(f"Unknown status '{status}'; use one of {known}.") from None


def _one(conn: Connection, sql: str, params: Sequence[Any]) -> dict[str, Any]:
    """The first row of a query run inside a transaction, as a dict."""
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        raise NotFoundError("The record was removed while this command ran; try again.")
    return dict(zip([c[0] for c in cursor.description], row, strict=True))
