"""The zero draft's import service: who may, what it writes, and two imports at once."""

import pytest

from drafting.models import Document, Element, Revision
from drafting.services.imports import (
    ImportNotPossible,
    RowCorrection,
    document_import,
    outline_correct,
    outline_read,
)
from drafting.text.importing import ImportRefused, ImportRow, RowProblem, flatten, read_text
from drafting.web.errors import NotAllowed, ProposalInvalid
from tests.factories import MeetingFactory, chairs_office, delegate_of, secretariat
from tests.services.test_concurrency import _run_at_once

ROWS = flatten(read_text("Decision\nPP1 Recalling,\nOP1 Decides;\n(a) to act;").elements)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["delegate", "chair", "anonymous"])
def test_only_the_secretariat_imports(who):
    from django.contrib.auth.models import AnonymousUser

    user = {
        "delegate": lambda: delegate_of("jpn"),
        "chair": chairs_office,
        "anonymous": AnonymousUser,
    }[who]()
    meeting = MeetingFactory()
    with pytest.raises(NotAllowed, match="Only the secretariat"):
        document_import(user=user, meeting=meeting, title="T", preamble="", rows=ROWS)
    assert not Document.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_an_import_writes_elements_history_and_revision_0():
    meeting = MeetingFactory()
    user = secretariat()
    revision = document_import(user=user, meeting=meeting, title="Decision", preamble="", rows=ROWS)
    assert revision.number == 0
    labels = [(e["kind"], e["label"]) for e in revision.snapshot["elements"]]
    assert labels == [("preambular", ""), ("paragraph", "1.")]
    assert revision.snapshot["elements"][1]["children"][0]["label"] == "(a)"
    element = Element.objects.get(document__meeting=meeting, kind="subparagraph")
    history = element.history.get()
    assert (history.history_type, history.history_user) == ("+", user)


@pytest.mark.django_db
def test_a_bad_title_or_outline_is_refused_and_nothing_is_written():
    meeting = MeetingFactory()
    with pytest.raises(ProposalInvalid) as invalid:
        document_import(
            user=secretariat(),
            meeting=meeting,
            title="x" * 301,
            preamble="",
            rows=[ImportRow(kind="theme", text="Deep", level=1)],
        )
    assert set(invalid.value.problems) == {"title", "rows"}
    assert not Document.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_give_one_zero_draft():
    """Two secretariat members saving at the same moment: the meeting row serialises them;
    the second finds the first's zero draft and is refused."""
    meeting = MeetingFactory()
    users = [secretariat(), secretariat()]

    def save(user):
        return lambda: (
            document_import(user=user, meeting=meeting, title="Decision", preamble="", rows=ROWS).pk
        )

    results, errors = _run_at_once([save(user) for user in users])
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ImportNotPossible)
    assert Revision.objects.filter(document__meeting=meeting).count() == 1
    assert Element.objects.filter(document__meeting=meeting).count() == 3


def _rows(text: str) -> list[ImportRow]:
    return flatten(read_text(text).elements)


@pytest.mark.parametrize(
    ("correction", "code", "row"),
    [
        (RowCorrection(action="merge", row=None), "no_row", 2),
        (RowCorrection(action="merge", row=2), "no_row", 2),
        (RowCorrection(action="kind", row=0, kind="annex"), "kind", 0),
        (RowCorrection(action="kind", row=1, kind="placeholder"), "placeholder_text", 1),
        (RowCorrection(action="level", row=1, level=None), "level_jump", 1),
        (RowCorrection(action="level", row=1, level=8), "level_jump", 1),
        (RowCorrection(action="merge", row=1), "no_next", 1),
        (RowCorrection(action="split", row=0, text="no line break"), "one_part", 0),
        (RowCorrection(action="undo", row=0), "kind", 0),
    ],
)
def test_a_correction_that_cannot_be_made_names_the_row(correction, code, row):
    """Each refusal says why, and which row (the row count for a row that is not there)."""
    with pytest.raises(RowProblem) as refused:
        outline_correct(rows=_rows("T\n1. One\n2. Two"), correction=correction)
    assert (refused.value.code, refused.value.row) == (code, row)


def test_corrections_change_kind_level_and_split_and_merge_rows():
    rows = _rows("T\n1. One\n2. Two")
    rows = outline_correct(rows=rows, correction=RowCorrection(action="level", row=1, level=1))
    assert [row.level for row in rows] == [0, 1]
    rows = outline_correct(
        rows=rows, correction=RowCorrection(action="kind", row=1, kind="subparagraph")
    )
    assert [row.kind for row in rows] == ["paragraph", "subparagraph"]
    rows = outline_correct(rows=rows, correction=RowCorrection(action="split", row=0, text="On\ne"))
    assert [row.text for row in rows] == ["On", "e", "Two"]
    rows = outline_correct(rows=rows, correction=RowCorrection(action="merge", row=0))
    assert [row.text for row in rows] == ["On e", "Two"]


def test_an_empty_bullet_keeps_no_text():
    """A row without text may become a placeholder, and then holds no text at all."""
    rows = [ImportRow("paragraph", "  ", 0)]
    rows = outline_correct(
        rows=rows, correction=RowCorrection(action="kind", row=0, kind="placeholder")
    )
    assert (rows[0].kind, rows[0].text) == ("placeholder", "")


def test_too_much_pasted_text_is_refused_before_it_is_read(monkeypatch):
    from drafting.services import imports

    monkeypatch.setattr(imports, "MAX_PASTED_CHARS", 10)
    with pytest.raises(ImportRefused) as refused:
        outline_read(upload=None, pasted="T\n1. Eleven chars")
    assert refused.value.code == "too_large"
    assert outline_read(upload=None, pasted="T\n1. One").title == "T"
