"""Nobody is named without consent: co-sponsorship invitations, and speaking for a group only
as its designated coordinator (issue #14, point 3)."""

import uuid

import pytest

from drafting.models import (
    AuditAction,
    AuditEvent,
    CoSponsorInvitation,
    Delegation,
    Element,
    GroupCoordinator,
    Notification,
    Proposal,
    ProposalStatus,
)
from drafting.services.cosponsorship import (
    cosponsorship_accept,
    cosponsorship_decline,
    cosponsorship_withdraw,
)
from drafting.services.decisions import proposal_reject
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_revise,
    proposal_submit,
)
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid
from tests.factories import (
    DocumentFactory,
    MeetingFactory,
    chairs_office,
    delegate_of,
    designate_coordinator,
    secretariat,
)

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def kenya(bms7):
    return delegate_of("ken")


def _delegations(*codes):
    return [Delegation.objects.get(code=code) for code in codes]


def _propose(user, element, *, submit=True, text="Effective [and accountable] control", **extra):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=submit,
        content=ProposalContent(kind="amend", proposed_text=text, **extra),
    )


def _status(proposal, code):
    return CoSponsorInvitation.objects.get(proposal=proposal, delegation__code=code).status


def _sponsors(proposal):
    return {d.code for d in proposal.co_sponsors.all()}


def _told(code, proposal):
    return list(
        Notification.objects.filter(delegation__code=code, proposal=proposal).values_list(
            "message", flat=True
        )
    )


def test_a_named_co_sponsor_is_invited_and_shown_only_once_it_accepts(
    japan, kenya, theme, open_round
):
    """Japan names Kenya and Mexico: both are invited and told; neither is shown as
    co-sponsor until a delegate of it accepts (before, both were shown at once and nobody was
    told)."""
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken", "mex"))
    assert proposal.status == ProposalStatus.SUBMITTED
    assert _sponsors(proposal) == set()
    assert (_status(proposal, "ken"), _status(proposal, "mex")) == ("invited", "invited")
    assert any("invites your delegation to co-sponsor" in m for m in _told("ken", proposal))
    assert any("invites your delegation to co-sponsor" in m for m in _told("mex", proposal))

    invitation = cosponsorship_accept(user=kenya, proposal=proposal)
    assert _sponsors(proposal) == {"ken"}
    assert (invitation.status, invitation.responded_by) == ("accepted", kenya)
    assert invitation.responded_at is not None
    latest = invitation.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (kenya, "Accepted")
    event = AuditEvent.objects.get(action=AuditAction.COSPONSOR_ACCEPTED)
    assert (event.user, event.delegation.code, event.proposal_id) == (kenya, "ken", proposal.pk)
    assert any("Kenya accepted to co-sponsor" in m for m in _told("jpn", proposal))
    # The proposal's own history records who added the co-sponsor.
    assert proposal.history.latest().history_user == kenya


def test_names_in_a_draft_are_sent_only_when_it_is_submitted(japan, kenya, theme, open_round):
    """A draft is its delegation's private business: naming Kenya in it tells Kenya
    nothing, and Kenya cannot act on it; submitting sends the invitation."""
    draft = _propose(japan, theme, submit=False, co_sponsors=_delegations("ken"))
    assert _status(draft, "ken") == "named"
    assert _told("ken", draft) == []
    with pytest.raises(NotAllowed, match="not invited"):
        cosponsorship_accept(user=kenya, proposal=draft)

    proposal_submit(user=japan, proposal=draft)
    assert _status(draft, "ken") == "invited"
    assert len(_told("ken", draft)) == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.COSPONSOR_INVITED, proposal_id=draft.pk, delegation__code="jpn"
    ).exists()


def test_declining_leaves_the_delegation_unnamed_and_tells_the_proposer(
    japan, kenya, theme, open_round
):
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken"))
    cosponsorship_decline(user=kenya, proposal=proposal)
    assert _status(proposal, "ken") == "declined"
    assert _sponsors(proposal) == set()
    assert any("Kenya declined" in m for m in _told("jpn", proposal))
    with pytest.raises(DomainError, match="invite your delegation again"):
        cosponsorship_accept(user=kenya, proposal=proposal)
    assert AuditEvent.objects.filter(action=AuditAction.COSPONSOR_DECLINED, user=kenya).exists()


