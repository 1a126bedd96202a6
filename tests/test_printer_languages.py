"""The cheap printers' languages: TSPL and EPL2 bitmaps sent to fake printers on 127.0.0.1,
read back into images by a parser of their own, compared dot for dot with the PNG preview
and decoded with zxing-cpp without inversion (a polarity or mirror bug would not hide)."""

from __future__ import annotations

import io
import os
import re
import select
import threading
import time
import tty
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops

from batchlabel.labels.data import label_data
from batchlabel.labels.templates import find_template
from batchlabel.models import LabelState
from batchlabel.render import render_label
from batchlabel.store import Store
from tests.conftest import GTIN, Run, table_counts
from tests.fakeprinter import Behaviour, FakePrinter


def bitmaps(data: bytes, command: bytes, after: bytes = b"") -> list[Image.Image]:
    """Every bitmap of a TSPL (``BITMAP 0,0,``) or EPL2 (``GW0,0,``) stream as a 1-bit
    image: width in bytes, rows, then the raw bits, 0 for a printed dot."""
    images = []
    for found in re.finditer(re.escape(command) + rb"(\d+),(\d+)," + re.escape(after), data):
        width_bytes, rows = int(found.group(1)), int(found.group(2))
        raw = data[found.end() : found.end() + width_bytes * rows]
        images.append(Image.frombytes("1", (width_bytes * 8, rows), raw))
    return images


def tspl_images(data: bytes) -> list[Image.Image]:
    return bitmaps(data, b"BITMAP 0,0,", after=b"0,")


def epl2_images(data: bytes) -> list[Image.Image]:
    return bitmaps(data, b"GW0,0,")


@pytest.fixture
def tspl() -> Iterator[FakePrinter]:
    fake = FakePrinter(Behaviour(language="tspl"))
    yield fake
    fake.close()


@pytest.fixture
def epl2() -> Iterator[FakePrinter]:
    fake = FakePrinter(Behaviour(language="epl2"))
    yield fake
    fake.close()


def setup(run: Run, printer: FakePrinter, language: str) -> None:
    assert run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN).exit_code == 0
    assert run("batch", "create", "COL", "--lot", "L1", "--quantity", "3").exit_code == 0
    assert run("batch", "release", "L1").exit_code == 0
    saved = run("printer", "add", "cheap", printer.uri, "--language", language)
    assert saved.exit_code == 0, saved.stderr


def previews(db_path: Path, serials: list[str]) -> list[Image.Image]:
    store = Store.open(db_path)
    batch = store.batch("L1")
    product = store.product("COL")
    template = find_template("item-50x30")
    images = [render_label(template, label_data(product, batch, s), 203) for s in serials]
    store.close()
    return images


def same_dots(received: Image.Image, preview: Image.Image) -> bool:
    cropped = received.crop((0, 0, preview.width, preview.height))
    return ImageChops.difference(cropped.convert("L"), preview.convert("L")).getbbox() is None


def serials_read(image: Image.Image) -> set[str]:
    found = set()
    for result in zxingcpp.read_barcodes(image.convert("L"), try_invert=False, try_rotate=False):
        serial = re.search(r"/21/([0-9A-Z]+)", result.text)
        if serial:
            found.add(serial.group(1))
    return found


