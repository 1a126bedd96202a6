"""Labels per second for the small item label at 203 dpi, 1,000 distinct serials, through the
whole path (template, data, escaping, encoding, output), beside what a user would use instead."""

from __future__ import annotations

import importlib
import io
import tempfile
import time
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from batchlabel.codes.gs1 import digital_link
from batchlabel.labels.data import LabelData
from batchlabel.labels.templates import find_template
from batchlabel.render import compile_template, raster_label, render_label, write_label_pdf
from batchlabel.render.bitmaps import epl2_label, tspl_label
from batchlabel.render.brother import brother_raster, media
from batchlabel.render.text import font_path
from batchlabel.services.printing import CHUNK
from bench.common import Figure

COUNT = 1_000
DPI = 203
GTIN = "09506000134352"


def labels(count: int = COUNT, series: str = "K") -> list[LabelData]:
    """A batch's labels. Each timed run of ours gets its own ``series`` of serials: a job's
    serials never repeat, so no run may find the text and symbols of an earlier one cached."""
    return [
        LabelData(
            "COL-M",
            "Leather dog collar, size M",
            "",
            GTIN,
            "2648-01",
            f"{series}{n:07d}",
            date(2026, 11, 23),
            date(2028, 11, 22),
            digital_link("https://id.example.com", GTIN, "2648-01", f"{series}{n:07d}"),
        )
        for n in range(count)
    ]


def rate(seconds: float, count: int = COUNT) -> float:
    return count / seconds


def png_batchlabel(data: list[LabelData]) -> float:
    template = find_template("item-50x30")
    start = time.perf_counter()
    for d in data:
        buffer = io.BytesIO()
        render_label(template, d, DPI).save(buffer, "PNG", compress_level=1)
    return rate(time.perf_counter() - start)


def png_naive(data: list[LabelData]) -> float:
    """python-barcode + qrcode + Pillow, as the tutorials do it."""
    import barcode
    import qrcode
    from barcode.writer import ImageWriter

    face = ImageFont.truetype(font_path(False), 21)
    start = time.perf_counter()
    for d in data:
        label = Image.new("1", (400, 240), 1)
        draw = ImageDraw.Draw(label)
        draw.text((16, 16), d.product_name, font=face, fill=0)
        draw.text((16, 96), f"Lot {d.lot}", font=face, fill=0)
        draw.text((16, 132), f"SN {d.serial}", font=face, fill=0)
        qr = qrcode.make(d.public_url, box_size=3, border=4)
        label.paste(qr.get_image().convert("1"), (240, 40))
        code = barcode.get("code128", f"{d.lot}{d.serial}", writer=ImageWriter())
        code.render({"module_width": 0.25, "module_height": 5, "write_text": False, "dpi": DPI})
        buffer = io.BytesIO()
        label.save(buffer, "PNG")
    return rate(time.perf_counter() - start)


def pdf_batchlabel(data: list[LabelData], folder: Path) -> float:
    template = find_template("item-50x30")
    start = time.perf_counter()
    write_label_pdf((render_label(template, d, DPI) for d in data), folder / "labels.pdf", DPI)
    return rate(time.perf_counter() - start)


def pdf_blabel(data: list[LabelData], folder: Path) -> float | None:
    try:
        from blabel import LabelWriter
    except Exception:
        return None
    html = folder / "item.html"
    css = folder / "item.css"
    html.write_text(
        "<div>{{ name }}</div><div>Lot {{ lot }}</div><div>SN {{ serial }}</div>"
        '<img src="{{ label_tools.qr_code(url) }}"/>'
        "<img src=\"{{ label_tools.barcode(code, barcode_type='code128') }}\"/>"
    )
    css.write_text("@page { width: 50mm; height: 30mm; padding: 1mm; } img { height: 12mm; }")
    writer = LabelWriter(str(html), default_stylesheets=(str(css),))
    subset = data[:100]  # blabel is slow; scaled from 100 labels
    records = [
        dict(
            name=d.product_name,
            lot=d.lot,
            serial=d.serial,
            url=d.public_url,
            code=f"{d.lot}{d.serial}",
        )
        for d in subset
    ]
    start = time.perf_counter()
    writer.write_labels(records, target=str(folder / "blabel.pdf"))
    return rate(time.perf_counter() - start, len(subset))


def zpl_native(data: list[LabelData]) -> tuple[float, float]:
    compiled = compile_template(find_template("item-50x30"), DPI)
    many = labels(20 * COUNT)  # 20,000 distinct serials: long enough to time, no cache hits
    start = time.perf_counter()
    size = 0
    for d in many:
        size += len(compiled.label(d).encode())
    return rate(time.perf_counter() - start, len(many)), size / len(many)


def zpl_raster(data: list[LabelData]) -> tuple[float, float]:
    template = find_template("item-50x30")
    start = time.perf_counter()
    size = 0
    for d in data:
        size += len(raster_label(render_label(template, d, DPI)))
    return rate(time.perf_counter() - start), size / len(data)


