"""The delegations' workflow: write, submit, revise, withdraw proposals, discard drafts;
support or oppose.

Every function is keyword-only and atomic. Writes lock the rows they read-modify-write
(``select_for_update``) and save through the model, so the history records each version with
its author and a reason.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import bounds, permissions, time_zones
from drafting.audit import audited, record_acts
from drafting.errors import (
    BaseTextMoved,
    DeadlinePassed,
    DomainError,
    FormAlreadyUsed,
    NotAllowed,
    ProposalInvalid,
    StaleVersion,
)
from drafting.models import (
    ConsultationRound,
    Delegation,
    Document,
    Element,
    ElementKind,
    ElementStatus,
    InvitationStatus,
    MarkStance,
    Notification,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.models.audit import AuditAction
from drafting.models.proposal import VISIBLE_STATUSES
from drafting.services import cosponsorship
from drafting.services.idempotency import idempotent
from drafting.text import diff, validation

INSERTABLE_KINDS = (ElementKind.THEME, ElementKind.SUBTHEME, ElementKind.PARAGRAPH)


@dataclass
class ProposalContent:
    """What the delegate wrote. ``base_text_seen`` is the element text they started from."""

    kind: str
    proposed_text: str = ""
    rationale: str = ""
    new_element_kind: str = ""
    on_behalf_of: Delegation | None = None
    co_sponsors: list[Delegation] = field(default_factory=list)
    base_text_seen: str | None = None


def _problem_messages(problems: list[validation.TextProblem]) -> list[str]:
    translated = {
        "empty": lambda p: _("Write the text you propose."),
        "too_long": lambda p: (
            _("The text has %(length)s characters; the limit is %(limit)s.")
            % {"length": f"{p.params['length']:,}", "limit": f"{p.params['limit']:,}"}
        ),
        "control_character": lambda p: (
            _(
                "The text contains an invisible control character (%(code)s) at character "
                "%(position)s; remove it."
            )
            % p.params
        ),
        "brackets_unopened": lambda p: (
            _(
                "The closing bracket “]” at character %(position)s has no opening bracket “[” "
                "before it (near “%(context)s”)."
            )
            % p.params
        ),
        "brackets_unclosed": lambda p: (
            _(
                "The opening bracket “[” at character %(position)s is never closed (near "
                "“%(context)s”): add “]” where the bracketed language ends."
            )
            % p.params
        ),
    }
    return [translated[p.code](p) if p.code in translated else p.message for p in problems]


def _validated(
    *, element: Element, delegation: Delegation, content: ProposalContent
) -> tuple[str, str, dict[str, list[str]]]:
    """Check the content against the element; return (base text, proposed text, problems)."""
    problems: dict[str, list[str]] = {}
    base_text = element.text
    kind = content.kind
    proposed = validation.normalise(content.proposed_text)
    # Checked as it is stored: browsers send a textarea's line breaks as CR LF, and a CR is
    # a control character.
    rationale_problems = _problem_messages(
        validation.check_note(validation.normalise(content.rationale))
    )
    if rationale_problems:
        problems["rationale"] = rationale_problems

    if element.status == ElementStatus.DELETED:
        problems["__all__"] = [
            _("This element has been deleted: propose on another element, or insert new language.")
        ]
        return base_text, proposed, problems
    if kind not in ProposalKind.values:
        problems["kind"] = [_("Choose what you propose.")]
        return base_text, proposed, problems

    if kind == ProposalKind.DELETE:
        proposed = ""
    elif kind == ProposalKind.COMMENT:
        proposed = base_text
        if not content.rationale.strip():
            problems.setdefault("rationale", []).append(_("Write your comment."))
    else:
        text_problems = _problem_messages(validation.check_element_text(proposed))
        if text_problems:
            problems["proposed_text"] = text_problems
        elif kind in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}:
            base_text = ""
            if content.new_element_kind not in INSERTABLE_KINDS:
                problems["new_element_kind"] = [_("Choose a theme, sub-theme or paragraph.")]
            if kind == ProposalKind.FILL_PLACEHOLDER and element.kind != ElementKind.PLACEHOLDER:
                problems["kind"] = [_("Only an empty bullet can be filled.")]
        elif proposed == base_text:
            problems["proposed_text"] = [
                _("Your text is the same as the current text: change it, or choose “comment”.")
            ]
        elif kind == ProposalKind.ADD_BRACKETS and not diff.brackets_added_only(
            base_text, proposed
        ):
            problems["proposed_text"] = [
                _("Only add brackets here; to change words, choose “amend the text”.")
            ]
        elif kind == ProposalKind.REMOVE_BRACKETS and not diff.brackets_removed_only(
            base_text, proposed
        ):
            problems["proposed_text"] = [
                _("Only remove brackets here; to change words, choose “amend the text”.")
            ]
        if kind == ProposalKind.AMEND and element.kind == ElementKind.PLACEHOLDER:
            problems["kind"] = [
                _("An empty bullet has no text to amend: choose “fill the empty bullet”.")
            ]

    if content.on_behalf_of is not None:
        meeting_id = Document.objects.values_list("meeting_id", flat=True).get(
            pk=element.document_id
        )
        behalf_problems = cosponsorship.on_behalf_problems(
            meeting_id=meeting_id, delegation=delegation, group=content.on_behalf_of
        )
        if behalf_problems:
            problems["on_behalf_of"] = behalf_problems
    sponsor_problems = cosponsorship.co_sponsor_problems(
        delegation=delegation, co_sponsors=content.co_sponsors, document_id=element.document_id
    )
    if sponsor_problems:
        problems["co_sponsors"] = sponsor_problems
    return base_text, proposed, problems


def _check_base(element: Element, content: ProposalContent) -> None:
    """Refuse when the element's text moved since the delegate started from it."""
    if content.base_text_seen is None or content.kind in {
        ProposalKind.INSERT_AFTER,
        ProposalKind.FILL_PLACEHOLDER,
    }:
        return
    if validation.normalise(content.base_text_seen) != element.text:
        rebased = diff.apply_patch(
            diff.make_patch(validation.normalise(content.base_text_seen), content.proposed_text),
            element.text,
        )
        raise BaseTextMoved(element.text, rebased.text if rebased.applied else None)


