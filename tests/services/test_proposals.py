"""The delegations' workflow: every transition and every refusal."""

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from drafting.models import (
    INSERT_KINDS,
    Delegation,
    Element,
    Proposal,
    ProposalMark,
    ProposalStatus,
)
from drafting.services.marks import mark_clear, mark_set
from drafting.services.proposal_rules import new_element_kinds_for, proposal_kinds_for
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_revise,
    proposal_submit,
    proposal_withdraw,
)
from drafting.services.rounds import round_open, round_reopen
from drafting.text import diff
from drafting.web.errors import (
    BaseTextMoved,
    DeadlinePassed,
    DomainError,
    FormAlreadyUsed,
    NotAllowed,
    ProposalInvalid,
    StaleVersion,
)
from tests.factories import chairs_office, delegate_of, designate_coordinator, secretariat

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _amend(text, **kwargs):
    return ProposalContent(kind="amend", proposed_text=text, **kwargs)


def _create(user, element, content, *, submit=False, key=None):
    return proposal_create(
        user=user,
        element=element,
        content=content,
        idempotency_key=key or uuid.uuid4(),
        submit=submit,
    )


def test_a_draft_is_stored_with_base_text_patch_and_history(japan, theme, bms7):
    proposal = _create(japan, theme, _amend("Effective [and transparent] control over SALW"))
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.delegation.code == "jpn"
    assert proposal.base_revision.number == 0
    assert proposal.base_text == THEME
    assert diff.apply_patch(proposal.patch, THEME).text == proposal.proposed_text
    record = proposal.history.get()
    assert record.history_user == japan and record.history_change_reason == "Draft written"


def test_submitting_needs_an_open_round_and_keeps_the_draft(japan, theme):
    with pytest.raises(DeadlinePassed, match="No consultation round is open") as refused:
        _create(japan, theme, _amend("Effective [and transparent] control"), submit=True)
    kept = refused.value.proposal
    assert Proposal.objects.get(pk=kept.pk).status == ProposalStatus.DRAFT


def test_create_and_submit_in_the_open_round(japan, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and transparent] control"), submit=True)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.round == open_round
    assert proposal.submitted_at is not None
    # One transaction while the round is open: one version, written as submitted.
    assert list(proposal.history.values_list("history_change_reason", flat=True)) == ["Submitted"]


def test_a_deadline_passing_during_a_submission_keeps_a_draft(japan, theme, bms7):
    """The round was open when the submission began and closed before it was saved: the
    one-transaction submission writes nothing, and the text is kept as a draft."""
    now = timezone.now()
    round_open(
        user=secretariat(),
        document=bms7.document,
        name="Round just closed",
        opens_at=now - timedelta(hours=1),
        deadline=now - timedelta(seconds=1),
    )
    # Open when the delegate asked (two seconds ago), closed by the time it is saved.
    with (
        mock.patch(
            "drafting.services.proposals._submission_moment",
            return_value=now - timedelta(seconds=2),
        ),
        pytest.raises(DeadlinePassed, match="Round just closed") as refused,
    ):
        _create(japan, theme, _amend("Effective [and transparent] control"), submit=True)
    kept = Proposal.objects.get()
    assert refused.value.proposal.pk == kept.pk
    assert kept.status == ProposalStatus.DRAFT and kept.round is None
    assert list(kept.history.values_list("history_change_reason", flat=True)) == ["Draft written"]


