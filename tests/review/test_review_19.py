"""Findings of a hostile review of the work merged for issues #16 to #19 (search, import,
invitations, meeting setup, Word and AKN exports, the services split).

Each test reproduces one bug found in review; its docstring says what it reproduces.
"""

import pytest

from drafting.models import AuditAction, AuditEvent, DelegateProfile, Delegation, Invitation
from drafting.services.invitations import invitation_create
from drafting.web.errors import DomainError
from tests.factories import delegate_of, secretariat
from tests.shared_cache import empty_cache


@pytest.fixture
def _throttle():
    empty_cache("throttle")
    yield
    empty_cache("throttle")


def _focal_point_of(code: str, **kwargs):
    user = delegate_of(code, **kwargs)
    DelegateProfile.objects.filter(user=user).update(is_focal_point=True)
    user.refresh_from_db()
    return user


@pytest.mark.django_db
@pytest.mark.usefixtures("_throttle")
def test_a_focal_point_cannot_revoke_an_invitation_it_may_not_revoke_by_inviting_its_address(
    bms7, settings
):
    """Reproduces: ``invitation_create`` revoked every pending invitation to the address
    before sending its own, whoever had sent them. A focal point of Japan, inviting the
    address the secretariat had just invited to the secretariat (or Mexico's focal point had
    invited as a Mexican delegate), silently revoked that invitation, and the invitee got a
    link to join Japan instead. Expected: refused, the earlier invitation still pending."""
    settings.SITE_URL = "https://drafting.example.org"
    clerk = secretariat(username="clerk")
    mexico_focal = _focal_point_of("mex", username="mexfocal")
    japan_focal = _focal_point_of("jpn", username="jpnfocal")
    japan = Delegation.objects.get(code="jpn")
    staff = invitation_create(actor=clerk, email="new.officer@un.example", role="secretariat")
    mexican = invitation_create(
        actor=mexico_focal,
        email="delegate@mx.example",
        role="delegate",
        delegation=Delegation.objects.get(code="mex"),
    )
    for earlier in (staff, mexican):
        with pytest.raises(DomainError, match="already invited by someone else"):
            invitation_create(
                actor=japan_focal,
                email=earlier.invitation.email.upper(),
                role="delegate",
                delegation=japan,
            )
        earlier.invitation.refresh_from_db()
        assert earlier.invitation.state == "pending"
    assert not Invitation.objects.filter(delegation=japan).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("_throttle")
def test_an_invitation_replaced_by_a_newer_one_is_revoked_in_the_audit_trail(bms7, settings):
    """Reproduces: an invitation revoked because a newer one went to the same address left
    no audit row (only the new invitation's 'sent'): the trail could not say why the first
    link stopped working. Expected: an 'invitation revoked' row for it."""
    settings.SITE_URL = "https://drafting.example.org"
    clerk = secretariat(username="clerk")
    invitation_create(actor=clerk, email="twice@example.org", role="chairs_office")
    invitation_create(actor=clerk, email="twice@example.org", role="chairs_office")
    revoked = AuditEvent.objects.filter(action=AuditAction.INVITATION_REVOKED)
    assert [event.summary for event in revoked] == ["twice@example.org"]
    assert revoked.get().user == clerk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "text"),
    [("title", "Zero\x00 draft"), ("preamble", "Note\x00"), ("title", "Zero \u202edraft")],
)
def test_the_imports_title_and_preamble_refuse_what_no_text_may_hold(client, field, text):
    """Reproduces: the import's Save checked the elements' characters but not the title's or
    the preamble's: a NUL (PostgreSQL refuses it) answered 500, and a bidi override went into
    Revision 0, an official record never changed. Expected: 400 beside the field, nothing
    written."""
    from django.urls import reverse

    from drafting.models import Document, Revision
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(slug="bms8", short_title="BMS8")
    client.force_login(secretariat())
    url = reverse("document_import", args=[meeting.slug])
    client.post(url, {"action": "read", "pasted": "Zero draft\n1. One paragraph."})
    data = {"action": "save", "title": "Zero draft", "preamble": ""}
    data[field] = text
    response = client.post(url, data)
    assert response.status_code == 400
    assert not Revision.objects.filter(document__meeting=meeting).exists()
    assert not Document.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "short_title", "symbol_prefix", "venue", "chair"])
