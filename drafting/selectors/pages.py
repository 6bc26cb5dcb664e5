"""The reads behind the pages kept whole in the cache (`page_cache.page_parts`): an issued
revision's, the compilation's, the comparison's and the working draft's. Each reads, in one
query, the meeting (or the revision with its meeting) and the versions of everything the page
shows, so that a repeat view makes no other query (the session and the user aside) and renders
no template.

What a page shows of its reader (their name and roles: `context_processors.header_key`) is
not read here; what the navigation shows of their delegation is: whether it takes part in the
meeting, and its notices (how many, the newest) with when the reader last read them (the
count of unread notices follows from them).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from drafting.access import permissions
from drafting.models import (
    ConsultationRound,
    DecisionReply,
    Delegation,
    DraftVisit,
    ElementChange,
    FileKind,
    Meeting,
    Notification,
    Participation,
    Proposal,
    ProposalMark,
    ProposalsVersion,
    ReaderState,
    Revision,
    RevisionFile,
)
from drafting.models.proposal import VISIBLE_STATUSES
from drafting.web import time_zones


@dataclass(frozen=True, slots=True)
class Reader:
    """What the meeting's navigation shows of the reader's delegation (None for anyone but a
    delegate): whether it takes part in the meeting, and its notices."""

    takes_part: bool
    notices: tuple[int, int]  # how many, the newest id
    read_at: datetime | None

    def key(self) -> str:
        read = f"{self.read_at.timestamp():.6f}" if self.read_at else "-"
        return f"{int(self.takes_part)}.{self.notices[0]}.{self.notices[1]}.{read}"


def _reader_annotations(delegation: Delegation | None, user_id: int | None, meeting: str) -> dict:
    """Annotations of a query whose ``meeting`` path leads to the meeting."""
    if delegation is None:
        return {}
    notices = Notification.objects.filter(delegation_id=delegation.pk).order_by()
    return {
        "reader_takes_part": Exists(
            Participation.objects.filter(meeting=OuterRef(meeting), delegation=delegation)
        ),
        "reader_notices": Subquery(
            notices.values("delegation_id").annotate(n=Count("id")).values("n")[:1]
        ),
        "reader_newest": Subquery(notices.order_by("-id").values("id")[:1]),
        "reader_read_at": Subquery(
            ReaderState.objects.filter(user_id=user_id or 0).values("notifications_read_at")[:1]
        ),
    }


def _reader(found, delegation: Delegation | None) -> Reader | None:
    if delegation is None:
        return None
    return Reader(
        takes_part=found.reader_takes_part,
        notices=(found.reader_notices or 0, found.reader_newest or 0),
        read_at=found.reader_read_at,
    )


def note_reader(user: Any, meeting: Meeting, reader: Reader | None) -> None:
    """Remember for the request whether the reader's delegation takes part in the meeting, as
    the page's state read it (`permissions.note_takes_part`): the permissions ask no query."""
    if reader is not None:
        permissions.note_takes_part(user, meeting.document.pk, reader.takes_part)


def reader_key(reader: Reader | None) -> str:
    """`Reader.key`, or "-" for a reader who is no delegate."""
    return reader.key() if reader is not None else "-"


def page_where(meeting: Meeting) -> str:
    """What every page of a meeting kept whole is kept per: its document, the meeting (its
    slug and details), the language and the time zone."""
    return (
        f"{meeting.document.pk}:{meeting.slug}:{meeting_details(meeting)}:{get_language()}:"
        f"{get_current_timezone_name()}"
    )


