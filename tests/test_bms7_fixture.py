"""The BMS7 zero draft loads faithfully: every element of the seed's annex, in order,
in its words.
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from drafting.models import Delegation, DelegationKind, Element, Footnote, Revision
from drafting.render.presenters import count_kinds
from drafting.selectors import working_draft_snapshot
from drafting.text.snapshot import content_hash, iter_elements

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "fixtures" / "source" / "bms7_zero_draft_seed.txt").read_text(encoding="utf-8")
ANNEX = SEED[SEED.index("BMS7 Outcome Document – Zero Draft") :]


def _normalise(text: str) -> str:
    """Join the seed's wrapped lines: a word broken after a hyphen joins without a space."""
    joined = re.sub(r"(\w)-[ \t]*\n\s*(?=[a-z])", r"\1-", text)
    return re.sub(r"\s+", " ", joined)


def _seed_line_counts() -> dict[str, int]:
    """Count the annex's kinds straight from the seed's lines, independently of the fixture."""
    lines = [line.strip() for line in ANNEX.splitlines()]
    return {
        "agenda_item": sum(bool(re.match(r"^\d\. \[", line)) for line in lines),
        "lettered_section": sum(bool(re.match(r"^[a-e]\) ", line)) for line in lines),
        "way_forward": sum(line == "The Way Forward" for line in lines),
        "theme": sum(bool(re.match(r"^- \S", line)) for line in lines),
        "subtheme": sum(bool(re.match(r"^o \S", line)) for line in lines),
        "placeholder": sum(line == "-" for line in lines),
        "footnote": sum(bool(re.match(r"^\d +Based on", line)) for line in lines),
    }


def test_seed_copy_in_the_repo_is_the_shared_seed():
    """fixtures/source keeps a copy of the seed so the record travels with the code."""
    shared = ROOT.parent / "shared" / "seeds" / "000_874f4bdb92de9618.txt"
    if shared.exists():
        assert shared.read_text(encoding="utf-8") == SEED


def test_fixture_is_built_from_its_sources(tmp_path, settings):
    """fixtures/bms7.json is exactly what build_bms7_fixture makes from fixtures/source/."""
    call_command("build_bms7_fixture", "--check")


@pytest.mark.django_db
def test_counts_of_every_kind_match_the_seed(bms7):
    seed = _seed_line_counts()
    counts = count_kinds(working_draft_snapshot(bms7.document))
    assert seed == {
        "agenda_item": 5,
        "lettered_section": 5,
        "way_forward": 4,
        "theme": 60,
        "subtheme": 14,
        "placeholder": 12,
        "footnote": 5,
    }
    assert counts == {
        "agenda_item": seed["agenda_item"],
        "section": seed["lettered_section"] + seed["way_forward"],
        "theme": seed["theme"],
        "subtheme": seed["subtheme"],
        "placeholder": seed["placeholder"],
    }
    assert Footnote.objects.count() == seed["footnote"]
    assert (
        Element.objects.filter(kind="section", unnumbered=True, text="The Way Forward").count() == 4
    )


@pytest.mark.django_db
def test_every_text_appears_in_the_seed_in_order(bms7):
    """Each element's text is found in the seed's annex after the previous one.

    Same words, same order; footnotes too.
    """
    annex = _normalise(ANNEX)
    cursor = 0
    for element, _depth in iter_elements(working_draft_snapshot(bms7.document)["elements"]):
        if element["kind"] == "placeholder":
            assert element["text"] == ""
            continue
        found = annex.find(element["text"], cursor)
        assert found >= 0, f"not found in order in the seed: {element['text']!r}"
        cursor = found + len(element["text"])
        for footnote in element["footnotes"]:
            assert footnote in annex, f"footnote not in the seed: {footnote!r}"


