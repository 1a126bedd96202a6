"""One exception hierarchy. Every message is a sentence a packer can act on."""

from __future__ import annotations


class BatchlabelError(Exception):
    """Base of every error batchlabel raises on purpose.

    ``exit_code`` is what the command line exits with: 2 for bad input or usage,
    1 for everything else (a printer fault, a busy database, a full disk).
    """

    exit_code = 1

    def __init__(self, message: str, *, needs: str | None = None, **facts: str) -> None:
        """``message`` says what is wrong in the domain. ``needs`` names what would put it
        right (a reason, a SKU to choose between products, another output folder), and
        ``facts`` the values a face needs to say how: the command line turns them into the
        option to type, the web station into the field to fill in."""
        super().__init__(message)
        self.needs = needs
        self.facts = facts


class InputError(BatchlabelError, ValueError):
    """The user gave something malformed: a wrong check digit, a bad date, a bad template."""

    exit_code = 2


class NotFoundError(InputError, LookupError):
    """A SKU, lot, serial or job that is not in the records."""


class ConflictError(BatchlabelError):
    """The request is well formed but the records forbid it (duplicate SKU, forbidden status change)."""

    exit_code = 2


class StoreError(BatchlabelError):
    """The database could not do what was asked (disk full, locked too long, unreadable file)."""


class TemplateError(InputError):
    """A label template is malformed or a field does not fit it."""


class PrinterError(BatchlabelError):
    """A printer could not be reached, went silent, or reported a fault."""


class PrinterNotSent(PrinterError):
    """The printer was found gone before any byte of this send left: nothing was printed."""
