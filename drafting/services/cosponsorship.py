"""Co-sponsorship by consent, and speaking for a group only as its designated coordinator.

A delegation named as co-sponsor is invited (a notification, and a line on its *My delegation*
page) and is shown as co-sponsor (``Proposal.co_sponsors``) only once one of its delegates
accepts. It may decline, or withdraw an acceptance while the proposal is open. Every step is
a :class:`CoSponsorInvitation` history row (who, when, why) and an audit event.

- A draft is its delegation's private business: the names it gives are kept as *named* and
  sent when the proposal is submitted.
- Names the proposing delegation drops are *removed* (and told, once they were sent).
- Support is given to a text: when the proposing delegation changes the text or the kind of
  a submitted proposal, accepted co-sponsors go back to *invited*, are no longer shown, and
  are asked to confirm again (a rationale or co-sponsor list changed alone keeps them).
- Groups of States and organizations cannot co-sponsor: their members can.

Lock order: the proposal row first, then its invitations (as :mod:`proposals` does); the rows
themselves only (``of``), never the delegations they join: two delegations inviting or
answering each other at once would otherwise deadlock on each other's delegation row. An
answer takes last the proposing delegation's page version and the document's proposals version
(`models.cache.proposal_changed`: the pages showing co-sponsors are cached under them).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting.access import permissions
from drafting.access.audit import record
from drafting.models import (
    CoSponsorInvitation,
    Delegation,
    GroupCoordinator,
    InvitationStatus,
    Notification,
    NotificationKind,
    Participation,
    Proposal,
    ProposalStatus,
)
from drafting.models.audit import AuditAction
from drafting.models.cache import proposal_changed
from drafting.models.cosponsorship import NAMED_STATUSES
from drafting.services.notifications import notify
from drafting.web.errors import DomainError, NotAllowed

# A co-sponsor may accept, decline or withdraw while the chair has not decided the proposal
# (a deferred proposal is carried forward and still open).
OPEN_STATUSES = frozenset(
    {ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED, ProposalStatus.NEEDS_REBASE}
)


# --- checks, used by the proposal services' validation --------------------------------------


def co_sponsor_problems(
    *, delegation: Delegation, co_sponsors: Iterable[Delegation], document_id: int
) -> list[str]:
    """Why these delegations cannot be named as co-sponsors by ``delegation`` on the document
    (none: []): not itself, no group, and only delegations taking part in its meeting."""
    problems = []
    co_sponsors = list(co_sponsors)
    if co_sponsors:
        taking_part = set(
            Participation.objects.filter(
                meeting__document=document_id, delegation__in=co_sponsors
            ).values_list("delegation_id", flat=True)
        )
        absent = sorted(s.short_name for s in co_sponsors if s.pk not in taking_part)
        if absent:
            problems.append(
                _("%(delegations)s: not taking part in this meeting.")
                % {"delegations": ", ".join(absent)}
            )
    if any(sponsor.pk == delegation.pk for sponsor in co_sponsors):
        problems.append(_("Your own delegation cannot co-sponsor its proposal."))
    groups = sorted(sponsor.short_name for sponsor in co_sponsors if sponsor.is_group)
    if groups:
        problems.append(
            _(
                "%(groups)s: groups of States and organizations cannot co-sponsor. Name "
                "their member States, or ask the group's coordinator to propose on its behalf."
            )
            % {"groups": ", ".join(groups)}
        )
    return problems


def coordinated_groups(*, meeting_id: int, delegation: Delegation):
    """The groups ``delegation`` speaks for at this meeting (designated by the secretariat)."""
    return Delegation.objects.filter(
        coordinators__meeting_id=meeting_id, coordinators__delegation=delegation
    ).order_by("name")


def on_behalf_problems(*, meeting_id: int, delegation: Delegation, group: Delegation) -> list[str]:
    """Why ``delegation`` cannot propose on behalf of ``group`` at this meeting (none: [])."""
    if GroupCoordinator.objects.filter(
        meeting_id=meeting_id, group=group, delegation=delegation
    ).exists():
        return []
    return [
        _(
            "%(delegation)s is not the coordinator of %(group)s at this meeting: only the "
            "delegation the secretariat designated speaks on its behalf."
        )
        % {"delegation": delegation.short_name, "group": group.short_name}
    ]


# --- the proposing delegation's side (called by the proposal services, under their lock) ---


def _save(invitation: CoSponsorInvitation, user, reason: str) -> None:
    invitation._history_user = user
    invitation._change_reason = reason
    invitation.updated_at = timezone.now()
    invitation.save()


def _audit(action: str, user, invitation: CoSponsorInvitation, proposal: Proposal) -> None:
    record(
        action=action,
        user=user,
        document_id=proposal.document_id,
        element_id=proposal.element_id,
        proposal_id=proposal.pk,
        summary=f"{invitation.delegation.short_name} · proposal of "
        f"{proposal.delegation.short_name}",
    )


def _tell(delegation_id: int, proposal: Proposal, message: str) -> None:
    notify(
        [
            Notification(
                delegation_id=delegation_id,
                proposal=proposal,
                kind=NotificationKind.COSPONSORSHIP,
                message=message,
            )
        ]
    )


def _send(invitation: CoSponsorInvitation, user, proposal: Proposal, message: str) -> None:
    invitation.status = InvitationStatus.INVITED
    invitation.invited_by = user
    invitation.invited_at = timezone.now()
    invitation.responded_by, invitation.responded_at = None, None
    _save(invitation, user, "Invitation sent")
    _tell(invitation.delegation_id, proposal, message)
    _audit(AuditAction.COSPONSOR_INVITED, user, invitation, proposal)


def _invitation_message(proposal: Proposal) -> str:
    return _(
        "%(delegation)s invites your delegation to co-sponsor its proposal: you are shown as "
        "co-sponsor only if your delegation accepts (My delegation)."
    ) % {"delegation": proposal.delegation.short_name}


def invitations_sync(*, user, proposal: Proposal, named: Iterable[Delegation]) -> None:
    """Make the proposal's invitations match the co-sponsors its delegation now names.

    New names are invited (kept as *named* while the proposal is a draft); names dropped are
    removed, and no longer shown. The caller holds the proposal's row lock and has checked
    the names (:func:`co_sponsor_problems`).
    """
    wanted = {delegation.pk: delegation for delegation in named}
    visible = proposal.status != ProposalStatus.DRAFT
    current = {
        invitation.delegation_id: invitation
        for invitation in CoSponsorInvitation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(proposal=proposal)
    }
    proposal._history_user = user
    invitation: CoSponsorInvitation | None
    for delegation_id, invitation in current.items():
        if delegation_id in wanted or invitation.status not in NAMED_STATUSES:
            continue
        was_sent = invitation.status != InvitationStatus.NAMED
        if invitation.status == InvitationStatus.ACCEPTED:
            proposal._change_reason = f"Co-sponsor removed: {invitation.delegation.short_name}"
            proposal.co_sponsors.remove(invitation.delegation)
        invitation.status = InvitationStatus.REMOVED
        _save(invitation, user, "Removed by the proposing delegation")
        if was_sent:
            _tell(
                delegation_id,
                proposal,
                _("%(delegation)s no longer names your delegation as co-sponsor of its proposal.")
                % {"delegation": proposal.delegation.short_name},
            )
            _audit(AuditAction.COSPONSOR_REMOVED, user, invitation, proposal)
    for delegation_id, delegation in wanted.items():
        invitation = current.get(delegation_id)
        if invitation is not None and invitation.status in NAMED_STATUSES:
            continue  # still named: nothing changes for it
        if invitation is None:
            invitation = CoSponsorInvitation(
                proposal=proposal, delegation=delegation, invited_by=user
            )
        if visible:
            _send(invitation, user, proposal, _invitation_message(proposal))
        else:
            invitation.status, invitation.invited_by = InvitationStatus.NAMED, user
            invitation.invited_at = None
            _save(invitation, user, "Named in a draft")


def invitations_send(*, user, proposal: Proposal) -> None:
    """On submission: the names given in the draft are invited now. Caller holds the lock."""
    pending = CoSponsorInvitation.objects.select_for_update(of=("self",)).filter(
        proposal=proposal, status=InvitationStatus.NAMED
    )
    for invitation in pending.select_related("delegation"):
        _send(invitation, user, proposal, _invitation_message(proposal))


def acceptances_reopen(*, user, proposal: Proposal) -> None:
    """The proposing delegation changed the text: accepted co-sponsors are asked to confirm
    again, and are not shown until they do. Caller holds the proposal's lock."""
    accepted = list(
        CoSponsorInvitation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(proposal=proposal, status=InvitationStatus.ACCEPTED)
    )
    if not accepted:
        return
    proposal._history_user = user
    proposal._change_reason = "Text revised: co-sponsors asked to confirm again"
    proposal.co_sponsors.remove(*[invitation.delegation for invitation in accepted])
    message = _(
        "%(delegation)s revised the text of a proposal your delegation co-sponsors (now version "
        "%(version)s). You are no longer shown as co-sponsor unless your delegation accepts "
        "again."
    ) % {"delegation": proposal.delegation.short_name, "version": proposal.version}
    for invitation in accepted:
        _send(invitation, user, proposal, message)


