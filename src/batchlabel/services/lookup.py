"""Any scanned code back to its record: the service behind ``batchlabel resolve`` and
``batchlabel receive``.

A code names a product (GTIN or SKU), maybe a lot, maybe a serial. It matches the deepest
record that exists: a serial unknown under a known lot matches the batch with a warning
(a typo, or a counterfeit), a lot unknown for a known product matches the product.
A batch that is not released, or a voided serial, is a warning that must not be missed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from batchlabel.codes.scans import QWERTZ_NOTE, ScannedCode, as_text, parse_scan, qwertz_alternative
from batchlabel.codes.serial_formats import has_valid_check_character, parse_format
from batchlabel.models import (
    Actor,
    Batch,
    BatchStatus,
    CodeKind,
    MatchKind,
    Product,
    Unit,
    UnitState,
)
from batchlabel.store import Store
from batchlabel.validation import shown

_STATUS_WARNINGS = {
    BatchStatus.RECALLED: "RECALLED: batch {lot} of {sku} was recalled. Do not sell or use this item; set it aside.",
    BatchStatus.REJECTED: "REJECTED: batch {lot} of {sku} failed QA and must not be sold; set it aside.",
    BatchStatus.QUARANTINED: "QUARANTINED: batch {lot} of {sku} is on hold until QA decides; do not sell it yet.",
    BatchStatus.IN_PRODUCTION: "NOT RELEASED: batch {lot} of {sku} has not been released by QA; do not sell it yet.",
}


@dataclass
class Resolution:
    """What one input matched. ``warnings`` are things a person must look at."""

    input: str
    match: MatchKind = MatchKind.NONE
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sku: str | None = None
    product_name: str | None = None
    batch_status: BatchStatus | None = None
    unit_state: UnitState | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    carton: str | None = None
    contents: list[dict[str, Any]] = field(default_factory=list)  # a carton's, per batch
    product_id: int | None = field(default=None, repr=False)
    batch_id: int | None = field(default=None, repr=False)

    def public(self) -> dict[str, Any]:
        """The JSON form: internal ids left out."""
        out = asdict(self)
        del out["product_id"], out["batch_id"]
        if self.match != MatchKind.CARTON:  # only a carton's answer has these
            del out["carton"], out["contents"]
        return out


class CodeLookup:
    """Resolves codes against one database. Products never change once made, so they are
    kept after the first look-up (by id in the store, by GTIN and SKU here); batches and
    units are read every time, since their state moves."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_gtin: dict[str, Product] = {}
        self._by_sku: dict[str, Product] = {}

    def resolve(self, raw: str) -> Resolution:
        code = parse_scan(raw)
        # A NUL is no part of any code, and some databases refuse it in text: kept as U+FFFD.
        result = Resolution(input=as_text(raw).strip("\r\n").replace("\x00", "\ufffd"))
        if code.note:
            result.warnings.append(code.note)
        if not code.readable:
            result.error = code.error
            return result
        if code.kind == CodeKind.SSCC:
            assert code.sscc is not None
            if self._fill_carton(result, code.sscc):
                return result
            result.error = (
                f"SSCC {code.sscc} is a carton code, and no carton with it is recorded here; "
                "scan an item's label instead."
            )
            return result
        if code.kind == CodeKind.TEXT:
            return self._resolve_text(code, result)
        return self._resolve_identified(code, result)

    def unit_of(self, found: Resolution) -> Unit | None:
        """The unit record a resolution matched, None unless it matched one."""
        if found.match != MatchKind.UNIT or found.product_id is None or found.serial is None:
            return None
        return self.store.unit(found.product_id, found.serial)

    def record(
        self, found: Resolution, actor: Actor, session: int | None = None, **detail: Any
    ) -> None:
        """Save a scan as an event, committed at once: what was read, what it matched, and
        the serial when it matched a unit."""
        self.store.record_scan(
            session,
            actor,
            found.product_id,
            found.batch_id,
            found.serial if found.match == MatchKind.UNIT else None,
            {"input": found.input, "match": found.match, "lot": found.lot, **detail},
        )

    # -- codes that name their product --------------------------------------------------

    def _resolve_identified(self, code: ScannedCode, result: Resolution) -> Resolution:
        result.gtin, result.lot, result.serial, result.sku = (
            code.gtin, code.lot, code.serial, code.sku,
        )  # fmt: skip
        product = self._product(gtin=code.gtin, sku=code.sku)
        if product is None:
            named = f"GTIN {code.gtin}" if code.gtin else f"SKU '{code.sku}'"
            result.error = (
                f"No product with {named} is recorded here; it may be another maker's item, "
                "or the product was never added."
            )
            return result
        self._fill_product(result, product)
        batch, unit = self.store.code_records(product.id, code.lot, code.serial)
        if unit is not None:  # a known serial decides the lot, whatever lot was printed
            return self._fill_unit(result, unit, batch, code.lot)
        if code.lot is not None and batch is None:
            result.warnings.append(
                f"Lot {code.lot} is not recorded for {product.sku}: a misprint, a typo "
                "or not one of our labels."
            )
        if code.serial is not None:
            result.warnings.append(self._unknown_serial(product, code.serial, code.lot, batch))
        if batch is not None:
            self._fill_batch(result, batch)
        return result

    def _unknown_serial(
        self, product: Product, serial: str, lot: str | None, batch: Batch | None
    ) -> str:
        under = f" under lot {lot}" if batch is not None else ""
        text = f"Serial {serial} is not known{under}: it may be a typo or a counterfeit."
        fmt = parse_format(product.serial_format, "serial")
        if fmt.check and not has_valid_check_character(serial):
            text += " Its check character is wrong, so it was most likely mistyped."
        return text

    # -- bare codes: a serial, a lot or a SKU typed or scanned on its own ----------------

    def _resolve_text(self, code: ScannedCode, result: Resolution) -> Resolution:
        found = self._lookup_text(code.text, result)
        if found:
            return result
        alternative = qwertz_alternative(code.text)
        if alternative and self._lookup_text(alternative, result):
            result.warnings.insert(0, QWERTZ_NOTE)
            return result
        result.error = (
            f"'{shown(code.text)[:60]}' is not a serial, lot or SKU recorded here, nor a GS1 code; "
            "check the label and scan it again."
        )
        return result

    def _lookup_text(self, text: str, result: Resolution) -> bool:
        units = self.store.units_with_serial(text)
        if len(units) == 1:
            product_id, unit = units[0]
            product = self.store.product_by_id(product_id)
            result.serial = unit.serial
            self._fill_product(result, product)
            self._fill_unit(result, unit, None, None)
            return True
        if len(units) > 1:
            result.error = (
                f"Serial '{text}' exists for several products; scan the QR or GS1 code, "
                "which names the product too."
            )
            return True
        batches = self.store.batches_with_lot(text)
        if len(batches) == 1:
            product = self.store.product_by_id(batches[0].product_id)
            self._fill_product(result, product)
            result.lot = batches[0].lot
            self._fill_batch(result, batches[0])
            return True
        by_sku = self._product(sku=text)
        if by_sku is not None:
            self._fill_product(result, by_sku)
            return True
        return self._fill_carton(result, text)

    def _fill_carton(self, result: Resolution, code: str) -> bool:
        """A carton's own code (its SSCC label, or the maker's code): what it holds."""
        carton = self.store.carton(code)
        if carton is None:
            return False
        result.match = MatchKind.CARTON
        result.carton = carton.code
        result.contents = self.store.carton_batches(carton.id)
        for row in result.contents:
            warning = _STATUS_WARNINGS.get(row["status"])
            if warning:
                held = warning.format(lot=row["lot"], sku=row["sku"])
                result.warnings.append(f"In carton {carton.code}: {held}")
        return True

    # -- filling in the answer -------------------------------------------------------------

    def _fill_product(self, result: Resolution, product: Product) -> None:
        result.match = MatchKind.PRODUCT
        result.product_id = product.id
        result.sku, result.gtin, result.product_name = product.sku, product.gtin, product.name

    def _fill_batch(self, result: Resolution, batch: Batch) -> None:
        result.match = MatchKind.BATCH
        result.batch_id = batch.id
        result.lot, result.batch_status = batch.lot, batch.status
        warning = _STATUS_WARNINGS.get(batch.status)
        if warning:
            result.warnings.insert(0, warning.format(lot=batch.lot, sku=batch.sku))

    def _fill_unit(
        self,
        result: Resolution,
        unit: Unit,
        named_batch: Batch | None,
        named_lot: str | None,
    ) -> Resolution:
        batch = named_batch
        if batch is None or batch.id != unit.batch_id:
            batch = self.store.batch_by_id(unit.batch_id)
            if named_lot is not None:
                result.warnings.append(
                    f"Serial {unit.serial} belongs to lot {batch.lot}, not to lot {named_lot} "
                    "printed beside it: the label is wrong or copied; set the item aside."
                )
        self._fill_batch(result, batch)
        result.match = MatchKind.UNIT
        result.unit_state = unit.state
        if unit.state == UnitState.VOIDED:
            result.warnings.insert(
                0,
                f"VOIDED: serial {unit.serial} was voided, so no item should carry this label; "
                "set it aside and check.",
            )
        return result

    def _product(self, gtin: str | None = None, sku: str | None = None) -> Product | None:
        if gtin is not None:
            key = gtin.rjust(14, "0")
            found = self._by_gtin.get(key) or self.store.product_by_gtin(gtin)
            if found is not None:
                self._by_gtin[key] = found
            return found
        if sku is not None:
            found = self._by_sku.get(sku) or self.store.find_product(sku)
            if found is not None:
                self._by_sku[sku] = found
            return found
        return None