def test_a_meetings_details_refuse_control_characters(client, bms7, field):
    """Reproduces: the meeting's setup took any character but NUL in its title, symbol prefix,
    venue and chair (a vertical tab pasted from Word, a bidi override); they go into every
    revision's masthead and symbol, and the Akoma Ntoso export, writing the title and the
    symbol as XML attributes, failed on the first ("All strings must be XML compatible").
    Expected: refused, as every other text is; no meeting made."""
    from django.urls import reverse

    from drafting.models import Meeting

    client.force_login(secretariat(username="clerk"))
    details = {
        "title": "Eighth Biennial Meeting of States",
        "short_title": "BMS8",
        "slug": "bms8",
        "symbol_prefix": "A/CONF.192/BMS/2026/WP.1",
        "venue": "Geneva",
        "start_date": "2026-06-08",
        "end_date": "2026-06-12",
        "chair": "Ambassador X",
        "time_zone": "Europe/Zurich",
    }
    details[field] = details[field][:3] + "\x0b" + details[field][3:]
    response = client.post(reverse("meeting_create"), details)
    assert response.status_code == 400
    assert not Meeting.objects.filter(slug="bms8").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("_throttle")
def test_a_deactivated_focal_points_pending_invitations_stop_working(bms7, settings):
    """Reproduces: deactivating a focal point left the invitations it had sent pending. A
    focal point leaving could invite an address of its own first and, once deactivated,
    accept it and be a delegate of its delegation again. Expected: its pending links are
    revoked (each in the audit trail); invitations sent by others stay."""
    from drafting.services.invitations import (
        InvitationUnusable,
        delegate_deactivate,
        invitation_accept,
    )

    settings.SITE_URL = "https://drafting.example.org"
    clerk = secretariat(username="clerk")
    japan = Delegation.objects.get(code="jpn")
    leaving = _focal_point_of("jpn", username="leaving")
    own = invitation_create(
        actor=leaving, email="private@mail.example", role="delegate", delegation=japan
    )
    others = invitation_create(
        actor=clerk, email="colleague@jp.example", role="delegate", delegation=japan
    )
    delegate_deactivate(actor=clerk, account_id=leaving.pk)
    with pytest.raises(InvitationUnusable):
        invitation_accept(token=own.token, username="back", password="a-long-passphrase-1")
    others.invitation.refresh_from_db()
    assert others.invitation.state == "pending"
    assert AuditEvent.objects.filter(
        action=AuditAction.INVITATION_REVOKED, summary="private@mail.example"
    ).exists()


@pytest.mark.django_db
def test_discarding_a_draft_does_not_make_a_new_compilation(bms7):
    """Reproduces: the compilation's content key left out drafts but not discarded drafts,
    so a delegation discarding its draft changed the key: the next request made a new
    compilation, listed beside the earlier ones 'as of' that moment, which told every other
    delegation that someone had just given up a private draft on this revision. Expected:
    a private proposal changes nothing the compilation is keyed by."""
    import uuid

    from drafting.models import Element, Revision
    from drafting.selectors.compilation import compilation_content_key
    from drafting.services.proposals import ProposalContent, proposal_create, proposal_discard

    japan = delegate_of("jpn")
    element = Element.objects.filter(document=bms7.document, text__gt="").first()
    revision = Revision.objects.filter(document=bms7.document).order_by("-number").first()
    before = compilation_content_key(revision)
    draft = proposal_create(
        user=japan,
        element=element,
        content=ProposalContent(kind="amend", proposed_text=element.text + " [private words]"),
        idempotency_key=uuid.uuid4(),
        submit=False,
    )
    assert draft.base_revision == revision
    assert compilation_content_key(revision) == before
    proposal_discard(user=japan, proposal=draft)
    assert compilation_content_key(revision) == before


