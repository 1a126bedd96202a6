"""The records batchlabel keeps, as frozen dataclasses, and the QA status rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class BatchStatus(StrEnum):
    """A batch's QA status, grouped by meaning: only a released batch is fit to label and ship."""

    IN_PRODUCTION = "in_production"
    QUARANTINED = "quarantined"
    RELEASED = "released"
    REJECTED = "rejected"
    RECALLED = "recalled"


# Which QA decisions may follow which. Rejected and recalled are final: a recalled batch
# that turns out fine is still a recalled batch in every record a regulator will ask for.
# A batch still in production can be recalled: a material recall reaches it before it ships.
ALLOWED_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.IN_PRODUCTION: frozenset(
        {BatchStatus.QUARANTINED, BatchStatus.RELEASED, BatchStatus.REJECTED, BatchStatus.RECALLED}
    ),
    BatchStatus.QUARANTINED: frozenset(
        {
            BatchStatus.IN_PRODUCTION,
            BatchStatus.RELEASED,
            BatchStatus.REJECTED,
            BatchStatus.RECALLED,
        }
    ),
    BatchStatus.RELEASED: frozenset({BatchStatus.QUARANTINED, BatchStatus.RECALLED}),
    BatchStatus.REJECTED: frozenset(),
    BatchStatus.RECALLED: frozenset(),
}


class UnitState(StrEnum):
    """A serial's life. A serial is never deleted or reused: a damaged label is voided."""

    ALLOCATED = "allocated"
    PRINTED = "printed"
    VOIDED = "voided"


class LabelState(StrEnum):
    """One label of a print job. ``SENT`` means its bytes may have left and the printer has not
    confirmed it since: uncertain, printed again only by an explicit reprint, which marks it
    ``FAILED`` (someone looked: it did not come out). Voiding its serial makes it ``VOIDED``."""

    PENDING = "pending"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    VOIDED = "voided"


class MatchKind(StrEnum):
    """The deepest record a scanned code matched."""

    UNIT = "unit"
    BATCH = "batch"
    PRODUCT = "product"
    CARTON = "carton"
    NONE = "none"


class Role(StrEnum):
    """What a person may do at the station: packers print, reprint and record steps; QA also
    records checks and decides a batch's status; admins also manage printers and people."""

    PACKER = "packer"
    QA = "qa"
    ADMIN = "admin"

    def may(self, needed: Role) -> bool:
        """True when this role includes ``needed`` (admin > qa > packer)."""
        order = (Role.PACKER, Role.QA, Role.ADMIN)
        return order.index(self) >= order.index(needed)


class CodeKind(StrEnum):
    """What a scanned or typed text turned out to be, before any record is looked up."""

    GS1 = "gs1"
    DIGITAL_LINK = "digital_link"
    SHORT_LINK = "short_link"
    GTIN = "gtin"
    SSCC = "sscc"
    TEXT = "text"
    EMPTY = "empty"


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    name: str
    gtin: str | None
    description: str
    public_attributes: dict[str, str]
    private_notes: str
    lot_format: str
    serial_format: str
    created_at: str

    def public_dict(self) -> dict[str, Any]:
        """What a shopper may see: never the private notes."""
        return {
            "sku": self.sku,
            "name": self.name,
            "gtin": self.gtin,
            "description": self.description,
            "attributes": dict(self.public_attributes),
        }


@dataclass(frozen=True)
class Batch:
    id: int
    product_id: int
    sku: str
    lot: str
    status: BatchStatus
    made_on: date
    best_before: date | None
    planned_quantity: int
    created_at: str


@dataclass(frozen=True)
class Unit:
    id: int
    batch_id: int
    serial: str
    state: UnitState


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    kind: str
    station: str
    user: str
    sku: str | None
    lot: str | None
    serial: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    """A person who signs in to the station. The password hash stays in the store."""

    id: int
    name: str
    role: Role
    active: bool
    created_at: str


@dataclass(frozen=True)
class Actor:
    """Who did something and where: recorded with every event."""

    user: str
    station: str


@dataclass(frozen=True)
class Allocation:
    """Serials just allocated to a batch, in order."""

    batch: Batch
    gtin: str | None
    serials: tuple[str, ...]


# -- traceability ------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialLot:
    """A lot of material from a supplier (a hide, a buckle delivery, a thread cone)."""

    id: int
    kind: str
    supplier: str
    lot: str
    origin: str
    quantity: float | None
    unit: str | None
    public: bool
    received_at: str

    @property
    def label(self) -> str:
        return f"{self.kind} lot {self.lot} from {self.supplier}"


@dataclass(frozen=True)
class BatchInput:
    """One input of a batch: a material lot or another batch, with how much was used."""

    batch_id: int
    material: MaterialLot | None
    input_batch: Batch | None
    quantity: float | None
    unit: str | None
    at: str


@dataclass(frozen=True)
class StepRecord:
    step: str
    notes: str
    user: str
    station: str
    at: str


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    value: float | None
    notes: str
    user: str
    station: str
    at: str


@dataclass(frozen=True)
class Complaint:
    id: int
    batch_id: int
    serial: str | None
    kind: str
    text: str
    user: str
    at: str


@dataclass(frozen=True)
class Carton:
    id: int
    code: str
    kind: str  # sscc or internal
    shipment: str | None
    customer: str | None
    units: int
    created_at: str
    closed_at: str | None = None


@dataclass(frozen=True)
class Shipment:
    id: int
    code: str
    customer: str
    shipped_at: str
    cartons: int
    units: int


@dataclass(frozen=True)
class Withdrawal:
    """A product taken off sale: its public pages answer 410 Gone. The reason is private."""

    reason: str
    user: str
    at: str


@dataclass(frozen=True)
class Photo:
    media_type: str
    data: bytes
    updated_at: str


@dataclass(frozen=True)
class PublicStep:
    step: str
    on: str  # the date only: the time of day says more about the workshop than the item


@dataclass(frozen=True)
class PublicMaterial:
    kind: str
    supplier: str | None  # None unless the material lot is marked public
    origin: str | None


@dataclass(frozen=True)
class PublicDetails:
    """What an origin page shows beyond the product and batch rows."""

    steps: tuple[PublicStep, ...]
    materials: tuple[PublicMaterial, ...]
    withdrawn: bool
    has_photo: bool
