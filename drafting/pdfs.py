"""PDFs of issued revisions in UN document style, made by WeasyPrint.

Three documents per revision: the revision itself (cover letter, then the annex), a redline
against the previous revision, and the compilation of the proposals made against it.

Safety: WeasyPrint's default fetcher reads local files and calls any address. Ours serves
only the project's own files under ``static/pdf/`` and refuses everything else (http(s),
other files, data: URLs); user text is escaped by the templates, so it never becomes markup.
Determinism: no wall-clock date (the revision's issue date is used), a fixed PDF identifier
(from the revision's content hash): the same revision always gives the same bytes.
"""

import hashlib
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from drafting import presenters, selectors
from drafting.models import Meeting, ProposalStatus, Revision
from drafting.text import redline

PDF_ASSETS = Path(settings.BASE_DIR) / "static" / "pdf"
PDF_VARIANT = "pdf/ua-1"  # tagged, accessible; the title and language go in the metadata
KINDS = ("revision", "redline", "compilation")

logger = logging.getLogger(__name__)


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
        "meeting": meeting,
        "revision": revision,
        "issued_date": issued.date(),
        "issued_iso": issued.isoformat(),
        "document_view": presenters.present(revision.snapshot),
        **_letter_parts(revision.cover_letter),
    }


def _letter_parts(cover_letter: str) -> dict:
    """Paragraphs of the letter; a closing "To: ..." line goes below the signature."""
    paragraphs = [p.strip() for p in cover_letter.split("\n\n") if p.strip()]
    addressees = paragraphs.pop() if paragraphs and paragraphs[-1].startswith("To:") else ""
    return {"cover_paragraphs": paragraphs, "addressees": addressees}


def revision_html(meeting: Meeting, revision: Revision) -> str:
    return render_to_string("pdf/revision.html", _context(meeting, revision))


def redline_html(meeting: Meeting, revision: Revision) -> str:
    previous = (
        Revision.objects.filter(document_id=revision.document_id, number__lt=revision.number)
        .order_by("-number")
        .first()
    )
    context = _context(meeting, revision)
    context["previous"] = previous
    context["redline"] = redline.compare(
        previous.snapshot["elements"] if previous else [], revision.snapshot["elements"]
    )
    return render_to_string("pdf/redline.html", context)


def compilation_html(meeting: Meeting, revision: Revision) -> str:
    proposals = [
        p
        for p in selectors.proposals_queryset()
        .filter(document_id=revision.document_id, base_revision=revision)
        .exclude(status=ProposalStatus.DRAFT)
        .order_by("submitted_at", "id")
    ]
    document_view = presenters.present(revision.snapshot)
    rows, _per_item = presenters.compile_rows(document_view, proposals)
    context = _context(meeting, revision)
    context["rows"] = [row for row in rows if row.proposals]
    context["total"] = len(proposals)
    return render_to_string("pdf/compilation.html", context)


BUILDERS: dict[str, Callable[[Meeting, Revision], str]] = {
    "revision": revision_html,
    "redline": redline_html,
    "compilation": compilation_html,
}


def render_pdf(
    meeting: Meeting,
    revision: Revision,
    kind: str = "revision",
    *,
    fetcher: StaticOnlyFetcher | None = None,
) -> RenderedPdf:
    """Lay out and write one PDF of an issued revision; same revision, same bytes."""
    with translation.override("en"):
        html = BUILDERS[kind](meeting, revision)
    document = HTML(
        string=html,
        base_url=PDF_ASSETS.as_uri() + "/",
        url_fetcher=fetcher or StaticOnlyFetcher(),
    ).render(pdf_variant=PDF_VARIANT)
    identifier = (
        hashlib.md5(  # noqa: S324 - an identifier, not a security measure
            f"{revision.content_hash}:{kind}".encode()
        )
        .hexdigest()
        .encode()
    )
    content = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)
    return RenderedPdf(content=content, pages=len(document.pages))


def file_name(revision: Revision, kind: str) -> str:
    """A sensible download name, e.g. A-CONF.192-BMS-2021-WP.1-Rev.1-redline.pdf"""
    base = revision.symbol.replace("/", "-")
    return f"{base}.pdf" if kind == "revision" else f"{base}-{kind}.pdf"
