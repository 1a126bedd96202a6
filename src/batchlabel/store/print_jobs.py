"""Print job records: which labels of a job are pending, sent, confirmed, failed or voided."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from batchlabel import validation
from batchlabel.errors import ConflictError, InputError, NotFoundError
from batchlabel.models import Actor, Batch, LabelState, Unit
from batchlabel.store.base import StoreBase, in_chunks, marks, now

_PRINTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")


@dataclass(frozen=True)
class JobLabel:
    position: int
    unit_id: int | None
    serial: str | None
    state: LabelState


@dataclass(frozen=True)
class PrintJob:
    """A job and how many of its labels are in each state (the labels themselves are read
    in chunks with ``job_labels`` so that a large job never sits in memory)."""

    id: int
    batch_id: int
    template: str
    printer: str
    dpi: int
    kind: str
    reason: str | None
    counts: dict[str, int]

    def count(self, state: LabelState) -> int:
        return self.counts.get(state, 0)


class PrintRecords(StoreBase):
    """Mixed into Store: print job SQL."""

    def add_printer(
        self, name: str, uri: str, dpi: int, language: str, actor: Actor, media: str | None = None
    ) -> None:
        name = validation.line(name, "printer name", max_length=60)
        if not _PRINTER_NAME.fullmatch(name):
            raise InputError(
                f"A printer name is letters, digits, spaces, '.', '_' and '-', not '{name}'."
            )
        try:
            with self.transaction() as conn:
                conn.execute(
                    "INSERT INTO printers (name, uri, dpi, language, media, created_at)"
                    " VALUES (?, ?, ?, ?, ?, datetime('now'))",
                    (name, uri, dpi, language, media),
                )
                self._log(conn, "printer_added", actor, name=name, uri=uri)
        except sqlite3.IntegrityError:
            raise ConflictError(f"A printer named '{name}' already exists.") from None

    def note_printer_status(self, name: str, status: str) -> None:
        """Keep what a saved printer said when last asked ('ready', or its problem)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE printers SET last_status = ?, last_checked = ? WHERE name = ?",
                (status[:300], now(), name),
            )

    def remove_printer(self, name: str, actor: Actor) -> None:
        """Forget a saved printer; its past jobs keep the address they printed to."""
        with self.transaction() as conn:
            if not conn.execute("DELETE FROM printers WHERE name = ?", (name,)).rowcount:
                raise NotFoundError(f"No printer named '{name}' is saved.", needs="known_printer")
            self._log(conn, "printer_removed", actor, name=name)

    def printers(self) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT name, uri, dpi, language, media, last_status, last_checked FROM printers"
            " ORDER BY name"
        )

    def printer(self, name: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT name, uri, dpi, language, media FROM printers WHERE name = ?", [name]
        )
        return rows[0] if rows else None

    def create_print_job(
        self,
        batch: Batch,
        template: str,
        printer: str,
        dpi: int,
        units: list[Unit] | None,
        labels: int,
        actor: Actor,
        kind: str = "print",
        reason: str | None = None,
        new_serials: int = 0,
    ) -> int:
        """Record a job and its labels as pending, in one transaction. A first print of a
        serial whose label may already exist is refused: that needs a reprint. With
        ``new_serials`` the serials are allocated in the same transaction, for the job."""
        if reason is not None or kind != "print":
            reason = validation.reason(reason)
        with self.transaction() as conn:
            if new_serials:
                units = self._allocate_units(conn, batch, new_serials, actor)
                labels = len(units)
            if units and kind == "print":
                for chunk in in_chunks(units):
                    row = conn.execute(
                        f"SELECT u.serial, u.state FROM units u WHERE u.id IN ({marks(chunk)})"
                        " AND (u.state != 'allocated' OR EXISTS (SELECT 1 FROM print_job_labels l"
                        " WHERE l.unit_id = u.id AND l.state != 'voided'))",
                        [u.id for u in chunk],
                    ).fetchone()
                    if row:
                        raise ConflictError(
                            f"Serial {row[0]} already has a label ({row[1]}); it prints again only "
                            "as a reprint with a reason.",
                            needs="reprint",
                            serial=row[0],
                        )
            cursor = conn.execute(
                "INSERT INTO print_jobs (batch_id, template, printer, dpi, kind, reason, station, user,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
                (batch.id, template, printer, dpi, kind, reason, actor.station, actor.user),
            )
            job_id = int(cursor.lastrowid or 0)
            if units:
                conn.executemany(
                    "INSERT INTO print_job_labels (job_id, position, unit_id) VALUES (?, ?, ?)",
                    [(job_id, n, u.id) for n, u in enumerate(units)],
                )
                if kind == "reprint":
                    # Reprinting an uncertain label settles it: someone looked, and it did not
                    # come out (or came out damaged). It no longer counts as uncertain.
                    for ids in in_chunks([u.id for u in units]):
                        conn.execute(
                            "UPDATE print_job_labels SET state = 'failed' WHERE state = 'sent'"
                            f" AND job_id != ? AND unit_id IN ({marks(ids)})",
                            [job_id, *ids],
                        )
            else:
                conn.executemany(
                    "INSERT INTO print_job_labels (job_id, position, unit_id) VALUES (?, ?, NULL)",
                    [(job_id, n) for n in range(labels)],
                )
            self._log(
                conn,
                "print_job_created" if kind == "print" else "reprint",
                actor,
                batch.product_id,
                batch.id,
                job=job_id,
                template=template,
                printer=printer,
                labels=len(units) if units else labels,
                reason=reason,
            )
        return job_id

    def mark_labels(
        self, job_id: int, positions: list[int], state: LabelState, actor: Actor
    ) -> list[int]:
        """Move labels of a job to ``state``; 'sent' also marks their units printed. Only a
        pending label can be sent (one voided meanwhile stays voided), and only a sent one
        goes back to pending; answers the positions that moved."""
        state = LabelState(state)
        before = {LabelState.SENT: "pending", LabelState.PENDING: "sent"}.get(state)
        with self.transaction() as conn:
            if before is None:
                conn.executemany(
                    "UPDATE print_job_labels SET state = ? WHERE job_id = ? AND position = ?",
                    [(state, job_id, p) for p in positions],
                )
            else:
                moved: list[int] = []
                for chunk in in_chunks(positions):
                    moved += [
                        row[0]
                        for row in conn.execute(
                            "UPDATE print_job_labels SET state = ? WHERE job_id = ?"
                            f" AND state = ? AND position IN ({marks(chunk)}) RETURNING position",
                            [state, job_id, before, *chunk],
                        )
                    ]
                positions = sorted(moved)
            if state == LabelState.SENT:
                conn.executemany(
                    "UPDATE units SET state = 'printed' WHERE state = 'allocated' AND id ="
                    " (SELECT unit_id FROM print_job_labels WHERE job_id = ? AND position = ?)",
                    [(job_id, p) for p in positions],
                )
            elif state == LabelState.PENDING:
                # Back to pending: not one byte left. A unit with no other label that may
                # have printed is unprinted again, never "printed" without a label.
                conn.executemany(
                    "UPDATE units SET state = 'allocated' WHERE state = 'printed' AND id ="
                    " (SELECT unit_id FROM print_job_labels WHERE job_id = ? AND position = ?)"
                    " AND NOT EXISTS (SELECT 1 FROM print_job_labels o WHERE o.unit_id = units.id"
                    " AND o.state IN ('sent', 'confirmed'))",
                    [(job_id, p) for p in positions],
                )
            batch_id = conn.execute(
                "SELECT batch_id FROM print_jobs WHERE id = ?", (job_id,)
            ).fetchone()[0]
            self._log(
                conn,
                f"labels_{state}",
                actor,
                None,
                batch_id,
                job=job_id,
                count=len(positions),
                first=positions[0] if positions else None,
                last=positions[-1] if positions else None,
            )
        return positions

    def print_job(self, job_id: int) -> PrintJob:
        rows = self._rows("SELECT * FROM print_jobs WHERE id = ?", [job_id])
        if not rows:
            raise NotFoundError(f"No print job {job_id}.", needs="known_job")
        job = rows[0]
        counts = {
            r["state"]: r["n"]
            for r in self._rows(
                "SELECT state, count(*) AS n FROM print_job_labels WHERE job_id = ? GROUP BY state",
                [job_id],
            )
        }
        return PrintJob(
            job["id"],
            job["batch_id"],
            job["template"],
            job["printer"],
            job["dpi"],
            job["kind"],
            job["reason"],
            counts,
        )

    def job_labels(
        self, job_id: int, state: LabelState, after: int = -1, limit: int = 200
    ) -> list[JobLabel]:
        """The next ``limit`` labels of a job in ``state`` after position ``after``, in order."""
        return [
            JobLabel(r["position"], r["unit_id"], r["serial"], LabelState(r["state"]))
            for r in self._rows(
                "SELECT l.position, l.unit_id, u.serial, l.state FROM print_job_labels l"
                " LEFT JOIN units u ON u.id = l.unit_id"
                " WHERE l.job_id = ? AND l.state = ? AND l.position > ? ORDER BY l.position LIMIT ?",
                [job_id, state, after, limit],
            )
        ]

    def job_serials(self, job_id: int, state: LabelState) -> list[str]:
        """Serials of a job's labels in ``state`` (``#N`` for batch labels without one)."""
        return [
            r["serial"] or f"#{r['position']}"
            for r in self._rows(
                "SELECT l.position, u.serial FROM print_job_labels l"
                " LEFT JOIN units u ON u.id = l.unit_id"
                " WHERE l.job_id = ? AND l.state = ? ORDER BY l.position",
                [job_id, state],
            )
        ]

    def confirm_sent(self, job_id: int, spans: Sequence[tuple[int, int]], actor: Actor) -> int:
        """Mark the labels in ``spans`` (first and last position, inclusive) confirmed, those
        still 'sent' only; returns how many.

        Only the labels of the send the printer just confirmed: a label left uncertain by an
        earlier, broken send stays uncertain until it is reprinted or voided. Spans, not
        positions, so a job of any size is confirmed in flat memory."""
        changed = 0
        with self.transaction() as conn:
            for first, last in spans:
                changed += conn.execute(
                    "UPDATE print_job_labels SET state = 'confirmed' WHERE job_id = ?"
                    " AND state = 'sent' AND position BETWEEN ? AND ?",
                    (job_id, first, last),
                ).rowcount
            if changed:
                batch_id = conn.execute(
                    "SELECT batch_id FROM print_jobs WHERE id = ?", (job_id,)
                ).fetchone()[0]
                self._log(
                    conn, "labels_confirmed", actor, None, batch_id, job=job_id, count=changed
                )
        return changed

    def print_jobs(self, limit: int = 50, batch_id: int | None = None) -> list[dict[str, Any]]:
        """The latest jobs (of one batch when ``batch_id`` is given), with label counts."""
        where = "WHERE j.batch_id = ?" if batch_id is not None else ""
        return self._rows(
            "SELECT j.id, j.kind, j.template, j.printer, j.created_at, j.user, j.station, b.lot,"
            " p.sku, count(CASE l.state WHEN 'pending' THEN 1 END) AS pending,"
            " count(CASE l.state WHEN 'sent' THEN 1 END) AS sent,"
            " count(CASE l.state WHEN 'confirmed' THEN 1 END) AS confirmed,"
            " count(CASE l.state WHEN 'voided' THEN 1 END) AS voided"
            " FROM print_jobs j JOIN batches b ON b.id = j.batch_id JOIN products p ON p.id = b.product_id"
            f" LEFT JOIN print_job_labels l ON l.job_id = j.id {where}"
            " GROUP BY j.id, b.id, p.id ORDER BY j.id DESC LIMIT ?",
            [*([batch_id] if batch_id is not None else []), limit],
        )

    def void_units(self, units: list[Unit], reason: str, actor: Actor) -> None:
        """Void serials for good: never reused, pending labels of them are not sent."""
        reason = validation.reason(reason)
        with self.transaction() as conn:
            for unit in units:
                conn.execute("UPDATE units SET state = 'voided' WHERE id = ?", (unit.id,))
                # Its pending labels never go out, and an uncertain one is settled: the serial
                # is retired whether or not that label came out.
                conn.execute(
                    "UPDATE print_job_labels SET state = 'voided' WHERE unit_id = ?"
                    " AND state IN ('pending', 'sent')",
                    (unit.id,),
                )
                batch = conn.execute(
                    "SELECT product_id FROM batches WHERE id = ?", (unit.batch_id,)
                ).fetchone()
                self._log(
                    conn, "voided", actor, batch[0], unit.batch_id, unit.serial, reason=reason
                )
