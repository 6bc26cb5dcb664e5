"""Findings of a hostile review of the merged work for issues #14 and #15.

Each test reproduces one bug found in review; its docstring says what it reproduces.
"""

import contextlib
import re
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from drafting.models import Delegation, Element, Proposal, ProposalMark
from drafting.services import decisions, elements
from drafting.services.gate import open_gate
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create, proposal_revise
from tests.factories import chairs_office, delegate_of, revised

THEME = "Effective control over SALW"


def _submit(user, element, text: str, **extra) -> Proposal:
    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind="amend", proposed_text=text, **extra),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_mark_does_not_deadlock_with_a_gated_writer(bms7, round_1):
    """Reproduces: ``mark_set`` (and ``mark_confirm``, ``mark_clear``) lock the proposal with
    ``select_for_update().select_related("document")``, which takes FOR UPDATE on the joined
    Document row too, after the proposal's row: the opposite of the write gate's order.

    A chair's gated write holds the document (FOR NO KEY UPDATE) and is about to lock the
    proposal; a delegation marks the proposal at that moment: it locks the proposal, then
    waits for the document. The chair then asks for the proposal: PostgreSQL detects a
    deadlock and aborts one of them. Expected: the mark waits for the chair, both succeed.
    """
    element = Element.objects.get(text=THEME)
    japan, india = delegate_of("jpn"), delegate_of("ind")
    proposal = _submit(japan, element, "Effective [alpha] control over SALW")
    outcome: dict[str, object] = {}
    gate_open = threading.Event()

    def chairs_write() -> None:
        try:
            with transaction.atomic():
                gate = open_gate(proposal.document_id)
                gate_open.set()
                time.sleep(1.0)  # the delegation's mark arrives meanwhile
                gate.proposals([proposal.pk])
            outcome["chair"] = "done"
        except Exception as error:
            outcome["chair"] = error
        finally:
            connection.close()

    def delegations_mark() -> None:
        try:
            gate_open.wait(timeout=10)
            mark_set(user=india, proposal=proposal, stance="support")
            outcome["mark"] = "done"
        except Exception as error:
            outcome["mark"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=chairs_write), threading.Thread(target=delegations_mark)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"chair": "done", "mark": "done"}


def _form_fields(page: str, form_class: str) -> dict[str, str]:
    """The hidden fields (and the submit button's name) of one form of a page, as a browser
    would post them, without the CSRF token (the test client does not check it)."""
    form = re.search(rf'<form[^>]*class="{form_class}".*?</form>', page, re.S)
    assert form is not None, form_class
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


@pytest.mark.django_db
def test_support_is_given_to_the_version_read_not_to_a_revision_made_meanwhile(bms7, open_round):
    """Reproduces: the mark form carries no version; ``mark_set`` gives the mark to whatever
    version the proposal has when the POST arrives (issue #14.2 under a race).

    Japan reads Kenya's proposal at version 2 and presses "Record our position" (support);
    meanwhile Kenya revised it to version 3, the opposite meaning. Japan's support is recorded
    for version 3, counted as current support of a text Japan never read, and Japan is never
    told (Kenya's revision told only the marks that existed then). Expected: the support
    is refused as stale (or given to version 2 only), never counted for version 3.
    """
    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    element = Element.objects.get(text=THEME)
    proposal = _submit(kenya, element, "Effective [strict] control over SALW")
    revised(kenya, proposal, "Effective [stricter] control over SALW")
    client = Client()
    client.force_login(japan)
    url = reverse("proposal_detail", args=[bms7.slug, proposal.public_id])
    page = client.get(url).content.decode()
    assert "version 2" in page
    fields = _form_fields(page, "mark-form")
    revised(kenya, proposal, "Effective [no] control over SALW")  # meanwhile: version 3
    response = client.post(
        reverse("proposal_mark", args=[bms7.slug, proposal.public_id]),
        {**fields, "stance": "support", "note": "Our capital agrees"},
    )
    counted = ProposalMark.objects.filter(proposal=proposal, version=3).exists()
    assert not counted, "Japan's support counts for version 3, which it never read"
    assert response.status_code == 409
    assert "Our capital agrees" in response.content.decode()


