"""Rendered pages, the trees behind them and the compilation's blocks, in Django's cache.

One cache shared by every process (Redis in production and in the tests, see
``settings.CACHES``), keyed by what an entry shows, so an entry is never stale, only unused
(Redis's LRU drops it):

- the working draft by ``Document.version``, which the write gate (`services.gate`) bumps
  on every write to the working draft or to decisions on its proposals. What delegates'
  writes change is not in those entries: a page's open proposal counts are read live, and
  the compilation's list of proposals too, each block under its proposal's own version
  (the newest history ids of the proposal and of its marks);
- a delegation page's tables by ``Document.version`` and the delegation's own version
  (`models.DelegationVersion`), which its delegates' writes, and other delegations' marks
  and answers to its invitations, bump in their transactions; and the page's whole body by
  those and what else it shows (notices and which are new, the open round, invitations to
  co-sponsor: read with the meeting in one query, `selectors.delegation_page`), cut where
  the request's CSRF token goes;
- an issued revision by its content hash (it never changes);
- an issued revision's page and the compilation whole (`page_parts`): the body by everything
  it shows and what it differs by between readers (their links, the chair's office's forms,
  the filters), the shell around it (header, navigation) per reader, under the versions
  `selectors.pages` reads in one query;
- everything under the database's namespace (`models.CacheNamespace`): the cache outlives a
  database (a test database made again, a backup restored), and the same document and
  version may then mean other content.

What is kept is quick to read back (scale 1, measured on the shared 2-core host): a page's
HTML body with the outline around it (255 kB; 0.7 ms read and unpickled, 2.8 ms within a
page view at load average 8, of 49 ms) and the presented tree (97 kB; 0.9 ms, 4.5 ms within
a compilation view of 137 ms, where presenting it again takes 50 ms). One tier stays in the
process, measured: the compilation's proposal blocks (`_ProcessBlocks`: thousands a page, a
dict lookup each, with the shared cache behind it).
"""

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import IntegrityError
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from markupsafe import Markup, escape

from drafting import selectors
from drafting.models import (
    PRIVATE_STATUSES,
    CacheNamespace,
    Delegation,
    Document,
    Meeting,
    Proposal,
    ProposalStatus,
    Revision,
)
from drafting.models.cache import new_token
from drafting.render import presenters
from drafting.render.presenters import DocumentView
from drafting.render.rendering import (
    Body,
    block_words,
    document_body,
    fill_counts,
    proposal_block,
    proposal_rows,
)
from drafting.selectors.compilation import CompilationEntry
from drafting.selectors.delegation_page import DelegationPageState
from drafting.text import snapshot as snapshots
from drafting.text.places import Place, places

# This process's copy of the database's token: read once (one query), then every key starts
# with it. Not a cache of content: a restore renews the token (`renew_namespace`), and the
# workers are restarted after it.
_namespace: str | None = None


def namespace() -> str:
    """The database's cache namespace (made again when a flush emptied its table)."""
    global _namespace
    if _namespace is None:
        try:
            found, _made = CacheNamespace.objects.get_or_create(pk=1)
        except IntegrityError:  # made by another process at the same moment
            found = CacheNamespace.objects.get(pk=1)
        _namespace = found.token
    return _namespace


def renew_namespace() -> str:
    """Give the database a new namespace: nothing cached before is found again (after a
    backup is restored into it). Other processes see it once restarted."""
    global _namespace
    token = new_token()
    CacheNamespace.objects.update_or_create(pk=1, defaults={"token": token})
    _namespace = token
    return token


def clear() -> None:
    """Start this process afresh under a namespace of its own: nothing cached before is
    found (the tests use it for a cold start, and for each test: a test's writes roll back,
    and the next test's may make the same version of the document with other content)."""
    global _namespace
    _namespace = new_token()


def _cached[T](key: str, build: Callable[[], T]) -> T:
    key = f"{namespace()}:{key}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value)
    return value


def working_draft_view(meeting: Meeting) -> DocumentView:
    """The working draft as presented (labels, footnote numbers, bracket counts)."""
    document = meeting.document
    return _cached(
        f"draft-tree:{document.pk}:{document.version}",
        lambda: presenters.present(selectors.working_draft_snapshot(document)),
    )


