"""Importing a meeting's zero draft: the Document, its elements and Revision 0, at once."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import selectors
from drafting.access import audit, permissions
from drafting.models import Document, Element, Footnote, Meeting, Proposal, Revision
from drafting.models.audit import AuditAction
from drafting.services.gate import open_gate
from drafting.services.revisions import revision_label, revision_symbol
from drafting.text import snapshot as snapshots
from drafting.text import validation
from drafting.text.importing import ImportRow, RowProblem, nest
from drafting.text.outline import OutlineElement
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid

TITLE_MAX_LENGTH = 300
PREAMBLE_MAX_LENGTH = 5_000


class ImportNotPossible(DomainError):
    """The meeting's draft can no longer be replaced by an import (proposals, revisions)."""


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
