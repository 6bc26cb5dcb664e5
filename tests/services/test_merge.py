"""The chair's office merges proposals: decisions, fuzzy application, conflicts, revisions."""

import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from drafting.access import permissions
from drafting.models import (
    Element,
    ElementChange,
    Notification,
    Proposal,
    ProposalStatus,
    Revision,
)
from drafting.selectors import working_draft_snapshot
from drafting.services.decisions import (
    proposal_accept,
    proposal_accept_with_changes,
    proposal_defer,
    proposal_reject,
)
from drafting.services.elements import (
    element_compose,
    element_insert,
    element_move,
    element_set_status,
)
from drafting.services.gate import open_gate
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from drafting.services.working_draft import insert_element, shift_siblings
from drafting.text.snapshot import iter_elements
from drafting.web.errors import DomainError, MergeConflict, NotAllowed
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def chair(bms7):
    return chairs_office(first_name="Grace", last_name="Otieno")


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _submit(code, element, text=None, kind="amend", **extra):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind=kind, proposed_text=text or "", **extra),
    )


def test_accepting_applies_the_patch_and_records_provenance(chair, theme, open_round):
    proposal = _submit("jpn", theme, "Cooperation between exporting, transit and importing states")
    proposal_accept(user=chair, proposals=[proposal], note="Thank you")
    theme.refresh_from_db()
    assert theme.text == "Cooperation between exporting, transit and importing states"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == chair
    change = ElementChange.objects.get(element=theme)
    assert list(change.proposals.all()) == [proposal]
    assert change.before_text == THEME
    assert theme.history.first().history_change_reason == "Accepted: proposal of Japan"
    assert theme.history.first().history_user == chair
    assert Notification.objects.filter(
        delegation__code="jpn", message__contains="Thank you"
    ).exists()


def test_a_second_proposal_applies_fuzzily_after_the_first_moved_the_text(chair, theme, open_round):
    first = _submit("jpn", theme, "Enhanced cooperation between exporting and importing states")
    second = _submit(
        "mex", theme, "Cooperation between exporting and importing States, as appropriate"
    )
    proposal_accept(user=chair, proposals=[first])
    proposal_accept(user=chair, proposals=[second])
    theme.refresh_from_db()
    assert (
        theme.text == "Enhanced cooperation between exporting and importing States, as appropriate"
    )


def test_several_non_overlapping_proposals_in_one_step(chair, theme, open_round):
    first = _submit("jpn", theme, "Enhanced cooperation between exporting and importing states")
    second = _submit(
        "mex", theme, "Cooperation between exporting and importing states [and regions]"
    )
    proposal_accept(user=chair, proposals=[first, second])
    theme.refresh_from_db()
    assert theme.text == "Enhanced cooperation between exporting and importing states [and regions]"
    assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.ACCEPTED}
    assert ElementChange.objects.get(element=theme).proposals.count() == 2


def test_overlapping_changes_are_a_conflict_and_nothing_is_written(chair, theme, open_round):
    first = _submit("jpn", theme, "Cooperation between exporting and transit states")
    second = _submit("mex", theme, "Cooperation between exporting and receiving states")
    with pytest.raises(MergeConflict, match="change the same words") as conflict:
        proposal_accept(user=chair, proposals=[first, second])
    assert {p.pk for p, _ in conflict.value.attempts} == {first.pk, second.pk}
    theme.refresh_from_db()
    assert theme.text == THEME
    assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.SUBMITTED}


def test_a_patch_that_no_longer_applies_is_a_conflict_not_half_applied(chair, theme, open_round):
    proposal = _submit(
        "jpn", theme, "Cooperation between exporting and importing states on tracing"
    )
    theme.text = "Information sharing among producer countries"
    theme.save(update_fields=["text"])
    with pytest.raises(MergeConflict, match="no longer applies"):
        proposal_accept(user=chair, proposals=[proposal])
    theme.refresh_from_db()
    assert theme.text == "Information sharing among producer countries"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_deleting_keeps_the_element_as_deleted(chair, theme, open_round):
    proposal = _submit("jpn", theme, kind="delete")
    proposal_accept(user=chair, proposals=[proposal])
    theme.refresh_from_db()
    assert theme.status == "deleted" and theme.text == THEME