def _outline(document_view: DocumentView) -> DocumentView:
    """What the page shows around the body (title, bracket summary, footnotes): small to
    cache and to read back, unlike the whole tree."""
    return replace(
        document_view,
        elements=[],
        agenda_items=[replace(item, blocks=[]) for item in document_view.agenda_items],
    )


def working_draft_page(
    meeting: Meeting, *, can_propose: bool, chair: bool = False
) -> tuple[DocumentView, Body]:
    """The page's outline (a DocumentView without its element tree) and the HTML body cut
    where its proposal counts go (see `rendering.fill_counts`). The chair's office has a
    variant of its own, with its tools beside each element (no reader's token in it)."""
    document = meeting.document

    def build() -> tuple[DocumentView, Body]:
        document_view = working_draft_view(meeting)
        body = document_body(
            document_view.elements,
            slug=meeting.slug,
            can_propose=can_propose,
            history=True,
            chair=chair,
        )
        return _outline(document_view), body

    return _cached(
        f"draft-page:{document.pk}:{document.version}:{meeting.slug}:{int(can_propose)}:"
        f"{int(chair)}:{get_language()}",
        build,
    )


def revision_page(
    meeting: Meeting, revision: Revision, *, history_links: bool
) -> tuple[DocumentView, str]:
    """An issued revision's outline and HTML body (safe); the revision may come without its
    snapshot."""

    def build() -> tuple[DocumentView, str]:
        document_view = presenters.present(
            snapshots.clean_snapshot(selectors.revision_snapshot(revision))
        )
        body = document_body(
            document_view.elements, slug=meeting.slug, can_propose=False, history=history_links
        )
        return _outline(document_view), fill_counts(body, {}, meeting.slug)

    return _cached(
        f"revision:{revision.pk}:{revision.content_hash}:{meeting.slug}:{int(history_links)}:"
        f"{get_language()}",
        build,
    )


def revision_comparison(
    old: Revision, new: Revision, build: Callable[[], str], *, variant: str = ""
) -> str:
    """The comparison of two issued revisions (``build`` renders its HTML from a template: a
    SafeString, which pickles as one): issued revisions never change, so it is kept by their content
    hashes (and the language and ``variant``: the whole text or the changes only)."""
    return _cached(
        f"compare:{old.pk}:{old.content_hash}:{new.pk}:{new.content_hash}:{get_language()}:"
        f"{variant}",
        build,
    )