def zpl_zebrafy(data: list[LabelData]) -> tuple[float, float] | None:
    """zebrafy converting the same rendered images (its own part only, so it is favoured)."""
    try:
        ZebrafyImage = importlib.import_module("zebrafy").ZebrafyImage  # a peer, untyped
    except Exception:
        return None
    template = find_template("item-50x30")
    images = [render_label(template, d, DPI) for d in data]
    start = time.perf_counter()
    size = 0
    for image in images:
        size += len(ZebrafyImage(image, format="Z64", invert=True).to_zpl())
    return rate(time.perf_counter() - start), size / len(images)


def bitmap_languages(data: list[LabelData]) -> dict[str, tuple[float, float, float]]:
    """TSPL and EPL2, render included: labels/s, bytes/label, and the bare bitmap's bytes."""
    template = find_template("item-50x30")
    out = {}
    for name, encode in (
        ("TSPL", lambda image: tspl_label(image, template.width_mm, template.height_mm)),
        ("EPL2", epl2_label),
    ):
        data = labels(len(data), series=name[0])
        start = time.perf_counter()
        size = bare = 0
        for d in data:
            image = render_label(template, d, DPI)
            size += len(encode(image))
            bare += (image.width + 7) // 8 * image.height
        out[name] = (rate(time.perf_counter() - start), size / len(data), bare / len(data))
    return out


def brother(data: list[LabelData]) -> tuple[float, float, float] | None:
    """Brother QL on 62 mm tape at 300 dpi: ours (render included) and brother-ql-next's own
    conversion of the same rendered images (the peer, favoured: no rendering)."""
    try:
        from brother_ql.conversion import convert
        from brother_ql.raster import BrotherQLRaster
    except ImportError:
        return None
    template = find_template("item-50x30")
    medium = media("62")
    start = time.perf_counter()
    size = 0
    for first in range(0, len(data), CHUNK):  # a job's chunk of labels at a time, as printed
        images = [render_label(template, d, 300) for d in data[first : first + CHUNK]]
        size += len(brother_raster(images, medium, False))
    ours = rate(time.perf_counter() - start)
    images = []
    # Already on the tape's printable width, so the peer has no resizing to do; one image a
    # call, its quickest (its job output grows by copying, so a chunk a call is far slower).
    for d in data:
        page = Image.new("L", (medium.width_dots, 354), 255)
        page.paste(render_label(template, d, 300).convert("L"), (52, 0))
        images.append(page)
    start = time.perf_counter()
    for image in images:
        convert(
            qlr=BrotherQLRaster("QL-820NWB"), images=[image], label="62", rotate="0",
            threshold=70, dither=False, compress=False, red=False, dpi_600=False, hq=True, cut=True,
        )  # fmt: skip
    return ours, size / len(data), rate(time.perf_counter() - start)


def run() -> list[Figure]:
    data = labels()
    figures: list[Figure] = []
    ours_png = png_batchlabel(data)
    naive = png_naive(data)
    figures.append(
        Figure(
            "PNG item label: batchlabel",
            ours_png,
            "labels/s",
            ">= 5x naive",
            f"{ours_png / naive:.1f}x naive",
        )
    )
    figures.append(Figure("PNG: python-barcode + qrcode + Pillow (peer)", naive, "labels/s"))
    with tempfile.TemporaryDirectory() as folder:
        ours_pdf = pdf_batchlabel(labels(series="P"), Path(folder))
        blabel = pdf_blabel(data, Path(folder))
    note = f"{ours_pdf / blabel:.0f}x blabel" if blabel else "blabel not installed"
    figures.append(
        Figure(
            "PDF, one file of 1,000 pages: batchlabel", ours_pdf, "labels/s", ">= 20x blabel", note
        )
    )
    if blabel:
        figures.append(Figure("PDF: blabel / WeasyPrint (peer)", blabel, "labels/s"))
    native, native_bytes = zpl_native(labels(series="Z"))
    figures.append(
        Figure(
            "ZPL native: batchlabel",
            native,
            "labels/s",
            ">= 50,000",
            f"{native_bytes:.0f} bytes/label (goal <= 400)",
        )
    )
    raster, raster_bytes = zpl_raster(labels(series="R"))
    zebrafy = zpl_zebrafy(data)
    figures.append(
        Figure(
            "ZPL raster (^GFA Z64), render included: batchlabel",
            raster,
            "labels/s",
            ">= zebrafy",
            f"{raster_bytes:.0f} bytes/label",
        )
    )
    if zebrafy:
        figures.append(
            Figure(
                "ZPL raster: zebrafy, conversion only (peer)",
                zebrafy[0],
                "labels/s",
                "",
                f"{zebrafy[1]:.0f} bytes/label",
            )
        )
    ql = brother(labels(series="B"))
    if ql is not None:
        figures.append(
            Figure("Brother QL raster, 62 mm at 300 dpi, render included: batchlabel", ql[0],
                   "labels/s", ">= 1,000", f"{ql[1]:.0f} bytes/label")
        )  # fmt: skip
        figures.append(
            Figure("Brother QL: brother-ql-next's conversion alone (peer)", ql[2], "labels/s")
        )
    for name, (speed, size, bare) in bitmap_languages(data).items():
        figures.append(
            Figure(
                f"{name} bitmap, render included: batchlabel",
                speed,
                "labels/s",
                ">= 1,000",
                f"{size:.0f} bytes/label, {size / bare - 1:+.1%} on the bare bitmap (goal <= 5%)",
            )
        )
    return figures
