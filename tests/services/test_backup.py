"""Backup and restore of a whole meeting: export, import into an empty database, compare all.

"Empty database" inside pytest: a transactional test exports, flushes the database (as after a
fresh ``migrate``: content types, permissions and the role groups, nothing else), imports,
and compares every row of every model of the app (history and many-to-many tables included)
with what it held before. The autouse fixture of tests/conftest.py reloads the BMS7 zero
draft for the next transactional test.
"""

import gzip
import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from drafting import selectors
from drafting.access.roles import ensure_role_groups
from drafting.exports import backup
from drafting.models import (
    MAIL_KINDS,
    CacheNamespace,
    ConsultationRound,
    Delegation,
    DelegationVersion,
    Document,
    DraftVisit,
    Element,
    ElementChange,
    ExportJob,
    Footnote,
    MailFrequency,
    Meeting,
    Proposal,
    ProposalStatus,
    ProposalsVersion,
    Revision,
    RevisionFile,
)
from drafting.render import page_cache
from drafting.selectors import working_draft_snapshot
from drafting.services.cosponsorship import cosponsorship_accept
from drafting.services.decisions import (
    proposal_accept,
    proposal_accept_with_changes,
    proposal_defer,
    proposal_reject,
)
from drafting.services.elements import (
    element_compose,
    element_insert,
    element_move,
    element_set_status,
)
from drafting.services.invitations import invitation_create
from drafting.services.marks import mark_clear, mark_set
from drafting.services.notifications import mail_preference_set, notifications_read
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_revise,
    proposal_withdraw,
)
from drafting.services.replies import decision_reply
from drafting.services.revisions import revision_issue
from drafting.services.rounds import round_open, round_reopen
from drafting.services.visits import desk_visit
from drafting.text.snapshot import content_hash
from tests.factories import (
    UserFactory,
    chairs_office,
    delegate_of,
    designate_coordinator,
    secretariat,
)

User = get_user_model()
FAKE_PDF = b"%PDF-1.7\n\x00\x01\xfe\xff binary bytes of a revision\n%%EOF\n"


# --- helpers ---------------------------------------------------------------------------------


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def _everything() -> dict:
    """Every row of every model of the app (history and link tables too), users and groups.

    Groups and permissions are compared by name: a fresh database numbers them its own way.
    The cache's namespace is the database's, not the meeting's: an import renews it; the
    delegation pages' and the documents' proposals versions are counters under it, not content,
    and start again.
    """
    state = {}
    for model in apps.get_app_config("drafting").get_models(include_auto_created=True):
        if model in (CacheNamespace, DelegationVersion, ProposalsVersion):
            continue
        state[model._meta.label_lower] = [
            {key: _plain(value) for key, value in row.items()}
            for row in model._base_manager.order_by("pk").values()
        ]

    def permission_key(permission):
        return (permission.content_type.app_label, permission.codename)

    state["auth.user"] = [
        {
            **row,
            "groups": sorted(User.objects.get(pk=row["id"]).groups.values_list("name", flat=True)),
            "user_permissions": sorted(
                permission_key(p)
                for p in User.objects.get(pk=row["id"]).user_permissions.select_related(
                    "content_type"
                )
            ),
        }
        for row in User.objects.order_by("pk").values()
    ]
    state["auth.group"] = {
        group.name: sorted(
            permission_key(p) for p in group.permissions.select_related("content_type")
        )
        for group in Group.objects.all()
    }
    return state


def _empty_database() -> None:
    """What ``migrate`` leaves: content types, permissions and the role groups."""
    call_command("flush", interactive=False, verbosity=0)
    ensure_role_groups(Group, Permission)
    assert not Meeting.objects.exists() and not Delegation.objects.exists()
    assert not User.objects.exists()


def _rehashed(document: dict) -> dict:
    return {**document, "sha256": backup.content_sha256(document["content"])}


def _rows(document: dict, label: str) -> list[dict]:
    return next(s["rows"] for s in document["content"]["models"] if s["model"] == label)