def test_a_tspl_printer_prints_the_preview_dot_for_dot(
    run: Run, db_path: Path, tspl: FakePrinter
) -> None:
    setup(run, tspl, "tspl")
    done = run("print", "L1", "--printer", "cheap", "--json")
    assert done.exit_code == 0, done.stderr
    serials = done.json()["confirmed"]
    assert len(serials) == 3  # the printer answered <ESC>!? with ready
    data = bytes(tspl.received)
    assert data.count(b"SIZE 50 mm,30 mm") == 3 and data.count(b"PRINT 1,1") == 3
    images = tspl_images(data)
    for image, preview, serial in zip(images, previews(db_path, serials), serials, strict=True):
        assert same_dots(image, preview)
        assert serials_read(image) == {serial}
    raw = sum(im.width // 8 * im.height for im in images)
    assert len(data) <= raw * 1.05  # within 5% of the bare bitmaps


def test_a_tspl_printer_out_of_paper_leaves_the_labels_uncertain(
    run: Run, tspl: FakePrinter
) -> None:
    setup(run, tspl, "tspl")
    tspl.behaviour.paper_out = True
    done = run("print", "L1", "--printer", "cheap", "--json")
    assert done.exit_code == 1 and "out of paper" in done.stderr
    assert len(done.json()["uncertain"]) == 3 and done.json()["confirmed"] == []
    check = run("printer", "check", "cheap")
    assert check.exit_code != 0 and "out of paper" in check.stdout + check.stderr
    listed = run("printer", "list", "--json").json()["printers"]
    assert "out of paper" in listed[0]["last_status"] and listed[0]["last_checked"]


def test_an_epl2_printer_prints_but_cannot_confirm(
    run: Run, db_path: Path, epl2: FakePrinter
) -> None:
    setup(run, epl2, "epl2")
    done = run("print", "L1", "--printer", "cheap", "--json")
    assert done.exit_code == 1 and "cannot be confirmed" in done.stderr
    serials = done.json()["uncertain"]
    images = epl2_images(bytes(epl2.received))
    assert len(images) == 3
    for image, preview, serial in zip(images, previews(db_path, serials), serials, strict=True):
        assert same_dots(image, preview)
        assert serials_read(image) == {serial}


def test_a_resume_speaks_the_saved_printers_language(run: Run, tspl: FakePrinter) -> None:
    setup(run, tspl, "tspl")
    tspl.behaviour.paper_out = True
    assert run("print", "L1", "--printer", "cheap").exit_code == 1
    assert run("batch", "create", "COL", "--lot", "L2", "--quantity", "1").exit_code == 0
    store_jobs = run("jobs", "--json")
    assert store_jobs.exit_code == 0
    assert "language=tspl" in store_jobs.stdout  # the job keeps the language with the address


def test_a_pdf_printer_cannot_be_a_raw_socket(run: Run) -> None:
    refused = run("printer", "add", "office", "tcp://127.0.0.1:9100", "--language", "pdf")
    assert refused.exit_code == 2 and "through CUPS" in refused.stderr


def brother_pages(data: bytes, folder: Path) -> list[Image.Image]:
    """What a Brother QL would print, by brother-ql-next's own reader."""
    from brother_ql.reader import BrotherQLReader

    reader = BrotherQLReader(io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type, unused-ignore]
    reader.filename_fmt = str(folder / "page{counter:04d}.png")
    reader.analyse()
    return [Image.open(path) for path in sorted(folder.glob("page*.png"))]


@pytest.fixture
def brother() -> Iterator[FakePrinter]:
    fake = FakePrinter(Behaviour(language="brother-ql", media="62"))
    yield fake
    fake.close()


def add_brother(run: Run, printer: FakePrinter, media: str = "62", *options: str) -> None:
    assert run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN).exit_code == 0
    assert run("batch", "create", "COL", "--lot", "L1", "--quantity", "3").exit_code == 0
    assert run("batch", "release", "L1").exit_code == 0
    saved = run(
        "printer", "add", "ql", printer.uri, "--language", "brother-ql", "--dpi", "300",
        "--media", media, *options,
    )  # fmt: skip
    assert saved.exit_code == 0, saved.stderr


def test_a_brother_ql_on_62mm_tape_prints_the_preview(
    run: Run, db_path: Path, brother: FakePrinter, tmp_path: Path
) -> None:
    add_brother(run, brother)
    done = run("print", "L1", "--printer", "ql", "--json")
    assert done.exit_code == 0, done.stderr
    serials = done.json()["confirmed"]
    pages = brother_pages(bytes(brother.received), tmp_path)
    assert len(pages) == 3
    store = Store.open(db_path)
    template = find_template("item-50x30")
    for page, serial in zip(pages, serials, strict=True):
        preview = render_label(
            template, label_data(store.product("COL"), store.batch("L1"), serial), 300
        )
        # brother-ql-next's reader keeps the rows of earlier pages of one raster job: this
        # label is the last rows of its page, centred on the printable width.
        left, top = (page.width - preview.width) // 2, page.height - preview.height
        placed = page.convert("1").crop((left, top, left + preview.width, page.height))
        assert same_dots(placed, preview)
        assert serials_read(placed) == {serial}
    store.close()


ODD_TEMPLATE = """\
name = "odd"
width_mm = 47.3
height_mm = 21.1
[[elements]]
type = "text"
x = 1
y = 1
width = 40
height = 8
value = "SN {serial}"
[[elements]]
type = "box"
x = 0
y = 0
width = 47.3
height = 21.1
"""


