"""Proposal pages and actions through the test client: who may do what, and what users see."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from drafting.models import (
    ConsultationRound,
    Document,
    Element,
    Proposal,
    ProposalMark,
    ProposalStatus,
)
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import (
    UserFactory,
    chairs_office,
    delegate_of,
    open_round_for_an_hour,
    secretariat,
)

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture(scope="module")
def _people(module_db, django_db_blocker) -> dict[str, int]:
    """The accounts, made once for the module (tests/conftest.py, ``module_db``)."""
    with django_db_blocker.unblock():
        made = {
            "own": delegate_of("jpn"),
            "other": delegate_of("mex"),
            "chair": chairs_office(),
            "secretariat": secretariat(),
            "no_role": UserFactory(),
        }
        return {who: user.pk for who, user in made.items()}


@pytest.fixture
def people(_people, bms7):
    """Who is asking: anonymous, a delegate of the proposing delegation (Japan) and of
    another (Mexico), the chair's office, the secretariat, someone signed in without a role."""
    users = get_user_model().objects.in_bulk(list(_people.values()))
    return {"anonymous": None, **{who: users[pk] for who, pk in _people.items()}}


def _proposal(user, element, *, submit, text="Effective [and transparent] control over SALW"):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=submit,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _form_data(element, **overrides):
    data = {
        "kind": "amend",
        "proposed_text": "Effective [and transparent] control over SALW",
        "base_text_seen": element.text,
        "idempotency_key": str(uuid.uuid4()),
        "action": "submit",
        "rationale": "",
    }
    data.update(overrides)
    return data


# who: anonymous, own delegate, other delegate, chair, secretariat, signed in without a role
DRAFT_MATRIX = {
    "detail": {
        "anonymous": 302,
        "own": 200,
        "other": 404,
        "chair": 404,
        "secretariat": 404,
        "no_role": 404,
    },
    "edit": {
        "anonymous": 302,
        "own": 200,
        "other": 404,
        "chair": 403,
        "secretariat": 403,
        "no_role": 403,
    },
    "submit": {
        "anonymous": 302,
        "own": 302,
        "other": 404,
        "chair": 404,
        "secretariat": 404,
        "no_role": 404,
    },
    "withdraw": {
        "anonymous": 302,
        "own": 302,
        "other": 404,
        "chair": 404,
        "secretariat": 404,
        "no_role": 404,
    },
    "discard": {
        "anonymous": 302,
        "own": 302,
        "other": 404,
        "chair": 404,
        "secretariat": 404,
        "no_role": 404,
    },
    "mark": {
        "anonymous": 302,
        "own": 403,
        "other": 404,
        "chair": 404,
        "secretariat": 404,
        "no_role": 404,
    },
}
SUBMITTED_MATRIX = {
    "detail": {
        "anonymous": 302,
        "own": 200,
        "other": 200,
        "chair": 200,
        "secretariat": 200,
        "no_role": 404,
    },
    "edit": {
        "anonymous": 302,
        "own": 200,
        "other": 403,
        "chair": 403,
        "secretariat": 403,
        "no_role": 403,
    },
    "withdraw": {
        "anonymous": 302,
        "own": 302,
        "other": 403,
        "chair": 403,
        "secretariat": 403,
        "no_role": 404,
    },
    "mark": {
        "anonymous": 302,
        "own": 403,
        "other": 302,
        "chair": 403,
        "secretariat": 403,
        "no_role": 404,
    },
}


def _request(client, action, proposal):
    slug, public_id = "bms7", proposal.public_id
    if action == "detail":
        return client.get(reverse("proposal_detail", args=[slug, public_id]))
    if action == "edit":
        return client.get(reverse("proposal_edit", args=[slug, public_id]))
    if action == "mark":
        return client.post(reverse("proposal_mark", args=[slug, public_id]), {"stance": "support"})
    return client.post(reverse("proposal_action", args=[slug, public_id, action]))