def test_a_co_sponsor_withdraws_while_the_proposal_is_open_and_not_after_the_decision(
    japan, kenya, theme, open_round
):
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken"))
    with pytest.raises(DomainError, match="does not co-sponsor"):
        cosponsorship_withdraw(user=kenya, proposal=proposal)
    cosponsorship_accept(user=kenya, proposal=proposal)
    with pytest.raises(DomainError, match="already co-sponsors"):
        cosponsorship_accept(user=kenya, proposal=proposal)
    cosponsorship_withdraw(user=kenya, proposal=proposal)
    assert _status(proposal, "ken") == "withdrawn"
    assert _sponsors(proposal) == set()
    assert any("Kenya withdrew" in m for m in _told("jpn", proposal))

    proposal_revise(
        user=japan,
        proposal=proposal,
        expected_version=proposal.version,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective [and accountable] control",
            co_sponsors=_delegations("ken"),
        ),
    )
    assert _status(proposal, "ken") == "invited"  # the proposer may ask again
    cosponsorship_accept(user=kenya, proposal=proposal)
    proposal.refresh_from_db()  # the chair decides on the version it reads
    proposal_reject(user=chairs_office(), proposal=proposal, note="No")
    with pytest.raises(DomainError, match="co-sponsors can no longer change"):
        cosponsorship_withdraw(user=kenya, proposal=proposal)
    assert _sponsors(proposal) == {"ken"}


@pytest.mark.parametrize("who", ["mexico", "proposer", "chair", "secretariat"])
def test_only_the_invited_delegation_answers_its_invitation(japan, kenya, theme, open_round, who):
    """Another delegation, the proposing delegation, the chair's office and the secretariat
    cannot accept, decline or withdraw for Kenya; nothing changes."""
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken"))
    user = {
        "mexico": lambda: delegate_of("mex"),
        "proposer": lambda: japan,
        "chair": chairs_office,
        "secretariat": secretariat,
    }[who]()
    for step in (cosponsorship_accept, cosponsorship_decline, cosponsorship_withdraw):
        with pytest.raises(NotAllowed):
            step(user=user, proposal=proposal)
    assert _status(proposal, "ken") == "invited"
    assert _sponsors(proposal) == set()


@pytest.mark.parametrize(
    "codes",
    [("african-group", "non-aligned-movement", "arab-group"), ("ken", "eu", "mex")],
    ids=["three groups", "a State list with the EU"],
)
def test_groups_cannot_co_sponsor(japan, theme, open_round, codes):
    """Groups of States and organizations are refused as co-sponsors by name, and nothing
    is stored (before, Japan could name the African Group, NAM and the Arab Group)."""
    with pytest.raises(ProposalInvalid, match="groups of States and organizations cannot"):
        _propose(japan, theme, co_sponsors=_delegations(*codes))
    assert not CoSponsorInvitation.objects.exists()


def test_only_the_designated_coordinator_speaks_for_a_group(kenya, theme, bms7, open_round):
    """Kenya is a member of the African Group; it speaks for it only once the secretariat
    designates it for this meeting (a designation for another meeting does not count), and
    another member cannot then speak for the group."""
    african = Delegation.objects.get(code="african-group")
    assert african.members.filter(code="ken").exists()
    with pytest.raises(ProposalInvalid, match="not the coordinator of African Group"):
        _propose(kenya, theme, on_behalf_of=african)
    designate_coordinator(DocumentFactory(meeting=MeetingFactory()).meeting, "african-group", "ken")
    with pytest.raises(ProposalInvalid, match="not the coordinator"):
        _propose(kenya, theme, on_behalf_of=african)

    designate_coordinator(bms7, "african-group", "ken")
    assert _propose(kenya, theme, on_behalf_of=african).on_behalf_of == african
    nigeria = delegate_of("nga")
    with pytest.raises(ProposalInvalid, match="Nigeria is not the coordinator"):
        _propose(nigeria, theme, on_behalf_of=african)