@pytest.mark.django_db
def test_confirming_a_mark_confirms_the_version_the_button_named(bms7, open_round):
    """Reproduces: the "Support version 2 too" button carries no version; ``mark_confirm``
    gives the mark to the version current when the POST arrives.

    Japan supported version 1; Kenya revised to version 2; Japan's page offers "Support
    version 2 too". Meanwhile Kenya revises to version 3. Japan presses the button: its
    support is recorded for version 3, never read, and counted. Expected: not for version 3.
    """
    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    element = Element.objects.get(text=THEME)
    proposal = _submit(kenya, element, "Effective [strict] control over SALW")
    mark_set(user=japan, proposal=proposal, stance="support")
    revised(kenya, proposal, "Effective [stricter] control over SALW")
    client = Client()
    client.force_login(japan)
    page = client.get(reverse("proposal_detail", args=[bms7.slug, proposal.public_id]))
    page = page.content.decode()
    assert "Support version 2 too" in page
    fields = _form_fields(page, "mark-confirm-form")
    revised(kenya, proposal, "Effective [no] control over SALW")  # meanwhile: version 3
    client.post(
        reverse("proposal_mark", args=[bms7.slug, proposal.public_id]),
        {**fields, "confirm": "1"},
    )
    mark = ProposalMark.objects.get(proposal=proposal)
    assert mark.version != 3, "Japan's support counts for version 3, which it never read"


@pytest.mark.django_db
def test_a_co_sponsor_accepts_the_text_it_read_not_a_revision_made_meanwhile(bms7, open_round):
    """Reproduces: the Accept button of an invitation carries no version, and an invitation
    still awaiting an answer is not re-sent when the text changes (only accepted ones are):
    accepting names the delegation as co-sponsor of whatever the text is when the POST arrives.

    Japan invites Kenya to co-sponsor "[strict] control". Kenya reads the invitation on
    My delegation. Meanwhile Japan revises the text to "[no] control" (Kenya is not told).
    Kenya presses Accept: it is shown as co-sponsor of "[no] control", a text it never read.
    Expected: the acceptance is refused as stale (Kenya is shown the new text first).
    """
    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    element = Element.objects.get(text=THEME)
    proposal = _submit(
        japan,
        element,
        "Effective [strict] control over SALW",
        co_sponsors=[Delegation.objects.get(code="ken")],
    )
    client = Client()
    client.force_login(kenya)
    page = client.get(reverse("delegation_page", args=[bms7.slug])).content.decode()
    assert "[strict]" in page
    form = re.search(r'<form[^>]*action="[^"]*/cosponsorship/".*?</form>', page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields.pop("csrfmiddlewaretoken", None)
    proposal.refresh_from_db()
    proposal_revise(  # meanwhile
        user=japan,
        proposal=proposal,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective [no] control over SALW",
            co_sponsors=[Delegation.objects.get(code="ken")],
        ),
        expected_version=proposal.version,
    )
    client.post(
        reverse("proposal_cosponsorship", args=[bms7.slug, proposal.public_id]),
        {**fields, "action": "accept"},
    )
    proposal.refresh_from_db()
    assert not proposal.co_sponsors.filter(code="ken").exists(), (
        "Kenya is shown as co-sponsor of a text it never read"
    )


