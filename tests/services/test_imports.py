"""The zero draft's import service: who may, what it writes, and two imports at once."""

import pytest

from drafting.models import Document, Element, Revision
from drafting.services.imports import ImportNotPossible, document_import
from drafting.text.importing import ImportRow, flatten, read_text
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
