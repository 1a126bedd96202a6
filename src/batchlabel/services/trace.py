"""Trace anything back to its materials and forward to its customers.

``find_target`` says what a code or lot names (a material lot, a batch, a unit or a carton);
``backward`` walks a batch's inputs, steps and QA results at any depth; ``forward`` walks
every batch made from a material lot or batch, and where their items went.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from batchlabel.codes.scans import carton_code
from batchlabel.errors import InputError, NotFoundError
from batchlabel.models import Batch, BatchInput, Carton, MatchKind, MaterialLot, Unit
from batchlabel.services.lookup import CodeLookup
from batchlabel.services.quality import latest_results
from batchlabel.store import Store

MATERIAL, BATCH, CARTON = "material", "batch", "carton"


@dataclass
class Node:
    """One thing in a trace tree: a batch, a material lot, a shipment, a step..."""

    kind: str
    label: str
    detail: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "label": self.label, **self.detail}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


@dataclass(frozen=True)
class Target:
    """What the user named: exactly one of these is set."""

    material: MaterialLot | None = None
    batch: Batch | None = None
    unit: Unit | None = None
    carton: Carton | None = None

    @property
    def kind(self) -> str:
        if self.material:
            return MATERIAL
        if self.carton:
            return CARTON
        return MatchKind.UNIT if self.unit else BATCH

    @property
    def description(self) -> str:
        if self.material:
            return self.material.label
        if self.carton:
            return f"carton {self.carton.code}"
        assert self.batch is not None
        if self.unit:
            return f"serial {self.unit.serial} of batch {self.batch.lot} ({self.batch.sku})"
        return f"batch {self.batch.lot} ({self.batch.sku})"


def find_target(
    store: Store, text: str, supplier: str | None = None, sku: str | None = None
) -> Target:
    """What ``text`` names: a material lot, a batch lot, a carton, or an item's code."""
    text = text.strip()
    if not text:
        raise InputError("Give a code, lot or material lot to trace.")
    named = named_lot(store, text, supplier, sku)
    if named is not None:
        return named
    if supplier:
        raise NotFoundError(
            f"No material lot '{text}' from {supplier} is recorded.", needs="known_material"
        )
    return _target_from_code(store, text)


def named_lot(
    store: Store, text: str, supplier: str | None = None, sku: str | None = None
) -> Target | None:
    """The material lot or batch lot ``text`` names, None when it names neither. A supplier's
    lot code and a batch lot can look alike: a name that fits both is refused with the
    option that chooses, never guessed."""
    materials = [] if sku else store.materials(lot=text, supplier=supplier)
    batches = (
        [] if supplier else [b for b in store.batches_with_lot(text) if not sku or b.sku == sku]
    )
    if len(materials) > 1:
        listed = "; ".join(f"{m.kind} from {m.supplier}" for m in materials)
        raise InputError(
            f"Material lot '{text}' was received more than once ({listed}).", needs="supplier"
        )
    if materials and batches:
        raise InputError(
            f"'{text}' is both {materials[0].label} and a batch lot of {batches[0].sku}; "
            "say which one is meant.",
            needs="supplier_or_sku",
        )
    if materials:
        return Target(material=materials[0])
    if len(batches) > 1:
        skus = ", ".join(sorted(b.sku for b in batches))
        raise InputError(f"Lot '{text}' exists for several products ({skus}).", needs="sku")
    return Target(batch=batches[0]) if batches else None


def _target_from_code(store: Store, text: str) -> Target:
    try:
        code, _ = carton_code(text)
    except InputError:  # not a carton's code; the lookup below says what it is
        code = None
    carton = store.carton(code) if code else None
    if carton is not None:
        return Target(carton=carton)
    lookup = CodeLookup(store)
    found = lookup.resolve(text)
    unit = lookup.unit_of(found)
    if unit is not None:
        return Target(batch=store.batch_by_id(unit.batch_id), unit=unit)
    if found.batch_id is not None:
        return Target(batch=store.batch_by_id(found.batch_id))
    raise NotFoundError(
        found.error
        or f"'{text}' is not a material lot, batch, carton or item recorded here; check it and try again."
    )


# -- backward: what went into a batch --------------------------------------------------


def backward(store: Store, batch: Batch) -> Node:
    """A batch with its steps, QA results and inputs, input batches traced in turn."""
    batch_ids = store.upstream_batch_ids(batch)
    inputs: dict[int, list[BatchInput]] = defaultdict(list)
    for item in store.inputs_of(batch_ids):
        inputs[item.batch_id].append(item)
    return _backward_node(store, batch, inputs, set())


def _backward_node(
    store: Store, batch: Batch, inputs: dict[int, list[BatchInput]], seen: set[int]
) -> Node:
    node = _batch_node(batch)
    seen = seen | {batch.id}
    steps = store.steps(batch)
    if steps:
        node.children.append(
            Node("steps", f"{len(steps)} steps", children=[
                Node("step", s.step, {"at": s.at, "user": s.user, "station": s.station, "notes": s.notes})
                for s in steps
            ])
        )  # fmt: skip
    results = latest_results(store, batch)
    if results:
        node.children.append(
            Node("checks", f"QA: {sum(r.passed for r in results.values())} of {len(results)} passed",
                 children=[
                     Node("check", f"{r.name}: {'pass' if r.passed else 'FAIL'}",
                          {"passed": r.passed, "value": r.value, "at": r.at, "user": r.user})
                     for r in results.values()
                 ])
        )  # fmt: skip
    for item in inputs.get(batch.id, []):
        used = {"quantity": item.quantity, "unit": item.unit}
        if item.material is not None:
            node.children.append(_material_node(item.material, used))
        elif item.input_batch is not None and item.input_batch.id not in seen:
            child = _backward_node(store, item.input_batch, inputs, seen)
            child.detail.update(used)
            node.children.append(child)
    return node


