"""What a printer reports about itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrinterStatus:
    reachable: bool
    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    paper_jam: bool = False
    cover_open: bool = False
    buffered_formats: int = 0
    media: str = ""  # what the printer says is loaded (Brother QL), when it says
    busy: bool = False  # still printing what it was sent: not yet confirmed, not a fault
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.reachable and not (
            self.paper_out
            or self.paused
            or self.head_open
            or self.ribbon_out
            or self.paper_jam
            or self.cover_open
            or self.busy
        )

    @property
    def problem(self) -> str:
        """One sentence for the packer, empty when ready."""
        if not self.reachable:
            return self.detail or "The printer does not answer; check that it is on and connected."
        faults = [name for name, on in (
            ("out of paper", self.paper_out), ("paused", self.paused),
            ("open (print head up)", self.head_open), ("out of ribbon", self.ribbon_out),
            ("jammed", self.paper_jam), ("open (cover)", self.cover_open),
            ("still printing", self.busy),
        ) if on]  # fmt: skip
        return f"The printer is {' and '.join(faults)}." if faults else ""
