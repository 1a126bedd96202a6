"""Products taken off sale, and product photos for the origin pages."""

from __future__ import annotations

from batchlabel import validation
from batchlabel.errors import ConflictError
from batchlabel.models import (
    Actor,
    Photo,
    Product,
    PublicDetails,
    PublicMaterial,
    PublicStep,
    Withdrawal,
)
from batchlabel.store.base import StoreBase, now
from batchlabel.store.materials import UPSTREAM_CTE

# The material lots of a batch and of every batch it was made from, each once, in the order
# they were used.
_MATERIALS_SQL = (
    UPSTREAM_CTE
    + """
SELECT m.kind, s.name, m.origin, m.public FROM batch_inputs bi
JOIN up ON bi.batch_id = up.batch_id
JOIN material_lots m ON m.id = bi.material_lot_id
JOIN suppliers s ON s.id = m.supplier_id
GROUP BY m.id, s.id ORDER BY min(bi.id)
"""
)


class CatalogueRecords(StoreBase):
    """Mixed into Store: withdrawals and photos. Both are read on every public request,
    never cached, so a withdrawal shows at once on a running server."""

    def withdraw_product(self, product: Product, reason: str, actor: Actor) -> Withdrawal:
        reason = validation.reason(reason)
        at = now()
        with self.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM product_withdrawals WHERE product_id = ?", (product.id,)
            ).fetchone():
                raise ConflictError(f"Product {product.sku} is already withdrawn.")
            conn.execute(
                "INSERT INTO product_withdrawals (product_id, reason, user, station, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (product.id, reason, actor.user, actor.station, at),
            )
            self._log(conn, "product_withdrawn", actor, product_id=product.id, reason=reason)
        return Withdrawal(reason, actor.user, at)

    def reinstate_product(self, product: Product, reason: str, actor: Actor) -> None:
        reason = validation.reason(reason)
        with self.transaction() as conn:
            gone = conn.execute(
                "DELETE FROM product_withdrawals WHERE product_id = ?", (product.id,)
            ).rowcount
            if not gone:
                raise ConflictError(f"Product {product.sku} is not withdrawn.")
            self._log(conn, "product_reinstated", actor, product_id=product.id, reason=reason)

    def is_withdrawn(self, product_id: int) -> bool:
        with self.engine.errors():
            return (
                self.conn.execute(
                    "SELECT 1 FROM product_withdrawals WHERE product_id = ?", (product_id,)
                ).fetchone()
                is not None
            )

    def public_details(self, product_id: int, batch_id: int | None) -> PublicDetails:
        """Steps (names and dates), materials (supplier and origin only for public lots),
        withdrawal and photo, in three statements straight through sqlite3: this runs on
        every origin page."""
        with self.engine.errors():
            withdrawn, has_photo = self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM product_withdrawals WHERE product_id = ?),"
                " EXISTS (SELECT 1 FROM product_photos WHERE product_id = ?)",
                (product_id, product_id),
            ).fetchone()
            if batch_id is None:
                return PublicDetails((), (), bool(withdrawn), bool(has_photo))
            steps = tuple(
                PublicStep(step, at[:10])
                for step, at in self.conn.execute(
                    "SELECT step, at FROM batch_steps WHERE batch_id = ? ORDER BY id", (batch_id,)
                )
            )
            materials = tuple(
                PublicMaterial(kind, supplier, origin or None)
                if public
                else PublicMaterial(kind, None, None)
                for kind, supplier, origin, public in self.conn.execute(_MATERIALS_SQL, (batch_id,))
            )
        return PublicDetails(steps, materials, bool(withdrawn), bool(has_photo))

    def withdrawal(self, product_id: int) -> Withdrawal | None:
        rows = self._rows(
            "SELECT reason, user, at FROM product_withdrawals WHERE product_id = ?", [product_id]
        )
        return Withdrawal(**rows[0]) if rows else None

    def set_photo(self, product: Product, media_type: str, data: bytes, actor: Actor) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO product_photos (product_id, media_type, data, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (product_id) DO UPDATE SET"
                " media_type = excluded.media_type, data = excluded.data,"
                " updated_at = excluded.updated_at",
                (product.id, media_type, data, now()),
            )
            self._log(conn, "photo_set", actor, product_id=product.id, bytes=len(data))

    def photo(self, product_id: int) -> Photo | None:
        rows = self._rows(
            "SELECT media_type, data, updated_at FROM product_photos WHERE product_id = ?",
            [product_id],
        )
        return Photo(**rows[0]) if rows else None
