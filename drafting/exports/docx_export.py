"""Word (.docx) files of issued revisions, in the UN layout, built with python-docx and lxml.

Three files per revision, as for the PDFs (:mod:`drafting.exports.pdfs`):

- the revision: masthead (symbol, distribution, date, "Original: English"), the cover letter,
  then the annex, each element one paragraph in a style named for its kind ("UN Agenda Item",
  "UN Theme", ...), its label as the document's, a tab, its text with brackets as text, and
  its footnotes as real Word footnotes (python-docx 1.2 has no footnote API: the footnotes
  part is written here with lxml);
- the redline against an earlier revision as Word tracked changes, authored by the chair's
  office at the revision's issue date: changed words as ``w:ins``/``w:del`` runs; elements
  added or dropped as inserted or deleted paragraphs (their paragraph marks too); elements
  that moved as ``w:moveFrom``/``w:moveTo`` pairs; a change of status as the tracked status
  note and a paragraph property change (``w:pPrChange``). Accepting every change gives the
  newer revision's text, rejecting every change the older one's (the annex, paragraph by
  paragraph);
- the compilation of proposals: each proposal its delegation's tracked change on the text of
  the element it concerns (Word's Review pane filters by author), several on one element
  listed as alternatives, the rationale and the marks in a Word comment.

Determinism: no wall-clock time anywhere: the core properties' dates are the issue date (the
compilation's: the moment it shows), every zip entry has one fixed timestamp and the entries
keep one order. The same revision always gives the same bytes.
"""

import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher
from typing import Any

import docx
from django.template.defaultfilters import title as title_case
from django.utils import timezone
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.parser import parse_xml
from docx.shared import Cm, Pt
from lxml import etree

from drafting.models import FileKind, MarkStance, ProposalKind
from drafting.render import presenters
from drafting.text import snapshot as snapshots
from drafting.text.diff import Operation, word_diff
from drafting.text.kinds import HEADINGS, Status
from drafting.text.snapshot import Snapshot, SnapshotElement

SAME = "equal"  # SequenceMatcher's tag for a run in both sequences
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHAIRS_OFFICE = "Office of the Chair"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no clock in the file

# Paragraph styles, named for what they are so that a secretariat can restyle the file.
ELEMENT_STYLES = {
    "chapter": "UN Chapter",
    "agenda_item": "UN Agenda Item",
    "section": "UN Section",
    "theme": "UN Theme",
    "subtheme": "UN Subtheme",
    "paragraph": "UN Paragraph",
    "placeholder": "UN Placeholder",
    "preambular": "UN Preambular Paragraph",
    "subparagraph": "UN Subparagraph",
}
ANNEX_STYLES = ("UN Preamble", "UN Document Title", *ELEMENT_STYLES.values())
AGREED_AD_REF_NOTE = " (agreed ad ref.)"
END_LINE = "__________________"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def xml_text(text: str) -> str:
    """Text Word can hold: characters XML 1.0 forbids are left out."""
    return _NOT_XML.sub("", text)


