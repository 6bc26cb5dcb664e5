"""Every URL and every action, for anonymous, a delegate of the owning delegation, a delegate of
another delegation, the chair's office and the secretariat: the expected outcome of each cell.

A URL pattern without an entry in MATRIX fails the test, so a new page cannot ship without
deciding who may use it. Each cell runs in a savepoint that is rolled back, so actions that
succeed do not change what the next cell sees. Objects of another meeting are not reachable
through this meeting's URLs by guessing their ids.
"""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from drafting.models import (
    MAIL_KINDS,
    AuditEvent,
    Delegation,
    Element,
    ExportJob,
    Invitation,
    Proposal,
    Revision,
    RevisionFile,
)
from drafting.services.exports import export_job_request, revision_file_get_or_create
from drafting.services.proposals import ProposalContent, proposal_create, proposal_discard
from drafting.services.revisions import revision_issue
from tests.factories import (
    DocumentFactory,
    MeetingFactory,
    add_elements,
    chairs_office,
    delegate_of,
    secretariat,
)

ROLES = ("anonymous", "own_delegate", "other_delegate", "chair", "secretariat")

# Outcomes: "ok" (2xx, or a redirect that is not to sign in), "login" (sent to sign in),
# "deny" (403 or 404: nothing shown, nothing done).
OK, LOGIN, DENY = "ok", "login", "deny"


def row(anonymous: str, own: str, other: str, chair: str, secretariat_: str) -> dict[str, str]:
    return dict(zip(ROLES, (anonymous, own, other, chair, secretariat_), strict=True))


PUBLIC = row(OK, OK, OK, OK, OK)
MEMBERS = row(LOGIN, OK, OK, OK, OK)  # everyone with a role in the meeting
DELEGATES = row(LOGIN, OK, OK, DENY, DENY)
OWNER = row(LOGIN, OK, DENY, DENY, DENY)
CHAIR = row(LOGIN, DENY, DENY, OK, DENY)
SECRETARIAT = row(LOGIN, DENY, DENY, DENY, OK)


@dataclass
class Case:
    method: str
    path: Callable[["World"], str]
    expected: dict[str, str]
    data: Callable[["World"], dict] = lambda world: {}
    headers: dict | None = None


@dataclass
class World:
    slug: str
    element: Element
    draft: Proposal
    discarded: Proposal
    submitted: Proposal
    job: ExportJob
    foreign_element: Element
    foreign_proposal: Proposal


def _url(name: str, *args) -> Callable[[World], str]:
    def build(world: World) -> str:
        values = [arg(world) if callable(arg) else arg for arg in args]
        return reverse(name, args=[world.slug, *values])

    return build


def _key() -> str:
    return str(uuid.uuid4())


