"""Recipes and QA checklists per product, and what was done and checked per batch."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from batchlabel import validation
from batchlabel.errors import InputError
from batchlabel.models import Actor, Batch, CheckResult, Complaint, Product, StepRecord
from batchlabel.store.base import StoreBase, marks, now


class QualityRecords(StoreBase):
    """Mixed into Store: recipes, step records, check results and complaints."""

    def set_recipe(self, product: Product, recipe: dict[str, Any], actor: Actor) -> None:
        """Store a product's recipe and checklist (already validated), replacing the last."""
        data = json.dumps(recipe, ensure_ascii=False)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO product_recipes (product_id, recipe, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (product_id) DO UPDATE SET recipe = excluded.recipe,"
                " updated_at = excluded.updated_at",
                (product.id, data, now()),
            )
            self._log(conn, "recipe_set", actor, product.id, recipe=recipe)

    def recipe_data(self, product_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT recipe FROM product_recipes WHERE product_id = ?", [product_id])
        data: dict[str, Any] | None = json.loads(rows[0]["recipe"]) if rows else None
        return data

    def record_step(self, batch: Batch, step: str, notes: str, actor: Actor) -> None:
        step = validation.line(step, "step name", max_length=80)
        notes = validation.paragraph(notes, "notes")
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO batch_steps (batch_id, step, notes, user, station, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (batch.id, step, notes, actor.user, actor.station, now()),
            )
            self._log(conn, "step_done", actor, batch.product_id, batch.id, step=step, notes=notes)

    def steps(self, batch: Batch) -> list[StepRecord]:
        rows = self._rows(
            "SELECT step, notes, user, station, at FROM batch_steps WHERE batch_id = ? ORDER BY id",
            [batch.id],
        )
        return [StepRecord(**r) for r in rows]

    def record_check(
        self,
        batch: Batch,
        name: str,
        passed: bool,
        value: float | None,
        notes: str,
        actor: Actor,
    ) -> CheckResult:
        notes = validation.paragraph(notes, "notes")
        if value is not None and not math.isfinite(value):
            raise InputError("A measured value must be a finite number.")
        result = CheckResult(name, passed, value, notes, actor.user, actor.station, now())
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO batch_checks (batch_id, name, passed, value, notes, user, station, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (batch.id, name, int(passed), value, notes, result.user, result.station, result.at),
            )
            self._log(
                conn, "check_recorded", actor, batch.product_id, batch.id,
                check=name, passed=passed, value=value, notes=notes,
            )  # fmt: skip
        return result

    def check_results(self, batch: Batch) -> list[CheckResult]:
        """Every result recorded for the batch, oldest first (a re-check comes later)."""
        rows = self._rows(
            "SELECT name, passed, value, notes, user, station, at FROM batch_checks"
            " WHERE batch_id = ? ORDER BY id",
            [batch.id],
        )
        return [CheckResult(**{**r, "passed": bool(r["passed"])}) for r in rows]

    def add_complaint(
        self,
        batch: Batch,
        kind: str,
        complaint_text: str,
        actor: Actor,
        review_threshold: int,
        unit_id: int | None = None,
        serial: str | None = None,
    ) -> int:
        """Record a complaint or return; answers how many the batch now has. The complaint
        that reaches ``review_threshold`` flags the batch for QA review in the same
        transaction, so a flag is never lost between the two."""
        complaint_text = validation.paragraph(complaint_text, "complaint", required=True)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO complaints (batch_id, unit_id, kind, text, user, station, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (batch.id, unit_id, kind, complaint_text, actor.user, actor.station, now()),
            )
            self._log(conn, kind, actor, batch.product_id, batch.id, serial, text=complaint_text)
            (count,) = conn.execute(
                "SELECT count(*) FROM complaints WHERE batch_id = ?", (batch.id,)
            ).fetchone()
            if count == review_threshold:
                self._log(
                    conn, "qa_review_flagged", actor, batch.product_id, batch.id,
                    complaints=count, threshold=review_threshold,
                )  # fmt: skip
        return int(count)

    def complaints(self, batch: Batch) -> list[Complaint]:
        rows = self._rows(
            "SELECT c.id, c.batch_id, u.serial, c.kind, c.text, c.user, c.at FROM complaints c"
            " LEFT JOIN units u ON u.id = c.unit_id WHERE c.batch_id = ? ORDER BY c.id",
            [batch.id],
        )
        return [Complaint(**r) for r in rows]

    def complaint_counts(self, batch_ids: Iterable[int]) -> dict[int, int]:
        ids = list(batch_ids)
        if not ids:
            return {}
        rows = self._rows(
            "SELECT batch_id, count(*) AS n FROM complaints"
            f" WHERE batch_id IN ({marks(ids)}) GROUP BY batch_id",
            ids,
        )
        return {r["batch_id"]: r["n"] for r in rows}
