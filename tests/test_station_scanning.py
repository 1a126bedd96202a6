"""Receiving and packing at the station against a real `batchlabel serve` and a real SQLite
file: sessions scanned into by several people, expected lists pasted, uploaded or taken from
a shipment, each scan an event the moment it arrives, and the refusals of the command line."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from batchlabel.codes.gs1 import gs1_check_digit
from batchlabel.labels.data import label_data
from batchlabel.labels.templates import find_template
from batchlabel.models import Actor, BatchStatus
from batchlabel.render import render_label
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.people import add_person
from batchlabel.services.receiving import ReceivingSession
from batchlabel.store import Store
from tests.conftest import GTIN
from tests.fakeprinter import FakePrinter
from tests.labelcheck import decode, render_zpl
from tests.webserver import start

PASSWORDS = {"pat": "packer-pass-1", "quinn": "qa-pass-0001"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
OWNER = Actor("owner", "office")


@dataclass
class Bench:
    url: str
    db: Path | str
    serials: list[str]  # released lot L1
    held: str  # a serial of quarantined lot Q1
    recalled: str  # a serial of recalled lot R1
    printer: FakePrinter

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=20)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    yield from serve_bench(tmp_path_factory.mktemp("scanning") / "scanning.db")


def serve_bench(db: Path | str, *serve_options: str) -> Iterator[Bench]:
    """The bench's records in ``db`` (a SQLite file or a PostgreSQL URL), and a server."""
    store = Store.open(db)
    store.add_product("COL", "Leather collar M", OWNER, gtin=GTIN)
    made = store.create_batch("COL", OWNER, lot="L1", planned_quantity=12)
    store.set_status(made.batch, BatchStatus.RELEASED, OWNER, "ok")
    held = store.create_batch("COL", OWNER, lot="Q1", planned_quantity=1)
    store.set_status(held.batch, BatchStatus.QUARANTINED, OWNER, "smell")
    recalled = store.create_batch("COL", OWNER, lot="R1", planned_quantity=1)
    store.set_status(recalled.batch, BatchStatus.RELEASED, OWNER, "ok")
    store.set_status(recalled.batch, BatchStatus.RECALLED, OWNER, "buckle")
    for name, role in (("pat", "packer"), ("quinn", "qa")):
        add_person(store, name, role, PASSWORDS[name], OWNER)
    printer = FakePrinter()
    store.add_printer("carton-zebra", printer.uri, 203, "zpl", OWNER)
    serials = list(made.serials)
    store.close()
    process, url = start(db, "--rate-limit", "0", *serve_options)
    yield Bench(url, db, serials, held.serials[0], recalled.serials[0], printer)
    process.terminate()
    process.wait(timeout=10)
    printer.close()


def code(serial: str, lot: str = "L1") -> str:
    return f"(01){GTIN}(10){lot}(21){serial}"


def sign_in(bench: Bench, name: str, at: str = "dock-1") -> tuple[httpx.Client, str]:
    client = bench.client()
    answer = client.post(
        "/station/login",
        data={"name": name, "password": PASSWORDS[name], "station": at, "next": "/station/"},
    )
    assert answer.status_code == 303, answer.text
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/station/receive").text)
    assert token
    return client, token.group(1)