def test_filling_an_empty_bullet_keeps_the_bullet_open(chair, bms7, open_round):
    placeholder = Element.objects.filter(kind="placeholder").first()
    proposal = _submit(
        "jpn", placeholder, "A new [theme]", kind="fill_placeholder", new_element_kind="theme"
    )
    (inserted,) = proposal_accept(user=chair, proposals=[proposal])
    placeholder.refresh_from_db()
    assert inserted.text == "A new [theme]" and inserted.provisional
    assert inserted.parent_id == placeholder.parent_id
    assert inserted.position + 1 == placeholder.position


def test_chair_inserts_an_agenda_item_numbered_bis_until_the_next_revision(chair, bms7):
    item_2 = Element.objects.get(kind="agenda_item", position=1, parent=None)
    new = element_insert(user=chair, after=item_2, kind="agenda_item", text="[New item]")
    labels = {
        e["id"]: e["label"]
        for e, _ in iter_elements(working_draft_snapshot(bms7.document)["elements"])
    }
    assert labels[new.pk] == "2 bis."
    assert labels[Element.objects.get(text__startswith="[Decision on agenda").pk] == "4."
    revision = revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    labels = {e["id"]: e["label"] for e, _ in iter_elements(revision.snapshot["elements"])}
    assert labels[new.pk] == "3."
    assert labels[Element.objects.get(text__startswith="[Decision on agenda").pk] == "5."


def test_accept_with_changes_reject_and_defer(chair, theme, open_round):
    edited = _submit("jpn", theme, "Cooperation between exporting and importing [States]")
    rejected = _submit("mex", theme, kind="delete")
    deferred = _submit("bra", theme, kind="comment", rationale="Needs more thought")
    proposal_accept_with_changes(
        user=chair,
        proposal=edited,
        text="Cooperation between exporting, transit and importing [States]",
    )
    proposal_reject(user=chair, proposal=rejected, note="No support")
    proposal_defer(user=chair, proposal=deferred, note="Next round")
    statuses = dict(Proposal.objects.values_list("delegation__code", "status"))
    assert statuses == {"jpn": "accepted_with_changes", "mex": "rejected", "bra": "deferred"}
    theme.refresh_from_db()
    assert theme.text == "Cooperation between exporting, transit and importing [States]"
    assert Notification.objects.filter(
        delegation__code="mex", message__contains="No support"
    ).exists()
    with pytest.raises(DomainError, match="cannot be decided"):
        proposal_reject(user=chair, proposal=rejected)


def test_delegates_cannot_decide_or_edit(theme, open_round):
    proposal = _submit("jpn", theme, "Cooperation between exporting, transit and importing states")
    japan = delegate_of("jpn")
    with pytest.raises(NotAllowed):
        proposal_accept(user=japan, proposals=[proposal])
    with pytest.raises(NotAllowed):
        proposal_reject(user=japan, proposal=proposal)
    with pytest.raises(NotAllowed):
        element_compose(user=japan, element=theme, text="x", expected_text=THEME)
    with pytest.raises(NotAllowed):
        revision_issue(issued_by=japan, document=theme.document, cover_letter="")


def test_compose_cites_proposals_and_refuses_a_stale_start(chair, theme, open_round):
    first = _submit("jpn", theme, "Cooperation between exporting and transit states")
    second = _submit("mex", theme, "Cooperation between exporting and receiving states")
    composed = "Cooperation between exporting and [transit / receiving] states"
    element_compose(
        user=chair, element=theme, text=composed, expected_text=THEME, cited=[first, second]
    )
    theme.refresh_from_db()
    assert theme.text == composed
    assert set(Proposal.objects.values_list("status", flat=True)) == {"accepted_with_changes"}
    change = ElementChange.objects.get(element=theme)
    assert change.proposals.count() == 2 and not change.is_chair_proposal
    with pytest.raises(MergeConflict, match="changed this element while you were writing"):
        element_compose(user=chair, element=theme, text="Something else", expected_text=THEME)
    element_compose(
        user=chair, element=theme, text="Cooperation [among all] States", expected_text=composed
    )
    assert ElementChange.objects.filter(element=theme, is_chair_proposal=True).count() == 1
    assert theme.history.first().history_change_reason == "Chair's proposal"


