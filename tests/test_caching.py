"""Public answers any cache may keep, against a real `batchlabel serve`: strong ETags, 304 for
what a client has already, a short Cache-Control, and a new ETag the moment the records
change, whoever changes them (another process, or the server's own station)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from batchlabel.models import Actor, BatchStatus
from batchlabel.store import Store
from tests.conftest import GTIN
from tests.webserver import start

OWNER = Actor("owner", "office")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    db = tmp_path / "cache.db"
    store = Store.open(db)
    store.add_product("COL", "Leather collar", OWNER, gtin=GTIN)
    made = store.create_batch("COL", OWNER, lot="L1", planned_quantity=2)
    store.set_status(made.batch, BatchStatus.RELEASED, OWNER, "ok")
    store.close()
    process, url = start(db, "--rate-limit", "0", "--cache-seconds", "30")
    yield url, db, made.serials[0]
    process.terminate()
    process.wait(timeout=10)


def test_answers_carry_etags_and_304_until_a_recall_changes_them(
    served: tuple[str, Path, str],
) -> None:
    url, db, serial = served
    link = f"{url}/01/{GTIN}/10/L1/21/{serial}"
    page = f"{url}/origin/01/{GTIN}/10/L1/21/{serial}"
    data = f"{url}/data/01/{GTIN}/10/L1/21/{serial}"
    with httpx.Client() as client:
        first = client.get(page)
        assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=30"
        tag = first.headers["etag"]
        assert tag.startswith('"') and first.headers["vary"] == "Accept"
        again = client.get(page, headers={"if-none-match": tag})
        assert again.status_code == 304 and again.content == b""
        # a compressing proxy marks the tag weak: still the same answer
        assert client.get(page, headers={"if-none-match": f"W/{tag}"}).status_code == 304
        unknown = client.get(f"{url}/01/09506000134369")
        assert unknown.status_code == 404 and unknown.headers["vary"] == "Accept"
        # /data/ answers an error by the Accept header: HTML for a browser, JSON for an app,
        # never the one kept for the other
        data_404 = f"{url}/data/01/09506000134369"
        assert (
            client.get(data_404, headers={"accept": "text/html"})
            .headers["content-type"]
            .startswith("text/html")
        )
        assert (
            client.get(data_404, headers={"accept": "application/json"})
            .headers["content-type"]
            .startswith("application/json")
        )
        assert again.headers["etag"] == tag and "max-age=30" in again.headers["cache-control"]
        json_tag = client.get(data).headers["etag"]
        assert json_tag != tag  # the JSON is another answer, with its own tag
        redirect = client.get(link)
        assert (
            redirect.status_code == 307
            and redirect.headers["cache-control"] == "public, max-age=30"
        )
        # a redirect is not a 200: its precondition is ignored (RFC 9110 13.2.1)
        revalidated = client.get(link, headers={"if-none-match": redirect.headers["etag"]})
        assert revalidated.status_code == 307
        linkset = client.get(link, params={"linkType": "linkset"})
        assert linkset.status_code == 200 and "etag" in linkset.headers

        # another process recalls the batch: the very next request has a new answer
        recalled = subprocess.run(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "batch", "recall", "L1",
             "--reason", "loose buckle"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert recalled.returncode == 0, recalled.stderr
        after = client.get(page, headers={"if-none-match": tag})
        assert after.status_code == 200 and after.headers["etag"] != tag
        assert "recall" in after.text.lower()
        assert client.get(data, headers={"if-none-match": json_tag}).status_code == 200

        # a change that shows nothing new (a scan recorded by the server itself) keeps the tag
        token = subprocess.run(
            [sys.executable, "-m", "batchlabel", "--db", str(db), "token", "create", "door"],
            capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        scanned = client.post(
            f"{url}/api/scans", json={"code": f"(01){GTIN}(10)L1(21){serial}"},
            headers={"authorization": f"Bearer {token}"},
        )  # fmt: skip
        assert scanned.status_code == 201, scanned.text
        assert scanned.headers["cache-control"] == "private, no-store"
        kept = client.get(page, headers={"if-none-match": after.headers["etag"]})
        assert kept.status_code == 304


def test_private_answers_are_never_public(served: tuple[str, Path, str]) -> None:
    url, _, _ = served
    station = httpx.get(f"{url}/station/login")
    assert station.headers["cache-control"] == "private, no-store" and "etag" not in station.headers
    bad = httpx.get(f"{url}/01/{GTIN}0/10/L1")
    assert bad.status_code == 400 and "etag" not in bad.headers


def test_cache_seconds_zero_asks_every_time(tmp_path: Path) -> None:
    db = tmp_path / "zero.db"
    store = Store.open(db)
    store.add_product("COL", "Leather collar", OWNER, gtin=GTIN)
    store.close()
    process, url = start(db, "--rate-limit", "0", "--cache-seconds", "0")
    try:
        answer = httpx.get(f"{url}/data/01/{GTIN}")
        assert answer.status_code == 200 and answer.headers["cache-control"] == "public, no-cache"
    finally:
        process.terminate()
        process.wait(timeout=10)