def open_round(document: Document, at: datetime | None = None) -> ConsultationRound | None:
    moment = at or timezone.now()
    return (
        ConsultationRound.objects.filter(
            document=document, opens_at__lte=moment, deadline__gt=moment
        )
        .order_by("deadline")
        .first()
    )


def _require_open_round(document: Document, proposal: Proposal | None = None) -> ConsultationRound:
    """The round a submission or revision belongs to, or :class:`DeadlinePassed`.

    A submitted proposal is revised within its own round, until that round's deadline; a
    proposal that needs a rebase is resubmitted into whichever round is open.
    """
    round_ = open_round(document)
    if proposal is not None and proposal.round_id and proposal.status == ProposalStatus.SUBMITTED:
        own = ConsultationRound.objects.get(pk=proposal.round_id)
        if not own.is_open():
            raise DeadlinePassed(
                _(
                    "The deadline of “%(round)s” passed at %(deadline)s (%(zone)s): the "
                    "proposal can no longer be changed."
                )
                % {"round": own.name, **_deadline_words(own.deadline)}
            )
        return own
    if round_ is None:
        last = ConsultationRound.objects.filter(document=document).order_by("-deadline").first()
        if last is not None and last.deadline <= timezone.now():
            raise DeadlinePassed(
                _(
                    "The deadline of “%(round)s” passed at %(deadline)s (%(zone)s). Your "
                    "text is kept as a draft; it can be submitted when the round is reopened."
                )
                % {"round": last.name, **_deadline_words(last.deadline)}
            )
        raise DeadlinePassed(
            _(
                "No consultation round is open. Your text is kept as a draft; it can be "
                "submitted when the secretariat opens a round."
            )
        )
    return round_