def _batch_node(batch: Batch) -> Node:
    return Node(
        BATCH,
        f"batch {batch.lot} ({batch.sku})",
        {
            "lot": batch.lot,
            "sku": batch.sku,
            "status": batch.status,
            "made_on": batch.made_on.isoformat(),
            "best_before": batch.best_before.isoformat() if batch.best_before else None,
        },
    )


def _material_node(material: MaterialLot, used: dict[str, Any] | None = None) -> Node:
    return Node(
        MATERIAL,
        material.label,
        {
            "material_kind": material.kind,
            "supplier": material.supplier,
            "lot": material.lot,
            "origin": material.origin,
            "received_at": material.received_at,
            "public": material.public,
            **(used or {}),
        },
    )


# -- forward: where it went -------------------------------------------------------------


@dataclass
class Forward:
    """Every batch downstream of a start, and what shipped where."""

    batches: dict[int, Batch]
    edges: list[tuple[int, int | None]]  # (batch, made from batch or None)
    distribution: list[dict[str, Any]]
    counts: dict[int, dict[str, int]]

    @property
    def customers(self) -> dict[str, dict[str, Any]]:
        """Per customer: shipments and how many items of the affected batches."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.distribution:
            if row["customer"] is None:
                continue
            entry = out.setdefault(row["customer"], {"shipments": [], "items": 0})
            if row["shipment"] not in entry["shipments"]:
                entry["shipments"].append(row["shipment"])
            entry["items"] += row["units"]
        return out


def downstream(
    store: Store, material: MaterialLot | None = None, batch: Batch | None = None
) -> Forward:
    edges = store.downstream([material.id] if material else [], [batch.id] if batch else [])
    ids = sorted({b for b, _ in edges} | ({batch.id} if batch else set()))
    return Forward(
        store.batches_by_ids(ids), edges, store.distribution(ids), store.unit_counts_by_batch(ids)
    )


def forward(store: Store, material: MaterialLot | None = None, batch: Batch | None = None) -> Node:
    """A material lot or batch, the batches made from it at any depth, and for each the
    cartons, shipments and customers its items went to."""
    found = downstream(store, material, batch)
    children: dict[int | None, list[int]] = defaultdict(list)
    for made, source in found.edges:
        if material is None and source is None:
            continue
        if made not in children[source]:
            children[source].append(made)
    places: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in found.distribution:
        places[row["batch_id"]].append(row)

    def grow(batch_id: int, path: frozenset[int]) -> Node:
        node = _batch_node(found.batches[batch_id])
        node.detail["units"] = found.counts.get(batch_id, {})
        node.children.extend(_places_nodes(places.get(batch_id, [])))
        for child in children.get(batch_id, []):
            if child not in path:
                node.children.append(grow(child, path | {child}))
        return node

    if material is not None:
        root = _material_node(material)
        root.children = [grow(b, frozenset({b})) for b in children.get(None, [])]
        return root
    assert batch is not None
    return grow(batch.id, frozenset({batch.id}))


def _places_nodes(rows: list[dict[str, Any]]) -> list[Node]:
    by_shipment: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_shipment[row["shipment"]].append(row)
    nodes = []
    for shipment, group in by_shipment.items():
        items = sum(r["units"] for r in group)
        cartons = [Node(CARTON, f"carton {r['carton']}: {r['units']} items", {"carton": r["carton"], "units": r["units"]}) for r in group]  # fmt: skip
        if shipment is None:
            nodes.append(
                Node("unshipped", f"packed, not shipped: {items} items", {"units": items}, cartons)
            )
        else:
            first = group[0]
            nodes.append(
                Node(
                    "shipment",
                    f"shipment {shipment} to {first['customer']} on {first['shipped_at'][:10]}: {items} items",
                    {"shipment": shipment, "customer": first["customer"], "shipped_at": first["shipped_at"], "units": items},
                    cartons,
                )
            )  # fmt: skip
    return nodes


def trace(store: Store, target: Target) -> dict[str, Node]:
    """The backward and forward trees for what was named."""
    if target.material is not None:
        return {"forward": forward(store, material=target.material)}
    if target.carton is not None:
        return {"contents": carton_contents(store, target.carton)}
    assert target.batch is not None
    trees = {"backward": backward(store, target.batch)}
    if target.unit is not None:
        place = store.unit_places([target.unit.id]).get(target.unit.id)
        unit_node = Node("unit", f"serial {target.unit.serial} ({target.unit.state})",
                         {"serial": target.unit.serial, "state": target.unit.state})  # fmt: skip
        if place:
            carton, shipment, customer = place
            unit_node.children.append(
                Node(CARTON, f"carton {carton}" + (f", shipment {shipment} to {customer}" if shipment else ", not shipped"),
                     {"carton": carton, "shipment": shipment, "customer": customer})
            )  # fmt: skip
        trees["forward"] = unit_node
    else:
        trees["forward"] = forward(store, batch=target.batch)
    return trees


def carton_contents(store: Store, carton: Carton) -> Node:
    label = f"carton {carton.code} ({carton.units} items)"
    if carton.shipment:
        label += f", shipment {carton.shipment} to {carton.customer}"
    rows = store.carton_batches(carton.id)
    return Node(
        CARTON,
        label,
        {"carton": carton.code, "kind": carton.kind, "shipment": carton.shipment, "customer": carton.customer},
        [Node(BATCH, f"batch {r['lot']} ({r['sku']}): {r['units']} items", r) for r in rows],
    )  # fmt: skip
