"""The Printer protocol and opening one by URI."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import parse_qs, unquote, urlparse

from batchlabel.errors import InputError
from batchlabel.printers.dialects import language_of
from batchlabel.printers.status import PrinterStatus


class Printer(Protocol):
    """Moves label bytes to a printer. ``send`` raises PrinterError when the bytes may not
    have arrived; ``status`` never raises for an unreachable printer, it says so."""

    uri: str
    language: str  # "zpl", "tspl", "epl2", "brother-ql" or "pdf": what the printer takes

    def send(self, data: bytes, name: str = "label") -> None: ...

    def status(self) -> PrinterStatus: ...

    def close(self) -> None: ...


def _snmp_port(query: str) -> int | None:
    """The SNMP port to ask for status (``?status=snmp``, port 161 or ``&snmp_port=N``), or
    None to ask on the print connection."""
    values = parse_qs(query)
    if values.get("status", [""])[0] != "snmp":
        return None
    text = values.get("snmp_port", ["161"])[0]
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InputError(f"The SNMP port '{text}' is not a port; ports are 1 to 65535.")
    return int(text)


def open_printer(uri: str, timeout: float = 5.0) -> Printer:
    """A printer for ``uri``: tcp://HOST[:PORT], cups://QUEUE[?pdf], file:///PATH, or '-'.
    ``?language=tspl`` (or epl2, zpl) names the printer's language; ZPL is the default."""
    from batchlabel.printers.cups import CupsPrinter
    from batchlabel.printers.file import FilePrinter, StdoutPrinter
    from batchlabel.printers.tcp import TcpPrinter
    from batchlabel.printers.usb import UsbPrinter

    if uri == "-":
        return StdoutPrinter()
    try:
        parsed = urlparse(uri)
    except ValueError:  # an unclosed [IPv6 address, say
        raise InputError(f"'{uri}' is not a printer address this can read.") from None
    language = language_of(parse_qs(parsed.query).get("language", ["zpl"])[0])
    if parsed.scheme == "tcp":
        if not parsed.hostname:
            raise InputError(f"The printer URI '{uri}' has no host; use tcp://HOST:9100.")
        try:
            port = parsed.port or 9100
        except ValueError:
            raise InputError(
                f"The printer URI '{uri}' has no valid port; a port is 1 to 65535, usually 9100."
            ) from None
        if language == "pdf":
            raise InputError("A tcp:// printer takes ZPL, TSPL or EPL2; send PDF through CUPS.")
        return TcpPrinter(uri, parsed.hostname, port, timeout, language, _snmp_port(parsed.query))
    if parsed.scheme == "cups":
        queue = unquote(parsed.netloc or parsed.path.lstrip("/"))
        if not queue:
            raise InputError(f"The printer URI '{uri}' has no queue; use cups://QUEUE.")
        return CupsPrinter(uri, queue, "pdf" if parsed.query == "pdf" else language)
    if parsed.scheme == "usb":
        if parsed.netloc not in ("", "localhost") or not parsed.path:
            raise InputError(f"A USB printer's address is usb:///dev/usb/lp0, not '{uri}'.")
        if language == "pdf":
            raise InputError(
                "A USB printer takes ZPL, TSPL, EPL2 or Brother QL; send PDF through CUPS."
            )
        return UsbPrinter(uri, unquote(parsed.path), language, timeout)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise InputError(
                f"The printer URI '{uri}' names a host; a file printer writes on this machine: "
                "file:///full/path/labels.zpl (three slashes)."
            )
        return FilePrinter(uri, unquote(parsed.path), language)
    raise InputError(
        f"Unknown printer '{uri}'; use tcp://HOST:9100, usb:///dev/usb/lp0, cups://QUEUE, "
        "file:///PATH or - for the screen."
    )