@pytest.mark.parametrize(
    ("template_name", "medium_name", "model"),
    [
        ("item-50x30", "62", "QL-820NWB"),
        ("item-50x30", "62", "QL-700"),
        ("item-50x30", "102", "QL-1100"),
        ("gs1-item-100x50", "62", "QL-820NWB"),  # turned a quarter
        ("odd", "62x29", "QL-800"),  # die-cut, and not on a whole byte
        ("odd", "29x90", "QL-820NWB"),  # die-cut, turned
        ("full", "62x29", "QL-820NWB"),  # wider than the printable width: cut off evenly
        ("wide", "62x29", "QL-820NWB"),  # longer than the label by an odd number of dots
    ],
)
def test_brother_raster_is_the_librarys_own_conversion(
    template_name: str, medium_name: str, model: str, tmp_path: Path
) -> None:
    """Our rows are brother-ql-next's ``convert`` of the same page, byte for byte."""
    from brother_ql.conversion import convert
    from brother_ql.raster import BrotherQLRaster

    from batchlabel.codes.gs1 import digital_link
    from batchlabel.labels.data import LabelData
    from batchlabel.render.brother import brother_raster, check_media, media

    if template_name in ("odd", "full", "wide"):
        text = ODD_TEMPLATE
        if template_name == "full":
            text = text.replace("47.3", "62").replace("21.1", "29").replace('"odd"', '"full"')
        if template_name == "wide":
            text = text.replace("47.3", "62").replace("21.1", "28.95").replace('"odd"', '"wide"')
        (tmp_path / f"{template_name}.toml").write_text(text)
        template = find_template(str(tmp_path / f"{template_name}.toml"))
    else:
        template = find_template(template_name)
    medium = media(medium_name)
    turned = check_media(template.name, template.width_mm, template.height_mm, medium)

    def data(n: int) -> LabelData:
        url = digital_link("https://id.example.com", GTIN, "L1", f"S{n}")
        return LabelData("COL", "Collar", "", GTIN, "L1", f"S{n}", date(2026, 1, 1), None, url)

    images = [render_label(template, data(n), 300) for n in range(3)]
    pages = []
    for image in images:
        label = image.rotate(90, expand=True) if turned else image
        length = medium.length_dots or label.height
        page = Image.new("L", (medium.width_dots, length), 255)
        page.paste(
            label.convert("L"),
            ((medium.width_dots - label.width) // 2, (length - label.height) // 2),
        )
        pages.append(page)
    expected = convert(
        qlr=BrotherQLRaster(model), images=pages, label=medium.name, rotate="0", threshold=70,
        dither=False, compress=False, red=False, dpi_600=False, hq=True, cut=True,
    )  # fmt: skip
    assert brother_raster(images, medium, turned, model) == expected


def test_a_brother_can_cut_once_at_the_end_of_a_job(
    run: Run, brother: FakePrinter, tmp_path: Path
) -> None:
    add_brother(run, brother, "62", "--cut", "end")
    done = run("print", "L1", "--printer", "ql", "--json")
    assert done.exit_code == 0, done.stderr
    data = bytes(brother.received)
    # ESC i M 0x40: cut automatically; ESC i A n: after every n labels (3, the whole job)
    assert data.count(b"\x1bi\x4d\x40") == 3 and data.count(b"\x1biA\x03") == 3
    # pages of one job: a form feed between them, the end of the job after the last
    assert data.count(b"\x0c") >= 2 and data.rstrip(b"\x00").endswith(b"\x1a")
    assert b"\x1biA\x01" not in data
    assert len(brother_pages(data, tmp_path)) == 3
    refused = run("printer", "add", "zebra", "tcp://127.0.0.1:9", "--cut", "end")
    assert refused.exit_code == 2 and "Only Brother QL printers" in refused.stderr


def test_a_network_brother_that_answers_only_over_snmp(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    """Silent on its print port, as many network QLs are: its state comes over SNMP."""
    from tests.fakesnmp import FakeSnmpAgent

    printer = FakePrinter(Behaviour(language="brother-ql", silent=True))
    agent = FakeSnmpAgent()
    try:
        add_brother(run, printer, "62", "--status", "snmp")
        store = Store.open(db_path)
        saved = store.printer("ql")
        assert saved is not None
        store.conn.execute(  # the fake agent listens on a free port, not 161
            "UPDATE printers SET uri = ? WHERE name = 'ql'",
            (f"{saved['uri']}&snmp_port={agent.port}",),
        )
        store.close()
        done = run("print", "L1", "--printer", "ql", "--json")
        assert done.exit_code == 0, done.stderr
        assert len(done.json()["confirmed"]) == 3  # confirmed by what SNMP said
        assert len(brother_pages(bytes(printer.received), tmp_path)) == 3
        assert "1.3.6.1.2.1.25.3.5.1.2.1" in agent.asked
        # still printing the last job: the labels are confirmed once it is idle, not before
        agent.printing_for = 3
        waited = run("print", "L1", "--printer", "ql", "--count", "1", "--json")
        assert waited.exit_code == 0 and len(waited.json()["confirmed"]) == 1
        assert agent.printing_for == 0
        agent.state, agent.errors = 1, bytes([0x40])  # "other", stopped: out of paper
        stopped = run("print", "L1", "--printer", "ql", "--count", "1")
        assert stopped.exit_code == 1 and "out of paper" in stopped.stderr
        agent.state = 3
        agent.errors = bytes([0x08])  # door open
        opened = run("print", "L1", "--printer", "ql", "--count", "1")
        assert opened.exit_code == 1 and "open (cover)" in opened.stderr
        agent.silent = True
        quiet = run("printer", "check", "ql")
        assert "did not give its state over SNMP" in quiet.stdout + quiet.stderr
    finally:
        printer.close()
        agent.close()
    refused = run("printer", "add", "f", "file:///tmp/x.zpl", "--status", "snmp")
    assert refused.exit_code == 2 and "Only network (tcp://) printers" in refused.stderr


def test_a_brother_with_other_media_loaded_prints_nothing(
    run: Run, db_path: Path, brother: FakePrinter
) -> None:
    add_brother(run, brother)
    brother.behaviour.media = "29"
    done = run("print", "L1", "--printer", "ql")
    assert done.exit_code == 1 and "has 29 loaded" in done.stderr
    store = Store.open(db_path)
    assert len(store.job_serials(1, LabelState.PENDING)) == 3  # every label still unsent
    assert store.job_serials(1, LabelState.SENT) == []
    store.close()
    assert len(bytes(brother.received)) < 100  # only the status question went out


def test_a_template_that_does_not_fit_the_labels_is_refused_first(
    run: Run, db_path: Path, brother: FakePrinter
) -> None:
    add_brother(run, brother, media="62x29")
    before = table_counts(db_path)
    refused = run("print", "L1", "--printer", "ql", "--count", "2")
    assert refused.exit_code == 2 and "does not fit 62 x 29 mm labels" in refused.stderr
    assert table_counts(db_path) == before


def test_a_brother_needs_its_media_and_300_dpi(run: Run, brother: FakePrinter) -> None:
    no_media = run("printer", "add", "ql", brother.uri, "--language", "brother-ql", "--dpi", "300")
    assert no_media.exit_code == 2 and "media" in no_media.stderr
    low = run(
        "printer", "add", "ql", brother.uri, "--language", "brother-ql", "--media", "62",
        "--dpi", "203",
    )  # fmt: skip
    assert low.exit_code == 2 and "300 dpi" in low.stderr
    unknown = run(
        "printer", "add", "ql", brother.uri, "--language", "brother-ql", "--dpi", "300",
        "--media", "61",
    )  # fmt: skip
    assert unknown.exit_code == 2 and "Unknown Brother media" in unknown.stderr
    model = run(
        "printer", "add", "ql", brother.uri, "--language", "brother-ql", "--media", "62",
        "--model", "QL-9999",
    )  # fmt: skip
    assert model.exit_code == 2 and "Unknown Brother model" in model.stderr
    zebra_media = run("printer", "add", "z", "tcp://127.0.0.1:9", "--media", "62")
    assert zebra_media.exit_code == 2 and "Only Brother QL printers" in zebra_media.stderr
    # 300 dpi is the only resolution a QL has: it is taken without asking
    saved = run("printer", "add", "ql", brother.uri, "--language", "brother-ql", "--media", "62",
                "--model", "QL-1100")  # fmt: skip
    assert saved.exit_code == 0 and "300 dpi" in saved.stdout
    assert run("printer", "remove", "ql").exit_code == 0
    assert "ql" not in run("printer", "list").stdout.split()


def test_a_wide_brother_gets_rows_of_its_own_width(
    run: Run, brother: FakePrinter, tmp_path: Path
) -> None:
    add_brother(run, brother, "62", "--model", "QL-1100")
    done = run("print", "L1", "--printer", "ql", "--json")
    assert done.exit_code == 0, done.stderr
    data = bytes(brother.received)
    assert b"g\x00\xa2" in data and b"g\x00\x5a" not in data  # 162 bytes a row, not 90


class FakeUsbPrinter:
    """A TSPL printer on a pseudo-terminal: a real character device under /dev/pts, set raw,
    that records what is written to it and answers <ESC>!? like the printer's USB port."""

    def __init__(self, status: int = 0) -> None:
        self.status = status
        self.received = bytearray()
        self.master, self.slave = os.openpty()  # the slave stays open, or reads fail
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self.master], [], [], 0.05)
            if not readable:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if b"\x1b!?" in chunk:
                chunk = chunk.replace(b"\x1b!?", b"")
                os.write(self.master, bytes([self.status]))
            self.received.extend(chunk)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)


