"""Importing a meeting's zero draft: the Document, its elements and Revision 0, at once."""

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import selectors
from drafting.access import audit, permissions
from drafting.models import (
    Document,
    Element,
    ElementKind,
    Footnote,
    Meeting,
    Proposal,
    Revision,
)
from drafting.models.audit import AuditAction
from drafting.services.gate import open_gate
from drafting.services.revisions import revision_label, revision_symbol
from drafting.text import docx_reader, validation
from drafting.text import snapshot as snapshots
from drafting.text.importing import (
    ImportedOutline,
    ImportRefused,
    ImportRow,
    RowProblem,
    merge_rows,
    nest,
    read_text,
    split_row,
)
from drafting.text.outline import OutlineElement
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid

TITLE_MAX_LENGTH = 300
PREAMBLE_MAX_LENGTH = 5_000
MAX_PASTED_CHARS = 1_000_000
# The depths a row of the preview may be put at.
LEVELS = range(8)
# The corrections the secretariat makes to an outline in the preview (see RowCorrection).
CORRECTIONS = frozenset({"kind", "level", "merge", "split"})


class ImportNotPossible(DomainError):
    """The meeting's draft can no longer be replaced by an import (proposals, revisions)."""


@dataclass(frozen=True)
class RowCorrection:
    """One correction of a row of the outline, as the secretariat chose it in the preview.

    ``action`` is one of :data:`CORRECTIONS`: "kind" makes row ``row`` (from 0) a ``kind``,
    "level" moves it to depth ``level``, "merge" joins it with the next row, "split" makes
    it one row for each line of ``text``. ``row`` and ``level`` are None when what was sent
    is not a number.
    """

    action: str
    row: int | None
    kind: str = ""
    level: int | None = None
    text: str = ""


def outline_read(*, upload: UploadedFile | None, pasted: str) -> ImportedOutline:
    """The outline of an uploaded .docx or, without one, of pasted text.

    Raises :class:`ImportRefused` (``too_large`` past :data:`docx_reader.MAX_FILE_BYTES` or
    :data:`MAX_PASTED_CHARS`, and whatever reading finds). Writes nothing.
    """
    if upload is not None:
        # The size is known before the file is read (Django spools it to disk past 2.5 MB).
        if upload.size is None or upload.size > docx_reader.MAX_FILE_BYTES:
            raise ImportRefused("too_large")
        return docx_reader.read_docx(upload.read(docx_reader.MAX_FILE_BYTES + 1))
    if len(pasted) > MAX_PASTED_CHARS:
        raise ImportRefused("too_large")
    return read_text(pasted)


def outline_correct(*, rows: list[ImportRow], correction: RowCorrection) -> list[ImportRow]:
    """The rows after one correction (``rows`` and its rows may be changed in place).

    Raises :class:`RowProblem` naming the row at fault: ``no_row`` for a row that is not
    there, ``kind`` for an unknown kind, ``placeholder_text`` for an empty bullet that would
    keep text, ``level_jump`` for a depth outside :data:`LEVELS`, and whatever merging or
    splitting refuses. Writes nothing.
    """
    index = correction.row
    if index is None or index >= len(rows):
        raise RowProblem(len(rows), "no_row")
    if correction.action == "kind":
        return _with_kind(rows, index, correction.kind)
    if correction.action == "level":
        if correction.level is None or correction.level not in LEVELS:
            raise RowProblem(index, "level_jump")
        rows[index].level = correction.level
        return rows
    if correction.action == "merge":
        return merge_rows(rows, index)
    if correction.action == "split":
        return split_row(rows, index, correction.text.splitlines())
    raise RowProblem(index, "kind")


def _with_kind(rows: list[ImportRow], index: int, kind: str) -> list[ImportRow]:
    if kind not in ElementKind.values:
        raise RowProblem(index, "kind")
    row = rows[index]
    if kind == ElementKind.PLACEHOLDER and row.text.strip():
        raise RowProblem(index, "placeholder_text")
    text = "" if kind == ElementKind.PLACEHOLDER else row.text
    rows[index] = ImportRow(kind, text, row.level, row.unnumbered, row.footnotes)
    return rows


def import_refusal(meeting: Meeting) -> str | None:
    """Why the meeting's zero draft cannot be imported now, or None when it can.

    A meeting without a document, or with an empty one nobody has proposed on, can import.
    Once a zero draft is issued it is an official record (revisions are never changed or
    deleted), and proposals and later revisions refer to its elements.
    """
    document = Document.objects.filter(meeting=meeting).first()
    if document is None:
        return None
    if Proposal.objects.filter(document=document).exists():
        return _(
            "This meeting already has proposals on its draft: a new zero draft cannot be "
            "imported. Nothing was changed."
        )
    if Revision.objects.filter(document=document, number__gt=0).exists():
        return _(
            "This meeting already has revisions beyond the zero draft: a new zero draft "
            "cannot be imported. Nothing was changed."
        )
    if Revision.objects.filter(document=document).exists():
        return _(
            "This meeting's zero draft was already issued. An issued revision is an official "
            "record and is never replaced. Nothing was changed."
        )
    if Element.objects.filter(document=document).exists():
        return _("This meeting's document already has a text. Nothing was changed.")
    return None


