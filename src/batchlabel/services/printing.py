"""Print jobs that never lose or double a label: the service behind ``batchlabel print``.

Labels go out in chunks. Before a chunk's bytes leave, its labels are committed as 'sent'
(their bytes may reach the printer from then on); after the whole job the printer's status is
asked, and a ready printer confirms them. A break leaves each label plainly in one state:
confirmed, sent (uncertain: reprint explicitly), or pending (``--resume`` sends these).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from PIL import Image, ImageDraw

from batchlabel import validation
from batchlabel.codes.serial_formats import parse_format
from batchlabel.errors import (
    BatchlabelError,
    ConflictError,
    InputError,
    PrinterError,
    PrinterNotSent,
)
from batchlabel.labels.data import DEFAULT_RESOLVER, LabelData, label_data
from batchlabel.labels.templates import Template
from batchlabel.models import Actor, Batch, BatchStatus, LabelState, Unit, UnitState
from batchlabel.printers import Printer, open_printer
from batchlabel.render import compile_template, render_label, write_label_pdf
from batchlabel.render.bitmaps import epl2_label, tspl_label
from batchlabel.render.brother import (
    BROTHER_DPI,
    DEFAULT_MODEL,
    Media,
    brother_raster,
    check_media,
    check_model,
    media,
)
from batchlabel.render.geometry import dots
from batchlabel.render.zpl import CompiledZpl
from batchlabel.store import Store
from batchlabel.store.print_jobs import PrintJob
from batchlabel.validation import MAX_COPIES

CHUNK = 200
Progress = Callable[[int], None]


class JobInterrupted(PrinterError):
    """A job broke part-way; the message says which labels are in which state."""

    def __init__(self, message: str, job: PrintJob) -> None:
        super().__init__(message, needs="resume_or_reprint", job=str(job.id))
        self.job = job


@dataclass(frozen=True)
class PrintOutcome:
    """How a run of a job ended: ``confirmed`` when the printer said it was ready afterwards.
    ``sent`` and ``confirmed_labels`` count this run's labels only; the job's own counts say
    where every label of it stands (labels left uncertain by an earlier run stay so)."""

    job: PrintJob
    confirmed: bool
    note: str = ""
    sent: int = 0
    confirmed_labels: int = 0


def saved_printer(store: Store, name: str) -> tuple[str, int] | None:
    """A saved printer's address for a job (its language and media ride in it) and dpi."""
    saved = store.printer(name)
    if saved is None:
        return None
    return with_language(str(saved["uri"]), str(saved["language"]), saved.get("media")), int(
        saved["dpi"]
    )


def check_printer(address: str, dpi: int) -> Media | None:
    """Refuse a printer address that cannot work (and a Brother QL not at its 300 dpi);
    answers the Brother media, None for other printers."""
    open_printer(address).close()
    medium = brother_media(address)
    if medium is not None and dpi != BROTHER_DPI:
        raise InputError(
            f"A Brother QL printer prints at {BROTHER_DPI} dpi, not {dpi}.", needs="brother_dpi"
        )
    return medium


def resolve_printer(store: Store, name_or_uri: str) -> tuple[str, int | None]:
    """A saved printer's URI and dpi, or the URI itself."""
    saved = saved_printer(store, name_or_uri)
    if saved is not None:
        return saved
    if "://" not in name_or_uri and name_or_uri != "-":
        names = ", ".join(str(p["name"]) for p in store.printers()) or "none yet"
        raise InputError(
            f"No printer named '{name_or_uri}' is saved (saved: {names}), and it is not a "
            "printer address.",
            needs="printer",
        )
    return name_or_uri, None


def with_language(uri: str, language: str, media: str | None = None) -> str:
    """The address a job keeps: the saved printer's language (and media) ride along in it,
    so a resume or a reprint speaks the same language to the printer."""
    extra = [] if language == "zpl" or "language=" in uri else [f"language={language}"]
    if media and "media=" not in uri:
        extra.append(f"media={media}")
    return _with_query(uri, *extra)


def _with_query(uri: str, *params: str) -> str:
    """``uri`` with ``params`` added to its query: how a saved printer's settings ride in
    the address a job keeps."""
    if not params:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}{'&'.join(params)}"


def with_model(uri: str, language: str, model: str | None) -> str:
    """A Brother QL's address naming its model (rows are 90 bytes on most, 162 on the
    wide QL-1100 family; the oldest take no mode switch): the raster is made for it."""
    if model is None:
        return uri
    if language != "brother-ql":
        raise InputError("Only Brother QL printers are told their model; leave out the model.")
    return _with_query(uri, f"model={check_model(model)}")


