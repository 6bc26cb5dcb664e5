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

from drafting.models import Element, Proposal, ProposalStatus, ProposalsVersion
from drafting.selectors import desk
from drafting.services import proposals
from tests.factories import amendment, delegate_of, viewer

pytestmark = pytest.mark.django_db(transaction=True)

THEME = "Effective control over SALW"
LATE = "Effective control over all SALW, committed last"
EARLY = "Effective [national] control over SALW, committed first"


def _late_and_early(theme, read_between, monkeypatch):
    """Mexico's submission is written (its history row numbered) first and held before its
    last statements, the counters' (the moment a slow step would hold it: co-sponsors'
    invitations, notices); Argentina's is written and committed meanwhile; ``read_between()``
    reads the pages; then Mexico's goes on and commits."""
    mexico, argentina = delegate_of("mex"), delegate_of("arg")
    written, release, errors = threading.Event(), threading.Event(), []
    counted = proposals.proposal_changed

    def held_before_counting(proposal) -> None:
        if threading.current_thread().name == "late":
            written.set()
            release.wait(30)
        counted(proposal)

    monkeypatch.setattr(proposals, "proposal_changed", held_before_counting)

    def late() -> None:
        try:
            amendment(mexico, theme, LATE)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    def early() -> None:
        try:
            amendment(argentina, theme, EARLY)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    held = threading.Thread(target=late, name="late")
    held.start()
    try:
        assert written.wait(30)
        quick = threading.Thread(target=early)
        quick.start()
        quick.join(30)
        assert not quick.is_alive() and errors == []
        read_between()
    finally:
        release.set()
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
        meeting, state = desk.desk_state("bms7", user=japan, delegation=delegation)
        return state.key(meeting).key

    _late_and_early(theme, lambda: keys.append(key()), monkeypatch)
    assert key() != keys[0]
    assert ProposalsVersion.objects.get(document=bms7.document).version == 2
