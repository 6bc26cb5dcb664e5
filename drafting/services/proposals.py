"""The delegations' proposals: create (as a draft, or submitted), revise, submit, withdraw,
take a withdrawal back, discard a draft.

Every writer is keyword-only and atomic. A delegate's write locks its own rows only (the
proposal's row alone; the element's row while revising, and ``FOR SHARE`` while creating, so
that the chair's writes to the element wait for it but other delegates do not), never the
document's row after them (the write gate's order, :mod:`drafting.services.gate`), and last
the delegation's page version and, for a proposal seen beyond its delegation, the document's
proposals version (`models.cache.proposal_changed`: the pages that show them are cached under
them). Rows are saved through the model, so the history records each version with
its author and a reason.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import messages
from drafting.access import audit, permissions
from drafting.models import (
    ConsultationRound,
    Delegation,
    Document,
    Element,
    ElementStatus,
    InvitationStatus,
    MarkStance,
    Notification,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.models.audit import AuditAction
from drafting.models.cache import proposal_changed
from drafting.selectors import prepared
from drafting.services import cosponsorship, rows
from drafting.services.idempotency import idempotent
from drafting.services.notifications import notify
from drafting.services.proposal_rules import proposal_text_check
from drafting.services.rounds import after_the_deadline, require_open_round
from drafting.text import diff, validation
from drafting.web.errors import (
    BaseTextMoved,
    DeadlinePassed,
    DomainError,
    FormAlreadyUsed,
    NotAllowed,
    ProposalInvalid,
    StaleVersion,
)


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


def _validated(
    *, element: Element, delegation: Delegation, content: ProposalContent
) -> tuple[str, str, dict[str, list[str]]]:
    """Check the content against the element; return (base text, proposed text, problems):
    the text's rules (:func:`proposal_text_check`), the rationale, and who it is made with."""
    problems: dict[str, list[str]] = {}
    # Checked as it is stored: browsers send a textarea's line breaks as CR LF, and a CR is
    # a control character.
    rationale_problems = messages.text_problems(
        validation.check_note(validation.normalise(content.rationale))
    )
    if rationale_problems:
        problems["rationale"] = rationale_problems
    checked = proposal_text_check(element=element, content=content)
    for field_name, found in checked.problems.items():
        problems.setdefault(field_name, []).extend(found)
    if element.status == ElementStatus.DELETED or content.kind not in ProposalKind.values:
        return checked.base_text, checked.proposed_text, problems

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
    return checked.base_text, checked.proposed_text, problems


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

    Locks: own rows only (the element's row ``FOR SHARE``, which keeps the chair's writes to
    it out until the proposal is stored, then the proposal's). Not one transaction when a
    submission is refused: the draft is committed first, then submitted in a second.
    """
    proposal = None
    if submit:
        try:
            proposal = _draft_create_once(
                user=user,
                element=element,
                content=content,
                idempotency_key=idempotency_key,
                submit_at=_submission_moment(),
            )
        except DeadlinePassed:
            proposal = None  # the deadline passed meanwhile: keep a draft (below)
    if proposal is None:
        proposal = _draft_create_once(
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
                audit.record_proposal_act(
                    action=AuditAction.PROPOSAL_SUBMITTED, user=user, proposal=locked
                )
                proposal_changed(locked)
                proposal = locked
        except DeadlinePassed as refused:
            refused.proposal = proposal
            raise
    return proposal


def _draft_create_once(
    *,
    user,
    element: Element,
    content: ProposalContent,
    idempotency_key: uuid.UUID,
    submit_at: datetime | None = None,
) -> Proposal:
    """:func:`_draft_create`, once for its key: when the same key raced past its check (two
    copies of one request at once), the unique constraint on (delegation, key) refuses the
    second insert and its whole transaction rolls back; the proposal the first one made is
    then returned, as for any repeated request. (Caught here, out of the transaction, rather
    than in a savepoint around the insert: one round trip less for every proposal.)"""
    try:
        proposal = _draft_create(
            user=user,
            element=element,
            content=content,
            idempotency_key=idempotency_key,
            submit_at=submit_at,
        )
    except IntegrityError:
        existing = Proposal.objects.filter(
            delegation=permissions.delegation_of(user), idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return _made_by_this_request(existing, element, content)
    return proposal


@transaction.atomic
def _draft_create(
    *,
    user,
    element: Element,
    content: ProposalContent,
    idempotency_key: uuid.UUID,
    submit_at: datetime | None = None,
) -> Proposal:
    """The new proposal, or the one this key made before (the same request came again). A
    draft; or, given ``submit_at`` (when the delegate asked), submitted in the round open
    then: a draft when none was, and DeadlinePassed, with nothing written, when that round
    has closed by the time the proposal is saved."""
    delegation = permissions.delegation_of(user)
    if delegation is None:
        raise NotAllowed(_("Only delegates propose language."))
    if not permissions.can_propose(user, element.document):
        raise NotAllowed(_("Your delegation does not take part in this meeting."))
    found = _element_for_proposing(
        element_id=element.pk,
        delegation_id=delegation.pk,
        idempotency_key=idempotency_key,
        submit_at=submit_at,
    )
    element = found.element
    if found.made_by_key is not None:
        existing = Proposal.objects.get(pk=found.made_by_key)
        return _made_by_this_request(existing, element, content)
    base_text, proposed, problems = _validated(
        element=element, delegation=delegation, content=content
    )
    if problems:
        raise ProposalInvalid(problems)
    _check_base(element, ProposalContent(**{**content.__dict__, "proposed_text": proposed}))
    if found.base_revision_id is None:
        raise DomainError(_("The document has no issued revision to propose against."))
    is_insert = content.kind in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}
    proposal = Proposal(
        document_id=element.document_id,
        base_revision_id=found.base_revision_id,
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
    if submit_at is not None and found.open_round_id is not None:
        now = timezone.now()
        if found.open_round_deadline is None or found.open_round_deadline <= now:
            raise DeadlinePassed(_("The round closed meanwhile."))
        proposal.status, proposal.round_id, proposal.submitted_at = (
            ProposalStatus.SUBMITTED,
            found.open_round_id,
            now,
        )
        reason, action = "Submitted", AuditAction.PROPOSAL_SUBMITTED
    # The proposal, its history row and audit event, in one statement (the ORM's three
    # inserts cost more CPU than the rest of a submission). A copy of this request that
    # made it meanwhile: IntegrityError, nothing written.
    proposal.updated_at = timezone.now()
    rows.insert(
        proposal,
        user=user,
        reason=reason,
        following=[
            (audit.proposal_act_event(action=action, user=user, proposal=proposal), "proposal_id")
        ],
    )
    if content.co_sponsors:
        cosponsorship.invitations_sync(user=user, proposal=proposal, named=content.co_sponsors)
    proposal_changed(proposal)
    return proposal


def _submission_moment() -> datetime:
    """When the delegate asked to submit: the round open then is the one submitted in."""
    return timezone.now()


# The one statement of :func:`_element_for_proposing`. Written out rather than built with the
# ORM: building and compiling its subqueries took more CPU than the rest of a submission's
# statements (Django's ``select_for_update`` has no ``FOR SHARE`` either). The round is chosen
# as ``rounds.open_round`` chooses it; a null ``submit_at`` matches none.
_ELEMENT_FIELDS = [field.attname for field in Element._meta.concrete_fields]
_ELEMENT_FOR_PROPOSING = f"""
SELECT {", ".join(f'element."{field.column}"' for field in Element._meta.concrete_fields)},
    (SELECT proposal.id FROM {Proposal._meta.db_table} proposal
        WHERE proposal.delegation_id = %(delegation)s
        AND proposal.idempotency_key = %(key)s) AS made_by_key,
    (SELECT revision.id FROM {Revision._meta.db_table} revision
        WHERE revision.document_id = element.document_id
        ORDER BY revision.number DESC LIMIT 1) AS base_revision_id,
    (SELECT candidate.id FROM {ConsultationRound._meta.db_table} candidate
        WHERE candidate.document_id = element.document_id
        AND candidate.opens_at <= %(at)s AND candidate.deadline > %(at)s
        ORDER BY candidate.deadline LIMIT 1) AS open_round_id,
    (SELECT candidate.deadline FROM {ConsultationRound._meta.db_table} candidate
        WHERE candidate.document_id = element.document_id
        AND candidate.opens_at <= %(at)s AND candidate.deadline > %(at)s
        ORDER BY candidate.deadline LIMIT 1) AS open_round_deadline
FROM {Element._meta.db_table} element
WHERE element.id = %(element)s
"""  # noqa: S608 - only the models' table names are formatted in; values are parameters


@dataclass(frozen=True)
class _ProposingOn:
    """What :func:`_element_for_proposing` reads."""

    element: Element
    made_by_key: int | None
    base_revision_id: int | None
    open_round_id: int | None
    open_round_deadline: datetime | None


def _element_for_proposing(
    *,
    element_id: int,
    delegation_id: int,
    idempotency_key: uuid.UUID,
    submit_at: datetime | None,
) -> _ProposingOn:
    """The element, its row locked ``FOR SHARE``, with what a proposal on it is made with,
    read in the same statement: ``made_by_key`` (the proposal this delegation made with this
    key, if any: a copy of the request committed since the statement began is not seen, and
    the insert then fails on the unique key, see _draft_create_once), ``base_revision_id``
    (the latest revision, proposed against), and ``open_round_id`` and
    ``open_round_deadline`` (the round open at ``submit_at``, if given and one was).

    A share lock keeps the chair's writes to the element (``FOR UPDATE`` through the write
    gate, or an ``UPDATE``) waiting until this transaction ends, and waits for one under
    way: the text a proposal is checked against and made on is the element's text when it
    is stored. Delegates proposing on one element do not wait for each other.
    """
    key_field = Proposal._meta.get_field("idempotency_key")
    parameters = {
        "element": element_id,
        "delegation": delegation_id,
        "key": key_field.get_db_prep_value(idempotency_key, connection),
        "at": connection.ops.adapt_datetimefield_value(submit_at),
    }
    # PostgreSQL takes the share lock; SQLite (the demo) has no row locks: its writers take
    # the whole database in turn.
    if connection.vendor == "postgresql":
        # Read with a cursor, the element made with ``from_db``: PostgreSQL gives the
        # values as the fields hold them (a RawQuerySet's column mapping and converters cost
        # more than the statement). Prepared on the connection (`selectors.prepared`):
        # planning it took the database three times as long as running it.
        values = prepared.fetch_one(_ELEMENT_FOR_PROPOSING + " FOR SHARE OF element", parameters)
        if values is None:
            raise Element.DoesNotExist(element_id)
        split = len(_ELEMENT_FIELDS)
        element = Element.from_db(connection.alias, _ELEMENT_FIELDS, values[:split])
        made_by_key, base_revision_id, open_round_id, deadline = values[split:]
        return _ProposingOn(element, made_by_key, base_revision_id, open_round_id, deadline)
    found = list(Element.objects.raw(_ELEMENT_FOR_PROPOSING, parameters))
    if not found:
        raise Element.DoesNotExist(element_id)
    row: Any = found[0]
    deadline = row.open_round_deadline
    if isinstance(deadline, str):  # SQLite gives a computed column's time as UTC, naive
        deadline = datetime.fromisoformat(deadline)
    if deadline is not None and timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline, UTC)
    return _ProposingOn(row, row.made_by_key, row.base_revision_id, row.open_round_id, deadline)


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
        raise _only_the_proposer()
    return locked


def _only_the_proposer() -> NotAllowed:
    return NotAllowed(_("Only the proposing delegation can change its proposal."))


def _submit(proposal: Proposal, user) -> None:
    round_ = require_open_round(proposal.document, proposal)
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

    Locks: own rows only (the proposal's row alone, then its element's).
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
        require_open_round(locked.document, locked)
    element = Element.objects.select_for_update().get(pk=locked.element_id)
    delegation = permissions.delegation_of(user)
    if delegation is None:  # _locked_for_edit lets only the proposing delegation through
        raise _only_the_proposer()
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
    audit.record_proposal_act(action=AuditAction.PROPOSAL_REVISED, user=user, proposal=locked)
    if not was_draft or submit:
        _submit(locked, user)
    if was_draft and submit:
        # Submitted from the revise form: the record says so, as for a submission.
        audit.record_proposal_act(action=AuditAction.PROPOSAL_SUBMITTED, user=user, proposal=locked)
    if not was_draft:
        _tell_markers_of_new_version(locked, earlier_version=locked.version - 1)
        cosponsorship.invitations_sync(user=user, proposal=locked, named=content.co_sponsors)
        if text_changed:
            # Consent was given to the text: co-sponsors confirm the new one again.
            cosponsorship.acceptances_reopen(user=user, proposal=locked)
    proposal_changed(locked)
    return locked


@idempotent("proposal_submit")
@transaction.atomic
def proposal_submit(*, user, proposal: Proposal) -> Proposal:
    """Submit a draft: it becomes visible to every delegation and the chair's office.

    Locks: own rows only (the proposal's row alone)."""
    locked = _locked_for_edit(user, proposal)
    if locked.status != ProposalStatus.DRAFT:
        raise DomainError(_("This proposal has already been submitted."))
    _submit(locked, user)
    audit.record_proposal_act(action=AuditAction.PROPOSAL_SUBMITTED, user=user, proposal=locked)
    proposal_changed(locked)
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
        by_stance: dict[str, str] = {
            MarkStance.SUPPORT: _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's support was given to version %(earlier)s and no longer counts: "
                "confirm it on the proposal if it still holds."
            ),
            MarkStance.CAN_ACCEPT: _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's “can accept” was given to version %(earlier)s and no longer "
                "counts: confirm it on the proposal if it still holds."
            ),
            MarkStance.RESERVATION: _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's reservation was given to version %(earlier)s and no longer "
                "counts: confirm it on the proposal if it still holds."
            ),
        }
        message = by_stance.get(
            mark.stance,
            _(
                "%(delegation)s revised its proposal (now version %(version)s). Your "
                "delegation's opposition was given to version %(earlier)s and no longer "
                "counts: confirm it on the proposal if it still holds."
            ),
        )
        notes.append(
            Notification(
                delegation_id=mark.delegation_id,
                proposal=proposal,
                kind=NotificationKind.MARK,
                message=message
                % {
                    "delegation": proposer,
                    "version": proposal.version,
                    "earlier": earlier_version,
                },
            )
        )
    notify(notes)