def test_reopening_agreed_language_must_be_explicit_and_is_logged(chair, theme):
    element_set_status(user=chair, element=theme, status="agreed_ad_ref")
    with pytest.raises(DomainError, match="confirmed explicitly"):
        element_set_status(user=chair, element=theme, status="pending")
    element_set_status(
        user=chair, element=theme, status="pending", reopen=True, note="At the request of the EU"
    )
    reason = theme.history.first().history_change_reason
    assert reason.startswith("Re-opened agreed language")


def test_moving_an_element_swaps_it_with_its_neighbour(chair, theme):
    before = list(
        Element.objects.filter(parent_id=theme.parent_id)
        .order_by("position")
        .values_list("id", flat=True)
    )
    element_move(user=chair, element=theme, direction="up")
    after = list(
        Element.objects.filter(parent_id=theme.parent_id)
        .order_by("position")
        .values_list("id", flat=True)
    )
    index = before.index(theme.pk)
    assert after[index - 1] == theme.pk and after[index] == before[index - 1]
    assert ElementChange.objects.get(element=theme).action == "move"
    with pytest.raises(DomainError, match="edge"):
        first = Element.objects.get(pk=after[0])
        element_move(user=chair, element=first, direction="up")


def test_issuing_carries_open_proposals_forward(chair, bms7, theme, open_round):
    """Accepted ones are marked as reflected; open ones rebase or need a rebase."""
    accepted = _submit("jpn", theme, "Enhanced cooperation between exporting and importing states")
    rebased = _submit(
        "mex", theme, "Cooperation between exporting and importing states, as appropriate"
    )
    stuck = _submit("bra", theme, "Cooperation between importing states")
    rejected = _submit("fra", theme, kind="delete")
    proposal_accept(user=chair, proposals=[accepted])
    proposal_reject(user=chair, proposal=rejected)
    theme.refresh_from_db()
    theme.text = "Enhanced cooperation between producing and importing states"
    theme.save(update_fields=["text"])
    revision = revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,\n\nRev.1."
    )
    assert (revision.number, revision.label) == (1, "Rev.1")
    assert revision.symbol == "A/CONF.192/BMS/2021/WP.1/Rev.1"
    for proposal in (accepted, rebased, stuck, rejected):
        proposal.refresh_from_db()
    assert accepted.reflection == "reflected" and rejected.reflection == "not reflected"
    assert rebased.status == "submitted" and rebased.base_revision == revision
    assert (
        rebased.proposed_text
        == "Enhanced cooperation between producing and importing states, as appropriate"
    )
    assert stuck.status == "needs_rebase"
    assert Notification.objects.filter(
        delegation__code="bra", message__contains="needs to be rebased"
    ).exists()
    assert Notification.objects.filter(
        delegation__code="jpn", message__contains="reflected in it"
    ).exists()


def test_issued_revisions_are_immutable(chair, bms7):
    from drafting.models import RevisionImmutableError

    revision = revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    revision.cover_letter = "changed"
    with pytest.raises(RevisionImmutableError):
        revision.save()
    with pytest.raises(RevisionImmutableError):
        revision.delete()
    assert Revision.objects.get(pk=revision.pk).cover_letter == "Excellency,"