def scan(client: httpx.Client, csrf: str, session: str, text: str) -> dict[str, Any]:
    answer = client.post(
        f"{session}/scan",
        data={"csrf": csrf, "code": text},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["scan"]
    return found


def events(bench: Bench, kind: str) -> list[dict[str, object]]:
    store = Store.open(bench.db)
    try:
        return [
            {"user": e.user, "station": e.station, "serial": e.serial, **e.detail}
            for e in store.events(kind=kind)
        ]
    finally:
        store.close()


def start_session(client: httpx.Client, csrf: str, **fields: str) -> str:
    answer = client.post("/station/receive", data={"csrf": csrf, **fields})
    assert answer.status_code == 303, html.unescape(answer.text)
    location = answer.headers["location"]
    assert re.fullmatch(r"/station/receive/\d+", location)
    return location


def test_two_people_receive_into_one_session(bench: Bench) -> None:
    pat, pat_csrf = sign_in(bench, "pat", "dock-1")
    quinn, quinn_csrf = sign_in(bench, "quinn", "dock-2")
    expected = "\n".join(code(s) for s in bench.serials[:3])
    session = start_session(pat, pat_csrf, name="Shop delivery", expected=expected)
    number = int(session.rsplit("/", 1)[1])

    assert scan(pat, pat_csrf, session, code(bench.serials[0]))["verdicts"] == []
    again = scan(quinn, quinn_csrf, session, code(bench.serials[0]))
    assert again["verdicts"] == ["Duplicate"] and again["tone"] == "hold"
    assert "Unknown code" in scan(pat, pat_csrf, session, "NOT-A-CODE-42")["verdicts"]
    extra = scan(quinn, quinn_csrf, session, code(bench.serials[5]))
    assert extra["verdicts"] == ["Not expected"] and extra["tone"] == "bad"
    recalled = scan(pat, pat_csrf, session, code(bench.recalled, "R1"))
    assert set(recalled["verdicts"]) == {"Not expected", "Recalled"}
    held = scan(pat, pat_csrf, session, code(bench.held, "Q1"))
    assert "Quarantined" in held["verdicts"]
    # a GS1 element string with the real group separator, as a wedge scanner types it
    raw = f"01{GTIN}10L1\x1d21{bench.serials[1]}"
    assert scan(quinn, quinn_csrf, session, raw)["verdicts"] == []

    # the page, from anyone's device, is rebuilt from the same records
    page = html.unescape(quinn.get(session).text)
    assert "Shop delivery" in page and "2</span> of 3" in page
    assert "Duplicate" in page and "quinn at dock-2" in page

    finished = pat.post(f"{session}/finish", data={"csrf": pat_csrf})
    assert finished.status_code == 303
    summary = html.unescape(pat.get(session).text)
    assert "2 of 3 expected items received." in summary and "1 missing." in summary
    assert "Scan with camera" not in summary  # a finished session takes no scans
    late = pat.post(
        f"{session}/scan", data={"csrf": pat_csrf, "code": code(bench.serials[2])},
        headers={"accept": "application/json"},
    )  # fmt: skip
    assert late.status_code == 409 and "finished" in late.json()["error"]

    scans = [e for e in events(bench, "scanned") if e["session"] == number]
    assert [e["input"] for e in scans] == [
        code(bench.serials[0]), code(bench.serials[0]), "NOT-A-CODE-42",
        code(bench.serials[5]), code(bench.recalled, "R1"), code(bench.held, "Q1"), raw,
    ]  # fmt: skip
    assert [(e["user"], e["station"]) for e in scans][:2] == [
        ("pat", "dock-1"),
        ("quinn", "dock-2"),
    ]
    assert scans[1]["flags"] == ["duplicate"]
    [closing] = [e for e in events(bench, "receive_finished") if e["session"] == number]
    assert closing["user"] == "pat" and closing["expected_received"] == 2

    sheet = pat.get(f"{session}.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    rows = sheet.text.splitlines()
    assert rows[0] == "line,code,expected,received,note,record,who"
    assert any(bench.serials[2] in row and "1 missing" in row for row in rows)
    assert sum(row.startswith("scan,") for row in rows) == 7

    # the session read back from its events alone says what the page said
    store = Store.open(bench.db)
    try:
        resumed = ReceivingSession.resume(CodeLookup(store), number)
        summary_again = resumed.summary()
    finally:
        store.close()
    assert summary_again["expected_received"] == 2 and summary_again["scans"] == 7
    assert summary_again["duplicates"] == [code(bench.serials[0])]
    assert summary_again["unknown"] == ["NOT-A-CODE-42"]
    assert resumed.finished is not None


def test_expected_lists_from_a_file_and_from_a_shipment(bench: Bench) -> None:
    pat, csrf = sign_in(bench, "pat")
    uploaded = pat.post(
        "/station/receive",
        data={"csrf": csrf, "name": "From a file"},
        # a GS1 element string keeps its GS byte inside a line of the list
        files={
            "file": (
                "delivery.csv",
                f"# from the tannery\r\nL1,2\r\n01{GTIN}10L1\x1d21{bench.serials[9]}\r\n",
            )
        },
    )
    assert uploaded.status_code == 303
    session = uploaded.headers["location"]
    scan(pat, csrf, session, code(bench.serials[8]))
    page = html.unescape(pat.get(session).text)
    assert "1</span> of 3" in page

    store = Store.open(bench.db)
    units = store.units(store.batch("L1", "COL"))[10:12]
    store.pack("C-SHIP-1", "internal", OWNER, [u.id for u in units], new=True)
    store.ship("DN-7", "Shop Berlin", ["C-SHIP-1"], OWNER)
    store.close()
    listed = pat.get("/station/receive").text
    assert "DN-7 to Shop Berlin" in listed
    session = start_session(pat, csrf, name="DN-7 arrives", shipment="DN-7")
    # the carton's own label counts as every item in it
    carton = scan(pat, csrf, session, "C-SHIP-1")
    assert carton["verdicts"] == [] and "2 x COL lot L1" in str(carton["what"])
    page = html.unescape(pat.get(session).text)
    assert "2</span> of 2" in page


def test_bad_receiving_input_is_refused_and_records_nothing(bench: Bench) -> None:
    pat, csrf = sign_in(bench, "pat")
    before = len(events(bench, "receive_started"))
    wrong = pat.post(
        "/station/receive", data={"csrf": csrf, "expected": f"{code(bench.serials[0])}\nNOPE-99,3"}
    )
    assert wrong.status_code == 400
    assert "line 2: 'NOPE-99' does not match a record" in html.unescape(wrong.text)
    huge = pat.post("/station/receive", data={"csrf": csrf, "expected": "L1,999999999"})
    assert huge.status_code == 400 and "quantity must be 1 to" in html.unescape(huge.text)
    binary = pat.post(
        "/station/receive", data={"csrf": csrf}, files={"file": ("x.txt", b"\xff\xfe\x00bad")}
    )
    assert binary.status_code == 400 and "not UTF-8" in html.unescape(binary.text)
    unknown = pat.post("/station/receive", data={"csrf": csrf, "shipment": "DN-NONE"})
    assert unknown.status_code == 404 and "No shipment DN-NONE" in html.unescape(unknown.text)
    forged = pat.post("/station/receive", data={"csrf": "forged", "name": "x"})
    assert forged.status_code == 403
    assert len(events(bench, "receive_started")) == before

    session = start_session(pat, csrf, name="Empty scans")
    blank = pat.post(f"{session}/scan", data={"csrf": csrf, "code": "  "})
    assert blank.status_code == 400 and "Scan a code" in html.unescape(blank.text)
    long = pat.post(
        f"{session}/scan", data={"csrf": csrf, "code": "9" * 5000},
        headers={"accept": "application/json"},
    )  # fmt: skip
    assert long.status_code == 400
    assert pat.get("/station/receive/999999").status_code == 404
    number = int(session.rsplit("/", 1)[1])
    assert not [e for e in events(bench, "scanned") if e["session"] == number]


# -- in a browser: a wedge scanner and the camera ---------------------------------------------

CAMERA_TEMPLATE = """\
name = "camera-check"
width_mm = 40
height_mm = 40
per = "unit"

[[elements]]
type = "datamatrix"
x = 4
y = 4
width = 32
height = 32
module = 1.2
fields = ["gtin", "lot", "serial"]
"""


def signed_in_page(
    page: Any, bench: Bench, path: str, at: str, requests: list[str], console: list[str]
) -> None:
    """Open ``path`` as pat at bench ``at``, noting every request and console message."""
    page.on("request", lambda request: requests.append(request.url))
    # A load from another host is stopped by the page's CSP before any request is made:
    # the browser says so on the console, so that is watched too.
    page.on("console", lambda message: console.append(message.text))
    page.goto(bench.url + path)
    page.get_by_label("Name").fill("pat")
    page.get_by_label("Password").fill(PASSWORDS["pat"])
    page.get_by_label("Station").fill(at)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def camera_video(bench: Bench, serial: str, folder: Path) -> Path:
    """A label drawn by batchlabel (a GS1 DataMatrix of one unit), as the 4:2:0 y4m video
    chromium's fake camera plays."""
    template_file = folder / "camera-check.toml"
    template_file.write_text(CAMERA_TEMPLATE)
    store = Store.open(bench.db)
    try:
        batch = store.batch("L1", "COL")
        data = label_data(store.product("COL"), batch, serial)
    finally:
        store.close()
    picture = folder / "label.png"
    render_label(find_template(str(template_file)), data, 203).convert("L").save(picture)
    video = folder / "label.y4m"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(picture), "-vf",
         "scale=w='min(iw,640)':h='min(ih,480)':force_original_aspect_ratio=decrease,"
         "pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p",
         "-r", "15", "-t", "2", "-pix_fmt", "yuv420p", str(video)],
        check=True,
    )  # fmt: skip
    return video


