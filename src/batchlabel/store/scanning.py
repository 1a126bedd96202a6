"""Scan records: looking codes up by serial or lot alone, and receiving sessions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from batchlabel.errors import InputError, NotFoundError
from batchlabel.models import Actor, Batch, Unit, UnitState
from batchlabel.store.base import StoreBase, holds_nul
from batchlabel.store.rows import BATCH_SELECT, batch_from_row, unit_from_row

# A batch by lot and a unit by serial, of one product, in one row (NULLs where none).
_CODE_RECORDS = (
    "SELECT b.*, p.sku, u.id AS unit_id, u.batch_id AS unit_batch_id, u.state AS state_"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN batches b ON b.product_id = ? AND b.lot = ?"
    " LEFT JOIN products p ON p.id = b.product_id"
    " LEFT JOIN units u ON u.product_id = ? AND u.serial = ?"
)


class ScanRecords(StoreBase):
    """Mixed into Store: SQL for resolving codes and recording receiving sessions."""

    def code_records(
        self, product_id: int, lot: str | None, serial: str | None
    ) -> tuple[Batch | None, Unit | None]:
        """The batch named by ``lot`` and the unit named by ``serial`` of one product, for a
        scan: one statement for both (on PostgreSQL every statement is a trip to the
        server), straight through the connection, since this is the hot path of every scan."""
        if (lot is None and serial is None) or holds_nul((lot, serial)):
            return None, None
        with self.engine.errors():
            cursor = self.conn.execute(_CODE_RECORDS, (product_id, lot, product_id, serial))
            row = cursor.fetchone()
        names = [c[0] for c in cursor.description]
        found = dict(zip(names, row, strict=True))
        batch = batch_from_row(found) if found["id"] is not None else None
        unit = None
        if found["unit_id"] is not None:
            unit = Unit(
                found["unit_id"], found["unit_batch_id"], serial or "", UnitState(found["state_"])
            )
        return batch, unit

    def units_with_serial(self, serial: str) -> list[tuple[int, Unit]]:
        """(product id, unit) for every product that has ``serial``; the IN over products
        lets SQLite use the (product_id, serial) index instead of reading every unit."""
        rows = self._rows(
            "SELECT product_id, id, batch_id, serial, state FROM units"
            " WHERE product_id IN (SELECT id FROM products) AND serial = ?",
            [serial],
        )
        return [(r["product_id"], unit_from_row(r)) for r in rows]

    def units_anywhere(self, serials: Sequence[str], sku: str | None = None) -> list[Unit]:
        """Units named by serial alone (void, reprint), each of exactly one product."""
        product_id = None
        if sku:
            rows = self._rows("SELECT id FROM products WHERE sku = ?", [sku])
            product_id = rows[0]["id"] if rows else -1
        found: list[Unit] = []
        for serial in serials:
            matches = [
                unit
                for owner, unit in self.units_with_serial(serial)
                if product_id is None or owner == product_id
            ]
            if not matches:
                raise NotFoundError(
                    f"No unit with serial '{serial}'; check the label.", needs="sku"
                )
            if len(matches) > 1:
                raise InputError(f"Serial '{serial}' exists for several products.", needs="sku")
            found.append(matches[0])
        return found

    def batches_with_lot(self, lot: str) -> list[Batch]:
        rows = self._rows(
            f"{BATCH_SELECT} WHERE b.lot = ?",
            [lot],
        )
        return [batch_from_row(r) for r in rows]

    def start_session(self, actor: Actor, expected: dict[str, Any], name: str = "") -> int:
        """Open a receiving session; its number is the id of its opening event."""
        with self.transaction() as conn:
            return self._log(conn, "receive_started", actor, expected=expected, name=name)

    def receiving_session(self, session: int) -> dict[str, Any]:
        """A session's opening (who, when, name, expected lines) and its closing summary,
        or None while it is open."""
        rows = self._rows(
            "SELECT id, at, station, user, detail FROM events"
            " WHERE id = ? AND kind = 'receive_started'",
            [session],
        )
        if not rows:
            raise NotFoundError(f"No receiving session {session} is recorded; check the number.")
        opened = rows[0]
        detail = json.loads(opened.pop("detail"))
        finished = self._rows(
            "SELECT at, user, detail FROM events WHERE kind = 'receive_finished'"
            " AND json_extract(detail, '$.session') = ? ORDER BY id LIMIT 1",
            [session],
        )
        return {
            **opened,
            "name": detail.get("name") or f"Session {session}",
            "expected": detail.get("expected", {}),
            "finished": {**finished[0], "detail": json.loads(finished[0]["detail"])}
            if finished
            else None,
        }

    def session_progress(self, session: int) -> tuple[int, bool]:
        """How many scans a session has recorded, and whether it was finished: what a page
        kept in memory compares with the records, which another server process (or another
        machine) may have added to."""
        rows = self._rows(
            "SELECT (SELECT count(*) FROM events WHERE kind = 'scanned'"
            "  AND json_extract(detail, '$.session') = ?) AS scans,"
            " (SELECT count(*) FROM events WHERE kind = 'receive_finished'"
            "  AND json_extract(detail, '$.session') = ?) AS finished",
            [session, session],
        )
        return int(rows[0]["scans"]), bool(rows[0]["finished"])

    def receiving_sessions(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest sessions, newest first, with their scan counts and whether they ended."""
        rows = self._rows(
            "SELECT s.id, s.at, s.user, s.station, s.detail,"
            " (SELECT count(*) FROM events e WHERE e.kind = 'scanned'"
            "  AND json_extract(e.detail, '$.session') = s.id) AS scans,"
            " (SELECT max(f.at) FROM events f WHERE f.kind = 'receive_finished'"
            "  AND json_extract(f.detail, '$.session') = s.id) AS finished_at"
            " FROM events s WHERE s.kind = 'receive_started' ORDER BY s.id DESC LIMIT ?",
            [limit],
        )
        for row in rows:  # the name read here: any text a session was given stays readable
            row["name"] = json.loads(row.pop("detail")).get("name") or f"Session {row['id']}"
        return rows

    def record_scan(
        self,
        session: int | None,
        actor: Actor,
        product_id: int | None,
        batch_id: int | None,
        serial: str | None,
        detail: dict[str, Any],
    ) -> None:
        """One scan, committed at once: a killed session loses nothing already scanned."""
        with self.transaction() as conn:
            self._log(
                conn, "scanned", actor, product_id, batch_id, serial, session=session, **detail
            )

    def finish_session(self, session: int, actor: Actor, summary: dict[str, Any]) -> None:
        with self.transaction() as conn:
            self._log(conn, "receive_finished", actor, session=session, **summary)

    def session_scans(self, session: int) -> list[dict[str, Any]]:
        """The scans of a session in order, with their details."""
        rows = self._rows(
            "SELECT id, at, station, user, product_id, batch_id, serial, detail FROM events"
            " WHERE kind = 'scanned'"
            " AND id > ? AND json_extract(detail, '$.session') = ? ORDER BY id",
            [session, session],
        )
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]