def _deadline_words(moment: datetime) -> dict[str, str]:
    """The deadline in the current time zone (the meeting's, on its pages), and the zone."""
    return {
        "deadline": timezone.localtime(moment).strftime("%d %B %Y, %H:%M"),
        "zone": time_zones.current_label(),
    }


def _save(proposal: Proposal, user, reason: str) -> None:
    proposal._history_user = user
    proposal._change_reason = reason
    proposal.updated_at = timezone.now()
    proposal.save()


def proposal_create(
    *,
    user,
    element: Element,
    content: ProposalContent,
    idempotency_key: uuid.UUID,
    submit: bool,
) -> Proposal:
    """Create a proposal as a draft of the user's delegation, and submit it if asked.

    While a round is open, a submission is written as submitted in one transaction. When no
    round is open (or its deadline passes meanwhile) the draft is committed first, so that
    nothing the delegate wrote is lost when submission is then refused:
    :class:`DeadlinePassed` is raised with the saved draft as ``error.proposal``.
    The idempotency key makes a repeated request (a double click, a retry after a dropped
    connection) return the proposal already made instead of a second one; the same key
    sent with other content raises :class:`FormAlreadyUsed` and changes nothing.
    """
    round_ = open_round(element.document) if submit else None
    proposal = None
    if round_ is not None:
        try:
            proposal, _created = _draft_create(
                user=user,
                element=element,
                content=content,
                idempotency_key=idempotency_key,
                round_=round_,
            )
        except DeadlinePassed:
            proposal = None  # the deadline passed meanwhile: keep a draft (below)
    if proposal is None:
        proposal, _created = _draft_create(
            user=user, element=element, content=content, idempotency_key=idempotency_key
        )
    if submit and proposal.status == ProposalStatus.DRAFT:
        try:
            with transaction.atomic():
                # Only the proposal row: locking the joined document row too would take the
                # write gate's first lock after a proposal's (drafting.services.gate).
                locked = (
                    Proposal.objects.select_for_update(of=("self",))
                    .select_related("document")
                    .get(pk=proposal.pk)
                )
                _submit(locked, user)
                record_acts(action=AuditAction.PROPOSAL_SUBMITTED, user=user, result=locked)
                proposal = locked
        except DeadlinePassed as refused:
            refused.proposal = proposal
            raise
    return proposal


@transaction.atomic
def _draft_create(
    *,
    user,
    element: Element,
    content: ProposalContent,
    idempotency_key: uuid.UUID,
    round_: ConsultationRound | None = None,
) -> tuple[Proposal, bool]:
    """The new proposal, and whether this call created it (False: the same request came
    before). A draft; or, given the open round, submitted in it (DeadlinePassed, and nothing
    written, when that round has closed by the time it is saved)."""
    delegation = permissions.delegation_of(user)
    if delegation is None:
        raise NotAllowed(_("Only delegates propose language."))
    if not permissions.can_propose(user, element.document):
        raise NotAllowed(_("Your delegation does not take part in this meeting."))
    # The element lock orders proposals on one element; the key is checked under it.
    element = Element.objects.select_for_update().get(pk=element.pk)
    existing = Proposal.objects.filter(
        delegation=delegation, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return _made_by_this_request(existing, element, content), False
    base_text, proposed, problems = _validated(
        element=element, delegation=delegation, content=content
    )
    if problems:
        raise ProposalInvalid(problems)
    _check_base(element, ProposalContent(**{**content.__dict__, "proposed_text": proposed}))
    base_revision = (
        Revision.objects.filter(document_id=element.document_id)
        .only("id", "number")  # not its snapshot: a large JSON document
        .order_by("-number")
        .first()
    )
    if base_revision is None:
        raise DomainError(_("The document has no issued revision to propose against."))
    is_insert = content.kind in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}
    proposal = Proposal(
        document_id=element.document_id,
        base_revision=base_revision,
        element=element,
        kind=content.kind,
        new_element_kind=content.new_element_kind if is_insert else "",
        rationale=validation.normalise(content.rationale),
        author=user,
        delegation=delegation,
        on_behalf_of=content.on_behalf_of,
        idempotency_key=idempotency_key,
    )
    proposal.set_texts(base_text, proposed)
    reason, action = "Draft written", AuditAction.PROPOSAL_DRAFTED
    if round_ is not None:
        now = timezone.now()
        if not round_.is_open(now):
            raise DeadlinePassed(_("The round closed meanwhile."))
        proposal.status, proposal.round, proposal.submitted_at = (
            ProposalStatus.SUBMITTED,
            round_,
            now,
        )
        reason, action = "Submitted", AuditAction.PROPOSAL_SUBMITTED
    try:
        with transaction.atomic():
            _save(proposal, user, reason)
    except IntegrityError:
        # The same key raced past the check (another element's lock): the first one won.
        existing = Proposal.objects.get(delegation=delegation, idempotency_key=idempotency_key)
        return _made_by_this_request(existing, element, content), False
    record_acts(action=action, user=user, result=proposal)
    if content.co_sponsors:
        cosponsorship.invitations_sync(user=user, proposal=proposal, named=content.co_sponsors)
    return proposal, True


