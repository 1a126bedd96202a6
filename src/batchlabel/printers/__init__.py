"""Printers addressed by URI: tcp://HOST[:9100], cups://QUEUE, file:///path, and - (stdout).
They only move bytes and report status; they know nothing of labels or records."""

from batchlabel.printers.base import Printer, open_printer
from batchlabel.printers.status import PrinterStatus
from batchlabel.printers.zebra_status import parse_host_status

__all__ = ["Printer", "PrinterStatus", "open_printer", "parse_host_status"]