def test_the_same_request_twice_makes_one_proposal(japan, theme, open_round):
    """A double click or a retry carries the same idempotency key: one proposal, not two."""
    key = uuid.uuid4()
    first = _create(japan, theme, _amend("Effective [and] control"), submit=True, key=key)
    second = _create(japan, theme, _amend("Effective [and] control"), submit=True, key=key)
    assert first.pk == second.pk
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize(
    "other",
    [
        _amend("Effective [and accountable] control"),
        _amend("Effective [and] control", rationale="Another reason"),
        ProposalContent(kind="delete"),
        ProposalContent(kind="comment", rationale="A comment"),
    ],
)
@pytest.mark.parametrize("submit", [True, False])
def test_a_reused_key_with_other_content_is_refused_and_changes_nothing(
    japan, theme, open_round, other, submit
):
    """Issue 15, point 7: the same form's key sent again with other text answered "Your
    proposal was submitted." and kept the first text. It is refused, naming the proposal the
    key made, which stays as it was; nothing else is written."""
    key = uuid.uuid4()
    first = _create(japan, theme, _amend("Effective [and] control"), submit=submit, key=key)
    with pytest.raises(FormAlreadyUsed, match="already used") as refused:
        _create(japan, theme, other, submit=True, key=key)
    assert refused.value.proposal.pk == first.pk
    kept = Proposal.objects.get()
    assert kept.proposed_text == "Effective [and] control" and kept.kind == "amend"
    assert kept.rationale == "" and kept.status == first.status
    assert kept.history.count() == first.history.count()
    # A true retry of the first request still answers with its proposal.
    again = _create(japan, theme, _amend("Effective [and] control"), submit=submit, key=key)
    assert again.pk == first.pk and Proposal.objects.count() == 1