@pytest.mark.django_db
def test_undoing_an_insertion_does_not_orphan_what_was_built_inside_it(bms7, open_round):
    """Reproduces: ``decision_undo`` of an accepted insertion checks only the changes made to
    the inserted element itself. The chair's office accepted Kenya's new theme, then wrote a
    sub-theme inside it. Undoing Kenya's decision "restores exactly": the theme is marked
    deleted, while the chair's sub-theme stays live under a deleted theme (the working draft
    is not what it was before the decision, and no conflict is shown). Expected: a conflict,
    as for any change made on top of the decision, and nothing written.
    """
    from drafting.web.errors import MergeConflict

    kenya = delegate_of("ken")
    chair = chairs_office()
    element = Element.objects.get(text=THEME)
    proposal = proposal_create(
        user=kenya,
        element=element,
        content=ProposalContent(
            kind="insert_after", proposed_text="Marking and tracing", new_element_kind="theme"
        ),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    (inserted,) = decisions.proposal_accept(user=chair, proposals=[proposal])
    child = elements.element_insert(
        user=chair, after=inserted, kind="subtheme", text="Record keeping by the chair"
    )
    assert child.parent_id == inserted.pk
    proposal.refresh_from_db()
    with pytest.raises(MergeConflict):
        decisions.decision_undo(user=chair, proposal=proposal)
    inserted.refresh_from_db()
    assert inserted.status != "deleted"


@pytest.mark.django_db
def test_a_deferral_carried_by_an_issued_revision_cannot_be_undone(bms7, open_round):
    """Reproduces: ``decision_undo`` refuses a decision "already carried by an issued
    revision" by ``reflected_in``, which issuing sets for accepted and rejected proposals
    only. A deferral made before Rev.1 (carried forward into it as deferred) can still be
    undone after Rev.1 is issued, and review keeps offering "Undo" for it forever (issue
    #15.4: a decision can be undone until the next revision is issued). Expected: refused.
    """
    from drafting.services.revisions import revision_issue
    from drafting.web.errors import DomainError

    kenya = delegate_of("ken")
    chair = chairs_office()
    element = Element.objects.get(text=THEME)
    proposal = _submit(kenya, element, "Effective [strict] control over SALW")
    decisions.proposal_defer(user=chair, proposal=proposal)
    revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,", export_pdf=False
    )
    proposal.refresh_from_db()
    assert proposal.status == "deferred"
    with pytest.raises(DomainError):
        decisions.decision_undo(user=chair, proposal=proposal)


@pytest.mark.django_db
def test_an_admin_edit_of_the_documents_preamble_goes_through_the_write_gate(bms7):
    """Reproduces: the secretariat changes the document's preamble (printed above the
    working draft, frozen into every revision's snapshot) in the admin with a plain
    ``save()``: no write gate, no ``Document.version`` bump. A chair's issue form opened
    before the change still issues, with a preamble the chair never saw (issue #15.1/#15.3:
    every write to the working draft goes through the gate; a stale form issues nothing).
    The admin's save also writes back the version it read, so a gated write committed
    meanwhile can be rolled back to an older version. Expected: the issue form is stale.
    """
    from django.test import Client as BrowserClient

    from drafting.models import Document, Revision
    from tests.factories import issue_form_fields, secretariat

    chair = chairs_office()
    fields = issue_form_fields()  # the chair opens the issue form
    clerk = BrowserClient()
    clerk.force_login(secretariat())
    document = Document.objects.get(pk=bms7.document.pk)
    response = clerk.post(
        reverse("admin:drafting_document_change", args=[document.pk]),
        {
            "meeting": bms7.pk,
            "title": document.title,
            "preamble": "Without prejudice; the secretariat's new words",
        },
    )
    assert response.status_code == 302
    client = Client()
    client.force_login(chair)
    client.post(
        reverse("issue_revision", args=[bms7.slug]),
        {"cover_letter": "Excellency,", "confirm": "1", **fields},
    )
    issued = Revision.objects.filter(document=document, number=1).first()
    assert issued is None, "issued from a form shown before the preamble changed"


