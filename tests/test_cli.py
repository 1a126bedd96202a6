from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import GTIN, Run


def test_product_and_batch_flow_with_json(run: Run) -> None:
    added = run("product", "add", "COL-M", "--name", "Collar M", "--gtin", GTIN, "--json")
    assert added.exit_code == 0, added.stderr
    assert added.json()["gtin"] == GTIN
    created = run(
        "batch",
        "create",
        "COL-M",
        "--lot",
        "L-1",
        "--quantity",
        "3",
        "--made-on",
        "2026-11-01",
        "--best-before",
        "2027-11-01",
        "--json",
    )
    assert created.exit_code == 0, created.stderr
    doc = created.json()
    assert doc["lot"] == "L-1" and doc["sku"] == "COL-M" and doc["gtin"] == GTIN
    assert doc["status"] == "in_production"
    assert doc["serials"] == ["000001", "000002", "000003"]
    allocated = run("serials", "allocate", "L-1", "--count", "2", "--json").json()
    assert allocated["serials"] == ["000004", "000005"]
    assert run("batch", "release", "L-1", "--reason", "QA ok").exit_code == 0
    listed = run("batch", "list", "--status", "released", "--json").json()
    assert [b["lot"] for b in listed] == ["L-1"]
    shown = run("batch", "show", "L-1", "--json").json()
    assert shown["units"]["allocated"] == 5
    kinds = [h["kind"] for h in shown["history"]]
    assert kinds == ["batch_created", "serials_allocated", "serials_allocated", "status_changed"]
    assert shown["history"][-1]["reason"] == "QA ok"


def test_product_without_gtin_has_null_gtin(run: Run) -> None:
    run("product", "add", "TOTE", "--name", "Tote")
    doc = run("batch", "create", "TOTE", "--quantity", "1", "--json").json()
    assert doc["gtin"] is None
    assert doc["serials"] == ["000001"]


def test_bad_input_exits_2_with_one_sentence(run: Run) -> None:
    bad_gtin = run("product", "add", "X", "--name", "X", "--gtin", "09506000134353")
    assert bad_gtin.exit_code == 2
    assert bad_gtin.stderr.strip().count("\n") == 0
    assert "expected 2" in bad_gtin.stderr
    run("product", "add", "X", "--name", "X")
    bad_date = run("batch", "create", "X", "--made-on", "2026-13-01")
    assert bad_date.exit_code == 2 and "Invalid date '2026-13-01'" in bad_date.stderr
    unknown = run("batch", "show", "NOPE")
    assert unknown.exit_code == 2 and "No batch with lot 'NOPE'" in unknown.stderr
    usage = run("batch", "create")
    assert usage.exit_code == 2 and "Missing argument" in usage.stderr
    assert "Traceback" not in usage.stderr


def test_forbidden_transition_exits_2(run: Run) -> None:
    run("product", "add", "X", "--name", "X")
    run("batch", "create", "X", "--lot", "L")
    assert run("batch", "reject", "L", "--reason", "stitching").exit_code == 0
    again = run("batch", "release", "L")
    assert again.exit_code == 2
    assert "is rejected and cannot become released" in again.stderr


def test_recall_needs_a_reason(run: Run) -> None:
    run("product", "add", "X", "--name", "X")
    run("batch", "create", "X", "--lot", "L")
    run("batch", "release", "L")
    refused = run("batch", "recall", "L")
    assert refused.exit_code == 2 and "--reason" in refused.stderr
    blank = run("batch", "recall", "L", "--reason", "  ")
    assert blank.exit_code == 2 and "--reason" in blank.stderr
    assert run("batch", "show", "L", "--json").json()["status"] == "released"


def test_installed_command_has_no_traceback_on_broken_database(tmp_path: Path) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_text("not sqlite" * 100)
    done = subprocess.run(
        [sys.executable, "-m", "batchlabel", "--db", str(bogus), "product", "list"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr


def test_typed_text_is_printed_as_typed_never_as_markup(run: Run) -> None:
    # Square brackets are rich's markup: '[/x]' used to raise, '[large]' used to vanish.
    name, origin, text = "Tote [large] [/x]", "Hill [/] farm", "strap [bold]snapped[/]"
    added = run("product", "add", "TOTE", "--name", name)
    assert added.exit_code == 0 and name in added.stdout, added.stdout
    assert name in run("product", "list").stdout.replace("\n", " ")
    assert name in run("product", "show", "TOTE").stdout.replace("\n", " ")
    run("batch", "create", "TOTE", "--lot", "T1", "--quantity", "2")
    received = run("material", "receive", "canvas", "--supplier", "Mill [x]", "--lot", "CV-1",
                   "--origin", origin)  # fmt: skip
    assert received.exit_code == 0, received.stderr
    used = run("batch", "consume", "T1", "CV-1")
    assert used.exit_code == 0 and "Mill [x]" in used.stdout, used.stdout
    assert run("complaint", "T1", "--text", text).exit_code == 0
    shown = run("batch", "show", "T1")
    assert shown.exit_code == 0 and text in shown.stdout, shown.stdout
    assert f"{name})" in shown.stdout  # the product's name beside the lot
    traced = run("trace", "CV-1")
    assert traced.exit_code == 0 and f"origin: {origin}" in traced.stdout, traced.stdout
