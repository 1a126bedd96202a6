"""`batchlabel resolve` and `batchlabel receive` as a receiver uses them: codes typed or
piped, photos and PDFs, an expected list, and a session killed half-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from batchlabel.store import Store
from tests.conftest import ACTOR, GTIN, Run


def setup(run: Run, quantity: int = 3) -> list[str]:
    assert run("product", "add", "COL-M", "--name", "Collar M", "--gtin", GTIN).exit_code == 0
    made = run("batch", "create", "COL-M", "--lot", "L1", "--quantity", str(quantity), "--json")
    assert made.exit_code == 0, made.stderr
    assert run("batch", "release", "L1", "--reason", "QA ok").exit_code == 0
    serials: list[str] = made.json()["serials"]
    return serials


def code(serial: str, lot: str = "L1") -> str:
    return f"(01){GTIN}(10){lot}(21){serial}"


def test_resolve_json_and_exit_status(run: Run) -> None:
    serials = setup(run)
    good = run("resolve", code(serials[0]), "--json")
    assert good.exit_code == 0
    assert good.json()["match"] == "unit" and good.json()["serial"] == serials[0]
    mixed = run("resolve", code(serials[1]), "9506000134353", "--json")
    assert mixed.exit_code == 1  # not every input matched
    first, second = mixed.json()
    assert first["match"] == "unit"
    assert second["match"] == "none" and "check digit" in second["error"]
    assert second.keys() >= {
        "input",
        "gtin",
        "lot",
        "serial",
        "sku",
        "product_name",
        "batch_status",
        "warnings",
    }


def test_resolve_text_output_shouts_a_recall(run: Run) -> None:
    serials = setup(run)
    assert run("batch", "recall", "L1", "--reason", "loose buckle").exit_code == 0
    shown = run("resolve", code(serials[0]))
    assert shown.exit_code == 0
    assert "RECALLED" in shown.stdout and "set it aside" in shown.stdout


def test_resolve_reads_photos_and_pdfs(run: Run, tmp_path: Path) -> None:
    serials = setup(run, quantity=2)
    png = run("render", "L1", "--format", "png", "--out", str(tmp_path / "png"))
    pdf = run("render", "L1", "--format", "pdf", "--out", str(tmp_path / "pdf"))
    assert png.exit_code == 0 and pdf.exit_code == 0, png.stderr + pdf.stderr
    pictures = sorted((tmp_path / "png").glob("*.png"))
    [document] = list((tmp_path / "pdf").glob("*.pdf"))
    # A phone photo is a JPEG, smaller and blurrier than the label: it still reads.
    from PIL import Image, ImageFilter

    photo = tmp_path / "photo.jpg"
    with Image.open(pictures[0]) as image:
        image.convert("L").resize((image.width * 2, image.height * 2)).filter(
            ImageFilter.GaussianBlur(1.2)
        ).save(photo, quality=70)
    found = run("resolve", "--image", str(photo), "--image", str(document), "--json")
    assert found.exit_code == 0, found.stderr
    answers = found.json()
    assert [(a["match"], a["serial"]) for a in answers] == [
        ("unit", serials[0]),
        ("unit", serials[0]),
        ("unit", serials[1]),
    ]
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    refused = run("resolve", "--image", str(broken))
    assert refused.exit_code == 2 and "not an image" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_receive_piped_against_an_expected_list(run: Run, tmp_path: Path, db_path: Path) -> None:
    serials = setup(run, quantity=3)
    assert run("product", "add", "TOTE", "--name", "Tote").exit_code == 0
    assert run("batch", "create", "TOTE", "--lot", "T1", "--quantity", "2").exit_code == 0
    expected = tmp_path / "delivery.txt"
    expected.write_text(f"# delivery 7\n{code(serials[0])}\n{code(serials[1])}\nL1,1\n")
    scans = "\n".join(
        [
            code(serials[0]),
            f"https://id.example.com/01/{GTIN}/10/L1/21/{serials[0]}",  # the same item again
            code(serials[2]),  # counts for the L1,1 line
            "http://localhost:8000/p/TOTE/T1",  # not expected, and not released
            "garbage",
            "done",
            code(serials[1]),  # after 'done': never read
        ]
    )
    result = run("receive", "--expect", str(expected), "--station", "door-2", "--json", input=scans)
    assert result.exit_code == 1  # something is missing, extra or unknown
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    scans_out, summary = lines[:-1], lines[-1]["summary"]
    assert [s["flags"] for s in scans_out] == [
        [],
        ["duplicate"],
        [],
        ["not_released", "warning", "unexpected"],
        ["unknown"],
    ]
    assert summary["received"] == 3 and summary["expected"] == 3
    assert summary["expected_received"] == 2
    assert summary["missing"] == [{"code": f"COL-M lot L1 serial {serials[1]}", "missing": 1}]
    assert summary["duplicates"] == [f"https://id.example.com/01/{GTIN}/10/L1/21/{serials[0]}"]
    assert summary["unknown"] == ["garbage"]
    assert summary["extra"] == ["http://localhost:8000/p/TOTE/T1"]
    store = Store.open(db_path)
    scanned = store.session_scans(summary["session"])
    events = store.events()
    store.close()
    assert len(scanned) == 5 and {s["station"] for s in scanned} == {"door-2"}
    assert [e.kind for e in events][-1] == "receive_finished"


def test_receive_plain_output_and_a_bad_expected_list(run: Run, tmp_path: Path) -> None:
    serials = setup(run, quantity=1)
    shown = run("receive", input=code(serials[0]) + "\n")
    assert shown.exit_code == 0
    assert serials[0] in shown.stdout and "1 received" in shown.stdout
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("L1,2\nNOPE-LOT,1\n")
    refused = run("receive", "--expect", str(wrong), input="")
    assert refused.exit_code == 2
    assert "line 2" in refused.stderr and "NOPE-LOT" in refused.stderr


def test_killed_receiving_session_keeps_every_scan(run: Run, db_path: Path) -> None:
    serials = setup(run, quantity=3)
    process = subprocess.Popen(
        [sys.executable, "-m", "batchlabel", "--db", str(db_path), "receive", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None and process.stdout is not None
    for serial in serials:
        process.stdin.write(code(serial) + "\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["serial"] == serial
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    store = Store.open(db_path)
    scanned = [e for e in store.events() if e.kind == "scanned"]
    store.close()
    assert [e.serial for e in scanned] == serials


def test_receive_survives_bytes_that_are_not_text(run: Run, db_path: Path) -> None:
    serials = setup(run, quantity=1)
    done = subprocess.run(
        [sys.executable, "-m", "batchlabel", "--db", str(db_path), "receive", "--json"],
        input=b"\x00\xff\xfe\n" + code(serials[0]).encode() + b"\n",
        capture_output=True,
        timeout=60,
    )
    assert b"Traceback" not in done.stderr
    first, second, summary = (json.loads(line) for line in done.stdout.splitlines())
    assert first["match"] == "none" and "not text" in first["error"]
    assert second["match"] == "unit"
    assert summary["summary"]["scans"] == 2


def test_expected_quantity_and_token_name_are_checked(run: Run, tmp_path: Path) -> None:
    setup(run, quantity=1)
    zero = tmp_path / "zero.txt"
    zero.write_text("L1,0\n")
    refused = run("receive", "--expect", str(zero), input="")
    assert refused.exit_code == 2 and "line 1: the quantity must be 1 to 100,000" in refused.stderr
    nameless = run("token", "create", " ")
    assert nameless.exit_code == 2 and "station's name" in nameless.stderr


def _receiving_world(run: Run) -> tuple[list[str], list[str]]:
    """L1 released (6 items), R1 recalled (2 items, both in carton RBOX), one item of L1
    in carton GBOX."""
    serials = setup(run, quantity=6)
    made = run("batch", "create", "COL-M", "--lot", "R1", "--quantity", "2", "--json")
    recalled: list[str] = made.json()["serials"]
    assert run("batch", "release", "R1", "--reason", "ok").exit_code == 0
    assert (
        run("pack", "--new", "RBOX", code(recalled[0], "R1"), code(recalled[1], "R1")).exit_code
        == 0
    )
    assert run("pack", "--new", "GBOX", code(serials[5])).exit_code == 0
    assert run("batch", "recall", "R1", "--reason", "buckle").exit_code == 0
    return serials, recalled


def test_a_session_rebuilt_from_its_events_says_what_the_live_one_said(
    run: Run, db_path: Path
) -> None:
    from batchlabel.services.lookup import CodeLookup
    from batchlabel.services.receiving import ReceivingSession, parse_expected, sheet_rows
    from batchlabel.web.receiving import scan_view

    serials, _ = _receiving_world(run)
    store = Store.open(db_path)
    try:
        lookup = CodeLookup(store)
        expected = parse_expected(f"L1,3\n{code(serials[5])}\n", lookup, "test")
        live = ReceivingSession(lookup, ACTOR, expected, "Delivery", source="pasted list")
        for text in (
            code(serials[0]), code(serials[0]), "RBOX", "GBOX", code(serials[5]),
            f"(01){GTIN}(10)L1(21)NOT-A-SERIAL", f"(02){GTIN}(37)6(10)L1", "junk",
            code(serials[1]), code(serials[2]), code(serials[3]),
        ):  # fmt: skip
            live.scan(text)
        rebuilt = ReceivingSession.resume(CodeLookup(store), live.session)
        assert [scan_view(o) for o in rebuilt.outcomes] == [scan_view(o) for o in live.outcomes]
        assert sheet_rows(rebuilt) == sheet_rows(live)
        assert rebuilt.summary() == live.summary()
        assert rebuilt.source == "pasted list"
    finally:
        store.close()
    views = [scan_view(o) for o in live.outcomes]
    assert views[1]["verdicts"] == ["Duplicate"]
    assert views[2]["verdicts"] == ["Not expected", "Recalled"] and views[2]["tone"] == "bad"
    assert "2 x COL-M lot R1" in views[2]["what"]
    assert views[3]["verdicts"] == [] and "1 x COL-M lot L1" in views[3]["what"]
    assert views[4]["verdicts"] == ["Duplicate"]  # it came in GBOX already
    assert views[5]["verdicts"] == ["Check the label"]  # an unknown serial under a known lot
    assert views[6]["verdicts"] == ["Unknown code"] and "contents barcode" in views[6]["what"]
    summary = live.summary()
    # RBOX's two items, and two of L1 past its 3 (the item with the unknown serial counted)
    assert summary["extra_items"] == 4
    assert summary["duplicate_items"] == 2


def test_a_scan_that_cannot_be_recorded_is_not_counted(run: Run, db_path: Path) -> None:
    import sqlite3

    from batchlabel.errors import BatchlabelError
    from batchlabel.services.lookup import CodeLookup
    from batchlabel.services.receiving import ReceivingSession

    serials = setup(run, quantity=2)
    store = Store.open(db_path)
    try:
        session = ReceivingSession(CodeLookup(store), ACTOR, name="Refused write")
        # Another program holds the write lock longer than this station waits.
        store.conn.execute("PRAGMA busy_timeout = 100")
        block = sqlite3.connect(db_path, isolation_level=None)
        block.execute("BEGIN IMMEDIATE")
        with pytest.raises(BatchlabelError, match="busy"):
            session.scan(code(serials[0]))
        block.execute("ROLLBACK")
        block.close()
        again = session.scan(code(serials[0]))
        assert again.flags == [] and again.number == 1  # not a duplicate of a lost scan
        assert session.summary()["received"] == 1
        assert len(store.session_scans(session.session)) == 1
    finally:
        store.close()