def test_a_receiver_scans_with_a_wedge_scanner_and_a_phone_camera(
    bench: Bench, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert os.path.exists(CHROMIUM), "scripts/test.sh installs Debian's chromium"
    assert shutil.which("ffmpeg"), "scripts/test.sh installs Debian's ffmpeg"
    first, second, seen_by_camera = bench.serials[3], bench.serials[4], bench.serials[6]
    video = camera_video(bench, seen_by_camera, tmp_path)
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    requests: list[str] = []
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        signed_in_page(page, bench, "/station/receive", "door-2", requests, console)
        page.get_by_label("Session name").fill("Phone delivery")
        page.get_by_label("Or paste the expected list").fill(
            "\n".join(code(s) for s in (first, second, seen_by_camera))
        )
        page.get_by_role("button", name="Start receiving").click()
        page.wait_for_url(re.compile(r".*/station/receive/\d+$"))
        number = int(page.url.rsplit("/", 1)[1])
        field = page.get_by_label("Scan", exact=True)
        expect(field).to_be_focused()
        last = page.locator("#last")

        # A wedge scanner types the GS1 element string with its real GS byte, then Enter.
        wedge = f"01{GTIN}10L1\x1d21{first}"
        page.keyboard.type(wedge)
        page.keyboard.press("Enter")
        expect(last).to_contain_text(f"serial {first}")
        expect(last).to_contain_text("Received")
        expect(page.locator("#missing")).not_to_contain_text(first)  # no longer expected
        expect(page.locator("#missing")).to_contain_text(second)
        # Another scanner sends the separator as Ctrl+]: the page turns it into the byte.
        page.keyboard.type(f"01{GTIN}10L1")
        page.keyboard.press("Control+BracketRight")
        page.keyboard.type(f"21{second}")
        page.keyboard.press("Enter")
        expect(last).to_contain_text(f"serial {second}")
        page.keyboard.type(wedge)
        page.keyboard.press("Enter")
        expect(last).to_contain_text("Duplicate")
        page.keyboard.type("NO-SUCH-CODE")
        page.keyboard.press("Enter")
        expect(last).to_contain_text("Unknown code")
        expect(page.locator("#count-duplicates")).to_have_text("1")
        expect(page.locator("#count-unknown")).to_have_text("1")
        expect(field).to_be_focused()  # ready for the next code

        # The phone's camera: decoded on the device, by the decoder the station serves.
        page.get_by_role("button", name="Scan with camera").click()
        expect(last).to_contain_text(f"serial {seen_by_camera}", timeout=15_000)
        expect(page.locator("#count-expected-received")).to_have_text("3")
        page.get_by_role("button", name="Stop the camera").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="Finish receiving").click()
        expect(page.locator("#summary")).to_contain_text("3 of 3 expected items received.")
        expect(page.locator("#summary")).to_contain_text("1 scanned twice.")
        expect(page.locator("#summary")).to_contain_text("1 unknown codes.")
        browser.close()

    scans = [e for e in events(bench, "scanned") if e["session"] == number]
    camera_code = f"]d201{GTIN}10L1\x1d21{seen_by_camera}"
    assert [e["input"] for e in scans] == [
        wedge,
        f"01{GTIN}10L1\x1d21{second}",
        wedge,
        "NO-SUCH-CODE",
        camera_code,
    ]
    assert [e["flags"] for e in scans] == [[], [], ["duplicate"], ["unknown"], []]
    assert {(e["user"], e["station"]) for e in scans} == {("pat", "door-2")}
    assert any("zxing_reader.wasm" in url for url in requests)  # the camera ran on our decoder
    assert requests and all(url.startswith(bench.url + "/") for url in requests), requests
    assert not [text for text in console if "Content Security Policy" in text], console