@pytest.fixture(scope="class")
def _round_of_the_class(class_db, django_db_blocker) -> int:
    """A round opened once for a class's tests (tests/conftest.py, ``class_db``)."""
    with django_db_blocker.unblock():
        return open_round_for_an_hour(Document.objects.get(meeting__slug="bms7")).pk


class TestWhoSeesAndActsOnAProposal:
    """Every action on a draft and on a submitted proposal, by everyone: the round is
    opened once for them all, each proposal made afresh."""

    @pytest.fixture
    def round_1(self, _round_of_the_class, bms7):
        return ConsultationRound.objects.get(pk=_round_of_the_class)

    @pytest.mark.parametrize(
        "who", ["anonymous", "own", "other", "chair", "secretariat", "no_role"]
    )
    @pytest.mark.parametrize("action", list(DRAFT_MATRIX))
    def test_a_draft_is_private_to_its_delegation(
        self, client, people, theme, round_1, who, action
    ):
        """Nobody outside the delegation can see a draft, or learn that it exists."""
        proposal = _proposal(people["own"], theme, submit=False)
        _login(client, people[who])
        response = _request(client, action, proposal)
        assert response.status_code == DRAFT_MATRIX[action][who]
        if who not in {"own", "anonymous"}:
            assert Proposal.objects.get().status == ProposalStatus.DRAFT
            assert ProposalMark.objects.count() == 0
        if (who, action) == ("own", "withdraw"):
            # Withdrawing would publish the draft: it is refused, the draft stays a draft.
            assert Proposal.objects.get().status == ProposalStatus.DRAFT
        if (who, action) == ("own", "discard"):
            assert Proposal.objects.get().status == ProposalStatus.DISCARDED

    @pytest.mark.parametrize(
        "who", ["anonymous", "own", "other", "chair", "secretariat", "no_role"]
    )
    @pytest.mark.parametrize("action", list(SUBMITTED_MATRIX))
    def test_a_submitted_proposal_is_seen_by_all_roles_and_changed_by_its_delegation(
        self, client, people, theme, round_1, who, action
    ):
        proposal = _proposal(people["own"], theme, submit=True)
        _login(client, people[who])
        response = _request(client, action, proposal)
        assert response.status_code == SUBMITTED_MATRIX[action][who]
        expected_status = (
            ProposalStatus.WITHDRAWN
            if (who, action) == ("own", "withdraw")
            else ProposalStatus.SUBMITTED
        )
        assert Proposal.objects.get().status == expected_status


@pytest.mark.parametrize("who", ["anonymous", "chair", "secretariat", "no_role"])
def test_only_delegates_open_the_propose_form_and_their_delegation_page(client, people, theme, who):
    _login(client, people[who])
    for url in (
        reverse("propose", args=["bms7", theme.pk]),
        reverse("delegation_page", args=["bms7"]),
    ):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403)
    response = client.post(reverse("propose", args=["bms7", theme.pk]), _form_data(theme))
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert Proposal.objects.count() == 0


def test_submitting_through_the_form_creates_one_proposal_even_when_sent_twice(
    client, people, theme, round_1
):
    client.force_login(people["own"])
    data = _form_data(theme)
    url = reverse("propose", args=["bms7", theme.pk])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED
    page = client.get(first["Location"])
    assert "<ins>[and transparent] </ins>" in page.text


def test_submitting_through_the_form_takes_few_statements(
    client, people, theme, round_1, django_assert_max_num_queries
):
    """Issue 19: a submission is to reach half the throughput of a plain idempotent insert.
    Session, user, meeting, participation, the element, the open round; then in one
    transaction: the element's lock read with the key's proposal and the revision proposed
    against, the proposal and its history row (its co-sponsors not read: it has none yet),
    the audit row, the delegation's page version, and no savepoint (17 statements before)."""
    client.force_login(people["own"])
    url = reverse("propose", args=["bms7", theme.pk])
    with django_assert_max_num_queries(13):
        response = client.post(url, _form_data(theme))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.base_revision.number == 0 and proposal.history.count() == 1