def _made_by_this_request(existing: Proposal, element: Element, content: ProposalContent):
    """``existing``, the proposal this form's key made, when this request asks for the very
    same (a double click, a retry); :class:`FormAlreadyUsed` when it asks for anything else
    with the same key: a reused key never changes, nor silently ignores, what was written."""
    kind = content.kind
    same = (
        existing.element_id == element.pk
        and existing.kind == kind
        and existing.rationale == validation.normalise(content.rationale)
        and existing.on_behalf_of_id == getattr(content.on_behalf_of, "pk", None)
        # The names the form gave (invitations), not only those that accepted since.
        and set(
            existing.cosponsor_invitations.exclude(status=InvitationStatus.REMOVED).values_list(
                "delegation_id", flat=True
            )
        )
        == {sponsor.pk for sponsor in content.co_sponsors}
        # A deletion's and a comment's texts are derived from the element, not typed.
        and (
            kind in {ProposalKind.DELETE, ProposalKind.COMMENT}
            or existing.proposed_text == validation.normalise(content.proposed_text)
        )
        and (
            kind not in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}
            or existing.new_element_kind == content.new_element_kind
        )
    )
    if not same:
        raise FormAlreadyUsed(
            _("This form was already used to submit a proposal; it was not changed."),
            proposal=existing,
        )
    return existing


def _locked_for_edit(user, proposal: Proposal) -> Proposal:
    # Only the proposal row (``of``): FOR UPDATE on the join would lock the element and the
    # document too, in the opposite order to the write gate's (drafting.services.gate).
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("element", "document")
        .get(pk=proposal.pk)
    )
    if not permissions.can_edit_proposal(user, locked):
        own = permissions.delegation_of(user)
        if own is not None and own.pk == locked.delegation_id:
            raise DomainError(
                _("This proposal is %(status)s and can no longer be changed.")
                % {"status": locked.get_status_display()}
            )
        raise NotAllowed(_("Only the proposing delegation can change its proposal."))
    return locked


def _submit(proposal: Proposal, user) -> None:
    round_ = _require_open_round(proposal.document, proposal)
    first_time = proposal.status == ProposalStatus.DRAFT
    # A draft is not carried forward when a revision is issued: submitted, it is a proposal
    # on the latest revision (in that revision's compilation), like a rebased one.
    if proposal.status in {ProposalStatus.NEEDS_REBASE, ProposalStatus.DRAFT}:
        proposal.base_revision = (
            Revision.objects.filter(document_id=proposal.document_id)
            .only("id", "number")
            .latest("number")
        )
    proposal.status = ProposalStatus.SUBMITTED
    proposal.round = round_
    proposal.submitted_at = proposal.submitted_at or timezone.now()
    _save(proposal, user, "Submitted" if first_time else "Revised after submission")
    if first_time:
        # Co-sponsors named in the draft are invited now that the proposal is visible.
        cosponsorship.invitations_send(user=user, proposal=proposal)


