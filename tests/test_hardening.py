"""Hostile and careless input: each example from the hardening review, as the command line,
the store and the printers meet it. Every refusal is one sentence and changes nothing."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchlabel.errors import InputError, TemplateError
from batchlabel.labels.templates import find_template, load_template
from batchlabel.models import Actor, LabelState
from batchlabel.printers import open_printer
from batchlabel.render import compile_template, render_label
from batchlabel.services.label_files import batch_labels
from batchlabel.services.printing import run_job, start_job
from batchlabel.services.recall import plan_recall, write_recall_list
from batchlabel.services.trace import find_target
from batchlabel.store import Store
from tests.conftest import GTIN, Run, table_counts
from tests.fakeprinter import Behaviour, FakePrinter


def one_sentence(stderr: str) -> bool:
    """The command line's answer to bad input: one 'Error: ...' line, no traceback."""
    lines = stderr.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in stderr


def product_with_batch(run: Run, quantity: int = 3, release: bool = True) -> None:
    assert run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN).exit_code == 0
    assert run("batch", "create", "COL", "--lot", "L1", "--quantity", str(quantity)).exit_code == 0
    if release:
        assert run("batch", "release", "L1", "--reason", "ok").exit_code == 0


# -- serious: promises that were broken -------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 KB file system of its own: a real full disk, not a simulated one."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(folder)], capture_output=True
    )
    assert mounted.returncode == 0, f"mounting a small tmpfs needs root: {mounted.stderr!r}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_resume_after_a_full_disk_confirms_only_what_was_written(
    run: Run, db_path: Path, tmp_path: Path, tiny_disk: Path
) -> None:
    product_with_batch(run, quantity=1000)
    full = run("print", "L1", "--printer", f"file://{tiny_disk}/labels.zpl")
    assert full.exit_code == 1 and one_sentence(full.stderr)
    written = (
        (tiny_disk / "labels.zpl").read_text(encoding="utf-8")
        if (tiny_disk / "labels.zpl").exists()
        else ""
    )
    assert written.count("^XA") == written.count("^XZ")  # a failed write was cut back off
    store = Store.open(db_path)
    sent_first = set(store.job_serials(1, LabelState.SENT))
    printed = {u.serial for u in store.units(store.batch("L1")) if u.state == "printed"}
    store.close()
    assert printed == sent_first  # a label sent back to pending left its unit unprinted
    out = tmp_path / "second.zpl"
    resumed = run("print", "--resume", "1", "--printer", f"file://{out}", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    done = resumed.json()
    again = out.read_text(encoding="utf-8")
    # Confirmed is exactly what the resume wrote; nothing is marked printed that was not.
    assert done["confirmed"] == [s for s in done["confirmed"] if f"SN {s}^" in again]
    assert len(done["confirmed"]) == again.count("^XA")
    assert set(done["uncertain"]) == sent_first
    assert all(f"SN {s}^" in written for s in sent_first)  # uncertain ones did reach the disk
    assert len(done["confirmed"]) + len(done["uncertain"]) == 1000 and done["pending"] == []


def test_a_slow_healthy_printer_is_confirmed(run: Run, db_path: Path, actor: Actor) -> None:
    product_with_batch(run, quantity=200)
    slow = FakePrinter(Behaviour(bytes_per_second=25_000))  # an old print server
    try:
        store = Store.open(db_path)
        template = find_template("item-50x30")
        job = start_job(store, store.batch("L1"), template, slow.uri, 203, actor)
        printer = open_printer(slow.uri, timeout=0.5)  # far less than the job takes to drain
        outcome = run_job(store, job, template, actor, printer)
        printer.close()
        assert outcome.confirmed, outcome.note
        assert outcome.job.count(LabelState.CONFIRMED) == 200
        store.close()
    finally:
        slow.close()


@pytest.mark.parametrize("option", ["--name", "--description", "--notes", "--attribute"])
def test_invalid_utf8_is_refused_and_nothing_is_stored(
    run: Run, db_path: Path, option: str
) -> None:
    bad = b"Tote \xff\xfe".decode("utf-8", "surrogateescape")  # as the shell hands it over
    value = f"colour={bad}" if option == "--attribute" else bad
    args = ["product", "add", "TOTE", "--name", "Tote", option, value]
    if option == "--name":
        args = ["product", "add", "TOTE", "--name", value]
    refused = run(*args)
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert "not valid text" in refused.stderr
    assert run("product", "list", "--json").json() == []


@pytest.mark.parametrize("amount", ["inf", "nan", "1e400", "-1", "0"])
def test_quantities_are_finite_and_positive(run: Run, db_path: Path, amount: str) -> None:
    product_with_batch(run, release=False)
    before = table_counts(db_path)
    material = run(
        "material",
        "receive",
        "leather",
        "--supplier",
        "A",
        "--lot",
        "H1",
        "--quantity",
        amount,
        "m2",
    )
    assert material.exit_code == 2 and one_sentence(material.stderr)
    assert table_counts(db_path) == before
    assert run("material", "receive", "leather", "--supplier", "A", "--lot", "H1").exit_code == 0
    consumed = run("batch", "consume", "L1", "H1", "--quantity", amount, "m2")
    assert consumed.exit_code == 2 and one_sentence(consumed.stderr)
    exported = run("trace", "L1", "--json")
    assert exported.exit_code == 0 and json.loads(exported.stdout)  # strict JSON, no Infinity


def test_two_recall_lists_in_one_second_are_both_kept(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    product_with_batch(run)
    store = Store.open(db_path)
    plan = plan_recall(store, find_target(store, "L1"))
    first = write_recall_list(store, plan, tmp_path / "recalls", dry_run=True)
    second = write_recall_list(store, plan, tmp_path / "recalls", dry_run=True)
    store.close()
    assert first[0] != second[0] and first[1] != second[1]
    assert len(list((tmp_path / "recalls").iterdir())) == 4
    assert second[1].stem == second[0].stem  # each page sits beside its own list


def test_lots_that_differ_only_in_unsafe_characters_get_their_own_files(
    run: Run, tmp_path: Path
) -> None:
    assert run("product", "add", "TOTE", "--name", "Tote").exit_code == 0
    out = tmp_path / "labels"
    names = set()
    for lot in ("A/B", "A%B", "A?B"):
        assert run("batch", "create", "TOTE", "--lot", lot, "--quantity", "1").exit_code == 0
        assert run("batch", "release", lot).exit_code == 0
        done = run("render", lot, "--format", "zpl", "--out", str(out), "--json")
        assert done.exit_code == 0, done.stderr
        names |= {Path(f).name for f in done.json()["files"]}
    assert len(names) == 3 and len(list(out.iterdir())) == 3
    again = run("render", "A/B", "--format", "zpl", "--out", str(out), "--json")
    assert again.exit_code == 0 and len(list(out.iterdir())) == 4  # never over the first


# -- text at the boundary ----------------------------------------------------------------------


def test_control_characters_never_reach_the_records_or_the_terminal(run: Run) -> None:
    refused = run("product", "add", "TOTE", "--name", "Tote\x1b]0;owned\x07")
    assert refused.exit_code == 2 and "control character" in refused.stderr
    shown = run("resolve", "X\x1b[2J\x1b]0;owned\x07Y")
    assert shown.exit_code == 1 and "\x1b" not in shown.stdout + shown.stderr
    missing = run("batch", "show", "\x1b[31mLOT")
    assert missing.exit_code == 2 and "\x1b" not in missing.stderr


def test_digits_are_ascii_digits(run: Run) -> None:
    arabic = "٠٩٥٠٦٠٠٠١٣٤٣٥٢"  # 09506000134352 in Arabic-Indic digits
    refused = run("product", "add", "COL", "--name", "Collar", "--gtin", arabic)
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert run("resolve", arabic, "--json").json()["match"] == "none"


def test_blank_reasons_are_refused_everywhere(run: Run, db_path: Path) -> None:
    product_with_batch(run)
    assert run("print", "L1", "--printer", "-").exit_code == 0
    before = table_counts(db_path)
    for args in (
        ("void", "000001", "--reason", ""),
        ("void", "000001", "--reason", "   "),
        ("reprint", "000001", "--reason", " ", "--printer", "-"),
        ("batch", "quarantine", "L1", "--reason", "\t"),
        ("product", "withdraw", "COL", "--reason", ""),
    ):
        refused = run(*args)
        assert refused.exit_code == 2 and one_sentence(refused.stderr), args
    assert table_counts(db_path) == before


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("batch", "create", "COL", "--quantity", "99999999999999999999999"),
        ("serials", "allocate", "L1", "--count", "100000000"),
        ("print", "L1", "--printer", "-", "--copies", "1000000"),
        ("serve", "--rate-limit", "nan"),
        ("serve", "--rate-limit", "inf"),
        ("batch", "check", "L1", "length", "--value", "nan"),
    ],
)
def test_numbers_are_bounded(run: Run, db_path: Path, args: tuple[str, ...]) -> None:
    product_with_batch(run)
    before = table_counts(db_path)
    refused = run(*args)
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert table_counts(db_path) == before