def invitations_named(proposal: Proposal) -> list[Delegation]:
    """The co-sponsors the proposing delegation names (its form's list), by name."""
    return list(
        Delegation.objects.filter(
            cosponsor_invitations__proposal=proposal,
            cosponsor_invitations__status__in=NAMED_STATUSES,
        ).order_by("name")
    )


# --- the invited delegation's side ----------------------------------------------------------


def _locked_invitation(user, proposal: Proposal) -> tuple[Proposal, CoSponsorInvitation]:
    """The proposal and the user's delegation's invitation to it, both row-locked."""
    delegation = permissions.delegation_of(user)
    if delegation is None:
        raise NotAllowed(_("Only a delegate of the invited delegation answers an invitation."))
    # The rows themselves only (``of``): FOR UPDATE on the joined delegations would lock
    # the proposing and the invited delegation's rows, and two delegations accepting each
    # other's invitations at once would deadlock.
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .get(pk=proposal.pk)
    )
    invitation = (
        CoSponsorInvitation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(proposal=locked, delegation=delegation)
        .exclude(status__in=[InvitationStatus.NAMED, InvitationStatus.REMOVED])
        .first()
    )
    if invitation is None:
        raise NotAllowed(_("Your delegation is not invited to co-sponsor this proposal."))
    if locked.status not in OPEN_STATUSES:
        raise DomainError(
            _("This proposal is %(status)s: its co-sponsors can no longer change.")
            % {"status": locked.get_status_display()}
        )
    return locked, invitation