@idempotent("proposal_revise")
@transaction.atomic
@audited(AuditAction.PROPOSAL_REVISED)
def proposal_revise(
    *,
    user,
    proposal: Proposal,
    content: ProposalContent,
    expected_version: int,
    submit: bool = False,
) -> Proposal:
    """Change a draft or a submitted proposal (before its round's deadline).

    ``expected_version`` is the version the user opened: when another delegate of the same
    delegation saved in between, :class:`StaleVersion` is raised and nothing is written.
    Co-sponsors follow :mod:`cosponsorship`: new names are invited, dropped names removed,
    and a new text or kind asks accepted co-sponsors to confirm again.
    """
    locked = _locked_for_edit(user, proposal)
    if locked.version != expected_version:
        raise StaleVersion(
            _(
                "Another delegate of your delegation saved this proposal meanwhile (version "
                "%(version)s). Your text is below; compare and save again."
            )
            % {"version": locked.version}
        )
    if locked.status in {ProposalStatus.SUBMITTED, ProposalStatus.NEEDS_REBASE}:
        _require_open_round(locked.document, locked)
    element = Element.objects.select_for_update().get(pk=locked.element_id)
    delegation = permissions.delegation_of(user)
    if delegation is None:  # _locked_for_edit lets only the proposing delegation through
        raise NotAllowed(_("Only the proposing delegation can change its proposal."))
    content.kind = locked.kind if not content.kind else content.kind
    base_text, proposed, problems = _validated(
        element=element, delegation=delegation, content=content
    )
    if problems:
        raise ProposalInvalid(problems)
    _check_base(element, ProposalContent(**{**content.__dict__, "proposed_text": proposed}))
    text_changed = (locked.kind, locked.proposed_text) != (content.kind, proposed)
    locked.kind = content.kind
    locked.new_element_kind = content.new_element_kind if locked.is_insert else ""
    locked.set_texts(base_text, proposed)
    locked.rationale = validation.normalise(content.rationale)
    locked.on_behalf_of = content.on_behalf_of
    locked.author = user
    locked.version += 1
    was_draft = locked.status == ProposalStatus.DRAFT
    if was_draft:
        _save(locked, user, "Draft revised")
        # Kept as named; sent by _submit below, or when the draft is submitted.
        cosponsorship.invitations_sync(user=user, proposal=locked, named=content.co_sponsors)
    if not was_draft or submit:
        _submit(locked, user)
    if was_draft and submit:
        # Submitted from the revise form: the record says so, as for a submission.
        record_acts(action=AuditAction.PROPOSAL_SUBMITTED, user=user, result=locked)
    if not was_draft:
        _tell_markers_of_new_version(locked, earlier_version=locked.version - 1)
        cosponsorship.invitations_sync(user=user, proposal=locked, named=content.co_sponsors)
        if text_changed:
            # Consent was given to the text: co-sponsors confirm the new one again.
            cosponsorship.acceptances_reopen(user=user, proposal=locked)
    return locked


@idempotent("proposal_submit")
@transaction.atomic
@audited(AuditAction.PROPOSAL_SUBMITTED)
def proposal_submit(*, user, proposal: Proposal) -> Proposal:
    """Submit a draft: it becomes visible to every delegation and the chair's office."""
    locked = _locked_for_edit(user, proposal)
    if locked.status != ProposalStatus.DRAFT:
        raise DomainError(_("This proposal has already been submitted."))
    _submit(locked, user)
    return locked


