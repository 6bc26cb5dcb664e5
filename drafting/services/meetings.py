"""Setting up a meeting: its details and time zone, who takes part, who speaks for each group.

The secretariat only (:func:`permissions.can_set_up_meetings`). Every service is atomic,
takes the Meeting row's lock first (``select_for_update``) and then the rows it changes, and
writes its own audit event. Each tracked row is saved one by one (or with
``bulk_create_with_history``), so its history names who changed it and why.

- A new meeting takes every Member State and observer State by default; groups and
  organizations take part when the secretariat picks them. Copied from an earlier meeting, it
  takes that meeting's participants and group coordinators instead (never its document or
  proposals).
- A group's coordinator is a participating State member of that group. A delegation that
  stops taking part stops coordinating; a group that stops taking part loses its coordinator.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from drafting.access import permissions
from drafting.access.audit import record
from drafting.models import (
    Delegation,
    DelegationKind,
    Document,
    GroupCoordinator,
    Meeting,
    Participation,
)
from drafting.models.audit import AuditAction
from drafting.text import validation
from drafting.web import time_zones
from drafting.web.errors import DomainError, NotAllowed

# A meeting starts no earlier than this and within five years from today; it lasts a year at
# most (a standing conference meets in sessions, each its own meeting).
EARLIEST_START = date(2000, 1, 1)
LATEST_START_AHEAD = timedelta(days=5 * 366)
LONGEST = timedelta(days=366)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_KINDS = (DelegationKind.MEMBER_STATE, DelegationKind.OBSERVER_STATE)


@dataclass(frozen=True)
class MeetingSetup:
    """What the secretariat enters about a meeting (bounded by the form and the model)."""

    title: str
    short_title: str
    slug: str
    symbol_prefix: str
    venue: str
    start_date: date
    end_date: date
    chair: str
    time_zone: str


def slug_problem(slug: str, *, today: date, meeting: Meeting | None = None) -> str | None:
    """Why ``slug`` cannot name a meeting in its addresses (``meeting``: the one keeping it)."""
    if not SLUG_PATTERN.fullmatch(slug) or len(slug) > 40:
        return _(
            "Use lower-case letters, digits and single hyphens between them (at most 40), "
            "for example “bms8”."
        )
    taken = Meeting.objects.filter(slug=slug)
    if meeting is not None:
        taken = taken.exclude(pk=meeting.pk)
    if taken.exists():
        return _("Another meeting already has the address “%(slug)s”.") % {"slug": slug}
    return None


def dates_problem(start: date, end: date, *, today: date) -> str | None:
    """Why a meeting cannot run from ``start`` to ``end``, if so."""
    latest = today + LATEST_START_AHEAD
    if not EARLIEST_START <= start <= latest:
        return _("The first day must lie between %(earliest)s and %(latest)s.") % {
            "earliest": date_format(EARLIEST_START, "j F Y"),
            "latest": date_format(latest, "j F Y"),
        }
    if end < start:
        return _("The last day cannot come before the first.")
    if end - start > LONGEST:
        return _("A meeting lasts a year at most.")
    return None


def _problems(setup: MeetingSetup, *, today: date, meeting: Meeting | None) -> list[str]:
    problems = [
        slug_problem(setup.slug, today=today, meeting=meeting),
        dates_problem(setup.start_date, setup.end_date, today=today),
        None if time_zones.is_offered(setup.time_zone) else _("Choose a time zone from the list."),
        *(
            _("The %(field)s holds a control character or a direction override.") % {"field": label}
            for name, label in (
                ("title", _("full title")),
                ("short_title", _("short title")),
                ("symbol_prefix", _("document symbol prefix")),
                ("venue", _("venue")),
                ("chair", _("chair")),
            )
            if validation.forbidden_character(getattr(setup, name), allow_newlines=False)
        ),
    ]
    return [problem for problem in problems if problem]


def _require_secretariat(user: Any) -> None:
    if not permissions.can_set_up_meetings(user):
        raise NotAllowed(_("Only the secretariat sets up meetings."))


def _document_id(meeting: Meeting) -> int | None:
    return Document.objects.filter(meeting=meeting).values_list("pk", flat=True).first()


def _check_fields(meeting: Meeting) -> None:
    """The model's own bounds (lengths, the slug's and the zone's form), whoever calls."""
    try:
        meeting.clean_fields()
    except ValidationError as invalid:
        raise DomainError(
            " ".join(
                f"{field}: {' '.join(errors)}" for field, errors in invalid.message_dict.items()
            )
        ) from invalid


