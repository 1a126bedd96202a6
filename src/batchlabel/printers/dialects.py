"""How each printer language asks for status on the printer's own connection, and what the
answer means. ZPL answers ~HS with three framed lines; TSPL answers <ESC>!? with one byte;
EPL2 printers mostly answer nothing a program can read, so their labels stay unconfirmed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from batchlabel.errors import InputError
from batchlabel.printers.status import PrinterStatus
from batchlabel.printers.zebra_status import parse_host_status

LANGUAGES = ("zpl", "tspl", "epl2", "brother-ql", "pdf")

# The slowest link a healthy label printer is expected to drain (a serial-to-network
# adapter or an old print server manages about 20 KB/s): waits grow with the bytes still
# on their way at this rate, so a big job to a slow printer is not taken for a dead one.
SLOWEST_BYTES_PER_SECOND = 10_000


@dataclass(frozen=True)
class Dialect:
    name: str
    query: bytes | None  # None: this language has no status to ask for
    complete: Callable[[bytes], bool]  # the whole answer has arrived
    parse: Callable[[bytes], PrinterStatus]


def unreported(language: str) -> PrinterStatus:
    """The status of a printer whose language has no status query: never ready, so its labels
    stay uncertain rather than confirmed."""
    return PrinterStatus(
        False,
        detail=f"This {language.upper()} printer does not report its state, so its labels "
        "cannot be confirmed; look at them.",
    )


def parse_tspl_status(answer: bytes) -> PrinterStatus:
    """TSPL's one status byte: bit 0 head open, 1 paper jam, 2 out of paper, 3 out of ribbon,
    4 paused, 5 printing (not a fault), 6 cover open; 0x00 is ready.

    >>> parse_tspl_status(bytes([0x04])).problem
    'The printer is out of paper.'
    """
    byte = answer[0]
    return PrinterStatus(
        reachable=True,
        head_open=bool(byte & 0x01),
        paper_jam=bool(byte & 0x02),
        paper_out=bool(byte & 0x04),
        ribbon_out=bool(byte & 0x08),
        paused=bool(byte & 0x10),
        cover_open=bool(byte & 0x40),
    )


def parse_brother_status(answer: bytes) -> PrinterStatus:
    """Brother QL's 32-byte answer to ESC i S, read by brother-ql-next: byte 8 bit 0 no
    media, bit 1 end of media; byte 9 bit 4 cover open; bytes 10 and 17 the media's width
    and length in mm."""
    errors1, errors2 = answer[8], answer[9]
    width, length = answer[10], answer[17]
    media = f"{width}x{length}" if length else (str(width) if width else "")
    return PrinterStatus(
        reachable=True,
        paper_out=bool(errors1 & 0x03),
        paper_jam=bool(errors1 & 0x04) or bool(errors2 & 0x40),
        cover_open=bool(errors2 & 0x10),
        media=media,
    )


DIALECTS = {
    "zpl": Dialect("zpl", b"~HS", lambda answer: answer.count(b"\x03") >= 3, parse_host_status),
    "tspl": Dialect("tspl", b"\x1b!?", lambda answer: len(answer) >= 1, parse_tspl_status),
    "epl2": Dialect("epl2", None, lambda answer: True, lambda answer: PrinterStatus(True)),
    "brother-ql": Dialect(
        "brother-ql", b"\x1b\x69\x53", lambda answer: len(answer) >= 32, parse_brother_status
    ),
}


def language_of(value: str) -> str:
    if value not in LANGUAGES:
        raise InputError(f"Unknown printer language '{value}'; use one of {', '.join(LANGUAGES)}.")
    return value


__all__ = ["DIALECTS", "LANGUAGES", "Dialect", "language_of", "parse_tspl_status"]