class _ProcessBlocks:
    """The blocks this process has read or rendered, in front of the shared cache.

    Measured (scale 1, a full compilation of 5,032 proposals, 2.9 MB of blocks, on the
    2-core host at load average 9): reading them from Redis took 253 ms through
    ``cache.get_many`` (each key made and validated, each value unpickled), 71 ms with the
    raw client's MGET alone, and 0.4 ms from a dict here; the whole page takes 145 ms on a
    quiet host. So a page view reads this dict first, then Redis for what it lacks
    (a cold process after a deploy or on another machine), and renders only the rest.
    Bounded in bytes (``limit``, of HTML; keys carry the version of what a block shows, so an
    entry is never stale, only unused): the dict is dropped whole when it is full.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: dict[str, str] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, str]:
        data = self._data
        return {key: data[key] for key in keys if key in data}

    def set_many(self, blocks: dict[str, str]) -> None:
        size = sum(map(len, blocks.values()))
        with self._lock:
            if self._size + size > self.limit:
                self._data, self._size = {}, 0
            self._data.update(blocks)
            self._size += size


# ≈ 3 MB a scale-1 compilation in one language; 30 MB at scale 10.
_blocks = _ProcessBlocks(limit=64 * 1024 * 1024)


def compilation_blocks(meeting: Meeting, entries: list[CompilationEntry]) -> dict[int, str]:
    """The HTML block of each proposal of the compilation (the inside of its ``<li>``) by id.

    Blocks are kept per version of the proposal and its marks (``entry.version``), language,
    meeting and delegation names: a page view reads them from this process (`_ProcessBlocks`),
    then the rest from the shared cache in one round trip, and renders only the proposals
    written since (three queries).
    """
    context = (
        f"{namespace()}:block:{meeting.slug}:{get_language()}:{selectors.delegations_version()}"
    )
    keys = [f"{context}:{entry.id}:{entry.version}" for entry in entries]
    found = _blocks.get_many(keys)
    if len(found) < len(keys):
        shared = cache.get_many([key for key in keys if key not in found])
        _blocks.set_many(shared)
        found.update(shared)
    missing = {entry.id: key for entry, key in zip(entries, keys, strict=True) if key not in found}
    if missing:
        words = block_words(meeting.slug)
        fresh = {
            missing[proposal.pk]: proposal_block(
                proposal, proposal.diff_segments, proposal.mark_summary, words
            )
            for proposal in selectors.proposals_by_ids(list(missing))
        }
        cache.set_many(fresh)
        _blocks.set_many(fresh)
        found.update(fresh)
    return {entry.id: found[key] for entry, key in zip(entries, keys, strict=True)}


def draft_places(document: Document) -> dict[int, Place]:
    """Where each element of the working draft sits (agenda item, section, label, opening
    words), by element id, in reading order; kept per version of the document, as its pages
    are."""
    return _cached(
        f"places:draft:{document.pk}:{document.version}",
        lambda: places(selectors.working_draft_snapshot(document)["elements"]),
    )


def attach_places(document: Document, proposals: Iterable[Proposal]) -> None:
    """Set ``proposal.place`` to where its element sits in the working draft (None for an
    element a revision left out). No query for no proposals."""
    proposals = list(proposals)
    if not proposals:
        return
    where = draft_places(document)
    for proposal in proposals:
        proposal.place = where.get(proposal.element_id)


@dataclass(frozen=True, slots=True)
class DelegationTables:
    """The rows (``<tr>`` elements, safe markup; empty when there is none) of a delegation
    page's three tables: drafts, discarded drafts, proposals submitted and decided."""

    drafts: str
    discarded: str
    others: str


def delegation_tables(
    meeting: Meeting, delegation: Delegation, versions: tuple[int, int] | None = None
) -> DelegationTables:
    """The delegation's proposals on the meeting's document as its own page shows them.

    Kept per version of the working draft (decisions, revisions, places: every write
    through the gate), of the delegation's page (its proposals, marks and co-sponsors:
    `models.DelegationVersion`) and of delegations' names (``versions``, the last two, as
    `selectors.delegation_page_versions` reads them: one query when not given), then the
    cache; three queries more to build them again."""
    document = meeting.document
    page_version, names_version = versions or selectors.delegation_page_versions(delegation)

    def build() -> DelegationTables:
        proposals = selectors.proposals_of_delegation(document, delegation)
        attach_places(document, proposals)
        rows = [(proposal, proposal.mark_summary) for proposal in proposals]

        def markup(selected: list) -> str:
            return proposal_rows(selected, meeting.slug, "") if selected else ""

        return DelegationTables(
            drafts=markup([r for r in rows if r[0].status == ProposalStatus.DRAFT]),
            discarded=markup([r for r in rows if r[0].status == ProposalStatus.DISCARDED]),
            others=markup([r for r in rows if r[0].status not in PRIVATE_STATUSES]),
        )

    return _cached(
        f"delegation-tables:{document.pk}:{document.version}:{delegation.pk}:{page_version}:"
        f"{names_version}:{meeting.slug}:{get_language()}",
        build,
    )


def _body_key(meeting: Meeting, delegation: Delegation, state: DelegationPageState) -> str:
    document = meeting.document
    # The meeting's details (its short title names it in the page's title and navigation)
    # change without a write to the document.
    details = hashlib.md5(
        repr([getattr(meeting, field.attname) for field in Meeting._meta.concrete_fields]).encode(),
        usedforsecurity=False,
    ).hexdigest()
    everything = (
        f"{document.pk}:{document.version}:{delegation.pk}:{state.key()}:{meeting.slug}:"
        f"{details}:{get_language()}:{get_current_timezone_name()}"
    )
    # Digested: the whole is longer than the 250 characters a cache key should keep to.
    digest = hashlib.md5(everything.encode(), usedforsecurity=False).hexdigest()
    return f"{document.pk}:{delegation.pk}:{digest}"


