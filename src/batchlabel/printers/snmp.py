"""A network printer's state over SNMP (pysnmp), for printers that answer nothing on their
print port: many network Brother QLs. The standard Host Resources MIB says whether the
printer is idle or printing and which faults it detects (RFC 2790 hrPrinterStatus and
hrPrinterDetectedErrorState), which any printer with an SNMP agent answers."""

from __future__ import annotations

import asyncio

from batchlabel.printers.status import PrinterStatus

HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1.1"
HR_PRINTER_ERRORS = "1.3.6.1.2.1.25.3.5.1.2.1"
_STATES = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}


def snmp_status(
    host: str, port: int = 161, community: str = "public", timeout: float = 1.5
) -> PrinterStatus | None:
    """The printer's state, or None when no SNMP agent answers (so the caller can say the
    printer does not report its state). Never raises for an unreachable printer."""
    try:
        return asyncio.run(_ask(host, port, community, timeout))
    except Exception:  # a refused port, a bad answer: no usable SNMP here
        return None


async def _ask(host: str, port: int, community: str, timeout: float) -> PrinterStatus | None:
    from pysnmp.hlapi.v1arch.asyncio import (
        CommunityData,
        ObjectIdentity,
        ObjectType,
        SnmpDispatcher,
        UdpTransportTarget,
        get_cmd,
    )

    dispatcher = SnmpDispatcher()
    try:
        target = await UdpTransportTarget.create((host, port), timeout=timeout, retries=1)
        problem, status, _, answers = await get_cmd(
            dispatcher, CommunityData(community, mpModel=1), target,
            ObjectType(ObjectIdentity(HR_PRINTER_STATUS)),
            ObjectType(ObjectIdentity(HR_PRINTER_ERRORS)),
        )  # fmt: skip
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
    if problem or int(status) or len(answers) != 2:
        return None
    values = [value for _, value in answers]
    if any(type(v).__name__ in ("NoSuchObject", "NoSuchInstance", "EndOfMibView") for v in values):
        return None  # an agent, but not a printer's (or not printer 1): no state to trust
    try:
        state = int(values[0])
        errors = bytes(values[1].asOctets())
    except (TypeError, ValueError, AttributeError):
        return None
    return parse_host_resources(state, errors, f"{host}:{port}")


def parse_host_resources(state: int, errors: bytes, where: str) -> PrinterStatus:
    """hrPrinterStatus and hrPrinterDetectedErrorState as a printer state. The error bits,
    from the first byte's high bit: low paper, no paper, low toner, no toner, door open,
    jammed, offline, service requested, then input tray missing, output tray missing,
    marker supply missing, output near full, output full, input tray empty.

    >>> parse_host_resources(3, bytes([0x40]), "ql").problem
    'The printer is out of paper.'
    >>> parse_host_resources(3, bytes([0x00]), "ql").ready
    True
    >>> parse_host_resources(1, bytes([0x40]), "ql").problem  # stopped by the fault
    'The printer is out of paper.'
    >>> parse_host_resources(4, bytes([0x00]), "ql").problem
    'The printer is still printing.'
    """
    bits = int.from_bytes(errors[:2].ljust(2, b"\x00"), "big")

    def on(bit: int) -> bool:
        return bool(bits & (0x8000 >> bit))

    # The fault bits first: RFC 3805 reports a printer stopped by a fault as "other" (1),
    # with the cause in the bits.
    if on(6) or on(7):
        said = "offline" if on(6) else "asking for service"
        return PrinterStatus(
            False, detail=f"The printer at {where} is {said}; look at its display."
        )
    faults = PrinterStatus(
        reachable=True, paper_out=on(1) or on(13), cover_open=on(4), paper_jam=on(5)
    )
    if not faults.ready:
        return faults
    if state in (4, 5):  # printing, warming up: what was sent is not all out yet
        return PrinterStatus(True, busy=True)
    if state != 3:
        return PrinterStatus(
            False, detail=f"The printer at {where} is {_STATES.get(state, 'in an unknown state')}; "
            "look at its display.",
        )  # fmt: skip
    return faults