@pytest.mark.django_db
def test_undoing_a_decision_on_a_deferred_proposal_returns_it_to_deferred(bms7, open_round):
    """Reproduces: ``decision_undo`` always reopens the proposal as *submitted*. The chair's
    office deferred Kenya's proposal, later accepted it by a misclick, and undid that: the
    proposal is now "submitted", not "deferred" as it was before the misclick, so its
    marks thaw (other delegations can change them again) and the deferral is lost from the
    record (issue #15.4: an undo takes back the decision, exactly). Expected: deferred.
    """
    kenya = delegate_of("ken")
    chair = chairs_office()
    element = Element.objects.get(text=THEME)
    proposal = _submit(kenya, element, "Effective [strict] control over SALW")
    decisions.proposal_defer(user=chair, proposal=proposal, note="Later in the week")
    proposal.refresh_from_db()
    decisions.proposal_accept(user=chair, proposals=[proposal])
    proposal.refresh_from_db()
    decisions.decision_undo(user=chair, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "deferred"
    assert proposal.decision_note == "Later in the week"


@pytest.mark.django_db
def test_a_draft_submitted_after_a_revision_is_in_that_revisions_compilation(bms7, open_round):
    """Reproduces: issuing carries open proposals forward onto the new revision, but not
    drafts (they are private). A draft written before Rev.1 and submitted after it keeps
    Rev.0 as its base revision: the compilation of proposals made against Rev.1 (page and
    PDF, ``base_revision=revision``) leaves it out, and it lands in Rev.0's compilation,
    already superseded. Expected: submitted after Rev.1, it is a proposal on Rev.1 (or is
    refused until rebased), never filed under Rev.0.
    """
    from drafting.services.proposals import proposal_submit
    from drafting.services.revisions import revision_issue

    kenya = delegate_of("ken")
    chair = chairs_office()
    element = Element.objects.get(text=THEME)
    draft = proposal_create(
        user=kenya,
        element=element,
        content=ProposalContent(kind="amend", proposed_text="Effective [strict] control over SALW"),
        idempotency_key=uuid.uuid4(),
        submit=False,
    )
    rev1 = revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,", export_pdf=False
    )
    from drafting.web.errors import DomainError

    try:
        proposal_submit(user=kenya, proposal=Proposal.objects.get(pk=draft.pk))
    except DomainError:  # refused until rebased: acceptable
        return
    draft.refresh_from_db()
    assert draft.base_revision_id == rev1.pk