def _cut(markup: Callable[[str], SafeString]) -> tuple[Markup, ...]:
    """``markup(slot)`` cut where it wrote ``slot`` (a random word it is given for each
    form's CSRF token): the pieces, safe, to put the request's token between."""
    slot = secrets.token_hex(16)
    # escape() keeps safe markup as it is (it has __html__), and escapes anything else.
    return tuple(escape(markup(slot)).split(slot))


def with_token(pieces: tuple[Markup, ...], token: str) -> Markup:
    """Pieces from `delegation_page_body` or `desk_live_part` joined by a CSRF token."""
    return escape(token).join(pieces)


def delegation_page_body(
    meeting: Meeting,
    delegation: Delegation,
    state: DelegationPageState,
    build: Callable[[str], SafeString],
) -> tuple[Markup, ...]:
    """The body of a delegation's page (*My delegation*), cut where its CSRF tokens go.

    ``build(slot)`` renders it with ``slot`` (a random word) for each form's CSRF token; the
    pieces between are kept, and the page puts the request's own token between them. Kept per
    version of the working draft, the delegation and what ``state`` read with the meeting
    (`selectors.delegation_page.page_state`: proposals, notices and which are new, the open
    round, invitations to co-sponsor, names), the language and the time zone: one query for
    all of them, then the cache (one round trip)."""
    return _cached(f"delegation-body:{_body_key(meeting, delegation, state)}", lambda: _cut(build))


