"""Products taken off sale, and product photos for the origin pages."""

from __future__ import annotations

from batchlabel.errors import ConflictError
from batchlabel.models import Actor, Photo, Product, Withdrawal
from batchlabel.store.base import StoreBase, now


class CatalogueRecords(StoreBase):
    """Mixed into Store: withdrawals and photos. Both are read on every public request,
    never cached, so a withdrawal shows at once on a running server."""

    def withdraw_product(self, product: Product, reason: str, actor: Actor) -> Withdrawal:
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
        with self.transaction() as conn:
            gone = conn.execute(
                "DELETE FROM product_withdrawals WHERE product_id = ?", (product.id,)
            ).rowcount
            if not gone:
                raise ConflictError(f"Product {product.sku} is not withdrawn.")
            self._log(conn, "product_reinstated", actor, product_id=product.id, reason=reason)

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

    def has_photo(self, product_id: int) -> bool:
        return bool(self._rows("SELECT 1 FROM product_photos WHERE product_id = ?", [product_id]))
