"""Render a batch's labels to files: the service behind ``batchlabel render``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from batchlabel import validation
from batchlabel.errors import InputError
from batchlabel.labels.data import DEFAULT_RESOLVER, LabelData, label_data
from batchlabel.labels.templates import Template
from batchlabel.models import Batch, UnitState
from batchlabel.outputs import ensure_folder, file_stem, new_file
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
from batchlabel.validation import MAX_COPIES

FORMATS = ("png", "pdf", "zpl")


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
    copies = validation.count(copies, "copies", MAX_COPIES)
    if template.per == "carton":
        raise InputError(
            f"Template '{template.name}' is a carton's label; print it for a carton.",
            needs="carton_label",
        )
    if template.per == "batch":
        return [label_data(product, batch, None, resolver)] * copies
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
    validation.count(len(units) * copies, "labels in one go")
    return [label_data(product, batch, u.serial, resolver) for u in units for _ in range(copies)]


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
    ensure_folder(out)
    first = labels[0]
    stem = file_stem(first.sscc or first.carton or first.lot or "labels")
    # Every file is new (a second render of the same lot never replaces the first) and
    # written whole: a full disk leaves no half or empty file behind.
    if fmt == "png":
        files = []
        for number, data in enumerate(labels, start=1):
            name = f"{stem}-{number:05d}-{file_stem(data.serial or ('carton' if data.contents else 'batch'))}.png"
            with new_file(out / name) as png:
                image = render_label(template, data, dpi)
                image.save(png.handle, format="PNG", dpi=(dpi, dpi), compress_level=1)
            files.append(png.path)
        return RenderResult(tuple(files), len(labels))
    if fmt == "pdf":
        name = f"{stem}-{file_stem(template.name)}{'-' + sheet if sheet else ''}.pdf"
        images = (render_label(template, data, dpi) for data in labels)
        with new_file(out / name) as pdf:
            if sheet is not None:
                layout = sheet_layout(sheet)
                count = write_sheet_pdf(template, images, pdf.handle, dpi, layout, skip)
            else:
                count = write_label_pdf(images, pdf.handle, dpi)
        return RenderResult((pdf.path,), count)
    with new_file(out / f"{stem}-{file_stem(template.name)}.zpl") as zpl:
        for chunk in zpl_labels(template, labels, dpi, zpl_raster):
            zpl.handle.write(chunk.encode("utf-8"))
    return RenderResult((zpl.path,), len(labels))


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
