"""batchlabel: lot codes, unit serials, labels, printing and scan resolution for small-batch makers.

>>> from batchlabel import Store, Actor  # the records and who works on them
"""

from batchlabel.errors import BatchlabelError, ConflictError, InputError, NotFoundError
from batchlabel.models import Actor, Allocation, Batch, Product, Unit
from batchlabel.store import Store

__all__ = [
    "Actor",
    "Allocation",
    "Batch",
    "BatchlabelError",
    "ConflictError",
    "InputError",
    "NotFoundError",
    "Product",
    "Store",
    "Unit",
]
