"""PDFs of issued revisions in UN document style, made by WeasyPrint.

Three documents per revision: the revision itself (cover letter, then the annex), a redline
against the previous revision, and the compilation of the proposals made against it.

Safety: WeasyPrint's default fetcher reads local files and calls any address. Ours serves
only the project's own files under ``static/pdf/`` and refuses everything else (http(s),
other files, data: URLs); user text is escaped by the templates, so
it never becomes markup.
Determinism: no wall-clock date (the revision's issue date is used), a fixed PDF identifier
(from the revision's content hash): the same revision always gives the same bytes. A
compilation is of a moment: it says "as of" when, and is stored once per content (see
``services.exports``).
"""

import gc
import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pydyf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from drafting import selectors
from drafting.models import PRIVATE_STATUSES, FileKind, Meeting, Revision
from drafting.render import presenters
from drafting.render.enums import TEMPLATE_ENUMS
from drafting.render.rendering import tree_steps
from drafting.text import redline
from drafting.text import snapshot as snapshots
from drafting.text.places import places
from drafting.web import time_zones

PDF_ASSETS = Path(settings.BASE_DIR) / "static" / "pdf"
PDF_VARIANT = "pdf/ua-1"  # tagged, accessible; the title and language go in the metadata
KINDS = tuple(FileKind.values)

logger = logging.getLogger(__name__)


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's ``PDF.page_references``, built once per page count rather than at every read.

    pydyf builds the tuple of every page's reference each time it is read, and WeasyPrint's
    PDF/UA tagging reads it for every tagged box: boxes times pages, so the time per page of a
    tagged PDF grew with its length (a sixth of a 160-page render). Pages are only ever
    appended, so the tuple is built again only when their number changes. Same bytes out.
    """
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references_cache")
    if cached is None or cached[0] is not kids or cached[1] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        cached = (kids, len(kids), references)
        pdf.__dict__["_page_references_cache"] = cached
    return cached[2]


pydyf.PDF.page_references = property(_page_references)


class StaticOnlyFetcher(URLFetcher):
    """Serves files under ``static/pdf/`` from disk and refuses every other URL.

    A refusal is a ``ValueError``: WeasyPrint skips that resource with a warning. The refused
    URLs are kept in ``refused`` (tests read it).
    """

    def __init__(self, root: Path = PDF_ASSETS) -> None:
        super().__init__(allowed_protocols=("file",))
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if (
            path is None
            or parts.netloc not in {"", "localhost"}
            or not path.is_relative_to(self.root)
            or not path.is_file()
        ):
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:200]!r}: only the project's own PDF assets")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@dataclass
class RenderedPdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _context(meeting: Meeting, revision: Revision) -> dict:
    issued = timezone.localtime(revision.issued_at)
    return {
        **TEMPLATE_ENUMS,  # rendered without a request, so without the context processor
        "meeting": meeting,
        "revision": revision,
        "issued_date": issued.date(),
        "issued_iso": issued.isoformat(),
        # As published: deleted elements left out, the rest numbered again (clean_snapshot).
        "document_view": presenters.present(snapshots.clean_snapshot(revision.snapshot)),
        **_letter_parts(revision.cover_letter),
    }


def _letter_parts(cover_letter: str) -> dict:
    """Paragraphs of the letter; a closing "To: ..." line goes below the signature."""
    paragraphs = [p.strip() for p in cover_letter.split("\n\n") if p.strip()]
    addressees = paragraphs.pop() if paragraphs and paragraphs[-1].startswith("To:") else ""
    return {"cover_paragraphs": paragraphs, "addressees": addressees}


def revision_html(meeting: Meeting, revision: Revision) -> str:
    context = _context(meeting, revision)
    context["annex_steps"] = tree_steps(context["document_view"].elements)
    return render_to_string("pdf/revision.html", context)


def redline_html(meeting: Meeting, revision: Revision) -> str:
    previous = (
        Revision.objects.filter(document_id=revision.document_id, number__lt=revision.number)
        .order_by("-number")
        .first()
    )
    return redline_against(meeting, revision, previous)


def redline_against(meeting: Meeting, revision: Revision, previous: Revision | None) -> str:
    """The redline's HTML: ``revision`` against ``previous`` (None: an empty document)."""
    context = _context(meeting, revision)
    context["previous"] = previous
    context["redline"] = redline.compare(
        snapshots.clean_tree(previous.snapshot["elements"]) if previous else [],
        snapshots.clean_tree(revision.snapshot["elements"]),
    )
    return render_to_string("pdf/redline.html", context)