def _tell_markers_of_new_version(proposal: Proposal, *, earlier_version: int) -> None:
    """The delegations whose mark was current are told that it now stands for the earlier
    version only (it no longer counts), and where to confirm it."""
    marks = ProposalMark.objects.filter(proposal=proposal, version=earlier_version).select_related(
        "delegation"
    )
    proposer = Delegation.objects.only("short_name").get(pk=proposal.delegation_id).short_name
    notes = []
    for mark in marks:
        message = (
            _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's support was given to version %(earlier)s and no longer counts: "
                "confirm it on the proposal if it still holds."
            )
            if mark.stance == MarkStance.SUPPORT
            else _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's opposition was given to version %(earlier)s and no longer "
                "counts: confirm it on the proposal if it still holds."
            )
        )
        notes.append(
            Notification(
                delegation_id=mark.delegation_id,
                proposal=proposal,
                message=message
                % {
                    "delegation": proposer,
                    "version": proposal.version,
                    "earlier": earlier_version,
                },
            )
        )
    Notification.objects.bulk_create(notes)


def _after_the_deadline(document: Document) -> bool:
    """No consultation round is open: the chair's office is compiling what was given."""
    return open_round(document) is None


@idempotent("proposal_withdraw")
@transaction.atomic
@audited(AuditAction.PROPOSAL_WITHDRAWN)
def proposal_withdraw(*, user, proposal: Proposal) -> Proposal:
    """Withdraw a submitted proposal; it stays on record, and visible, as withdrawn.

    Possible after the deadline too, and then recorded (and shown) as withdrawn after the
    deadline. A draft is not withdrawn but discarded (:func:`proposal_discard`): withdrawing
    would publish it.
    """
    locked = _locked_for_edit(user, proposal)
    if locked.status == ProposalStatus.DRAFT:
        raise DomainError(
            _("This is a draft: discard it instead (it was never shown to anyone else).")
        )
    locked.status = ProposalStatus.WITHDRAWN
    locked.withdrawn_after_deadline = _after_the_deadline(locked.document)
    _save(
        locked,
        user,
        "Withdrawn after the deadline" if locked.withdrawn_after_deadline else "Withdrawn",
    )
    return locked


def can_undo_withdrawal(proposal: Proposal) -> bool:
    """A withdrawal is taken back while the proposal's round is open and no revision has
    been issued since it was made (it was not carried forward)."""
    if proposal.status != ProposalStatus.WITHDRAWN or proposal.withdrawn_after_deadline:
        return False
    latest = Revision.objects.filter(document_id=proposal.document_id).order_by("-number")
    if latest.values_list("pk", flat=True).first() != proposal.base_revision_id:
        return False
    own = proposal.round
    return own is not None and own.is_open()


@idempotent("proposal_withdrawal_undo")
@transaction.atomic
def proposal_withdrawal_undo(*, user, proposal: Proposal) -> Proposal:
    """Take a withdrawal back ("Withdrawn. Undo"): the proposal is submitted again, as it
    was, while its round is open and before a revision is issued. Only its delegation may.
    Locks the proposal row only."""
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("round", "delegation")
        .get(pk=proposal.pk)
    )
    delegation = permissions.delegation_of(user)
    if delegation is None or delegation.pk != locked.delegation_id:
        raise NotAllowed(_("Only the proposing delegation can take its withdrawal back."))
    if not can_undo_withdrawal(locked):
        raise DomainError(
            _(
                "This withdrawal can no longer be taken back (the round closed or a revision "
                "was issued since): propose the text again."
            )
        )
    locked.status = ProposalStatus.SUBMITTED
    _save(locked, user, "Withdrawal undone")
    record_acts(action=AuditAction.PROPOSAL_SUBMITTED, user=user, result=locked)
    return locked