def test_submitting_through_the_form_prepares_its_two_reads_of_the_element(
    client, people, theme, round_1
):
    """Issue 19: planning the page's read of the element (with its meeting) and the service's
    (locked, with the key's proposal, the revision and the round) took the database longer
    than running them: each is prepared on the connection, planned once, not each time."""
    client.force_login(people["own"])
    url = reverse("propose", args=["bms7", theme.pk])
    assert client.post(url, _form_data(theme)).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [" ".join(row[0].split()) for row in cursor.fetchall()]
    assert [sql for sql in prepared if sql.endswith("FOR SHARE OF element")]
    assert [sql for sql in prepared if "WHERE e.id = $" in sql and "m.slug = $" in sql]


def test_the_same_form_sent_again_with_other_text_is_refused_and_offers_a_fresh_form(
    client, people, theme, round_1
):
    """Issue 15, point 7: it answered "Your proposal was submitted." and kept the first text.
    Now: 409, a message linking to the proposal the form made (unchanged), what was typed
    kept in a fresh form (a new key) that makes a proposal of its own when sent."""
    client.force_login(people["own"])
    url = reverse("propose", args=["bms7", theme.pk])
    data = _form_data(theme)
    assert "Your proposal was submitted" in client.post(url, data, follow=True).text
    proposal = Proposal.objects.get()
    reworded = "Effective [and accountable] control over SALW"
    response = client.post(url, {**data, "proposed_text": reworded})
    assert response.status_code == 409
    html = response.text
    assert "This form was already used to submit a proposal" in html
    assert f'href="{reverse("proposal_detail", args=["bms7", proposal.public_id])}"' in html
    assert "Your proposal was submitted" not in html
    assert f"{reworded}</textarea>" in html
    fresh_key = response.context["form"]["idempotency_key"].value()
    assert fresh_key and str(fresh_key) != data["idempotency_key"]
    assert f'value="{fresh_key}"' in html
    proposal.refresh_from_db()
    assert proposal.proposed_text == "Effective [and transparent] control over SALW"
    assert Proposal.objects.count() == 1
    # The fresh form makes a second proposal; the first form, resent as it was, is a retry.
    assert (
        client.post(url, {**data, "proposed_text": reworded, "idempotency_key": fresh_key})[
            "Location"
        ]
        != client.post(url, data)["Location"]
    )
    assert sorted(Proposal.objects.values_list("proposed_text", flat=True)) == sorted(
        ["Effective [and transparent] control over SALW", reworded]
    )


def test_bad_input_is_answered_next_to_the_field_and_keeps_what_was_typed(
    client, people, theme, round_1
):
    client.force_login(people["own"])
    typed = "Effective [and <b>transparent</b> control over SALW"
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]),
        _form_data(theme, proposed_text=typed, rationale="Our reasons"),
    )
    assert response.status_code == 422
    html = response.text
    assert "The proposal was not saved" in html
    assert "is never closed" in html
    assert "Effective [and &lt;b&gt;transparent&lt;/b&gt; control over SALW</textarea>" in html
    assert "Our reasons</textarea>" in html
    assert Proposal.objects.count() == 0


def test_identical_text_and_deleted_element_are_refused_with_a_message(
    client, people, theme, round_1
):
    client.force_login(people["own"])
    url = reverse("propose", args=["bms7", theme.pk])
    response = client.post(url, _form_data(theme, proposed_text=THEME))
    assert response.status_code == 422 and "same as the current text" in response.text
    theme.status = "deleted"
    theme.save(update_fields=["status"])
    response = client.post(url, _form_data(theme))
    assert response.status_code == 422 and "has been deleted" in response.text


def test_a_moved_base_shows_the_change_reapplied(client, people, theme, round_1):
    client.force_login(people["own"])
    seen = theme.text
    theme.text = "Strengthened effective control over SALW"
    theme.save(update_fields=["text"])
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]), _form_data(theme, base_text_seen=seen)
    )
    assert response.status_code == 422 or response.status_code == 200
    assert "changed while you were writing" in response.text
    assert "Strengthened effective [and transparent] control over SALW</textarea>" in response.text
    assert Proposal.objects.count() == 0


