"""The secretariat's import of a zero draft: upload or paste, check the outline, save.

The parsed outline is kept in the user's session between steps, under the meeting's id
(one draft per meeting, at most :data:`MAX_SESSION_CHARS` characters of JSON): what the
secretariat corrects is that copy, and nothing is written to the document until Save.
"""

import json
from dataclasses import asdict, dataclass, field
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
from drafting.import_forms import ImportStep
from drafting.models import ElementKind, Meeting
from drafting.services.imports import (
    LEVELS,
    PREAMBLE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ImportNotPossible,
    document_import,
    import_refusal,
    outline_correct,
    outline_read,
    row_problem_message,
)
from drafting.text import docx_reader
from drafting.text.importing import (
    ImportedOutline,
    ImportRefused,
    ImportRow,
    RowProblem,
    count_kinds,
    flatten,
    nest,
)
from drafting.web.errors import NotAllowed, ProposalInvalid

MAX_SESSION_CHARS = 2_000_000


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


@dataclass
class StepOutcome:
    """What a step leaves to show: the page with its ``status`` and errors, or a redirect to
    the meeting's page named ``redirect_to``."""

    status: int = 200
    errors: list[str] = field(default_factory=list)
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    redirect_to: str | None = None


def _failed(status: int, message: str) -> StepOutcome:
    return StepOutcome(status=status, errors=[message])


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
    step = ImportStep.from_request(request)
    outcome = _take_step(request, meeting, draft, refusal, step)
    if outcome.redirect_to is not None:
        return redirect(outcome.redirect_to, meeting.slug)
    context = _context(meeting, draft, refusal)
    context.update(errors=outcome.errors, field_errors=outcome.field_errors)
    template = "drafting/document_import.html"
    if request.headers.get("HX-Request") and step.is_correction:
        template += "#preview"
    return render(request, template, context, status=outcome.status)


def _take_step(
    request: HttpRequest,
    meeting: Meeting,
    draft: dict[str, Any] | None,
    refusal: str | None,
    step: ImportStep,
) -> StepOutcome:
    """Do what the step asks; ``draft`` (the session's copy) is changed in place."""
    if not step.action:
        return StepOutcome()
    if refusal:
        return _failed(409, refusal)
    if step.action == "read":
        return _read(request, meeting, step)
    if step.action == "discard":
        request.session.pop(_session_key(meeting), None)
        return StepOutcome(redirect_to="document_import")
    if step.is_correction:
        return _correct(request, meeting, draft, step)
    if step.action == "save":
        return _save(request, meeting, draft, step)
    return _failed(400, _("This form was incomplete and has been made afresh."))


def _read(request: HttpRequest, meeting: Meeting, step: ImportStep) -> StepOutcome:
    """Read the upload or the pasted text into a new draft, replacing any other."""
    try:
        imported = outline_read(upload=step.upload, pasted=step.pasted)
    except ImportRefused as refused:
        return _failed(400, refusal_message(refused))
    problem = _store(request, meeting, _new_draft(meeting, imported))
    if problem:
        return _failed(400, problem)
    return StepOutcome(redirect_to="document_import")


def _correct(
    request: HttpRequest, meeting: Meeting, draft: dict[str, Any] | None, step: ImportStep
) -> StepOutcome:
    """One correction of the draft's rows; htmx is answered with the preview, a plain POST
    with a redirect."""
    if draft is None:
        return _failed(400, _("There is no outline to correct: upload or paste the text first."))
    try:
        rows = outline_correct(rows=_rows(draft), correction=step.correction)
    except RowProblem as problem:
        return _failed(400, row_problem_message(problem))
    draft["rows"] = [asdict(row) for row in rows]
    problem_text = _store(request, meeting, draft)
    if problem_text:
        return _failed(400, problem_text)
    if request.headers.get("HX-Request"):
        return StepOutcome()
    return StepOutcome(redirect_to="document_import")


def _save(
    request: HttpRequest, meeting: Meeting, draft: dict[str, Any] | None, step: ImportStep
) -> StepOutcome:
    """Import the draft as the meeting's document and its zero draft; the session's copy
    keeps the title and preamble posted, to show them again when they are refused."""
    if draft is None:
        return _failed(400, _("There is no outline to save: upload or paste the text first."))
    draft["title"], draft["preamble"] = step.title, step.preamble
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
        return StepOutcome(status=400, field_errors=invalid.problems)
    except ImportNotPossible as not_possible:
        return _failed(409, str(not_possible))
    request.session.pop(_session_key(meeting), None)
    messages.success(request, _("The zero draft was imported and issued."))
    return StepOutcome(redirect_to="working_draft")


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
