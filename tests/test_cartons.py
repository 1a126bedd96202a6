"""The carton's GS1 logistic label from the command line: files read back by independent
decoders, a mixed carton, printing to a fake TCP printer, and the carton's code resolved and
received as everything it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from batchlabel.codes.gs1 import gs1_check_digit, gs1_fields
from batchlabel.errors import InputError, TemplateError
from batchlabel.labels.templates import load_template
from batchlabel.render.zpl import _gs1_128
from tests.conftest import GTIN, Run, table_counts
from tests.fakeprinter import FakePrinter
from tests.labelcheck import decode, render_zpl


def unit_code(serial: str, lot: str = "L1") -> str:
    return f"(01){GTIN}(10){lot}(21){serial}"


@pytest.fixture
def cartons(run: Run) -> tuple[Run, str, list[str]]:
    """A released lot L1 (best before 2027-05-31) of 5 items; an SSCC carton holding 3 of
    them, and carton MIX holding one of L1 and one tote."""
    for args in (
        ("product", "add", "COL", "--name", "Leather collar M", "--gtin", GTIN),
        ("product", "add", "TOTE", "--name", "Canvas tote"),
        ("batch", "create", "TOTE", "--lot", "T1", "--quantity", "1"),
        ("batch", "release", "T1", "--reason", "ok"),
    ):
        done = run(*args)
        assert done.exit_code == 0, (args, done.stderr)
    made = run("batch", "create", "COL", "--lot", "L1", "--quantity", "5",
               "--best-before", "2027-05-31", "--json")  # fmt: skip
    serials: list[str] = made.json()["serials"]
    assert run("batch", "release", "L1", "--reason", "ok").exit_code == 0
    sscc = run("carton", "new", "--company-prefix", "0614141", "--json").json()["carton"]
    assert run("pack", sscc, *[unit_code(s) for s in serials[:3]]).exit_code == 0
    assert run("pack", "--new", "MIX", unit_code(serials[3]), "--lot", "T1", "--quantity", "1",
               "--sku", "TOTE").exit_code == 0  # fmt: skip
    return run, sscc, serials


def test_the_logistic_label_reads_back_as_gs1(
    cartons: tuple[Run, str, list[str]], tmp_path: Path
) -> None:
    run, sscc, _ = cartons
    assert gs1_check_digit(sscc[:17]) == int(sscc[17])
    made = run("carton", "label", sscc, "--format", "zpl", "--out", str(tmp_path), "--json",
               "--ship-from", "Atelier Nord\nKiel", "--ship-to", "Shop Berlin")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    [zpl_file] = made.json()["files"]
    [image] = render_zpl(Path(zpl_file).read_text(), 100, 150)  # zpl-renderer-js
    symbols = decode(image)
    assert ("Code128", "]C1", f"00{sscc}".encode()) in symbols
    assert ("Code128", "]C1", f"02{GTIN}15270531373\x1d10L1".encode()) in symbols
    png = run("carton", "label", sscc, "--format", "png", "--out", str(tmp_path / "png"), "--json")
    [png_file] = png.json()["files"]
    preview = decode(Image.open(png_file))
    assert sorted(preview) == sorted(symbols)  # the printer and the preview say the same


def test_a_mixed_carton_has_only_its_code_and_what_it_holds(
    cartons: tuple[Run, str, list[str]], tmp_path: Path
) -> None:
    run, _, _ = cartons
    made = run("carton", "label", "MIX", "--format", "png", "--out", str(tmp_path), "--json")
    assert made.exit_code == 0, made.stderr
    [png_file] = made.json()["files"]
    found = zxingcpp.read_barcodes(Image.open(png_file))
    assert [(r.format.name, r.text) for r in found] == [("Code128", "MIX")]
    assert not any(r.symbology_identifier == "]C1" for r in found)  # no GS1 content claimed


def test_printing_a_carton_label_and_refusals(
    cartons: tuple[Run, str, list[str]], db_path: Path
) -> None:
    run, sscc, _ = cartons
    printer = FakePrinter()
    try:
        assert run("printer", "add", "dock", printer.uri).exit_code == 0
        printed = run("carton", "label", sscc, "--printer", "dock", "--json")
        assert printed.exit_code == 0, printed.stderr
        assert printed.json()["confirmed"] is True
        [label] = printer.labels()
        assert f"^FD>;>800{sscc}" in label
    finally:
        printer.close()
    before = table_counts(db_path)
    for args, message in (
        (("carton", "label", "NOPE", "--format", "png"), "No carton NOPE"),
        (("carton", "label", sscc), "Give --printer NAME"),
        (("carton", "label", sscc, "--printer", "x", "--format", "png"), "Give --printer NAME"),
        (("carton", "label", sscc, "--format", "png", "--template", "item-50x30"), "not cartons"),
        (("carton", "label", sscc, "--printer", "nowhere"), "No printer named 'nowhere'"),
        (("render", "L1", "--template", "logistic-100x150"), "carton label CARTON"),
        (("carton", "label", sscc, "--printer", "dock", "--format", "png"), "not both"),
    ):
        refused = run(*args)
        assert refused.exit_code != 0 and message in refused.stderr, (args, refused.stderr)
    assert table_counts(db_path) == before


def test_a_carton_code_resolves_and_receives_as_its_items(
    cartons: tuple[Run, str, list[str]], tmp_path: Path
) -> None:
    run, sscc, serials = cartons
    found = run("resolve", f"]C100{sscc}", "--json").json()
    assert found["match"] == "carton" and found["carton"] == sscc
    assert found["contents"] == [{"sku": "COL", "lot": "L1", "status": "released", "units": 3}]
    expected = tmp_path / "expected.txt"
    expected.write_text("\n".join(unit_code(s) for s in serials[:4]) + "\n")
    scans = f"00{sscc}\n{unit_code(serials[0])}\n{unit_code(serials[3])}\ndone\n"
    received = run("receive", "--expect", str(expected), "--json", input=scans)
    lines = [json.loads(line) for line in received.stdout.splitlines()]
    assert lines[0]["match"] == "carton" and lines[0]["flags"] == []
    assert lines[1]["flags"] == ["duplicate"]  # it came in the carton already
    summary = lines[-1]["summary"]
    assert summary["expected_received"] == 4 and summary["received"] == 4
    assert received.exit_code == 0


def test_carton_fields_in_gs1_and_templates(tmp_path: Path) -> None:
    fields = gs1_fields(sscc="006141410000000128", content=GTIN, count=12, lot="L1")
    assert fields == [("00", "006141410000000128"), ("02", GTIN), ("37", "12"), ("10", "L1")]
    # (37) varies in length: Code 128 switches to subset B for it, then FNC1 before (10)
    assert _gs1_128(tuple(fields)) == f">;>800006141410000000128{'02' + GTIN}>637 12>810L1".replace(
        " ", ""
    )
    with pytest.raises(InputError, match="count of 0"):
        gs1_fields(count=0)
    both = tmp_path / "both.toml"
    both.write_text(
        'name = "both"\nwidth_mm = 50\nheight_mm = 30\nper = "carton"\n[[elements]]\n'
        'type = "barcode"\nsymbology = "gs1-128"\nheight = 10\nwidth = 40\n'
        'fields = ["gtin", "content"]\n'
    )
    with pytest.raises(TemplateError, match="not both"):
        load_template(both)
    optional = tmp_path / "optional.toml"
    optional.write_text(
        'name = "optional"\nwidth_mm = 50\nheight_mm = 30\n[[elements]]\ntype = "text"\n'
        'width = 40\nheight = 5\noptional = "yes"\nvalue = "{lot}"\n'
    )
    with pytest.raises(TemplateError, match="'optional' must be true or false"):
        load_template(optional)
    per = tmp_path / "per.toml"
    per.write_text(
        'name = "per"\nwidth_mm = 50\nheight_mm = 30\nper = "pallet"\n[[elements]]\ntype = "box"\n'
    )
    with pytest.raises(TemplateError, match="'carton'"):
        load_template(per)


def test_a_carton_of_a_product_without_gtin_claims_no_gs1_content(
    cartons: tuple[Run, str, list[str]], tmp_path: Path
) -> None:
    run, _, _ = cartons
    made = run("batch", "create", "TOTE", "--lot", "T2", "--quantity", "2", "--json")
    assert run("pack", "--new", "TOTES", "--lot", "T2", "--quantity", "2").exit_code == 0, made
    done = run("carton", "label", "TOTES", "--format", "png", "--out", str(tmp_path), "--json",
               "--ship-to", "Shop Berlin GmbH\nFriedrichstrasse 123\n10117 Berlin\nGermany")  # fmt: skip
    assert done.exit_code == 0, done.stderr  # a four-line address shrinks to fit
    [png_file] = done.json()["files"]
    found = zxingcpp.read_barcodes(Image.open(png_file))
    assert [(r.format.name, r.symbology_identifier, r.text) for r in found] == [
        ("Code128", "]C0", "TOTES")
    ]  # a count and lot without their GTIN would be no valid GS1 string


def test_a_file_printer_keeps_every_job_inside_its_folder(tmp_path: Path) -> None:
    from batchlabel.printers import open_printer

    folder = tmp_path / "outbox"
    printer = open_printer(f"file://{folder}")
    printer.send(b"^XA^XZ", name="carton-/../../escaped")
    printer.close()
    assert not list(tmp_path.glob("escaped*")) and not (tmp_path.parent / "escaped.zpl").exists()
    [written] = list(folder.iterdir())
    assert written.read_bytes() == b"^XA^XZ" and "/" not in written.name


def test_an_empty_carton_has_no_label_yet(cartons: tuple[Run, str, list[str]]) -> None:
    run, _, _ = cartons
    assert run("carton", "new", "EMPTY-1").exit_code == 0
    refused = run("carton", "label", "EMPTY-1", "--format", "png")
    assert refused.exit_code == 2 and "is empty; pack it before" in refused.stderr
    # a scanner that sends the symbology identifier (]C0 for Code 128) still finds the carton
    found = run("resolve", "]C0EMPTY-1", "--json").json()
    assert found["match"] == "carton" and found["carton"] == "EMPTY-1"
    nothing = run("resolve", "]C0", "--json").json()  # the identifier and no code after it
    assert (
        nothing["match"] == "none" and nothing["error"] == "The scan held no code; scan it again."
    )


def test_closing_a_carton_from_the_command_line(cartons: tuple[Run, str, list[str]]) -> None:
    run, sscc, serials = cartons
    assert run("carton", "close", sscc).exit_code == 0
    refused = run("pack", sscc, unit_code(serials[4]))
    assert refused.exit_code != 0 and "is closed" in refused.stderr
    again = run("carton", "close", sscc)
    assert again.exit_code != 0 and "closed already" in again.stderr
    assert run("unpack", sscc, unit_code(serials[0]), "--reason", "scuffed").exit_code == 0
    assert run("pack", sscc, unit_code(serials[4])).exit_code == 0  # open again