def test_submitting_without_an_open_round_keeps_a_draft_and_says_why(client, people, theme):
    client.force_login(people["own"])
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]), _form_data(theme), follow=True
    )
    assert "No consultation round is open" in response.text
    assert Proposal.objects.get().status == ProposalStatus.DRAFT


def test_live_diff_preview_is_word_level_and_flags_brackets(client, people, theme):
    client.force_login(people["own"])
    response = client.post(
        reverse("diff_preview", args=["bms7", theme.pk]),
        {
            "kind": "amend",
            "proposed_text": "Effective [and transparent control over SALW",
            "base_text_seen": theme.text,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<ins>[and transparent </ins>" in response.text
    assert "never closed" in response.text
    assert "HX-Request" in response["Vary"]


def test_support_changes_the_count_on_the_page(client, people, theme, round_1):
    proposal = _proposal(people["own"], theme, submit=True)
    client.force_login(people["other"])
    url = reverse("proposal_detail", args=["bms7", proposal.public_id])
    assert "0 delegations support" in client.get(url).text
    response = client.post(
        reverse("proposal_mark", args=["bms7", proposal.public_id]),
        {"stance": "support", "note": "Agreed"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "1 delegation supports" in response.text
    assert "Supported by: Mexico" in response.text
    assert "<html" not in response.text  # only the marks fragment is swapped in


def test_revising_through_the_form_keeps_versions(client, people, theme, round_1):
    proposal = _proposal(people["own"], theme, submit=True)
    client.force_login(delegate_of("jpn"))
    response = client.post(
        reverse("proposal_edit", args=["bms7", proposal.public_id]),
        _form_data(
            theme,
            proposed_text="Effective [and accountable] control over SALW",
            version="1",
            idempotency_key=str(proposal.idempotency_key),
        ),
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.version == 2 and proposal.proposed_text.endswith(
        "[and accountable] control over SALW"
    )
    stale = client.post(
        reverse("proposal_edit", args=["bms7", proposal.public_id]),
        _form_data(theme, proposed_text="Effective [x] control over SALW", version="1"),
    )
    assert stale.status_code == 422 and "saved this proposal meanwhile" in stale.text


def test_delegation_page_lists_drafts_and_submitted_with_marks_in_fixed_queries(
    client, people, theme, round_1, django_assert_max_num_queries
):
    own = people["own"]
    elements = list(Element.objects.filter(kind="theme")[:12])
    for index, element in enumerate(elements):
        proposal = _proposal(own, element, submit=index % 3 != 0, text=f"[{element.text}] {index}")
        if proposal.status == ProposalStatus.SUBMITTED:
            mark_set(user=people["other"], proposal=proposal, stance="support")
    client.force_login(own)
    url = reverse("delegation_page", args=["bms7"])
    # Session, user (with delegation and roles), meeting, taking part, the delegation's page
    # versions, proposals, their marks and co-sponsors (one query), the open round,
    # notifications, invitations; where each proposal sits: the draft's version, and on a
    # cold cache the draft's rows (two); when the user last read the notices, and that they
    # read them now (two).
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count("status-draft") == 4
    assert response.text.count("status-submitted") == 8
    assert "(Mexico)" in response.text
    # Again: the tables come from the cache, read under the versions (one query); the
    # notices' read time is read and written again (two).
    with django_assert_max_num_queries(10):
        again = client.get(url)
    masked = re.compile(r'name="csrfmiddlewaretoken" value="\w+"')  # masked anew each time

    def tables(page: str) -> str:  # the notices above them are new only on the first view
        return masked.sub("", page[page.index('id="drafts-title"') :])

    assert tables(again.text) == tables(response.text)


def test_rounds_page_opens_and_reopens(client, people, bms7):
    client.force_login(people["secretariat"])
    url = reverse("rounds", args=["bms7"])
    now = timezone.localtime()
    response = client.post(
        url,
        {
            "form": "open",
            "name": "Round 1",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "deadline": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    page = client.get(url).text
    assert "Round 1" in page and "open" in page
    client.force_login(people["own"])
    response = client.post(
        url,
        {
            "form": "open",
            "name": "Mine",
            "opens_at": "2030-01-01T10:00",
            "deadline": "2030-01-02T10:00",
        },
    )
    assert response.status_code == 403


def test_working_draft_counts_proposals_and_element_page_lists_them(
    client, people, theme, round_1, django_assert_max_num_queries
):
    for code in ["jpn", "fra", "bra", "nga"]:
        _proposal(delegate_of(code), theme, submit=True)
    mark_set(user=people["other"], proposal=Proposal.objects.first(), stance="oppose")
    client.force_login(people["chair"])
    assert "4 proposals" in client.get(reverse("working_draft", args=["bms7"])).text
    with django_assert_max_num_queries(10):
        response = client.get(reverse("element_proposals", args=["bms7", theme.pk]))
    assert response.status_code == 200
    assert response.text.count('class="proposal-card"') == 4
    assert "Oppose: 1 (Mexico)" in response.text


# --- regressions found by tests/views/test_fuzz.py ---------------------------------------


def test_a_rationale_in_paragraphs_as_a_browser_sends_it_is_accepted(
    client, people, theme, round_1
):
    """Browsers send a textarea's line breaks as CR LF. The rationale was checked before it
    was normalised, so every rationale of two paragraphs was refused: "invisible control
    character (U+000D)"."""
    client.force_login(people["own"])
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]),
        _form_data(theme, rationale="Our reasons.\r\n\r\nAnd more reasons."),
    )
    assert response.status_code == 302
    assert Proposal.objects.get().rationale == "Our reasons.\n\nAnd more reasons."


def test_the_preview_of_a_megabyte_posted_to_the_form_is_cut_like_the_live_preview(
    client, people, theme, round_1
):
    """The form's own preview diffed whatever was posted (a word diff of 1 MB took seconds);
    it now stops where the live preview does. The refused text is kept whole in the form."""
    client.force_login(people["own"])
    typed = "word " * 2_000 + "TAIL-MARKER " * 10_000
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]), _form_data(theme, proposed_text=typed)
    )
    assert response.status_code == 422
    assert response.text.count("TAIL-MARKER") == 10_000  # in the textarea only


def test_reopening_a_round_given_a_malformed_round_is_a_404(client, round_1):
    """The round's id went to the database as posted: "abc" was a 500."""
    client.force_login(chairs_office())
    response = client.post(
        reverse("rounds", args=["bms7"]),
        {"form": "reopen", "round": "<script>", "deadline": "2031-05-08T18:00"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("rounds", args=["bms7"]),
        {"form": "reopen", "round": str(round_1.pk), "deadline": "2031-05-08T18:00"},
    )
    assert response.status_code == 302


def test_a_round_name_with_a_bidi_override_is_refused(client, bms7):
    """Round names are shown to every delegation and quoted in deadline messages: like
    proposals, they may not hold invisible control or bidi-override characters."""
    client.force_login(secretariat())
    response = client.post(
        reverse("rounds", args=["bms7"]),
        {
            "form": "open",
            "name": "Round \u202e1 dnuoR",
            "opens_at": "2031-05-01T10:00",
            "deadline": "2031-05-08T18:00",
        },
    )
    assert response.status_code == 422
    assert "U+202E" in response.text
    assert not ConsultationRound.objects.exists()


def test_the_live_preview_applies_the_services_rules_for_the_kind(client, people, theme):
    """The preview checked brackets only; it now asks the service's validator, so a word
    changed under "add brackets" is flagged while typing, as the submission would be."""
    client.force_login(people["own"])
    response = client.post(
        reverse("diff_preview", args=["bms7", theme.pk]),
        {
            "kind": "add_brackets",
            "proposed_text": "Effective [lasting] control over SALW",
            "base_text_seen": theme.text,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Only add brackets here" in response.text
