"""Rendered pages and the trees behind them, cached per version of what they show.

Each process keeps its own copies, in plain dicts (`_Recent`, `_Blocks`): the values are
shared read-only, never pickled (the local-memory cache backend unpickled the whole tree on
every read: 12 ms a compilation view at scale 1). The working draft's tree changes only when
an element, footnote or the document is written, and every such write adds a history row:
`selectors.working_draft_version` reads the newest history ids in one query, and the keys
below include it, so a change shows on the next page view. Issued revisions never change
(keyed by content hash too).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from drafting import selectors
from drafting.models import Meeting, Revision
from drafting.render import presenters
from drafting.render.presenters import DocumentView
from drafting.render.rendering import Body, block_words, document_body, fill_counts, proposal_block
from drafting.text import snapshot as snapshots


class _Recent:
    """The newest ``size`` values by key in this process; the oldest goes first.

    Values are shared by every request of the process as they are: callers only read them.
    Keys carry the version of what they show, so an entry is never stale, only unused.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: dict[str, object] = {}
        self._lock = threading.Lock()

    def get(self, key: str):
        return self._data.get(key)

    def set(self, key: str, value) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._data[key] = value
            while len(self._data) > self.size:
                del self._data[next(iter(self._data))]

    def clear(self) -> None:
        with self._lock:
            self._data = {}


# A tree at scale 10 is ≈ 40 MB of objects and a page body ≈ 3 MB: a few of each per process.
trees = _Recent(size=4)
pages = _Recent(size=16)


copies = _Recent(size=64)


def clear() -> None:
    """Forget every page, tree, block and copy of this process (tests use it for a cold
    start)."""
    trees.clear()
    pages.clear()
    blocks.clear()
    copies.clear()


def recent_copy[T](key: str, build: Callable[[], T], *, live: bool) -> tuple[T, datetime | None]:
    """What ``build`` makes, from a copy at most ``settings.READ_COPY_SECONDS`` old when
    ``live`` is false; and when that copy was made (None when made live, for this request).

    The copy is this process's and shared by every reader of the same page, so ``build``
    must make nothing that depends on the reader (no CSRF token, no role-dependent forms).
    """
    seconds = settings.READ_COPY_SECONDS
    if live or seconds <= 0:
        return build(), None
    now = time.monotonic()
    found = copies.get(key)
    if found is not None and now - found[0] < seconds:
        return found[2], found[1]
    made_at = timezone.now()  # before reading: the copy shows the record as of then
    value = build()
    copies.set(key, (now, made_at, value))
    return value, made_at


def _version(meeting: Meeting) -> str:
    return ":".join(map(str, selectors.working_draft_version(meeting.document)))


def working_draft_view(meeting: Meeting, version: str | None = None) -> DocumentView:
    """The working draft as presented (labels, footnote numbers, bracket counts)."""
    version = version or _version(meeting)
    key = f"draft-tree:{meeting.document.pk}:{version}"
    document_view = trees.get(key)
    if document_view is None:
        document_view = presenters.present(selectors.working_draft_snapshot(meeting.document))
        trees.set(key, document_view)
    return document_view


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
    version = _version(meeting)
    key = f"draft-page:{meeting.document.pk}:{meeting.slug}:{version}:{int(can_propose)}:"
    key += f"{int(chair)}:"
    key += get_language()
    cached = pages.get(key)
    if cached is None:
        document_view = working_draft_view(meeting, version)
        body = document_body(
            document_view.elements,
            slug=meeting.slug,
            can_propose=can_propose,
            history=True,
            chair=chair,
        )
        cached = (_outline(document_view), body)
        pages.set(key, cached)
    return cached


def revision_page(
    meeting: Meeting, revision: Revision, *, history_links: bool
) -> tuple[DocumentView, str]:
    """An issued revision's tree and HTML body (safe); the revision may come without its
    snapshot."""
    key = f"revision:{revision.pk}:{revision.content_hash}:{meeting.slug}:{int(history_links)}:"
    key += get_language()
    cached = pages.get(key)
    if cached is None:
        document_view = presenters.present(
            snapshots.clean_snapshot(selectors.revision_snapshot(revision))
        )
        body = document_body(
            document_view.elements, slug=meeting.slug, can_propose=False, history=history_links
        )
        cached = (_outline(document_view), fill_counts(body, {}, meeting.slug))
        pages.set(key, cached)
    return cached


def revision_comparison(
    old: Revision, new: Revision, build: Callable[[], str], *, variant: str = ""
) -> SafeString:
    """The comparison of two issued revisions (``build`` renders its HTML from a template:
    safe, and kept as it is): issued revisions never change, so it is kept by their content
    hashes (and the language and ``variant``: the whole text or the changes only)."""
    key = f"compare:{old.pk}:{old.content_hash}:{new.pk}:{new.content_hash}:{get_language()}"
    key += f":{variant}"
    cached = pages.get(key)
    if cached is None:
        cached = build()
        pages.set(key, cached)
    return cached


class _Blocks:
    """The compilation's rendered proposal blocks in this process: a plain dict.

    Not the cache framework: its local-memory backend validates each key and pickles each
    value (about 25 µs a block, 40 ms for a compilation of 1,500 proposals); here a block is
    a dict lookup. Keys carry the version of what a block shows, so an entry never goes
    stale, only unused; the whole dict is dropped when it reaches ``limit`` (≈ 50 MB).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, str]:
        data = self._data
        return {key: data[key] for key in keys if key in data}

    def set_many(self, blocks: dict[str, str]) -> None:
        with self._lock:
            if len(self._data) + len(blocks) > self.limit:
                self._data = {}
            self._data.update(blocks)

    def clear(self) -> None:
        with self._lock:
            self._data = {}


blocks = _Blocks(limit=60_000)


def compilation_blocks(
    meeting: Meeting, entries: list[selectors.CompilationEntry]
) -> dict[int, str]:
    """The HTML block of each proposal of the compilation (the inside of its ``<li>``) by id.

    Blocks are kept per version of the proposal and its marks (``entry.version``), language,
    meeting and delegation names: a page view reads them in one pass and renders only the
    proposals written since (three queries).
    """
    context = f"{meeting.slug}:{get_language()}:{selectors.delegations_version()}"
    keys = [f"{entry.id}:{entry.version}:{context}" for entry in entries]
    found = blocks.get_many(keys)
    missing = {entry.id: key for entry, key in zip(entries, keys, strict=True) if key not in found}
    if missing:
        words = block_words(meeting.slug)
        fresh = {
            missing[proposal.pk]: proposal_block(
                proposal, proposal.diff_segments, proposal.mark_summary, words
            )
            for proposal in selectors.proposals_by_ids(list(missing))
        }
        blocks.set_many(fresh)
        found.update(fresh)
    return {entry.id: found[key] for entry, key in zip(entries, keys, strict=True)}