@pytest.mark.django_db
def test_seed_typos_and_typography_are_kept(bms7):
    """The seed is the record: its typos and typographic apostrophes stay."""
    texts = set(Element.objects.values_list("text", flat=True))
    assert "Capacities of export and important licensing authorities" in texts
    assert "States’ responsibility for combating illicit trafficking of SALW" in texts
    assert "SG’s Disarmament Agenda" in texts
    footnote_2 = Footnote.objects.get(
        element__text__startswith="[Consideration of the implementation of the International"
    )
    assert footnote_2.text.endswith("by the Chair – designate..")
    assert "open informal-informal consultations" in footnote_2.text


@pytest.mark.django_db
def test_zero_draft_is_revision_0_and_equals_the_working_draft(bms7):
    revision = Revision.objects.get(document=bms7.document, number=0)
    assert revision.label == "Zero draft"
    assert revision.symbol == bms7.symbol_prefix
    assert revision.cover_letter.startswith("Excellency,")
    assert "put forward concrete proposals" in revision.cover_letter
    assert revision.content_hash == content_hash(revision.snapshot)
    assert revision.snapshot == working_draft_snapshot(bms7.document)


@pytest.mark.django_db
def test_every_element_starts_its_history_with_the_zero_draft(bms7):
    assert Element.history.filter(history_type="+").count() == Element.objects.count()
    record = Element.history.first()
    assert record.history_change_reason == "Zero draft circulated by the chair-designate of BMS7"


@pytest.mark.django_db
def test_delegations_are_all_member_states_observers_and_groups(bms7):
    assert Delegation.objects.filter(kind=DelegationKind.MEMBER_STATE).count() == 193
    assert set(
        Delegation.objects.filter(kind=DelegationKind.OBSERVER_STATE).values_list("name", flat=True)
    ) == {"Holy See", "State of Palestine"}
    eu = Delegation.objects.get(short_name="EU")
    assert eu.kind == DelegationKind.IGO and eu.members.count() == 27
    groups = {
        d.short_name: d.members.count()
        for d in Delegation.objects.filter(kind=DelegationKind.GROUP)
    }
    assert groups["NAM"] == 120
    assert groups["Arab Group"] == 22
    regional = ["African Group", "Asia-Pacific Group", "Eastern European Group", "GRULAC", "WEOG"]
    # Every Member State but the United States (an observer in WEOG) sits in one regional group.
    assert sum(groups[name] for name in regional) == 192
    assert not Delegation.objects.get(code="usa").groups.filter(short_name__in=regional).exists()


def test_json_export_matches_the_seed_element_for_element(bms7, capsys):
    call_command("export_revision", "bms7", "0", "--format", "json")
    exported = json.loads(capsys.readouterr().out)
    assert exported["revision"]["label"] == "Zero draft"
    assert exported["revision"]["issued_at"].endswith("-04:00")  # New York time
    items = exported["elements"]
    assert [item["label"] for item in items] == ["1.", "2.", "3.", "4.", "5."]
    assert all(item["kind"] == "agenda_item" and item["text"].startswith("[") for item in items)
    first = items[0]
    assert [c["label"] for c in first["children"]] == ["a)", "b)", "c)", "d)", "e)", ""]
    assert first["children"][5]["text"] == "The Way Forward"
    assert first["children"][0]["children"] == [
        {
            "id": first["children"][0]["children"][0]["id"],
            "kind": "placeholder",
            "label": "-",
            "text": "",
            "status": "pending",
            "footnotes": [],
            "children": [],
        }
    ]
    subthemes = first["children"][3]["children"][9]["children"]
    assert [s["label"] for s in subthemes] == ["o"] * 5
    assert items[4]["children"] == []
    assert items[4]["footnotes"] == [
        "Based on the chair’s proposals of the draft agenda as of his letter circulated on "
        "26 April 2021."
    ]
    allowed = {"agenda_item", "section", "theme", "subtheme", "paragraph", "placeholder"}
    for element, _depth in iter_elements(items):
        assert element["kind"] in allowed
        assert set(element) == {"id", "kind", "label", "text", "status", "footnotes", "children"}


def test_export_of_a_missing_revision_is_a_clear_error(bms7):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="has no revision 7"):
        call_command("export_revision", "bms7", "7")
    with pytest.raises(CommandError, match="No meeting with slug"):
        call_command("export_revision", "nope", "0")
