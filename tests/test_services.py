"""The use-case services called directly, as the web station will call them: quality, trace,
recall and printing over a real SQLite file, without the command line in between."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from batchlabel.errors import ConflictError, InputError
from batchlabel.labels.templates import find_template
from batchlabel.models import Actor, Batch, BatchStatus, LabelState, UnitState
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.printing import run_job, start_job
from batchlabel.services.quality import file_complaint, record_check, record_step, release
from batchlabel.services.recall import apply_recall, plan_recall, write_recall_list
from batchlabel.services.trace import backward, find_target, forward
from batchlabel.store import Store
from tests.conftest import GTIN

RECIPE = {
    "steps": ["Cut", "Stitch"],
    "complaint_threshold": 2,
    "checks": [
        {"name": "stitching", "description": "even"},
        {"name": "length", "unit": "mm", "min": 348, "max": 352},
    ],
}


@pytest.fixture
def collar(store: Store, actor: Actor) -> Batch:
    product = store.add_product("COL-M", "Collar M", actor, gtin=GTIN)
    store.set_recipe(product, RECIPE, actor)
    return store.create_batch(
        "COL-M", actor, lot="C1", made_on=date(2026, 11, 2), planned_quantity=3
    ).batch


def _status(store: Store, lot: str) -> BatchStatus:
    return store.batch(lot).status


def test_steps_follow_the_recipe_under_their_own_names(
    store: Store, actor: Actor, collar: Batch
) -> None:
    assert record_step(store, collar, "  stitch ", "waxed thread", actor) == "Stitch"
    with pytest.raises(
        InputError, match="not a step of COL-M's recipe; its steps are: Cut, Stitch"
    ):
        record_step(store, collar, "Glue", "", actor)
    assert [s.step for s in store.steps(collar)] == ["Stitch"]


def test_release_waits_for_every_required_check(store: Store, actor: Actor, collar: Batch) -> None:
    with pytest.raises(ConflictError, match="'stitching' not checked; 'length' not checked"):
        release(store, collar, actor)
    assert record_check(store, collar, "stitching", actor, passed=True).passed
    assert not record_check(store, collar, "length", actor, value=353.5).passed  # outside 348-352
    with pytest.raises(ConflictError, match=r"'length' failed \(353.5 mm, limits"):
        release(store, collar, actor)
    assert _status(store, "C1") == BatchStatus.IN_PRODUCTION
    with pytest.raises(InputError) as caught:
        record_check(store, collar, "length", actor, passed=True)  # a measurement needs its value
    assert caught.value.needs == "value"
    assert record_check(store, collar, "length", actor, value=350).passed  # the re-check counts
    assert release(store, collar, actor, reason="ok").status == BatchStatus.RELEASED


def test_an_override_release_records_what_it_skipped(
    store: Store, actor: Actor, collar: Batch
) -> None:
    released = release(store, collar, actor, override="customer waiting")
    assert released.status == BatchStatus.RELEASED
    reason = store.events(released)[-1].detail["reason"]
    assert "customer waiting" in reason and "'length' not checked" in reason


def test_complaints_flag_the_batch_at_the_threshold(
    store: Store, actor: Actor, collar: Batch
) -> None:
    assert not file_complaint(store, collar, "buckle loose", actor).needs_review
    assert file_complaint(store, collar, "stitch came undone", actor).needs_review
    with pytest.raises(InputError):
        file_complaint(store, collar, "   ", actor)
    assert len(store.complaints(collar)) == 2


def _genealogy(store: Store, actor: Actor, collar: Batch) -> tuple[Batch, Batch]:
    """Hide H1 -> straps S1 -> collars C1; a second collar batch C2 from another hide."""
    hide = store.receive_material(
        "leather", "Conceria Rossi", "H1", actor, origin="Tuscany", public=True
    )
    other = store.receive_material("leather", "Tannery B", "H2", actor)
    store.add_product("STRAP", "Cut strap", actor)
    straps = store.create_batch("STRAP", actor, lot="S1", planned_quantity=10).batch
    store.add_input(straps, actor, material=hide, quantity=1.5, unit="m2")
    store.add_input(collar, actor, input_batch=straps, quantity=3, unit="pcs")
    second = store.create_batch("COL-M", actor, lot="C2", planned_quantity=2).batch
    store.add_input(second, actor, material=other)
    return straps, second


def test_trace_goes_back_to_the_hide_and_forward_to_the_collars(
    store: Store, actor: Actor, collar: Batch
) -> None:
    _genealogy(store, actor, collar)
    back = backward(store, collar)
    labels = _all_labels(back.to_dict())
    assert any("S1" in label for label in labels) and any("H1" in label for label in labels)
    assert not any("H2" in label for label in labels)
    target = find_target(store, "H1")
    assert target.material is not None and target.material.supplier == "Conceria Rossi"
    ahead = _all_labels(forward(store, material=target.material).to_dict())
    assert any("C1" in label for label in ahead) and not any("C2" in label for label in ahead)


def _all_labels(node: dict[str, object]) -> list[str]:
    children = node.get("children", [])
    assert isinstance(children, list)
    return [str(node["label"])] + [label for child in children for label in _all_labels(child)]


def test_a_material_recall_reaches_every_batch_made_from_it(
    store: Store, actor: Actor, collar: Batch, tmp_path: Path
) -> None:
    _genealogy(store, actor, collar)
    release(store, collar, actor, override="test")
    store.pack("BOX-1", "internal", actor, batch_id=collar.id, quantity=3, new=True)
    store.ship("DN-1", "Hundeladen Berlin", ["BOX-1"], actor)
    plan = plan_recall(store, find_target(store, "H1"))
    assert sorted(b.lot for b in plan.batches) == ["C1", "S1"]
    assert plan.shipped_items == 3 and list(plan.customers) == ["Hundeladen Berlin"]
    with pytest.raises(InputError):
        apply_recall(store, plan, "  ", actor)
    assert _status(store, "C1") == BatchStatus.RELEASED  # a refused recall changes nothing
    apply_recall(store, plan, "hide failed the tear test", actor)
    assert {_status(store, lot) for lot in ("C1", "S1")} == {BatchStatus.RECALLED}
    assert _status(store, "C2") == BatchStatus.IN_PRODUCTION
    csv_path, html_path = write_recall_list(store, plan, tmp_path / "recalls", dry_run=False)
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert {r["customer"] for r in rows} == {"Hundeladen Berlin"} and len(rows) == 3
    assert "Hundeladen Berlin" in html_path.read_text(encoding="utf-8")


def test_an_unreleased_batch_records_no_job_and_allocates_nothing(
    store: Store, actor: Actor, collar: Batch, tmp_path: Path
) -> None:
    template = find_template("item-50x30")
    before = len(store.units(collar))
    with pytest.raises(ConflictError) as caught:
        start_job(store, collar, template, f"file://{tmp_path}/x.zpl", 203, actor, count=2)
    assert caught.value.needs == "unreleased_reason"
    assert len(store.units(collar)) == before and store.print_jobs() == []


def test_a_job_prints_each_serial_once_and_confirms_it(
    store: Store, actor: Actor, collar: Batch, tmp_path: Path
) -> None:
    release(store, collar, actor, override="test")
    template = find_template("item-50x30")
    out = tmp_path / "labels.zpl"
    job_id = start_job(store, store.batch("C1"), template, f"file://{out}", 203, actor, count=3)
    outcome = run_job(store, job_id, template, actor)
    assert outcome.confirmed and outcome.job.count(LabelState.CONFIRMED) == 3
    serials = store.job_serials(job_id, LabelState.CONFIRMED)
    zpl = out.read_text(encoding="utf-8")
    assert zpl.count("^XA") == 3 and all(zpl.count(serial) >= 1 for serial in serials)
    states = {
        u.serial: u.state for u in store.units(collar)
    }  # 3 made with the batch, 3 for the job
    assert len(states) == 6 and {states[s] for s in serials} == {UnitState.PRINTED}
    assert sorted(states.values()).count(UnitState.ALLOCATED) == 3
    lookup = CodeLookup(store)
    found = lookup.resolve(f"(01){GTIN}(10)C1(21){serials[0]}")
    assert found.match == "unit" and found.unit_state == UnitState.PRINTED