def brother_model(uri: str) -> str:
    """The Brother QL model of a printer's address (the QL-820NWB unless it names one)."""
    return parse_qs(urlparse(uri).query).get("model", [DEFAULT_MODEL])[0]


def with_cutting(uri: str, language: str, cut: str | None) -> str:
    """A Brother QL's address saying to cut once at the end of each job (``cut`` 'end')
    rather than after each label; other printers cut as their own settings say."""
    if cut is None or cut == "each":
        return uri
    if language != "brother-ql":
        raise InputError("Only Brother QL printers take a cutting choice; leave out the cut.")
    return _with_query(uri, "cut=end")


def with_status_over_snmp(uri: str, status: str | None) -> str:
    """A network printer's address saying to ask its state over SNMP (``status`` 'snmp'),
    for a printer that answers nothing on its print port, as many network Brother QLs do."""
    if status is None or status == "port":
        return uri
    if not uri.startswith("tcp://"):
        raise InputError("Only network (tcp://) printers are asked over SNMP.")
    return _with_query(uri, "status=snmp")


def cuts_each_label(uri: str) -> bool:
    """Whether the printer at ``uri`` cuts after each label (see :func:`with_cutting`)."""
    return parse_qs(urlparse(uri).query).get("cut", ["each"])[0] != "end"


def brother_media(uri: str) -> Media | None:
    """The media of a Brother QL printer's address (None for other languages); a Brother
    needs its media named, since labels are drawn for it."""
    query = parse_qs(urlparse(uri).query)
    if query.get("language", [""])[0] != "brother-ql":
        return None
    names = query.get("media")
    if not names:
        raise InputError(
            "A Brother QL printer needs the media it has loaded, such as 62 or 62x29.",
            needs="media",
        )
    return media(names[0])


def check_release(batch: Batch, override_reason: str | None) -> None:
    if batch.status in (BatchStatus.RECALLED, BatchStatus.REJECTED):
        raise ConflictError(f"Batch '{batch.lot}' is {batch.status}; its labels never print.")
    if batch.status != BatchStatus.RELEASED and not override_reason:
        raise ConflictError(
            f"Batch '{batch.lot}' is {batch.status}, not released, so its labels do not print "
            "unless someone records why.",
            needs="unreleased_reason",
        )


def prepare_resume(
    store: Store,
    job_id: int,
    template: Template,
    actor: Actor,
    printer_uri: str | None = None,
    resolver: str = DEFAULT_RESOLVER,
) -> PrintJob:
    """Check that a job can go on before any label is sent: its batch may still print (a
    recall since the break stops it), the printer's address works, the template still fits;
    a different printer is recorded with the job's history."""
    job = store.print_job(job_id)
    batch = store.batch_by_id(job.batch_id)
    check_release(batch, job.reason)
    uri = printer_uri or job.printer
    open_printer(uri).close()
    check_template_fits(store, batch, template, job.dpi, resolver)
    if printer_uri and printer_uri != job.printer:
        store.record_event("job_printer_changed", actor, batch, job=job.id, printer=printer_uri)
    return job


def check_template_fits(
    store: Store, batch: Batch, template: Template, dpi: int, resolver: str = DEFAULT_RESOLVER
) -> None:
    """Refuse a template this batch's labels cannot fill (a GS1 symbol for a product without
    a GTIN, a text that does not fit) before anything is recorded: one sample label is drawn
    with the longest serial the product's format makes."""
    product = store.product(batch.sku)
    sample = parse_format(product.serial_format).sample() if template.per == "unit" else None
    problem = _fit_problem(template, label_data(product, batch, sample, resolver), dpi)
    if problem is not None:  # a fresh error each time: a kept one would grow its traceback
        kind, message, needs, facts = problem
        raise kind(message, needs=needs, **facts)


@functools.lru_cache(maxsize=2048)
def _fit_problem(
    template: Template, data: LabelData, dpi: int
) -> tuple[type[BatchlabelError], str, str | None, dict[str, str]] | None:
    """What check_template_fits found, kept per template and label content (a batch's fields
    never change; a station page asks for every template on every visit)."""
    try:
        render_label(template, data, dpi)
    except BatchlabelError as error:
        return type(error), str(error), error.needs, dict(error.facts)
    return None