def test_revising_the_list_invites_new_names_and_drops_removed_ones(
    japan, kenya, theme, open_round
):
    """Kenya accepted; Japan's revision drops Kenya and names Mexico: Kenya is no longer shown
    and is told, Mexico is invited."""
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken"))
    cosponsorship_accept(user=kenya, proposal=proposal)
    proposal_revise(
        user=japan,
        proposal=proposal,
        expected_version=proposal.version,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective [and accountable] control",
            rationale="A rationale only: the text is the same.",
            co_sponsors=_delegations("mex"),
        ),
    )
    assert (_status(proposal, "ken"), _status(proposal, "mex")) == ("removed", "invited")
    assert _sponsors(proposal) == set()
    assert any("no longer names your delegation" in m for m in _told("ken", proposal))
    assert AuditEvent.objects.filter(action=AuditAction.COSPONSOR_REMOVED).count() == 1


def test_a_new_text_asks_accepted_co_sponsors_to_confirm_again(japan, kenya, theme, open_round):
    """Consent is given to a text: when Japan changes it, Kenya is no longer shown until it
    accepts again, and is told; a change to the rationale alone keeps Kenya."""
    proposal = _propose(japan, theme, co_sponsors=_delegations("ken"))
    cosponsorship_accept(user=kenya, proposal=proposal)

    def revise(text, rationale=""):
        return proposal_revise(
            user=japan,
            proposal=proposal,
            expected_version=Proposal.objects.get(pk=proposal.pk).version,
            content=ProposalContent(
                kind="amend",
                proposed_text=text,
                rationale=rationale,
                co_sponsors=_delegations("ken"),
            ),
        )

    revise("Effective [and accountable] control", rationale="Same words, a reason added")
    assert _sponsors(proposal) == {"ken"}
    revise("Ineffective control")
    assert _status(proposal, "ken") == "invited"
    assert _sponsors(proposal) == set()
    assert any("revised the text" in m for m in _told("ken", proposal))
    cosponsorship_accept(user=kenya, proposal=proposal)
    assert _sponsors(proposal) == {"ken"}


def test_the_demo_designates_its_coordinators_and_asks_consent(bms7):
    """The demo's Kenya speaks for the African Group as its designated coordinator; its
    co-sponsors are invited, India accepted and is shown, Kenya's invitation waits."""
    from drafting.seeding.demo import demo_accounts_create, demo_round_and_proposals

    demo_accounts_create()
    assert demo_round_and_proposals() == 3
    kenyas = Proposal.objects.get(delegation__code="ken")
    assert kenyas.on_behalf_of.code == "african-group"
    mexicos = Proposal.objects.get(delegation__code="mex")
    assert _sponsors(mexicos) == {"ind"}
    assert (_status(mexicos, "ind"), _status(mexicos, "ken")) == ("accepted", "invited")
    demo_round_and_proposals()  # again: nothing doubled
    assert GroupCoordinator.objects.filter(meeting=bms7).count() == 3


def test_co_sponsors_named_before_consent_become_invitations(japan, theme, open_round):
    """The migration: co-sponsors stored before this change (named without consent) are
    no longer shown; a submitted proposal's are invited and told, a draft's kept as named,
    groups dropped."""
    import importlib
    from pathlib import Path

    from django.apps import apps

    import drafting.migrations

    name = next(
        path.stem for path in Path(drafting.migrations.__file__).parent.glob("*_consent.py")
    )
    migration = importlib.import_module(f"drafting.migrations.{name}")
    submitted = _propose(japan, theme)
    draft = _propose(japan, theme, submit=False, text="Effective [and] control")
    submitted.co_sponsors.add(*_delegations("ken", "african-group"))
    draft.co_sponsors.add(*_delegations("mex"))

    migration.co_sponsors_become_invitations(apps, None)
    assert _sponsors(submitted) == set() and _sponsors(draft) == set()
    assert _status(submitted, "ken") == "invited" and len(_told("ken", submitted)) == 1
    assert _status(draft, "mex") == "named" and _told("mex", draft) == []
    assert not CoSponsorInvitation.objects.filter(delegation__code="african-group").exists()