def _submit(user, element, text="", kind="amend", **extra):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind=kind, proposed_text=text, **extra),
    )


def _element(text: str) -> Element:
    return Element.objects.get(text=text)


def _negotiate(bms7) -> None:
    """A rich state, made by the real services: two rounds, proposals of every kind with
    several versions, marks, decisions, the chair's own edits, Rev.1, proposals carried
    forward, stored PDF bytes and export jobs, and the admin's changes to delegations."""
    document = bms7.document
    now = timezone.now()
    clerk = secretariat(email="clerk@un.org")
    clerk.user_permissions.add(Permission.objects.get(codename="view_proposal"))
    chair = chairs_office(first_name="Grace", last_name="Otieno", password="s3cret-chair")
    japan, mexico, kenya = delegate_of("jpn"), delegate_of("mex"), delegate_of("ken")
    invitation_create(
        actor=clerk,
        email="new@mex.example",
        role="delegate",
        delegation=Delegation.objects.get(code="mex"),
        meeting=bms7,
    )
    france, india, brazil = delegate_of("fra"), delegate_of("ind"), delegate_of("bra")
    round_1 = round_open(
        user=clerk,
        document=document,
        name="Round 1",
        opens_at=now - timedelta(hours=2),
        deadline=now + timedelta(hours=1),
    )

    cooperation = _element("Cooperation between exporting and importing states")
    regional = _element("Regional best practices")
    roadmaps = _element("Regional roadmaps")
    toy_guns = Element.objects.get(text__startswith="Ban of development and trade of toy guns")
    online = _element("Illicit online trafficking")
    placeholder = Element.objects.filter(kind="placeholder").order_by("pk").first()

    accepted = _submit(
        japan, cooperation, "Enhanced cooperation between exporting and importing states"
    )
    revised = _submit(
        mexico,
        regional,
        "Regional and sub-regional best practices",
        rationale="Consistency with the theme above",
        co_sponsors=list(Delegation.objects.filter(code__in=["arg", "chl"])),
    )
    revised = proposal_revise(
        user=mexico,
        proposal=revised,
        expected_version=1,
        content=ProposalContent(
            kind="amend",
            proposed_text="Regional and sub-regional good practices",
            rationale="Consistency with the theme above; “good” rather than “best”",
            co_sponsors=list(Delegation.objects.filter(code__in=["arg", "col"])),
        ),
    )
    # Argentina accepts to co-sponsor (Chile was dropped, Colombia has not answered).
    cosponsorship_accept(user=delegate_of("arg"), proposal=revised)
    designate_coordinator(bms7, "eu", "fra")  # France speaks for the EU at this meeting
    eu_insert = _submit(
        france,
        roadmaps,
        "Regional roadmaps on [SALW] control",
        kind="insert_after",
        new_element_kind="theme",
        on_behalf_of=Delegation.objects.get(code="eu"),
    )
    deletion = _submit(kenya, toy_guns, kind="delete", rationale="Outside the scope of the PoA")
    _submit(
        india,
        placeholder,
        "[Marking and tracing of SALW]",
        kind="fill_placeholder",
        new_element_kind="theme",
    )
    deferred = _submit(brazil, online, "Illicit online and darknet trafficking")
    carried = _submit(japan, online, "Illicit online trafficking, including on the darknet")
    rebased = _submit(
        mexico, cooperation, "Cooperation between exporting and importing states, as appropriate"
    )
    stuck = _submit(india, cooperation, "Close cooperation between exporting and importing states")
    draft = proposal_create(
        user=japan,
        element=regional,
        idempotency_key=uuid.uuid4(),
        submit=False,
        content=ProposalContent(kind="comment", rationale="To be discussed in capital"),
    )
    withdrawn = _submit(kenya, cooperation, kind="comment", rationale="We wish to speak on it")
    proposal_withdraw(user=kenya, proposal=withdrawn)

    mark_set(user=mexico, proposal=accepted, stance="support", note="Fully agree")
    mark_set(user=kenya, proposal=accepted, stance="oppose")
    mark_set(user=kenya, proposal=accepted, stance="support", note="After consultations")
    mark_set(user=india, proposal=deletion, stance="reservation", note="The scope")
    mark_set(user=brazil, proposal=deletion, stance="support")
    mark_clear(user=brazil, proposal=deletion)

    proposal_accept(user=chair, proposals=[accepted], note="Thank you")
    proposal_accept_with_changes(
        user=chair, proposal=eu_insert, text="Regional roadmaps on SALW control", note="Agreed"
    )
    proposal_reject(
        user=chair,
        proposal=deletion,
        note="Broad support for keeping it",
        idempotency_key=uuid.uuid4(),  # leaves a write receipt, which is backed up too
    )
    proposal_defer(user=chair, proposal=deferred, note="Next round")
    decision_reply(user=kenya, proposal=deletion, text="We will raise it in plenary")
    desk_visit(user=kenya, meeting=bms7)
    element_compose(
        user=chair,
        element=regional,
        text="[Regional best practices][Regional and sub-regional good practices]",
        expected_text=regional.text,
        cited=[revised],
    )
    element_set_status(user=chair, element=_element("Regional roadmaps"), status="agreed_ad_ref")
    element_move(user=chair, element=cooperation, direction="up")
    element_insert(user=chair, after=online, kind="theme", text="[Chair’s new theme]")
    round_reopen(user=chair, round_=round_1, deadline=now + timedelta(hours=3))
    footnote = Footnote.objects.order_by("pk").first()
    footnote.text += " (corrected)"
    footnote._history_user, footnote._change_reason = clerk, "Typo"
    footnote.save()

    # The secretariat's changes to delegations in the admin (history, groups' members).
    admin = UserFactory(is_staff=True, is_superuser=True, username="admin")
    ssd = Delegation.objects.get(code="ssd")
    ssd.short_name, ssd._history_user, ssd._change_reason = "South Sudan (Rep.)", admin, "Name"
    ssd.save()
    arab_group = Delegation.objects.get(code="arab-group")
    arab_group.members.add(
        Delegation.objects.filter(kind="member_state").exclude(groups=arab_group).first()
    )
    former = delegate_of("chl")

    rev1 = revision_issue(
        issued_by=chair,
        document=document,
        cover_letter="Excellency,\n\nI have the honour to transmit Rev.1.",
        signatory="Martin Kimani",
        export_pdf=False,
    )
    # A stored PDF and a finished export job, with their own (auto_now_add) creation times.
    stored = RevisionFile.objects.create(
        revision=rev1,
        kind="revision",
        content=FAKE_PDF,
        sha256=hashlib.sha256(FAKE_PDF).hexdigest(),
        pages=1,
    )
    done = ExportJob.objects.create(
        revision=rev1, kind="revision", status="done", requested_by=chair, attempts=1
    )
    long_ago = timezone.now() - timedelta(days=3, microseconds=123457)
    RevisionFile.objects.filter(pk=stored.pk).update(created_at=long_ago)
    ExportJob.objects.filter(pk=done.pk).update(created_at=long_ago, finished_at=long_ago)

    # After Rev.1: a new round, proposals against Rev.1, the carried ones revised.
    round_open(
        user=clerk,
        document=document,
        name="Round 2",
        opens_at=now + timedelta(days=1),
        deadline=now + timedelta(days=2),
    )
    carried.refresh_from_db()
    proposal_revise(
        user=japan,
        proposal=carried,
        expected_version=carried.version,
        content=ProposalContent(
            kind="amend", proposed_text="Illicit online trafficking, including the darknet"
        ),
    )
    _submit(brazil, cooperation, "Cooperation between exporting, transit and importing States")
    mark_set(user=former, proposal=carried, stance="support")
    former.is_active = False
    former.save()
    element_insert(user=chair, after=online, kind="paragraph", text="[Provisional paragraph]")
    # People's e-mail choices, notices read and the draft seen.
    mail_preference_set(
        user=japan, meeting=bms7, choices=dict.fromkeys(MAIL_KINDS, MailFrequency.OFF)
    )
    mail_preference_set(
        user=japan, meeting=None, choices=dict.fromkeys(MAIL_KINDS, MailFrequency.DIGEST)
    )
    notifications_read(user=japan)
    # Seen before the last change (its version, not 0: a version left out would be missed).
    version = Document.objects.values_list("version", flat=True).get(pk=document.pk)
    DraftVisit.objects.create(user=japan, document=document, seen_at=now, seen_version=version - 1)

    # The state is as rich as it should be.
    assert Proposal.objects.values("status").distinct().count() >= 6
    assert draft.status == ProposalStatus.DRAFT
    assert Revision.objects.filter(document=document).count() == 2
    assert Element.objects.filter(document=document, provisional=True).exists()
    assert Proposal.history.filter(id=revised.pk).count() >= 4
    rebased.refresh_from_db()
    stuck.refresh_from_db()
    assert (rebased.status, stuck.status) == ("submitted", "needs_rebase")
    assert rebased.base_revision == rev1