def start_job(
    store: Store,
    batch: Batch,
    template: Template,
    printer_uri: str,
    dpi: int,
    actor: Actor,
    serials: list[str] | None = None,
    count: int | None = None,
    copies: int = 1,
    allow_unreleased: str | None = None,
    kind: str = "print",
    units: list[Unit] | None = None,
    reprint_reason: str | None = None,
    resolver: str = DEFAULT_RESOLVER,
) -> int:
    """Record a job (allocating serials if asked) and return its id; nothing is sent yet.

    Everything that can be checked without a printer is checked first, so a request that
    cannot work records no job and allocates no serial."""
    if allow_unreleased is not None:
        allow_unreleased = validation.reason(allow_unreleased)
    if reprint_reason is not None or kind == "reprint":
        reprint_reason = validation.reason(reprint_reason)
    copies = validation.count(copies, "copies", MAX_COPIES)
    check_release(batch, allow_unreleased)
    medium = check_printer(printer_uri, dpi)  # an address that cannot work is refused here
    if medium is not None:
        check_media(template.name, template.width_mm, template.height_mm, medium)
    check_template_fits(store, batch, template, dpi, resolver)
    if template.per == "batch":
        return store.create_print_job(
            batch,
            template.name,
            printer_uri,
            dpi,
            None,
            max(1, copies),
            actor,
            kind,
            allow_unreleased,
        )
    if serials is not None and not serials:  # an empty list never means "the whole batch"
        raise InputError("No serial was named; name the serials to print.")
    if units is None:
        if serials:
            units = store.units_by_serials(batch, serials)
        elif count:  # new serials, allocated with the job in one write
            reason = allow_unreleased if batch.status != BatchStatus.RELEASED else None
            return store.create_print_job(
                batch, template.name, printer_uri, dpi, None, 0, actor, kind, reason, count
            )
        else:
            units = [u for u in store.units(batch) if u.state == UnitState.ALLOCATED]
    voided = [u.serial for u in units if u.state == UnitState.VOIDED]
    if voided:
        raise ConflictError(
            f"Serial {voided[0]} is voided; a voided serial never gets a label again."
        )
    if not units:
        raise InputError(f"Batch '{batch.lot}' has no unprinted serials.", needs="count")
    reason = allow_unreleased if batch.status != BatchStatus.RELEASED else None
    if kind == "reprint":
        reason = "; ".join(r for r in (reprint_reason, reason) if r)
    return store.create_print_job(
        batch, template.name, printer_uri, dpi, units, len(units), actor, kind, reason
    )


def run_job(
    store: Store,
    job_id: int,
    template: Template,
    actor: Actor,
    printer: Printer | None = None,
    resolver: str = DEFAULT_RESOLVER,
    progress: Progress | None = None,
    copies: int = 1,
) -> PrintOutcome:
    """Send every pending label of a job, then confirm with the printer's status."""
    job = store.print_job(job_id)
    if job.count(LabelState.PENDING) == 0:  # a resume with nothing left: the printer is not asked
        return PrintOutcome(job, True, "No label of this job was waiting to be sent.")
    batch = store.batch_by_id(job.batch_id)
    product = store.product(batch.sku)
    own_printer = printer is None
    printer = printer or open_printer(job.printer)
    compiled = compile_template(template, job.dpi) if printer.language == "zpl" else None
    medium = brother_media(job.printer)
    cut_each = cuts_each_label(job.printer)
    model = brother_model(job.printer)
    if medium is not None and job.count(LabelState.PENDING):
        loaded = printer.status()  # a media mismatch is said before a label is sent
        if loaded.reachable and loaded.media and loaded.media != medium.name:
            if own_printer:
                printer.close()
            raise _interrupted(
                store, job_id,
                f"The printer has {loaded.media} loaded and the job needs {medium.describe()}; "
                "load the right media, then resume.",
            )  # fmt: skip
    quantity = f"^PQ{copies}^XZ" if copies > 1 else "^XZ"
    # What this run sent, as spans of positions (only these can be confirmed now); a span
    # grows while labels follow one another, so memory stays flat for any job size.
    sent: list[tuple[int, int]] = []
    count = 0
    try:
        number, after = 0, -1
        # Pending labels are read a chunk at a time, so memory stays flat for any job size.
        while chunk := store.job_labels(job_id, LabelState.PENDING, after, CHUNK):
            number, after = number + 1, chunk[-1].position
            # Marked sent first, and only those still pending: a label voided meanwhile
            # stays voided and is not sent.
            positions = store.mark_labels(
                job_id, [label.position for label in chunk], LabelState.SENT, actor
            )
            going = set(positions)
            labels = [label for label in chunk if label.position in going]
            if not labels:
                continue
            try:
                datas = [label_data(product, batch, label.serial, resolver) for label in labels]
                payload = _payload(
                    template, datas, job.dpi, compiled, quantity, printer.language, copies,
                    medium, cut_each, model,
                )  # fmt: skip
            except BatchlabelError:
                store.mark_labels(job_id, positions, LabelState.PENDING, actor)  # nothing left
                raise
            try:
                printer.send(payload, name=f"job-{job_id}-{number:04d}")
            except PrinterError as error:
                if isinstance(error, PrinterNotSent):
                    # Not one byte left: these labels are certainly unprinted.
                    store.mark_labels(job_id, positions, LabelState.PENDING, actor)
                raise _interrupted(store, job_id, str(error)) from None
            count += len(positions)
            for position in positions:
                if sent and sent[-1][1] == position - 1:
                    sent[-1] = (sent[-1][0], position)
                else:
                    sent.append((position, position))
            if progress:
                progress(len(labels))
        status = printer.status()
        if status.ready:
            confirmed = store.confirm_sent(job_id, sent, actor)
            return PrintOutcome(
                store.print_job(job_id), True, sent=count, confirmed_labels=confirmed
            )
        return PrintOutcome(store.print_job(job_id), False, status.problem, sent=count)
    finally:
        if own_printer:
            printer.close()


