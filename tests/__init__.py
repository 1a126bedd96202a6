"""The test suite (a package, so `tests.conftest` is this folder's even when an installed
library ships a top-level `tests` package of its own)."""