def test_a_reused_key_on_another_element_is_refused(japan, theme, bms7, open_round):
    key = uuid.uuid4()
    first = _create(japan, theme, _amend("Effective [and] control"), submit=True, key=key)
    other = Element.objects.filter(kind="theme").exclude(pk=theme.pk).first()
    with pytest.raises(FormAlreadyUsed):
        _create(japan, other, _amend(other.text + " [and more]"), submit=True, key=key)
    assert list(Proposal.objects.all()) == [first]


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (_amend("Effective [and transparent control"), "proposed_text", "never closed"),
        (_amend("Effective] control"), "proposed_text", "no opening bracket"),
        (_amend("   "), "proposed_text", "Write the text"),
        (_amend(THEME), "proposed_text", "same as the current text"),
        (_amend("x" * 4001), "proposed_text", "limit is 4,000"),
        (_amend("Effective\x07 control"), "proposed_text", "control character"),
        (_amend("Effective\u202e control"), "proposed_text", "U\\+202E"),
        (
            ProposalContent(kind="add_brackets", proposed_text="[Efficient] control over SALW"),
            "proposed_text",
            "Only add brackets",
        ),
        (
            ProposalContent(kind="remove_brackets", proposed_text="Effective control over SALW!"),
            "proposed_text",
            "Only remove brackets",
        ),
        (
            ProposalContent(kind="fill_placeholder", proposed_text="New", new_element_kind="theme"),
            "kind",
            "Only an empty bullet",
        ),
        (
            ProposalContent(
                kind="insert_after", proposed_text="New theme", new_element_kind="chapter"
            ),
            "new_element_kind",
            r"new element is \(here: theme, sub-theme\)",
        ),
        (ProposalContent(kind="comment", proposed_text=""), "rationale", "Write your comment"),
        (ProposalContent(kind="nonsense"), "kind", "Choose what you propose"),
        (_amend("Effective [x] control", rationale="r" * 2001), "rationale", "limit is 2,000"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_input_is_refused_with_a_message_for_its_field(japan, theme, content, field, message):
    with pytest.raises(ProposalInvalid, match=message) as refused:
        _create(japan, theme, content)
    assert field in refused.value.problems
    assert Proposal.objects.count() == 0


def test_html_is_stored_as_text(japan, theme):
    proposal = _create(japan, theme, _amend('<script>alert("x")</script> control'))
    assert proposal.proposed_text == '<script>alert("x")</script> control'


def test_proposing_on_a_deleted_element_is_refused(japan, theme):
    theme.status = "deleted"
    theme.save(update_fields=["status"])
    with pytest.raises(ProposalInvalid, match="has been deleted"):
        _create(japan, theme, _amend("Effective [and] control"))


def test_on_behalf_of_a_group_only_as_its_designated_coordinator(japan, theme, bms7):
    """Membership of a group is not enough to speak for it: the secretariat designates the
    coordinator for the meeting (before, any member of the Asia-Pacific Group could)."""
    asia = Delegation.objects.get(short_name="Asia-Pacific Group")
    with pytest.raises(ProposalInvalid, match="not the coordinator of Asia-Pacific Group"):
        _create(japan, theme, _amend("Effective [and] control", on_behalf_of=asia))
    designate_coordinator(bms7, "asia-pacific-group", "jpn")
    proposal = _create(japan, theme, _amend("Effective [and] control", on_behalf_of=asia))
    assert proposal.on_behalf_of == asia
    african = Delegation.objects.get(short_name="African Group")
    with pytest.raises(ProposalInvalid, match="not the coordinator of African Group"):
        _create(japan, theme, _amend("Effective [and] control", on_behalf_of=african))


def test_co_sponsors_are_other_delegations(japan, theme):
    """Co-sponsors named in a draft are kept as names (invited on submission); the own
    delegation cannot be one. (Before, they were shown as co-sponsors at once.)"""
    others = list(Delegation.objects.filter(code__in=["aus", "nzl"]))
    proposal = _create(japan, theme, _amend("Effective [and] control", co_sponsors=others))
    assert not proposal.co_sponsors.exists()
    assert {(i.delegation.code, i.status) for i in proposal.cosponsor_invitations.all()} == {
        ("aus", "named"),
        ("nzl", "named"),
    }
    with pytest.raises(ProposalInvalid, match="cannot co-sponsor"):
        _create(
            japan,
            theme,
            _amend("Effective [and] control", co_sponsors=[Delegation.objects.get(code="jpn")]),
        )


@pytest.mark.parametrize("make_user", [chairs_office, secretariat], ids=["chair", "secretariat"])
def test_only_delegates_propose(theme, make_user):
    with pytest.raises(NotAllowed):
        _create(make_user(), theme, _amend("Effective [and] control"))


def test_insert_fill_delete_and_comment(japan, bms7, open_round):
    placeholder = Element.objects.filter(kind="placeholder").first()
    filled = _create(
        japan,
        placeholder,
        ProposalContent(
            kind="fill_placeholder", proposed_text="New [theme]", new_element_kind="theme"
        ),
        submit=True,
    )
    assert filled.base_text == "" and filled.new_element_kind == "theme"
    theme = Element.objects.get(text=THEME)
    inserted = _create(
        japan,
        theme,
        ProposalContent(
            kind="insert_after", proposed_text="Another theme", new_element_kind="subtheme"
        ),
    )
    assert inserted.new_element_kind == "subtheme"
    deleted = _create(japan, theme, ProposalContent(kind="delete", proposed_text="ignored"))
    assert deleted.proposed_text == "" and deleted.base_text == THEME
    comment = _create(japan, theme, ProposalContent(kind="comment", rationale="Too vague."))
    assert comment.proposed_text == THEME


def test_a_moved_base_offers_the_change_reapplied(japan, theme):
    """The element changed since the delegate read it: their change is re-applied for review."""
    theme.text = "Strengthened effective control over SALW"
    theme.save(update_fields=["text"])
    with pytest.raises(BaseTextMoved) as moved:
        _create(
            japan,
            theme,
            _amend("Effective [and transparent] control over SALW", base_text_seen=THEME),
        )
    assert moved.value.current_text == "Strengthened effective control over SALW"
    assert moved.value.rebased_text == "Strengthened effective [and transparent] control over SALW"
    assert Proposal.objects.count() == 0


def test_any_delegate_of_the_delegation_revises_and_every_version_is_kept(japan, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and] control"), submit=True)
    colleague = delegate_of("jpn")
    revised = proposal_revise(
        user=colleague,
        proposal=proposal,
        content=_amend("Effective [and transparent] control"),
        expected_version=1,
    )
    assert revised.version == 2 and revised.status == ProposalStatus.SUBMITTED
    assert revised.author == colleague
    texts = list(revised.history.order_by("history_id").values_list("proposed_text", flat=True))
    assert texts == ["Effective [and] control", "Effective [and transparent] control"]


def test_a_stale_version_is_refused_and_writes_nothing(japan, theme):
    proposal = _create(japan, theme, _amend("Effective [and] control"))
    proposal_revise(
        user=japan, proposal=proposal, content=_amend("Effective [a] control"), expected_version=1
    )
    with pytest.raises(StaleVersion, match="saved this proposal meanwhile"):
        proposal_revise(
            user=japan,
            proposal=proposal,
            content=_amend("Effective [b] control"),
            expected_version=1,
        )
    assert Proposal.objects.get().proposed_text == "Effective [a] control"


def test_another_delegation_cannot_act_on_a_proposal(japan, mexico, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and] control"))
    for step in (proposal_submit, proposal_withdraw):
        with pytest.raises(NotAllowed):
            step(user=mexico, proposal=proposal)
    with pytest.raises(NotAllowed):
        proposal_revise(
            user=mexico, proposal=proposal, content=_amend("Mine [now]"), expected_version=1
        )
    assert Proposal.objects.get().status == ProposalStatus.DRAFT


def test_submit_then_withdraw_then_no_more_changes(japan, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and] control"))
    proposal_submit(user=japan, proposal=proposal)
    with pytest.raises(DomainError, match="already been submitted"):
        proposal_submit(user=japan, proposal=proposal)
    proposal_withdraw(user=japan, proposal=proposal)
    assert Proposal.objects.get().status == ProposalStatus.WITHDRAWN
    with pytest.raises(DomainError, match="withdrawn and can no longer be changed"):
        proposal_revise(
            user=japan,
            proposal=proposal,
            content=_amend("Effective [x] control"),
            expected_version=2,
        )


def test_revising_after_the_deadline_is_refused_until_the_chair_reopens(japan, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and] control"), submit=True)
    open_round.deadline = timezone.now() - timedelta(minutes=1)
    open_round.save(update_fields=["deadline"])
    with pytest.raises(DeadlinePassed, match="deadline of “Round 1” passed"):
        proposal_revise(
            user=japan,
            proposal=proposal,
            content=_amend("Effective [x] control"),
            expected_version=1,
        )
    with pytest.raises(DeadlinePassed, match="passed"):
        _create(japan, theme, _amend("Effective [y] control"), submit=True)
    round_reopen(
        user=chairs_office(), round_=open_round, deadline=timezone.now() + timedelta(hours=2)
    )
    revised = proposal_revise(
        user=japan, proposal=proposal, content=_amend("Effective [x] control"), expected_version=1
    )
    assert revised.proposed_text == "Effective [x] control"


def test_rounds_are_opened_by_the_secretariat_and_reopened_by_the_chair(bms7, japan, open_round):
    now = timezone.now()
    with pytest.raises(NotAllowed):
        round_open(
            user=japan,
            document=bms7.document,
            name="R2",
            opens_at=now,
            deadline=now + timedelta(days=1),
        )
    with pytest.raises(NotAllowed):
        round_reopen(user=japan, round_=open_round, deadline=now + timedelta(days=2))
    with pytest.raises(ProposalInvalid, match="after the opening"):
        round_open(
            user=secretariat(),
            document=bms7.document,
            name="R2",
            opens_at=now,
            deadline=now - timedelta(days=1),
        )
    with pytest.raises(ProposalInvalid, match="already exists"):
        round_open(
            user=secretariat(),
            document=bms7.document,
            name="Round 1",
            opens_at=now,
            deadline=now + timedelta(days=1),
        )
    with pytest.raises(ProposalInvalid, match="in the future"):
        round_reopen(user=chairs_office(), round_=open_round, deadline=now - timedelta(hours=1))


def test_support_and_opposition_one_mark_per_delegation(japan, mexico, theme, open_round):
    proposal = _create(japan, theme, _amend("Effective [and] control"), submit=True)
    mark_set(user=mexico, proposal=proposal, stance="support", note="Good idea")
    colleague = delegate_of("mex")
    mark_set(user=colleague, proposal=proposal, stance="oppose")
    mark = ProposalMark.objects.get()
    assert (mark.delegation.code, mark.stance, mark.author) == ("mex", "oppose", colleague)
    assert mark.history.count() == 2
    mark_clear(user=mexico, proposal=proposal)
    assert ProposalMark.objects.count() == 0


def test_marks_are_refused_on_own_drafts_and_bad_stances(japan, mexico, theme, open_round):
    draft = _create(japan, theme, _amend("Effective [and] control"))
    with pytest.raises(NotAllowed):
        mark_set(user=mexico, proposal=draft, stance="support")
    proposal_submit(user=japan, proposal=draft)
    with pytest.raises(NotAllowed):
        mark_set(user=delegate_of("jpn"), proposal=draft, stance="support")
    with pytest.raises(ProposalInvalid):
        mark_set(user=mexico, proposal=draft, stance="maybe")
    with pytest.raises(ProposalInvalid, match="control character"):
        mark_set(user=mexico, proposal=draft, stance="support", note="bad\x00")


@pytest.mark.parametrize(
    ("element_kind", "parent_kind", "proposals", "inserted"),
    [
        (
            "theme",
            "section",
            "amend insert_after delete add_brackets remove_brackets comment",
            "theme subtheme",
        ),
        (
            "subtheme",
            "theme",
            "amend insert_after delete add_brackets remove_brackets comment",
            "subtheme",
        ),
        (
            "paragraph",
            "chapter",
            "amend insert_after delete add_brackets remove_brackets comment",
            "paragraph",
        ),
        (
            "preambular",
            "chapter",
            "amend insert_after delete add_brackets remove_brackets comment",
            "preambular paragraph",
        ),
        (
            "subparagraph",
            "paragraph",
            "amend insert_after delete add_brackets remove_brackets comment",
            "subparagraph",
        ),
        ("agenda_item", None, "amend add_brackets remove_brackets comment", ""),
        ("section", "agenda_item", "amend add_brackets remove_brackets comment", ""),
        ("chapter", None, "amend add_brackets remove_brackets comment", ""),
        ("placeholder", "section", "fill_placeholder comment", "theme paragraph"),
        ("placeholder", "theme", "fill_placeholder comment", "subtheme"),
        ("placeholder", "chapter", "fill_placeholder comment", "paragraph preambular"),
        ("placeholder", "paragraph", "fill_placeholder comment", "subparagraph"),
    ],
)
def test_what_is_offered_follows_the_elements_kind(element_kind, parent_kind, proposals, inserted):
    """Every kind of element, the new ones of resolutions too (chapter, preambular,
    sub-paragraph): what may be proposed on it, the usual first, and what a new element
    beside it may be."""
    parent = Element(kind=parent_kind) if parent_kind else None
    element = Element(kind=element_kind, parent=parent)
    kinds = proposal_kinds_for(element)
    assert " ".join(kinds) == proposals
    insertion = next((kind for kind in kinds if kind in INSERT_KINDS), None)
    new_kinds = new_element_kinds_for(element, insertion) if insertion else ()
    assert " ".join(new_kinds) == inserted


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("National", "delete", "A heading is amended, bracketed or commented on"),
        ("National", "insert_after", "A heading is amended, bracketed or commented on"),
        (THEME, "fill_placeholder", "Only an empty bullet can be filled"),
    ],
)
def test_a_kind_the_element_does_not_take_is_refused(japan, bms7, text, kind, message):
    element = Element.objects.get(text=text)
    content = ProposalContent(kind=kind, proposed_text="New words", new_element_kind="theme")
    with pytest.raises(ProposalInvalid, match=message):
        _create(japan, element, content)


def test_an_empty_bullet_takes_no_change_of_text(japan, bms7):
    placeholder = Element.objects.filter(kind="placeholder").first()
    for kind in ("amend", "delete", "add_brackets", "insert_after"):
        with pytest.raises(ProposalInvalid, match="An empty bullet has no text to change"):
            _create(japan, placeholder, ProposalContent(kind=kind, proposed_text="Words"))


def test_an_insertion_repeating_the_element_is_refused(japan, theme):
    with pytest.raises(ProposalInvalid, match="repeats the text of this one word for word"):
        _create(
            japan,
            theme,
            ProposalContent(kind="insert_after", proposed_text=THEME, new_element_kind="theme"),
        )