def label_bytes(template: Template, datas: list[LabelData], dpi: int, address: str) -> bytes:
    """Labels outside a job (a carton's) in the language of the printer at ``address``."""
    language = open_printer_language(address)
    compiled = compile_template(template, dpi) if language == "zpl" else None
    return _payload(
        template, datas, dpi, compiled, "^XZ", language, 1, brother_media(address),
        cuts_each_label(address), brother_model(address),
    )  # fmt: skip


def test_label_bytes(address: str, dpi: int) -> bytes:
    """One test label (no serial, no job) in the language of the printer at ``address``:
    a printer must never be sent a language it does not speak."""
    language = open_printer_language(address)
    if language == "zpl":
        return b"^XA^CI28^FO40,40^A0N,40,40^FDbatchlabel test label^FS^XZ"
    medium = brother_media(address)
    if medium is not None:  # the printable width of the loaded media, 15 mm long if endless
        size = (medium.width_dots, medium.length_dots or dots(15, BROTHER_DPI))
    else:
        size = (dots(50, dpi), dots(30, dpi))
    image = Image.new("1", size, 1)
    ImageDraw.Draw(image).text((dots(3, dpi), dots(4, dpi)), "batchlabel test label", fill=0)
    if language == "tspl":
        return tspl_label(image, size[0] * 25.4 / dpi, size[1] * 25.4 / dpi)
    if language == "epl2":
        return epl2_label(image)
    if medium is not None:
        return brother_raster([image], medium, False, brother_model(address))
    buffer = io.BytesIO()
    write_label_pdf([image], buffer, dpi)
    return buffer.getvalue()


def open_printer_language(address: str) -> str:
    printer = open_printer(address)
    try:
        return printer.language
    finally:
        printer.close()


def _payload(
    template: Template,
    datas: list[LabelData],
    dpi: int,
    compiled: CompiledZpl | None,
    quantity: str,
    language: str = "zpl",
    copies: int = 1,
    medium: Media | None = None,
    cut_each: bool = True,
    model: str = DEFAULT_MODEL,
) -> bytes:
    """The bytes of a chunk of labels in the printer's language; raster languages get the
    label drawn once by the renderer at the printer's dpi, the preview dot for dot."""
    if compiled is not None:
        return "".join(compiled.label(d).replace("^XZ", quantity) for d in datas).encode()
    if language == "tspl":
        return b"".join(
            tspl_label(
                render_label(template, d, dpi), template.width_mm, template.height_mm, copies
            )
            for d in datas
        )
    if language == "epl2":
        return b"".join(epl2_label(render_label(template, d, dpi), copies) for d in datas)
    if language == "brother-ql" and medium is not None:
        turned = check_media(template.name, template.width_mm, template.height_mm, medium)
        images = [render_label(template, d, dpi) for d in datas for _ in range(copies)]
        return brother_raster(images, medium, turned, model, cut_each)
    buffer = io.BytesIO()
    write_label_pdf((render_label(template, d, dpi) for d in datas), buffer, dpi)
    return buffer.getvalue()


def _interrupted(store: Store, job_id: int, cause: str) -> JobInterrupted:
    """The error for a broken job, carrying the job as it stands now."""
    job = store.print_job(job_id)
    uncertain = store.job_serials(job_id, LabelState.SENT)
    message = (
        f"{cause} Job {job.id}: {job.count(LabelState.CONFIRMED)} confirmed, {len(uncertain)} uncertain"
        f" ({_list(uncertain)}), {job.count(LabelState.PENDING)} not sent. Check the printed labels."
    )
    return JobInterrupted(message, job)


def _list(serials: list[str], limit: int = 8) -> str:
    shown = ", ".join(serials[:limit])
    return (
        shown + (f" and {len(serials) - limit} more" if len(serials) > limit else "")
        if serials
        else "none"
    )


__all__ = [
    "BatchlabelError",
    "JobInterrupted",
    "PrintOutcome",
    "resolve_printer",
    "run_job",
    "start_job",
]