@transaction.atomic
def document_import(
    *, user: Any, meeting: Meeting, title: str, preamble: str, rows: list[ImportRow]
) -> Revision:
    """Create the meeting's document, its elements and footnotes, and its zero draft.

    ``rows`` is the outline the secretariat checked in the preview (flat, with depths; see
    :func:`drafting.text.importing.nest`). All or nothing, in one transaction: the meeting's
    row is locked first (``SELECT … FOR UPDATE``), so two imports for one meeting are
    served in turn and the second finds the first's zero draft and is refused. Where the
    meeting already has an (empty) document, it is written through the write gate (the
    document row, bumping its version). Returns Revision 0.

    Raises :class:`NotAllowed` for anyone but the secretariat, :class:`ProposalInvalid` for
    a bad title, preamble or outline (``problems`` by field: ``title``, ``preamble``,
    ``rows``), :class:`ImportNotPossible` when :func:`import_refusal` says so.
    """
    if not permissions.can_import_document(user, meeting):
        raise NotAllowed(_("Only the secretariat imports a zero draft."))
    title = validation.normalise(title).strip()
    preamble = validation.normalise(preamble).strip()
    problems: dict[str, list[str]] = {}
    if not title:
        problems["title"] = [_("Give the document a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        problems["title"] = [_("The title is at most 300 characters long.")]
    if len(preamble) > PREAMBLE_MAX_LENGTH:
        problems["preamble"] = [_("The note above the document is at most 5,000 characters.")]
    for name, text, newlines in (("title", title, False), ("preamble", preamble, True)):
        if name not in problems and validation.forbidden_character(text, allow_newlines=newlines):
            problems[name] = [
                _("It holds a control character or a direction override, which no text may hold.")
            ]
    try:
        elements = nest(rows)
    except RowProblem as problem:
        problems["rows"] = [row_problem_message(problem)]
        elements = []
    if not elements and "rows" not in problems:
        problems["rows"] = [_("The outline is empty.")]
    if problems:
        raise ProposalInvalid(problems)

    locked_meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    refusal = import_refusal(locked_meeting)
    if refusal:
        raise ImportNotPossible(refusal)
    document = Document.objects.filter(meeting=locked_meeting).first()
    reason = _("Zero draft imported by the secretariat")
    if document is None:
        document = Document(meeting=locked_meeting, title=title, preamble=preamble)
    else:
        document = open_gate(document.pk).document
        # Asked again holding the document: its writers (issuing Revision 0 of the empty
        # document, say) take its lock, not the meeting's.
        refusal = import_refusal(locked_meeting)
        if refusal:
            raise ImportNotPossible(refusal)
        document.title, document.preamble = title, preamble
    document._history_user = user
    document._change_reason = reason
    document.save()
    _create_elements(document, elements, user=user, reason=reason)
    snapshot = selectors.working_draft_snapshot(document)
    revision = Revision.objects.create(
        document=document,
        number=0,
        label=revision_label(0),
        symbol=revision_symbol(locked_meeting.symbol_prefix, 0),
        issued_at=timezone.now(),
        issued_by=user,
        snapshot=snapshot,
        content_hash=snapshots.content_hash(snapshot),
    )
    audit.record_revision_act(action=AuditAction.DOCUMENT_IMPORTED, user=user, revision=revision)
    return revision


def _create_elements(
    document: Document, elements: list[OutlineElement], *, user: Any, reason: str
) -> None:
    """One row each (and its history row), parents before children, in reading order."""
    stack: list[tuple[OutlineElement, Element | None, int]] = [
        (element, None, position) for position, element in reversed(list(enumerate(elements)))
    ]
    while stack:
        outline, parent, position = stack.pop()
        element = Element(
            document=document,
            parent=parent,
            position=position,
            kind=outline.kind,
            unnumbered=outline.unnumbered,
            text=outline.text,
        )
        element._history_user = user
        element._change_reason = reason
        element.save()
        for footnote_position, text in enumerate(outline.footnotes):
            footnote = Footnote(element=element, position=footnote_position, text=text)
            footnote._history_user = user
            footnote._change_reason = reason
            footnote.save()
        stack.extend(
            (child, element, child_position)
            for child_position, child in reversed(list(enumerate(outline.children)))
        )


def row_problem_message(problem: RowProblem) -> str:
    """What is wrong with a row of the preview, in the user's language (rows count from 1)."""
    number = problem.row + 1
    messages = {
        "level_jump": _(
            "Element %(n)s is more than one level below the element above it (the first "
            "element is at the top level)."
        ),
        "under_placeholder": _("Element %(n)s is under an empty bullet, which has no children."),
        "placeholder_text": _("Element %(n)s is an empty bullet but has text."),
        "no_text": _("Element %(n)s has no text: make it an empty bullet, or merge it."),
        "kind": _("Element %(n)s has no kind the document knows."),
        "too_long": _(
            "Element %(n)s is longer than 4,000 characters (or one of its footnotes than "
            "5,000): split it."
        ),
        "characters": _(
            "Element %(n)s holds a control character or a direction override, which no "
            "text may hold."
        ),
        "too_many": _("The outline has more elements than an import may hold (3,000)."),
        "no_next": _("Element %(n)s is the last one: there is nothing to merge it with."),
        "no_row": _("There is no element %(n)s."),
        "one_part": _(
            "Element %(n)s: put a line break where the text should split into two elements."
        ),
    }
    return messages.get(problem.code, messages["kind"]) % {"n": number}
