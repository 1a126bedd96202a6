"""The batch transparency report: what a maker publishes or hands to a retailer.

It holds only what may be shown outside the workshop: no private notes, customers, users or
stations, and a material's supplier and origin only when the material lot is marked public.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchlabel import validation
from batchlabel.documents import render_html
from batchlabel.fonts import font_file
from batchlabel.models import Batch, BatchStatus, Product, UnitState
from batchlabel.outputs import atomic_binary_file, atomic_text_file
from batchlabel.services.quality import ComplaintOutcome, latest_results, recipe_for
from batchlabel.store import Store

FORMATS = ("md", "html", "pdf")


@dataclass
class BatchReport:
    product: Product
    batch: Batch
    quantities: dict[str, int]
    steps: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    history: list[dict[str, Any]]
    complaints: ComplaintOutcome
    made_at: str

    @property
    def title(self) -> str:
        return f"Batch {self.batch.lot}: {self.product.name}"

    def facts(self) -> list[tuple[str, str]]:
        b, p = self.batch, self.product
        return [
            ("Product", f"{p.name} ({p.sku})"),
            ("GTIN", p.gtin or "none"),
            ("Lot", b.lot),
            ("QA status", b.status.replace("_", " ")),
            ("Made on", b.made_on.isoformat()),
            ("Best before", b.best_before.isoformat() if b.best_before else "none"),
            ("Complaints", f"{self.complaints.count}" + (" (flagged for QA review)" if self.complaints.needs_review else "")),
        ]  # fmt: skip


def build_report(store: Store, batch: Batch) -> BatchReport:
    product = store.product_by_id(batch.product_id)
    counts = store.unit_counts(batch)
    shipped = sum(r["units"] for r in store.distribution([batch.id]) if r["shipment"])
    recipe = recipe_for(store, batch.product_id)
    done = store.steps(batch)
    done_names = {s.step for s in done}
    steps: list[dict[str, Any]] = [
        {"step": s.step, "at": s.at[:16].replace("T", " "), "notes": s.notes} for s in done
    ]
    steps += [
        {"step": s, "at": None, "notes": "not recorded"}
        for s in recipe.steps
        if s not in done_names
    ]
    materials = []
    for item in store.inputs_of(store.upstream_batch_ids(batch)):
        if item.material is not None:
            m = item.material
            materials.append({
                "kind": m.kind,
                "lot": m.lot if m.public else "",
                "supplier": m.supplier if m.public else "",
                "origin": m.origin if m.public else "not published",
                "quantity": f"{item.quantity:g} {item.unit or ''}".strip() if item.quantity else "",
            })  # fmt: skip
        elif item.input_batch is not None and item.batch_id == batch.id:
            materials.append({
                "kind": f"batch of {item.input_batch.sku}", "lot": item.input_batch.lot,
                "supplier": "made here", "origin": "", "quantity": "",
            })  # fmt: skip
    results = latest_results(store, batch)
    checks = []
    for check in recipe.checks:
        r = results.get(check.name)
        checks.append({
            "check": check.description or check.name,
            "limits": check.limits,
            "value": "" if r is None or r.value is None else f"{r.value:g} {check.unit}".strip(),
            "result": "not checked" if r is None else ("pass" if r.passed else "FAIL"),
            "at": "" if r is None else r.at[:10],
        })  # fmt: skip
    history = [
        {"at": e.at[:16].replace("T", " "), "from": e.detail.get("from"), "to": e.detail.get("to"),
         "reason": e.detail.get("reason") or ""}
        for e in store.events(batch, limit=100_000, kind="status_changed")
    ]  # fmt: skip
    quantities = {
        "planned": batch.planned_quantity,
        "produced": sum(counts.values()) - counts.get(UnitState.VOIDED, 0),
        "printed": counts.get(UnitState.PRINTED, 0),
        "voided": counts.get(UnitState.VOIDED, 0),
        "shipped": shipped,
    }
    complaints = ComplaintOutcome(
        store.complaint_counts([batch.id]).get(batch.id, 0), recipe.complaint_threshold
    )
    return BatchReport(
        product, batch, quantities, steps, materials, checks, history, complaints,
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )  # fmt: skip


# -- writers ------------------------------------------------------------------------------


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]()|~])")


def _md_cell(value: Any) -> str:
    """Text people typed, shown as typed wherever the markdown is rendered: HTML in a name
    stays text (never live HTML), and markdown punctuation cannot make links or emphasis."""
    text = validation.shown(str(value if value is not None else "").replace("\n", " "))
    return html.escape(_MARKDOWN_PUNCTUATION.sub(r"\\\1", text), quote=False)


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def report_markdown(report: BatchReport) -> str:
    lines = [f"# {_md_cell(report.title)}", ""]
    if report.batch.status == BatchStatus.RECALLED:
        lines += ["**RECALLED**: this batch was recalled; do not sell or use its items.", ""]
    lines += _md_table(["", ""], [list(f) for f in report.facts()])
    lines += [
        "## Quantities",
        "",
        *_md_table([k.capitalize() for k in report.quantities], [list(report.quantities.values())]),
    ]
    sections = (
        ("Steps", ["Step", "When (UTC)", "Notes"], [[s["step"], s["at"] or "", s["notes"]] for s in report.steps]),
        ("Materials", ["Material", "Lot", "Supplier", "Origin", "Used"],
         [[m["kind"], m["lot"], m["supplier"], m["origin"], m["quantity"]] for m in report.materials]),
        ("QA results", ["Check", "Limits", "Value", "Result", "Date"],
         [[c["check"], c["limits"], c["value"], c["result"], c["at"]] for c in report.checks]),
        ("Status history", ["When (UTC)", "From", "To", "Reason"],
         [[h["at"], h["from"], h["to"], h["reason"]] for h in report.history]),
    )  # fmt: skip
    for title, header, rows in sections:
        lines += [f"## {title}", ""]
        lines += _md_table(header, rows) if rows else ["None recorded.", ""]
    lines.append(f"_Report made {report.made_at}._")
    return "\n".join(lines) + "\n"


def report_html(report: BatchReport) -> str:
    return render_html("report.html", report=report)


def write_report_pdf(report: BatchReport, path: Path) -> None:
    from fpdf import FPDF  # imported here: only the PDF report needs it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font_file()))
    pdf.add_font("DejaVu", "B", str(font_file(bold=True)))
    pdf.set_title(report.title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    if report.batch.status == BatchStatus.RECALLED:
        pdf.set_fill_color(176, 0, 32)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 8, "RECALLED: this batch was recalled; do not sell or use its items.",
                       fill=True, new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 10)
    _pdf_table(pdf, None, [list(f) for f in report.facts()])
    _pdf_section(pdf, "Quantities", [k.capitalize() for k in report.quantities],
                 [[str(v) for v in report.quantities.values()]])  # fmt: skip
    _pdf_section(pdf, "Steps", ["Step", "When (UTC)", "Notes"],
                 [[s["step"], s["at"] or "", s["notes"]] for s in report.steps])  # fmt: skip
    _pdf_section(pdf, "Materials", ["Material", "Lot", "Supplier", "Origin", "Used"],
                 [[m["kind"], m["lot"], m["supplier"], m["origin"], m["quantity"]] for m in report.materials])  # fmt: skip
    _pdf_section(pdf, "QA results", ["Check", "Limits", "Value", "Result", "Date"],
                 [[c["check"], c["limits"], c["value"], c["result"], c["at"]] for c in report.checks])  # fmt: skip
    _pdf_section(pdf, "Status history", ["When (UTC)", "From", "To", "Reason"],
                 [[h["at"], h["from"] or "", h["to"] or "", h["reason"]] for h in report.history])  # fmt: skip
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 5, f"Report made {report.made_at}.")
    with atomic_binary_file(path) as handle:
        handle.write(bytes(pdf.output()))


def _pdf_section(pdf: Any, title: str, header: list[str], rows: list[list[str]]) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    if rows:
        _pdf_table(pdf, header, rows)
    else:
        pdf.cell(0, 6, "None recorded.", new_x="LMARGIN", new_y="NEXT")


def _pdf_table(pdf: Any, header: list[str] | None, rows: list[list[str]]) -> None:
    with pdf.table(first_row_as_headings=header is not None, line_height=5.5) as table:
        for row in [header, *rows] if header else rows:
            cells = table.row()
            for value in row:
                cells.cell(str(value))


def write_report(report: BatchReport, fmt: str, path: Path) -> None:
    if fmt == "pdf":
        write_report_pdf(report, path)
        return
    text = report_markdown(report) if fmt == "md" else report_html(report)
    with atomic_text_file(path) as handle:
        handle.write(text)
