"""Notices to delegations, and the e-mail they bring: at once, in a daily digest, or none.

Every notice is a ``Notification`` row for a delegation, created by :func:`notify` inside the
acting service's transaction. Once it commits, the worker (task ``mail_notifications``) e-mails
each notice to the delegation's active people who want that kind of notice at once, one
message a person. ``send_digests`` (the ``send_digests`` command, run daily by cron) e-mails
everyone else what they chose to have in a digest. No mail is ever sent inside a request.

Who wants what (:func:`frequency`): the person's choice for the notice's meeting, else their
choice for every meeting, else the default: at once for a focal point, a daily digest for other
delegates. Only delegates receive notices (the chair's office and the secretariat act on them).
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import mail
from drafting.models import (
    MAIL_KINDS,
    DelegateProfile,
    Document,
    DraftVisit,
    MailFrequency,
    MailPreference,
    Notification,
    NotificationKind,
    Participation,
    ReaderState,
)
from drafting.render import page_cache
from drafting.render.rendering import place_words

# Notices more than this old are not put in a first digest (a person's first digest looks
# back one day, then each digest starts where the previous one ended).
DIGEST_WINDOW = timedelta(days=1)
# A person's unread count stops at this (the navigation shows "99+").
UNREAD_LIMIT = 99


def notify(notes: Iterable[Notification]) -> list[Notification]:
    """Save the notices (in bulk) and have the worker e-mail them once the transaction commits.

    Every notice needs its ``kind``, and a ``proposal`` or a ``document``."""
    created = Notification.objects.bulk_create(list(notes), batch_size=1000)
    ids = [note.pk for note in created if note.kind != NotificationKind.EARLIER]
    if ids:
        for start in range(0, len(ids), 1000):
            transaction.on_commit(functools.partial(_enqueue, ids[start : start + 1000]))
    return created


def _enqueue(notification_ids: list[int]) -> None:
    from drafting.tasks import mail_notifications

    mail_notifications.enqueue(notification_ids=notification_ids)


def notify_participants(*, document: Document, kind: str, message: str) -> None:
    """One notice to every delegation taking part in the document's meeting."""
    delegation_ids = Participation.objects.filter(meeting_id=document.meeting_id).values_list(
        "delegation_id", flat=True
    )
    notify(
        Notification(delegation_id=delegation_id, document=document, kind=kind, message=message)
        for delegation_id in delegation_ids
    )


# --- who wants what ---------------------------------------------------------------------


def default_frequency(*, is_focal_point: bool) -> str:
    return MailFrequency.IMMEDIATELY if is_focal_point else MailFrequency.DIGEST


def frequency(
    *,
    preferences: dict[int | None, MailPreference],
    is_focal_point: bool,
    meeting_id: int | None,
    kind: str,
) -> str:
    """How a person wants a notice of ``kind`` at ``meeting_id`` e-mailed, from their
    preferences by meeting id (``None``: every meeting)."""
    if kind not in MAIL_KINDS:
        return MailFrequency.OFF
    chosen = preferences.get(meeting_id) if meeting_id is not None else None
    chosen = chosen or preferences.get(None)
    if chosen is None:
        return default_frequency(is_focal_point=is_focal_point)
    return str(getattr(chosen, kind))


def preferences_of(user_ids: Iterable[int]) -> dict[int, dict[int | None, MailPreference]]:
    """Every preference of these people, by person and meeting id (one query)."""
    found: dict[int, dict[int | None, MailPreference]] = defaultdict(dict)
    for preference in MailPreference.objects.filter(user_id__in=list(user_ids)):
        found[preference.user_id][preference.meeting_id] = preference
    return found


def mail_preference_set(*, user, meeting, choices: dict[str, str]) -> MailPreference:
    """Record how ``user`` wants each kind of notice e-mailed, for ``meeting`` (``None``:
    every meeting without a choice of its own). ``choices`` maps each of ``MAIL_KINDS`` to a
    ``MailFrequency``."""
    if set(choices) != set(MAIL_KINDS) or not set(choices.values()) <= set(MailFrequency.values):
        raise ValueError("a frequency for each kind of notice")
    preference, _created = MailPreference.objects.update_or_create(
        user=user, meeting=meeting, defaults=choices
    )
    return preference


# --- what a message says ------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One notice as a message shows it: its words, where (the proposal's place) and a link."""

    meeting: str
    message: str
    place: str
    link: str
    created_at: datetime