# -- nothing is recorded before the request is known to be possible ----------------------------


@pytest.mark.parametrize(
    "printer", ["tcp://127.0.0.1:99999", "tcp://:9100", "gopher://printer", "file://relative/x.zpl"]
)
def test_an_impossible_printer_records_no_job_and_allocates_nothing(
    run: Run, db_path: Path, printer: str
) -> None:
    product_with_batch(run)
    before = table_counts(db_path)
    refused = run("print", "L1", "--printer", printer, "--count", "2")
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert table_counts(db_path) == before


def test_a_template_that_cannot_work_records_no_job(run: Run, db_path: Path) -> None:
    assert run("product", "add", "TOTE", "--name", "Tote").exit_code == 0  # no GTIN
    assert run("batch", "create", "TOTE", "--lot", "T1", "--quantity", "1").exit_code == 0
    assert run("batch", "release", "T1").exit_code == 0
    before = table_counts(db_path)
    for template in ("gs1-item-100x50", "no-such-template"):
        refused = run("print", "T1", "--printer", "-", "--template", template, "--count", "2")
        assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert table_counts(db_path) == before


def test_empty_serials_never_mean_the_whole_batch(run: Run, db_path: Path) -> None:
    product_with_batch(run)
    before = table_counts(db_path)
    refused = run("print", "L1", "--printer", "-", "--serials", "")
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert table_counts(db_path) == before


