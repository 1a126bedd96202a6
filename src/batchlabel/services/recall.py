"""Recall a batch or a material lot: every batch made from it, at any depth, is recalled in
one transaction, and the recall list says which customers got which items.

``plan_recall`` changes nothing (the dry run); ``apply_recall`` recalls; ``write_recall_list``
writes the CSV and the printable report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchlabel.documents import render_html
from batchlabel.errors import ConflictError, InputError
from batchlabel.exports.spreadsheet import write_new_csv
from batchlabel.models import ALLOWED_TRANSITIONS, Actor, Batch, BatchStatus
from batchlabel.outputs import ensure_folder, new_file
from batchlabel.services.trace import Target, downstream
from batchlabel.store import Store

RECALL_COLUMNS = ("customer", "shipment", "shipped_at", "carton", "sku", "gtin", "lot", "serial")


@dataclass
class RecallPlan:
    target: Target
    batches: list[Batch]
    customers: dict[str, dict[str, Any]]
    counts: dict[int, dict[str, int]]
    recalled: list[Batch] = field(default_factory=list)  # filled in by apply_recall

    @property
    def to_recall(self) -> list[Batch]:
        return [b for b in self.batches if BatchStatus.RECALLED in ALLOWED_TRANSITIONS[b.status]]

    @property
    def shipped_items(self) -> int:
        return sum(c["items"] for c in self.customers.values())

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target.description,
            "batches": [
                {"lot": b.lot, "sku": b.sku, "status": b.status,
                 "will_recall": b in self.to_recall,
                 "items": sum(self.counts.get(b.id, {}).values())}
                for b in self.batches
            ],
            "customers": [
                {"customer": name, **entry} for name, entry in sorted(self.customers.items())
            ],
            "shipped_items": self.shipped_items,
            "recalled": [b.lot for b in self.recalled],
        }  # fmt: skip


def plan_recall(store: Store, target: Target) -> RecallPlan:
    if target.carton is not None or target.unit is not None:
        raise InputError(
            "A recall is of a batch or a material lot; give the lot code, not one item or carton."
        )
    found = downstream(store, material=target.material, batch=target.batch)
    batches = sorted(found.batches.values(), key=lambda b: (b.made_on, b.id))
    return RecallPlan(target, batches, found.customers, found.counts)


def apply_recall(store: Store, plan: RecallPlan, reason: str, actor: Actor) -> RecallPlan:
    reason = reason.strip()
    if not reason:
        raise InputError("A recall needs a reason.", needs="reason")
    if not plan.batches:
        raise ConflictError(f"No batch was made from {plan.target.description}; nothing to recall.")
    plan.recalled = store.recall_batches(plan.to_recall, reason, actor, plan.target.description)
    return plan


def write_recall_list(store: Store, plan: RecallPlan, folder: Path, dry_run: bool) -> list[Path]:
    """The recall list as CSV (one row per shipped item) and as a printable HTML page."""
    ensure_folder(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stem = "recall-draft" if dry_run else "recall"
    serials: dict[str, list[str]] = {}

    def rows() -> Iterator[list[Any]]:
        # one pass over the shipped items: each row goes to the CSV and the page's lists
        for row in store.shipped_units([b.id for b in plan.batches]):
            serials.setdefault(row["customer"], []).append(f"{row['lot']}/{row['serial']}")
            yield [row[c] for c in RECALL_COLUMNS]

    # Two recalls in one second must not share a list: the names are taken, never replaced.
    csv_path = write_new_csv(folder / f"{stem}-{stamp}.csv", RECALL_COLUMNS, rows())
    page = render_html(
        "recall.html",
        plan=plan,
        summary=plan.summary(),
        serials=serials,
        dry_run=dry_run,
        made_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    with new_file(csv_path.with_suffix(".html")) as out:
        out.handle.write(page.encode("utf-8"))
    html_path = out.path
    return [csv_path, html_path]