def _save(row: Any, user: Any, reason: str) -> None:
    row._history_user = user
    row._change_reason = reason
    row.save()


def _delete(row: Any, user: Any, reason: str) -> None:
    row._history_user = user
    row._change_reason = reason
    row.delete()


def _names(delegations: Iterable[Delegation]) -> str:
    return ", ".join(sorted(delegation.short_name for delegation in delegations))


@transaction.atomic
def meeting_create(
    *, user: Any, setup: MeetingSetup, today: date, copy_from: Meeting | None = None
) -> Meeting:
    """A new meeting, with every State taking part, or with ``copy_from``'s participants and
    group coordinators. Raises NotAllowed, or DomainError naming what is wrong with ``setup``.
    """
    _require_secretariat(user)
    problems = _problems(setup, today=today, meeting=None)
    if problems:
        raise DomainError(" ".join(problems))
    if copy_from is not None:
        # Its participants and coordinators stay as they are while they are copied.
        copy_from = Meeting.objects.select_for_update().get(pk=copy_from.pk)
    meeting = Meeting(**asdict(setup))
    _check_fields(meeting)
    reason = f"Set up (copied from {copy_from.slug})" if copy_from is not None else "Set up"
    try:
        with transaction.atomic():
            _save(meeting, user, reason)
    except IntegrityError as clash:
        # Two people choosing the same address at once: the unique constraint decides.
        raise DomainError(
            _("Another meeting already has the address “%(slug)s”.") % {"slug": setup.slug}
        ) from clash
    if copy_from is None:
        participants = list(Delegation.objects.filter(kind__in=STATE_KINDS).order_by("pk"))
    else:
        participants = list(copy_from.delegations.order_by("pk"))
    bulk_create_with_history(
        [Participation(meeting=meeting, delegation=delegation) for delegation in participants],
        Participation,
        default_user=user,
        default_change_reason=reason,
    )
    record(
        action=AuditAction.MEETING_CREATED,
        user=user,
        summary=f"{meeting.slug}: {meeting.short_title}, {meeting.time_zone}"
        + (f" (copied from {copy_from.slug})" if copy_from is not None else ""),
    )
    record(
        action=AuditAction.PARTICIPANTS_CHANGED,
        user=user,
        summary=f"{meeting.slug}: {len(participants)} delegations take part",
    )
    if copy_from is not None:
        for earlier in copy_from.group_coordinators.select_related("group", "delegation"):
            coordinator = GroupCoordinator(
                meeting=meeting, group=earlier.group, delegation=earlier.delegation
            )
            _save(coordinator, user, reason)
            _audit_coordinator(user, meeting, coordinator.group, coordinator.delegation, None)
    return meeting


@transaction.atomic
def meeting_update(*, user: Any, meeting: Meeting, setup: MeetingSetup, today: date) -> Meeting:
    """Change the meeting's details; the audit event names the fields changed. A changed
    slug changes the meeting's addresses. Raises NotAllowed or DomainError."""
    _require_secretariat(user)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    problems = _problems(setup, today=today, meeting=locked)
    if problems:
        raise DomainError(" ".join(problems))
    changed = [field for field, value in asdict(setup).items() if getattr(locked, field) != value]
    if not changed:
        return locked
    before = {field: getattr(locked, field) for field in changed}
    for field, value in asdict(setup).items():
        setattr(locked, field, value)
    _check_fields(locked)
    try:
        with transaction.atomic():
            _save(locked, user, "Setup changed: " + ", ".join(changed))
    except IntegrityError as clash:
        raise DomainError(
            _("Another meeting already has the address “%(slug)s”.") % {"slug": setup.slug}
        ) from clash
    record(
        action=AuditAction.MEETING_CHANGED,
        user=user,
        document_id=_document_id(locked),
        summary=f"{locked.slug}: "
        + "; ".join(f"{field} {before[field]} → {getattr(locked, field)}" for field in changed),
    )
    return locked