@dataclass
class Change:
    """Who makes a tracked change, and when (``w:author``, ``w:date``)."""

    author: str
    date: datetime

    @property
    def stamp(self) -> str:
        return self.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Story:
    """The body's paragraphs, footnotes and comments of one file, built in reading order.

    Paragraphs are lxml elements in WordprocessingML; ``footnotes`` and ``comments`` hold their
    texts (the parts are written by :func:`package`). Tracked-change ids count from 1.
    """

    paragraphs: list[Any] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    comments: list[tuple[str, str, str]] = field(default_factory=list)  # author, date, text
    next_id: int = 1

    def paragraph(self, style: str, text: str = "", *, align: str = "") -> Any:
        p = etree.Element(w("p"))
        properties = etree.SubElement(p, w("pPr"))
        etree.SubElement(properties, w("pStyle")).set(w("val"), style_id(style))
        if align:
            etree.SubElement(properties, w("jc")).set(w("val"), align)
        if text:
            run(p, text)
        self.paragraphs.append(p)
        return p

    def change_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def tracked(self, parent: Any, kind: str, change: Change) -> Any:
        """A ``w:ins``, ``w:del``, ``w:moveFrom``, ``w:moveTo`` (or ``w:pPrChange``) under
        ``parent``, with its id, author and date."""
        wrapper = etree.SubElement(parent, w(kind))
        wrapper.set(w("id"), self.change_id())
        wrapper.set(w("author"), xml_text(change.author))
        wrapper.set(w("date"), change.stamp)
        return wrapper

    def mark_paragraph(self, p: Any, kind: str, change: Change) -> None:
        """Track the paragraph mark itself: inserted, deleted, moved from or to."""
        properties = p.find(w("pPr"))
        marks = etree.SubElement(properties, w("rPr"))
        self.tracked(marks, kind, change)

    def footnote(self, parent: Any, text: str) -> None:
        """A footnote reference run under ``parent`` and the footnote it calls."""
        self.footnotes.append(text)
        r = etree.SubElement(parent, w("r"))
        etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle")).set(
            w("val"), style_id("UN Footnote Reference")
        )
        etree.SubElement(r, w("footnoteReference")).set(w("id"), str(len(self.footnotes)))

    def comment(self, p: Any, start_index: int, author: str, date: str, text: str) -> None:
        """A Word comment on the runs of ``p`` from child ``start_index`` to its end."""
        comment_id = str(len(self.comments))
        self.comments.append((author, date, text))
        start = etree.Element(w("commentRangeStart"))
        start.set(w("id"), comment_id)
        p.insert(start_index, start)
        etree.SubElement(p, w("commentRangeEnd")).set(w("id"), comment_id)
        r = etree.SubElement(p, w("r"))
        etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle")).set(
            w("val"), style_id("UN Comment Reference")
        )
        etree.SubElement(r, w("commentReference")).set(w("id"), comment_id)


def style_id(name: str) -> str:
    """The style id python-docx gives a style it adds: its name without spaces."""
    return name.replace(" ", "")


def run(parent: Any, text: str, *, deleted: bool = False, style: str = "") -> Any:
    """A run of ``text`` under ``parent`` (tabs and line breaks as Word's own); deleted text
    is ``w:delText``, as Word requires inside ``w:del`` and ``w:moveFrom``."""
    r = etree.SubElement(parent, w("r"))
    if style:
        etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle")).set(w("val"), style_id(style))
    text_tag = w("delText") if deleted else w("t")
    for line_number, line in enumerate(xml_text(text).split("\n")):
        if line_number:
            etree.SubElement(r, w("br"))
        for piece_number, piece in enumerate(line.split("\t")):
            if piece_number:
                etree.SubElement(r, w("tab"))
            if piece:
                t = etree.SubElement(r, text_tag)
                t.text = piece
                if piece[0].isspace() or piece[-1].isspace():
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


# -- What an element's paragraph holds ---------------------------------------------------------


def label_text(element: SnapshotElement) -> str:
    return f"{element['label']}\t" if element["label"] else ""


def status_note(element: SnapshotElement) -> str:
    """ " (agreed ad ref.)" after an agreed bullet or paragraph, as in the PDF (not after a
    heading)."""
    agreed = element["status"] == Status.AGREED and element["kind"] not in HEADINGS
    return AGREED_AD_REF_NOTE if agreed else ""


def element_paragraph(story: Story, element: SnapshotElement) -> Any:
    """One element of a revision as published: label, tab, text, footnotes, status note."""
    p = story.paragraph(ELEMENT_STYLES.get(element["kind"], "UN Paragraph"))
    if label_text(element):
        run(p, label_text(element))
    if element["text"]:
        run(p, element["text"])
    for footnote in element["footnotes"]:
        story.footnote(p, footnote)
    if status_note(element):
        run(p, status_note(element), style="UN Status Note")
    return p


# -- The parts every file shares ---


def masthead(story: Story, *, symbol: str, issued: datetime, meeting: Any) -> None:
    """ "United Nations", the symbol, the distribution lines and the meeting, as on the PDFs."""
    p = story.paragraph("UN Masthead")
    run(p, "United Nations\t")
    run(p, symbol, style="UN Symbol")
    for line in ("Distr.: General", f"{issued.day} {issued:%B %Y}", "Original: English"):
        story.paragraph("UN Distribution", line)
    meeting_lines(story, meeting)