# --- round trips into an empty database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_negotiated_meeting_round_trips_into_an_empty_database(bms7, tmp_path):
    _negotiate(bms7)
    ExportJob.objects.create(
        revision=Revision.objects.get(number=1), kind="redline", status="queued"
    )
    before = _everything()
    assert all(before.values()), [label for label, rows in before.items() if not rows]
    draft_before = working_draft_snapshot(bms7.document)
    # What changed since Japan last saw the draft.
    japan_id = User.objects.get(delegate_profile__delegation__code="jpn").pk
    listed = selectors.elements_changed_since_last_visit(
        Document.objects.get(pk=bms7.document.pk), japan_id
    )
    assert listed
    path = tmp_path / "bms7.json.gz"
    call_command("export_meeting", "bms7", "-o", str(path), verbosity=0)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    exported = backup.load(path.read_bytes())

    _empty_database()
    namespace = page_cache.namespace()
    call_command("import_meeting", str(path), verbosity=0)
    after = _everything()
    # Rows came back with their ids and versions: nothing cached before is read again.
    assert page_cache.namespace() != namespace
    assert CacheNamespace.objects.get().token == page_cache.namespace()

    # A job still queued belongs to the old database's worker: it is left out on purpose.
    before["drafting.exportjob"] = [
        row for row in before["drafting.exportjob"] if row["status"] != "queued"
    ]
    for label in before:
        assert after[label] == before[label], label
    assert set(after) == set(before)

    # Nothing was rewritten on the way: PDF bytes, creation times, hashes, passwords.
    stored = RevisionFile.objects.get()
    assert bytes(stored.content) == FAKE_PDF
    assert stored.created_at < timezone.now() - timedelta(days=2)
    assert User.objects.get(last_name="Otieno").check_password("s3cret-chair")
    document = Meeting.objects.get(slug="bms7").document
    for revision in Revision.objects.filter(document=document):
        assert content_hash(revision.snapshot) == revision.content_hash
    assert working_draft_snapshot(document) == draft_before
    # Each change's version is one the document made: none is ahead of it.
    changes = ElementChange.objects.filter(document=document)
    assert changes.exists()
    assert max(c.document_version for c in changes) <= document.version
    assert selectors.elements_changed_since_last_visit(document, japan_id) == listed

    # Exporting again gives the same content, to the byte.
    assert backup.export_meeting("bms7")["sha256"] == exported["sha256"]

    # The restored database works on: new rows take new ids, with history as usual.
    japan = User.objects.get(delegate_profile__delegation__code="jpn")
    fresh = _submit(japan, Element.objects.get(text="Effective control over SALW"), kind="delete")
    assert fresh.pk > max(row["id"] for row in before["drafting.proposal"])
    assert fresh.history.get().history_change_reason == "Submitted"
    ConsultationRound.objects.create(
        document=document,
        name="Round 3",
        opens_at=timezone.now(),
        deadline=timezone.now() + timedelta(hours=1),
        created_by=japan,
    )


