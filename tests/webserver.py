"""A real `batchlabel serve` process on a free port of 127.0.0.1, with a small catalogue:
a product with a GTIN and HTML in its name, a released lot, a recalled lot, and a product
without a GTIN. Shared by the web and resolver tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from batchlabel.codes.gs1 import gs1_check_digit
from batchlabel.models import Actor, BatchStatus
from batchlabel.services.photos import prepare_photo
from batchlabel.store import Store
from tests.conftest import GTIN

ACTOR = Actor("owner-alice", "secret-bench-7")
NAME = '<b>Collar</b> & "M"'
PRIVATE = "SECRET-COST-42"
BELT_GTIN = "0950600013437" + str(gs1_check_digit("0950600013437"))
OLD_GTIN = "0950600013438" + str(gs1_check_digit("0950600013438"))
SECRET_SUPPLIER = "Hidden Threads Ltd"
PRIVATE_NOTE = "PRIVATE-STEP-NOTE blade 3"


def _photo(folder: Path) -> Path:
    """A 2000 x 1500 PNG, as a maker's camera export might be (too big for a phone)."""
    path = folder / "collar.png"
    image = Image.new("RGB", (2000, 1500), (150, 90, 40))
    ImageDraw.Draw(image).ellipse((500, 300, 1500, 1200), fill=(240, 220, 180))
    image.save(path)
    return path


@dataclass
class Site:
    url: str
    db: Path
    serial: str
    recalled_serial: str
    tote_serial: str
    belt_serial: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(db: Path | str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "batchlabel", "--db", str(db), "serve", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                raise AssertionError(
                    process.stderr.read() if process.stderr else "exited"
                ) from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = tmp_path_factory.mktemp("web") / "web.db"
    store = Store.open(db)
    store.add_product(
        "COL-M",
        NAME,
        ACTOR,
        gtin=GTIN,
        description="Hand-stitched, vegetable-tanned leather.",
        public_attributes={"leather": "Tannery X, Italy"},
        private_notes=PRIVATE,
        serial_format="random:8+check",
    )
    store.add_product("TOTE", "Canvas tote", ACTOR)
    l1 = store.create_batch("COL-M", ACTOR, lot="A/1", planned_quantity=2)
    store.set_status(l1.batch, BatchStatus.RELEASED, ACTOR, "ok")
    l9 = store.create_batch("COL-M", ACTOR, lot="L9", planned_quantity=1)
    released = store.set_status(l9.batch, BatchStatus.RELEASED, ACTOR, "ok")
    store.set_status(released, BatchStatus.RECALLED, ACTOR, "loose buckle")
    tote = store.create_batch("TOTE", ACTOR, lot="T1", planned_quantity=1)
    hide = store.receive_material(
        "leather", "Conceria Rossi", "H-2291", ACTOR, origin="Tuscany, Italy", public=True
    )
    thread = store.receive_material("thread", SECRET_SUPPLIER, "T-7", ACTOR, origin="Unpublished")
    for material in (hide, thread):
        store.add_input(l1.batch, ACTOR, material=material)
    store.record_step(l1.batch, "cutting", PRIVATE_NOTE, ACTOR)
    store.record_step(l1.batch, "hand stitching", "", ACTOR)
    store.set_photo(store.product("COL-M"), "image/jpeg", prepare_photo(_photo(db.parent)), ACTOR)
    store.add_product("OLD", "Old collar", ACTOR, gtin=OLD_GTIN)
    old = store.create_batch("OLD", ACTOR, lot="R1", planned_quantity=1)
    store.set_status(
        store.set_status(old.batch, BatchStatus.RELEASED, ACTOR, "ok"),
        BatchStatus.RECALLED,
        ACTOR,
        "x",
    )
    store.withdraw_product(store.product("OLD"), "discontinued, PRIVATE-REASON", ACTOR)
    store.add_product("BELT", "Belt", ACTOR, gtin=BELT_GTIN)  # sequential serials: 000001...
    belt = store.create_batch("BELT", ACTOR, lot="0042", planned_quantity=1)
    store.set_status(belt.batch, BatchStatus.RELEASED, ACTOR, "ok")
    store.close()
    process, url = start(db, "--rate-limit", "0", "--maker", "Atelier Nord")
    yield Site(url, db, l1.serials[0], l9.serials[0], tote.serials[0], belt.serials[0])
    process.terminate()
    process.wait(timeout=10)


def unit_path(site: Site) -> str:
    return f"/01/{GTIN}/10/A%2F1/21/{site.serial}"


def fetch(url: str, **kwargs: object) -> httpx.Response:
    """GET as a phone or an app does: following the resolver's redirect to the page."""
    return httpx.get(url, follow_redirects=True, **kwargs)  # type: ignore[arg-type]
