"""Lossless backup and restore of one meeting, as a versioned and checksummed JSON document.

``export_meeting`` reads a meeting and everything that belongs to it; ``import_meeting``
writes it into another database (typically an empty one: ``migrate``, nothing loaded) in one
transaction. Rows keep their primary keys, so every reference (foreign keys, the element ids
inside revision snapshots, history rows) stays valid, and every field is kept as stored:
timestamps to the microsecond, password hashes, the PDF bytes of revision files.

The file (``FORMAT_HELP`` below is what the commands print) is one JSON object, gzipped when
its name ends in ``.gz``. Its ``content`` holds, model by model in the order they are written
back, the rows in Django's serialization (``{"pk": ..., "fields": {...}}``). Auth groups are
identified by name (a fresh database already has the role groups, under other ids); users'
groups and permissions by natural key. Many-to-many links are their own tables (with their
ids), so that writing them back does not record new history.

Rows are written back with ``raw=True``: no ``save()`` method, no ``auto_now``/``auto_now_add``
and no history signal runs, so no history row is added and no timestamp is rewritten.
"""

import base64
import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone

from drafting.access import audit
from drafting.models import (
    AuditEvent,
    ConsultationRound,
    CoSponsorInvitation,
    DecisionReply,
    DelegateProfile,
    Delegation,
    Document,
    DraftVisit,
    Element,
    ElementChange,
    ExportJob,
    Footnote,
    GroupCoordinator,
    Invitation,
    MailPreference,
    Meeting,
    MeetingVisit,
    Notification,
    Participation,
    Proposal,
    ProposalMark,
    ReaderState,
    Revision,
    RevisionFile,
    WriteReceipt,
)

FORMAT_NAME = "bms7-drafting-meeting"
FORMAT_VERSION = 1
# The schema the rows fit: the file records the applied migrations of these apps, and the
# import refuses a database whose drafting schema differs (the fields would not match).
RECORDED_APPS = ("auth", "contenttypes", "drafting")
CHECKED_APPS = ("drafting",)
GZIP_MAGIC = b"\x1f\x8b"
# Export jobs still queued or running belong to the worker of the source database: they are
# left out (a new request for the PDF queues a new job). Finished ones are kept.
FINISHED_EXPORT_STATUSES = (ExportJob.Status.DONE, ExportJob.Status.FAILED)

FORMAT_HELP = f"""\
File format ("{FORMAT_NAME}", version {FORMAT_VERSION}): one JSON object, gzipped when the
file name ends in .gz (import recognises gzip by its first bytes):

  {{"format": "{FORMAT_NAME}", "version": {FORMAT_VERSION}, "meeting": SLUG,
   "exported_at": ISO 8601 time, "sha256": HEX,
   "content": {{"meeting": SLUG,
               "migrations": {{app: [applied migration, ...]}},
               "models": [{{"model": "app.model", "rows": [{{"pk": PK, "fields": {{...}}}}]}}]}}}}

"sha256" is the SHA-256 of "content" as canonical JSON (keys sorted, separators "," and ":",
UTF-8, non-ASCII characters as they are). Rows are in Django's serialization with their
primary keys; auth groups have no pk (matched by name), users name their groups and
permissions by natural key; times are ISO 8601 with microseconds; binary fields (the PDF
bytes) are base64. Models, in order: auth groups and users (every user with a role or a
delegate profile, and every user the meeting's records name), delegations, their members and
delegate profiles with their history, then the meeting, its participating delegations, its
group coordinators, its document, revisions, elements, footnotes, consultation rounds,
proposals (with every version: the django-simple-history rows, co-sponsors included), marks,
co-sponsorship invitations, element changes, notifications, people's e-mail preferences
(this meeting's and their general ones), when they last read notices and saw the working
draft, revision PDFs and
finished PDF export jobs. Import refuses a file of another format or version, a checksum
that does not match, a database whose drafting migrations differ from the file's, and a
database that already holds the meeting; it writes all or nothing."""


class BackupError(Exception):
    """A backup cannot be written or read; the message says why, for the person running it."""


# --- what belongs to a meeting ---------------------------------------------------------------


def _history(model: Any) -> type[models.Model]:
    """The historical model of a tracked one (its ``history`` manager is simple_history's,
    which ships no type information)."""
    return model.history.model


def _through(model: type[models.Model], name: str) -> type[models.Model]:
    through = cast(models.ManyToManyField, model._meta.get_field(name)).remote_field.through
    if through is None:  # set for every many-to-many field once the models are loaded
        raise BackupError(f"{model._meta.label}.{name} has no table of its own.")
    return through