# -- packing ------------------------------------------------------------------------------------


def pack(client: httpx.Client, csrf: str, carton: str, text: str) -> httpx.Response:
    return client.post(
        f"{carton}/add", data={"csrf": csrf, "code": text}, headers={"accept": "application/json"}
    )


def test_a_packer_fills_labels_and_ships_a_carton(bench: Bench) -> None:
    pat, csrf = sign_in(bench, "pat", "pack-1")
    started = pat.post("/station/pack", data={"csrf": csrf, "company_prefix": "0614141"})
    assert started.status_code == 303
    carton = started.headers["location"]
    sscc = carton.rsplit("/", 1)[1]
    assert re.fullmatch(r"0061414100000\d{5}", sscc) and gs1_check_digit(sscc[:17]) == int(sscc[17])
    for serial in bench.serials[:3]:
        answer = pack(pat, csrf, carton, code(serial))
        assert answer.status_code == 200, answer.text
        assert f"Packed serial {serial}" in answer.json()["scan"]["what"]
    assert answer.json()["summary"] == {"items": 3}
    assert answer.json()["batches"] == [["COL lot L1", "3 (released)"]]

    # the command line's refusals, said in one sentence, and nothing packed
    twice = pack(pat, csrf, carton, code(bench.serials[0]))
    assert twice.status_code == 409 and "in this carton already" in twice.json()["error"]
    assert "Take it out" not in twice.json()["error"]  # no remedy for what is already right
    held = pack(pat, csrf, carton, code(bench.recalled, "R1"))
    assert held.status_code == 409 and "recalled" in held.json()["error"]
    lot = pack(pat, csrf, carton, "L1")
    assert lot.status_code == 400 and "not one item" in lot.json()["error"]
    several = pat.post(
        f"{carton}/add",
        data={"csrf": csrf, "code": f"{code(bench.serials[3])}\n{code(bench.recalled, 'R1')}"},
    )
    assert several.status_code == 409  # all or nothing: serial 3 did not go in either
    page = html.unescape(pat.get(carton).text)
    assert "3 (released)" in page and bench.serials[3] not in page

    out = pat.post(f"{carton}/unpack", data={"csrf": csrf, "serials": code(bench.serials[2])})
    assert out.status_code == 400 and "reason" in html.unescape(out.text).lower()
    out = pat.post(
        f"{carton}/unpack",
        data={"csrf": csrf, "serials": code(bench.serials[2]), "reason": "scratched"},
    )
    assert out.status_code == 303
    assert pack(pat, csrf, carton, code(bench.serials[2])).status_code == 200
    closed = pat.post(f"{carton}/close", data={"csrf": csrf})
    assert closed.status_code == 303
    after = pack(pat, csrf, carton, code(bench.serials[3]))
    assert after.status_code == 409 and "closed" in after.json()["error"]

    # the GS1 logistic label, printed on a fake TCP printer and read back independently
    before = len(bench.printer.labels())
    printed = pat.post(
        f"{carton}/label",
        data={"csrf": csrf, "printer": "carton-zebra", "template": "logistic-100x150",
              "ship_from": "Atelier Vale\nPorto", "ship_to": "Shop Berlin"},
    )  # fmt: skip
    assert printed.status_code == 303, html.unescape(printed.text)
    assert "Printed the label" in html.unescape(pat.get(printed.headers["location"]).text)
    [label] = bench.printer.labels()[before:]
    [image] = render_zpl(label, 100, 150)
    symbols = decode(image)
    assert ("Code128", "]C1", f"00{sscc}".encode()) in symbols
    content = f"02{GTIN}373\x1d10L1".encode()
    assert ("Code128", "]C1", content) in symbols
    store = Store.open(bench.db)
    try:
        resolved = CodeLookup(store).resolve(f"]C100{sscc}")
        [printed_event] = [e for e in store.events(kind="carton_label_printed")
                           if e.detail["carton"] == sscc]  # fmt: skip
    finally:
        store.close()
    assert resolved.match == "carton" and resolved.carton == sscc
    assert resolved.contents[0]["units"] == 3
    assert printed_event.user == "pat" and printed_event.station == "pack-1"
    assert printed_event.detail["confirmed"] is True

    # the station's search field opens a carton from its label
    opened = pat.get("/station/find", params={"code": f"]C100{sscc}"})
    assert opened.status_code == 303 and opened.headers["location"] == f"/station/pack/{sscc}"

    # shipped from the station, as 'batchlabel ship' does
    listed = pat.get("/station/pack").text
    assert sscc in listed
    nobody = pat.post(
        "/station/pack/ship", data={"csrf": csrf, "carton": sscc, "shipment": "DN-PACK-1"}
    )
    assert nobody.status_code == 400  # no customer: what was typed and ticked stays
    assert 'value="DN-PACK-1"' in nobody.text and f'value="{sscc}" checked' in nobody.text
    shipped = pat.post(
        "/station/pack/ship",
        data={"csrf": csrf, "carton": sscc, "shipment": "DN-PACK-1", "customer": "Shop Berlin"},
    )
    assert shipped.status_code == 303
    assert "DN-PACK-1: 1 carton, 3 items to Shop Berlin" in html.unescape(
        pat.get(shipped.headers["location"]).text
    )
    again = pat.post(
        "/station/pack/ship",
        data={"csrf": csrf, "carton": sscc, "shipment": "DN-PACK-2", "customer": "Shop Berlin"},
    )
    assert again.status_code == 409 and "already shipped" in html.unescape(again.text)