@transaction.atomic
def meeting_participants_set(
    *, user: Any, meeting: Meeting, delegations: Iterable[Delegation]
) -> tuple[list[Delegation], list[Delegation]]:
    """Make exactly ``delegations`` take part; return (added, removed). Coordinators who no
    longer take part, or of groups that no longer do, are removed too. Raises NotAllowed, or
    DomainError when nobody would take part."""
    _require_secretariat(user)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    wanted = {delegation.pk: delegation for delegation in delegations}
    if not wanted:
        raise DomainError(_("At least one delegation must take part."))
    current = {
        row.delegation_id: row
        for row in Participation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(meeting=locked)
    }
    added = [wanted[pk] for pk in sorted(set(wanted) - set(current))]
    removed = [current[pk].delegation for pk in sorted(set(current) - set(wanted))]
    if not added and not removed:
        return [], []
    bulk_create_with_history(
        [Participation(meeting=locked, delegation=delegation) for delegation in added],
        Participation,
        default_user=user,
        default_change_reason="Takes part",
    )
    for delegation in removed:
        _delete(current[delegation.pk], user, "No longer takes part")
    gone = [delegation.pk for delegation in removed]
    for coordinator in _coordinators_of(locked, gone) if gone else []:
        _delete(coordinator, user, "No longer takes part")
        _audit_coordinator(user, locked, coordinator.group, None, coordinator.delegation)
    summary = f"{locked.slug}: "
    if added:
        summary += f"added {_names(added)}"
    if removed:
        summary += ("; " if added else "") + f"removed {_names(removed)}"
    record(
        action=AuditAction.PARTICIPANTS_CHANGED,
        user=user,
        document_id=_document_id(locked),
        summary=summary,
    )
    return added, removed


def _coordinators_of(meeting: Meeting, delegation_ids: list[int]) -> list[GroupCoordinator]:
    """The designations at ``meeting`` of, or for, these delegations, row-locked."""
    return list(
        GroupCoordinator.objects.select_for_update(of=("self",))
        .select_related("group", "delegation")
        .filter(meeting=meeting)
        .filter(Q(group_id__in=delegation_ids) | Q(delegation_id__in=delegation_ids))
    )


def _audit_coordinator(
    user: Any,
    meeting: Meeting,
    group: Delegation,
    delegation: Delegation | None,
    before: Delegation | None,
) -> None:
    now = delegation.short_name if delegation is not None else "nobody"
    was = f" (was {before.short_name})" if before is not None else ""
    record(
        action=AuditAction.COORDINATOR_DESIGNATED,
        user=user,
        delegation_id=group.pk,
        document_id=_document_id(meeting),
        summary=f"{meeting.slug}: {now} speaks for {group.short_name}{was}",
    )


@transaction.atomic
def meeting_coordinators_set(
    *, user: Any, meeting: Meeting, coordinators: Mapping[int, Delegation | None]
) -> int:
    """Designate, for each group id in ``coordinators``, the State that speaks for it at the
    meeting (None: nobody). Returns how many designations changed. Raises NotAllowed, or
    DomainError naming each group whose choice is not a participating State member of it
    (nothing is changed then)."""
    _require_secretariat(user)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    groups = {
        group.pk: group
        for group in Delegation.objects.filter(
            pk__in=list(coordinators), participations__meeting=locked
        ).prefetch_related("members")
    }
    taking_part = set(
        Participation.objects.filter(meeting=locked).values_list("delegation_id", flat=True)
    )
    problems = []
    for group_id, delegation in coordinators.items():
        group = groups.get(group_id)
        if group is None or not group.is_group:
            problems.append(_("Only a group or organization taking part has a coordinator."))
            continue
        if delegation is None:
            continue
        member_ids = {member.pk for member in group.members.all()}
        if delegation.is_group or delegation.pk not in member_ids:
            problems.append(
                _("%(delegation)s is not a member State of %(group)s.")
                % {"delegation": delegation.short_name, "group": group.short_name}
            )
        elif delegation.pk not in taking_part:
            problems.append(
                _("%(delegation)s does not take part in this meeting.")
                % {"delegation": delegation.short_name}
            )
    if problems:
        raise DomainError(" ".join(problems))
    existing = {
        row.group_id: row
        for row in GroupCoordinator.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(meeting=locked, group_id__in=list(coordinators))
    }
    changes = 0
    for group_id, delegation in sorted(coordinators.items()):
        row = existing.get(group_id)
        before = row.delegation if row is not None else None
        if (before.pk if before else None) == (delegation.pk if delegation else None):
            continue
        changes += 1
        if row is not None and delegation is None:
            _delete(row, user, "Coordinator removed")
        elif row is None and delegation is not None:
            _save(
                GroupCoordinator(meeting=locked, group=groups[group_id], delegation=delegation),
                user,
                "Coordinator designated",
            )
        elif row is not None and delegation is not None:
            row.delegation = delegation
            _save(row, user, "Coordinator changed")
        _audit_coordinator(user, locked, groups[group_id], delegation, before)
    return changes