# -- the same key twice ------------------------------------------------------------------------


def test_a_gtin_in_two_spellings_is_one_gtin(run: Run) -> None:
    assert run("product", "add", "A", "--name", "A", "--gtin", "9506000134352").exit_code == 0
    twice = run("product", "add", "B", "--name", "B", "--gtin", "09506000134352")
    assert twice.exit_code == 2 and "already exists" in twice.stderr
    assert run("product", "list", "--json").json()[0]["gtin"] == "09506000134352"


# -- resource limits ---------------------------------------------------------------------------


def _template(folder: Path, body: str) -> Path:
    path = folder / "t.toml"
    path.write_text('name = "t"\nwidth_mm = 50\nheight_mm = 30\n' + body, encoding="utf-8")
    return path


def test_templates_that_would_exhaust_the_machine_are_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(TemplateError):
        load_template(deep)
    tiny = _template(
        tmp_path, '[[elements]]\ntype = "text"\nwidth = 10\nheight = 5\nsize = 1e-9\nvalue = "x"\n'
    )
    with pytest.raises(TemplateError, match=r"outside 0\.8\.\.100 mm"):
        load_template(tiny)


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims to be width x height: readers must refuse it before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_a_huge_logo_is_refused_in_one_sentence(tmp_path: Path) -> None:
    _png_header_only(tmp_path / "logo.png", 30_000, 30_000)
    template = load_template(
        _template(
            tmp_path, '[[elements]]\ntype = "image"\nwidth = 20\nheight = 20\nfile = "logo.png"\n'
        )
    )
    from datetime import date

    from batchlabel.labels.data import LabelData

    data = LabelData("S", "N", "", None, "L1", "1", date(2026, 1, 1), None, "http://x/p/S")
    with pytest.raises(TemplateError, match="a logo may have at most"):
        render_label(template, data, 203)


