"""The secretariat's import of a zero draft: upload or paste, check the outline, save.

The parsed outline is kept in the user's session between steps, under the meeting's id
(one draft per meeting, at most :data:`MAX_SESSION_CHARS` characters of JSON): what the
secretariat corrects is that copy, and nothing is written to the document until Save.
"""

import json
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from drafting.access import permissions
from drafting.models import ElementKind, Meeting
from drafting.services.imports import (
    PREAMBLE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ImportNotPossible,
    document_import,
    import_refusal,
    row_problem_message,
)
from drafting.text import docx_reader
from drafting.text.importing import (
    HARD_MAX_TEXT,
    ImportedOutline,
    ImportRefused,
    ImportRow,
    RowProblem,
    count_kinds,
    flatten,
    merge_rows,
    nest,
    read_text,
    split_row,
)
from drafting.web.bounds import posted_number
from drafting.web.errors import NotAllowed, ProposalInvalid

MAX_SESSION_CHARS = 2_000_000
MAX_PASTED_CHARS = 1_000_000
LEVELS = range(8)


def _session_key(meeting: Meeting) -> str:
    return f"document_import:{meeting.pk}"


def refusal_message(refused: ImportRefused) -> str:
    """Why a file or a text cannot be imported, in the user's language."""
    megabytes = docx_reader.MAX_FILE_BYTES // (1024 * 1024)
    messages_by_code = {
        "too_large": _("The file is larger than %(mb)s MB, the limit for an import.")
        % {"mb": megabytes},
        "doc": _(
            "This is an old Word file (.doc). Open it in Word or LibreOffice, save it as a "
            "Word document (.docx) and import that."
        ),
        "encrypted": _(
            "This Word file is protected by a password. Remove the password in Word (File, "
            "Info, Protect document), save it, and import it again."
        ),
        "not_docx": _(
            "This is not a Word document (.docx). Import a .docx file or paste the text."
        ),
        "zip_bomb": _(
            "This file unpacks to far more than a Word document does and was not opened."
        ),
        "tracked_changes": _(
            "This Word file has tracked changes. Accept or reject them in Word (Review, "
            "Accept or Reject), save it, and import it again."
        ),
        "corrupt": _("This Word file is damaged and cannot be read. Save it again and retry."),
        "empty": _("No text was found to import."),
        "too_many_elements": _("The text has more elements than an import may hold (%(n)s).")
        % {"n": refused.detail},
        "too_deep": _("The text is nested deeper than an outline may be."),
        "too_long_element": _(
            "A paragraph of the text is longer than %(n)s characters: no element can be that long."
        )
        % {"n": refused.detail},
        "outline": _("The outline cannot be read: %(problem)s.") % {"problem": refused.detail},
    }
    return messages_by_code.get(refused.code, messages_by_code["corrupt"])


def _load_draft(request: HttpRequest, meeting: Meeting) -> dict[str, Any] | None:
    stored = request.session.get(_session_key(meeting))
    if not isinstance(stored, dict) or stored.get("meeting") != meeting.pk:
        return None
    return stored


def _rows(draft: dict[str, Any]) -> list[ImportRow]:
    return [ImportRow(**row) for row in draft["rows"]]


def _store(request: HttpRequest, meeting: Meeting, draft: dict[str, Any]) -> str | None:
    """Keep the draft in the session; a message instead when it is too large to keep."""
    if len(json.dumps(draft)) > MAX_SESSION_CHARS:
        return _("The outline is too large to import in one go.")
    request.session[_session_key(meeting)] = draft
    return None


def _new_draft(meeting: Meeting, imported: ImportedOutline) -> dict[str, Any]:
    return {
        "meeting": meeting.pk,
        # Kept whole: Save says when they are too long, rather than cutting them unseen.
        "title": imported.title or meeting.short_title,
        "preamble": imported.preamble,
        "rows": [asdict(row) for row in flatten(imported.elements)],
        "warnings": [list(warning) for warning in imported.warnings],
    }


def _read_source(request: HttpRequest) -> ImportedOutline:
    upload = request.FILES.get("file")
    if upload is not None:
        # The size is known before the file is read (Django spools it to disk past 2.5 MB).
        if upload.size is None or upload.size > docx_reader.MAX_FILE_BYTES:
            raise ImportRefused("too_large")
        return docx_reader.read_docx(upload.read(docx_reader.MAX_FILE_BYTES + 1))
    pasted = request.POST.get("pasted", "")
    if len(pasted) > MAX_PASTED_CHARS:
        raise ImportRefused("too_large")
    return read_text(pasted)


