"""QA for a batch: recording steps and checks against the product's recipe, the release
rule (no release while a required check is missing or failed, unless overridden with a
recorded reason), and complaints that flag a batch for review."""

from __future__ import annotations

from dataclasses import dataclass

from batchlabel.errors import ConflictError, InputError
from batchlabel.models import Actor, Batch, BatchStatus, CheckResult
from batchlabel.services.recipes import EMPTY_RECIPE, Check, Recipe, recipe_from_data
from batchlabel.store import Store


def recipe_for(store: Store, product_id: int) -> Recipe:
    data = store.recipe_data(product_id)
    return EMPTY_RECIPE if data is None else recipe_from_data(data)


def record_step(store: Store, batch: Batch, step: str, notes: str, actor: Actor) -> str:
    """Record a step done on a batch; with a recipe, the step must be one of its steps."""
    recipe = recipe_for(store, batch.product_id)
    name = step.strip()
    if not name or len(name) > 80 or not name.isprintable():
        raise InputError("A step name is 1 to 80 printable characters, e.g. 'Stitch'.")
    if recipe.steps:
        known = recipe.step_named(name)
        if known is None:
            raise InputError(
                f"'{name}' is not a step of {batch.sku}'s recipe; its steps are: "
                + ", ".join(recipe.steps)
                + "."
            )
        name = known
    store.record_step(batch, name, notes, actor)
    return name


def record_check(
    store: Store,
    batch: Batch,
    name: str,
    actor: Actor,
    passed: bool | None = None,
    value: float | None = None,
    notes: str = "",
) -> CheckResult:
    """Record one QA check result. A measurement passes when ``value`` is within limits."""
    recipe = recipe_for(store, batch.product_id)
    check = recipe.check_named(name)
    if check is None:
        listed = ", ".join(c.name for c in recipe.checks)
        raise InputError(
            f"'{name}' is not a check of {batch.sku}'s checklist"
            + (f"; its checks are: {listed}." if listed else "; it has no checklist yet."),
            needs=None if listed else "recipe",
            sku=batch.sku,
        )
    if check.is_measurement:
        if passed is not None:
            raise InputError(
                f"Check '{check.name}' passes or fails by its limits ({check.limits}), "
                "so it takes a measured value, not pass or fail.",
                needs="value",
            )
        if value is None:
            raise InputError(
                f"Check '{check.name}' is a measurement ({check.limits}).", needs="value"
            )
        passed = check.passes(value)
    elif passed is None:
        raise InputError(f"Check '{check.name}' is pass/fail.", needs="pass_or_fail")
    return store.record_check(batch, check.name, passed, value, notes, actor)


def latest_results(store: Store, batch: Batch) -> dict[str, CheckResult]:
    """The latest result per check: a re-check after a fix replaces a failure."""
    return {r.name: r for r in store.check_results(batch)}


def release_blockers(store: Store, batch: Batch) -> list[str]:
    """What stands in the way of releasing ``batch``, one phrase per check."""
    recipe = recipe_for(store, batch.product_id)
    results = latest_results(store, batch)
    blockers = []
    for check in recipe.checks:
        if not check.required:
            continue
        result = results.get(check.name)
        if result is None:
            blockers.append(f"'{check.name}' not checked")
        elif not result.passed:
            blockers.append(f"'{check.name}' failed{_measured(check, result)}")
    return blockers


def _measured(check: Check, result: CheckResult) -> str:
    if result.value is None:
        return ""
    return f" ({result.value:g} {check.unit}, limits {check.limits})".replace("  ", " ")


def release(
    store: Store,
    batch: Batch,
    actor: Actor,
    reason: str | None = None,
    override: str | None = None,
) -> Batch:
    """Release ``batch`` when its required checks passed. ``override`` (a reason) releases
    anyway, and what was overridden is recorded with it."""
    blockers = release_blockers(store, batch)
    if blockers and not override:
        raise ConflictError(
            f"Batch '{batch.lot}' cannot be released: {'; '.join(blockers)}.",
            needs="checks_or_override",
        )
    if override:
        note = f"override: {override.strip()}" + (
            f" (skipped: {'; '.join(blockers)})" if blockers else ""
        )
        reason = f"{reason}; {note}" if reason else note
    return store.set_status(batch, BatchStatus.RELEASED, actor, reason)


@dataclass(frozen=True)
class ComplaintOutcome:
    count: int
    threshold: int

    @property
    def needs_review(self) -> bool:
        return self.count >= self.threshold


def file_complaint(
    store: Store,
    batch: Batch,
    text: str,
    actor: Actor,
    kind: str = "complaint",
    unit_id: int | None = None,
    serial: str | None = None,
) -> ComplaintOutcome:
    text = text.strip()
    if not text or len(text) > 2000:
        raise InputError("A complaint says what is wrong in 1 to 2,000 characters.", needs="text")
    threshold = recipe_for(store, batch.product_id).complaint_threshold
    count = store.add_complaint(batch, kind, text, actor, threshold, unit_id, serial)
    return ComplaintOutcome(count, threshold)
