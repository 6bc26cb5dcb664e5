"""A write numbered first and committed last still shows on the pages kept whole.

History rows are numbered as they are inserted, not as they commit: two delegations'
submissions do not wait for each other, so the one numbered first may commit last. A page
built between the two commits, and kept under the newest history id, would then never show
the late one. The pages are kept under the document's proposals version instead
(`models.ProposalsVersion`), which every such commit bumps. Real transactions in two threads
on PostgreSQL."""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from drafting.models import (
    DraftVisit,
    Element,
    ElementChange,
    ElementKind,
    Proposal,
    ProposalStatus,
    ProposalsVersion,
)
from drafting.selectors.desk_state import desk_state
from drafting.services import elements, proposals
from tests.factories import amendment, chairs_office, delegate_of, viewer

pytestmark = pytest.mark.django_db(transaction=True)

THEME = "Effective control over SALW"
LATE = "Effective control over all SALW, committed last"
EARLY = "Effective [national] control over SALW, committed first"


class _Hold:
    """Holds the thread named ``name`` where it calls ``pause()``, until ``release`` is set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reached, self.release = threading.Event(), threading.Event()

    def pause(self) -> None:
        if threading.current_thread().name == self.name:
            self.reached.set()
            self.release.wait(30)


def _start(work, errors: list, name: str | None = None) -> threading.Thread:
    """Run ``work`` in a thread of its own (a connection of its own), keeping its error."""

    def run() -> None:
        try:
            work()
        except Exception as error:  # reported by the test, in its own thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _late_and_early(theme, read_between, monkeypatch):
    """Mexico's submission is written (its history row numbered) first and held before its
    last statements, the counters' (the moment a slow step would hold it: co-sponsors'
    invitations, notices); Argentina's is written and committed meanwhile; ``read_between()``
    reads the pages; then Mexico's goes on and commits."""
    mexico, argentina = delegate_of("mex"), delegate_of("arg")
    hold, errors = _Hold("late"), []
    counted = proposals.proposal_changed

    def held_before_counting(proposal) -> None:
        hold.pause()
        counted(proposal)

    monkeypatch.setattr(proposals, "proposal_changed", held_before_counting)
    held = _start(lambda: amendment(mexico, theme, LATE), errors, name="late")
    try:
        assert hold.reached.wait(30)
        quick = _start(lambda: amendment(argentina, theme, EARLY), errors)
        quick.join(30)
        assert not quick.is_alive() and errors == []
        read_between()
    finally:
        hold.release.set()
        held.join(30)
    assert errors == []
    late_id, early_id = (
        Proposal.objects.get(proposed_text=text).history.earliest("history_id").history_id
        for text in (LATE, EARLY)
    )
    assert late_id < early_id  # numbered first, committed last
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED).count() == 2


def test_the_working_draft_counts_a_proposal_committed_last(bms7, round_1, monkeypatch):
    theme = Element.objects.get(text=THEME)
    reader = viewer(delegate_of("jpn"))
    draft = reverse("working_draft", args=["bms7"])
    count = re.compile(
        rf'id="e-{theme.pk}"(?:(?!id="e-).)*?class="proposals-link"[^>]*>([^<]+)</a>', re.S
    )

    def shown() -> str:
        found = count.search(reader.get(draft).text)
        return found.group(1) if found else ""

    reader.get(draft)
    assert shown() == ""  # kept whole from here on

    def between() -> None:
        assert shown() == "1 proposal"

    _late_and_early(theme, between, monkeypatch)
    assert shown() == "2 proposals"


def test_the_compilation_shows_a_proposal_committed_last(bms7, round_1, monkeypatch):
    theme = Element.objects.get(text=THEME)
    reader = viewer(delegate_of("jpn"))
    compilation = reverse("compilation", args=["bms7"])
    reader.get(compilation)

    def between() -> None:
        page = reader.get(compilation).text
        assert "committed first" in page and "committed last" not in page

    _late_and_early(theme, between, monkeypatch)
    assert "committed last" in reader.get(compilation).text


def test_the_desks_key_changes_with_a_proposal_committed_last(bms7, round_1, monkeypatch):
    theme = Element.objects.get(text=THEME)
    japan = delegate_of("jpn")
    delegation = japan.delegate_profile.delegation
    keys = []

    def key() -> str:
        meeting, state = desk_state("bms7", user=japan, delegation=delegation)
        return state.key(meeting).key

    _late_and_early(theme, lambda: keys.append(key()), monkeypatch)
    assert key() != keys[0]
    assert ProposalsVersion.objects.get(document=bms7.document).version == 2


def _chair_write_held_while(read_between, monkeypatch, theme, text) -> None:
    """The chair's office writes ``text`` into the theme and is held after the write, before
    its commit (at the audit row, its last statement); ``read_between()`` reads meanwhile."""
    hold, errors = _Hold("chair"), []
    recorded = elements.audit.record_element_act

    def held_before_commit(**kwargs) -> None:
        recorded(**kwargs)
        hold.pause()

    monkeypatch.setattr(elements.audit, "record_element_act", held_before_commit)
    held = _start(
        lambda: elements.element_compose(
            user=chairs_office(), element=theme, text=text, expected_text=theme.text
        ),
        errors,
        name="chair",
    )
    try:
        assert hold.reached.wait(30)
        read_between()
    finally:
        hold.release.set()
        held.join(30)
    assert errors == []


CHANGES = 'class="panel changes-since"'


def test_a_change_committed_after_a_first_visit_is_listed_on_the_next(bms7, monkeypatch):
    """A reader's first visit falls between the chair's change and its commit: the page shows
    the text before it, and the next visit lists it. (Asked by time, the change was made
    before the visit and was never listed.)"""
    theme = Element.objects.get(text=THEME)
    japan = delegate_of("jpn")
    reader = viewer(japan)
    draft = reverse("working_draft", args=["bms7"])

    def first_visit() -> None:
        page = reader.get(draft).text
        assert "accountable" not in page and CHANGES not in page

    _chair_write_held_while(first_visit, monkeypatch, theme, "Effective [accountable] control")
    change = ElementChange.objects.get(element=theme)
    visit = DraftVisit.objects.get(user=japan)
    assert change.made_at < visit.seen_at  # made before the visit, committed after it
    assert change.document_version > visit.seen_version
    page = reader.get(draft).text
    assert CHANGES in page and "accountable" in page
    assert CHANGES not in reader.get(draft).text  # listed once


def test_a_change_committed_while_others_are_listed_is_listed_on_the_next(bms7, monkeypatch):
    """A visit that lists the changes since the one before moves the visit on while the
    chair's next change is made but not committed: that one is listed on the visit after."""
    theme = Element.objects.get(text=THEME)
    other = Element.objects.filter(kind=ElementKind.THEME).exclude(pk=theme.pk).first()
    reader = viewer(delegate_of("jpn"))
    draft = reverse("working_draft", args=["bms7"])
    reader.get(draft)  # the first visit
    elements.element_compose(
        user=chairs_office(),
        element=other,
        text=other.text + " [hitherto]",
        expected_text=other.text,
    )

    def listing_the_first() -> None:
        page = reader.get(draft).text
        assert CHANGES in page and "hitherto" in page and "accountable" not in page

    _chair_write_held_while(
        listing_the_first, monkeypatch, theme, "Effective [accountable] control"
    )
    page = reader.get(draft).text
    assert CHANGES in page and "accountable" in page
    listed = re.search(r'class="panel changes-since".*?</section>', page, re.S)
    assert listed and f"#e-{theme.pk}" in listed.group(0)
    assert f"#e-{other.pk}" not in listed.group(0)