def _pending_invitation(role: str = "delegate") -> Invitation:
    """A fresh pending invitation (made when the cell's path is built)."""
    from drafting.models.invitation import token_hash

    token = _key()
    invitation = Invitation.objects.create(
        email=f"{token[:8]}@example.org",
        role=role,
        delegation=Delegation.objects.get(code="ken") if role == "delegate" else None,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    invitation.token = token  # type: ignore[attr-defined]
    return invitation


def _a_delegate_of_kenya() -> int:
    return delegate_of("ken").pk


# A focal point of the owning delegation is tested in tests/views/test_invitations.py; here
# the own delegate is not one.
STAFF_ONLY = row(LOGIN, DENY, DENY, DENY, OK)


# URL name → the cases that exercise it. Keys of the admin site are matched by namespace.
MATRIX: dict[str, list[Case]] = {
    "home": [Case("get", lambda w: reverse("home"), PUBLIC)],
    "audit_trail": [Case("get", lambda w: reverse("audit_trail"), SECRETARIAT)],
    "meeting_create": [
        Case("get", lambda w: reverse("meeting_create"), SECRETARIAT),
        Case(
            "post",
            lambda w: reverse("meeting_create"),
            SECRETARIAT,
            lambda w: {
                "title": "Another meeting",
                "short_title": "Another",
                "symbol_prefix": "A/X",
                "venue": "Vienna",
                "start_date": "2026-06-08",
                "end_date": "2026-06-09",
                "time_zone": "Europe/Vienna",
            },
        ),
    ],
    "meeting_setup": [
        Case("get", _url("meeting_setup"), SECRETARIAT),
        Case(
            "post",
            _url("meeting_setup"),
            SECRETARIAT,
            lambda w: {
                "section": "participants",
                "delegations": list(Delegation.objects.values_list("pk", flat=True)),
            },
        ),
    ],
    "working_draft": [Case("get", _url("working_draft"), MEMBERS)],
    "revision_list": [Case("get", _url("revision_list"), PUBLIC)],
    "revision_detail": [Case("get", _url("revision_detail", 1), PUBLIC)],
    "revision_pdf": [Case("get", _url("revision_pdf", 1), PUBLIC)],
    "revision_pdf_kind": [
        Case("get", _url("revision_pdf_kind", 1, "redline"), PUBLIC),
        Case("get", _url("revision_pdf_kind", 1, "compilation"), MEMBERS),
    ],
    "revision_file": [
        Case("get", _url("revision_file", 1, "redline.docx"), PUBLIC),
        Case("get", _url("revision_file", 1, "revision.akn"), PUBLIC),
        Case("get", _url("revision_file", 1, "compilation.docx"), MEMBERS),
    ],
    "compilation_file": [
        Case(
            "get",
            _url(
                "compilation_file",
                1,
                lambda w: RevisionFile.objects.get(revision__number=1, kind="compilation").pk,
            ),
            MEMBERS,
        )
    ],
    "export_request": [
        Case("post", _url("export_request", 1), PUBLIC, lambda w: {"kind": "redline"}),
        Case(
            "post",
            _url("export_request", 1),
            row(DENY, OK, OK, OK, OK),
            lambda w: {"kind": "compilation"},
        ),
        Case(
            "post",
            _url("export_request", 1),
            row(DENY, OK, OK, OK, OK),
            lambda w: {"kind": "compilation.docx"},
        ),
    ],
    "export_status": [Case("get", _url("export_status", lambda w: w.job.pk), PUBLIC)],
    "element_history": [
        Case("get", _url("element_history", lambda w: w.element.pk), MEMBERS),
        Case(
            "get",
            _url("element_history", lambda w: w.foreign_element.pk),
            row(LOGIN, *[DENY] * 4),
        ),
    ],
    "propose": [
        Case("get", _url("propose", lambda w: w.element.pk), DELEGATES),
        Case(
            "post",
            _url("propose", lambda w: w.element.pk),
            DELEGATES,
            lambda w: {
                "kind": "amend",
                "proposed_text": w.element.text + " [as appropriate]",
                "base_text_seen": w.element.text,
                "idempotency_key": _key(),
                "submit": "1",
            },
        ),
        Case("get", _url("propose", lambda w: w.foreign_element.pk), row(LOGIN, *[DENY] * 4)),
    ],
    "element_proposals": [Case("get", _url("element_proposals", lambda w: w.element.pk), MEMBERS)],
    "diff_preview": [
        Case(
            "post",
            _url("diff_preview", lambda w: w.element.pk),
            DELEGATES,
            lambda w: {"kind": "amend", "proposed_text": "New words"},
        )
    ],
    "co_sponsor_options": [
        Case(
            "get",
            _url("co_sponsor_options"),
            DELEGATES,
            lambda w: {"co_sponsor_search": "a"},
            headers={"HX-Request": "true"},
        )
    ],
    "proposal_detail": [
        Case("get", _url("proposal_detail", lambda w: w.draft.public_id), OWNER),
        Case("get", _url("proposal_detail", lambda w: w.discarded.public_id), OWNER),
        Case("get", _url("proposal_detail", lambda w: w.submitted.public_id), MEMBERS),
        Case(
            "get",
            _url("proposal_detail", lambda w: w.foreign_proposal.public_id),
            row(LOGIN, *[DENY] * 4),
        ),
        Case("get", _url("proposal_detail", lambda w: uuid.uuid4()), row(LOGIN, *[DENY] * 4)),
    ],
    "proposal_edit": [
        Case("get", _url("proposal_edit", lambda w: w.draft.public_id), OWNER),
        Case(
            "post",
            _url("proposal_edit", lambda w: w.draft.public_id),
            OWNER,
            lambda w: {
                "kind": "amend",
                "proposed_text": w.element.text + " [revised]",
                "base_text_seen": w.element.text,
                "idempotency_key": _key(),
                "version": w.draft.history.count(),
            },
        ),
        Case("get", _url("proposal_edit", lambda w: w.submitted.public_id), OWNER),
        Case(
            "get",
            _url("proposal_edit", lambda w: w.discarded.public_id),
            row(LOGIN, OK, DENY, DENY, DENY),  # its own delegation is told it cannot change
        ),
    ],
    "proposal_action": [
        Case("post", _url("proposal_action", lambda w: w.draft.public_id, "submit"), OWNER),
        Case("post", _url("proposal_action", lambda w: w.draft.public_id, "discard"), OWNER),
        Case("post", _url("proposal_action", lambda w: w.submitted.public_id, "withdraw"), OWNER),
    ],
    "proposal_mark": [
        Case(
            "post",
            _url("proposal_mark", lambda w: w.submitted.public_id),
            row(LOGIN, DENY, OK, DENY, DENY),
            lambda w: {"stance": "support"},
        ),
        Case(
            "post",
            _url("proposal_mark", lambda w: w.draft.public_id),
            row(LOGIN, DENY, DENY, DENY, DENY),
            lambda w: {"stance": "support"},
        ),
    ],
    # Only the invited delegation (Mexico, named by Japan) answers; a draft's names are not
    # sent, so nobody answers for its co-sponsors.
    "proposal_cosponsorship": [
        Case(
            "post",
            _url("proposal_cosponsorship", lambda w: w.submitted.public_id),
            row(LOGIN, DENY, OK, DENY, DENY),
            lambda w: {"action": "accept"},
        ),
        Case(
            "post",
            _url("proposal_cosponsorship", lambda w: w.draft.public_id),
            row(LOGIN, DENY, DENY, DENY, DENY),
            lambda w: {"action": "accept"},
        ),
    ],
    "delegation_page": [Case("get", _url("delegation_page"), DELEGATES)],
    # Only delegates receive notices, so only they choose how they are e-mailed.
    "mail_preferences": [
        Case("get", lambda w: reverse("mail_preferences"), DELEGATES),
        Case(
            "post",
            lambda w: reverse("mail_preferences"),
            DELEGATES,
            lambda w: dict.fromkeys(MAIL_KINDS, "off"),
        ),
    ],
    "meeting_mail_preferences": [
        Case("get", _url("meeting_mail_preferences"), DELEGATES),
        Case(
            "post",
            _url("meeting_mail_preferences"),
            DELEGATES,
            lambda w: dict.fromkeys(MAIL_KINDS, "digest"),
        ),
    ],
    # The secretariat is sent back to its meetings list (a redirect, not a refusal).
    "desk": [Case("get", _url("desk"), MEMBERS)],
    # The desk's live part: the secretariat has no desk (its page sends it to the list).
    "desk_live": [Case("get", _url("desk_live"), row(LOGIN, OK, OK, OK, DENY))],
    "landing": [Case("get", lambda w: reverse("landing"), MEMBERS)],
    # Not decided: the owner's empty reply is judged (422); nobody else may reply.
    "decision_reply": [
        Case("post", _url("decision_reply", lambda w: w.submitted.public_id), OWNER),
        Case("post", _url("decision_reply", lambda w: w.draft.public_id), OWNER),
    ],
    "rounds": [
        Case("get", _url("rounds"), MEMBERS),
        Case(
            "post",
            _url("rounds"),
            row(LOGIN, DENY, DENY, DENY, OK),
            lambda w: {
                "form": "open",
                "name": "Round 2",
                "opens_at": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "deadline": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                "idempotency_key": _key(),
            },
        ),
    ],
    "compilation": [Case("get", _url("compilation"), MEMBERS)],
    "quick_decision": [
        Case(
            "post",
            _url("quick_decision"),
            CHAIR,
            lambda w: {
                "proposal": str(w.submitted.public_id),
                "action": "defer",
                "note": "Later",
                "idempotency_key": _key(),
            },
        )
    ],
    "element_review": [
        Case("get", _url("element_review", lambda w: w.element.pk), CHAIR),
        Case(
            "get", _url("element_review", lambda w: w.foreign_element.pk), row(LOGIN, *[DENY] * 4)
        ),
    ],
    "issue_revision": [Case("get", _url("issue_revision"), CHAIR)],
    "document_import": [Case("get", _url("document_import"), SECRETARIAT)],
    "compare": [Case("get", lambda w: reverse("compare", args=[w.slug]) + "?from=0&to=1", PUBLIC)],
    "search": [Case("get", lambda w: reverse("search", args=[w.slug]) + "?query=arms", PUBLIC)],
    "login": [Case("get", lambda w: reverse("login"), PUBLIC)],
    "invitation_list": [
        Case("get", _url("invitation_list"), STAFF_ONLY),
        Case("get", lambda w: reverse("invitation_list"), STAFF_ONLY),
    ],
    "invitation_create": [
        Case("get", _url("invitation_create"), STAFF_ONLY),
        Case("get", lambda w: reverse("invitation_create"), STAFF_ONLY),
        Case(
            "post",
            _url("invitation_create"),
            STAFF_ONLY,
            lambda w: {
                "email": f"{_key()[:8]}@example.org",
                "role": "delegate",
                "delegation": Delegation.objects.get(code="ken").pk,
            },
        ),
    ],
    "invitation_revoke": [
        Case("post", _url("invitation_revoke", lambda w: _pending_invitation().pk), STAFF_ONLY),
        Case(
            "post",
            lambda w: reverse("invitation_revoke", args=[_pending_invitation().pk]),
            STAFF_ONLY,
        ),
    ],
    "delegate_deactivate": [
        Case("post", _url("delegate_deactivate", lambda w: _a_delegate_of_kenya()), STAFF_ONLY),
        Case(
            "post",
            lambda w: reverse("delegate_deactivate", args=[_a_delegate_of_kenya()]),
            STAFF_ONLY,
        ),
    ],
    # A new account's page: anyone signed in is told to sign out first (nothing changes).
    "invitation_accept": [
        Case(
            "get",
            lambda w: reverse("invitation_accept", args=[_pending_invitation("secretariat").token]),
            row(OK, *["HTTP 409"] * 4),
        )
    ],
    "password_reset": [Case("get", lambda w: reverse("password_reset"), PUBLIC)],
    "password_reset_done": [Case("get", lambda w: reverse("password_reset_done"), PUBLIC)],
    "password_reset_confirm": [
        Case("get", lambda w: reverse("password_reset_confirm", args=["MQ", "set-x"]), PUBLIC)
    ],
    "password_reset_complete": [Case("get", lambda w: reverse("password_reset_complete"), PUBLIC)],
    "second_factor": [Case("get", lambda w: reverse("second_factor"), row(*[LOGIN] * 5))],
    # The chair's office and the secretariat enrol theirs from an invitation, not here.
    "second_factor_setup": [
        Case("get", lambda w: reverse("second_factor_setup"), row(LOGIN, OK, OK, DENY, DENY))
    ],
    "logout": [Case("post", lambda w: reverse("logout"), PUBLIC)],
    "password_change": [Case("get", lambda w: reverse("password_change"), MEMBERS)],
    "password_change_done": [Case("get", lambda w: reverse("password_change_done"), MEMBERS)],
    # The admin: only the secretariat (staff) gets in; everyone else is sent to sign in.
    "admin:": [
        Case("get", lambda w: "/admin/", row(LOGIN, LOGIN, LOGIN, LOGIN, OK)),
        Case(
            "get",
            lambda w: reverse("admin:drafting_auditevent_changelist"),
            row(LOGIN, LOGIN, LOGIN, LOGIN, OK),
        ),
    ],
}
# The admin's login page redirects to the one sign-in (two steps, second factor).
UNNAMED_ALLOWED = {"admin/login/"}


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str = "", prefix: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:")
                    continue
                walk(pattern.url_patterns, namespace, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    names.add(namespace + pattern.name)
                elif prefix + str(pattern.pattern) not in UNNAMED_ALLOWED:
                    names.add(f"<unnamed {prefix}{pattern.pattern}>")

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_an_entry_in_the_matrix():
    """A new page or action must say who may use it before it ships."""
    missing = _all_url_names() - set(MATRIX)
    assert not missing, f"URLs without an authorization entry: {sorted(missing)}"
    stale = set(MATRIX) - _all_url_names()
    assert not stale, f"Entries for URLs that no longer exist: {sorted(stale)}"


def _outcome(response) -> str:
    if response.status_code in {401, 403, 404}:
        return DENY
    location = response.get("Location", "")
    if response.status_code in {301, 302, 303} and location.startswith(
        (reverse("login"), "/admin/login/")
    ):
        return LOGIN
    if response.status_code < 400 or response.status_code == 422:
        return OK  # 422: allowed, and the input was judged (not refused for who asked)
    return f"HTTP {response.status_code}"


@pytest.fixture
def world(bms7, open_round) -> World:
    chair = chairs_office(username="chair")
    document = bms7.document
    revision_issue(issued_by=chair, document=document, cover_letter="Excellency,", export_pdf=False)
    japan = delegate_of("jpn", username="japan")
    element = Element.objects.get(text="Effective control over SALW")

    mexico = Delegation.objects.get(code="mex")

    def propose(user, text: str, submit: bool, target: Element = element) -> Proposal:
        return proposal_create(
            user=user,
            element=target,
            idempotency_key=uuid.uuid4(),
            submit=submit,
            content=ProposalContent(kind="amend", proposed_text=text, co_sponsors=[mexico]),
        )

    draft = propose(japan, "Effective [national] control over SALW", submit=False)
    discarded = proposal_discard(
        user=japan, proposal=propose(japan, "Effective [fallback] control", submit=False)
    )
    submitted = propose(japan, "Effective control over all SALW", submit=True)
    clerk = secretariat(username="clerk")
    revision = Revision.objects.get(document=document, number=1)
    # Stored once, outside the savepoints.
    for kind in (
        "revision",
        "redline",
        "compilation",
        "redline.docx",
        "revision.akn",
        "compilation.docx",
    ):
        revision_file_get_or_create(meeting=bms7, revision=revision, kind=kind)
    job = export_job_request(user=clerk, meeting=bms7, revision=revision, kind="revision")

    other_meeting = MeetingFactory(slug="other")
    other_document = DocumentFactory(meeting=other_meeting)
    add_elements(other_document, agenda_items=1, themes_per_item=1)
    foreign_element = Element.objects.filter(document=other_document).last()
    foreign_proposal = Proposal.objects.create(
        document=other_document,
        base_revision=revision,
        element=foreign_element,
        kind="amend",
        author=japan,
        delegation=japan.delegate_profile.delegation,
        idempotency_key=uuid.uuid4(),
        status="submitted",
        submitted_at=timezone.now(),
    )
    return World(
        slug=bms7.slug,
        element=element,
        draft=draft,
        discarded=discarded,
        submitted=submitted,
        job=job,
        foreign_element=foreign_element,
        foreign_proposal=foreign_proposal,
    )


def test_each_role_gets_exactly_the_expected_outcome_on_every_url_and_action(world):
    """One row per URL and action, one column per role; every cell is checked."""
    users = {
        "anonymous": None,
        "own_delegate": world.draft.author,
        "other_delegate": delegate_of("mex", username="mexico"),
        "chair": chairs_office(username="chair2"),
        "secretariat": secretariat(username="clerk2"),
    }
    # Each role signs in once; every cell starts from a copy of its session cookie. A cell's
    # requests roll back with its savepoint (a sign-out's deleted session, a rotated key), so
    # each starts from the same session, as after signing in afresh.
    sessions = {}
    for role, user in users.items():
        signed_in = Client()
        if user is not None:
            signed_in.force_login(user)
        sessions[role] = signed_in.cookies
    wrong: list[str] = []
    cells = 0
    for name, cases in MATRIX.items():
        for case in cases:
            for role in ROLES:
                client = Client()
                client.cookies = copy.deepcopy(sessions[role])
                path = case.path(world)
                with transaction.atomic():  # a savepoint, rolled back below
                    events_before = AuditEvent.objects.count()
                    send = getattr(client, case.method)
                    response = send(path, case.data(world), headers=case.headers or {})
                    got = _outcome(response)
                    if got == DENY and case.method == "post":
                        # A refused action leaves no trace of itself but, at most, the refusal.
                        assert AuditEvent.objects.count() == events_before, (name, role)
                    transaction.set_rollback(True)
                cells += 1
                if got != case.expected[role]:
                    wrong.append(
                        f"{case.method.upper()} {path} as {role}: expected "
                        f"{case.expected[role]}, got {got} ({response.status_code})"
                    )
    assert not wrong, "\n".join(wrong)
    assert cells >= 5 * 40