@pytest.mark.django_db(transaction=True)
def test_the_bms7_zero_draft_round_trips_into_an_empty_database(bms7, tmp_path):
    before = _everything()
    path = tmp_path / "bms7.json"
    call_command("export_meeting", "bms7", "-o", str(path), verbosity=0)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["format"] == "bms7-drafting-meeting" and exported["version"] == 1
    assert len(_rows(exported, "drafting.delegation")) == 203
    assert len(_rows(exported, "drafting.element")) == 100

    _empty_database()
    call_command("import_meeting", str(path), verbosity=0)
    assert _everything() == before
    assert backup.export_meeting("bms7")["sha256"] == exported["sha256"]


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_writes_nothing(bms7):
    """A row that refers to nothing fails the import at the end: all of it is undone."""
    exported = backup.export_meeting("bms7")
    _rows(exported, "drafting.notification").append(
        {
            "pk": 1,
            "fields": {
                "delegation": 1,
                "proposal": 999_999,
                "message": "refers to no proposal",
                "created_at": "2021-05-07T16:00:00+00:00",
            },
        }
    )
    _empty_database()
    with pytest.raises(backup.BackupError, match="nothing was imported"):
        backup.import_meeting(backup.load(backup.dump(_rehashed(exported), compress=False)))
    assert not Meeting.objects.exists() and not Delegation.objects.exists()
    assert not Element.history.exists()


