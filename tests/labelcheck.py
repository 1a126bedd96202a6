"""Independent readers for rendered labels: zxing-cpp for images, pypdfium2 for PDF pages,
and zebrash (npm zpl-renderer-js) for ZPL."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image

NODE_TOOLS = Path(__file__).parent / "node"


def decode(image: Image.Image) -> list[tuple[str, str, bytes]]:
    """(format, symbology identifier, raw bytes) of every symbol found."""
    return sorted(
        (r.format.name, r.symbology_identifier, r.bytes) for r in zxingcpp.read_barcodes(image)
    )


def pdf_pages(path: Path, dpi: int) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(path)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def render_zpl(zpl: str, width_mm: float, height_mm: float, dpmm: int = 8) -> list[Image.Image]:
    """Render ZPL with zebrash; one image per ^XA..^XZ."""
    node = shutil.which("node")
    assert node, "node is required for the ZPL checks (scripts/test.sh installs the tools)"
    assert (NODE_TOOLS / "node_modules" / "zpl-renderer-js").is_dir(), (
        "run: cd tests/node && npm ci"
    )
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "label"
        done = subprocess.run(
            [
                node,
                str(NODE_TOOLS / "render-zpl.mjs"),
                str(width_mm),
                str(height_mm),
                str(dpmm),
                str(prefix),
            ],
            input=zpl,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        count = int(done.stdout.strip())
        images = []
        for index in range(count):
            with Image.open(f"{prefix}-{index}.png") as image:
                images.append(image.convert("L"))
        return images