def _history_m2m(model: type[models.Model], name: str) -> type[models.Model]:
    """django-simple-history's model for the historical rows of a tracked many-to-many."""
    history = _history(model)
    return next(
        rel.related_model
        for rel in history._meta.related_objects
        if rel.related_model._meta.object_name == f"{history._meta.object_name}_{name}"
    )


def _meeting_querysets(meeting: Meeting) -> list[models.QuerySet]:
    """The rows of the meeting and of the delegations, in the order they are written back.

    Lazy querysets only (sub-queries, no query runs here). Rows that were deleted but remain
    in the history (an element, a withdrawn mark) are found through their history rows.
    """
    live_documents = Document.objects.filter(meeting_id=meeting.pk).values("pk")
    in_document = Q(document_id__in=live_documents) | Q(
        document_id__in=_history(Document)
        ._default_manager.filter(meeting_id=meeting.pk)
        .values("id")
    )
    element_ids = Element.objects.filter(in_document).values("pk")
    element_ids_ever = _history(Element)._default_manager.filter(in_document).values("id")
    proposal_ids = Proposal.objects.filter(in_document).values("pk")
    proposal_ids_ever = _history(Proposal)._default_manager.filter(in_document).values("id")
    revision_ids = Revision.objects.filter(in_document).values("pk")
    of_footnoted = Q(element_id__in=element_ids) | Q(element_id__in=element_ids_ever)
    of_marked = Q(proposal_id__in=proposal_ids) | Q(proposal_id__in=proposal_ids_ever)
    return [
        # Delegations are not tied to one meeting: all of them, with their groups' members.
        Delegation.objects.all(),
        _through(Delegation, "members")._default_manager.all(),
        _history(Delegation)._default_manager.all(),
        _history_m2m(Delegation, "members")._default_manager.all(),
        DelegateProfile.objects.all(),
        _history(DelegateProfile)._default_manager.all(),
        Meeting.objects.filter(pk=meeting.pk),
        _history(Meeting)._default_manager.filter(id=meeting.pk),
        Participation.objects.filter(meeting_id=meeting.pk),
        _history(Participation)._default_manager.filter(meeting_id=meeting.pk),
        # When each user last opened the meeting's desk (what is new is counted from it).
        MeetingVisit.objects.filter(meeting_id=meeting.pk),
        # Invitations sent from the meeting's pages (links stay hashed; accepted ones name
        # their account).
        Invitation.objects.filter(meeting_id=meeting.pk),
        GroupCoordinator.objects.filter(meeting_id=meeting.pk),
        _history(GroupCoordinator)._default_manager.filter(meeting_id=meeting.pk),
        Document.objects.filter(meeting_id=meeting.pk),
        _history(Document)._default_manager.filter(
            Q(id__in=live_documents) | Q(meeting_id=meeting.pk)
        ),
        Revision.objects.filter(in_document),
        Element.objects.filter(in_document),
        _history(Element)._default_manager.filter(in_document),
        Footnote.objects.filter(of_footnoted),
        _history(Footnote)._default_manager.filter(of_footnoted),
        ConsultationRound.objects.filter(in_document),
        _history(ConsultationRound)._default_manager.filter(in_document),
        Proposal.objects.filter(in_document),
        _through(Proposal, "co_sponsors")._default_manager.filter(proposal_id__in=proposal_ids),
        _history(Proposal)._default_manager.filter(in_document),
        _history_m2m(Proposal, "co_sponsors")._default_manager.filter(
            history_id__in=_history(Proposal)
            ._default_manager.filter(in_document)
            .values("history_id")
        ),
        ProposalMark.objects.filter(of_marked),
        _history(ProposalMark)._default_manager.filter(of_marked),
        DecisionReply.objects.filter(proposal_id__in=proposal_ids),
        CoSponsorInvitation.objects.filter(of_marked),
        _history(CoSponsorInvitation)._default_manager.filter(of_marked),
        ElementChange.objects.filter(in_document),
        _through(ElementChange, "proposals")._default_manager.filter(
            elementchange_id__in=ElementChange.objects.filter(in_document).values("pk")
        ),
        Notification.objects.filter(Q(proposal_id__in=proposal_ids) | in_document),
        # Who wants what e-mailed, what they read and when they last saw the draft: the
        # meeting's people only (their general preferences too).
        MailPreference.objects.filter(
            Q(meeting_id=meeting.pk) | Q(meeting__isnull=True, user_id__in=_people(meeting))
        ),
        ReaderState.objects.filter(user_id__in=_people(meeting)),
        DraftVisit.objects.filter(document_id__in=live_documents),
        RevisionFile.objects.filter(revision_id__in=revision_ids),
        ExportJob.objects.filter(revision_id__in=revision_ids, status__in=FINISHED_EXPORT_STATUSES),
        # The audit trail of the meeting, and the events tied to no meeting (sign-ins, roles).
        AuditEvent.objects.filter(Q(document_id__in=live_documents) | Q(document_id__isnull=True)),
        # Receipts of writes already made, so that a request retried after a restore is still
        # recognised as done (they belong to users, not to one meeting: all of them).
        WriteReceipt.objects.all(),
    ]