@idempotent("proposal_withdraw")
@transaction.atomic
def proposal_withdraw(*, user, proposal: Proposal) -> Proposal:
    """Withdraw a submitted proposal; it stays on record, and visible, as withdrawn.

    Possible after the deadline too, and then recorded (and shown) as withdrawn after the
    deadline. A draft is not withdrawn but discarded (:func:`proposal_discard`): withdrawing
    would publish it.

    Locks: own rows only (the proposal's row alone).
    """
    locked = _locked_for_edit(user, proposal)
    if locked.status == ProposalStatus.DRAFT:
        raise DomainError(
            _("This is a draft: discard it instead (it was never shown to anyone else).")
        )
    locked.status = ProposalStatus.WITHDRAWN
    locked.withdrawn_after_deadline = after_the_deadline(locked.document)
    _save(
        locked,
        user,
        "Withdrawn after the deadline" if locked.withdrawn_after_deadline else "Withdrawn",
    )
    audit.record_proposal_act(action=AuditAction.PROPOSAL_WITHDRAWN, user=user, proposal=locked)
    proposal_changed(locked)
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
    audit.record_proposal_act(action=AuditAction.PROPOSAL_SUBMITTED, user=user, proposal=locked)
    proposal_changed(locked)
    return locked


@idempotent("proposal_discard")
@transaction.atomic
def proposal_discard(*, user, proposal: Proposal) -> Proposal:
    """Discard a draft: it stays its delegation's alone (status ``discarded``), never shown to
    another delegation, the chair's office, the secretariat or the public. The audit trail
    records that a draft was discarded, not its words.

    Locks: own rows only (the proposal's row alone)."""
    locked = _locked_for_edit(user, proposal)
    if locked.status != ProposalStatus.DRAFT:
        raise DomainError(
            _("Only a draft can be discarded; a submitted proposal is withdrawn instead.")
        )
    locked.status = ProposalStatus.DISCARDED
    _save(locked, user, "Draft discarded")
    audit.record_proposal_act(action=AuditAction.PROPOSAL_DISCARDED, user=user, proposal=locked)
    proposal_changed(locked)
    return locked