@pytest.mark.django_db(transaction=True)
def test_shared_delegations_and_users_are_kept_when_identical_and_refused_when_not(bms7):
    """A database holding the same delegations (another meeting's) takes the meeting in."""
    delegate_of("jpn")
    exported = backup.export_meeting("bms7")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE drafting_meeting, drafting_historicalmeeting, drafting_document, "
            "drafting_historicaldocument, drafting_element, drafting_historicalelement, "
            "drafting_footnote, drafting_historicalfootnote, drafting_revision CASCADE"
        )
    report = backup.import_meeting(exported)
    assert report.created["drafting.element"] == 100
    assert report.kept["drafting.delegation"] == 203 and report.kept["auth.user"] == 1

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE drafting_meeting CASCADE")
    Delegation.objects.filter(code="jpn").update(short_name="Nippon")
    with pytest.raises(backup.BackupError, match="already in this database with other values"):
        backup.import_meeting(exported)
    assert not Meeting.objects.exists()


# --- refusals --------------------------------------------------------------------------------

pytest_db = pytest.mark.django_db


@pytest_db
def test_importing_a_meeting_the_database_holds_is_refused(bms7, tmp_path):
    path = tmp_path / "bms7.json"
    call_command("export_meeting", "bms7", "-o", str(path), verbosity=0)
    elements = Element.objects.count()
    with pytest.raises(CommandError, match="already holds a meeting 'bms7'"):
        call_command("import_meeting", str(path), verbosity=0)
    assert Element.objects.count() == elements and Meeting.objects.count() == 1


@pytest_db
def test_a_tampered_file_is_refused_by_its_checksum(bms7, tmp_path):
    exported = backup.export_meeting("bms7")
    _rows(exported, "drafting.element")[0]["fields"]["text"] = "[Tampered]"
    path = tmp_path / "tampered.json.gz"
    path.write_bytes(backup.dump(exported, compress=True))
    with pytest.raises(CommandError, match="Checksum mismatch"):
        call_command("import_meeting", str(path), verbosity=0)
    assert not Element.objects.filter(text="[Tampered]").exists()


