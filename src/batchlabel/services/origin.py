"""What a shopper may learn from a label's URL: the service behind the public pages.

Only public fields leave this module: product name, description and public attributes,
the batch's dates and QA status, the names and dates of the steps it went through, the
kind of each material (with supplier and origin only for material lots marked public), and
the serial asked for. Private notes, step notes, users, stations, print and scan history
never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchlabel.codes.gs1 import GTIN_LENGTHS, validate_ai82, wrong_check_digit
from batchlabel.errors import InputError, NotFoundError
from batchlabel.models import (
    Batch,
    BatchStatus,
    MatchKind,
    Product,
    PublicMaterial,
    PublicStep,
    Unit,
    UnitState,
)
from batchlabel.store import Store
from batchlabel.validation import ascii_digits


@dataclass(frozen=True)
class Origin:
    match: str
    product: Product
    batch: Batch | None = None
    unit: Unit | None = None
    steps: tuple[PublicStep, ...] = ()
    materials: tuple[PublicMaterial, ...] = ()
    withdrawn: bool = False
    has_photo: bool = False

    @property
    def recalled(self) -> bool:
        return self.batch is not None and self.batch.status in (
            BatchStatus.RECALLED,
            BatchStatus.REJECTED,
        )

    def public(self) -> dict[str, Any]:
        batch = self.batch
        return {
            "match": self.match,
            "product": self.product.public_dict(),
            "batch": None
            if batch is None
            else {
                "lot": batch.lot,
                "made_on": batch.made_on.isoformat(),
                "best_before": batch.best_before.isoformat() if batch.best_before else None,
                "status": batch.status,
                "recalled": self.recalled,
            },
            "serial": None
            if self.unit is None
            else {"serial": self.unit.serial, "valid": self.unit.state != UnitState.VOIDED},
            "steps": [{"step": s.step, "on": s.on} for s in self.steps],
            "materials": [
                {"kind": m.kind, "supplier": m.supplier, "origin": m.origin} for m in self.materials
            ],
            "withdrawn": self.withdrawn,
        }


def find_origin(
    store: Store,
    gtin: str | None = None,
    sku: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    details: bool = True,
) -> Origin:
    """The deepest record a URL names. A serial unknown under a known lot falls back to the
    lot, a lot unknown for a product to the product (GS1 resolver behaviour); bad syntax is
    an InputError, an unknown product a NotFoundError. Without ``details`` the steps,
    materials and photo are not read (a redirect does not show them)."""
    if gtin is not None:
        _check_gtin(gtin)
    for value, what in ((lot, "lot"), (serial, "serial")):
        if value is not None:
            validate_ai82(value, what)
    product = store.product_by_gtin(gtin) if gtin is not None else store.find_product(sku or "")
    if product is None:
        raise NotFoundError("No product of this maker has this code.")
    batch, unit = store.code_records(product.id, lot, serial)
    if lot is None and unit is not None:  # /01/GTIN/21/SERIAL: a GTIN and serial suffice
        match, batch = MatchKind.UNIT, store.batch_by_id(unit.batch_id)
    elif batch is None:
        match, unit = MatchKind.PRODUCT, None
    elif unit is not None and unit.batch_id == batch.id:
        match = MatchKind.UNIT
    else:
        match, unit = MatchKind.BATCH, None
    if not details:  # the resolver only needs to know what matched, and if it is on sale
        return Origin(match, product, batch, unit, withdrawn=store.is_withdrawn(product.id))
    shown = store.public_details(product.id, batch.id if batch else None)
    return Origin(
        match,
        product,
        batch,
        unit,
        steps=shown.steps,
        materials=shown.materials,
        withdrawn=shown.withdrawn,
        has_photo=shown.has_photo,
    )


def _check_gtin(gtin: str) -> None:
    if not ascii_digits(gtin) or len(gtin) not in GTIN_LENGTHS:
        raise InputError(f"'{gtin[:20]}' is not a GTIN: it must be 8, 12, 13 or 14 digits.")
    if (expected := wrong_check_digit(gtin)) is not None:
        raise InputError(f"GTIN {gtin} has a wrong check digit (it should end in {expected}).")