class _ProcessPages[Piece: (Markup, bytes)]:
    """Whole pages this process has served, in front of the shared cache: the delegation
    page's (`delegation_page`), one a user.

    Measured (scale 1, the busiest delegation's 34 kB page, gunicorn with 4 workers under
    wrk on the shared 2-core host): read from Redis, the page cost a round trip and 0.7 ms
    of the worker's CPU (of about 8 ms a request), which kept it under the plain 50-row list
    it is held against (0.77x-0.90x); read here, a dict lookup. Keys carry the versions of
    what the page shows, read from the database on each view, so an entry is never stale,
    only unused, and a write is seen at once by every process. Bounded in bytes (``limit``):
    the dict is dropped whole when it is full.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: dict[str, tuple[Piece, ...]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Piece, ...] | None:
        return self._data.get(key)

    def set(self, key: str, page: tuple[Piece, ...]) -> None:
        size = sum(map(len, page))
        with self._lock:
            if self._size + size > self.limit:
                self._data, self._size = {}, 0
            self._data[key] = page
            self._size += size


# ≈ 35 kB a page at scale 1: some 240 delegates' pages a process (UTF-8, as `_bodies`).
_pages = _ProcessPages[bytes](limit=8 * 1024 * 1024)


# ≈ 30 kB a desk at scale 1 (its lists are bounded).
_desks = _ProcessPages[Markup](limit=8 * 1024 * 1024)


def desk_live_part(
    meeting: Meeting,
    delegation: Delegation | None,
    key: str,
    build: Callable[[str], SafeString],
    *,
    page: str = "",
) -> tuple[Markup, ...]:
    """A desk's live part (`views.desk`), cut where its forms' CSRF tokens go, as
    `delegation_page_body` keeps a body: kept under the desk's key (`selectors.desk_state.
    DeskState.key`: every version what the part shows depends on, and the reader's visit
    before) and the delegation's (None: the chair's office's desk), the language and the
    time zone.
    Read from this process (`_ProcessPages`), then the shared cache; a repeat view renders
    no template and runs none of the desk's selectors. With ``page`` (what the header
    shows of the user: `context_processors.header_key`, and the unread count), the whole
    page around it, kept the same way."""
    whose = delegation.pk if delegation is not None else "chair"
    cached = (
        f"desk-{'page' if page else 'live'}:{meeting.document.pk}:{whose}:{key}:{meeting.slug}:"
        f"{get_language()}:{get_current_timezone_name()}:{page}"
    )
    here = f"{namespace()}:{cached}"
    part = _desks.get(here)
    if part is None:
        part = _cached(cached, lambda: _cut(build))
        _desks.set(here, part)
    return part


def delegation_page(
    meeting: Meeting,
    delegation: Delegation,
    state: DelegationPageState,
    *,
    header: str,
    build: Callable[[str], SafeString],
) -> tuple[bytes, ...]:
    """The whole delegation page of one user, as `delegation_page_body` keeps its body (and
    under the same key), with the header the user is shown (``header``:
    `context_processors.header_key`): a repeat view renders no template. Cut where the CSRF
    tokens go and encoded (`page_html` joins it); never used for a response that shows a
    message (those show once). Read from this process (`_ProcessPages`), then the shared
    cache."""
    return _kept(_pages, f"delegation-page:{_body_key(meeting, delegation, state)}:{header}", build)


def page_html(pieces: tuple[bytes, ...], token: str) -> bytes:
    """A page kept whole (`delegation_page`) with the request's CSRF token in each form."""
    return escape(token).encode().join(pieces)


# Kept encoded (UTF-8), as responses send them: half the memory of a str holding any
# character beyond Latin-1 (a dash), unpickled from the shared cache without decoding, and
# sent without encoding. ≈ 3.6 MB the full compilation's body at scale 1 (in one language,
# one variant), 200 kB an issued revision's.
_bodies = _ProcessPages[bytes](limit=64 * 1024 * 1024)
# ≈ 5 kB what surrounds a body for one user (header, navigation, title).
_shells = _ProcessPages[bytes](limit=8 * 1024 * 1024)

# Where the body goes in a page's shell: written by the view as it renders the shell
# (`page_parts`); never in escaped text, which has no "<".
BODY_MARK = "<!--drafting:page-body-->"


def body_mark() -> SafeString:
    """`BODY_MARK`, for the shell's template to write where the body goes."""
    return SafeString(BODY_MARK)


@dataclass(frozen=True, slots=True)
class PageParts:
    """A page kept in two parts cut where the request's CSRF token goes: its body, shared by
    every reader it is the same for, and its shell (header, navigation) of one reader, with
    `BODY_MARK` where the body goes."""

    shell: tuple[bytes, ...]
    body: tuple[bytes, ...]

    def html(self, token: str) -> bytes:
        """The page (UTF-8) with the request's CSRF token in each form."""
        slot = escape(token).encode()
        before, _mark, after = slot.join(self.shell).partition(BODY_MARK.encode())
        return b"".join((before, slot.join(self.body), after))


def _kept(
    tier: _ProcessPages[bytes], key: str, build: Callable[[str], SafeString]
) -> tuple[bytes, ...]:
    """``build(slot)`` cut where the CSRF token goes, each piece encoded, from this process
    (``tier``), then the shared cache, kept under a digest of ``key`` (longer than a cache
    key should be)."""
    digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    # "utf8": the pieces' form (bytes), apart from entries kept before in another.
    kept = f"{key.partition(':')[0]}:utf8:{digest}"
    here = f"{namespace()}:{kept}"
    part = tier.get(here)
    if part is None:
        part = _cached(kept, lambda: tuple(piece.encode() for piece in _cut(build)))
        tier.set(here, part)
    return part


def page_parts(
    *,
    body_key: str,
    build_body: Callable[[str], SafeString],
    shell_key: str,
    build_shell: Callable[[str], SafeString],
) -> PageParts:
    """A page kept whole in two parts (`PageParts`): the body under ``body_key`` (everything
    it shows and what it differs by from one reader to another), the shell under
    ``shell_key`` (the reader's header, `context_processors.header_key`, and whatever else it
    shows). Each ``build(slot)`` renders its part with ``slot`` for the CSRF token; the shell
    has `BODY_MARK` where the body goes. Read from this process (`_ProcessPages`), then the
    shared cache: a repeat view renders no template. Keys start with the page's name."""
    return PageParts(
        shell=_kept(_shells, shell_key, build_shell),
        body=_kept(_bodies, body_key, build_body),
    )
