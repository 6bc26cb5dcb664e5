"""Akoma Ntoso 3.0 XML of an issued revision (the OASIS LegalDocML standard), following the
AKN4UN naming conventions as far as they apply to a negotiated outcome document.

- The document is a ``statement`` named ``outcomeDocument`` (AKN4UN's type for resolutions and
  declarations of UN bodies).
- FRBR metadata: the work is the outcome document of the meeting (one for all its revisions);
  each revision is an expression of it, dated at its issue, with its symbol as an alias
  (``FRBRalias name="symbol"``) and its label as the version.
- The annex's elements are hierarchical elements: agenda items and sections are
  ``hcontainer``s named ``agendaItem`` and ``section``, bullets (themes, subthemes, empty
  bullets) ``point``s, numbered paragraphs ``paragraph``s; each has its label as ``num``.
- ``eId``s come from the elements' own ids, which an element keeps from revision to revision
  (moved, renumbered, reworded): ``agendaItem_1``, ``point_6``, ``point_6__authorialNote_1``.
  The same element has the same eId in every revision, and no two elements share one.
- Footnotes are ``authorialNote``s where they are called; brackets stay in the text as text.

Plain data in, bytes out: no clock (dates are the revision's), the same revision gives the
same bytes.
"""

from typing import Any

from django.utils import timezone
from lxml import etree

from drafting.text import snapshot as snapshots
from drafting.text.kinds import Status
from drafting.text.snapshot import SnapshotElement

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
CONTENT_TYPE = "application/akn+xml"
AGREED_AD_REF_NOTE = "(agreed ad ref.)"

# kind -> (element, its name attribute for an hcontainer, the eId prefix)
HIERARCHY = {
    "chapter": ("chapter", "", "chp"),
    "agenda_item": ("hcontainer", "agendaItem", "agendaItem"),
    "section": ("hcontainer", "section", "section"),
    "theme": ("point", "", "point"),
    "subtheme": ("point", "", "point"),
    "placeholder": ("point", "", "point"),
    "paragraph": ("paragraph", "", "para"),
    "preambular": ("hcontainer", "preambularParagraph", "preambular"),
    "subparagraph": ("subparagraph", "", "subpara"),
}
HEADED_KINDS = {"chapter", "agenda_item", "section"}


def a(tag: str) -> str:
    return f"{{{AKN_NS}}}{tag}"


def sub(parent: Any, tag: str, text: str = "", **attributes: str) -> Any:
    element = etree.SubElement(parent, a(tag), {k: v for k, v in attributes.items() if v})
    if text:
        element.text = _xml_text(text)
    return element


def _xml_text(text: str) -> str:
    from drafting.exports.docx_export import xml_text

    return xml_text(text)


def element_eid(element: SnapshotElement) -> str:
    """The element's eId: from its kind and its own id, so the same in every revision."""
    return f"{HIERARCHY.get(element['kind'], HIERARCHY['paragraph'])[2]}_{element['id']}"


def _inline(parent: Any, element: SnapshotElement, eid: str) -> None:
    """The element's text, its status note and its footnotes (``authorialNote``s) inside
    ``parent`` (a ``heading`` or a ``p``)."""
    parent.text = _xml_text(element["text"])
    last = None
    if element["status"] == Status.AGREED and element["kind"] not in HEADED_KINDS:
        last = sub(parent, "span", AGREED_AD_REF_NOTE, **{"class": "status"})
        last.tail = None
        # One space before the note, as in the other formats.
        parent.text = (parent.text or "") + " "
    for number, footnote in enumerate(element["footnotes"], start=1):
        note = sub(
            parent,
            "authorialNote",
            marker=str(number),
            placement="bottom",
            eId=f"{eid}__authorialNote_{number}",
        )
        sub(note, "p", footnote)


def _hierarchy(parent: Any, element: SnapshotElement) -> None:
    tag, name, _prefix = HIERARCHY.get(element["kind"], HIERARCHY["paragraph"])
    eid = element_eid(element)
    node = sub(parent, tag, eId=eid, name=name)
    if element["label"]:
        sub(node, "num", element["label"])
    children = element["children"]
    if element["kind"] in HEADED_KINDS:
        _inline(sub(node, "heading"), element, eid)
    elif children:
        _inline(sub(sub(node, "intro"), "p"), element, eid)
    if children:
        for child in children:
            _hierarchy(node, child)
    elif element["kind"] in HEADED_KINDS:
        sub(sub(node, "content"), "p")
    else:
        _inline(sub(sub(node, "content"), "p"), element, eid)


def revision_akn(meeting: Any, revision: Any) -> bytes:
    """The revision as Akoma Ntoso 3.0 XML (UTF-8): deleted elements left out, the rest
    labelled as published (see :func:`snapshot.clean_snapshot`)."""
    issued = timezone.localtime(revision.issued_at).date().isoformat()
    snapshot = snapshots.clean_snapshot(revision.snapshot)
    work = f"/akn/un/statement/outcomeDocument/{meeting.start_date.isoformat()}/{meeting.slug}"
    expression = f"{work}/eng@{issued}"
    root = etree.Element(a("akomaNtoso"), nsmap={None: AKN_NS})
    document = sub(root, "statement", name="outcomeDocument")
    meta = sub(document, "meta")
    identification = sub(meta, "identification", source="#chair")
    levels = (
        ("FRBRWork", f"{work}/!main", work, meeting.start_date.isoformat(), "meeting"),
        ("FRBRExpression", f"{expression}/!main", expression, issued, "issued"),
        ("FRBRManifestation", f"{expression}/!main.xml", f"{expression}.akn", issued, "issued"),
    )
    for level, this, uri, day, date_name in levels:
        node = sub(identification, level)
        sub(node, "FRBRthis", value=this)
        sub(node, "FRBRuri", value=uri)
        if level == "FRBRWork":
            sub(node, "FRBRalias", value=meeting.title[:500], name="meeting")
        if level == "FRBRExpression":
            sub(node, "FRBRalias", value=revision.symbol, name="symbol")
        sub(node, "FRBRdate", date=day, name=date_name)
        sub(node, "FRBRauthor", href="#chair")
        if level == "FRBRWork":
            sub(node, "FRBRcountry", value="un")
            sub(node, "FRBRname", value=snapshot["document"]["title"][:500])
        if level == "FRBRExpression":
            sub(node, "FRBRversionNumber", value=revision.label)
            sub(node, "FRBRlanguage", language="eng")
    references = sub(meta, "references", source="#chair")
    sub(
        references,
        "TLCOrganization",
        eId="chair",
        href=f"/ontology/organization/un/{meeting.slug}.chair",
        showAs=meeting.chair or "Chair",
    )
    preface = sub(document, "preface")
    sub(sub(preface, "p", **{"class": "symbol"}), "docNumber", revision.symbol)
    day = timezone.localtime(revision.issued_at)
    sub(sub(preface, "p", **{"class": "date"}), "docDate", f"{day.day} {day:%B %Y}", date=issued)
    sub(sub(preface, "p", **{"class": "meeting"}), "docProponent", meeting.title)
    title = f"{snapshot['document']['title']} – {revision.label}"
    sub(sub(preface, "p", **{"class": "title"}), "docTitle", title)
    if snapshot["document"].get("preamble"):
        sub(preface, "p", snapshot["document"]["preamble"], **{"class": "preamble"})
    body = sub(document, "mainBody")
    for element in snapshot["elements"]:
        _hierarchy(body, element)
    if not snapshot["elements"]:
        sub(body, "p")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def file_name(revision: Any) -> str:
    return f"{revision.symbol.replace('/', '-')}.akn.xml"