def test_an_interrupted_issue_leaves_nothing_behind(chair, bms7, theme, monkeypatch):
    """All or nothing: a failure while carrying proposals forward leaves no Rev.1 and no
    renumbering."""
    from django.db import transaction

    from drafting.services import revisions

    item_2 = Element.objects.get(kind="agenda_item", position=1, parent=None)
    inserted = element_insert(user=chair, after=item_2, kind="agenda_item", text="[New item]")

    def fail(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(revisions, "_carry_forward", fail)
    with pytest.raises(RuntimeError), transaction.atomic():
        revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    assert not Revision.objects.filter(number=1).exists()
    inserted.refresh_from_db()
    assert inserted.provisional


def test_deleting_words_at_the_end_of_a_theme_is_accepted_and_carried_forward(
    chair, bms7, open_round
):
    """Regression (found by tests/unit/test_properties.py): "Financial and technical
    assistance" -> "Financial" made a patch whose hunk diff-match-patch splits in two once it
    pads the text; apply_patch counted the hunks before the padding and raised ValueError
    (102 such one-phrase deletions in the zero draft's themes). Accepting the proposal, and
    issuing any revision while it was open, were 500s."""
    theme = Element.objects.get(text="Financial and technical assistance")
    carried = _submit("jpn", theme, "Financial")
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    carried.refresh_from_db()
    assert carried.status == ProposalStatus.SUBMITTED  # re-applied, not "needs rebase"
    proposal_accept(user=chair, proposals=[carried])
    theme.refresh_from_db()
    assert theme.text == "Financial"


def test_a_long_decision_note_is_recorded_whole_and_the_notice_shortened(chair, theme, open_round):
    """Regression (found by tests/views/test_fuzz.py): a note may hold 2,000 characters but a
    notification 500; a note over about 440 characters was a 500 on every decision."""
    proposal = _submit("jpn", theme, "Cooperation between exporting, transit and importing states")
    note = "Thank you for the proposal. " * 40  # 1,120 characters
    proposal_reject(user=chair, proposal=proposal, note=note)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.decision_note == note.strip()
    message = Notification.objects.get(proposal=proposal).message
    assert len(message) == 500 and message.endswith("…")


def test_issuing_records_decisions_in_a_fixed_number_of_queries(chair, bms7, open_round):
    """Each decided proposal gets its revision and a history row, in bulk."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    themes = list(Element.objects.filter(kind="theme")[:12])

    def issue_after_rejecting(elements) -> int:
        for element in elements:
            proposal_reject(user=chair, proposal=_submit("mex", element, kind="delete"))
        with CaptureQueriesContext(connection) as captured:
            revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
        return len(captured)

    few = issue_after_rejecting(themes[:2])
    many = issue_after_rejecting(themes[2:])
    assert many == few
    rev2 = Revision.objects.get(document=bms7.document, number=2)
    decided = Proposal.objects.filter(reflected_in=rev2)
    assert decided.count() == 10
    reasons = Proposal.history.filter(
        id__in=decided.values("id"), history_change_reason="Decision carried by Rev.2"
    )
    assert reasons.count() == 10
    assert Notification.objects.filter(message__contains="Rev.2 is issued").count() == 10


BROKERING = "Preventing illicit brokering of SALW, including illicit trade"


def _reworded_after_a_deletion_was_proposed(chair, theme):
    """Issue 15, point 2: a delegation proposes deleting the first "illicit"; the chair then
    rewords that one to "unlawful"."""
    element_compose(user=chair, element=theme, text=BROKERING, expected_text=THEME)
    theme.refresh_from_db()
    stale = _submit("jpn", theme, "Preventing brokering of SALW, including illicit trade")
    reworded = "Preventing unlawful brokering of SALW, including illicit trade"
    element_compose(user=chair, element=theme, text=reworded, expected_text=BROKERING)
    return stale, reworded


def test_accepting_a_stale_deletion_is_a_conflict_not_a_rewrite(chair, theme, open_round):
    """The deletion of "illicit" no longer applies where it was proposed: accepting it is a
    conflict, and the chair's "unlawful" stays (it used to be struck)."""
    stale, reworded = _reworded_after_a_deletion_was_proposed(chair, theme)
    with pytest.raises(MergeConflict, match="no longer applies"):
        proposal_accept(user=chair, proposals=[stale])
    theme.refresh_from_db()
    assert theme.text == reworded
    stale.refresh_from_db()
    assert stale.status == ProposalStatus.SUBMITTED


def test_a_stale_deletion_carried_forward_needs_a_rebase(chair, bms7, theme, open_round):
    """Issuing a revision re-applies open proposals: the stale deletion is not re-applied to
    the reworded text (it would have struck "unlawful"), its delegation is asked to rebase."""
    stale, reworded = _reworded_after_a_deletion_was_proposed(chair, theme)
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    stale.refresh_from_db()
    assert stale.status == ProposalStatus.NEEDS_REBASE
    assert stale.proposed_text == "Preventing brokering of SALW, including illicit trade"
    theme.refresh_from_db()
    assert theme.text == reworded


def test_inserting_near_the_top_moves_every_later_sibling_down_one_with_its_history(chair, bms7):
    """Inserting after the first element of the largest family moves each later sibling
    down one place, in order, each with a history row saying why and who; the statements
    do not grow with the number of siblings moved (the same as moving one)."""
    family = (
        Element.objects.filter(document=bms7.document, parent__isnull=False)
        .values("parent_id")
        .annotate(n=Count("id"))
        .order_by("-n")[0]
    )
    assert family["n"] >= 20
    siblings = list(Element.objects.filter(parent_id=family["parent_id"]).order_by("position"))
    later = siblings[1:]
    before = {e.pk: (e.position, e.history.count()) for e in later}
    top = list(Element.objects.filter(document=bms7.document, parent=None).order_by("position"))
    permissions.role_names(chair)  # read once, then kept on the user: not counted below
    with CaptureQueriesContext(connection) as one:  # moves the last agenda item only
        element_insert(user=chair, after=top[-2], kind="agenda_item", text="[Another item]")
    with CaptureQueriesContext(connection) as many:
        new = element_insert(
            user=chair, after=siblings[0], kind=siblings[0].kind, text="[New paragraph]"
        )
    assert len(many) == len(one)
    order = list(
        Element.objects.filter(parent_id=family["parent_id"])
        .order_by("position")
        .values_list("pk", "position")
    )
    assert [pk for pk, _ in order] == [siblings[0].pk, new.pk, *[e.pk for e in later]]
    assert [position for _, position in order] == [
        siblings[0].position,
        siblings[0].position + 1,
        *[e.position + 1 for e in later],
    ]
    for element in later:
        position, rows = before[element.pk]
        assert element.history.count() == rows + 1
        last = element.history.order_by("-history_id").first()
        assert (last.position, last.history_type, last.history_user) == (position + 1, "~", chair)
        assert last.history_change_reason == "Moved down to make room for an insertion"


def _family(bms7, kinds, *, made_last_first: bool):
    """A new theme at the end of the top level with children of ``kinds`` at 0, 1, 2...,
    created in position order or last first (the order rows are updated in follows)."""
    top = Element.objects.filter(document=bms7.document, parent=None).order_by("-position")[0]
    theme = Element.objects.create(
        document=bms7.document, parent=None, position=top.position + 1, kind="theme", text="T"
    )
    order = sorted(range(len(kinds)), reverse=made_last_first)
    children = {
        position: Element.objects.create(
            document=bms7.document,
            parent=theme,
            position=position,
            kind=kinds[position],
            text="" if kinds[position] == "placeholder" else f"Paragraph {position}",
        )
        for position in order
    }
    return theme, [children[position] for position in range(len(kinds))]


@pytest.mark.parametrize("made_last_first", [False, True])
@pytest.mark.parametrize("after", [0, 1, 3])
def test_siblings_move_down_one_from_any_place_whatever_order_their_rows_are_in(
    chair, bms7, made_last_first, after
):
    """From the first place (filling an empty bullet that is a first child) to the last:
    the unique place of each sibling holds at every step (a shift that parked the siblings
    one past the last collided at 0)."""
    theme, children = _family(bms7, ["paragraph"] * 5, made_last_first=made_last_first)
    new = element_insert(user=chair, after=children[after], kind="paragraph", text="New")
    order = list(Element.objects.filter(parent=theme).order_by("position"))
    assert [e.pk for e in order] == [c.pk for c in children[: after + 1]] + [new.pk] + [
        c.pk for c in children[after + 1 :]
    ]
    assert [e.position for e in order] == list(range(6))


@pytest.mark.parametrize("made_last_first", [False, True])
def test_filling_an_empty_bullet_that_is_the_first_child(chair, bms7, made_last_first):
    theme, children = _family(
        bms7, ["placeholder", "paragraph", "paragraph"], made_last_first=made_last_first
    )
    with transaction.atomic():
        gate = open_gate(bms7.document.pk)
        new = insert_element(
            gate=gate,
            user=chair,
            after=gate.element(children[0].pk),
            kind="paragraph",
            text="Filled",
            fill=True,
            reason="Filled",
        )
    order = list(Element.objects.filter(parent=theme).order_by("position"))
    assert [e.pk for e in order] == [new.pk, *[c.pk for c in children]]
    assert [e.position for e in order] == [0, 1, 2, 3]


@pytest.mark.parametrize("made_last_first", [False, True])
def test_every_sibling_moves_down_one_from_the_first_place(chair, bms7, made_last_first):
    theme, children = _family(bms7, ["paragraph"] * 4, made_last_first=made_last_first)
    with transaction.atomic():
        shift_siblings(open_gate(bms7.document.pk), theme.pk, 0, chair)
    order = list(Element.objects.filter(parent=theme).order_by("position"))
    assert [(e.pk, e.position) for e in order] == [(c.pk, c.position + 1) for c in children]