def compilation_html(meeting: Meeting, revision: Revision, as_of: datetime | None = None) -> str:
    """The compilation of proposals made against ``revision`` as they stand at ``as_of``
    (now when not given), stamped with that moment (shown in the meeting's time zone)."""
    proposals = [
        p
        for p in selectors.proposals_queryset()
        .filter(document_id=revision.document_id, base_revision=revision)
        .exclude(status__in=PRIVATE_STATUSES)  # a draft's words are its delegation's alone
        .select_related("decision_reply__delegation")
        .order_by("submitted_at", "id")
    ]
    selectors.attach_replies(proposals)
    context = _context(meeting, revision)
    # Where each proposal sits in the revision it was made against, as the PDF prints it.
    where = places(snapshots.clean_snapshot(revision.snapshot)["elements"])
    for proposal in proposals:
        proposal.place = where.get(proposal.element_id)
    rows, _per_item = presenters.compile_rows(context["document_view"], proposals)
    # The rows with proposals, under the headings of what they sit in.
    context["rows"] = presenters.rows_in_context(rows)
    # What it lists: a proposal on an element the revision left out (deleted) has no row.
    context["total"] = sum(len(row.proposals) for row in context["rows"])
    context["as_of"] = as_of or timezone.now()
    context["time_zone_label"] = time_zones.zone_label(meeting.time_zone)
    return render_to_string("pdf/compilation.html", context)


BUILDERS: dict[str, Callable[[Meeting, Revision], str]] = {
    FileKind.REVISION: revision_html,
    FileKind.REDLINE: redline_html,
    FileKind.COMPILATION: compilation_html,
}


def page_html(
    meeting: Meeting, revision: Revision, kind: str, *, as_of: datetime | None = None
) -> str:
    """One of the PDFs' HTML, in English, its times in the meeting's time zone; ``as_of``
    stamps a compilation."""
    with translation.override("en"), timezone.override(ZoneInfo(meeting.time_zone)):
        if kind == FileKind.COMPILATION:
            return compilation_html(meeting, revision, as_of)
        return BUILDERS[kind](meeting, revision)


def render_pdf(
    meeting: Meeting,
    revision: Revision,
    kind: str = FileKind.REVISION,
    *,
    fetcher: StaticOnlyFetcher | None = None,
) -> RenderedPdf:
    """Lay out and write one PDF of an issued revision; same revision, same bytes (a
    compilation shows the proposals as they stand, stamped with the moment)."""
    return pdf_from_html(
        page_html(meeting, revision, kind), pdf_identifier(revision, kind), fetcher
    )


def pdf_identifier(revision: Revision, kind: str, content_key: str = "") -> bytes:
    """The PDF's fixed identifier: from the revision's content hash, the kind of PDF and,
    for a compilation, the digest of what it shows."""
    name = f"{revision.content_hash}:{kind}" + (f":{content_key}" if content_key else "")
    return (
        hashlib.md5(  # noqa: S324 - an identifier, not a security measure
            name.encode()
        )
        .hexdigest()
        .encode()
    )


def pdf_from_html(
    html: str, identifier: bytes, fetcher: StaticOnlyFetcher | None = None
) -> RenderedPdf:
    """Lay out and write one of our PDF templates' HTML (the assets: ``static/pdf/`` only)."""
    with _cyclic_gc_paused():
        return _write(html, identifier, fetcher or StaticOnlyFetcher())


def _write(html: str, identifier: bytes, fetcher: StaticOnlyFetcher) -> RenderedPdf:
    document = HTML(string=html, base_url=PDF_ASSETS.as_uri() + "/", url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT
    )
    content = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
    return RenderedPdf(content=content, pages=len(document.pages))


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while WeasyPrint works; one collection of its cycles after.

    A render keeps hundreds of thousands of objects alive until it ends (parsed tree, computed
    styles, boxes: the styles and the tree hold reference cycles), so each full collection
    during it walks them all and finds nothing, and there are more of those the longer the
    document: an eighth of a 280-page render. Reference counting still frees everything else
    at once; the cycles, all made during the render, are collected by one young-generation
    pass when it is done (so the worker gives the memory back).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def file_name(revision: Revision, kind: str, *, as_of: datetime | None = None) -> str:
    """A sensible download name, e.g. A-CONF.192-BMS-2021-WP.1-Rev.1-redline.pdf; a
    compilation's says as of when, e.g. ...-Rev.1-compilation-2021-07-27-1402.pdf"""
    base = revision.symbol.replace("/", "-")
    if kind == FileKind.REVISION:
        return f"{base}.pdf"
    if as_of is not None:
        return f"{base}-{kind}-{timezone.localtime(as_of):%Y-%m-%d-%H%M}.pdf"
    return f"{base}-{kind}.pdf"