def test_a_usb_tspl_printer_prints_and_reports(run: Run, db_path: Path) -> None:
    device = FakeUsbPrinter()
    try:
        assert run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN).exit_code == 0
        assert run("batch", "create", "COL", "--lot", "L1", "--quantity", "2").exit_code == 0
        assert run("batch", "release", "L1").exit_code == 0
        saved = run("printer", "add", "usb-rollo", f"usb://{device.path}", "--language", "tspl")
        assert saved.exit_code == 0, saved.stderr
        done = run("print", "L1", "--printer", "usb-rollo", "--json")
        assert done.exit_code == 0, done.stderr
        serials = done.json()["confirmed"]
        time.sleep(0.2)
        images = tspl_images(bytes(device.received))
        for image, preview, serial in zip(images, previews(db_path, serials), serials, strict=True):
            assert same_dots(image, preview) and serials_read(image) == {serial}
        device.status = 0x41  # head open and cover open
        check = run("printer", "check", "usb-rollo")
        assert check.exit_code != 0 and "cover" in check.stdout + check.stderr
    finally:
        device.close()
    missing = run(
        "print", "L1", "--printer", "usb:///dev/usb/lp-nope?language=tspl", "--count", "1"
    )
    assert missing.exit_code == 1 and "plugged in" in missing.stderr