def meeting_lines(story: Story, meeting: Any) -> None:
    story.paragraph("UN Meeting", meeting.title)
    story.paragraph(
        "UN Meeting Place",
        f"{meeting.venue}, {meeting.start_date.day} – {meeting.end_date.day} "
        f"{meeting.end_date:%B %Y}",
    )


def cover_letter(story: Story, revision: Any) -> None:
    paragraphs = [p.strip() for p in revision.cover_letter.split("\n\n") if p.strip()]
    addressees = paragraphs.pop() if paragraphs and paragraphs[-1].startswith("To:") else ""
    for number, paragraph in enumerate(paragraphs):
        story.paragraph("UN Salutation" if number == 0 else "UN Letter", paragraph)
    if revision.signatory:
        story.paragraph("UN Signatory", revision.signatory)
    if addressees:
        story.paragraph("UN Addressees", addressees)


def page_break(story: Story) -> None:
    p = story.paragraph("UN Letter")
    etree.SubElement(etree.SubElement(p, w("r")), w("br")).set(w("type"), "page")


def document_title(snapshot: Snapshot, revision: Any) -> str:
    return f"{snapshot['document']['title']} – {title_case(revision.label)}"


# -- The revision ---


def revision_story(meeting: Any, revision: Any) -> Story:
    story = Story()
    issued = timezone.localtime(revision.issued_at)
    masthead(story, symbol=revision.symbol, issued=issued, meeting=meeting)
    if revision.cover_letter:
        cover_letter(story, revision)
        page_break(story)
    story.paragraph("UN Annex Heading", "Annex")
    meeting_lines(story, meeting)
    snapshot = snapshots.clean_snapshot(revision.snapshot)
    if snapshot["document"].get("preamble"):
        story.paragraph("UN Preamble", snapshot["document"]["preamble"])
    story.paragraph("UN Document Title", document_title(snapshot, revision))
    for element, _depth in snapshots.iter_elements(snapshot["elements"]):
        element_paragraph(story, element)
    story.paragraph("UN End Line", END_LINE, align="center")
    return story


def revision_docx(meeting: Any, revision: Any) -> bytes:
    """The revision as a .docx: same revision, same bytes."""
    story = revision_story(meeting, revision)
    return package(
        story,
        title=f"{revision.snapshot['document']['title']} – {revision.label} ({revision.symbol})",
        author=str(meeting.chair),
        when=revision.issued_at,
        running_head=f"{revision.symbol}\t{revision.label}",
    )


# -- The redline ---


@dataclass
class _Tracker:
    story: Story
    change: Change

    def plain_or_changed(self, p: Any, old: str, new: str, style: str = "") -> None:
        """``old`` becomes ``new`` as one piece (a label, a note): plain when equal."""
        if old == new:
            if new:
                run(p, new, style=style)
            return
        if old:
            run(self.story.tracked(p, "del", self.change), old, deleted=True, style=style)
        if new:
            run(self.story.tracked(p, "ins", self.change), new, style=style)

    def words(self, p: Any, old: str, new: str) -> None:
        """``old`` becomes ``new`` word by word."""
        if old == new:
            if new:
                run(p, new)
            return
        for segment in word_diff(old, new):
            if not segment.text:
                continue
            if segment.op == Operation.EQUAL:
                run(p, segment.text)
            elif segment.op == Operation.INSERT:
                run(self.story.tracked(p, "ins", self.change), segment.text)
            else:
                run(self.story.tracked(p, "del", self.change), segment.text, deleted=True)

    def footnotes(self, p: Any, old: list[str], new: list[str]) -> None:
        if old == new:
            for text in new:
                self.story.footnote(p, text)
            return
        if old:
            removed = self.story.tracked(p, "del", self.change)
            for text in old:
                self.story.footnote(removed, text)
        if new:
            added = self.story.tracked(p, "ins", self.change)
            for text in new:
                self.story.footnote(added, text)

    def common(self, old: SnapshotElement, new: SnapshotElement) -> None:
        """An element in both, in the same order: its changes word by word."""
        p = self.story.paragraph(ELEMENT_STYLES.get(new["kind"], "UN Paragraph"))
        self.plain_or_changed(p, label_text(old), label_text(new))
        self.words(p, old["text"], new["text"])
        self.footnotes(p, old["footnotes"], new["footnotes"])
        self.plain_or_changed(p, status_note(old), status_note(new), style="UN Status Note")
        if old["status"] != new["status"]:
            self.status_changed(p)

    def status_changed(self, p: Any) -> None:
        """A change of status is also a tracked property change of the paragraph (Word's
        review pane lists it as the chair's), its earlier properties being the same style."""
        properties = p.find(w("pPr"))
        change = self.story.tracked(properties, "pPrChange", self.change)
        earlier = etree.SubElement(change, w("pPr"))
        etree.SubElement(earlier, w("pStyle")).set(
            w("val"), properties.find(w("pStyle")).get(w("val"))
        )

    def whole(self, element: SnapshotElement, kind: str, move_name: str = "") -> None:
        """An element inserted or deleted, or one end of a move: the whole paragraph, its
        mark included, is one tracked change of ``kind``."""
        p = self.story.paragraph(ELEMENT_STYLES.get(element["kind"], "UN Paragraph"))
        self.story.mark_paragraph(p, kind, self.change)
        range_id = ""
        if move_name:
            start = etree.SubElement(p, w(f"{kind}RangeStart"))
            range_id = self.story.change_id()
            start.set(w("id"), range_id)
            start.set(w("author"), self.change.author)
            start.set(w("date"), self.change.stamp)
            start.set(w("name"), move_name)
        wrapper = self.story.tracked(p, kind, self.change)
        gone = kind in {"del", "moveFrom"}
        text = label_text(element) + element["text"]
        if text:
            run(wrapper, text, deleted=gone)
        for footnote in element["footnotes"]:
            self.story.footnote(wrapper, footnote)
        if status_note(element):
            run(wrapper, status_note(element), deleted=gone, style="UN Status Note")
        if move_name:
            etree.SubElement(p, w(f"{kind}RangeEnd")).set(w("id"), range_id)