@pytest.mark.django_db
def test_an_issue_form_with_a_number_not_yet_reached_is_refused_not_a_server_error(bms7):
    """Reproduces: the issue form's hidden ``number`` set to a number ahead of the next one
    (a hostile or garbled form; 5 when Rev.1 is next) raises ``RevisionIssuedMeanwhile`` with
    the last revision, the zero draft, whose ``issued_by`` is empty: its message calls
    ``None.get_full_name()`` and the page is a 500. It also claims the zero draft "was issued
    meanwhile". Expected: a refusal (4xx) with the form, nothing issued.
    """
    from drafting.models import Revision
    from tests.factories import issue_form_fields

    client = Client(raise_request_exception=False)
    client.force_login(chairs_office())
    fields = issue_form_fields()
    assert Revision.objects.get(number=0).issued_by is None
    response = client.post(
        reverse("issue_revision", args=[bms7.slug]),
        {
            "cover_letter": "Excellency,",
            "confirm": "1",
            "number": str(int(fields["number"]) + 4),
            "draft_version": fields["draft_version"],
        },
    )
    assert response.status_code in {409, 422}
    assert "Excellency," in response.content.decode()
    assert not Revision.objects.filter(number__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_two_delegations_accepting_each_others_invitations_do_not_deadlock(
    bms7, round_1, monkeypatch
):
    """Reproduces: ``_locked_invitation`` locks the proposal with
    ``select_for_update().select_related("delegation")``, which takes FOR UPDATE on the
    *proposing delegation's* row as well. Japan accepts to co-sponsor Kenya's proposal (Kenya's
    row locked) while Kenya accepts to co-sponsor Japan's (Japan's row locked); each then
    reads its invitation with ``select_related("delegation")`` under FOR UPDATE too, which
    locks its own delegation's row, held by the other: PostgreSQL aborts one with
    "deadlock detected".
    Expected: both acceptances go through.
    """
    from drafting.services import cosponsorship

    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    element = Element.objects.get(text=THEME)
    ken, jpn = Delegation.objects.get(code="ken"), Delegation.objects.get(code="jpn")
    of_kenya = _submit(kenya, element, "Effective [alpha] control over SALW", co_sponsors=[jpn])
    of_japan = _submit(japan, element, "Effective [beta] control over SALW", co_sponsors=[ken])
    both_locked = threading.Barrier(2)
    invitations = cosponsorship.CoSponsorInvitation

    class Together:
        """Each acceptance reads its invitation once both hold their proposal's lock."""

        @property
        def objects(self):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_locked.wait(timeout=3)
            return invitations.objects

    monkeypatch.setattr(cosponsorship, "CoSponsorInvitation", Together())
    outcome: dict[str, object] = {}

    def accept(name: str, user, proposal) -> None:
        try:
            cosponsorship.cosponsorship_accept(user=user, proposal=proposal)
            outcome[name] = "done"
        except Exception as error:
            outcome[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=("japan", japan, of_kenya)),
        threading.Thread(target=accept, args=("kenya", kenya, of_japan)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"japan": "done", "kenya": "done"}


@pytest.mark.django_db
def test_review_does_not_offer_to_undo_a_deferral_carried_by_an_issued_revision(bms7, open_round):
    """Reproduces: the review page lists as "can still be corrected" every decision with no
    ``reflected_in``, so a deferral carried forward by Rev.1 keeps its "Undo the decision"
    button, which can only fail. Expected: not offered."""
    from drafting.services.revisions import revision_issue

    kenya = delegate_of("ken")
    chair = chairs_office()
    element = Element.objects.get(text=THEME)
    proposal = _submit(kenya, element, "Effective [strict] control over SALW")
    decisions.proposal_defer(user=chair, proposal=proposal)
    client = Client()
    client.force_login(chair)
    url = reverse("element_review", args=[bms7.slug, element.pk])
    assert "Decisions that can still be corrected" in client.get(url).content.decode()
    revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,", export_pdf=False
    )
    assert "Decisions that can still be corrected" not in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_delegations_revising_their_co_sponsors_at_once_do_not_deadlock(
    bms7, round_1, monkeypatch
):
    """Reproduces: ``invitations_sync`` locks a proposal's invitations with
    ``select_for_update().select_related("delegation")``, which locks the invited
    delegations' rows too (FOR UPDATE). Kenya's proposal already invites Brazil and Japan's
    already invites Mexico; Kenya now also names Mexico while Japan now also names Brazil.
    Each holds the row of the delegation the other newly invites, whose new invitation needs
    a KEY SHARE lock on it (the foreign key, checked at commit): "deadlock detected".
    Expected: both revisions go through.
    """
    from drafting.services import cosponsorship

    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    element = Element.objects.get(text=THEME)
    bra, mex = Delegation.objects.get(code="bra"), Delegation.objects.get(code="mex")
    of_kenya = _submit(kenya, element, "Effective [alpha] control over SALW", co_sponsors=[bra])
    # On another element: two revisions on one element are served in turn (its row lock).
    other = Element.objects.filter(document=bms7.document, kind="theme").exclude(pk=element.pk)
    other = other.exclude(text="").first()
    of_japan = _submit(japan, other, other.text + " [beta]", co_sponsors=[mex])
    both_locked = threading.Barrier(2)
    audit = cosponsorship._audit

    def audit_together(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_locked.wait(timeout=3)  # both hold their invitations' delegations now
        return audit(*args, **kwargs)

    monkeypatch.setattr(cosponsorship, "_audit", audit_together)
    outcome: dict[str, object] = {}

    def name_also(name: str, user, proposal, sponsors) -> None:
        try:
            proposal_revise(
                user=user,
                proposal=proposal,
                content=ProposalContent(
                    kind="amend", proposed_text=proposal.proposed_text, co_sponsors=sponsors
                ),
                expected_version=proposal.version,
            )
            outcome[name] = "done"
        except Exception as error:
            outcome[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=name_also, args=("kenya", kenya, of_kenya, [bra, mex])),
        threading.Thread(target=name_also, args=("japan", japan, of_japan, [mex, bra])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"kenya": "done", "japan": "done"}
