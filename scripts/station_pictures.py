"""Regenerate docs/station/*.png, the README's pictures of the station, from a real
`batchlabel serve` on the demo data, in Debian's chromium at phone and desktop size:
python scripts/station_pictures.py"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from batchlabel.models import Actor
from batchlabel.services.people import add_person
from batchlabel.store import Store

OUT = Path(__file__).resolve().parent.parent / "docs" / "station"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo"
        subprocess.run(
            [sys.executable, "-m", "batchlabel", "demo", "--dir", str(demo)],
            check=True, capture_output=True,
        )  # fmt: skip
        db = demo / "batchlabel.db"
        store = Store.open(db)
        actor = Actor("pictures", "docs")
        add_person(store, "sam", "qa", "pictures-only-1", actor)
        lot = store.batches(status="released")[0]
        product = store.product(lot.sku)
        shipped = [u.serial for u in store.units(lot)]
        fresh = list(store.allocate(lot, 3, actor).serials)  # not in a carton yet
        store.close()
        gtin = product.gtin or ""
        codes = Codes(
            shipped=[f"(01){gtin}(10){lot.lot}(21){s}" for s in shipped],
            fresh=[f"(01){gtin}(10){lot.lot}(21){s}" for s in fresh],
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port)
            _pictures(f"http://127.0.0.1:{port}", lot.sku, lot.lot, codes)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Wrote the station pictures to {OUT}.")


def _wait_for(port: int) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


@dataclass
class Codes:
    shipped: list[str]  # the demo shipment's items
    fresh: list[str]  # items of the same lot in no carton


def _pictures(url: str, sku: str, lot: str, codes: Codes) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size, (width, height) in SIZES.items():
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.goto(url + "/station/login")
            page.screenshot(path=str(OUT / f"sign-in-{size}.png"))
            page.get_by_label("Name").fill("sam")
            page.get_by_label("Password").fill("pictures-only-1")
            page.get_by_label("Station").fill("bench-1")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/station/")
            page.screenshot(path=str(OUT / f"today-{size}.png"), full_page=True)
            page.goto(f"{url}/station/batch/{sku}/{lot}")
            time.sleep(1.0)  # the preview and the printer's state arrive
            page.screenshot(path=str(OUT / f"batch-{size}.png"), full_page=True)
            page.goto(url + "/station/jobs/1")
            expect(page.locator("#job-summary")).to_contain_text("confirmed")
            page.screenshot(path=str(OUT / f"job-{size}.png"), full_page=True)
            _receive(page, url, size, codes)
            _pack(page, url, size, codes)
        browser.close()


def _scan(page: Page, code: str) -> None:
    page.locator("#scan").fill(code)
    page.keyboard.press("Enter")
    expect(page.locator("#last")).to_contain_text(code.split("(21)")[-1])


def _receive(page: Page, url: str, size: str, codes: Codes) -> None:
    page.goto(url + "/station/receive")
    page.get_by_label("Session name").fill(f"Demo Shop delivery ({size})")
    page.get_by_label("One of our shipments").select_option(index=1)
    page.get_by_role("button", name="Start receiving").click()
    page.wait_for_url("**/station/receive/*")
    for code in [codes.shipped[0], codes.shipped[1], codes.shipped[0], "UNKNOWN-42"]:
        _scan(page, code)
    page.screenshot(path=str(OUT / f"receive-{size}.png"), full_page=True)


def _pack(page: Page, url: str, size: str, codes: Codes) -> None:
    page.goto(url + "/station/pack")
    page.get_by_label("Or your own carton code").fill(f"BOX-{size}")
    page.get_by_role("button", name="Start a carton").click()
    page.wait_for_url(f"**/station/pack/BOX-{size}")
    code = codes.fresh.pop(0) if size == "phone" else codes.fresh.pop()
    _scan(page, code)
    page.screenshot(path=str(OUT / f"pack-{size}.png"), full_page=True)


if __name__ == "__main__":
    main()