def _answer(invitation: CoSponsorInvitation, user, status: str, reason: str) -> None:
    invitation.status = status
    invitation.responded_by = user
    invitation.responded_at = timezone.now()
    _save(invitation, user, reason)


@transaction.atomic
def cosponsorship_accept(
    *, user, proposal: Proposal, expected_version: int | None = None
) -> CoSponsorInvitation:
    """The user's delegation accepts to co-sponsor: from now on it is shown as co-sponsor.

    ``expected_version`` is the version of the proposal the delegate read: consent is given
    to that text, so when the proposal was revised since, nothing is accepted."""
    locked, invitation = _locked_invitation(user, proposal)
    if expected_version is not None and expected_version != locked.version:
        raise DomainError(
            _(
                "%(delegation)s revised its proposal since you read it (it is now version "
                "%(version)s). Nothing was accepted: read the new text, then answer."
            )
            % {"delegation": locked.delegation.short_name, "version": locked.version}
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        raise DomainError(_("Your delegation already co-sponsors this proposal."))
    if invitation.status != InvitationStatus.INVITED:
        raise DomainError(
            _(
                "This invitation is %(status)s: only the proposing delegation can invite your "
                "delegation again."
            )
            % {"status": invitation.get_status_display()}
        )
    _answer(invitation, user, InvitationStatus.ACCEPTED, "Accepted")
    locked._history_user = user
    locked._change_reason = f"Co-sponsored by {invitation.delegation.short_name}"
    locked.co_sponsors.add(invitation.delegation)
    _tell(
        locked.delegation_id,
        locked,
        _("%(delegation)s accepted to co-sponsor your proposal.")
        % {"delegation": invitation.delegation.short_name},
    )
    _audit(AuditAction.COSPONSOR_ACCEPTED, user, invitation, locked)
    proposal_changed(locked)
    return invitation


@transaction.atomic
def cosponsorship_decline(*, user, proposal: Proposal) -> CoSponsorInvitation:
    """The user's delegation declines the invitation; it is not shown as co-sponsor.

    Locks: own rows only (the proposal's row alone, then the delegation's invitation)."""
    locked, invitation = _locked_invitation(user, proposal)
    if invitation.status != InvitationStatus.INVITED:
        raise DomainError(
            _("Only a pending invitation can be declined (this one is %(status)s).")
            % {"status": invitation.get_status_display()}
        )
    _answer(invitation, user, InvitationStatus.DECLINED, "Declined")
    _tell(
        locked.delegation_id,
        locked,
        _("%(delegation)s declined to co-sponsor your proposal.")
        % {"delegation": invitation.delegation.short_name},
    )
    _audit(AuditAction.COSPONSOR_DECLINED, user, invitation, locked)
    proposal_changed(locked)
    return invitation


@transaction.atomic
def cosponsorship_withdraw(*, user, proposal: Proposal) -> CoSponsorInvitation:
    """The user's delegation withdraws its co-sponsorship while the proposal is open.

    Locks: own rows only (the proposal's row alone, then the delegation's invitation)."""
    locked, invitation = _locked_invitation(user, proposal)
    if invitation.status != InvitationStatus.ACCEPTED:
        raise DomainError(_("Your delegation does not co-sponsor this proposal."))
    _answer(invitation, user, InvitationStatus.WITHDRAWN, "Co-sponsorship withdrawn")
    locked._history_user = user
    locked._change_reason = f"Co-sponsorship withdrawn by {invitation.delegation.short_name}"
    locked.co_sponsors.remove(invitation.delegation)
    _tell(
        locked.delegation_id,
        locked,
        _("%(delegation)s withdrew its co-sponsorship of your proposal.")
        % {"delegation": invitation.delegation.short_name},
    )
    _audit(AuditAction.COSPONSOR_WITHDRAWN, user, invitation, locked)
    proposal_changed(locked)
    return invitation