def redline_story(
    story: Story,
    old_elements: list[SnapshotElement],
    new_elements: list[SnapshotElement],
    change: Change,
) -> None:
    """The annex's elements from ``old_elements`` to ``new_elements`` (both clean trees) as
    tracked changes.

    The two reading orders are matched by element id (difflib's longest matching blocks):
    elements in a matched block are compared word by word; an element in both but outside
    the matched blocks moved (moveFrom at its old place, moveTo at its new place, the pair
    named by its id); the others were added or dropped. Rejecting everything thus restores
    the old reading order exactly, accepting everything gives the new one.
    """
    old_flat = [element for element, _depth in snapshots.iter_elements(old_elements)]
    new_flat = [element for element, _depth in snapshots.iter_elements(new_elements)]
    old_ids = [element["id"] for element in old_flat]
    new_ids = [element["id"] for element in new_flat]
    matcher = SequenceMatcher(None, old_ids, new_ids, autojunk=False)
    in_both = set(old_ids) & set(new_ids)
    tracker = _Tracker(story, change)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == SAME:  # difflib's opcode for a run found in both
            for old, new in zip(old_flat[i1:i2], new_flat[j1:j2], strict=True):
                tracker.common(old, new)
            continue
        for old in old_flat[i1:i2]:
            moved = old["id"] in in_both
            tracker.whole(old, "moveFrom" if moved else "del", f"move{old['id']}" if moved else "")
        for new in new_flat[j1:j2]:
            moved = new["id"] in in_both
            tracker.whole(new, "moveTo" if moved else "ins", f"move{new['id']}" if moved else "")