def _meeting_of(note: Notification):
    if note.proposal is not None:
        return note.proposal.document.meeting
    return note.document.meeting if note.document is not None else None


def _notices(notes: list[Notification]) -> dict[int, Notice]:
    """Each notice's words, place and absolute link, by notification id."""
    places: dict[int, dict] = {}
    shown: dict[int, Notice] = {}
    for note in notes:
        meeting = _meeting_of(note)
        place = ""
        if note.proposal is not None:
            document = note.proposal.document
            if document.pk not in places:
                places[document.pk] = page_cache.draft_places(document)
            place = place_words(places[document.pk].get(note.proposal.element_id))
            path = reverse("proposal_detail", args=[meeting.slug, note.proposal.public_id])
        elif meeting is not None and note.kind == NotificationKind.REVISION:
            path = reverse("revision_list", args=[meeting.slug])
        elif meeting is not None:
            path = reverse("working_draft", args=[meeting.slug])
        else:
            path = reverse("home")
        shown[note.pk] = Notice(
            meeting=meeting.short_title if meeting is not None else "",
            message=note.message,
            place=place,
            link=mail.absolute_url(path),
            created_at=note.created_at,
        )
    return shown


def _with_meetings(queryset):
    return queryset.select_related("proposal__document__meeting", "document__meeting").order_by(
        "created_at", "id"
    )


def _recipients(delegation_ids: Iterable[int]) -> dict[int, list[DelegateProfile]]:
    """The active delegates with an e-mail address of each delegation (one query)."""
    by_delegation: dict[int, list[DelegateProfile]] = defaultdict(list)
    profiles = (
        DelegateProfile.objects.filter(delegation_id__in=list(delegation_ids), user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "delegation")
    )
    for profile in profiles:
        by_delegation[profile.delegation_id].append(profile)
    return by_delegation


def _send(profile: DelegateProfile, notices: list[Notice], *, digest: bool) -> None:
    meetings = sorted({notice.meeting for notice in notices if notice.meeting})
    prefix = f"[{', '.join(meetings)}] " if meetings else ""
    if digest:
        subject = prefix + _("Your daily digest: %(count)s notices") % {"count": len(notices)}
    elif len(notices) == 1:
        subject = prefix + notices[0].message[:120]
    else:
        subject = prefix + _("%(count)s notices for your delegation") % {"count": len(notices)}
    mail.deliver(
        to=profile.user.email,
        subject=subject,
        template="notices",
        context={
            "notices": notices,
            "digest": digest,
            "delegation": profile.delegation.short_name,
            "preferences_link": mail.absolute_url(reverse("mail_preferences")),
        },
    )


def mail_notifications(*, notification_ids: list[int]) -> int:
    """E-mail these notices to the people who want them at once (in the worker): one message
    a person, listing their delegation's notices. Returns the number of messages sent. A
    bounded number of queries, whatever the number of notices and people."""
    notes = list(
        _with_meetings(Notification.objects.filter(pk__in=notification_ids)).exclude(
            kind=NotificationKind.EARLIER
        )
    )
    if not notes:
        return 0
    recipients = _recipients({note.delegation_id for note in notes})
    preferences = preferences_of(p.user_id for group in recipients.values() for p in group)
    shown = _notices(notes)
    sent = 0
    for delegation_id, profiles in recipients.items():
        ours = [note for note in notes if note.delegation_id == delegation_id]
        for profile in profiles:
            wanted = [
                shown[note.pk]
                for note in ours
                if frequency(
                    preferences=preferences.get(profile.user_id, {}),
                    is_focal_point=profile.is_focal_point,
                    meeting_id=getattr(_meeting_of(note), "pk", None),
                    kind=note.kind,
                )
                == MailFrequency.IMMEDIATELY
            ]
            if wanted:
                _send(profile, wanted, digest=False)
                sent += 1
    return sent


