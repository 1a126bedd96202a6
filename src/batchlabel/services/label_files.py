"""Render a batch's labels to files: the service behind ``batchlabel render``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from batchlabel.errors import InputError
from batchlabel.labels.data import DEFAULT_RESOLVER, LabelData, label_data
from batchlabel.labels.templates import Template
from batchlabel.models import Batch, UnitState
from batchlabel.render import (
    SUPPORTED_DPI,
    compile_template,
    raster_label,
    render_label,
    write_label_pdf,
    write_sheet_pdf,
)
from batchlabel.render.pages import sheet as sheet_layout
from batchlabel.store import Store

FORMATS = ("png", "pdf", "zpl")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RenderResult:
    files: tuple[Path, ...]
    labels: int


def check_dpi(dpi: int) -> int:
    if dpi not in SUPPORTED_DPI:
        raise InputError(
            f"The resolution must be one of {', '.join(map(str, SUPPORTED_DPI))} dpi, the resolutions label printers have."
        )
    return dpi


def batch_labels(
    store: Store,
    batch: Batch,
    template: Template,
    serials: list[str] | None = None,
    copies: int = 1,
    resolver: str = DEFAULT_RESOLVER,
) -> list[LabelData]:
    """The label data for a batch: one per serial (given, or every unit not voided) for a
    per-unit template, or ``copies`` of one batch label."""
    product = store.product(batch.sku)
    if template.per == "batch":
        return [label_data(product, batch, None, resolver)] * max(1, copies)
    if serials:
        units = store.units_by_serials(batch, serials)
        voided = [u.serial for u in units if u.state == UnitState.VOIDED]
        if voided:
            raise InputError(
                f"Serial {voided[0]} is voided; voided serials never get a label again."
            )
    else:
        units = [u for u in store.units(batch) if u.state != UnitState.VOIDED]
    if not units:
        raise InputError(
            f"Batch '{batch.lot}' has no serials to label; allocate some first.",
            needs="allocate",
            lot=batch.lot,
        )
    return [
        label_data(product, batch, u.serial, resolver) for u in units for _ in range(max(1, copies))
    ]


def render_files(
    template: Template,
    labels: list[LabelData],
    fmt: str,
    out: Path,
    dpi: int,
    sheet: str | None = None,
    skip: int = 0,
    zpl_raster: bool = False,
) -> RenderResult:
    """Write the labels to ``out`` (a folder, made if needed) in ``fmt``."""
    if fmt not in FORMATS:
        raise InputError(f"The label file format must be one of {', '.join(FORMATS)}.")
    check_dpi(dpi)
    if sheet is not None and fmt != "pdf":
        raise InputError("Label sheets apply only to PDF files.")
    out.mkdir(parents=True, exist_ok=True)
    stem = _safe(labels[0].lot)
    if fmt == "png":
        files = []
        for number, data in enumerate(labels, start=1):
            path = out / f"{stem}-{number:05d}-{_safe(data.serial or 'batch')}.png"
            render_label(template, data, dpi).save(path, dpi=(dpi, dpi), compress_level=1)
            files.append(path)
        return RenderResult(tuple(files), len(labels))
    if fmt == "pdf":
        path = out / f"{stem}-{template.name}{'-' + sheet if sheet else ''}.pdf"
        images = (render_label(template, data, dpi) for data in labels)
        if sheet is not None:
            count = write_sheet_pdf(template, images, path, dpi, sheet_layout(sheet), skip)
        else:
            count = write_label_pdf(images, path, dpi)
        return RenderResult((path,), count)
    path = out / f"{stem}-{template.name}.zpl"
    with path.open("w", encoding="utf-8", newline="") as handle:
        for chunk in zpl_labels(template, labels, dpi, zpl_raster):
            handle.write(chunk)
    return RenderResult((path,), len(labels))


def zpl_labels(
    template: Template, labels: list[LabelData], dpi: int, raster: bool = False
) -> Iterator[str]:
    """One ``^XA..^XZ`` per label, native or as a raster graphic."""
    if raster:
        for data in labels:
            yield raster_label(render_label(template, data, dpi))
        return
    compiled = compile_template(template, dpi)
    for data in labels:
        yield compiled.label(data)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)[:40] or "label"
