"""Consultation rounds: the secretariat opens one with a deadline, the chair's office
reopens one with a new deadline; and what the other services ask of them (the open round,
whether the deadline has passed).

Writers are keyword-only and atomic; a round is not part of the working draft, so they lock
their own rows only (the round being reopened), not through the write gate.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting.access import audit, permissions
from drafting.models import (
    ConsultationRound,
    Document,
    NotificationKind,
    Proposal,
    ProposalStatus,
)
from drafting.models.audit import AuditAction
from drafting.services.idempotency import idempotent
from drafting.services.notifications import notify_participants
from drafting.text import validation
from drafting.web import bounds, time_zones
from drafting.web.errors import DeadlinePassed, NotAllowed, ProposalInvalid


def open_round(document: Document, at: datetime | None = None) -> ConsultationRound | None:
    moment = at or timezone.now()
    return (
        ConsultationRound.objects.filter(
            document=document, opens_at__lte=moment, deadline__gt=moment
        )
        .order_by("deadline")
        .first()
    )


def require_open_round(document: Document, proposal: Proposal | None = None) -> ConsultationRound:
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
                % {"round": own.name, **deadline_words(own.deadline)}
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
                % {"round": last.name, **deadline_words(last.deadline)}
            )
        raise DeadlinePassed(
            _(
                "No consultation round is open. Your text is kept as a draft; it can be "
                "submitted when the secretariat opens a round."
            )
        )
    return round_


def deadline_words(moment: datetime) -> dict[str, str]:
    """The deadline in the current time zone (the meeting's, on its pages), and the zone."""
    return {
        "deadline": timezone.localtime(moment).strftime("%d %B %Y, %H:%M"),
        "zone": time_zones.current_label(),
    }


def after_the_deadline(document: Document) -> bool:
    """No consultation round is open: the chair's office is compiling what was given."""
    return open_round(document) is None


def _check_round_dates(*, deadline: datetime, opens_at: datetime | None = None) -> None:
    """Dates within the window of `drafting.web.bounds` (the database could not give back a
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
def round_open(
    *, user, document: Document, name: str, opens_at: datetime, deadline: datetime
) -> ConsultationRound:
    """The secretariat opens a consultation round with a deadline.

    Locks: none; it inserts the new round's row."""
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
    audit.record_round_act(action=AuditAction.ROUND_OPENED, user=user, round_=round_)
    # The notice is read by every delegation: in the meeting's zone, wherever it was opened.
    with timezone.override(ZoneInfo(document.meeting.time_zone)):
        message = (
            _("The consultation round %(round)s is open until %(deadline)s (%(zone)s).")
            if opens_at <= timezone.now()
            else _(
                "The consultation round %(round)s opens on %(opens)s and closes on "
                "%(deadline)s (%(zone)s)."
            )
        ) % {
            "round": name,
            "opens": timezone.localtime(opens_at).strftime("%d %B %Y, %H:%M"),
            **deadline_words(deadline),
        }
    notify_participants(document=document, kind=NotificationKind.ROUND, message=message)
    return round_


@idempotent("round_reopen")
@transaction.atomic
def round_reopen(*, user, round_: ConsultationRound, deadline: datetime) -> ConsultationRound:
    """Give a round a new deadline (the chair's office reopens it).

    Locks: own rows only (the round's row)."""
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
    audit.record_round_act(action=AuditAction.ROUND_REOPENED, user=user, round_=locked)
    with timezone.override(ZoneInfo(locked.document.meeting.time_zone)):
        message = _(
            "The consultation round %(round)s is open again until %(deadline)s (%(zone)s)."
        ) % {"round": locked.name, **deadline_words(deadline)}
    notify_participants(document=locked.document, kind=NotificationKind.ROUND, message=message)
    return locked
