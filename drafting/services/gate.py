"""The one way in for writes to a document's working draft and to decisions on its proposals.

Every such writer (accept, accept with changes, reject, defer, undo, compose, insert, move,
status, issue with its carry-forward) opens the gate first, inside its transaction, and takes
every further row lock through it. The gate takes locks in one order, the only one:

1. the Document row, ``SELECT … FOR NO KEY UPDATE``. Gated writers of one document are served
   one at a time. ``NO KEY`` leaves the ``FOR KEY SHARE`` locks free that PostgreSQL takes for
   foreign-key checks: delegates keep submitting proposals (rows pointing at the document)
   while the chair's office writes, and the chair's own inserts never wait on the row it holds;
2. proposals, by id;
3. elements, by id (an insertion then also locks the siblings it moves down).

A gated writer never goes back a step: asking for proposals once elements are locked raises
:class:`LockOrderError`, a programming error caught by the tests. Writers outside the gate
(a delegation drafting, revising, withdrawing or marking) lock at most one proposal and then
at most one element (``FOR SHARE`` when a proposal is created: it conflicts with the gate's
``FOR UPDATE`` but not with another delegate's share), the same order, so no cycle of waits
can form with a gated writer, which locks every proposal it will refer to before any element.

Opening the gate bumps ``Document.version`` under the lock: the one key for anything cached
about the working draft or the decisions on it. A writer that fails rolls the bump back with
the rest of its transaction.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from drafting.models import Document, Element, Proposal

_DOCUMENT, _PROPOSALS, _ELEMENTS = 1, 2, 3


class LockOrderError(RuntimeError):
    """A writer asked for locks out of the gate's order (a bug, not a user's error)."""


class DocumentGate:
    """The locks one gated writer holds on one document. Made by :func:`open_gate`."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._step = _DOCUMENT

    def _advance(self, step: int) -> None:
        if step < self._step:
            raise LockOrderError(
                "Locks are taken document, then proposals, then elements; never back."
            )
        self._step = step

    def _lock[Row: (Proposal, Element)](
        self, model: type[Row], rows: "QuerySet[Row] | Iterable[int]", step: int
    ) -> list[Row]:
        self._advance(step)
        queryset = rows if isinstance(rows, QuerySet) else model.objects.filter(pk__in=list(rows))
        return list(
            queryset.filter(document_id=self.document.pk)
            .select_for_update(of=("self",))
            .order_by("pk")
        )

    def proposals(self, proposals: "QuerySet[Proposal] | Iterable[int]") -> list[Proposal]:
        """Lock proposals of this document (a queryset, or ids) in id order and return them."""
        return self._lock(Proposal, proposals, _PROPOSALS)

    def elements(self, elements: "QuerySet[Element] | Iterable[int]") -> list[Element]:
        """Lock elements of this document (a queryset, or ids) in id order and return them."""
        return self._lock(Element, elements, _ELEMENTS)

    def element(self, element_id: int) -> Element:
        """Lock one element of this document; ``Element.DoesNotExist`` when it is not one."""
        locked = self.elements([element_id])
        if not locked:
            raise Element.DoesNotExist(element_id)
        return locked[0]

    def siblings_from(self, *, parent_id: int | None, position: int) -> list[Element]:
        """Lock the siblings at ``position`` and after it, last first (to move them down)."""
        self._advance(_ELEMENTS)
        return list(
            Element.objects.select_for_update()
            .filter(document_id=self.document.pk, parent_id=parent_id, position__gte=position)
            .order_by("-position")
        )


def open_gate(document_id: int) -> DocumentGate:
    """Lock the document row (``FOR NO KEY UPDATE``), bump its version, return the gate.

    Must be called inside ``transaction.atomic``, before any other row lock of the write.
    ``gate.document.version`` is the version this write makes.
    """
    if not connection.in_atomic_block:
        raise LockOrderError("The write gate is opened inside a transaction.")
    document = (
        # Only the document's row: the meeting read with it stays free for the secretariat.
        Document.objects.select_for_update(no_key=True, of=("self",))
        .select_related("meeting")
        .get(pk=document_id)
    )
    document.version += 1
    # The version counts writes; it is not part of the document's audited content.
    document.skip_history_when_saving = True
    document.save(update_fields=["version"])
    del document.skip_history_when_saving
    return DocumentGate(document)