def meeting_details(meeting: Meeting) -> str:
    """A digest of the meeting's details (its titles, venue, dates, time zone): they change
    without a write to the document."""
    return hashlib.md5(
        repr([getattr(meeting, field.attname) for field in Meeting._meta.concrete_fields]).encode(),
        usedforsecurity=False,
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class RevisionPageState:
    """What an issued revision's page shows besides the revision (which never changes: its
    content hash) and the meeting: the compilation PDFs made of it (how many, the newest id;
    they are only added) and the reader's part (`Reader`)."""

    compilations: tuple[int, int]
    reader: Reader | None


def revision_page_state(
    slug: str, number: int, *, delegation: Delegation | None, user_id: int | None
) -> tuple[Meeting, Revision, RevisionPageState]:
    """The meeting with its document, its revision ``number`` (without its snapshot) and what
    the page shows of them, in one query; 404 when there is none. The meeting's time zone
    becomes the current one, as `selectors.meeting_with_document` does."""
    files = RevisionFile.objects.filter(revision=OuterRef("pk"), kind=FileKind.COMPILATION)
    files = files.order_by()
    found = (
        Revision.objects.select_related("document__meeting", "issued_by")
        .defer("snapshot")
        .annotate(
            compilation_count=Subquery(
                files.values("revision_id").annotate(n=Count("id")).values("n")[:1]
            ),
            compilation_newest=Subquery(files.order_by("-id").values("id")[:1]),
            **_reader_annotations(delegation, user_id, "document__meeting"),
        )
        .filter(document__meeting__slug=slug, number=number)
        .first()
    )
    if found is None:
        raise Http404
    document = found.document
    meeting = document.meeting
    meeting.document = document
    time_zones.activate_for(meeting)
    state = RevisionPageState(
        compilations=(found.compilation_count or 0, found.compilation_newest or 0),
        reader=_reader(found, delegation),
    )
    return meeting, found, state


@dataclass(frozen=True, slots=True)
class CompilationState:
    """What the compilation shows besides the working draft (``Document.version``) and the
    meeting, as the newest row of each thing it shows, which every write to it adds:

    - ``proposals``: the newest history row of the document's proposals seen beyond their
      delegation (submitted, withdrawn, revised, decided, co-sponsored; a proposal once
      seen never goes back to a draft);
    - ``seen``: the document's proposals version (`models.ProposalsVersion`), which every
      commit of such a write outside the gate bumps, marks, co-sponsors and replies too: a
      write numbered first and committed last leaves the newest rows as they were;
    - ``marks``: of any proposal's marks; ``replies``: the newest reply to a decision
      (written once); ``names``: of delegations' names; ``rounds``: of rounds; each the
      newest of its whole table (an index lookup), so a write elsewhere changes them too;
    - ``revisions``: the newest issued revision of the document (the filters, what can still
      be undone);
    - ``reader``: the reader's part (`Reader`).
    """

    proposals: int
    seen: int
    marks: int
    replies: int
    names: int
    rounds: int
    revisions: int
    reader: Reader | None

    def key(self) -> str:
        return (
            f"{self.proposals}.{self.seen}.{self.marks}.{self.replies}.{self.names}."
            f"{self.rounds}.{self.revisions}"
        )


def _newest(model, **where) -> Subquery:
    """The newest history id of ``model`` (of the rows matching ``where``)."""
    rows = model.history.model.objects.filter(**where).order_by("-history_id")
    return Subquery(rows.values("history_id")[:1])


def _newest_seen_proposal() -> Subquery:
    """The newest history id of the meeting's document's proposals seen beyond their
    delegation (an annotation of a meeting): submitted, withdrawn, revised, decided,
    co-sponsored; a proposal once seen never goes back to a draft. Backwards on the index on
    (document, history id) of migration 0028, to the first such row: a delegation writing
    its draft changes nothing here (nor does a page betray it)."""
    return Subquery(
        Proposal.history.model.objects.filter(
            document_id=OuterRef("document__pk"), status__in=sorted(VISIBLE_STATUSES)
        )
        .order_by("-document_id", "-history_id")
        .values("history_id")[:1]
    )


def _proposals_version() -> Subquery:
    """The meeting's document's proposals version (`models.ProposalsVersion`; an annotation
    of a meeting), which every commit of a write to a proposal seen beyond its delegation
    bumps, outside the write gate (``Document.version`` counts the gate's)."""
    return Subquery(
        ProposalsVersion.objects.filter(document_id=OuterRef("document__pk")).values("version")[:1]
    )


def _newest_revision() -> Subquery:
    """The id of the meeting's document's newest revision (an annotation of a meeting)."""
    return Subquery(
        Revision.objects.filter(document_id=OuterRef("document__pk"))
        .order_by("-number")
        .values("id")[:1]
    )


def _meeting_with(slug: str, **annotations: Any) -> tuple[Meeting, dict[str, Any]]:
    """The meeting ``slug`` with its document, and the values of ``annotations`` by name, in
    one query (404 when there is none); its time zone becomes the current one."""
    found = (
        Meeting.objects.select_related("document")
        .annotate(**annotations)
        .filter(slug=slug, document__isnull=False)
        .first()
    )
    if found is None:
        raise Http404
    time_zones.activate_for(found)
    return found, {name: getattr(found, name) for name in annotations}


def compilation_state(
    slug: str, *, delegation: Delegation | None, user_id: int | None
) -> tuple[Meeting, CompilationState]:
    """The meeting with its document (404 when there is none) and what its compilation
    shows (`CompilationState`), in one query. The meeting's time zone becomes the current
    one."""
    found, values = _meeting_with(
        slug,
        proposals_version=_newest_seen_proposal(),
        seen_version=_proposals_version(),
        marks_version=_newest(ProposalMark),
        names_version=_newest(Delegation),
        rounds_version=_newest(ConsultationRound),
        replies_version=Subquery(DecisionReply.objects.order_by("-id").values("id")[:1]),
        revisions_version=_newest_revision(),
        **_reader_annotations(delegation, user_id, "pk"),
    )
    state = CompilationState(
        proposals=values["proposals_version"] or 0,
        seen=values["seen_version"] or 0,
        marks=values["marks_version"] or 0,
        replies=values["replies_version"] or 0,
        names=values["names_version"] or 0,
        rounds=values["rounds_version"] or 0,
        revisions=values["revisions_version"] or 0,
        reader=_reader(found, delegation),
    )
    return found, state


@dataclass(frozen=True, slots=True)
class ComparePageState:
    """What a comparison of two issued revisions shows besides the two (which never change:
    their content hashes, read with them): the document's newest revision (the choices
    offered, and the pair compared by default), its number (revisions are numbered from 0
    without a gap: a number above it names none) and the reader's part (`Reader`)."""

    revisions: int
    newest_number: int
    reader: Reader | None


def compare_page_state(
    slug: str, *, delegation: Delegation | None, user_id: int | None
) -> tuple[Meeting, ComparePageState]:
    """The meeting with its document (404 when there is none) and what its comparison page
    shows of it, in one query. The meeting's time zone becomes the current one."""
    found, values = _meeting_with(
        slug,
        revisions_version=_newest_revision(),
        newest_number=Subquery(
            Revision.objects.filter(document_id=OuterRef("document__pk"))
            .order_by("-number")
            .values("number")[:1]
        ),
        **_reader_annotations(delegation, user_id, "pk"),
    )
    return found, ComparePageState(
        revisions=values["revisions_version"] or 0,
        newest_number=values["newest_number"] or 0,
        reader=_reader(found, delegation),
    )


@dataclass(frozen=True, slots=True)
class DraftPageState:
    """What the working draft shows besides the draft itself (``Document.version``) and the
    meeting:

    - ``proposals``: the document's proposals version (`models.ProposalsVersion`), which
      every commit of a write that changes an open proposal count outside the write gate
      bumps (a proposal submitted, withdrawn or taken back; decisions pass the gate);
    - ``revisions``: the document's newest issued revision ("Changes since Rev.N");
    - ``visited``: whether the reader saw this draft before (a first visit is recorded);
    - ``changed``: whether the chair's office changed an element since (the page then lists
      what, and moves the visit: `services.notifications.draft_seen`);
    - ``reader``: the reader's part (`Reader`).

    The page is kept whole only when it lists nothing and writes nothing: a visit recorded
    and nothing changed since.
    """

    proposals: int
    revisions: int
    visited: bool
    changed: bool
    reader: Reader | None

    def key(self) -> str:
        return f"{self.proposals}.{self.revisions}"

    @property
    def kept(self) -> bool:
        return self.visited and not self.changed


def working_draft_state(
    slug: str, *, delegation: Delegation | None, user_id: int | None
) -> tuple[Meeting, DraftPageState]:
    """The meeting with its document (404 when there is none) and what its working draft
    shows of it (`DraftPageState`), in one query. The meeting's time zone becomes the
    current one."""
    visits = DraftVisit.objects.filter(user_id=user_id or 0)
    found, values = _meeting_with(
        slug,
        proposals_version=_proposals_version(),
        revisions_version=_newest_revision(),
        visited=Exists(visits.filter(document_id=OuterRef("document__pk"))),
        # As `selectors.elements_changed_since_last_visit` asks: a change made by a later
        # version than the visit saw (none without a visit: compared with NULL).
        changed=Exists(
            ElementChange.objects.filter(
                document_id=OuterRef("document__pk"),
                document_version__gt=Subquery(
                    visits.filter(document_id=OuterRef(OuterRef("document__pk"))).values(
                        "seen_version"
                    )[:1]
                ),
            )
        ),
        **_reader_annotations(delegation, user_id, "pk"),
    )
    return found, DraftPageState(
        proposals=values["proposals_version"] or 0,
        revisions=values["revisions_version"] or 0,
        visited=values["visited"],
        changed=values["changed"],
        reader=_reader(found, delegation),
    )
