"""Reading our .docx files back in the tests: the annex's paragraphs as text, and Word's
"accept all changes" and "reject all changes" done on the XML.

Accepting keeps inserted and moved-to content and drops deleted and moved-from content
(a paragraph whose mark is deleted goes with it, as its content is all deleted in our files);
rejecting does the reverse. Footnote references read as ``{fn:TEXT}``.
"""

import copy
import io
import zipfile

from lxml import etree

from drafting.exports.docx_export import ANNEX_STYLES, W_NS, style_id

W = f"{{{W_NS}}}"
ANNEX_STYLE_IDS = {style_id(name) for name in ANNEX_STYLES}


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def body(content: bytes):
    return etree.fromstring(parts(content)["word/document.xml"]).find(f"{W}body")


def footnotes(content: bytes) -> dict[str, str]:
    xml = parts(content).get("word/footnotes.xml")
    if xml is None:
        return {}
    root = etree.fromstring(xml)
    return {
        note.get(f"{W}id"): "".join(note.itertext()).strip()
        for note in root.iter(f"{W}footnote")
        if note.get(f"{W}type") is None
    }


def settle(body_element, *, accept: bool):
    """A copy of ``body_element`` with every tracked change accepted (or rejected)."""
    result = copy.deepcopy(body_element)
    keep, drop = (
        (("ins", "moveTo"), ("del", "moveFrom"))
        if accept
        else (
            ("del", "moveFrom"),
            ("ins", "moveTo"),
        )
    )
    for p in list(result.iter(f"{W}p")):
        marks = p.find(f"{W}pPr/{W}rPr")
        if marks is not None and any(marks.find(f"{W}{kind}") is not None for kind in drop):
            p.getparent().remove(p)
            continue
        if marks is not None:
            for kind in keep:
                for mark in marks.findall(f"{W}{kind}"):
                    marks.remove(mark)
    for kind in drop:
        for wrapper in list(result.iter(f"{W}{kind}")):
            wrapper.getparent().remove(wrapper)
    for kind in keep:
        for wrapper in list(result.iter(f"{W}{kind}")):
            parent, index = wrapper.getparent(), wrapper.getparent().index(wrapper)
            for offset, child in enumerate(list(wrapper)):
                parent.insert(index + offset, child)
            parent.remove(wrapper)
    for deleted_text in list(result.iter(f"{W}delText")):
        deleted_text.tag = f"{W}t"
    for marker in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd"):
        for element in list(result.iter(f"{W}{marker}")):
            element.getparent().remove(element)
    return result


def paragraph_text(p, notes: dict[str, str]) -> str:
    pieces = []
    for node in p.iter():
        if node.tag == f"{W}t" and node.text:
            pieces.append(node.text)
        elif node.tag == f"{W}tab" and node.getparent().tag == f"{W}r":
            pieces.append("\t")
        elif node.tag == f"{W}footnoteReference":
            pieces.append("{fn:" + notes[node.get(f"{W}id")] + "}")
    return "".join(pieces)


def annex_texts(body_element, notes: dict[str, str]) -> list[str]:
    """The texts of the annex's paragraphs (preamble, title, elements), in order."""
    found = []
    for p in body_element.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") in ANNEX_STYLE_IDS:
            found.append(paragraph_text(p, notes))
    return found


def change_authors(content: bytes) -> set[str]:
    root = etree.fromstring(parts(content)["word/document.xml"])
    return {
        element.get(f"{W}author")
        for kind in ("ins", "del", "moveFrom", "moveTo")
        for element in root.iter(f"{W}{kind}")
    }
