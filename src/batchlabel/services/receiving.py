"""A receiving session: scans checked one by one against what a delivery should hold.

Every scan is committed as an event the moment it is read, so a killed session loses
nothing already scanned, and a session can be picked up again from those events (after a
reload, or on another device). Expectations come from text (one code per line: a unit's
code, or a lot, GTIN or SKU followed by ``,QUANTITY``) or from one of our own shipments. A
carton's label counts as every item packed in it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchlabel import validation
from batchlabel.codes.scans import code_lines
from batchlabel.errors import InputError
from batchlabel.models import Actor, BatchStatus, MatchKind, UnitState
from batchlabel.services.lookup import CodeLookup, Resolution
from batchlabel.store import Store
from batchlabel.validation import MAX_SERIALS_PER_REQUEST, ascii_digits

MAX_EXPECTED_LINES = 10_000

DUPLICATE, UNKNOWN, NOT_RELEASED, UNEXPECTED, WARNING = (
    "duplicate", "unknown", "not_released", "unexpected", "warning",
)  # fmt: skip


@dataclass
class ExpectedLine:
    code: str
    key: str  # unit:PRODUCT_ID:SERIAL, batch:BATCH_ID or product:PRODUCT_ID
    label: str
    quantity: int
    received: int = 0


@dataclass
class ScanOutcome:
    number: int
    resolution: Resolution
    flags: list[str] = field(default_factory=list)
    who: str = ""
    at: str = ""
    extra_items: int = 0  # of its items, how many were not expected
    duplicate_items: int = 0  # and how many had been scanned before

    def public(self) -> dict[str, Any]:
        return {"scan": self.number, **self.resolution.public(), "flags": self.flags}


def read_expected(path: Path, lookup: CodeLookup) -> list[ExpectedLine]:
    """The expected contents of a delivery from a file (see :func:`parse_expected`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's CSV starts with a BOM
    except OSError as error:
        raise InputError(f"Cannot read the expected list {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise InputError(f"The expected list {path} is not UTF-8 text.") from None
    return parse_expected(text, lookup, str(path))


def parse_expected(text: str, lookup: CodeLookup, source: str) -> list[ExpectedLine]:
    """Expected contents, one code per line or CODE,QUANTITY, each line resolved now so that
    a wrong line is reported before the first scan, not after the last."""
    lines: list[ExpectedLine] = []
    for number, raw in enumerate(code_lines(text), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        if len(lines) >= MAX_EXPECTED_LINES:
            raise InputError(
                f"{source} lists over {MAX_EXPECTED_LINES:,} lines; split the delivery."
            )
        code, quantity = entry, 1
        head, comma, tail = entry.rpartition(",")
        if comma and ascii_digits(tail.strip()):
            code, quantity = head.strip(), int(tail)
            if not 1 <= quantity <= MAX_SERIALS_PER_REQUEST:
                raise InputError(
                    f"{source}, line {number}: the quantity must be 1 to "
                    f"{MAX_SERIALS_PER_REQUEST:,}; fix the line and start again."
                )
        found = lookup.resolve(code)
        if found.match == MatchKind.CARTON:
            raise InputError(
                f"{source}, line {number}: '{validation.shown(code)[:60]}' is a carton; list "
                "the items it holds, or expect one of our shipments."
            )
        if found.match == MatchKind.NONE or found.error:
            why = found.error or "unknown code"
            raise InputError(
                f"{source}, line {number}: '{validation.shown(code)[:60]}' does not match a "
                f"record ({why.rstrip('.')}); fix the line and start again."
            )
        lines.append(ExpectedLine(code, _key(found), _label(found), quantity))
    if not lines:
        raise InputError(f"{source} lists nothing to expect; one code per line, or CODE,QUANTITY.")
    return lines


def shipment_expected(store: Store, code: str) -> list[ExpectedLine]:
    """What one of our own shipments carried, item by item."""
    units = store.shipment_contents(code)
    if not units:
        raise InputError(f"Shipment {code} carried no items; choose another.")
    return [
        ExpectedLine(
            f"{u['sku']} lot {u['lot']} serial {u['serial']}",
            f"unit:{u['product_id']}:{u['serial']}",
            f"{u['sku']} lot {u['lot']} serial {u['serial']}",
            1,
        )
        for u in units
    ]


class ReceivingSession:
    """One delivery being checked. Several people may scan into it (each scan is recorded
    with who scanned it), and it can be picked up again from its records: see :meth:`resume`."""

    def __init__(
        self,
        lookup: CodeLookup,
        actor: Actor,
        expected: list[ExpectedLine] | None = None,
        name: str = "",
        session: int | None = None,
        source: str = "",
    ) -> None:
        self.lookup = lookup
        self.store = lookup.store
        self.actor = actor
        self.name = name
        self.source = source  # where the expected list came from
        self.expected = expected or []
        self.outcomes: list[ScanOutcome] = []
        self.finished: dict[str, Any] | None = None
        self._seen_units: set[str] = set()
        self._by_key = {line.key: line for line in self.expected}
        if session is None:
            session = self.store.start_session(
                actor,
                {
                    "lines": [[line.code, line.quantity] for line in self.expected],
                    "keys": [[line.key, line.label, line.quantity] for line in self.expected],
                    "source": source,
                },
                name=name,
            )
        self.session = session

    @classmethod
    def resume(cls, lookup: CodeLookup, session: int) -> ReceivingSession:
        """A session rebuilt from its events: its expected lines, then every scan in order,
        with the flags each scan was given when it was read."""
        opened = lookup.store.receiving_session(session)
        stored = opened["expected"]
        expected = [
            ExpectedLine(label, key, label, int(quantity))
            for key, label, quantity in stored.get("keys", [])
        ]
        if not expected and stored.get("lines"):  # sessions opened before keys were kept
            expected = parse_expected(
                "\n".join(f"{code},{quantity}" for code, quantity in stored["lines"]),
                lookup,
                f"session {session}",
            )
        owner = Actor(user=opened["user"], station=opened["station"])
        restored = cls(
            lookup, owner, expected, opened["name"], session=session,
            source=stored.get("source", ""),
        )  # fmt: skip
        for row in lookup.store.session_scans(session):
            detail = row["detail"]
            found = Resolution(
                input=detail.get("input", ""),
                match=MatchKind(detail.get("match", MatchKind.NONE)),
                lot=detail.get("lot"),
                serial=row["serial"],
                sku=detail.get("sku"),
                batch_status=detail.get("status"),
                unit_state=detail.get("unit_state"),
                carton=detail.get("carton"),
                contents=detail.get("contents", []),
                warnings=detail.get("warnings", []),
                product_name=detail.get("product_name"),
                error=detail.get("error"),
                product_id=row["product_id"],
                batch_id=row["batch_id"],
            )
            outcome = ScanOutcome(len(restored.outcomes) + 1, found, list(detail.get("flags", [])))
            outcome.who = f"{row['user']} at {row['station']}"
            outcome.at = row["at"]
            _, outcome.extra_items, outcome.duplicate_items = restored._count(
                found, detail.get("units", [])
            )
            restored.outcomes.append(outcome)
        if opened["finished"] is not None:
            restored.finished = opened["finished"]
        return restored

    def scan(self, raw: str, actor: Actor | None = None) -> ScanOutcome:
        """Resolve, check and record one scan. Nothing is counted unless the scan event was
        written: a failed write leaves the session as it was, so the scan can be repeated."""
        who = actor or self.actor
        found = self.lookup.resolve(raw)
        outcome = ScanOutcome(len(self.outcomes) + 1, found, who=f"{who.user} at {who.station}")
        flags = outcome.flags
        units: list[list[Any]] = []
        if found.match == MatchKind.CARTON:
            assert found.carton is not None
            units = [
                [u["product_id"], u["batch_id"], u["serial"]]
                for u in self.store.carton_contents(found.carton)
            ]
        seen = set(self._seen_units)
        received = [line.received for line in self.expected]
        if found.match == MatchKind.NONE:
            flags.append(UNKNOWN)
        else:
            if (found.batch_status is not None and found.batch_status != BatchStatus.RELEASED) or (
                any(row["status"] != BatchStatus.RELEASED for row in found.contents)
            ):
                flags.append(NOT_RELEASED)
            if found.warnings:
                flags.append(WARNING)
            counted, outcome.extra_items, outcome.duplicate_items = self._count(found, units)
            flags.extend(counted)
        # What a page needs to show this scan again, as it was, after a restart.
        extra: dict[str, Any] = {
            "sku": found.sku, "product_name": found.product_name, "status": found.batch_status,
            "unit_state": found.unit_state, "warnings": found.warnings,
        }  # fmt: skip
        if found.match == MatchKind.CARTON:
            extra |= {"carton": found.carton, "contents": found.contents, "units": units}
        try:
            self.lookup.record(found, who, self.session, flags=flags, error=found.error, **extra)
        except BaseException:
            self._seen_units = seen
            for line, count in zip(self.expected, received, strict=True):
                line.received = count
            raise
        self.outcomes.append(outcome)
        return outcome

    def _count(self, found: Resolution, units: list[list[Any]]) -> tuple[list[str], int, int]:
        """Count a scan against what was seen and expected: the flags it earns, and how many
        of its items (a carton has several) were not expected and were seen before."""
        if found.match == MatchKind.NONE:
            return [], 0, 0
        if found.match == MatchKind.CARTON:
            items = [
                [f"unit:{pid}:{serial}", f"batch:{bid}", f"product:{pid}"]
                for pid, bid, serial in units
            ]
        else:
            items = [self._keys(found)]
        extra = duplicates = 0
        for keys in items:
            if keys and keys[0].startswith("unit:"):
                if keys[0] in self._seen_units:
                    duplicates += 1
                    continue
                self._seen_units.add(keys[0])
            if self.expected:
                line = self._expected_line(keys)
                if line is None or line.received >= line.quantity:
                    extra += 1
                if line is not None:
                    line.received += 1
        flags = ([DUPLICATE] if duplicates else []) + ([UNEXPECTED] if extra else [])
        return flags, extra, duplicates

    @staticmethod
    def _keys(found: Resolution) -> list[str]:
        keys = []
        if found.match == MatchKind.UNIT:
            keys.append(_key(found))
        if found.batch_id is not None:
            keys.append(f"batch:{found.batch_id}")
        if found.product_id is not None:
            keys.append(f"product:{found.product_id}")
        return keys

    def _expected_line(self, keys: list[str]) -> ExpectedLine | None:
        lines = [self._by_key[k] for k in keys if k in self._by_key]
        # The most specific line with room left takes the item; else the most specific.
        for line in lines:
            if line.received < line.quantity:
                return line
        return lines[0] if lines else None

    def summary(self) -> dict[str, Any]:
        counts: Counter[str] = Counter(flag for o in self.outcomes for flag in o.flags)
        received = len(self._seen_units) + sum(
            1 for o in self.outcomes if o.resolution.match in (MatchKind.BATCH, MatchKind.PRODUCT)
        )
        return {
            "session": self.session,
            "name": self.name,
            "scans": len(self.outcomes),
            "received": received,
            "expected": sum(line.quantity for line in self.expected),
            "expected_received": sum(min(line.received, line.quantity) for line in self.expected),
            "missing": [
                {"code": line.label, "missing": line.quantity - line.received}
                for line in self.expected
                if line.received < line.quantity
            ],
            "extra": [o.resolution.input for o in self.outcomes if UNEXPECTED in o.flags],
            "extra_items": sum(o.extra_items for o in self.outcomes),
            "duplicates": [o.resolution.input for o in self.outcomes if DUPLICATE in o.flags],
            "duplicate_items": sum(o.duplicate_items for o in self.outcomes),
            "unknown": [o.resolution.input for o in self.outcomes if UNKNOWN in o.flags],
            "not_released": counts[NOT_RELEASED],
            "warnings": counts[WARNING],
        }

    def finish(self, actor: Actor | None = None) -> dict[str, Any]:
        summary = self.summary()
        if self.finished is None:
            self.store.finish_session(
                self.session,
                actor or self.actor,
                {k: v for k, v in summary.items() if k not in ("session", "name")},
            )
            self.finished = {"detail": summary}
        return summary


VERDICTS = {
    UNKNOWN: "Unknown code",
    DUPLICATE: "Duplicate",
    UNEXPECTED: "Not expected",
}
STATUS_VERDICTS = {
    BatchStatus.RECALLED: "Recalled",
    BatchStatus.REJECTED: "Rejected",
    BatchStatus.QUARANTINED: "Quarantined",
    BatchStatus.IN_PRODUCTION: "Not released",
}


def verdicts(outcome: ScanOutcome) -> list[str]:
    """What a receiver must notice about one scan, in words; empty when all is well."""
    found = outcome.resolution
    said = [VERDICTS[flag] for flag in outcome.flags if flag in VERDICTS]
    statuses = {found.batch_status} | {row["status"] for row in found.contents}
    said += [STATUS_VERDICTS[s] for s in STATUS_VERDICTS if s in statuses]
    if found.unit_state == UnitState.VOIDED:
        said.append("Voided")
    if WARNING in outcome.flags and not said:  # a typo, a misprint or a copy: its warning says
        said.append("Check the label")
    return said


def described(outcome: ScanOutcome) -> str:
    """What a scan matched, in words."""
    found = outcome.resolution
    if found.match == MatchKind.CARTON:
        return f"Carton {found.carton}: " + (
            "; ".join(f"{r['units']} x {r['sku']} lot {r['lot']}" for r in found.contents)
            or "empty"
        )
    if found.match == MatchKind.NONE:
        return found.error or "No record matches this code."
    status = str(found.batch_status or "").replace("_", " ")
    return " · ".join(
        part
        for part in (
            found.sku or "",
            f"lot {found.lot}" if found.lot else "",
            f"serial {found.serial}" if found.match == MatchKind.UNIT else "",
            status,
        )
        if part
    )


SHEET_HEADER = ("line", "code", "expected", "received", "note", "record", "who")


def sheet_rows(session: ReceivingSession) -> list[list[Any]]:
    """The session as spreadsheet rows: each expected line with what came, then each scan."""
    rows: list[list[Any]] = []
    for line in session.expected:
        missing = line.quantity - min(line.received, line.quantity)
        rows.append(
            ["expected", line.label, line.quantity, line.received,
             f"{missing} missing" if missing else "", "", ""]
        )  # fmt: skip
    for outcome in session.outcomes:
        rows.append(
            ["scan", validation.shown(outcome.resolution.input)[:200], "", "",
             "; ".join(verdicts(outcome)) or "ok", described(outcome), outcome.who]
        )  # fmt: skip
    return rows


def _key(found: Resolution) -> str:
    if found.match == MatchKind.UNIT:
        return f"unit:{found.product_id}:{found.serial}"
    if found.match == MatchKind.BATCH:
        return f"batch:{found.batch_id}"
    if found.match == MatchKind.PRODUCT:
        return f"product:{found.product_id}"
    return MatchKind.NONE


def _label(found: Resolution) -> str:
    if found.match == MatchKind.UNIT:
        return f"{found.sku} lot {found.lot} serial {found.serial}"
    if found.match == MatchKind.BATCH:
        return f"{found.sku} lot {found.lot}"
    return f"{found.sku}"