@pytest_db
def test_damaged_pdf_bytes_are_refused(bms7):
    revision = Revision.objects.get(number=0)
    RevisionFile.objects.create(
        revision=revision, kind="revision", content=FAKE_PDF, sha256="0" * 64, pages=1
    )
    with pytest.raises(backup.BackupError, match="do not match its SHA-256"):
        backup.load(backup.dump(backup.export_meeting("bms7"), compress=False))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {**d, "version": 2}, "format version 2; .* reads version 1 only"),
        (lambda d: {**d, "version": "1"}, "reads version 1"),
        (lambda d: {**d, "format": "django-dumpdata"}, "not a meeting backup"),
        (lambda d: {k: v for k, v in d.items() if k != "sha256"}, "has no 'sha256'"),
        (lambda d: _rehashed({**d, "meeting": "other"}), "not that of meeting 'other'"),
    ],
)
@pytest_db
def test_a_file_of_another_format_or_version_is_refused(bms7, change, message):
    with pytest.raises(backup.BackupError, match=message):
        backup.load(json.dumps(change(backup.export_meeting("bms7"))).encode())


@pytest_db
def test_an_unknown_model_or_other_migrations_are_refused(bms7):
    exported = backup.export_meeting("bms7")
    exported["content"]["models"].append({"model": "auth.permission", "rows": []})
    with pytest.raises(backup.BackupError, match=r"'auth\.permission'"):
        backup.load(json.dumps(_rehashed(exported)).encode())

    exported = backup.export_meeting("bms7")
    exported["content"]["migrations"]["drafting"].append("0099_future")
    with pytest.raises(backup.BackupError, match="0099_future; this database is at"):
        backup.import_meeting(backup.load(json.dumps(_rehashed(exported)).encode()))


# A fixed mtime: the gzip bytes are the test id, which each pytest-xdist worker must agree on.
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\x1f\x8b\x08garbage",
        gzip.compress(b"[1, 2]", mtime=0),
        "é".encode("latin-1"),
    ],
)
def test_what_is_not_a_backup_is_refused_clearly(data):
    with pytest.raises(backup.BackupError, match=r"not a meeting backup|not a readable gzip"):
        backup.load(data)


def test_a_missing_file_or_meeting_is_a_command_error(tmp_path, bms7):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_meeting", str(tmp_path / "none.json"))
    with pytest.raises(CommandError, match="No meeting with slug 'bms8'"):
        call_command("export_meeting", "bms8", "-o", str(tmp_path / "x.json"))
    assert not list(Path(tmp_path).iterdir())


# --- what goes in ----------------------------------------------------------------------------


@pytest_db
def test_only_users_with_a_role_or_a_link_to_the_meeting_are_exported(bms7, open_round):
    delegate = delegate_of("jpn", username="tanaka")
    UserFactory(username="stranger")
    exported = backup.export_meeting("bms7")
    users = {row["fields"]["username"]: row for row in _rows(exported, "auth.user")}
    assert set(users) == {"tanaka", open_round.created_by.username}
    assert users["tanaka"]["fields"]["groups"] == [["Delegates"]]
    assert users["tanaka"]["fields"]["password"] == delegate.password
    assert [row["fields"]["name"] for row in _rows(exported, "auth.group")] == [
        "Delegates",
        "Secretariat",
    ]
    assert "pk" not in _rows(exported, "auth.group")[0]


@pytest_db
def test_times_keep_their_microseconds(bms7, open_round):
    exported = backup.export_meeting("bms7")
    (row,) = _rows(exported, "drafting.consultationround")
    assert row["fields"]["opens_at"] == open_round.opens_at.isoformat()
    assert open_round.opens_at.microsecond and "." in row["fields"]["opens_at"]


def test_the_help_documents_the_format(capsys):
    from drafting.management.commands.export_meeting import Command

    Command().print_help("manage.py", "export_meeting")
    help_text = capsys.readouterr().out
    assert '"format": "bms7-drafting-meeting", "version": 1' in help_text
    assert "SHA-256" in help_text and "-o OUTPUT" in help_text