def _docx_with_paragraphs(count: int) -> bytes:
    import io
    import random
    import string
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("1. First paragraph")
    template = io.BytesIO()
    document.save(template)
    source = zipfile.ZipFile(io.BytesIO(template.getvalue()))
    rng = random.Random(1)
    paragraphs = "".join(
        f"<w:p><w:r><w:t>{''.join(rng.choices(string.ascii_letters, k=6))}</w:t></w:r></w:p>"
        for _ in range(count)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + paragraphs.encode(), 1)
            archive.writestr(member.filename, data)
    return out.getvalue()


def test_a_word_file_of_many_short_paragraphs_is_refused_before_each_is_read():
    """Reproduces: a 1.8 MB .docx (well under the 10 MB limit, no zip bomb) of 300,000
    six-letter paragraphs kept the import's request busy for over ten minutes: every
    paragraph was read (python-docx looks its style up by reading every style of the file,
    twice a paragraph) before the outline counted more than 3,000 elements. Expected:
    refused at once for having too many elements."""
    import time

    from drafting.text import docx_reader
    from drafting.text.importing import ImportRefused

    content = _docx_with_paragraphs(60_000)
    started = time.monotonic()
    with pytest.raises(ImportRefused) as refused:
        docx_reader.read_docx(content)
    assert refused.value.code == "too_many_elements"
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_on_the_document_finds_the_zero_draft_issued_meanwhile():
    """Reproduces: the import asked whether the meeting could take a zero draft under the
    meeting's lock, before taking the document's (the lock every writer of the draft takes).
    The chair's office issuing Revision 0 of the meeting's empty document at that moment
    was waited for, then the import wrote a second Revision 0: the unique constraint
    refused it and the secretariat got a server error. Expected: the import, once it holds
    the document, is told the zero draft was issued; nothing of it is written."""
    import threading
    import time

    from django.db import connection, transaction

    from drafting.models import Element, Revision
    from drafting.services.imports import ImportNotPossible, document_import
    from drafting.services.revisions import revision_issue
    from drafting.text.importing import ImportRow
    from tests.factories import DocumentFactory, chairs_office

    document = DocumentFactory(meeting__slug="bms8")
    chair, clerk = chairs_office(), secretariat()
    issued, outcome = threading.Event(), {}

    def chair_issues() -> None:
        try:
            with transaction.atomic():
                revision_issue(
                    issued_by=chair, document=document, cover_letter="", export_pdf=False
                )
                issued.set()
                time.sleep(1.0)  # the import arrives meanwhile
        finally:
            issued.set()
            connection.close()

    def secretariat_imports() -> None:
        issued.wait(10)
        try:
            document_import(
                user=clerk,
                meeting=document.meeting,
                title="Zero draft",
                preamble="",
                rows=[ImportRow(kind="paragraph", text="One paragraph.", level=0)],
            )
            outcome["import"] = "imported"
        except Exception as error:  # what it raised is the point
            outcome["import"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=chair_issues), threading.Thread(target=secretariat_imports)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcome["import"], ImportNotPossible), outcome
    assert Revision.objects.filter(document=document).count() == 1
    assert not Element.objects.filter(document=document).exists()


@pytest.mark.django_db
def test_a_delegation_name_with_a_control_character_does_not_break_the_word_compilation(
    bms7, open_round
):
    """Reproduces: the Word compilation wrote each delegation's name as the author of its
    tracked changes without leaving out what XML cannot hold (its comments did): a name
    with a vertical tab, saved in the admin (which refuses only NUL), made every compilation
    of the meeting fail. Expected: the file is made, the character left out."""
    import uuid

    from drafting.exports.docx_export import compilation_docx, compilation_rows
    from drafting.models import Element, Revision
    from drafting.services.proposals import ProposalContent, proposal_create
    from tests import docx_text

    Delegation.objects.filter(code="jpn").update(name="Ja\x0bpan")
    zero = Revision.objects.get(document=bms7.document, number=0)
    proposal_create(
        user=delegate_of("jpn"),
        element=Element.objects.get(text="Effective control over SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="Effective national control over SALW"),
    )
    content = compilation_docx(bms7, zero, compilation_rows(zero), zero.issued_at)
    assert docx_text.change_authors(content) == {"Japan"}