@pytest.mark.parametrize("language", ["tspl", "brother-ql", "epl2"])
@pytest.mark.parametrize("fault", ["dropped", "silent", "cover"])
def test_every_fault_is_one_sentence_and_nothing_prints_twice(
    run: Run, db_path: Path, language: str, fault: str
) -> None:
    behaviour = Behaviour(language=language, media="62")
    if fault == "dropped":
        behaviour.close_after_bytes = 3000
    elif fault == "silent":
        behaviour.silent = True
    else:
        behaviour.head_open = True  # TSPL head/cover, Brother cover open
    fake = FakePrinter(behaviour)
    try:
        assert run("product", "add", "COL", "--name", "Collar", "--gtin", GTIN).exit_code == 0
        assert run("batch", "create", "COL", "--lot", "L1", "--quantity", "3").exit_code == 0
        assert run("batch", "release", "L1").exit_code == 0
        extra = ["--dpi", "300", "--media", "62"] if language == "brother-ql" else []
        assert run("printer", "add", "p", fake.uri, "--language", language, *extra).exit_code == 0
        first = run("print", "L1", "--printer", "p")
        assert first.exit_code == 1 and first.stderr.count("\n") == 1  # one sentence
        store = Store.open(db_path)
        confirmed = store.job_serials(1, LabelState.CONFIRMED)
        uncertain = store.job_serials(1, LabelState.SENT)
        store.close()
        assert confirmed == [] and len(uncertain) + len(store_pending(db_path)) == 3
        fake.behaviour.close_after_bytes = None
        fake.behaviour.silent = fake.behaviour.head_open = False
        again = run("print", "L1", "--printer", "p")  # no new label: each had its first print
        assert again.exit_code != 0
    finally:
        fake.close()


def store_pending(db_path: Path) -> list[str]:
    store = Store.open(db_path)
    try:
        return store.job_serials(1, LabelState.PENDING)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("query", "start"),
    [
        ("", b"^XA"),
        ("?language=tspl", b"SIZE"),
        ("?language=epl2", b"\r\nN"),
        ("?language=brother-ql&media=62", b"\x1bia\x01"),  # its raster mode
    ],
)
def test_a_test_label_speaks_the_printers_language(query: str, start: bytes) -> None:
    from batchlabel.services.printing import test_label_bytes

    data = test_label_bytes(f"tcp://127.0.0.1:9{query}", 300 if "brother" in query else 203)
    assert data.startswith(start), data[:40]