def _people(meeting: Meeting) -> models.QuerySet:
    """The ids of the delegates of the meeting's participating delegations."""
    return DelegateProfile.objects.filter(delegation__participations__meeting_id=meeting.pk).values(
        "user_id"
    )


def _user_fields(model: type[models.Model]) -> list[models.Field]:
    user_model = get_user_model()
    return [
        f
        for f in model._meta.concrete_fields
        if f.many_to_one or f.one_to_one
        if f.related_model is user_model
    ]


def _users(querysets: list[models.QuerySet]) -> models.QuerySet:
    """Users with a role or a delegate profile, and every user the exported rows name."""
    named: set[int] = set()
    for queryset in querysets:
        for user_field in _user_fields(queryset.model):
            named.update(
                queryset.exclude(**{f"{user_field.attname}__isnull": True}).values_list(
                    user_field.attname, flat=True
                )
            )
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=named) | Q(groups__isnull=False) | Q(delegate_profile__isnull=False)
        )
        .distinct()
        .order_by("pk")
    )


# --- serialising -----------------------------------------------------------------------------


class _Encoder(json.JSONEncoder):
    """JSON for serialized rows. Unlike DjangoJSONEncoder, times keep their microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | date | time):
            return o.isoformat()
        if isinstance(o, Decimal | UUID):
            return str(o)
        return super().default(o)


def _canonical(content: Any) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(content: Any) -> str:
    return hashlib.sha256(_canonical(content)).hexdigest()


def _plain_fields(model: type[models.Model]) -> list[str]:
    """Every stored field but the pk and the many-to-many ones (their tables come apart)."""
    # django-stubs leaves out Field.serialize (set from the field's ``serialize`` argument).
    return [f.name for f in model._meta.local_fields if f.serialize]  # type: ignore[attr-defined]


def _natural(model: type[models.Model]) -> bool:
    """Auth groups and users: named by natural key (groups, permissions), not by id alone."""
    return model is Group or model is get_user_model()


def _serialize(model: type[models.Model], objects: Iterable[models.Model]) -> list[dict]:
    if _natural(model):
        rows = serializers.serialize(
            "python",
            objects,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=model is Group,
        )
    else:
        rows = serializers.serialize("python", objects, fields=_plain_fields(model))
    out = []
    for row in rows:
        fields = {
            name: sorted(value) if isinstance(value, list) and _is_m2m(model, name) else value
            for name, value in row["fields"].items()
        }
        out.append({"pk": row["pk"], "fields": fields} if "pk" in row else {"fields": fields})
    # Plain JSON types from here on, as they will be read back.
    return json.loads(json.dumps(out, cls=_Encoder, ensure_ascii=False))


def _is_m2m(model: type[models.Model], name: str) -> bool:
    try:
        return bool(model._meta.get_field(name).many_to_many)
    except FieldDoesNotExist:
        return False


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    return {app: sorted(name for label, name in applied if label == app) for app in RECORDED_APPS}


@contextmanager
def _consistent_reads(using: str) -> Iterator[None]:
    """Read everything from one snapshot, so that writes meanwhile cannot split the backup."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def export_meeting(slug: str, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """The backup of the meeting with this slug, as the JSON-ready document described above."""
    with _consistent_reads(using):
        meeting = Meeting.objects.using(using).filter(slug=slug).first()
        if meeting is None:
            raise BackupError(f"No meeting with slug {slug!r}.")
        querysets = [qs.using(using).order_by("pk") for qs in _meeting_querysets(meeting)]
        users = _users(querysets).using(using)
        groups = Group.objects.using(using).filter(user__in=users).distinct().order_by("name")
        to_write: list[tuple[type[models.Model], Iterable[models.Model]]] = [
            (Group, groups.prefetch_related("permissions__content_type")),
            (users.model, users.prefetch_related("groups", "user_permissions__content_type")),
            *((qs.model, qs) for qs in querysets),
        ]
        sections = [
            {"model": model._meta.label_lower, "rows": _serialize(model, queryset)}
            for model, queryset in to_write
        ]
        content = {
            "meeting": slug,
            "migrations": _applied_migrations(using),
            "models": sections,
        }
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "meeting": slug,
        "exported_at": timezone.now().isoformat(),
        "sha256": content_sha256(content),
        "content": content,
    }


def dump(backup: dict, *, compress: bool) -> bytes:
    """The bytes of the file: indented JSON, gzipped if asked (the same backup, the same bytes)."""
    data = (json.dumps(backup, ensure_ascii=False, indent=1) + "\n").encode()
    return gzip.compress(data, mtime=0) if compress else data


# --- reading and checking --------------------------------------------------------------------


def load(data: bytes) -> dict:
    """Parse and check a backup file: gzip, JSON, format, version, checksum and structure.

    Raises :class:`BackupError` saying what is wrong; nothing touches the database.
    """
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise BackupError(f"The file is not a readable gzip file: {error}.") from None
    try:
        backup = json.loads(data.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"The file is not a meeting backup: it is not JSON ({error}).") from None
    if not isinstance(backup, dict) or backup.get("format") != FORMAT_NAME:
        found = backup.get("format") if isinstance(backup, dict) else None
        raise BackupError(
            f"The file is not a meeting backup: its format is {found!r}, not {FORMAT_NAME!r}."
        )
    version = backup.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise BackupError(
            f"The backup is in format version {version!r}; this version of the application "
            f"reads version {FORMAT_VERSION} only."
        )
    for key in ("meeting", "sha256", "content"):
        if key not in backup:
            raise BackupError(f"The backup has no {key!r}: the file is incomplete.")
    computed = content_sha256(backup["content"])
    if computed != backup["sha256"]:
        raise BackupError(
            "Checksum mismatch: the content's SHA-256 is "
            f"{computed}, the file says {backup['sha256']}. The file was damaged or changed "
            "after the export; nothing was imported."
        )
    _check_structure(backup)
    return backup


def _check_structure(backup: dict) -> None:
    content, slug = backup["content"], backup["meeting"]
    if not isinstance(content, dict) or content.get("meeting") != slug:
        raise BackupError(f"The backup's content is not that of meeting {slug!r}.")
    sections = content.get("models")
    if not isinstance(sections, list):
        raise BackupError("The backup's content has no list of models.")
    known = _importable_labels()
    meeting_rows = []
    for section in sections:
        label = section.get("model") if isinstance(section, dict) else None
        if label not in known:
            raise BackupError(f"The backup holds rows of {label!r}, which this application lacks.")
        rows = section.get("rows")
        if not isinstance(rows, list) or not all(
            isinstance(r, dict)
            and isinstance(r.get("fields"), dict)
            and ("pk" in r or label == "auth.group")
            for r in rows
        ):
            raise BackupError(f"The rows of {label} are malformed.")
        if label == "drafting.meeting":
            meeting_rows.extend(rows)
        if label == "drafting.revisionfile":
            _check_files(rows)
    if [r["fields"].get("slug") for r in meeting_rows] != [slug]:
        raise BackupError(f"The backup does not hold exactly one meeting {slug!r}.")


def _importable_labels() -> set[str]:
    """The models a backup may hold: those an export writes, and nothing else."""
    probe = Meeting(pk=0, slug="")
    return {"auth.group", get_user_model()._meta.label_lower} | {
        qs.model._meta.label_lower for qs in _meeting_querysets(probe)
    }


def _check_files(rows: list[dict]) -> None:
    """Every stored PDF must still have the bytes its checksum was taken from."""
    for row in rows:
        fields = row["fields"]
        try:
            content = base64.b64decode(fields.get("content") or "", validate=True)
        except ValueError:
            raise BackupError(f"Revision file {row.get('pk')}: its bytes are not base64.") from None
        if hashlib.sha256(content).hexdigest() != fields.get("sha256"):
            raise BackupError(
                f"Revision file {row.get('pk')} ({fields.get('kind')}): its bytes do not match "
                "its SHA-256; the file is damaged."
            )


# --- writing back ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    meeting: str
    created: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.created.values())


def import_meeting(backup: dict, *, using: str = DEFAULT_DB_ALIAS) -> ImportReport:
    """Write a checked backup (from :func:`load`) into the database, all or nothing.

    Refused when the database already holds a meeting with the slug, or when its drafting
    migrations differ from the file's. Rows keep their primary keys. A row whose pk is already
    taken (a user or delegation shared with another meeting, say) is kept as it is when it is
    identical to the file's, and refused otherwise; auth groups are matched by name.
    """
    slug = backup["meeting"]
    content = backup["content"]
    _check_migrations(content.get("migrations") or {}, using)
    if Meeting.objects.using(using).filter(slug=slug).exists():
        raise BackupError(
            f"This database already holds a meeting {slug!r}; nothing was imported. Import into "
            "an empty database (or one without this meeting)."
        )
    report = ImportReport(meeting=slug)
    written: list[type[models.Model]] = []
    connection = connections[using]
    try:
        # The file holds the audit trail as it was; restoring it is not a new action to log.
        with transaction.atomic(using=using), audit.paused():
            for section in content["models"]:
                model = apps.get_model(section["model"])
                if model is Group:
                    created, kept = _import_groups(section["rows"], using)
                else:
                    created, kept = _import_rows(model, section["rows"], using)
                report.created[section["model"]] = created
                report.kept[section["model"]] = kept
                written.append(model)
            # Deferred foreign keys are checked here, inside the transaction, not at commit.
            connection.check_constraints()
            _reset_sequences(written, using)
    except IntegrityError as error:
        raise BackupError(
            "The backup conflicts with the data in this database (or refers to rows it does "
            f"not hold); nothing was imported. The database said: {error}".strip()
        ) from None
    except (
        DeserializationError,
        ValidationError,
        FieldDoesNotExist,
        LookupError,
        TypeError,
        ValueError,
    ) as error:
        raise BackupError(f"A row of the backup cannot be read back: {error}") from None
    return report


def _check_migrations(recorded: dict[str, list[str]], using: str) -> None:
    here = _applied_migrations(using)
    for app in CHECKED_APPS:
        if recorded.get(app) != here.get(app):
            theirs = (recorded.get(app) or ["none"])[-1]
            ours = (here.get(app) or ["none"])[-1]
            raise BackupError(
                f"The backup was written at {app} migration {theirs}; this database is at "
                f"{ours}. Migrate this database to the backup's migration (python manage.py "
                f"migrate {app} {theirs}), import, then migrate forward."
            )


def _deserialize(model: type[models.Model], rows: list[dict], using: str) -> Iterator:
    label = model._meta.label_lower
    return serializers.deserialize("python", ({"model": label, **row} for row in rows), using=using)


def _import_groups(rows: list[dict], using: str) -> tuple[int, int]:
    """Groups by name: an existing group (a role group of a fresh database) is kept as it is."""
    created = kept = 0
    for item in _deserialize(Group, rows, using):
        if item.object.pk is not None:  # the natural key found a group of that name
            kept += 1
            continue
        item.save(using=using)
        created += 1
    return created, kept


def _import_rows(model: type[models.Model], rows: list[dict], using: str) -> tuple[int, int]:
    taken = _taken(model, rows, using)
    fresh = []
    for item in _deserialize(model, rows, using):
        if item.object.pk in taken:
            continue
        fresh.append(item)
    # Saving one by one with raw=True keeps auto_now_add timestamps and sets many-to-many
    # values (users' groups); other rows go in bulk, which runs no signal either.
    one_by_one = any(item.m2m_data for item in fresh) or any(
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        for f in model._meta.concrete_fields
    )
    if one_by_one:
        for item in fresh:
            item.save(using=using)
    else:
        model._base_manager.using(using).bulk_create(
            [item.object for item in fresh], batch_size=1000
        )
    return len(fresh), len(taken)


def _taken(model: type[models.Model], rows: list[dict], using: str) -> set:
    """The pks of the file's rows already in the database, refused unless identical."""
    pk_field = model._meta.pk
    by_pk = {pk_field.to_python(row["pk"]): row for row in rows}
    taken: set = set()
    pks = list(by_pk)
    for start in range(0, len(pks), 5000):
        existing = model._base_manager.using(using).filter(pk__in=pks[start : start + 5000])
        for row in _serialize(model, existing.order_by("pk")):
            pk = pk_field.to_python(row["pk"])
            if row["fields"] != by_pk[pk]["fields"]:
                raise BackupError(
                    f"{model._meta.verbose_name} {pk} ({model._meta.label_lower}) is already in "
                    "this database with other values; nothing was imported."
                )
            taken.add(pk)
    return taken


def _reset_sequences(written: list[type[models.Model]], using: str) -> None:
    """Move the id sequences past the imported ids, so new rows do not collide with them."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), written)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


__all__ = [
    "FORMAT_HELP",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "BackupError",
    "ImportReport",
    "content_sha256",
    "dump",
    "export_meeting",
    "import_meeting",
    "load",
]