def redline_docx(meeting: Any, revision: Any, against: Any | None) -> bytes:
    """The redline of ``revision`` against ``against`` (None: an empty document) as Word
    tracked changes by the chair's office, dated at the revision's issue."""
    story = Story()
    issued = timezone.localtime(revision.issued_at)
    change = Change(author=CHAIRS_OFFICE, date=revision.issued_at)
    masthead(story, symbol=revision.symbol, issued=issued, meeting=meeting)
    story.paragraph(
        "UN Note",
        (
            f"{revision.label} against {against.label} ({against.symbol}): every change is a "
            "tracked change; accepting all of them gives "
            f"{revision.label}, rejecting all of them gives {against.label}."
        )
        if against is not None
        else f"{revision.label} as tracked insertions.",
    )
    story.paragraph("UN Annex Heading", "Annex")
    meeting_lines(story, meeting)
    new = snapshots.clean_snapshot(revision.snapshot)
    old = snapshots.clean_snapshot(against.snapshot) if against is not None else None
    tracker = _Tracker(story, change)
    old_preamble = old["document"].get("preamble", "") if old else ""
    new_preamble = new["document"].get("preamble", "")
    if old_preamble == new_preamble and new_preamble:
        story.paragraph("UN Preamble", new_preamble)
    elif old_preamble and new_preamble:
        tracker.words(story.paragraph("UN Preamble"), old_preamble, new_preamble)
    elif old_preamble or new_preamble:
        p = story.paragraph("UN Preamble")
        kind = "ins" if new_preamble else "del"
        story.mark_paragraph(p, kind, change)
        run(story.tracked(p, kind, change), new_preamble or old_preamble, deleted=kind == "del")
    old_title = document_title(old, against) if old else ""
    title = story.paragraph("UN Document Title")
    if not old_title:
        story.mark_paragraph(title, "ins", change)
    tracker.words(title, old_title, document_title(new, revision))
    redline_story(story, old["elements"] if old else [], new["elements"], change)
    story.paragraph("UN End Line", END_LINE, align="center")
    return package(
        story,
        title=f"{new['document']['title']} – {revision.label} ({revision.symbol}), redline",
        author=CHAIRS_OFFICE,
        when=revision.issued_at,
        running_head=f"{revision.symbol}\t{revision.label}, redline",
    )


# -- The compilation ---


def delegation_author(proposal: Any) -> str:
    """The author Word shows for a proposal: "Kenya", or "Kenya on behalf of the African Group"."""
    name = proposal.delegation.name
    if proposal.on_behalf_of_id:
        # Only groups are spoken for ("the African Group", "the Non-Aligned Movement").
        group = proposal.on_behalf_of.name
        article = "" if group.lower().startswith("the ") else "the "
        return f"{name} on behalf of {article}{group}"
    return name


def _names(entries: Sequence[Any]) -> str:
    return ", ".join(f"{m.name} ({m.note})" if m.note else m.name for m in entries) or "none"


def proposal_comment(proposal: Any, marks: presenters.MarkSummary) -> str:
    lines = []
    if proposal.rationale:
        lines.append(f"Rationale: {proposal.rationale}")
    lines.append(f"Supported by: {_names(marks.supporting)}.")
    lines.extend(
        f"{group.heading} {_names(group.entries)}."
        for group in marks.stated
        if group.stance in {MarkStance.CAN_ACCEPT, MarkStance.RESERVATION}
    )
    lines.append(f"Opposed by: {_names(marks.opposing)}.")
    if marks.earlier:
        earlier = ", ".join(f"{m.name} ({m.stance}, version {m.version})" for m in marks.earlier)
        lines.append(f"Given to an earlier version, no longer counted: {earlier}.")
    return "\n".join(lines)


def compilation_rows(revision: Any) -> list[presenters.CompiledElement]:
    """The elements of ``revision`` that have proposals made against it, each with them, in
    reading order; a delegation's drafts are its own and never listed (as in the PDF)."""
    from drafting import selectors
    from drafting.models import PRIVATE_STATUSES

    proposals = list(
        selectors.proposals_queryset()
        .filter(document_id=revision.document_id, base_revision=revision)
        .exclude(status__in=PRIVATE_STATUSES)
        .order_by("submitted_at", "id")
    )
    view = presenters.present(snapshots.clean_snapshot(revision.snapshot))
    rows, _per_item = presenters.compile_rows(view, proposals)
    return [row for row in rows if row.proposals]


