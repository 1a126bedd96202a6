"""Traceability through the command line: materials, genealogy, QA gating, packing and
shipping, complaints, trace, recall, reports and exports, on a real SQLite file."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pypdfium2
import pytest

from tests.conftest import GTIN, Run

NODE = Path(__file__).parent / "node"

RECIPE = """
steps = ["Cut", "Stitch", "Burnish edges"]
complaint_threshold = 2

[[checks]]
name = "stitching"
description = "Stitching even"

[[checks]]
name = "length"
unit = "mm"
min = 348
max = 352
"""


def unit_code(serial: str, lot: str = "C1") -> str:
    return f"(01){GTIN}(10){lot}(21){serial}"


@pytest.fixture
def workshop(run: Run, tmp_path: Path) -> Run:
    """Leather -> cut straps (S1) -> collars (C1, C2); buckles into C1 only."""
    recipe = tmp_path / "collar.toml"
    recipe.write_text(RECIPE)
    steps = [
        ("product", "add", "COLLAR-M", "--name", "Collar M", "--gtin", GTIN),
        ("product", "add", "STRAP", "--name", "Cut strap"),
        ("product", "recipe", "COLLAR-M", str(recipe)),
        ("material", "receive", "leather", "--supplier", "Tannery Rossi", "--lot", "H-1",
         "--origin", "Tuscany, Italy", "--quantity", "12", "m2", "--public"),
        ("material", "receive", "buckle", "--supplier", "Brass Co", "--lot", "B-7",
         "--origin", "secret foundry"),
        ("batch", "create", "STRAP", "--lot", "S1"),
        ("batch", "consume", "S1", "H-1", "--quantity", "2.5", "m2"),
        ("batch", "create", "COLLAR-M", "--lot", "C1", "--quantity", "10"),
        ("batch", "create", "COLLAR-M", "--lot", "C2", "--quantity", "4"),
        ("batch", "consume", "C1", "S1"),
        ("batch", "consume", "C2", "S1"),
        ("batch", "consume", "C1", "B-7"),
    ]  # fmt: skip
    for args in steps:
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
    return run


def release(run: Run, lot: str) -> None:
    for args in (("stitching", "--pass"), ("length", "--value", "350")):
        assert run("batch", "check", lot, *args).exit_code == 0
    assert run("batch", "release", lot).exit_code == 0


def ship_all(run: Run) -> None:
    """C1: 6 to Berlin in an SSCC carton, 2 scanned to Paris; C2: 4 to Paris."""
    release(run, "C1")
    release(run, "C2")
    sscc = run("carton", "new", "--company-prefix", "0614141", "--json").json()["carton"]
    assert run("pack", sscc, "--lot", "C1", "--quantity", "6").exit_code == 0
    assert run("pack", "--new", "BOX-2", unit_code("000007"), unit_code("000008")).exit_code == 0
    assert run("pack", "--new", "BOX-3", "--lot", "C2", "--quantity", "4").exit_code == 0
    assert run("ship", "DN-1", sscc, "--customer", "Shop Berlin").exit_code == 0
    assert run("ship", "DN-2", "BOX-2", "BOX-3", "--customer", "Shop Paris").exit_code == 0


def test_release_is_refused_until_required_checks_pass(workshop: Run) -> None:
    run = workshop
    refused = run("batch", "release", "C1")
    assert refused.exit_code == 2
    assert "'stitching' not checked; 'length' not checked" in refused.stderr
    assert run("batch", "check", "C1", "stitching", "--pass").exit_code == 0
    failed = run("batch", "check", "C1", "length", "--value", "355", "--json")
    assert failed.json()["passed"] is False
    refused = run("batch", "release", "C1")
    assert "'length' failed (355 mm, limits 348..352 mm)" in refused.stderr
    assert run("batch", "show", "C1", "--json").json()["status"] == "in_production"
    # a re-measure after a fix replaces the failure
    assert run("batch", "check", "C1", "length", "--value", "351").exit_code == 0
    assert run("batch", "release", "C1", "--json").json()["status"] == "released"


def test_release_override_is_recorded_with_what_it_skipped(workshop: Run) -> None:
    run = workshop
    assert run("batch", "release", "C2", "--override", " ").exit_code == 2
    assert (
        run("batch", "release", "C2", "--override", "gauge broken, checked by hand").exit_code == 0
    )
    history = run("batch", "show", "C2", "--json").json()["history"]
    reason = next(h["reason"] for h in history if h["kind"] == "status_changed")
    assert "override: gauge broken, checked by hand" in reason
    assert "'length' not checked" in reason


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("batch", "step", "C1", "Polish"), "not a step of COLLAR-M's recipe; its steps are: Cut"),
        (("batch", "check", "C1", "colour", "--pass"), "not a check of COLLAR-M's checklist"),
        (("batch", "check", "C1", "length", "--pass"), "give --value only"),
        (("batch", "check", "C1", "length"), "is a measurement (348..352 mm); give --value"),
        (("batch", "check", "C1", "stitching"), "is pass/fail; give --pass or --fail"),
        (("batch", "consume", "C1", "NOPE"), "neither a material lot nor a batch"),
        (("batch", "consume", "S1", "C1"), "was itself made from 'S1'"),
        (("batch", "consume", "S1", "S1"), "cannot consume itself"),
        (("material", "receive", "leather", "--supplier", "Tannery Rossi", "--lot", "H-1"),
         "already recorded"),
        (("material", "receive", "thread", "--supplier", " ", "--lot", "T1"), "supplier name"),
    ],
)  # fmt: skip
def test_bad_input_gets_one_sentence(workshop: Run, args: tuple[str, ...], message: str) -> None:
    result = workshop(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_steps_match_the_recipe_in_any_case(workshop: Run) -> None:
    assert workshop("batch", "step", "C1", "burnish EDGES", "--notes", "beeswax").exit_code == 0
    history = workshop("batch", "show", "C1", "--json").json()["history"]
    assert {"step": "Burnish edges", "notes": "beeswax"}.items() <= history[-1].items()


def test_ambiguous_material_lot_is_named_not_guessed(workshop: Run) -> None:
    run = workshop
    assert (
        run("material", "receive", "thread", "--supplier", "Gütermann", "--lot", "H-1").exit_code
        == 0
    )
    result = run("batch", "consume", "C2", "H-1")
    assert result.exit_code == 2
    assert (
        "received more than once (thread from Gütermann; leather from Tannery Rossi)"
        in result.stderr
    )
    assert run("batch", "consume", "C2", "H-1", "--supplier", "Gütermann").exit_code == 0
    traced = run("trace", "H-1", "--supplier", "Gütermann", "--json").json()
    assert [c["lot"] for c in traced["forward"]["children"]] == ["C2"]


def test_packing_conflicts(workshop: Run) -> None:
    run = workshop
    release(run, "C1")
    assert run("pack", "--new", "BOX-1", unit_code("000001")).exit_code == 0
    twice = run("pack", "--new", "BOX-2", unit_code("000001"))
    assert twice.exit_code == 2
    assert "Serial 000001 is already in carton BOX-1" in twice.stderr
    # all or nothing: the good code beside the bad one was not packed either
    assert run("pack", "--new", "BOX-2", unit_code("000002"), unit_code("000001")).exit_code == 2
    assert run("trace", "BOX-2", "--json").exit_code == 2  # never made: nothing was packed
    bad_sscc = run("pack", "006141410000000010", unit_code("000003"))
    assert "Wrong check digit in SSCC" in bad_sscc.stderr
    too_many = run("pack", "--new", "BOX-3", "--lot", "C1", "--quantity", "10")
    assert "only 9 items not yet in a carton" in too_many.stderr
    assert run("pack", "--new", "BOX-3", "C1").exit_code == 2  # a lot alone is not one item
    typo = run("pack", "BOX-l", unit_code("000002"))  # a mistyped carton is not a new carton
    assert typo.exit_code == 2 and "No carton BOX-l is recorded" in typo.stderr
    assert "pack --new BOX-l" in typo.stderr
    again = run("pack", "--new", "BOX-1", unit_code("000002"))
    assert again.exit_code == 2 and "Carton BOX-1 exists already" in again.stderr
    assert run("void", "000005", "--sku", "COLLAR-M", "--reason", "label torn").exit_code == 0
    assert "Serial 000005 was voided" in run("pack", "--new", "BOX-5", unit_code("000005")).stderr
    assert run("unpack", "BOX-1", unit_code("000001"), "--reason", "wrong size").exit_code == 0
    assert run("pack", "--new", "BOX-2", unit_code("000001")).exit_code == 0


def test_only_released_batches_ship_and_shipped_cartons_are_closed(workshop: Run) -> None:
    run = workshop
    assert run("pack", "--new", "BOX-1", "--lot", "C2", "--quantity", "2").exit_code == 0
    held = run("ship", "DN-9", "BOX-1", "--customer", "Shop")
    assert held.exit_code == 2
    assert "batch C2, which is in production; only released batches ship" in held.stderr
    release(run, "C2")
    assert run("ship", "DN-9", "BOX-1", "--customer", "Shop", "--json").json()["items"] == 2
    assert "already shipped" in run("ship", "DN-10", "BOX-1", "--customer", "Shop").stderr
    assert "left in shipment DN-9" in run("pack", "BOX-1", "--lot", "C2", "--quantity", "1").stderr
    assert "has shipped" in run("unpack", "BOX-1", "--reason", "x").stderr
    assert run("batch", "recall", "C2", "--reason", "test").exit_code == 0
    assert (
        "Batch C2 is recalled; its items must not be packed (serial 000011)"
        in run("pack", "--new", "BOX-4", unit_code("000011", "C2")).stderr
    )
    assert (
        "is recalled; its items must not be packed"
        in run("pack", "--new", "BOX-4", "--lot", "C2", "--quantity", "1").stderr
    )


def test_deep_trace_backward_and_forward(workshop: Run) -> None:
    run = workshop
    ship_all(run)
    assert run("batch", "step", "C1", "Cut").exit_code == 0
    forward = run("trace", "H-1", "--json").json()
    assert forward["kind"] == "material"
    strap = forward["forward"]["children"][0]
    assert strap["lot"] == "S1"
    collars = {c["lot"]: c for c in strap["children"]}
    assert set(collars) == {"C1", "C2"}
    shipped = {
        (s["customer"], s["units"]) for s in collars["C1"]["children"] if s["kind"] == "shipment"
    }
    assert shipped == {("Shop Berlin", 6), ("Shop Paris", 2)}
    backward = run("trace", unit_code("000007"), "--json").json()
    tree = backward["backward"]
    kinds = [c["kind"] for c in tree["children"]]
    assert kinds == ["steps", "checks", "batch", "material"]
    assert tree["children"][2]["children"][0]["lot"] == "H-1"  # leather, through the strap
    assert backward["forward"]["children"][0]["customer"] == "Shop Paris"
    text = run("trace", "C1").stdout
    assert "Made from" in text and "Tannery Rossi" in text and "Shop Berlin" in text


def test_recall_of_a_material_reaches_every_batch_and_customer(
    workshop: Run, tmp_path: Path
) -> None:
    run = workshop
    ship_all(run)
    out = tmp_path / "recalls"
    dry = run(
        "recall", "H-1", "--reason", "hide defect", "--dry-run", "--out", str(out), "--json"
    ).json()
    assert {b["lot"] for b in dry["batches"]} == {"S1", "C1", "C2"}
    assert run("batch", "show", "C1", "--json").json()["status"] == "released"  # dry run
    assert {c["customer"]: c["items"] for c in dry["customers"]} == {
        "Shop Berlin": 6,
        "Shop Paris": 6,
    }
    done = run("recall", "H-1", "--reason", "hide defect", "--out", str(out), "--json").json()
    assert sorted(done["recalled"]) == ["C1", "C2", "S1"]
    for lot in ("S1", "C1", "C2"):
        assert run("batch", "show", lot, "--json").json()["status"] == "recalled"
    csv_file = next(Path(f) for f in done["files"] if f.endswith(".csv"))
    rows = list(csv.DictReader(csv_file.open()))
    assert len(rows) == 12
    assert {(r["customer"], r["lot"]) for r in rows} == {
        ("Shop Berlin", "C1"), ("Shop Paris", "C1"), ("Shop Paris", "C2"),
    }  # fmt: skip
    html = next(Path(f) for f in done["files"] if f.endswith(".html")).read_text()
    assert "Shop Berlin" in html and "C1/000001" in html and "Recalled: 3 batch(es)" in html
    # a recalled batch's items are flagged wherever they are scanned
    assert "RECALLED" in run("resolve", unit_code("000001")).stdout


def test_recall_of_a_batch_reaches_the_batches_made_from_it(workshop: Run, tmp_path: Path) -> None:
    run = workshop
    result = run(
        "recall", "S1", "--reason", "strap cracked", "--out", str(tmp_path), "--json"
    ).json()
    assert sorted(result["recalled"]) == ["C1", "C2", "S1"]
    assert result["customers"] == []
    assert "needs a reason" in run("recall", "S1", "--reason", " ").stderr


def test_complaints_flag_the_batch_for_review(workshop: Run) -> None:
    run = workshop
    first = run("complaint", unit_code("000003"), "--text", "buckle loose")
    assert first.exit_code == 0 and "1 so far" in first.stdout
    assert "flagged" not in first.stderr
    second = run("complaint", "C1", "--text", "stitch broke", "--return")
    assert "flagged for QA review" in second.stderr
    history = run("batch", "show", "C1", "--json").json()["history"]
    assert [h["kind"] for h in history[-3:]] == ["complaint", "return", "qa_review_flagged"]
    assert history[-3]["text"] == "buckle loose"
    shown = workshop("batch", "show", "C1", "--json").json()["complaints"]
    assert [(c["kind"], c["serial"]) for c in shown] == [("complaint", "000003"), ("return", None)]
    assert "Return" in workshop("batch", "show", "C1").stdout
    assert "names no batch" in run("complaint", "COLLAR-M", "--text", "x").stderr


def test_batch_report_in_three_formats(workshop: Run, tmp_path: Path) -> None:
    run = workshop
    ship_all(run)
    for fmt in ("md", "html", "pdf"):
        out = tmp_path / f"r.{fmt}"
        assert run("report", "C1", "--format", fmt, "--out", str(out)).exit_code == 0
    md = (tmp_path / "r.md").read_text()
    assert "| 10 | 10 | 0 | 0 | 8 |" in md  # planned, produced, printed, voided, shipped
    assert "Tuscany, Italy" in md  # public material origin
    assert "secret foundry" not in md and "Brass Co" not in md  # not public
    assert "Shop Berlin" not in md and "tester" not in md  # customers and users stay private
    html = (tmp_path / "r.html").read_text()
    assert "Stitching even" in html and "348..352 mm" in html
    pdf = pypdfium2.PdfDocument(str(tmp_path / "r.pdf"))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Batch C1: Collar M" in text and "Tuscany, Italy" in text


def test_epcis_export_is_valid_epcis_2(workshop: Run, tmp_path: Path) -> None:
    run = workshop
    ship_all(run)
    out = tmp_path / "events.json"
    assert run("export", "epcis", "--out", str(out)).exit_code == 0
    checked = subprocess.run(
        ["node", str(NODE / "validate-epcis.cjs"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    events = json.loads(out.read_text())["epcisBody"]["eventList"]
    kinds = [e["type"] for e in events]
    assert kinds.count("ObjectEvent") == 14 + 2  # 14 units commissioned, 2 shipments
    assert kinds.count("TransformationEvent") == 3  # S1, C1, C2 have inputs
    assert kinds.count("AggregationEvent") == 3
    assert f"https://id.gs1.org/01/{GTIN}/21/000001" in events[0]["epcList"]
    berlin = next(e for e in events if e["type"] == "AggregationEvent" and "/00/" in e["parentID"])
    assert len(berlin["childEPCs"]) == 6
    assert "Shop Berlin" not in out.read_text()  # customers are private
    only = tmp_path / "c2.json"
    assert run("export", "epcis", "--out", str(only), "--lot", "C2").exit_code == 0
    c2 = json.loads(only.read_text())["epcisBody"]["eventList"]
    assert sum(e["type"] == "ObjectEvent" and e.get("bizStep") == "commissioning" for e in c2) == 4


def test_epcis_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    """The check above means something: the validator fails a document with a bad event."""
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-23T10:00:00Z",
        "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "yesterday",
                                     "eventTimeZoneOffset": "+00:00", "action": "ADD"}]},
    }))  # fmt: skip
    checked = subprocess.run(
        ["node", str(NODE / "validate-epcis.cjs"), str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode != 0


def test_csv_export_defuses_formulas(run: Run, tmp_path: Path) -> None:
    assert run("product", "add", "EVIL", "--name", '=HYPERLINK("http://x","y")').exit_code == 0
    assert run("batch", "create", "EVIL", "--lot", "-5+3").exit_code == 0
    assert run("material", "receive", "@cmd", "--supplier", "+Sup", "--lot", "=1").exit_code == 0
    assert run("batch", "consume", "--", "-5+3", "=1").exit_code == 0
    out = tmp_path / "lots.csv"
    assert run("export", "csv", "--out", str(out), "--maker", "Atelier").exit_code == 0
    (row,) = list(csv.DictReader(out.open()))
    assert row["product_description"] == '\'=HYPERLINK("http://x","y")'
    assert row["traceability_lot_code"] == "'-5+3"
    assert row["lot_code_source"] == "Atelier"
    assert row["inputs"] == "'@cmd =1 (+Sup)"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@"))
    units = tmp_path / "units.csv"
    assert run("export", "csv", "--out", str(units), "--sheet", "units").exit_code == 0


def test_export_to_a_missing_folder_leaves_no_file(workshop: Run, tmp_path: Path) -> None:
    result = workshop("export", "csv", "--out", str(tmp_path / "nowhere" / "x.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_failed_write_leaves_no_half_file(tmp_path: Path) -> None:
    from batchlabel.outputs import atomic_text_file

    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_text_file(target) as handle:
        handle.write("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_recipe_file_mistakes_are_named(run: Run, tmp_path: Path) -> None:
    assert run("product", "add", "A", "--name", "A").exit_code == 0
    cases = {
        "steps = [": "is not valid TOML",
        "stepz = []": "unknown key 'stepz'",
        '[[checks]]\nname = "x"\nmin = 5\nmax = 1': "min 5 is above max 1",
        'steps = ["Cut", "cut"]': "the step 'cut' is listed twice",
    }
    for text, message in cases.items():
        path = tmp_path / "r.toml"
        path.write_text(text)
        result = run("product", "recipe", "A", str(path))
        assert result.exit_code == 2 and message in result.stderr, (text, result.stderr)


def test_a_recall_whose_list_cannot_be_written_changes_nothing(
    workshop: Run, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = workshop("recall", "S1", "--reason", "strap cracked", "--out", str(blocker / "lists"))
    assert result.exit_code == 1
    assert "Could not write" in result.stderr and "Traceback" not in result.stderr
    for lot in ("S1", "C1", "C2"):
        assert workshop("batch", "show", lot, "--json").json()["status"] == "in_production"
