"""The packing station against a real `batchlabel serve`, a real SQLite file and fake TCP
printers on 127.0.0.1: sign-in, roles, CSRF, printing and following a job, resume after a
dropped line, and a phone-sized browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from batchlabel.models import Actor, BatchStatus
from batchlabel.services.people import add_person
from batchlabel.store import Store
from tests.conftest import GTIN
from tests.fakeprinter import FakePrinter
from tests.labelcheck import decode, render_zpl
from tests.webserver import start

NAME = 'Collar <script>alert("x")</script> & M'
PASSWORDS = {"pat": "packer-pass-1", "quinn": "qa-pass-0001", "ada": "admin-pass-01"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class Station:
    url: str
    db: Path
    printer: FakePrinter
    flaky: FakePrinter

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=20)


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    db = tmp_path_factory.mktemp("station") / "station.db"
    owner = Actor("owner", "office")
    store = Store.open(db)
    store.add_product("COL", NAME, owner, gtin=GTIN)
    store.add_product("TOTE", "Canvas tote", owner)
    released = store.create_batch("COL", owner, lot="L1", planned_quantity=0).batch
    store.set_status(released, BatchStatus.RELEASED, owner, "ok")
    store.create_batch("COL", owner, lot="HOLD", planned_quantity=2)
    store.create_batch("TOTE", owner, lot="T1", planned_quantity=1)
    for name, role in (("pat", "packer"), ("quinn", "qa"), ("ada", "admin")):
        add_person(store, name, role, PASSWORDS[name], owner)
    printer, flaky = FakePrinter(), FakePrinter()
    store.add_printer("bench-zebra", printer.uri, 203, "zpl", owner)
    store.add_printer("flaky-zebra", flaky.uri, 203, "zpl", owner)
    store.close()
    process, url = start(db, "--rate-limit", "0")
    yield Station(url, db, printer, flaky)
    process.terminate()
    process.wait(timeout=10)
    printer.close()
    flaky.close()


def sign_in(station: Station, name: str, bench: str = "bench-1") -> tuple[httpx.Client, str]:
    """A signed-in client and the CSRF token its forms carry."""
    client = station.client()
    answer = client.post(
        "/station/login",
        data={"name": name, "password": PASSWORDS[name], "station": bench, "next": "/station/"},
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/station/")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client, token.group(1)


def job_state(client: httpx.Client, job: str, until_done: bool = True) -> dict[str, object]:
    deadline = time.time() + 30
    while True:
        state = client.get(f"{job}/state").json()
        if not until_done or not state["running"] or time.time() > deadline:
            return dict(state)
        time.sleep(0.1)


def print_job(client: httpx.Client, csrf: str, lot: str, **fields: str) -> httpx.Response:
    data = {
        "csrf": csrf,
        "template": "item-50x30",
        "printer": "bench-zebra",
        "copies": "1",
        **fields,
    }
    return client.post(f"/station/batch/COL/{lot}/print", data=data)


def status_of(station: Station, lot: str) -> BatchStatus:
    store = Store.open(station.db)
    try:
        return store.batch(lot, "COL").status
    finally:
        store.close()


def counts(station: Station) -> tuple[int, int, int]:
    store = Store.open(station.db)
    try:
        jobs = store.conn.execute("SELECT count(*) FROM print_jobs").fetchone()[0]
        units = store.conn.execute("SELECT count(*) FROM units").fetchone()[0]
        events = store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        return jobs, units, events
    finally:
        store.close()


# -- signing in --------------------------------------------------------------------------------


def test_nothing_shows_without_signing_in(station: Station) -> None:
    client = station.client()
    for path in ("/station/", "/station/batch/COL/L1", "/station/jobs", "/station/printers"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/station/login")
        assert "L1" not in answer.text and "bench-zebra" not in answer.text
    posted = client.post("/station/batch/COL/L1/print", data={"count": "1"})
    assert posted.status_code == 303 and posted.headers["location"] == "/station/login"


def test_a_wrong_name_and_a_wrong_password_look_the_same(station: Station) -> None:
    client = station.client()
    wrong_password = client.post(
        "/station/login", data={"name": "quinn", "password": "nope-nope-1"}
    )
    wrong_name = client.post("/station/login", data={"name": "nobody", "password": "nope-nope-1"})
    assert wrong_password.status_code == wrong_name.status_code == 401

    def message(answer: httpx.Response) -> str:
        found = re.search(r'id="error">([^<]*)<', answer.text)
        assert found
        return found.group(1)

    assert message(wrong_password) == message(wrong_name)


def test_sign_in_attempts_are_throttled_per_name(station: Station) -> None:
    # a server of its own: the throttle it fills must not lock out the other tests
    process, url = start(station.db, "--rate-limit", "0")
    try:
        _throttled(httpx.Client(base_url=url, follow_redirects=False, timeout=20))
    finally:
        process.terminate()
        process.wait(timeout=10)


def _throttled(client: httpx.Client) -> None:
    answers = [
        client.post(
            "/station/login", data={"name": "ada", "password": f"guess-{n:04d}"}
        ).status_code
        for n in range(8)
    ]
    assert answers[0] == 401 and answers[-1] == 429
    # the throttle holds even for the right password until the pause is over
    right = client.post("/station/login", data={"name": "ada", "password": PASSWORDS["ada"]})
    assert right.status_code == 429


def test_the_sign_in_cookie_is_private(station: Station) -> None:
    client = station.client()
    answer = client.post(
        "/station/login", data={"name": "pat", "password": PASSWORDS["pat"], "station": "bench-2"}
    )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("batchlabel_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/station" in session
    page = client.get("/station/")
    assert page.headers["cache-control"] == "private, no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "access-control-allow-origin" not in page.headers
    assert "bench-2" in page.text  # the bench chosen at sign-in


# -- printing ----------------------------------------------------------------------------------


def test_a_packer_prints_five_labels_and_they_decode_to_the_serials(station: Station) -> None:
    client, csrf = sign_in(station, "pat")
    before = len(station.printer.labels())
    answer = print_job(client, csrf, "L1", count="5")
    assert answer.status_code == 303, answer.text
    job = answer.headers["location"]
    state = job_state(client, job)
    assert state["confirmed"] == 5 and state["uncertain"] == 0 and state["pending"] == 0
    serials = state["serials"]["confirmed"]  # type: ignore[index]
    labels = station.printer.labels()[before:]
    assert len(labels) == 5
    read = set()
    for label in labels:
        [image] = render_zpl(label, 50, 30)
        for _, _, data in decode(image):
            found = re.search(rb"/21/([0-9A-Z]+)", data)
            if found:
                read.add(found.group(1).decode())
    assert read == set(serials)
    store = Store.open(station.db)
    created = [
        e
        for e in store.events(kind="print_job_created")
        if e.detail["job"] == int(job.rsplit("/", 1)[1])
    ]
    store.close()
    assert created[0].user == "pat" and created[0].station == "bench-1"


def test_a_dropped_line_leaves_the_job_resumable(station: Station) -> None:
    client, csrf = sign_in(station, "pat")
    station.flaky.behaviour.close_after_bytes = len(station.flaky.received) + 2000
    answer = print_job(client, csrf, "L1", count="450", printer="flaky-zebra")
    job = answer.headers["location"]
    state = job_state(client, job)
    assert state["uncertain"] == 200 and state["pending"] == 250 and state["note"]
    page = client.get(job)
    assert html.escape(str(state["note"]))[:40] in page.text  # the job page says why it stopped
    station.flaky.behaviour.close_after_bytes = None  # the line is back
    received = len(station.flaky.labels())
    resumed = client.post(f"{job}/resume", data={"csrf": csrf})
    assert resumed.status_code == 303
    done = job_state(client, job)
    assert done["pending"] == 0 and done["confirmed"] == 250 and done["uncertain"] == 200
    assert len(station.flaky.labels()) - received == 250  # only the unsent ones went out


def test_an_unreleased_batch_does_not_print_unless_qa_says_why(station: Station) -> None:
    packer, packer_csrf = sign_in(station, "pat")
    before = counts(station)
    refused = print_job(packer, packer_csrf, "HOLD", count="1")
    assert refused.status_code == 409 and "not released" in html.unescape(refused.text)
    with_reason = print_job(packer, packer_csrf, "HOLD", count="1", reason="sample for the fair")
    assert with_reason.status_code == 403
    assert counts(station)[:2] == before[:2]
    qa, qa_csrf = sign_in(station, "quinn")
    allowed = print_job(qa, qa_csrf, "HOLD", count="1", reason="sample for the fair")
    assert allowed.status_code == 303
    assert job_state(qa, allowed.headers["location"])["confirmed"] == 1


def test_roles_are_checked_on_every_request(station: Station) -> None:
    packer, csrf = sign_in(station, "pat")
    before = counts(station)
    release = packer.post("/station/batch/COL/HOLD/status", data={"csrf": csrf, "to": "release"})
    assert release.status_code == 403 and status_of(station, "HOLD") == BatchStatus.IN_PRODUCTION
    add = packer.post(
        "/station/printers/add", data={"csrf": csrf, "name": "x", "uri": "tcp://127.0.0.1:9"}
    )
    assert add.status_code == 403
    assert counts(station) == before


def test_a_post_without_the_csrf_token_changes_nothing(station: Station) -> None:
    qa, _ = sign_in(station, "quinn")
    before = counts(station)
    for path, data in (
        (
            "/station/batch/COL/L1/print",
            {"count": "2", "template": "item-50x30", "printer": "bench-zebra"},
        ),
        ("/station/batch/COL/HOLD/status", {"to": "reject", "reason": "x"}),
        ("/station/batch/COL/HOLD/status", {"to": "reject", "reason": "x", "csrf": "forged"}),
    ):
        assert qa.post(path, data=data).status_code == 403
    assert counts(station) == before and status_of(station, "HOLD") == BatchStatus.IN_PRODUCTION


def test_markup_in_a_name_is_shown_as_text(station: Station) -> None:
    client, _ = sign_in(station, "pat")
    page = client.get("/station/batch/COL/L1")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


def test_every_input_has_a_visible_label_and_buttons_say_their_action(station: Station) -> None:
    client, _ = sign_in(station, "ada")
    for path in ("/station/", "/station/batch/COL/HOLD", "/station/printers", "/station/jobs/1"):
        page = client.get(path)
        assert page.status_code == 200, path
        form = _Form()
        form.feed(page.text)
        assert form.fields or path.startswith("/station/jobs/"), path  # a finished job has none
        assert form.fields <= form.labelled, (path, form.fields - form.labelled)
        assert form.buttons and all(b.strip() for b in form.buttons), path


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: set[str] = set()
        self.labelled: set[str] = set()
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in ("input", "select", "textarea") and named.get("type") != "hidden":
            self.fields.add(named.get("id") or f"<{tag} without id>")
        if tag == "label" and named.get("for"):
            self.labelled.add(str(named["for"]))
        if tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data


def test_a_disabled_person_is_signed_out_at_once(station: Station) -> None:
    client, _ = sign_in(station, "quinn")
    assert client.get("/station/").status_code == 200
    subprocess.run(
        [sys.executable, "-m", "batchlabel", "--db", str(station.db), "user", "disable", "quinn"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        assert client.get("/station/").status_code == 303
    finally:
        subprocess.run(
            [sys.executable, "-m", "batchlabel", "--db", str(station.db), "user", "enable", "quinn"],
            check=True, capture_output=True,
        )  # fmt: skip


# -- a browser at phone size ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_packer_prints_from_a_browser(
    station: Station, tmp_path: Path, size: tuple[int, int]
) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert os.path.exists(CHROMIUM), "scripts/test.sh installs Debian's chromium"
    before = len(station.printer.labels())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
        page.goto(station.url + "/station/batch/COL/L1")
        page.get_by_label("Name").fill("pat")
        page.get_by_label("Password").fill(PASSWORDS["pat"])
        page.get_by_label("Station").fill("bench-3")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/station/batch/COL/L1")
        page.get_by_label("Count (new serials)").fill("5")
        page.get_by_label("Printer").select_option("bench-zebra")
        preview = page.locator("#preview")
        deadline = time.time() + 10
        while preview.evaluate("img => img.complete && img.naturalWidth") == 0:
            assert time.time() < deadline, "the label preview did not load"
            time.sleep(0.1)
        page.get_by_role("button", name="Print", exact=True).click()
        page.wait_for_url("**/station/jobs/*")
        expect(page.locator("#job-summary")).to_contain_text(
            "Every label printed and confirmed", timeout=20_000
        )
        assert page.locator("#count-confirmed").inner_text() == "5"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0]  # no sideways scrolling
        page.screenshot(path=str(tmp_path / "job.png"), full_page=True)
        browser.close()
    labels = station.printer.labels()[before:]
    assert len(labels) == 5
    for label in labels:  # what the printer got reads back to a unit of this batch
        [image] = render_zpl(label, 50, 30)
        assert any(b"/10/L1/21/" in data for _, _, data in decode(image))


def test_an_admin_adds_test_prints_and_removes_printers(station: Station) -> None:
    admin, csrf = sign_in(station, "ada", "office")
    before = len(station.printer.received)
    tested = admin.post("/station/printers/test", data={"csrf": csrf, "name": "bench-zebra"})
    assert tested.status_code == 303 and "tested=" in tested.headers["location"]
    assert b"batchlabel test label" in bytes(station.printer.received[before:])
    refused = admin.post(
        "/station/printers/add",
        data={"csrf": csrf, "name": "bad", "uri": "tcp://127.0.0.1:99999", "dpi": "203"},
    )
    assert refused.status_code == 400 and "no valid port" in html.unescape(refused.text)
    added = admin.post(
        "/station/printers/add",
        data={"csrf": csrf, "name": "spare", "uri": station.printer.uri, "dpi": "300"},
    )
    assert added.status_code == 303
    listed = admin.get("/station/printers").text
    assert "spare" in listed and "bad" not in listed
    removed = admin.post("/station/printers/remove", data={"csrf": csrf, "name": "spare"})
    assert removed.status_code == 303 and "spare" not in admin.get("/station/printers").text
    store = Store.open(station.db)
    kinds = [(e.kind, e.user, e.station) for e in store.events(kind="printer_tested")]
    store.close()
    assert ("printer_tested", "ada", "office") in kinds


def test_an_admin_manages_people_and_others_may_not(station: Station) -> None:
    admin, csrf = sign_in(station, "ada", "office")
    added = admin.post(
        "/station/people/add",
        data={"csrf": csrf, "name": "newbie", "role": "packer", "password": "newbie-pass-1"},
    )
    assert added.status_code == 303 and "error" not in added.headers["location"]
    short = admin.post(
        "/station/people/add", data={"csrf": csrf, "name": "x", "role": "qa", "password": "short"}
    )
    assert short.status_code == 400 and "8 to 200 characters" in html.unescape(short.text)
    newbie = station.client()
    assert (
        newbie.post(
            "/station/login", data={"name": "newbie", "password": "newbie-pass-1", "station": "b"}
        ).status_code
        == 303
    )
    assert newbie.get("/station/").status_code == 200
    disabled = admin.post("/station/people/disable", data={"csrf": csrf, "name": "newbie"})
    assert disabled.status_code == 303
    assert newbie.get("/station/").status_code == 303  # signed out at once
    packer, packer_csrf = sign_in(station, "pat")
    assert packer.get("/station/people").status_code == 403
    forbidden = packer.post(
        "/station/people/add",
        data={"csrf": packer_csrf, "name": "sneaky", "role": "admin", "password": "sneaky-pass-1"},
    )
    assert forbidden.status_code == 403
    store = Store.open(station.db)
    names = {u.name for u in store.users()}
    store.close()
    assert "sneaky" not in names and "x" not in names


def test_the_station_prints_only_to_saved_printers_and_offered_templates(
    station: Station, tmp_path: Path
) -> None:
    packer, csrf = sign_in(station, "pat")
    before = counts(station)
    target = tmp_path / "sneaky.zpl"
    for fields in (
        {"printer": f"file://{target}"},
        {"printer": "-"},
        {"printer": station.printer.uri},
        {"template": "/etc/passwd.toml"},
        {"template": "%00.toml"},
        {"template": "no-such-template"},
    ):
        refused = print_job(packer, csrf, "L1", count="1", **fields)
        assert refused.status_code in (400, 404), (fields, refused.status_code)
    assert not target.exists() and counts(station)[:2] == before[:2]


def test_serials_that_name_nothing_print_nothing(station: Station) -> None:
    packer, csrf = sign_in(station, "pat")
    before = counts(station)
    refused = print_job(packer, csrf, "L1", count="3", serials=" , ,")
    assert refused.status_code == 400 and "No serial was named" in refused.text
    assert counts(station) == before


def test_reprint_and_void_take_only_uncertain_labels_and_void_is_for_qa(station: Station) -> None:
    packer, csrf = sign_in(station, "pat")
    station.flaky.behaviour.close_after_bytes = len(station.flaky.received) + 1500
    job = print_job(packer, csrf, "L1", count="250", printer="flaky-zebra").headers["location"]
    state = job_state(packer, job)
    station.flaky.behaviour.close_after_bytes = None
    uncertain = state["serials"]["sent"]  # type: ignore[index]
    pending = state["serials"]["pending"]  # type: ignore[index]
    assert uncertain and pending
    again = packer.post(f"{job}/reprint", data={"csrf": csrf, "serials": pending[0], "reason": "x"})
    assert again.status_code == 409  # not sent yet: Resume sends it, a reprint would double it
    void = packer.post(
        f"{job}/void", data={"csrf": csrf, "serials": uncertain[0], "reason": "torn"}
    )
    assert void.status_code == 403
    reprinted = packer.post(
        f"{job}/reprint", data={"csrf": csrf, "serials": uncertain[0], "reason": "did not come out"}
    )
    assert reprinted.status_code == 303 and reprinted.headers["location"] != job
    assert job_state(packer, reprinted.headers["location"])["confirmed"] == 1
    after = job_state(packer, job)
    assert uncertain[0] not in after["serials"]["sent"]  # type: ignore[index]  # settled
    qa, qa_csrf = sign_in(station, "quinn")
    voided = qa.post(
        f"{job}/void", data={"csrf": qa_csrf, "serials": uncertain[1], "reason": "torn"}
    )
    assert voided.status_code == 303
    received = len(station.flaky.labels())
    assert packer.post(f"{job}/resume", data={"csrf": csrf}).status_code == 303
    done = job_state(packer, job)
    assert done["pending"] == 0
    assert len(station.flaky.labels()) - received == len(pending)  # each unsent label once


def test_resume_after_a_recall_sends_nothing(station: Station) -> None:
    owner = Actor("owner", "office")
    store = Store.open(station.db)
    batch = store.create_batch("COL", owner, lot="R1", planned_quantity=0).batch
    store.set_status(batch, BatchStatus.RELEASED, owner, "ok")
    store.close()
    packer, csrf = sign_in(station, "pat")
    station.flaky.behaviour.close_after_bytes = len(station.flaky.received) + 1500
    job = print_job(packer, csrf, "R1", count="250", printer="flaky-zebra").headers["location"]
    assert job_state(packer, job)["pending"]
    station.flaky.behaviour.close_after_bytes = None
    store = Store.open(station.db)
    store.set_status(store.batch("R1", "COL"), BatchStatus.RECALLED, owner, "test")
    store.close()
    received = len(station.flaky.received)
    refused = packer.post(f"{job}/resume", data={"csrf": csrf})
    assert refused.status_code == 409 and "recalled" in html.unescape(refused.text)
    time.sleep(0.3)
    assert len(station.flaky.received) == received


def test_every_change_needs_the_token_and_this_site(station: Station) -> None:
    admin, csrf = sign_in(station, "ada", "office")
    before = counts(station)
    for path in (
        "/station/logout", "/station/people/add", "/station/printers/add", "/station/printers/test",
        "/station/jobs/1/resume", "/station/jobs/1/void", "/station/batch/COL/HOLD/step",
    ):  # fmt: skip
        assert admin.post(path, data={"name": "x"}).status_code == 403, path
        assert admin.post(path, data={"csrf": "é-forged"}).status_code == 403, path
    cross = admin.post(
        "/station/batch/COL/HOLD/step",
        data={"csrf": csrf, "step": "Cut"},
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    assert counts(station) == before
    assert admin.get("/station/").status_code == 200  # still signed in: logout needed the token


def test_odd_addresses_are_answered_not_crashed(station: Station) -> None:
    client, _ = sign_in(station, "pat")
    for path in (
        "/station/jobs/99999999999999999999",
        "/station/jobs/99999999999999999999/state",
        "/station/batch/COL/NOPE",
        "/station/batch/COL",
        "/station/printers/nope/status",
    ):
        assert client.get(path).status_code == 404, path


def test_copies_reach_the_printer(station: Station) -> None:
    packer, csrf = sign_in(station, "pat")
    before = len(station.printer.received)
    job = print_job(packer, csrf, "L1", count="1", copies="3").headers["location"]
    assert job_state(packer, job)["confirmed"] == 1
    assert b"^PQ3" in bytes(station.printer.received[before:])


def test_sign_ins_sent_all_at_once_are_held_back_too(station: Station) -> None:
    process, url = start(station.db, "--rate-limit", "0")
    try:

        def attempt(n: int) -> int:
            with httpx.Client(base_url=url, timeout=60) as client:
                answer = client.post(
                    "/station/login", data={"name": "quinn", "password": f"wrong-{n:04d}"}
                )
                return answer.status_code

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(attempt, range(16)))
        assert answers.count(401) <= 5 and answers.count(429) >= 11
    finally:
        process.terminate()
        process.wait(timeout=10)