def test_a_symbol_too_big_is_refused_for_zpl_as_for_png(tmp_path: Path) -> None:
    from datetime import date

    from batchlabel.labels.data import LabelData

    template = load_template(
        _template(
            tmp_path,
            '[[elements]]\ntype = "qr"\nwidth = 20\nheight = 20\nvalue = "{product.description}"\n',
        )
    )
    data = LabelData("S", "N", "x" * 8000, None, "L1", "1", date(2026, 1, 1), None, "http://x/p/S")
    with pytest.raises(TemplateError):
        render_label(template, data, 203)
    with pytest.raises(TemplateError, match="do not fit a qr"):
        compile_template(template, 203).label(data)


def test_a_damaged_database_says_so(run: Run, db_path: Path) -> None:
    product_with_batch(run)
    data = bytearray(db_path.read_bytes())
    at = data.find(b"CREATE TABLE products")
    data[at + 7 : at + 12] = b"\xff\xfe\xff\xfe\xff"
    db_path.write_bytes(bytes(data))
    for args in (("product", "list"), ("batch", "list", "--json")):
        broken = subprocess.run(
            [sys.executable, "-m", "batchlabel", "--db", str(db_path), *args],
            capture_output=True,
            text=True,
        )
        assert broken.returncode == 1 and one_sentence(broken.stderr)
        assert "is damaged" in broken.stderr and "backup" in broken.stderr


# -- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["/etc/batchlabel-test.zpl", "/tmp/../etc/x.zpl", "/usr/x.zpl", "//etc/x.zpl"]
)
def test_a_file_printer_stays_out_of_system_folders(run: Run, db_path: Path, target: str) -> None:
    product_with_batch(run)
    before = table_counts(db_path)
    refused = run("print", "L1", "--printer", f"file://{target}")
    assert refused.exit_code == 2 and one_sentence(refused.stderr)
    assert not Path(target).exists() and table_counts(db_path) == before


def test_a_file_printer_does_not_reach_system_folders_through_a_symlinked_folder(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    product_with_batch(run)
    (tmp_path / "labels").symlink_to("/etc")
    before = table_counts(db_path)
    refused = run("print", "L1", "--printer", f"file://{tmp_path}/labels/batchlabel-test.zpl")
    assert refused.exit_code == 2 and "system folder /etc" in refused.stderr
    assert not Path("/etc/batchlabel-test.zpl").exists() and table_counts(db_path) == before


def test_a_file_printer_does_not_follow_a_planted_symlink(run: Run, tmp_path: Path) -> None:
    product_with_batch(run)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "labels.zpl").symlink_to(victim)
    failed = run("print", "L1", "--printer", f"file://{tmp_path}/labels.zpl")
    assert failed.exit_code == 1 and one_sentence(failed.stderr)
    assert victim.read_text() == "keep me\n"


def test_a_markdown_report_shows_names_as_text(run: Run, tmp_path: Path) -> None:
    name = '<img src=x onerror="alert(1)"> [click](javascript:alert(1))'
    assert run("product", "add", "COL", "--name", name).exit_code == 0
    assert run("batch", "create", "COL", "--lot", "L1", "--quantity", "1").exit_code == 0
    out = tmp_path / "report.md"
    assert run("report", "L1", "--format", "md", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<img" not in text and "](javascript" not in text
    assert "&lt;img" in text


def test_label_requests_have_a_ceiling(run: Run, db_path: Path) -> None:
    product_with_batch(run, quantity=3)
    store = Store.open(db_path)
    with pytest.raises(InputError, match="copies"):
        batch_labels(store, store.batch("L1"), find_template("item-50x30"), copies=10_000)
    store.close()