def compilation_docx(
    meeting: Any, revision: Any, rows: Iterable[presenters.CompiledElement], as_of: datetime
) -> bytes:
    """The compilation: under each element with proposals, each proposal as its delegation's
    tracked change on the element's text (numbered alternatives when there are several), its
    rationale and marks in a comment by the delegation. ``rows`` are
    :func:`presenters.compile_rows`' rows that have proposals."""
    story = Story()
    stamp = as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    masthead(
        story,
        symbol=f"{revision.symbol} – compilation",
        issued=timezone.localtime(revision.issued_at),
        meeting=meeting,
    )
    title = revision.snapshot["document"]["title"]
    story.paragraph("UN Document Title", f"Compilation of proposals on {title} – {revision.label}")
    local = timezone.localtime(as_of)
    story.paragraph(
        "UN Note",
        f"As of {local.day} {local:%B %Y, %H:%M} (New York time). Each proposal is a tracked "
        "change by its delegation; rationales, support and opposition are comments.",
    )
    total = 0
    for row in rows:
        element = row.element
        p = story.paragraph(ELEMENT_STYLES.get(element.kind, "UN Paragraph"))
        run(p, f"{element.label}\t" if element.label else "")
        run(p, element.text or "(empty bullet)")
        several = len(row.proposals) > 1
        for number, item in enumerate(row.proposals, start=1):
            total += 1
            proposal = item.proposal
            author = delegation_author(proposal)
            date = proposal.submitted_at or as_of
            change = Change(author=author, date=date)
            heading = f"Alternative {number}: " if several else ""
            story.paragraph(
                "UN Proposal Heading",
                f"{heading}{author} – {proposal.get_kind_display()} ({proposal.status_label})",
            )
            body = story.paragraph("UN Proposal")
            first = len(body)
            if proposal.kind == ProposalKind.COMMENT:
                run(body, element.text or "")
            else:
                for segment in item.segments:
                    if segment.op == Operation.EQUAL:
                        run(body, segment.text)
                    elif segment.op == Operation.INSERT:
                        run(story.tracked(body, "ins", change), segment.text)
                    else:
                        run(story.tracked(body, "del", change), segment.text, deleted=True)
            story.comment(
                body,
                first,
                author,
                change.stamp if proposal.submitted_at else stamp,
                proposal_comment(proposal, item.marks),
            )
    if total == 0:
        story.paragraph("UN Note", f"No proposal was made against {revision.label}.")
    story.paragraph("UN End Line", END_LINE, align="center")
    return package(
        story,
        title=f"Compilation of proposals on {title} – {revision.label} ({revision.symbol})",
        author=CHAIRS_OFFICE,
        when=as_of,
        running_head=f"{revision.symbol}\tcompilation of proposals",
    )


# -- The package ---

_PARAGRAPH_STYLES: dict[str, dict[str, Any]] = {
    "UN Masthead": {"bold": True, "size": 14, "space_after": 12},
    "UN Distribution": {"align": "right", "size": 10},
    "UN Meeting": {"bold": True, "space_before": 12},
    "UN Meeting Place": {"space_after": 12},
    "UN Salutation": {"space_after": 6},
    "UN Letter": {"space_after": 6},
    "UN Signatory": {"space_before": 18},
    "UN Addressees": {"space_before": 18, "size": 10},
    "UN Annex Heading": {"bold": True, "size": 12, "align": "right"},
    "UN Note": {"italic": True, "space_after": 12},
    "UN Preamble": {"italic": True, "space_after": 6},
    "UN Document Title": {"bold": True, "size": 12, "space_before": 12, "space_after": 12},
    "UN Chapter": {"bold": True, "space_before": 12, "hanging": 1.0, "keep": True},
    "UN Agenda Item": {"bold": True, "space_before": 12, "hanging": 1.0, "keep": True},
    "UN Section": {"indent": 1.0, "space_before": 6, "hanging": 1.0, "keep": True},
    "UN Theme": {"indent": 1.0, "hanging": 0.75},
    "UN Subtheme": {"indent": 1.75, "hanging": 0.75},
    "UN Paragraph": {"indent": 1.0, "hanging": 1.0},
    "UN Placeholder": {"indent": 1.0, "hanging": 0.75},
    "UN Preambular Paragraph": {"indent": 1.0, "hanging": 1.0},
    "UN Subparagraph": {"indent": 2.0, "hanging": 1.0},
    "UN Proposal Heading": {"bold": True, "size": 10, "indent": 1.0, "space_before": 6},
    "UN Proposal": {"indent": 1.0},
    "UN Footnote Text": {"size": 9},
    "UN Comment Text": {"size": 10},
    "UN End Line": {"space_before": 24},
    "UN Running Head": {"size": 8},
    "UN Page Number": {"size": 8, "align": "center"},
}
_CHARACTER_STYLES: dict[str, dict[str, Any]] = {
    "UN Symbol": {"bold": True, "size": 12},
    "UN Status Note": {"italic": True},
    "UN Footnote Reference": {"superscript": True},
    "UN Comment Reference": {"size": 8},
}