def test_bad_packing_input_is_refused(bench: Bench) -> None:
    pat, csrf = sign_in(bench, "pat")
    bad_prefix = pat.post("/station/pack", data={"csrf": csrf, "company_prefix": "12ab"})
    assert bad_prefix.status_code == 400 and "6 to 12 digits" in html.unescape(bad_prefix.text)
    both = pat.post("/station/pack", data={"csrf": csrf, "company_prefix": "0614141", "code": "X"})
    assert both.status_code == 400
    own = pat.post("/station/pack", data={"csrf": csrf, "code": "BOX-7"})
    assert own.status_code == 303 and own.headers["location"] == "/station/pack/BOX-7"
    taken = pat.post("/station/pack", data={"csrf": csrf, "code": "BOX-7"})
    assert taken.status_code == 409 and "exists already" in html.unescape(taken.text)
    empty = pat.post("/station/pack/BOX-7/close", data={"csrf": csrf})
    assert empty.status_code == 400 and "empty" in html.unescape(empty.text)
    assert pack(pat, csrf, "/station/pack/BOX-7", code(bench.serials[4])).status_code == 200
    open_ship = pat.post(
        "/station/pack/ship",
        data={"csrf": csrf, "carton": "BOX-7", "shipment": "DN-OPEN", "customer": "Shop"},
    )
    assert open_ship.status_code == 409 and "is open; close it" in html.unescape(open_ship.text)
    assert pat.post("/station/pack/BOX-7/close", data={"csrf": csrf}).status_code == 303
    # taking an item out of a closed carton opens it again: its label's count is wrong now
    out = pat.post(
        "/station/pack/BOX-7/unpack",
        data={"csrf": csrf, "serials": code(bench.serials[4]), "reason": "scuffed"},
    )
    assert out.status_code == 303
    reopened = html.unescape(pat.get(out.headers["location"]).text)
    assert "· open" in reopened and "open again: close it and print its label again" in reopened
    nowhere = pat.post(
        "/station/pack/BOX-7/label", data={"csrf": csrf, "printer": "no-such-printer"}
    )
    assert nowhere.status_code == 404 and "No printer named" in html.unescape(nowhere.text)
    wrong = pat.post(
        "/station/pack/BOX-7/label",
        data={"csrf": csrf, "printer": "carton-zebra", "template": "item-50x30"},
    )
    assert wrong.status_code == 400 and "Choose one of the carton templates" in html.unescape(
        wrong.text
    )
    # only the templates offered: no file on the server is read as one
    elsewhere = pat.post(
        "/station/pack/BOX-7/label",
        data={"csrf": csrf, "printer": "carton-zebra", "template": "/etc/passwd.toml"},
    )
    assert elsewhere.status_code == 400 and "/etc" not in elsewhere.text
    # own carton codes are names a scan and an address can carry, and read as nothing else
    for bad, why in (
        ("../../x", "cannot be a carton code"),
        ("a/b", "cannot be a carton code"),
        ("12345678", "cannot be a carton code"),
        ("L1", "already a batch"),
        ("COL", "already a product"),
        (bench.serials[11], ""),  # digits here, so refused as digits; a letter serial as a unit
    ):
        refused = pat.post("/station/pack", data={"csrf": csrf, "code": bad})
        assert refused.status_code == 400 and why in html.unescape(refused.text), (
            bad,
            refused.text,
        )
    assert pat.get("/station/receive/9223372036854775808").status_code == 404
    # notices on a page come only from this sign-in's own changes
    forged_notice = pat.get("/station/pack", params={"done": "Call 555-0100 now", "sig": "x"})
    assert "555-0100" not in forged_notice.text
    assert pat.get("/station/pack/NO-SUCH-BOX").status_code == 404
    assert pat.post("/station/pack/BOX-7/explode", data={"csrf": csrf}).status_code == 404
    nothing = pat.post(
        "/station/pack/ship", data={"csrf": csrf, "shipment": "DN-9", "customer": "X"}
    )
    assert nothing.status_code == 400 and "Tick" in html.unescape(nothing.text)
    forged = pat.post("/station/pack", data={"csrf": "nope"})
    assert forged.status_code == 403


