"""`product photo`, `product withdraw` and `product reinstate`: what they record, and one
clear sentence for each wrong input."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from batchlabel.store import Store
from tests.conftest import GTIN, Run


def add_product(run: Run) -> None:
    assert run("product", "add", "COL-M", "--name", "Collar", "--gtin", GTIN).exit_code == 0


def test_photo_is_stored_phone_sized_without_metadata(
    run: Run, tmp_path: Path, db_path: Path
) -> None:
    add_product(run)
    source = tmp_path / "big.jpg"
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera Model"  # camera metadata must not reach the public page
    Image.new("RGB", (3000, 1000), (10, 120, 200)).save(source, exif=exif)
    done = run("product", "photo", "COL-M", str(source), "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["media_type"] == "image/jpeg"
    store = Store.open(db_path)
    photo = store.photo(store.product("COL-M").id)
    events = [e.kind for e in store.events()]
    store.close()
    assert photo is not None and b"Secret Camera Model" not in photo.data
    assert "photo_set" in events
    shown = run("product", "show", "COL-M", "--json").json()["photo"]
    assert shown["bytes"] == len(photo.data) and shown["media_type"] == "image/jpeg"
    assert "KB, set" in run("product", "show", "COL-M").stdout
    with Image.open(source) as original, Image.open(io.BytesIO(photo.data)) as small:
        assert original.size == (3000, 1000) and small.size == (900, 300)


def test_photo_bad_input(run: Run, tmp_path: Path) -> None:
    add_product(run)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    for args, words in (
        (("COL-M", str(text)), "not a photo this program can read"),
        (("COL-M", str(tmp_path / "missing.png")), "There is no photo at"),
        (("NOPE", str(text)), "No product with SKU 'NOPE'"),
    ):
        done = run("product", "photo", *args)
        assert done.exit_code == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_withdraw_and_reinstate(run: Run, db_path: Path) -> None:
    add_product(run)
    assert run("product", "withdraw", "COL-M", "--reason", "discontinued").exit_code == 0
    twice = run("product", "withdraw", "COL-M", "--reason", "again")
    assert twice.exit_code == 2 and "already withdrawn" in twice.stderr
    store = Store.open(db_path)
    withdrawal = store.withdrawal(store.product("COL-M").id)
    store.close()
    assert withdrawal is not None and withdrawal.reason == "discontinued"
    assert withdrawal.user == "tester"
    shown = run("product", "show", "COL-M", "--json").json()
    assert shown["withdrawn"]["reason"] == "discontinued" and shown["photo"] is None
    assert "no: withdrawn" in run("product", "show", "COL-M").stdout
    assert run("product", "reinstate", "COL-M", "--reason", "back in range").exit_code == 0
    assert run("product", "show", "COL-M", "--json").json()["withdrawn"] is None
    again = run("product", "reinstate", "COL-M", "--reason", "x")
    assert again.exit_code == 2 and "is not withdrawn" in again.stderr
    store = Store.open(db_path)
    assert store.withdrawal(store.product("COL-M").id) is None
    kinds = [e.kind for e in store.events()]
    store.close()
    assert kinds.count("product_withdrawn") == 1 and kinds.count("product_reinstated") == 1


def test_withdraw_needs_a_reason(run: Run) -> None:
    add_product(run)
    missing = run("product", "withdraw", "COL-M")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    blank = run("product", "withdraw", "COL-M", "--reason", "  ")
    assert blank.exit_code == 2 and "Give a reason" in blank.stderr
