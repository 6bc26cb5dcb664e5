"""A delegation's unsubmitted words are its own (issue #14, point 1), across every state of a
proposal x every role x every page and export that shows proposals.

Kenya writes one proposal in each state: a draft; a draft it discards (through the button its
draft's page offers, as a delegate would); a draft revised and then submitted; one submitted
and revised after submission; one withdrawn after submission; one decided by the chair. Each
has words written before its first submission (text and rationale), which must never appear
for anyone but Kenya's delegates, and, once submitted, words that everyone with a role sees
(so that every page checked is shown to show proposals at all).

Only services that existed before the fix are used to build the world, so the module runs
against the old code too, and fails there.
"""

import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from drafting.models import Element, Meeting, Proposal
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_revise,
    proposal_withdraw,
)
from tests.factories import chairs_office, delegate_of, open_round_for_an_hour, secretariat
from tests.pdf_text import exported_pdf, flat, pdf_text

pytestmark = pytest.mark.django_db

ROLES = ("own_delegate", "other_delegate", "chair", "secretariat", "anonymous")
THEME = "Effective control over SALW"


@dataclass
class Written:
    """One of Kenya's proposals: its private words, and the words it made public (if any)."""

    state: str
    proposal: Proposal
    private: list[str]
    public: list[str] = field(default_factory=list)


def _words(token: str) -> tuple[str, str]:
    """A proposed text and a rationale, each holding a word found nowhere else."""
    return f"Effective [{token}text] control over SALW", f"internal note: fallback {token}why"


def _tokens(token: str) -> list[str]:
    return [f"{token}text", f"{token}why"]


def _create(user, element, token: str, *, submit: bool = False) -> Proposal:
    text, rationale = _words(token)
    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind="amend", proposed_text=text, rationale=rationale),
        idempotency_key=uuid.uuid4(),
        submit=submit,
    )


def _revise(user, proposal: Proposal, token: str, *, submit: bool = False) -> Proposal:
    proposal.refresh_from_db()
    text, rationale = _words(token)
    return proposal_revise(
        user=user,
        proposal=proposal,
        content=ProposalContent(kind="amend", proposed_text=text, rationale=rationale),
        expected_version=proposal.version,
        submit=submit,
    )