def test_a_packer_fills_a_carton_from_a_phone(bench: Bench) -> None:
    from playwright.sync_api import expect, sync_playwright

    first, second = bench.serials[6], bench.serials[7]
    requests: list[str] = []
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        signed_in_page(page, bench, "/station/pack", "pack-phone", requests, console)
        page.get_by_label("GS1 company prefix (the carton gets an SSCC)").fill("")
        page.get_by_label("Or your own carton code").fill("PHONE-BOX-1")
        page.get_by_role("button", name="Start a carton").click()
        page.wait_for_url("**/station/pack/PHONE-BOX-1")
        field = page.get_by_label("Scan an item into this carton")
        expect(field).to_be_focused()
        for serial in (first, second):
            page.keyboard.type(f"01{GTIN}10L1\x1d21{serial}")
            page.keyboard.press("Enter")
            expect(page.locator("#last")).to_contain_text(f"Packed serial {serial}")
        page.keyboard.type(code(bench.held, "Q1"))  # quarantined: packed, but not shipped
        page.keyboard.press("Enter")
        expect(page.locator("#last")).to_contain_text("cannot ship until QA releases it")
        expect(page.locator("#count-items")).to_have_text("3")
        expect(page.locator("#batches")).to_contain_text("COL lot L1")
        expect(page.locator("#items")).to_contain_text(second)
        page.keyboard.type(code(bench.recalled, "R1"))
        page.keyboard.press("Enter")
        expect(page.locator("#last")).to_contain_text("Not packed")
        expect(page.locator("#last")).to_contain_text("recalled")
        expect(page.locator("#count-items")).to_have_text("3")
        page.get_by_text("Take an item out").click()
        page.get_by_label("Item (scan its label, or one code per line)").fill(
            code(bench.held, "Q1")
        )
        page.get_by_label("Reason").fill("batch on hold")
        page.get_by_role("button", name="Take out").click()
        expect(page.locator("#notice")).to_contain_text("Took 1 item(s) out")
        assert "open again" not in page.locator("#notice").inner_text()  # it was open
        page.get_by_role("button", name="Close the carton").click()
        expect(page.locator("#notice")).to_contain_text("ready to ship")
        page.get_by_label("Printer").select_option("carton-zebra")
        page.get_by_role("button", name="Print carton label").click()
        expect(page.locator("#notice")).to_contain_text("Printed the label of PHONE-BOX-1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
    assert requests and all(url.startswith(bench.url + "/") for url in requests), requests
    assert not [text for text in console if "Content Security Policy" in text], console
    store = Store.open(bench.db)
    try:
        packed = store.carton_contents("PHONE-BOX-1")
        kinds = [(e.kind, e.user, e.station) for e in store.events(limit=100_000)]
    finally:
        store.close()
    assert [u["serial"] for u in packed] == [first, second]
    for kind in ("packed", "unpacked", "carton_closed", "carton_label_printed"):
        assert (kind, "pat", "pack-phone") in kinds, kind
