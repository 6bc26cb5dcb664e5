"""Thin views: read through selectors, check permissions, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from drafting import selectors
from drafting.access import permissions
from drafting.exports import akn_export, docx_export, pdfs
from drafting.models import Document, ExportJob, FileKind, Meeting, RevisionFile
from drafting.render import page_cache
from drafting.render.rendering import fill_counts, place_words
from drafting.selectors import desk, pages
from drafting.services import notifications
from drafting.services.exports import (
    EXPORT_KINDS,
    compilation_files,
    export_job_request,
    export_jobs_recover,
    is_compilation,
    live_export_job,
    stored_file,
)
from drafting.web.context_processors import header_key, reader_header_key
from drafting.web.errors import DomainError, NotAllowed
from drafting.web.http import AppRequest


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    with_desk = permissions.is_chairs_office(user) or permissions.is_delegate(user)
    meetings = Meeting.objects.annotate(
        has_document=Exists(Document.objects.filter(meeting=OuterRef("pk"))),
        has_desk=Exists(desk.desk_meetings(user).filter(pk=OuterRef("pk")))
        if with_desk
        else Value(False),
    ).order_by("-start_date")
    return render(request, "drafting/home.html", {"meetings": meetings})


@require_safe
@login_required
def working_draft(request: HttpRequest, slug: str) -> HttpResponse:
    """The working draft, with each element's open proposal count.

    A repeat view reads the meeting and the versions of what the page shows in one query
    (`selectors.pages.working_draft_state`), then the page from the cache
    (`page_cache.page_parts`): its body, the same for every reader of the same variant (the
    chair's office's, with its tools; a proposing delegate's; everyone else's), and the
    shell around it of this reader. A first visit, or one after the chair's office changed
    an element, lists what changed, records the visit and is rendered afresh (not the
    page's own poll, which swaps in the body alone)."""
    user = request.user
    delegation = permissions.delegation_of(user)
    meeting, state = pages.working_draft_state(slug, delegation=delegation, user_id=user.pk)
    document = meeting.document
    pages.note_reader(user, meeting, state.reader)
    if not permissions.can_read_working_draft(user, document):
        raise PermissionDenied
    can_propose = permissions.can_propose(user, document)
    # The chair's office sees its tools beside each element: a body of its own (cached too).
    chair = permissions.can_decide(user, document)

    def context() -> dict[str, Any]:
        document_view, body = page_cache.working_draft_page(
            meeting, can_propose=can_propose, chair=chair
        )
        counts = selectors.open_proposal_counts(document)
        return {
            "document_view": document_view,
            "body_html": fill_counts(body, counts, meeting.slug),
            "open_total": sum(counts.values()),
            "latest_revision": selectors.revisions_of(document).last(),
            "meeting": meeting,
            "revision": None,
            "show_history_links": True,
            "can_propose": can_propose,
        }

    # The page's own poll (htmx, every 30 s) swaps in the draft's body alone: it is served the
    # page kept whole, lists nothing, records no visit and leaves waiting messages, which the
    # next page shows (what a poll rendered above the body would be thrown away unseen).
    polled = bool(getattr(request, "htmx", False))
    if not polled and (not state.kept or len(messages.get_messages(request))):
        return render(
            request,
            "drafting/document.html",
            {**context(), **_changes_since_last_visit(request, document)},
        )
    where = pages.page_where(meeting)
    parts = page_cache.page_parts(
        body_key=(
            f"draft-body:{where}:{document.version}:{state.key()}:{int(can_propose)}:{int(chair)}"
        ),
        build_body=lambda slot: render_to_string(
            "drafting/_document_body.html", {**context(), "csrf_token": slot}, request
        ),
        shell_key=f"draft-shell:{where}:{header_key(user)}:{pages.reader_key(state.reader)}",
        build_shell=lambda slot: render_to_string(
            "drafting/document.html",
            {
                "meeting": meeting,
                "revision": None,
                "page_body": page_cache.body_mark(),
                "csrf_token": slot,
                # A shell kept for the reader never holds a message: one waiting while the
                # page polls itself is left for the next page.
                "messages": (),
            },
            request,
        ),
    )
    return HttpResponse(parts.html(get_token(request)))


def _changes_since_last_visit(request: HttpRequest, document: Document) -> dict:
    """What changed in the working draft since this reader last saw it: a list of its own,
    above the body every reader shares (the cached body is left as it is); then records the
    visit when it listed something (`notifications.draft_seen`). Two queries (three when
    something changed and the places are not kept)."""
    if not request.user.is_authenticated:
        return {}
    changed = selectors.elements_changed_since_last_visit(document, request.user.pk)
    notifications.draft_seen(user=request.user, document=document, saw_changes=bool(changed))
    where = page_cache.draft_places(document) if changed else {}
    return {
        "changes_since": [
            (element_id, place_words(where.get(element_id)))
            for element_id in changed
            if element_id in where
        ]
    }


@require_safe
def revision_list(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    revisions = selectors.revisions_of(meeting.document)
    return render(
        request, "drafting/revision_list.html", {"meeting": meeting, "revisions": revisions}
    )


@require_safe
def revision_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An issued revision (public). A repeat view reads the revision with its meeting and what
    else the page shows in one query (`selectors.pages.revision_page_state`), then the page
    from the cache (`page_cache.page_parts`): its body, the same for every reader who sees the
    same links, and the shell around it of this reader."""
    user = request.user
    delegation = permissions.delegation_of(user)
    meeting, revision, state = pages.revision_page_state(
        slug, number, delegation=delegation, user_id=user.pk
    )
    pages.note_reader(user, meeting, state.reader)
    if not permissions.can_read_revision(user, revision):
        raise PermissionDenied
    show_history_links = permissions.can_read_element_history(user, meeting.document)

    def context() -> dict[str, Any]:
        document_view, body = page_cache.revision_page(
            meeting, revision, history_links=show_history_links
        )
        return {
            "meeting": meeting,
            "document_view": document_view,
            "body_html": body,
            "revision": revision,
            "show_history_links": show_history_links,
            # Compilations already made, by time: each shows the proposals as they stood then.
            "compilations": compilation_files(revision) if show_history_links else [],
        }

    if len(messages.get_messages(request)):  # counted, not read: still to be shown
        return render(request, "drafting/document.html", context())
    where = f"{revision.pk}:{revision.content_hash}:{pages.page_where(meeting)}"
    reader = pages.reader_key(state.reader)
    parts = page_cache.page_parts(
        body_key=f"revision-body:{where}:{int(show_history_links)}:{state.compilations}",
        build_body=lambda slot: render_to_string(
            "drafting/_document_body.html", {**context(), "csrf_token": slot}, request
        ),
        # The page reads no parameter: its address alone is what signing in comes back to.
        shell_key=f"revision-shell:{where}:{reader_header_key(request, request.path)}:{reader}",
        build_shell=lambda slot: render_to_string(
            "drafting/document.html",
            {
                "meeting": meeting,
                "revision": revision,
                "page_body": page_cache.body_mark(),
                "csrf_token": slot,
                "sign_in_next": request.path,
            },
            request,
        ),
    )
    return HttpResponse(parts.html(get_token(request)))


@require_safe
@login_required
def element_proposals(request: HttpRequest, slug: str, element_id: int) -> HttpResponse:
    """Every submitted proposal on one element, with its diff and marks."""
    meeting = selectors.meeting_with_document(slug)
    if not permissions.can_read_working_draft(request.user, meeting.document):
        raise PermissionDenied
    element = selectors.element_in_document(meeting.document, element_id)
    proposals = selectors.submitted_proposals_on(element)
    return render(
        request,
        "drafting/element_proposals.html",
        {
            "meeting": meeting,
            "element": element,
            "rows": [
                (
                    proposal,
                    proposal.diff_segments,
                    proposal.mark_summary,
                )
                for proposal in proposals
            ],
            "can_propose": permissions.can_propose(request.user, meeting.document),
        },
    )


@require_safe
@login_required
def element_history(request: HttpRequest, slug: str, element_id: int) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    if not permissions.can_read_element_history(request.user, meeting.document):
        raise PermissionDenied
    element = selectors.element_in_document(meeting.document, element_id)
    return render(
        request,
        "drafting/element_history.html",
        {"meeting": meeting, "element": element, "records": selectors.element_history(element)},
    )


@require_safe
def revision_pdf(
    request: HttpRequest, slug: str, number: int, kind: str = FileKind.REVISION
) -> HttpResponse:
    """The stored PDF of an issued revision (public), its redline (public) or the
    compilation of proposals made against it (delegations, chair, secretariat).

    A PDF not stored yet is never rendered here: the request starts (or joins) its export
    job and goes to the job's progress page, which links back here when the file is ready.
    """
    if kind not in EXPORT_KINDS:
        raise Http404
    meeting = selectors.meeting_with_document(slug)
    # Serving a stored file needs no snapshot (large); an export job loads it if it must.
    revision = selectors.revision_by_number(meeting.document, number, with_snapshot=False)
    if is_compilation(kind) and not permissions.can_read_working_draft(
        request.user, meeting.document
    ):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    stored = stored_file(revision=revision, kind=kind)
    if stored is None:
        # Never laid out in a web worker: the export job makes it, its page shows progress.
        job = live_export_job(revision=revision, kind=kind) or export_job_request(
            user=request.user, meeting=meeting, revision=revision, kind=kind
        )
        stored = stored_file(revision=revision, kind=kind)
        if stored is None:
            return redirect("export_status", meeting.slug, job.pk)
    return _pdf_response(request, revision, stored, kind)


def _content_type(kind: str) -> str:
    if kind.endswith(".docx"):
        return docx_export.CONTENT_TYPE
    if kind.endswith(".akn"):
        return akn_export.CONTENT_TYPE
    return "application/pdf"


def _disposition(revision, kind: str, stored: RevisionFile) -> str:
    """PDFs open in the browser; Word and XML files are downloaded."""
    if kind.endswith(".docx"):
        return f'attachment; filename="{docx_export.file_name(revision, kind.split(".")[0])}"'
    if kind.endswith(".akn"):
        return f'attachment; filename="{akn_export.file_name(revision)}"'
    return f'inline; filename="{pdfs.file_name(revision, kind, as_of=stored.as_of)}"'


def _pdf_response(request: HttpRequest, revision, stored: RevisionFile, kind: str) -> HttpResponse:
    etag = f'"{stored.sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(bytes(stored.content), content_type=_content_type(kind))
        response["Content-Disposition"] = _disposition(revision, kind, stored)
    response["ETag"] = etag
    response["Cache-Control"] = (
        "public, max-age=86400" if not is_compilation(kind) else "private, max-age=300"
    )
    return response


@require_safe
def compilation_file(request: HttpRequest, slug: str, number: int, file_id: int) -> HttpResponse:
    """One stored compilation of a revision, earlier ones included (each says as of when)."""
    meeting = selectors.meeting_with_document(slug)
    if not permissions.can_read_working_draft(request.user, meeting.document):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    revision = selectors.revision_by_number(meeting.document, number, with_snapshot=False)
    stored = get_object_or_404(
        RevisionFile, pk=file_id, revision=revision, kind=FileKind.COMPILATION
    )
    return _pdf_response(request, revision, stored, "compilation")


@require_POST
def export_request(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Queue a background PDF export and go to its progress page."""
    meeting = selectors.meeting_with_document(slug)
    revision = selectors.revision_by_number(meeting.document, number)
    kind = request.POST.get("kind", "revision")
    try:
        job = export_job_request(user=request.user, meeting=meeting, revision=revision, kind=kind)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except DomainError as refused:
        raise Http404(str(refused)) from refused
    return redirect("export_status", meeting.slug, job.pk)


@require_safe
@vary_on_headers("HX-Request")
def export_status(request: AppRequest, slug: str, job_id: int) -> HttpResponse:
    """Progress of a PDF export; htmx polls the fragment until the download is ready."""
    meeting = selectors.meeting_with_document(slug)
    job = get_object_or_404(
        ExportJob.objects.select_related("revision"), pk=job_id, revision__document=meeting.document
    )
    if is_compilation(job.kind) and not permissions.can_read_working_draft(
        request.user, meeting.document
    ):
        raise Http404
    export_jobs_recover()
    job.refresh_from_db()
    template = (
        "drafting/export_status.html#progress" if request.htmx else "drafting/export_status.html"
    )
    made = None
    if job.kind == FileKind.COMPILATION and job.status == ExportJob.Status.DONE:
        # The very compilation this job made (it says as of when), not whichever is newest.
        made = (
            RevisionFile.objects.filter(
                revision=job.revision, kind=job.kind, content_key=job.content_key
            )
            .values_list("pk", flat=True)
            .first()
        )
    return render(request, template, {"meeting": meeting, "job": job, "compilation_id": made})