@idempotent("proposal_discard")
@transaction.atomic
@audited(AuditAction.PROPOSAL_DISCARDED)
def proposal_discard(*, user, proposal: Proposal) -> Proposal:
    """Discard a draft: it stays its delegation's alone (status ``discarded``), never shown to
    another delegation, the chair's office, the secretariat or the public. The audit trail
    records that a draft was discarded, not its words."""
    locked = _locked_for_edit(user, proposal)
    if locked.status != ProposalStatus.DRAFT:
        raise DomainError(
            _("Only a draft can be discarded; a submitted proposal is withdrawn instead.")
        )
    locked.status = ProposalStatus.DISCARDED
    _save(locked, user, "Draft discarded")
    return locked


def _require_marks_open(user, proposal: Proposal) -> None:
    """Marks are given, changed and cleared by another delegation on a submitted proposal,
    while a round is open: a decided proposal's marks are frozen, and after the deadline they
    cannot change what the chair's office is compiling unless it reopens the round."""
    if not permissions.can_mark(user, proposal):
        if permissions.delegation_of(user) is None or permissions.is_own_proposal(user, proposal):
            raise NotAllowed(
                _("Only another delegation can support or oppose a submitted proposal.")
            )
        if not permissions.takes_part(user, proposal.document_id):
            raise NotAllowed(_("Your delegation does not take part in this meeting."))
        if proposal.status in VISIBLE_STATUSES:
            raise DomainError(
                _(
                    "This proposal is %(status)s: support and opposition on it can no longer "
                    "be changed."
                )
                % {"status": proposal.status_label}
            )
        raise NotAllowed(_("Only another delegation can support or oppose a submitted proposal."))
    if _after_the_deadline(proposal.document):
        last = (
            ConsultationRound.objects.filter(document_id=proposal.document_id)
            .order_by("-deadline")
            .first()
        )
        raise DeadlinePassed(
            _(
                "The deadline of “%(round)s” passed at %(deadline)s (%(zone)s): support "
                "and opposition can no longer be given, changed or withdrawn unless the "
                "chair's office reopens the round."
            )
            % {"round": last.name, **_deadline_words(last.deadline)}
            if last is not None
            else _("No consultation round is open: support and opposition cannot be changed.")
        )


def _locked_for_marks(proposal: Proposal) -> Proposal:
    """The proposal's row alone, locked (``of``): FOR UPDATE on the join would lock the
    document row too, after the proposal's, the opposite of the write gate's order, and
    deadlock with a chair's gated write (drafting.services.gate)."""
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("document", "delegation")
        .get(pk=proposal.pk)
    )


def _require_version_read(proposal: Proposal, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != proposal.version:
        raise StaleVersion(
            _(
                "%(delegation)s revised its proposal since you read it (it is now version "
                "%(version)s). Nothing was recorded: read it again."
            )
            % {"delegation": proposal.delegation.short_name, "version": proposal.version}
        )


def _save_mark(mark: ProposalMark, user, reason: str) -> None:
    mark.author, mark.updated_at = user, timezone.now()
    mark._history_user = user
    mark._change_reason = reason
    mark.save()


@transaction.atomic
@audited(AuditAction.MARK_SET)
def mark_set(
    *, user, proposal: Proposal, stance: str, note: str = "", expected_version: int | None = None
) -> ProposalMark:
    """Record the user's delegation's support or opposition, given to the proposal's current
    version; one mark per delegation. ``expected_version`` is the version the delegate read:
    when the proposal was revised since, :class:`StaleVersion` is raised and nothing is
    recorded (a mark is given to a text read, not to whatever it became meanwhile)."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    _require_version_read(locked, expected_version)
    if stance not in MarkStance.values:
        raise ProposalInvalid({"stance": [_("Choose support or opposition.")]})
    note = validation.normalise(note)
    problems = _problem_messages(validation.check_note(note, max_length=300))
    if problems:
        raise ProposalInvalid({"note": problems})
    delegation = permissions.delegation_of(user)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=delegation)
        .first()
    )
    if mark is None:
        mark = ProposalMark(proposal=locked, delegation=delegation)
    mark.stance, mark.note, mark.version = stance, note, locked.version
    _save_mark(mark, user, f"Marked as {stance} (version {locked.version})")
    return mark


@transaction.atomic
@audited(AuditAction.MARK_SET)
def mark_confirm(*, user, proposal: Proposal, expected_version: int | None = None) -> ProposalMark:
    """Give the delegation's mark (same stance, same note), given to an earlier version, to
    the proposal's current version: one step after the proposing delegation revised it.
    ``expected_version`` is the version the button named (as for :func:`mark_set`)."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    _require_version_read(locked, expected_version)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=permissions.delegation_of(user))
        .first()
    )
    if mark is None:
        raise DomainError(_("Your delegation has no mark on this proposal to confirm."))
    if mark.version != locked.version:
        mark.version = locked.version
        _save_mark(mark, user, f"Confirmed as {mark.stance} (version {locked.version})")
    return mark


