"""Scanned codes back to their records: a corpus of what scanners and people really send,
and every label this toolkit renders, read by zxing-cpp, resolving to exactly its unit."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchlabel.codes.gs1 import AI82_CHARACTERS, gs1_check_digit
from batchlabel.labels.templates import find_template
from batchlabel.models import Actor, BatchStatus
from batchlabel.render import render_label
from batchlabel.services.label_files import batch_labels
from batchlabel.services.lookup import CodeLookup
from batchlabel.store import Store
from tests.conftest import ACTOR, GTIN

GS = "\x1d"
OTHER_MAKER_GTIN = "4006381333931"  # a valid GTIN-13 no product here has
SSCC = "39506000134352000" + str(gs1_check_digit("39506000134352000"))


@dataclass
class World:
    store: Store
    lookup: CodeLookup
    serial: str  # a printed collar serial in released lot L1
    recalled: str  # a collar serial in recalled lot L9
    voided: str  # a voided collar serial in L1
    tote: str  # a tote serial (no GTIN) in quarantined lot T1


@pytest.fixture
def world(store: Store) -> World:
    store.add_product("COL-M", "Leather collar M", ACTOR, gtin=GTIN, serial_format="random:8+check")
    store.add_product("TOTE", "Canvas tote", ACTOR, serial_format="seq:6")
    l1 = store.create_batch("COL-M", ACTOR, lot="L1", planned_quantity=3)
    store.set_status(l1.batch, BatchStatus.RELEASED, ACTOR, "ok")
    l9 = store.create_batch("COL-M", ACTOR, lot="L9", planned_quantity=1)
    l9_batch = store.set_status(l9.batch, BatchStatus.RELEASED, ACTOR, "ok")
    store.set_status(l9_batch, BatchStatus.RECALLED, ACTOR, "loose stitching")
    t1 = store.create_batch("TOTE", ACTOR, lot="T1", planned_quantity=2)
    store.set_status(t1.batch, "quarantined", ACTOR, "colour check")
    voided = store.units_by_serials(l1.batch, [l1.serials[2]])
    store.void_units(voided, "damaged", ACTOR)
    return World(
        store, CodeLookup(store), l1.serials[0], l9.serials[0], l1.serials[2], t1.serials[0]
    )


# (input, match, what the answer must contain). {s} is the printed serial, {r} the recalled
# one, {v} the voided one, {t} the tote serial; {bad} is {s} with its last character changed.
CORPUS: list[tuple[str, str, str]] = [
    # GS1 element strings, with each spelling of the group separator
    ("]d201{gtin}10L1" + GS + "21{s}", "unit", ""),
    ("01{gtin}10L1" + GS + "21{s}", "unit", ""),
    ("01{gtin}10L1<GS>21{s}", "unit", ""),
    ("01{gtin}10L1{{GS}}21{s}", "unit", ""),
    ("01{gtin}10L1[GS]21{s}", "unit", ""),
    ("01{gtin}10L1\\x1d21{s}", "unit", ""),
    ("01{gtin}10L1^]21{s}", "unit", ""),
    ("]C101{gtin}10L1", "batch", ""),
    ("]e001{gtin}", "product", ""),
    ("]Q301{gtin}10L1" + GS + "21{s}", "unit", ""),
    # human-readable form, whitespace and line endings
    ("(01){gtin}(10)L1(21){s}", "unit", ""),
    ("  (01){gtin}(10)L1(21){s}\r\n", "unit", ""),
    # GS1 Digital Link on any host, any case, with a query string
    ("https://id.example.com/01/{gtin}/10/L1/21/{s}", "unit", ""),
    ("HTTPS://ID.EXAMPLE.COM/01/{gtin}/10/L1/21/{s}?utm_source=box", "unit", ""),
    ("]Q1http://localhost:8000/01/{gtin}/10/L1/21/{s}", "unit", ""),
    ("https://shop.example.org/01/{gtin}", "product", ""),
    # the project's short URLs for products without a GTIN, and bare internal codes
    ("http://localhost:8000/p/TOTE/T1/{t}", "unit", "QUARANTINED"),
    ("http://localhost:8000/p/TOTE/T1", "batch", "QUARANTINED"),
    ("http://localhost:8000/p/TOTE", "product", ""),
    ("{s}", "unit", ""),
    ("T1", "batch", "QUARANTINED"),
    ("TOTE", "product", ""),
    # plain GTINs
    ("{gtin}", "product", ""),
    ("{gtin13}", "product", ""),
    # a scanner set to US layout on a German keyboard
    ("httpsÖ--id.example.com-01-{gtin}-10-L1-21-{s_qwertz}", "unit", "German (QWERTZ)"),
    (")01={gtin})10=L1)21={s_qwertz}", "unit", "German (QWERTZ)"),
    # warnings that must not be missed
    ("(01){gtin}(10)L9(21){r}", "unit", "RECALLED"),
    ("(01){gtin}(10)L1(21){v}", "unit", "VOIDED"),
    ("(01){gtin}(10)L1(21){bad}", "batch", "check character is wrong"),
    ("(01){gtin}(10)L9(21){s}", "unit", "belongs to lot L1"),
    ("(01){gtin}(10)NOLOT(21){s}", "unit", "belongs to lot L1"),
    ("(01){gtin}(10)NOLOT", "product", "Lot NOLOT is not recorded"),
    # broken input: a clear error and no match
    ("9506000134353", "none", "Wrong check digit in GTIN"),
    ("(01)09506000134353(10)L1", "none", "Wrong check digit in GTIN"),
    ("(01)0950600013", "none", "cut short"),
    ("(23)12345", "none", "not valid GS1 data"),
    ("01{gtin}10L1<GS>21", "none", "cut short"),
    ("{other}", "none", "No product with GTIN"),
    (SSCC, "none", "carton code"),
    (f"(00){SSCC}", "none", "carton code"),
    (f"]C100{SSCC}", "none", "carton code"),
    (f"(00){SSCC[:-1]}0", "none", "Wrong check digit in SSCC"),
    ("nothing-like-this", "none", "not a serial, lot or SKU"),
    ("   ", "none", "empty"),
    ("K7\udcffM2", "none", "bytes that are not text"),  # a non-UTF-8 byte read from stdin
]

_QWERTZ = str.maketrans({"Y": "Z", "Z": "Y", "-": "ß", "/": "-"})


def _fill(template: str, w: World) -> str:
    last = w.serial[-1]
    bad = w.serial[:-1] + ("2" if last != "2" else "3")
    return template.format(
        gtin=GTIN,
        gtin13=GTIN[1:],
        s=w.serial,
        r=w.recalled,
        v=w.voided,
        t=w.tote,
        bad=bad,
        other=OTHER_MAKER_GTIN,
        s_qwertz=w.serial.translate(_QWERTZ),
    )


@pytest.mark.parametrize(("template", "match", "contains"), CORPUS)
def test_scan_corpus(world: World, template: str, match: str, contains: str) -> None:
    code = _fill(template, world)
    found = world.lookup.resolve(code)
    said = " ".join([*found.warnings, found.error or ""])
    assert found.match == match, (code, found)
    assert contains in said, (code, said)
    if match == "none":
        assert found.error, "no match must say why"
    else:
        assert found.error is None
        assert found.sku in ("COL-M", "TOTE")
    if match == "unit":
        assert found.serial in (world.serial, world.recalled, world.voided, world.tote)
        assert found.unit_state in ("allocated", "printed", "voided")


def test_every_field_of_a_unit_answer(world: World) -> None:
    found = world.lookup.resolve(f"(01){GTIN}(10)L1(21){world.serial}").public()
    assert found == {
        "input": f"(01){GTIN}(10)L1(21){world.serial}",
        "match": "unit",
        "gtin": GTIN,
        "lot": "L1",
        "serial": world.serial,
        "sku": "COL-M",
        "product_name": "Leather collar M",
        "batch_status": "released",
        "unit_state": "allocated",
        "warnings": [],
        "error": None,
    }


AI82 = "".join(sorted(AI82_CHARACTERS))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lot=st.text(alphabet=AI82, min_size=1, max_size=10),
    template=st.sampled_from(["item-50x30", "gs1-item-100x50"]),
    with_gtin=st.booleans(),
)
def test_every_rendered_label_resolves_to_its_unit(
    lot: str, template: str, with_gtin: bool
) -> None:
    if template == "gs1-item-100x50":
        with_gtin = True
    actor = Actor("t", "t")
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "b.db")
        try:
            store.add_product(
                "SKU-1",
                "Thing",
                actor,
                gtin=GTIN if with_gtin else None,
                serial_format="random:8+check",
            )
            made = store.create_batch("SKU-1", actor, lot=lot, planned_quantity=3)
            chosen = find_template(template)
            lookup = CodeLookup(store)
            for data in batch_labels(store, made.batch, chosen):
                results = zxingcpp.read_barcodes(render_label(chosen, data, 203))
                assert results, f"nothing decoded on the {template} label of {data.serial}"
                for result in results:
                    scanned = result.symbology_identifier + result.bytes.decode("utf-8")
                    found = lookup.resolve(scanned)
                    if result.format.name == "Code128":  # the GS1-128 carries no serial
                        assert (found.match, found.lot) == ("batch", lot), scanned
                    else:
                        assert (found.match, found.lot, found.serial) == (
                            "unit",
                            lot,
                            data.serial,
                        ), scanned
        finally:
            store.close()