def send_digests(*, now: datetime | None = None) -> int:
    """E-mail each delegate the notices they chose to have in a digest, since their previous
    digest (at most one day back for a first one), and record up to when each was told.
    Returns the number of messages sent. Run once a day (``manage.py send_digests``)."""
    now = now or timezone.now()
    profiles = list(
        DelegateProfile.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "delegation")
    )
    if not profiles:
        return 0
    states = {
        state.user_id: state
        for state in ReaderState.objects.filter(user_id__in=[p.user_id for p in profiles])
    }
    earliest = now - DIGEST_WINDOW

    def since(user_id: int) -> datetime:
        state = states.get(user_id)
        if state is None or state.digest_sent_until is None:
            return earliest
        return max(state.digest_sent_until, earliest - DIGEST_WINDOW)

    start = min(since(p.user_id) for p in profiles)
    notes = list(
        _with_meetings(
            Notification.objects.filter(
                delegation_id__in={p.delegation_id for p in profiles},
                created_at__gt=start,
                created_at__lte=now,
            ).exclude(kind=NotificationKind.EARLIER)
        )
    )
    preferences = preferences_of(p.user_id for p in profiles)
    shown = _notices(notes)
    by_delegation: dict[int, list[Notification]] = defaultdict(list)
    for note in notes:
        by_delegation[note.delegation_id].append(note)
    sent = 0
    for profile in profiles:
        after = since(profile.user_id)
        wanted = [
            shown[note.pk]
            for note in by_delegation.get(profile.delegation_id, [])
            if note.created_at > after
            and frequency(
                preferences=preferences.get(profile.user_id, {}),
                is_focal_point=profile.is_focal_point,
                meeting_id=getattr(_meeting_of(note), "pk", None),
                kind=note.kind,
            )
            == MailFrequency.DIGEST
        ]
        if wanted:
            _send(profile, wanted, digest=True)
            sent += 1
    ReaderState.objects.bulk_create(
        [ReaderState(user_id=p.user_id, digest_sent_until=now) for p in profiles],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["digest_sent_until"],
        batch_size=1000,
    )
    return sent


# --- read and unread ------------------------------------------------------------------------


def unread_count(user) -> int:
    """How many of the user's delegation's notices came since they last read them, up to
    ``UNREAD_LIMIT + 1`` (one query; 0 for anyone but a delegate)."""
    profile = getattr(user, "delegate_profile", None)
    if profile is None:
        return 0
    read = ReaderState.objects.filter(user_id=user.pk, notifications_read_at__isnull=False)
    return (
        Notification.objects.filter(delegation_id=profile.delegation_id)
        .filter(
            Q(created_at__gt=Subquery(read.values("notifications_read_at")[:1])) | ~Exists(read)
        )
        .values("pk")[: UNREAD_LIMIT + 1]
        .count()
    )


def notifications_read(*, user) -> datetime | None:
    """The user has seen their delegation's notices (the list on *My delegation*): record it,
    and return when they had last read them before (None: never). Two queries."""
    previous = (
        ReaderState.objects.filter(user_id=user.pk)
        .values_list("notifications_read_at", flat=True)
        .first()
    )
    ReaderState.objects.bulk_create(
        [ReaderState(user_id=user.pk, notifications_read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["notifications_read_at"],
    )
    return previous


def notifications_seen(*, user) -> None:
    """The user has seen their delegation's notices: record it (one query; what
    :func:`notifications_read` records, without reading when they last did)."""
    ReaderState.objects.bulk_create(
        [ReaderState(user_id=user.pk, notifications_read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["notifications_read_at"],
    )


def draft_seen(*, user, document: Document, saw_changes: bool) -> None:
    """The user sees the working draft, at ``document.version`` as read with the page (one
    query; what changed since their previous visit is ``selectors.
    elements_changed_since_last_visit``, asked before this).

    The visit is moved to this version only when the page listed changes (``saw_changes``),
    and recorded on a first visit; otherwise nothing is written: with nothing changed since
    the visit recorded, it marks what the reader has seen as well as this version would (and
    a change committed meanwhile is still listed next time). Reading the draft again and
    again writes nothing, as opening the desk does (`services.visits`). The version seen
    only moves forward: a page read earlier in another tab and shown later leaves it."""
    if saw_changes:  # listed only after a visit: its row is there
        DraftVisit.objects.filter(
            user_id=user.pk, document_id=document.pk, seen_version__lt=document.version
        ).update(seen_at=timezone.now(), seen_version=document.version)
        return
    DraftVisit.objects.bulk_create(
        [
            DraftVisit(
                user_id=user.pk,
                document_id=document.pk,
                seen_at=timezone.now(),
                seen_version=document.version,
            )
        ],
        ignore_conflicts=True,
    )