@transaction.atomic
@audited(AuditAction.MARK_CLEARED)
def mark_clear(*, user, proposal: Proposal) -> None:
    """Remove the delegation's mark: under the same rules as setting one."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=permissions.delegation_of(user))
        .first()
    )
    if mark is not None:
        mark._history_user = user
        mark._change_reason = "Mark removed"
        mark.delete()


def _check_round_dates(*, deadline: datetime, opens_at: datetime | None = None) -> None:
    """Dates within the window of `drafting.bounds` (the database could not give back a
    deadline of year 10000: every page reading rounds failed)."""
    problems = {}
    if opens_at is not None:
        problem = bounds.round_date_problem(opens_at, what="opening")
        if problem:
            problems["opens_at"] = [problem]
    problem = bounds.round_date_problem(deadline, what="deadline")
    if problem:
        problems["deadline"] = [problem]
    if problems:
        raise ProposalInvalid(problems)


@idempotent("round_open")
@transaction.atomic
@audited(AuditAction.ROUND_OPENED)
def round_open(
    *, user, document: Document, name: str, opens_at: datetime, deadline: datetime
) -> ConsultationRound:
    """The secretariat opens a consultation round with a deadline."""
    if not permissions.can_open_round(user, document):
        raise NotAllowed(_("Only the secretariat opens consultation rounds."))
    if deadline <= opens_at:
        raise ProposalInvalid({"deadline": [_("The deadline must come after the opening.")]})
    _check_round_dates(opens_at=opens_at, deadline=deadline)
    # Shown to every delegation: no invisible control or bidi-override characters.
    bad = validation.forbidden_character(name, allow_newlines=False)
    if bad is not None:
        raise ProposalInvalid(
            {
                "name": [
                    _(
                        "The name contains an invisible control character (%(code)s) at "
                        "character %(position)s; remove it."
                    )
                    % {"code": bad[1], "position": bad[0] + 1}
                ]
            }
        )
    if ConsultationRound.objects.filter(document=document, name=name).exists():
        raise ProposalInvalid({"name": [_("A round of this name already exists.")]})
    round_ = ConsultationRound(
        document=document, name=name, opens_at=opens_at, deadline=deadline, created_by=user
    )
    round_._history_user = user
    round_._change_reason = "Round opened"
    round_.save()
    return round_


@idempotent("round_reopen")
@transaction.atomic
@audited(AuditAction.ROUND_REOPENED)
def round_reopen(*, user, round_: ConsultationRound, deadline: datetime) -> ConsultationRound:
    """Give a round a new deadline (the chair's office reopens it)."""
    locked = ConsultationRound.objects.select_for_update().get(pk=round_.pk)
    if not permissions.can_reopen_round(user, locked.document):
        raise NotAllowed(_("Only the chair's office reopens a round."))
    if deadline <= timezone.now():
        raise ProposalInvalid({"deadline": [_("The new deadline must be in the future.")]})
    _check_round_dates(deadline=deadline)
    locked.deadline = deadline
    locked._history_user = user
    locked._change_reason = "Round reopened"
    locked.save(update_fields=["deadline"])
    return locked