def _add_styles(document: Any) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    for name, spec in _PARAGRAPH_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        font, layout = style.font, style.paragraph_format
        font.bold = spec.get("bold")
        font.italic = spec.get("italic")
        if "size" in spec:
            font.size = Pt(spec["size"])
        if spec.get("align"):
            layout.alignment = getattr(WD_ALIGN_PARAGRAPH, spec["align"].upper())
        layout.space_before = Pt(spec.get("space_before", 0))
        layout.space_after = Pt(spec.get("space_after", 3))
        indent = spec.get("indent", 0) + spec.get("hanging", 0)
        if indent:
            layout.left_indent = Cm(indent)
        if spec.get("hanging"):
            layout.first_line_indent = Cm(-spec["hanging"])
            layout.tab_stops.add_tab_stop(Cm(indent))
        if spec.get("keep"):
            layout.keep_with_next = True
    for name in ("UN Masthead", "UN Running Head"):
        styles[name].paragraph_format.tab_stops.add_tab_stop(
            Cm(16), alignment=WD_TAB_ALIGNMENT.RIGHT
        )
    for name, spec in _CHARACTER_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.font.bold = spec.get("bold")
        style.font.italic = spec.get("italic")
        style.font.superscript = spec.get("superscript")
        if "size" in spec:
            style.font.size = Pt(spec["size"])


def _footnotes_xml(story: Story) -> Any:
    """The footnotes part: Word's separator and continuation separator (ids -1 and 0), then
    each footnote (ids from 1) with its own number mark."""
    root = etree.Element(w("footnotes"), nsmap={"w": W_NS})
    for footnote_id, kind, mark in (
        ("-1", "separator", "separator"),
        ("0", "continuationSeparator", "continuationSeparator"),
    ):
        note = etree.SubElement(root, w("footnote"))
        note.set(w("type"), kind)
        note.set(w("id"), footnote_id)
        p = etree.SubElement(note, w("p"))
        etree.SubElement(etree.SubElement(p, w("r")), w(mark))
    for number, text in enumerate(story.footnotes, start=1):
        note = etree.SubElement(root, w("footnote"))
        note.set(w("id"), str(number))
        p = etree.SubElement(note, w("p"))
        etree.SubElement(etree.SubElement(p, w("pPr")), w("pStyle")).set(
            w("val"), style_id("UN Footnote Text")
        )
        r = etree.SubElement(p, w("r"))
        etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle")).set(
            w("val"), style_id("UN Footnote Reference")
        )
        etree.SubElement(r, w("footnoteRef"))
        run(p, f" {text}")
    return root


def _comments_xml(story: Story) -> Any:
    root = etree.Element(w("comments"), nsmap={"w": W_NS})
    for comment_id, (author, date, text) in enumerate(story.comments):
        comment = etree.SubElement(root, w("comment"))
        comment.set(w("id"), str(comment_id))
        comment.set(w("author"), xml_text(author))
        comment.set(w("date"), date)
        comment.set(w("initials"), "".join(word[0] for word in author.split() if word)[:8])
        for line in text.split("\n"):
            p = etree.SubElement(comment, w("p"))
            etree.SubElement(etree.SubElement(p, w("pPr")), w("pStyle")).set(
                w("val"), style_id("UN Comment Text")
            )
            run(p, line)
    return root


def _xml_part(document: Any, name: str, content_type: str, relationship: str, root: Any) -> None:
    element = parse_xml(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    )
    part = XmlPart(PackURI(name), content_type, element, document.part.package)
    document.part.relate_to(part, relationship)


def _running_head_and_page_numbers(section: Any, running_head: str) -> None:
    """The symbol and label at the head of every page, "page/pages" at its foot."""
    head = section.header.paragraphs[0]
    head.style = "UN Running Head"
    run(head._p, running_head)
    foot = section.footer.paragraphs[0]
    foot.style = "UN Page Number"
    for number, instruction in enumerate(("PAGE", "NUMPAGES")):
        if number:
            run(foot._p, "/")
        field = etree.SubElement(foot._p, w("fldSimple"))
        field.set(w("instr"), f" {instruction} ")
        run(field, "1")