def _discard_through_the_page(user, slug: str, proposal: Proposal) -> None:
    """Press the button that gets rid of a draft on its page (old code: "Withdraw")."""
    client = Client()
    client.force_login(user)
    page = client.get(reverse("proposal_detail", args=[slug, proposal.public_id])).content.decode()
    actions = re.findall(r'action="([^"]+/(?:discard|withdraw)/)"', page)
    assert len(actions) == 1, actions
    response = client.post(actions[0], {"idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302


@pytest.fixture(scope="class")
def _kenyas_words(class_db, django_db_blocker):
    """Kenya's proposals in every state, made once for the class that reads them
    (tests/conftest.py, ``class_db``)."""
    with django_db_blocker.unblock():
        bms7 = Meeting.objects.select_related("document").get(slug="bms7")
        open_round_for_an_hour(bms7.document)
        kenya = delegate_of("ken", username="kenya")
        japan = delegate_of("jpn", username="japan")
        element = Element.objects.get(text=THEME)
        slug = bms7.slug

        draft = _create(kenya, element, "alpha")

        discarded = _create(kenya, element, "bravo")
        _discard_through_the_page(kenya, slug, discarded)

        submitted = _create(kenya, element, "charlie")
        _revise(kenya, submitted, "delta", submit=True)

        revised = _create(kenya, element, "echo")
        _revise(kenya, revised, "foxtrot", submit=True)
        mark_set(user=japan, proposal=revised, stance="support", note="golfnote")
        _revise(kenya, revised, "hotel")

        withdrawn = _create(kenya, element, "india")
        _revise(kenya, withdrawn, "juliet", submit=True)
        proposal_withdraw(user=kenya, proposal=Proposal.objects.get(pk=withdrawn.pk))

        decided = _create(kenya, element, "kilo")
        _revise(kenya, decided, "lima", submit=True)
        proposal_reject(
            user=chairs_office(), proposal=Proposal.objects.get(pk=decided.pk), note="Not now"
        )

        written = [
            Written("draft", draft, _tokens("alpha")),
            Written("discarded draft", discarded, _tokens("bravo")),
            Written("submitted", submitted, _tokens("charlie"), _tokens("delta")),
            # Both submitted versions are public; the draft before them is not.
            Written("revised", revised, _tokens("echo"), _tokens("foxtrot") + _tokens("hotel")),
            Written("withdrawn", withdrawn, _tokens("india"), _tokens("juliet")),
            Written("decided", decided, _tokens("kilo"), _tokens("lima")),
        ]
        for item in written:
            item.proposal.refresh_from_db()
        users = {
            "own_delegate": delegate_of("ken", username="kenya2"),  # a colleague of the author
            "other_delegate": japan,
            "chair": chairs_office(username="chair"),
            "secretariat": secretariat(username="clerk"),
            "anonymous": None,
        }
        return (
            element.pk,
            [(w.state, w.proposal.pk, w.private, w.public) for w in written],
            {role: user and user.pk for role, user in users.items()},
        )


@pytest.fixture
def world(_kenyas_words, bms7):
    """The meeting's slug, the element, what Kenya wrote and who reads (read afresh)."""
    element_pk, written, users = _kenyas_words
    accounts = get_user_model().objects.in_bulk([pk for pk in users.values() if pk])
    return (
        bms7.slug,
        Element.objects.get(pk=element_pk),
        [
            Written(state, Proposal.objects.get(pk=pk), private, public)
            for state, pk, private, public in written
        ],
        {role: accounts.get(pk) for role, pk in users.items()},
    )


def _pages(slug: str, element: Element, written: list[Written]) -> dict[str, str]:
    pages = {
        f"proposal page ({w.state})": reverse("proposal_detail", args=[slug, w.proposal.public_id])
        for w in written
    }
    pages |= {
        "element proposals page": reverse("element_proposals", args=[slug, element.pk]),
        "review and compose": reverse("element_review", args=[slug, element.pk]),
        "compilation": reverse("compilation", args=[slug]),
        "compilation filtered by Kenya": reverse("compilation", args=[slug]) + "?delegation=ken",
        "element history": reverse("element_history", args=[slug, element.pk]),
        "audit trail": reverse("audit_trail"),
        "audit trail of the element": reverse("audit_trail")
        + f"?meeting={slug}&element={element.pk}",
        "My delegation": reverse("delegation_page", args=[slug]),
        "working draft": reverse("working_draft", args=[slug]),
        "search for the rationales' words": reverse("search", args=[slug])
        + "?query=internal+note+fallback",
        "search for the texts' words": reverse("search", args=[slug])
        + "?query=effective+control+SALW&where=proposals",
        "search for Kenya's drafts": reverse("search", args=[slug]) + "?query=Kenya&status=draft",
    }
    return pages


class TestKenyasWords:
    """Kenya's proposals in every state, read by everyone."""

    def test_each_state_is_what_it_is_named(self, world):
        """Discarding a draft keeps it a draft of the delegation's (old code: withdrawn, shown)."""
        _slug, _element, written, _users = world
        assert [w.proposal.status for w in written] == [
            "draft",
            "discarded",
            "submitted",
            "submitted",
            "withdrawn",
            "rejected",
        ]
        assert [w.proposal.version for w in written] == [1, 1, 2, 3, 2, 2]

    def test_unsubmitted_words_never_reach_anyone_but_their_delegation(self, world):
        """Every state x every role x every page: the words a delegation wrote before submitting
        (text and rationale, earlier draft versions included) are shown to its delegates only; the
        words it submitted are shown to everyone with a role."""
        slug, element, written, users = world
        private = [token for w in written for token in w.private]
        leaks, cells = [], 0
        for role in ROLES:
            client = Client()
            if users[role] is not None:
                client.force_login(users[role])
            for page, url in _pages(slug, element, written).items():
                content = client.get(url).content.decode()
                cells += 1
                if role != "own_delegate":
                    leaks += [f"{role} reads {t!r} on the {page}" for t in private if t in content]
        assert cells == len(ROLES) * 18
        assert not leaks, "\n".join(leaks)

    def test_the_own_delegation_sees_its_drafts_and_their_earlier_versions(self, world):
        """Kenya's delegates (not only the author) read their drafts, the discarded one, and the
        versions written before submission on the proposal page."""
        slug, _element, written, users = world
        client = Client()
        client.force_login(users["own_delegate"])
        mine = client.get(reverse("delegation_page", args=[slug])).content.decode()
        found = client.get(reverse("search", args=[slug]) + "?query=Kenya&status=draft")
        for w in written[:1]:  # the draft; the discarded one is not a draft any more
            assert w.private[0] in mine, w.state
            assert w.private[0] in found.content.decode(), w.state
        assert written[1].private[0] in mine
        for w in written:
            page = client.get(reverse("proposal_detail", args=[slug, w.proposal.public_id]))
            assert page.status_code == 200
            assert w.private[0] in page.content.decode(), w.state

    def test_others_see_submitted_words_but_no_draft_version(self, world):
        """The pages checked above do show proposals: submitted words reach every role but the
        public, so their silence about the drafts is not a blank page."""
        slug, element, written, users = world
        for role in ("other_delegate", "chair", "secretariat"):
            client = Client()
            client.force_login(users[role])
            compilation = client.get(reverse("compilation", args=[slug])).content.decode()
            review = client.get(reverse("element_review", args=[slug, element.pk])).content.decode()
            on_element = client.get(
                reverse("element_proposals", args=[slug, element.pk])
            ).content.decode()
            found = client.get(
                reverse("search", args=[slug]) + "?query=effective+control+SALW&where=proposals"
            ).content.decode()
            for w in written[2:]:
                assert w.public[-2] in found, (role, w.state)
                shown = client.get(reverse("proposal_detail", args=[slug, w.proposal.public_id]))
                assert shown.status_code == 200, (role, w.state)
                assert w.public[-2] in shown.content.decode(), (role, w.state)
                assert w.public[-2] in compilation and w.public[-2] in on_element, (role, w.state)
                if role == "chair":
                    assert w.public[-2] in review, w.state
            for w in written[:2]:
                page = client.get(reverse("proposal_detail", args=[slug, w.proposal.public_id]))
                assert page.status_code == 404, (role, w.state)

    def test_the_compilation_pdf_holds_no_draft_words(self, world):
        """The compilation PDF (every role with access reads the same file) holds the submitted
        words and none written before submission."""
        slug, _element, written, users = world
        client = Client()
        client.force_login(users["chair"])
        pdf = exported_pdf(client, reverse("revision_pdf_kind", args=[slug, 0, "compilation"]))
        text = flat(pdf_text(pdf))
        assert "deltatext" in text and "limawhy" in text
        leaked = [t for w in written for t in w.private if t in text]
        assert not leaked, leaked


def test_the_compilation_names_no_delegation_for_its_drafts(bms7, open_round):
    """A delegation with only drafts (one discarded) is not among the compilation's
    delegations: that it is writing is its own business."""
    kenya = delegate_of("ken")
    element = Element.objects.get(text=THEME)
    _create(kenya, element, "mike")
    _discard_through_the_page(kenya, bms7.slug, _create(kenya, element, "november"))
    client = Client()
    client.force_login(chairs_office())
    page = client.get(reverse("compilation", args=[bms7.slug])).content.decode()
    assert 'value="ken"' not in page
