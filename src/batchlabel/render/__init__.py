"""Rendering labels: raster (PNG, PDF pages) and ZPL. Knows nothing of printers or the database."""

from batchlabel.render.geometry import SUPPORTED_DPI, dots
from batchlabel.render.pages import SHEETS, write_label_pdf, write_sheet_pdf
from batchlabel.render.raster import render_label
from batchlabel.render.zpl import compile_template, escape, raster_label

__all__ = [
    "SHEETS",
    "SUPPORTED_DPI",
    "compile_template",
    "dots",
    "escape",
    "raster_label",
    "render_label",
    "write_label_pdf",
    "write_sheet_pdf",
]
