"""A receiving session: scans checked one by one against what a delivery should hold.

Every scan is committed as an event the moment it is read, so a killed session loses
nothing already scanned. Expectations come from a file: one code per line (a unit's code,
or a lot, GTIN or SKU followed by ``,QUANTITY``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchlabel.errors import InputError
from batchlabel.models import Actor, BatchStatus, MatchKind
from batchlabel.services.lookup import CodeLookup, Resolution
from batchlabel.validation import MAX_SERIALS_PER_REQUEST, ascii_digits

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

    def public(self) -> dict[str, Any]:
        return {"scan": self.number, **self.resolution.public(), "flags": self.flags}


def read_expected(path: Path, lookup: CodeLookup) -> list[ExpectedLine]:
    """The expected contents of a delivery, each line resolved now so that a wrong line is
    reported before the first scan, not after the last."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"Cannot read the expected list {path}: {error.strerror}.") from None
    lines: list[ExpectedLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        code, quantity = entry, 1
        head, comma, tail = entry.rpartition(",")
        if comma and ascii_digits(tail.strip()):
            code, quantity = head.strip(), int(tail)
            if not 1 <= quantity <= MAX_SERIALS_PER_REQUEST:
                raise InputError(
                    f"{path}, line {number}: the quantity must be 1 to {MAX_SERIALS_PER_REQUEST:,}; "
                    "fix the line and start again."
                )
        found = lookup.resolve(code)
        if found.match == MatchKind.NONE or found.error:
            raise InputError(
                f"{path}, line {number}: '{code}' does not match a record "
                f"({(found.error or 'unknown code').rstrip('.')}); fix the line and start again."
            )
        lines.append(ExpectedLine(code, _key(found), _label(found), quantity))
    if not lines:
        raise InputError(f"{path} lists nothing to expect; one code per line, or CODE,QUANTITY.")
    return lines


class ReceivingSession:
    def __init__(
        self, lookup: CodeLookup, actor: Actor, expected: list[ExpectedLine] | None = None
    ) -> None:
        self.lookup = lookup
        self.store = lookup.store
        self.actor = actor
        self.expected = expected or []
        self.outcomes: list[ScanOutcome] = []
        self._seen_units: set[str] = set()
        self._by_key = {line.key: line for line in self.expected}
        self.session = self.store.start_session(
            actor, {"lines": [[line.code, line.quantity] for line in self.expected]}
        )

    def scan(self, raw: str) -> ScanOutcome:
        found = self.lookup.resolve(raw)
        outcome = ScanOutcome(len(self.outcomes) + 1, found)
        flags = outcome.flags
        if found.match == MatchKind.NONE:
            flags.append(UNKNOWN)
        else:
            if found.batch_status is not None and found.batch_status != BatchStatus.RELEASED:
                flags.append(NOT_RELEASED)
            if found.warnings:
                flags.append(WARNING)
            if found.match == MatchKind.UNIT:
                unit_key = _key(found)
                if unit_key in self._seen_units:
                    flags.append(DUPLICATE)
                self._seen_units.add(unit_key)
            if DUPLICATE not in flags and self.expected:
                line = self._expected_line(found)
                if line is None or line.received >= line.quantity:
                    flags.append(UNEXPECTED)
                if line is not None:
                    line.received += 1
        self.lookup.record(found, self.actor, self.session, flags=flags, error=found.error)
        self.outcomes.append(outcome)
        return outcome

    def _expected_line(self, found: Resolution) -> ExpectedLine | None:
        keys = []
        if found.match == MatchKind.UNIT:
            keys.append(_key(found))
        if found.batch_id is not None:
            keys.append(f"batch:{found.batch_id}")
        if found.product_id is not None:
            keys.append(f"product:{found.product_id}")
        lines = [self._by_key[k] for k in keys if k in self._by_key]
        # The most specific line with room left takes the item; else the most specific.
        for line in lines:
            if line.received < line.quantity:
                return line
        return lines[0] if lines else None

    def summary(self) -> dict[str, Any]:
        counts: Counter[str] = Counter(flag for o in self.outcomes for flag in o.flags)
        received = sum(
            1
            for o in self.outcomes
            if o.resolution.match != MatchKind.NONE and DUPLICATE not in o.flags
        )
        return {
            "session": self.session,
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
            "duplicates": [o.resolution.input for o in self.outcomes if DUPLICATE in o.flags],
            "unknown": [o.resolution.input for o in self.outcomes if UNKNOWN in o.flags],
            "not_released": counts[NOT_RELEASED],
            "warnings": counts[WARNING],
        }

    def finish(self) -> dict[str, Any]:
        summary = self.summary()
        self.store.finish_session(
            self.session,
            self.actor,
            {k: v for k, v in summary.items() if k != "session"},
        )
        return summary


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
