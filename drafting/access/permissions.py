"""Named predicates: who may read and do what.

Services call them and raise; templates call them to hide what cannot be done.
The anonymous public may read issued revisions and nothing else.
"""

from typing import Any

from drafting.access import roles
from drafting.models import Delegation, Document, Revision


def role_names(user: Any) -> frozenset[str]:
    """The user's role groups, cached on the user object for the request (read first: every
    permission asks, a dozen times a page, each read of ``user`` a lookup through django-otp's
    lazy object)."""
    cached = getattr(user, "_drafting_roles", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = frozenset(
        user.groups.filter(name__in=roles.ROLE_GROUPS).values_list("name", flat=True)
    )
    user._drafting_roles = cached
    return cached


def delegation_of(user: Any) -> Delegation | None:
    """The delegation a delegate acts for, or None for anyone else."""
    if roles.DELEGATES not in role_names(user):
        return None
    profile = getattr(user, "delegate_profile", None)
    return profile.delegation if profile is not None else None


def is_chairs_office(user: Any) -> bool:
    return roles.CHAIRS_OFFICE in role_names(user)


def is_secretariat(user: Any) -> bool:
    return roles.SECRETARIAT in role_names(user)


def is_delegate(user: Any) -> bool:
    return delegation_of(user) is not None


def takes_part(user: Any, document_id: int) -> bool:
    """The user is a delegate of a delegation taking part in the document's meeting (one
    query, remembered on the user object for the request)."""
    from drafting.models import Participation

    delegation = delegation_of(user)
    if delegation is None:
        return False
    known: dict[int, bool] = user.__dict__.setdefault("_drafting_takes_part", {})
    if document_id not in known:
        known[document_id] = Participation.objects.filter(
            meeting__document=document_id, delegation=delegation
        ).exists()
    return known[document_id]


def note_takes_part(user: Any, document_id: int, taking_part: bool) -> None:
    """Remember for the request what :func:`takes_part` would ask, read with the meeting
    (``selectors.meeting_with_document(slug, participant=...)``)."""
    user.__dict__.setdefault("_drafting_takes_part", {})[document_id] = taking_part


def can_set_up_meetings(user: Any) -> bool:
    """The secretariat sets up meetings: their details, time zone, participants and group
    coordinators."""
    return is_secretariat(user)


def can_read_working_draft(user: Any, document: Document) -> bool:
    """The chair's office, the secretariat and the delegates of delegations taking part in
    the document's meeting read the working draft (and the proposals submitted on it)."""
    return is_chairs_office(user) or is_secretariat(user) or takes_part(user, document.pk)


def can_read_element_history(user: Any, document: Document) -> bool:
    return can_read_working_draft(user, document)


def can_read_revision(user: Any, revision: Revision) -> bool:
    """Issued revisions are public."""
    return True


def can_issue_revision(user: Any, document: Document) -> bool:
    return is_chairs_office(user)


def can_administer(user: Any) -> bool:
    """The secretariat sets up meetings, delegations and users in the admin."""
    return is_secretariat(user) or bool(getattr(user, "is_superuser", False))


def can_import_document(user: Any, meeting: Any) -> bool:
    """The secretariat imports a meeting's zero draft (its roles are not per meeting)."""
    return is_secretariat(user)


def requires_second_factor(user: Any) -> bool:
    """Those who change the record or administer it must sign in with a second factor."""
    return (
        is_chairs_office(user) or is_secretariat(user) or bool(getattr(user, "is_superuser", False))
    )


def can_read_audit_trail(user: Any) -> bool:
    """The secretariat keeps the record of who did what."""
    return is_secretariat(user) or bool(getattr(user, "is_superuser", False))


def role_label(user: Any) -> str:
    """How the interface names the user's role."""
    delegation = delegation_of(user)
    if delegation is not None:
        return str(roles.ROLE_LABELS[roles.DELEGATES]) + f" · {delegation.short_name}"
    for name in (roles.CHAIRS_OFFICE, roles.SECRETARIAT):
        if name in role_names(user):
            return str(roles.ROLE_LABELS[name])
    return ""


def can_propose(user: Any, document: Document) -> bool:
    """Only delegates propose language, in their own delegation's name, at a meeting their
    delegation takes part in."""
    return takes_part(user, document.pk)


def is_own_proposal(user: Any, proposal: Any) -> bool:
    """The user is a delegate of the proposing delegation."""
    delegation = delegation_of(user)
    return delegation is not None and delegation.pk == proposal.delegation_id


def can_view_proposal(user: Any, proposal: Any) -> bool:
    """A proposal never submitted (a draft, a discarded draft) is its delegation's private
    business; a submitted proposal is seen by all roles."""
    from drafting.models import PRIVATE_STATUSES

    if proposal.status in PRIVATE_STATUSES:
        return is_own_proposal(user, proposal)
    return can_read_working_draft(user, proposal.document)


def can_view_private_versions(user: Any, proposal: Any) -> bool:
    """Versions written before the first submission (and their rationales) are shown to the
    proposing delegation only."""
    return is_own_proposal(user, proposal)


def can_edit_proposal(user: Any, proposal: Any) -> bool:
    """Every delegate of the proposing delegation may revise, submit or withdraw it."""
    from drafting.models.proposal import REVISABLE_STATUSES

    return is_own_proposal(user, proposal) and proposal.status in REVISABLE_STATUSES


def can_mark(user: Any, proposal: Any) -> bool:
    """Any other delegation may support or oppose a submitted proposal, and change or clear
    its mark, until the proposal is decided (marks on it are then frozen)."""
    from drafting.models import ProposalStatus

    delegation = delegation_of(user)
    return (
        delegation is not None
        and delegation.pk != proposal.delegation_id
        and proposal.status == ProposalStatus.SUBMITTED
        and takes_part(user, proposal.document_id)
    )


def can_reply_to_decision(user: Any, proposal: Any, *, replied: bool) -> bool:
    """The proposing delegation may reply once to the chair's note on the decision on its
    proposal: while the proposal stands decided, and only when the chair left a note
    (``replied``: a reply exists already)."""
    from drafting.models.proposal import DECIDED_STATUSES

    return (
        is_own_proposal(user, proposal)
        and proposal.status in DECIDED_STATUSES
        and bool(proposal.decision_note.strip())
        and not replied
    )


def can_open_round(user: Any, document: Document) -> bool:
    return is_secretariat(user)


def can_reopen_round(user: Any, document: Document) -> bool:
    return is_chairs_office(user) or is_secretariat(user)


def can_decide(user: Any, document: Document) -> bool:
    """The chair's office accepts, rejects and defers proposals and edits the working draft."""
    return is_chairs_office(user)


# --- invitations and accounts ---------------------------------------------------------------


def is_focal_point(user: Any) -> bool:
    """A delegate whom the secretariat made its delegation's focal point."""
    return is_delegate(user) and bool(user.delegate_profile.is_focal_point)


def can_manage_delegates(user: Any, delegation: Delegation) -> bool:
    """The secretariat for every delegation; a focal point for its own only."""
    if can_administer(user):
        return True
    own = delegation_of(user)
    return own is not None and own.pk == delegation.pk and is_focal_point(user)


def can_invite(user: Any, *, role: str, delegation: Delegation | None) -> bool:
    """The secretariat invites anyone (a delegate or focal point of any delegation, the
    chair's office, the secretariat); a focal point invites delegates of its own delegation."""
    from drafting.models import InvitedRole

    if can_administer(user):
        return True
    return (
        role == InvitedRole.DELEGATE
        and delegation is not None
        and can_manage_delegates(user, delegation)
    )


def can_revoke_invitation(user: Any, invitation: Any) -> bool:
    if can_administer(user):
        return True
    return invitation.delegation is not None and can_invite(
        user, role=invitation.role, delegation=invitation.delegation
    )


def can_deactivate(user: Any, account: Any) -> bool:
    """Whether ``user`` may deactivate ``account``: a delegate's account only (an account with
    no other role), by the secretariat or by a focal point of the delegate's delegation; not
    one's own."""
    profile = getattr(account, "delegate_profile", None)
    if profile is None or account.pk == user.pk or not roles.may_manage(user, account):
        return False
    return can_manage_delegates(user, profile.delegation)
