"""`batchlabel serve` as a real process on 127.0.0.1: the origin pages, content negotiation,
privacy, bad input, the station API, a phone browser (Debian's chromium through Playwright),
and a label's QR code decoded and followed to its page."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from batchlabel.labels.data import label_data
from batchlabel.labels.templates import find_template
from batchlabel.render import render_label
from batchlabel.store import Store
from tests.conftest import GTIN
from tests.webserver import (
    ACTOR,
    NAME,
    OLD_GTIN,
    PRIVATE,
    PRIVATE_NOTE,
    SECRET_SUPPLIER,
    Site,
    fetch,
    site,
    start,
    unit_path,
)

__all__ = ["site"]  # the fixture, imported for pytest


def test_unit_page_for_a_shopper(site: Site) -> None:
    page = fetch(site.url + unit_path(site))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    body = page.text
    assert "&lt;b&gt;Collar&lt;/b&gt; &amp; &#34;M&#34;" in body  # shown as text, never as HTML
    assert "A/1" in body and site.serial in body and "Released by quality control" in body
    assert "Tannery X, Italy" in body and "Atelier Nord" in body
    steps = body.index("cutting"), body.index("hand stitching")
    assert steps[0] < steps[1]  # in the order they were done
    assert "leather: Tuscany, Italy" in body and "Conceria Rossi" in body
    assert 'thread <span class="muted">(origin not published)</span>' in body
    assert '<img class="photo" src="/photo/01/' in body
    assert 'rel="linkset"' in page.headers["link"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["access-control-allow-origin"] == "*"
    assert "<script" not in body and len(body) < 8_000


def test_nothing_private_in_any_answer(site: Site) -> None:
    answers = [
        fetch(site.url + path, headers={"accept": accept})
        for accept in ("text/html", "application/json", "application/linkset+json")
        for path in (unit_path(site), f"/01/{OLD_GTIN}/10/R1")
    ]
    assert sorted(a.status_code for a in answers) == [200] * 3 + [410] * 3
    secrets = (PRIVATE, ACTOR.user, ACTOR.station, "loose buckle", "PRIVATE-REASON")
    for answer in answers:
        for secret in (*secrets, SECRET_SUPPLIER, PRIVATE_NOTE, "Unpublished"):
            assert secret not in answer.text


def test_json_and_linkset_negotiation(site: Site) -> None:
    data = fetch(site.url + unit_path(site), headers={"accept": "application/json"}).json()
    assert data["match"] == "unit" and data["batch"]["lot"] == "A/1"
    assert data["serial"] == {"serial": site.serial, "valid": True}
    assert data["product"]["name"] == NAME and "private_notes" not in data["product"]
    for response in (
        httpx.get(site.url + f"/01/{GTIN}?linkType=all"),
        httpx.get(site.url + f"/01/{GTIN}", headers={"accept": "application/linkset+json"}),
    ):
        assert response.headers["content-type"] == "application/linkset+json"
        [entry] = response.json()["linkset"]
        assert entry["anchor"].endswith(f"/01/{GTIN}")
        assert "https://gs1.org/voc/defaultLink" in entry and "https://gs1.org/voc/pip" in entry


def test_json_has_steps_and_public_material_origins(site: Site) -> None:
    data = fetch(site.url + unit_path(site), headers={"accept": "application/json"}).json()
    assert [s["step"] for s in data["steps"]] == ["cutting", "hand stitching"]
    assert all(len(s["on"]) == 10 for s in data["steps"])  # a date, no time of day
    assert data["materials"] == [
        {"kind": "leather", "supplier": "Conceria Rossi", "origin": "Tuscany, Italy"},
        {"kind": "thread", "supplier": None, "origin": None},
    ]
    assert data["withdrawn"] is False


def test_product_photo_is_phone_sized_and_cached(site: Site) -> None:
    page = fetch(site.url + unit_path(site)).text
    src = page.split('<img class="photo" src="')[1].split('"')[0]
    photo = httpx.get(site.url + src)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo.content)) as image:
        assert max(image.size) == 900 and image.format == "JPEG"
    again = httpx.get(site.url + src, headers={"if-none-match": photo.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert httpx.get(site.url + "/photo/p/TOTE").status_code == 404  # has no photo
    assert httpx.get(site.url + f"/photo/01/{OLD_GTIN}").status_code == 410
    assert httpx.get(site.url + "/photo/01/123").status_code == 400


def test_withdrawn_product_is_410_and_still_shows_a_recall(site: Site) -> None:
    for path in (f"/01/{OLD_GTIN}", f"/origin/01/{OLD_GTIN}", f"/data/01/{OLD_GTIN}"):
        gone = httpx.get(site.url + path)
        assert gone.status_code == 410, path
    page = httpx.get(site.url + f"/01/{OLD_GTIN}/10/R1")
    assert page.status_code == 410 and "withdrawn by its maker" in page.text
    assert 'id="recall"' in page.text and "has been recalled" in page.text
    data = httpx.get(site.url + f"/01/{OLD_GTIN}/10/R1", headers={"accept": "application/json"})
    assert data.status_code == 410
    assert data.json()["withdrawn"] is True and data.json()["batch"]["recalled"] is True


def test_head_options_and_cors(site: Site) -> None:
    head = httpx.head(site.url + unit_path(site))
    assert head.status_code == 307 and head.content == b"" and "link" in head.headers
    page = httpx.head(head.headers["location"])
    assert page.status_code == 200 and page.content == b"" and "link" in page.headers
    options = httpx.options(site.url + f"/01/{GTIN}")
    assert options.status_code == 204
    assert "GET" in options.headers["access-control-allow-methods"]
    posted = httpx.post(site.url + f"/01/{GTIN}")
    assert posted.status_code == 405


def test_fallbacks_serial_to_lot_to_product(site: Site) -> None:
    def match(path: str) -> str:
        answer = fetch(site.url + path, headers={"accept": "application/json"})
        assert answer.status_code == 200, (path, answer.text)
        return str(answer.json()["match"])

    assert match(f"/01/{GTIN}/10/A%2F1/21/NOSUCH23") == "batch"
    assert match(f"/01/{GTIN}/10/NOLOT") == "product"
    assert match(f"/01/{GTIN}/21/{site.serial}") == "unit"
    assert match(f"/p/TOTE/T1/{site.tote_serial}") == "unit"
    assert match(f"/01/{GTIN[1:]}") == "product"  # a GTIN-13 written without its leading 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/01/09506000134353", 400),  # wrong check digit
        ("/01/0950600013435", 400),  # wrong length
        ("/01/ABCDEFGHIJKLMN", 400),
        (f"/01/{GTIN}/10/L%00X", 400),  # a control character in the lot
        (f"/01/{GTIN}/10/" + "L" * 21, 400),  # a lot longer than GS1 allows
        (f"/01/{GTIN}/10", 400),
        (f"/01/{GTIN}/99/X", 400),
        ("/01/" + "1" * 500, 400),  # far too long
        ("/01/04006381333931", 404),  # valid, but not this maker's
        ("/p/NOSUCH", 404),
        ("/wp-admin.php", 404),
        (f"/01/{GTIN}/10/..%2F..%2Fetc%2Fpasswd", 200),  # just an unknown lot
        ("/01/%E2%80%AE%3Cscript%3E", 400),
    ],
)
def test_bad_paths_are_400_or_404_never_500(site: Site, path: str, status: int) -> None:
    answer = fetch(site.url + path)
    assert answer.status_code == status, answer.text
    assert "<script>" not in answer.text
    if status >= 400:
        assert "Traceback" not in answer.text and "<h1>" in answer.text


def test_recalled_batch_shows_a_recall_notice(site: Site) -> None:
    page = fetch(site.url + f"/01/{GTIN}/10/L9/21/{site.recalled_serial}")
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "has been recalled" in page.text


def test_rate_limit_per_client(site: Site) -> None:
    process, url = start(site.db, "--rate-limit", "1")
    try:
        codes = [httpx.get(url + f"/01/{GTIN}").status_code for _ in range(40)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert codes[0] == 307 and 429 in codes  # 307: the resolver's redirect to the page
    assert codes.count(307) <= 12  # the burst, and perhaps one refilled


def test_station_api_needs_a_token(site: Site) -> None:
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "batchlabel",
            "--db",
            str(site.db),
            "token",
            "create",
            "door-1",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    secret = json.loads(made.stdout)["token"]
    code = f"(01){GTIN}(10)A/1(21){site.serial}"
    refused = httpx.post(site.url + "/api/resolve", json={"codes": [code]})
    assert refused.status_code == 401 and "token create" in refused.json()["error"]
    wrong = httpx.post(
        site.url + "/api/resolve", json={"codes": [code]}, headers={"authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    auth = {"authorization": f"Bearer {secret}"}
    resolved = httpx.post(site.url + "/api/resolve", json={"codes": [code, "junk"]}, headers=auth)
    assert resolved.status_code == 200
    assert [r["match"] for r in resolved.json()] == ["unit", "none"]
    scanned = httpx.post(
        site.url + "/api/scans", json={"code": code, "station": "door-1"}, headers=auth
    )
    assert scanned.status_code == 201 and scanned.json()["serial"] == site.serial
    bad = httpx.post(site.url + "/api/scans", content=b"{not json", headers=auth)
    assert bad.status_code == 400
    store = Store.open(site.db)
    events = [e for e in store.events() if e.kind == "scanned"]
    store.close()
    assert events[-1].serial == site.serial and events[-1].station == "door-1"


def test_label_qr_leads_to_its_unit_page(site: Site) -> None:
    store = Store.open(site.db)
    product = store.product("COL-M")
    batch = store.batch("A/1")
    store.close()
    template = find_template("item-50x30")
    image = render_label(template, label_data(product, batch, site.serial, site.url), 203)
    [qr] = zxingcpp.read_barcodes(image)
    assert qr.text.startswith(site.url)
    page = fetch(qr.text, headers={"accept": "application/json"})
    assert page.status_code == 200
    assert page.json()["match"] == "unit" and page.json()["serial"]["serial"] == site.serial


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_phone_browser_shows_origin_recall_and_404(site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "scripts/test.sh installs Debian's chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**p.devices["iPhone 13"])
            page = context.new_page()
            page.goto(site.url + unit_path(site))
            assert page.locator("h1").inner_text() == NAME
            assert page.locator("#qa").inner_text() == "Released by quality control"
            assert page.locator("#steps li").count() == 2
            assert "Tuscany, Italy" in page.locator("#materials").inner_text()
            loaded = page.eval_on_selector("img.photo", "img => img.complete && img.naturalWidth")
            assert loaded == 900  # the photo loads under the page's content security policy
            width = page.evaluate("document.documentElement.scrollWidth")
            viewport = page.viewport_size
            assert (
                viewport is not None and width <= viewport["width"]
            )  # readable without sideways scrolling
            page.screenshot(path=str(tmp_path / "unit.png"), full_page=True)
            assert (tmp_path / "unit.png").stat().st_size > 5_000

            page.goto(site.url + f"/01/{GTIN}/10/L9/21/{site.recalled_serial}")
            banner = page.locator("#recall")
            assert banner.is_visible() and "recalled" in banner.inner_text()
            page.screenshot(path=str(tmp_path / "recall.png"))

            missing = page.goto(site.url + "/01/04006381333931")
            assert missing is not None and missing.status == 404
            assert page.locator("h1").inner_text() == "Not found"
        finally:
            browser.close()


def test_serve_on_a_busy_port_is_one_sentence(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "batchlabel", "--db", str(tmp_path / "b.db"), "serve",
             "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )  # fmt: skip
    assert done.returncode == 2
    assert "Address already in use" in done.stderr and "Traceback" not in done.stderr
