"""A negotiation with something in every state, for walking every page as each role
(``test_every_page_every_role``) and for crawling the demo in a browser:

    DEBUG=1 .ci/uv run --frozen python manage.py shell -c \
        "from tests.views.every_state import every_state; every_state()"

Proposals drafted, discarded, submitted, withdrawn, accepted (as proposed and with changes),
rejected, deferred, carried forward over a revision and needing a rebase; positions of every
stance; co-sponsorship invited, accepted and declined; a decision with a note and its reply;
elements agreed ad referendum and deleted; a revision issued; an invitation to an account.
Works on the demo's accounts (kenya, japan, mexico, india, eu, chair, secretariat) and on the
test factories' users alike: pass the users, or let it look the demo's up by username."""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from drafting.models import (
    ConsultationRound,
    Delegation,
    Document,
    Element,
    ElementKind,
    ElementStatus,
    MarkStance,
    Proposal,
    ProposalKind,
)
from drafting.models.invitation import InvitedRole
from drafting.services.cosponsorship import cosponsorship_accept, cosponsorship_decline
from drafting.services.decisions import (
    proposal_accept,
    proposal_accept_with_changes,
    proposal_defer,
    proposal_reject,
)
from drafting.services.elements import element_set_status
from drafting.services.invitations import invitation_create
from drafting.services.marks import mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_discard,
    proposal_withdraw,
)
from drafting.services.replies import decision_reply
from drafting.services.revisions import revision_issue
from drafting.services.rounds import round_open


def _element(document: Document, text: str) -> Element:
    return Element.objects.get(document=document, text=text)


def _propose(user, element: Element, kind: str, text: str = "", *, submit: bool = True, **more):
    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind=kind, proposed_text=text, rationale="Because.", **more),
        idempotency_key=uuid.uuid4(),
        submit=submit,
    )


def every_state(users: dict | None = None, *, slug: str = "bms7") -> dict[str, Proposal]:
    """Write the negotiation; returns its proposals by what happened to them."""
    if users is None:
        users = {user.username: user for user in get_user_model().objects.all()}
    kenya, japan, mexico, india, eu = (
        users[name] for name in ("kenya", "japan", "mexico", "india", "eu")
    )
    chair, secretariat = users["chair"], users["secretariat"]
    document = Document.objects.get(meeting__slug=slug)
    if not ConsultationRound.objects.filter(document=document).exists():
        now = timezone.now()
        round_open(
            user=secretariat,
            document=document,
            name="Round 1",
            opens_at=now - timedelta(hours=1),
            deadline=now + timedelta(days=7),
        )
    mex = Delegation.objects.get(code="mex")
    ind = Delegation.objects.get(code="ind")
    made: dict[str, Proposal] = {}

    # Before Rev.1: decided ones are reflected by it, open ones carried forward over it.
    regional = _element(document, "Regional best practices")
    made["accepted"] = _propose(kenya, regional, ProposalKind.AMEND, "Regional [good] practices")
    made["rebase"] = _propose(
        mexico, regional, ProposalKind.AMEND, "Regional best practices and lessons learned"
    )
    made["rejected_before"] = _propose(
        japan, _element(document, "Regional roadmaps"), ProposalKind.DELETE
    )
    made["carried"] = _propose(
        kenya,
        _element(document, "Illicit online trafficking"),
        ProposalKind.ADD_BRACKETS,
        "[Illicit online trafficking]",
        co_sponsors=[mex, ind],
    )
    cosponsorship_accept(user=mexico, proposal=made["carried"])
    cosponsorship_decline(user=india, proposal=made["carried"])
    for who, stance in (
        (japan, MarkStance.SUPPORT),
        (mexico, MarkStance.CAN_ACCEPT),
        (india, MarkStance.RESERVATION),
        (eu, MarkStance.OPPOSE),
    ):
        mark_set(user=who, proposal=made["accepted"], stance=stance)
    proposal_accept(user=chair, proposals=[made["accepted"]], note="Agreed in the informals.")
    proposal_reject(user=chair, proposal=made["rejected_before"], note="No support.")
    element_set_status(
        user=chair, element=_element(document, "Regional roadmaps"), status=ElementStatus.AGREED
    )
    element_set_status(
        user=chair,
        element=_element(document, "SG’s Disarmament Agenda"),
        status=ElementStatus.DELETED,
    )
    revision_issue(
        issued_by=chair, document=document, cover_letter="Rev.1 attached.", export_pdf=False
    )

    # After Rev.1: every other state, decided since the revision.
    made["draft"] = _propose(
        kenya, _element(document, "Regional roadmaps"), ProposalKind.COMMENT, submit=False
    )
    made["discarded"] = _propose(
        kenya, _element(document, "Regional roadmaps"), ProposalKind.COMMENT, submit=False
    )
    proposal_discard(user=kenya, proposal=made["discarded"])
    nexus = _element(document, "Nexus between peace, security and development")
    made["withdrawn"] = _propose(kenya, nexus, ProposalKind.DELETE)
    proposal_withdraw(user=kenya, proposal=made["withdrawn"])
    drivers = _element(document, "Drivers/root causes of the illicit trade in SALW")
    made["rejected"] = _propose(kenya, drivers, ProposalKind.DELETE)
    proposal_reject(user=chair, proposal=made["rejected"], note="The room wants to keep it.")
    decision_reply(user=kenya, proposal=made["rejected"], text="We will raise it again.")
    made["deferred"] = _propose(
        kenya, drivers, ProposalKind.AMEND, "Drivers and root causes of the illicit trade in SALW"
    )
    proposal_defer(user=chair, proposal=made["deferred"], note="Next round.")
    made["changed"] = _propose(
        eu,
        _element(document, "Illicit online trafficking"),
        ProposalKind.AMEND,
        "Illicit online trafficking, including on the dark web",
    )
    proposal_accept_with_changes(
        user=chair,
        proposal=made["changed"],
        text="Illicit online trafficking, including via the dark web",
        note="Worded as in the room.",
    )
    made["insert"] = _propose(
        eu,
        _element(document, "Regional and sub-regional cooperation"),
        ProposalKind.INSERT_AFTER,
        "Cooperation with international organizations",
        new_element_kind=ElementKind.THEME,
    )
    made["submitted"] = _propose(
        kenya, _element(document, "Trafficking of disassembled weapons parts"), ProposalKind.COMMENT
    )
    mark_set(user=japan, proposal=made["submitted"], stance=MarkStance.SUPPORT)
    invitation_create(
        actor=secretariat,
        email="new.delegate@example.org",
        role=InvitedRole.DELEGATE,
        delegation=Delegation.objects.get(code="ken"),
    )
    return made
