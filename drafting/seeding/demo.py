"""Demo accounts for trying the app: one per role. Never for production (DEBUG only)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from drafting.access import roles
from drafting.models import DelegateProfile, Delegation, MarkStance, ProposalKind

DEMO_PASSWORD = "bms7-demo"  # noqa: S105 - printed on screen for the local demo only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    delegation_code: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("chair", "Grace Otieno", roles.CHAIRS_OFFICE),
    DemoAccount("secretariat", "Tomás Silva", roles.SECRETARIAT),
    DemoAccount("kenya", "Wanjiru Mwangi", roles.DELEGATES, "ken"),
    DemoAccount("japan", "Aiko Tanaka", roles.DELEGATES, "jpn"),
    DemoAccount("mexico", "Lucía Hernández", roles.DELEGATES, "mex"),
    DemoAccount("india", "Priya Sharma", roles.DELEGATES, "ind"),
    DemoAccount("eu", "Jan de Vries", roles.DELEGATES, "eu"),
)


@transaction.atomic
def demo_accounts_create() -> list[tuple[DemoAccount, str]]:
    """Create (or reset) the demo accounts; returns each with its delegation's name."""
    user_model = get_user_model()
    # One hash for the one published password (production's hasher takes half a second a
    # hash here, on purpose): every demo account is signed in with it.
    password = make_password(DEMO_PASSWORD)
    created = []
    for account in DEMO_ACCOUNTS:
        first, _, last = account.full_name.partition(" ")
        user, _ = user_model.objects.get_or_create(username=account.username)
        user.first_name, user.last_name = first, last
        user.is_staff = account.role == roles.SECRETARIAT
        user.password = password
        user.save()
        user.groups.set([Group.objects.get(name=account.role)])
        delegation_name = ""
        if account.delegation_code:
            delegation = Delegation.objects.get(code=account.delegation_code)
            # Each demo delegate is its delegation's focal point (it invites colleagues).
            profile, _ = DelegateProfile.objects.get_or_create(
                user=user, defaults={"delegation": delegation, "is_focal_point": True}
            )
            if profile.delegation_id != delegation.pk or not profile.is_focal_point:
                profile.delegation, profile.is_focal_point = delegation, True
                profile._change_reason = "Demo account"
                profile.save(update_fields=["delegation", "is_focal_point"])
            delegation_name = delegation.name
        created.append((account, delegation_name))
    return created


# The groups the secretariat designated demo delegations to speak for (group, coordinator):
# only a designated coordinator proposes "on behalf of" a group.
DEMO_COORDINATORS = (
    ("african-group", "ken"),
    ("non-aligned-movement", "ind"),
    ("grulac", "mex"),
)


@transaction.atomic
def demo_group_coordinators(meeting_slug: str = "bms7") -> None:
    """Designate the demo coordinators of groups for the meeting (idempotent)."""
    from drafting.models import GroupCoordinator, Meeting

    meeting = Meeting.objects.get(slug=meeting_slug)
    secretariat = get_user_model().objects.filter(username="secretariat").first()
    for group_code, delegation_code in DEMO_COORDINATORS:
        coordinator = GroupCoordinator.objects.filter(
            meeting=meeting, group__code=group_code
        ).first() or GroupCoordinator(
            meeting=meeting, group=Delegation.objects.get(code=group_code)
        )
        delegation = Delegation.objects.get(code=delegation_code)
        if coordinator.pk is None or coordinator.delegation_id != delegation.pk:
            coordinator.delegation = delegation
            coordinator._history_user = secretariat
            coordinator._change_reason = "Demo coordinator"
            coordinator.save()


DEMO_PROPOSALS: tuple[
    tuple[
        str,
        str,
        ProposalKind,
        str,
        str,
        tuple[str, ...],
        tuple[str, ...],
        str | None,
        dict[str, bool],
    ],
    ...,
] = (
    # (delegate, element text, kind, proposed text, rationale, supporters, opponents,
    #  on behalf of (group code), co-sponsors invited {username: accepts?})
    (
        "kenya",
        "Effective control over SALW",
        ProposalKind.AMEND,
        "Effective [and accountable] control over SALW, including their ammunition",
        "Ammunition fuels armed violence as much as the weapons themselves.",
        ("india",),
        ("japan",),
        "african-group",
        {},
    ),
    (
        "eu",
        "Gender-responsive approach and women’s participation",
        ProposalKind.AMEND,
        "Gender-responsive approach and [full, equal and meaningful] participation of women",
        "Agreed language from the RevCon3 outcome.",
        ("mexico", "japan"),
        (),
        None,
        {},
    ),
    (
        "mexico",
        "Ammunition",
        ProposalKind.ADD_BRACKETS,
        "[Ammunition]",
        "Not all delegations accept ammunition in the scope of the PoA.",
        (),
        ("kenya",),
        None,
        # India accepts; Kenya finds the invitation on its My delegation page.
        {"india": True, "kenya": False},
    ),
)


@transaction.atomic
def demo_round_and_proposals() -> int:
    """Open a demo consultation round (a week long) and add a few submitted proposals."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from drafting.models import ConsultationRound, Document, Element, Proposal
    from drafting.services.cosponsorship import cosponsorship_accept
    from drafting.services.marks import mark_set
    from drafting.services.proposals import ProposalContent, proposal_create
    from drafting.services.rounds import round_open

    user_model = get_user_model()
    document = Document.objects.get(meeting__slug="bms7")
    if not ConsultationRound.objects.filter(document=document).exists():
        now = timezone.now()
        round_open(
            user=user_model.objects.get(username="secretariat"),
            document=document,
            name="Round 1 (informal consultations)",
            opens_at=now - timedelta(hours=1),
            deadline=now + timedelta(days=7),
        )
    demo_group_coordinators(document.meeting.slug)
    if Proposal.objects.filter(document=document).exists():
        return 0
    users = {user.username: user for user in user_model.objects.all()}
    for (
        username,
        element_text,
        kind,
        text,
        rationale,
        supporters,
        opponents,
        behalf,
        invited,
    ) in DEMO_PROPOSALS:
        proposal = proposal_create(
            user=users[username],
            element=Element.objects.get(document=document, text=element_text),
            content=ProposalContent(
                kind=kind,
                proposed_text=text,
                rationale=rationale,
                on_behalf_of=Delegation.objects.get(code=behalf) if behalf else None,
                co_sponsors=[users[name].delegate_profile.delegation for name in invited],
            ),
            idempotency_key=uuid.uuid4(),
            submit=True,
        )
        for name, accepts in invited.items():
            if accepts:
                cosponsorship_accept(user=users[name], proposal=proposal)
        for stance, names in ((MarkStance.SUPPORT, supporters), (MarkStance.OPPOSE, opponents)):
            for name in names:
                mark_set(user=users[name], proposal=proposal, stance=stance)
    return len(DEMO_PROPOSALS)