@functools.cache
def _template() -> bytes:
    """The empty document every file starts from: python-docx's default with our styles and
    A4 pages. Made once per process (adding styles through python-docx scans every style:
    most of a small file's time); a constant, not data."""
    document = docx.Document()
    _add_styles(document)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    body = document.element.body
    for old in body.findall(w("p")):
        body.remove(old)
    # Word names its separator footnotes in the settings too (before w:compat, per the schema).
    notes = etree.Element(w("footnotePr"))
    for separator in ("-1", "0"):
        etree.SubElement(notes, w("footnote")).set(w("id"), separator)
    document.settings.element.find(w("compat")).addprevious(notes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def package(
    story: Story, *, title: str, author: str, when: datetime, running_head: str = ""
) -> bytes:
    """The .docx of ``story``: styles, body, footnotes and comments parts, core properties
    dated ``when``, zipped with one fixed timestamp in python-docx's part order."""
    document = docx.Document(io.BytesIO(_template()))
    if running_head:
        _running_head_and_page_numbers(document.sections[0], running_head)
    section_properties = document.element.body.find(w("sectPr"))
    for p in story.paragraphs:
        section_properties.addprevious(p)
    _xml_part(
        document, "/word/footnotes.xml", CT.WML_FOOTNOTES, RT.FOOTNOTES, _footnotes_xml(story)
    )
    if story.comments:
        _xml_part(
            document, "/word/comments.xml", CT.WML_COMMENTS, RT.COMMENTS, _comments_xml(story)
        )
    properties = document.core_properties
    properties.title = xml_text(title)[:255]
    properties.author = properties.last_modified_by = xml_text(author)[:255]
    properties.created = properties.modified = properties.last_printed = when.astimezone(
        UTC
    ).replace(tzinfo=None, microsecond=0)
    properties.revision = 1
    properties.comments = properties.keywords = properties.subject = properties.category = ""
    return _zipped(document.part.package)


class _FixedTimeZip:
    """What python-docx's package writer writes to, with one fixed timestamp per entry
    (its own stamps each with the clock)."""

    def __init__(self, target: io.BytesIO) -> None:
        self.archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)

    def write(self, uri: PackURI, blob: bytes) -> None:
        info = zipfile.ZipInfo(uri.membername, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        self.archive.writestr(info, blob)

    def close(self) -> None:
        self.archive.close()


def _zipped(package: Any) -> bytes:
    """The package's parts as python-docx saves them (``OpcPackage.save``), in its order."""
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _FixedTimeZip(out)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)  # type: ignore[arg-type] # same write/close
    writer.close()
    return out.getvalue()


@dataclass
class WordFile:
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


KINDS = ("revision", "redline", "compilation")


def word_file(
    meeting: Any,
    revision: Any,
    kind: str,
    *,
    against: Any | None = None,
    as_of: datetime | None = None,
) -> bytes:
    """One of the Word files of ``revision``: the revision, its redline against ``against``
    (by default the revision before it; the zero draft's: against an empty document), or the
    compilation of proposals as they stand at ``as_of`` (now when not given)."""
    if kind == FileKind.REVISION:
        return revision_docx(meeting, revision)
    if kind == FileKind.REDLINE:
        if against is None:
            against = (
                type(revision)
                .objects.filter(document_id=revision.document_id, number__lt=revision.number)
                .order_by("-number")
                .first()
            )
        return redline_docx(meeting, revision, against)
    if kind == FileKind.COMPILATION:
        return compilation_docx(
            meeting, revision, compilation_rows(revision), as_of or timezone.now()
        )
    raise ValueError(f"Unknown Word file {kind!r}")


def file_name(
    revision: Any, kind: str, *, against: Any | None = None, extension: str = "docx"
) -> str:
    """E.g. A-CONF.192-BMS-2021-WP.1-Rev.1-redline.docx (against a chosen revision:
    ...-redline-against-0.docx)."""
    base = revision.symbol.replace("/", "-")
    if kind == FileKind.REVISION:
        return f"{base}.{extension}"
    if kind == FileKind.REDLINE and against is not None:
        return f"{base}-redline-against-{against.number}.{extension}"
    return f"{base}-{kind}.{extension}"
