"""Regenerate docs/station/*.png, the README's pictures of the station, from a real
`batchlabel serve` on the demo data, in Debian's chromium at phone and desktop size:
python scripts/station_pictures.py"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

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
        add_person(store, "sam", "qa", "pictures-only-1", Actor("pictures", "docs"))
        lot = store.batches(status="released")[0]
        store.close()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port)
            _pictures(f"http://127.0.0.1:{port}", lot.sku, lot.lot)
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


def _pictures(url: str, sku: str, lot: str) -> None:
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
        browser.close()


if __name__ == "__main__":
    main()
