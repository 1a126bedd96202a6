"""Parsing a Zebra printer's ~HS host status answer."""

from __future__ import annotations

from batchlabel.errors import PrinterError
from batchlabel.printers.status import PrinterStatus


def parse_host_status(answer: bytes) -> PrinterStatus:
    """Three STX..ETX framed lines: line 1 field 2 paper out, 3 paused, 5 labels in the
    buffer (formats waiting); line 2 field 3 head up, 4 ribbon out."""
    frames = [part.split(b"\x03", 1)[0] for part in answer.split(b"\x02")[1:]]
    if len(frames) < 2:
        raise PrinterError(
            "The printer's status answer was incomplete; check the cable and try again."
        )
    line1 = frames[0].decode("ascii", "replace").split(",")
    line2 = frames[1].decode("ascii", "replace").split(",")
    try:
        return PrinterStatus(
            reachable=True,
            paper_out=line1[1] == "1",
            paused=line1[2] == "1",
            buffered_formats=int(line1[4]),
            head_open=line2[2] == "1",
            ribbon_out=line2[3] == "1",
        )
    except (IndexError, ValueError):
        raise PrinterError(
            "The printer's status answer was not understood; is it a ZPL printer?"
        ) from None