def _edit(rows: list[ImportRow], action: str, request: HttpRequest) -> list[ImportRow]:
    """The rows after one correction; raises RowProblem."""
    index = posted_number(request.POST.get("row", ""))
    if index is None or index >= len(rows):
        raise RowProblem(len(rows), "no_row")
    if action == "kind":
        kind = request.POST.get("kind", "")
        if kind not in ElementKind.values:
            raise RowProblem(index, "kind")
        row = rows[index]
        text = "" if kind == ElementKind.PLACEHOLDER else row.text
        if kind == ElementKind.PLACEHOLDER and row.text.strip():
            raise RowProblem(index, "placeholder_text")
        rows[index] = ImportRow(kind, text, row.level, row.unnumbered, row.footnotes)
        return rows
    if action == "level":
        level = posted_number(request.POST.get("level", ""))
        if level is None or level not in LEVELS:
            raise RowProblem(index, "level_jump")
        rows[index].level = level
        return rows
    if action == "merge":
        return merge_rows(rows, index)
    if action == "split":
        text = request.POST.get("text", "")[: HARD_MAX_TEXT + 1_000]
        return split_row(rows, index, text.splitlines())
    raise RowProblem(index, "kind")


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def document_import_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a .docx or paste text; check and correct the outline; save the zero draft."""
    meeting = get_object_or_404(Meeting, slug=slug)
    if not permissions.can_import_document(request.user, meeting):
        raise PermissionDenied
    refusal = import_refusal(meeting)
    draft = _load_draft(request, meeting)
    errors: list[str] = []
    field_errors: dict[str, list[str]] = {}
    status = 200
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and refusal:
        errors.append(refusal)
        status = 409
    elif action == "read":
        try:
            imported = _read_source(request)
        except ImportRefused as refused:
            errors.append(refusal_message(refused))
            status = 400
        else:
            problem = _store(request, meeting, _new_draft(meeting, imported))
            if problem:
                errors.append(problem)
                status = 400
            else:
                return redirect("document_import", meeting.slug)
    elif action == "discard":
        request.session.pop(_session_key(meeting), None)
        return redirect("document_import", meeting.slug)
    elif action in {"kind", "level", "merge", "split"}:
        if draft is None:
            errors.append(_("There is no outline to correct: upload or paste the text first."))
            status = 400
        else:
            try:
                draft["rows"] = [asdict(row) for row in _edit(_rows(draft), action, request)]
            except RowProblem as problem:
                errors.append(row_problem_message(problem))
                status = 400
            else:
                problem_text = _store(request, meeting, draft)
                if problem_text:
                    errors.append(problem_text)
                    status = 400
                elif not request.headers.get("HX-Request"):
                    return redirect("document_import", meeting.slug)
    elif action == "save":
        if draft is None:
            errors.append(_("There is no outline to save: upload or paste the text first."))
            status = 400
        else:
            draft["title"] = request.POST.get("title", "")[: HARD_MAX_TEXT + 1]
            draft["preamble"] = request.POST.get("preamble", "")[: HARD_MAX_TEXT + 1]
            try:
                document_import(
                    user=request.user,
                    meeting=meeting,
                    title=draft["title"],
                    preamble=draft["preamble"],
                    rows=_rows(draft),
                )
            except NotAllowed as not_allowed:
                raise PermissionDenied from not_allowed
            except ProposalInvalid as invalid:
                field_errors = invalid.problems
                status = 400
            except ImportNotPossible as not_possible:
                errors.append(str(not_possible))
                status = 409
            else:
                request.session.pop(_session_key(meeting), None)
                messages.success(request, _("The zero draft was imported and issued."))
                return redirect("working_draft", meeting.slug)
    elif action:
        errors.append(_("This form was incomplete and has been made afresh."))
        status = 400

    context = _context(meeting, draft, refusal)
    context.update(errors=errors, field_errors=field_errors)
    if request.headers.get("HX-Request") and action in {"kind", "level", "merge", "split"}:
        return render(request, "drafting/document_import.html#preview", context, status=status)
    return render(request, "drafting/document_import.html", context, status=status)


def _context(meeting: Meeting, draft: dict[str, Any] | None, refusal: str | None) -> dict:
    kind_names = dict(ElementKind.choices)
    context: dict[str, Any] = {
        "meeting": meeting,
        "refusal": refusal,
        "draft": draft,
        "kinds": ElementKind.choices,
        "levels": LEVELS,
        "max_mb": docx_reader.MAX_FILE_BYTES // (1024 * 1024),
        "title_max": TITLE_MAX_LENGTH,
        "preamble_max": PREAMBLE_MAX_LENGTH,
    }
    if draft is None:
        return context
    rows = _rows(draft)
    try:
        nest(rows)
        outline_problem = None
    except RowProblem as problem:
        outline_problem = row_problem_message(problem)
    context.update(
        rows=[
            {"index": index, "number": index + 1, "row": row, "indent": min(row.level, 7)}
            for index, row in enumerate(rows)
        ],
        counts=[(kind_names.get(kind, kind), count) for kind, count in count_kinds(rows).items()],
        outline_problem=outline_problem,
        warnings=[
            _("Element %(n)s: its square brackets do not balance (near “%(context)s”).")
            % {"n": number, "context": context_text}
            for number, _code, context_text in draft.get("warnings", [])
        ],
    )
    return context
