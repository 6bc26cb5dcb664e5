"""The chair's pages through the test client: who may do what, conflicts, issuing, comparing."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Element, Proposal, ProposalStatus, Revision
from drafting.render import page_cache
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from tests.factories import UserFactory, chairs_office, delegate_of, issue_form_fields, secretariat

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _submit(code, element, text):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


@pytest.fixture(scope="module")
def _people(module_db, django_db_blocker) -> dict[str, int]:
    """The accounts, made once for the module (tests/conftest.py, ``module_db``)."""
    with django_db_blocker.unblock():
        made = {
            "delegate": delegate_of("jpn"),
            "chair": chairs_office(),
            "secretariat": secretariat(),
            "no_role": UserFactory(),
        }
        return {who: user.pk for who, user in made.items()}


@pytest.fixture
def people(_people, bms7):
    users = get_user_model().objects.in_bulk(list(_people.values()))
    return {"anonymous": None, **{who: users[pk] for who, pk in _people.items()}}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("delegate", 403), ("chair", 200), ("secretariat", 403), ("no_role", 403)],
)
def test_only_the_chairs_office_reviews_decides_and_issues(
    client, people, theme, round_1, who, expected
):
    proposal = _submit("mex", theme, "Enhanced cooperation between exporting and importing states")
    if people[who]:
        client.force_login(people[who])
    assert client.get(reverse("element_review", args=["bms7", theme.pk])).status_code == expected
    assert client.get(reverse("issue_revision", args=["bms7"])).status_code == expected
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "action": "accept"},
    )
    assert response.status_code == (302 if who in {"anonymous", "chair"} else 403)
    response = client.post(
        reverse("issue_revision", args=["bms7"]),
        {"cover_letter": "Excellency,", "confirm": "1", **issue_form_fields()},
    )
    assert response.status_code == (302 if who in {"anonymous", "chair"} else 403)
    expected_status = ProposalStatus.ACCEPTED if who == "chair" else ProposalStatus.SUBMITTED
    assert Proposal.objects.get().status == expected_status
    assert Revision.objects.count() == (2 if who == "chair" else 1)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("delegate", 200), ("chair", 200), ("secretariat", 200), ("no_role", 403)],
)
def test_the_compilation_is_for_delegations_and_the_chair(
    client, people, theme, round_1, who, expected
):
    if people[who]:
        client.force_login(people[who])
    assert client.get(reverse("compilation", args=["bms7"])).status_code == expected


def test_delegates_see_the_compilation_without_decision_buttons(client, people, theme, round_1):
    _submit("mex", theme, "Enhanced cooperation between exporting and importing states")
    client.force_login(people["delegate"])
    html = client.get(reverse("compilation", args=["bms7"])).text
    assert "Mexico" in html and "decision-form" not in html
    client.force_login(people["chair"])
    assert "decision-form" in client.get(reverse("compilation", args=["bms7"])).text


def test_compilation_filters_and_counts(client, people, theme, round_1):
    _submit("mex", theme, "Enhanced cooperation between exporting and importing states")
    _submit("jpn", theme, "Cooperation between exporting and importing States")
    client.force_login(people["chair"])
    html = client.get(reverse("compilation", args=["bms7"]), {"delegation": "mex"}).text
    assert "Mexico" in html and "Japan</a>" not in html
    html = client.get(reverse("compilation", args=["bms7"])).text
    assert "2 open proposals" in html


def test_a_conflict_is_shown_side_by_side_and_nothing_is_applied(client, people, theme, round_1):
    first = _submit("bra", theme, "Cooperation between producing and importing states")
    second = _submit("fra", theme, "Cooperation between supplying and importing states")
    client.force_login(people["chair"])
    url = reverse("element_review", args=["bms7", theme.pk])
    response = client.post(
        url, {"action": "accept", "proposal": [first.public_id, second.public_id]}
    )
    assert response.status_code == 409
    assert "change the same words" in response.text
    assert "Brazil" in response.text and "France" in response.text
    # The page says where the element sits (#18.1).
    assert f'<p class="place">Agenda item 1, section e), theme: {THEME}</p>' in response.text
    theme.refresh_from_db()
    assert theme.text == THEME
    response = client.post(
        url,
        {
            "action": "compose",
            "text": "Cooperation between [producing / supplying] and importing states",
            "expected_text": THEME,
            "proposal": [first.public_id, second.public_id],
        },
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.text == "Cooperation between [producing / supplying] and importing states"
    assert set(Proposal.objects.values_list("status", flat=True)) == {"accepted_with_changes"}


def test_a_stale_compose_keeps_what_the_chair_typed(client, people, theme):
    client.force_login(people["chair"])
    typed = "Cooperation [among all] States"
    response = client.post(
        reverse("element_review", args=["bms7", theme.pk]),
        {"action": "compose", "text": typed, "expected_text": "something older"},
    )
    assert response.status_code == 409
    assert f"{typed}</textarea>" in response.text


def test_issuing_needs_confirmation_and_a_cover_letter(client, people, bms7):
    client.force_login(people["chair"])
    url = reverse("issue_revision", args=["bms7"])
    response = client.post(url, {"cover_letter": "Excellency,", **issue_form_fields()})
    assert response.status_code == 422 and "Tick the box" in response.text
    assert "Excellency,</textarea>" in response.text
    response = client.post(url, {"cover_letter": " ", "confirm": "1", **issue_form_fields()})
    assert response.status_code == 422 and "Write the cover letter" in response.text
    response = client.post(
        url, {"cover_letter": "Excellency,\n\nRev.1", "confirm": "1", **issue_form_fields()}
    )
    assert response.status_code == 302 and response["Location"].endswith("/revisions/1/")
    assert Revision.objects.get(number=1).label == "Rev.1"


def test_compare_is_public_for_issued_revisions_and_shows_the_redline(client, people, theme, bms7):
    theme.text = "Enhanced cooperation between exporting and importing states"
    theme.save(update_fields=["text"])
    revision_issue(issued_by=people["chair"], document=bms7.document, cover_letter="Excellency,")
    response = client.get(reverse("compare", args=["bms7"]), {"from": 0, "to": 1})
    assert response.status_code == 200
    assert "<ins>Enhanced cooperation</ins>" in response.text or "<ins>Enhanced " in response.text
    assert "1 changed" in response.text
    assert (
        client.get(reverse("compare", args=["bms7"]), {"from": 0, "to": "draft"}).status_code == 403
    )
    client.force_login(people["delegate"])
    assert (
        client.get(reverse("compare", args=["bms7"]), {"from": 1, "to": "draft"}).status_code == 200
    )


def test_a_comparison_of_two_issued_revisions_is_made_once(client, people, theme, bms7):
    """Issued revisions never change: their comparison is kept, and a second view reads
    neither snapshot."""
    theme.text = "Enhanced cooperation between exporting and importing states"
    theme.save(update_fields=["text"])
    revision_issue(issued_by=people["chair"], document=bms7.document, cover_letter="Excellency,")
    page_cache.clear()
    url = reverse("compare", args=["bms7"])
    first = client.get(url, {"from": 0, "to": 1})
    with CaptureQueriesContext(connection) as again:
        second = client.get(url, {"from": 0, "to": 1})
    assert "1 changed" in first.text and second.text == first.text
    assert not any('"snapshot"' in query["sql"] for query in again.captured_queries)
    # The other way round is another comparison.
    assert "1 changed" in client.get(url, {"from": 1, "to": 0}).text


def test_the_back_link_after_a_decision_stays_on_this_site(client, people, theme, round_1):
    proposal = _submit("mex", theme, "Enhanced cooperation between exporting and importing states")
    client.force_login(people["chair"])
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {
            "proposal": proposal.public_id,
            "action": "reject",
            "back": "/\\evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/m/bms7/compilation/")


# --- regressions found by tests/views/test_fuzz.py ---------------------------------------


def test_a_malformed_proposal_id_is_a_404_not_a_500(client, people, theme, round_1):
    """A proposal id that is not a UUID went to the database as posted: ValidationError."""
    client.force_login(people["chair"])
    response = client.post(
        reverse("quick_decision", args=["bms7"]), {"proposal": "<script>", "action": "accept"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("element_review", args=["bms7", theme.pk]),
        {"action": "reject", "proposal": ["<script>", "1"]},
    )
    assert response.status_code == 422 and "Choose one proposal" in response.text


def test_a_back_address_that_looks_like_a_view_name_is_no_500(client, people, theme, round_1):
    """``redirect(back)`` first looked ``back`` up as the name of a view: "x" (no slash, no
    dot) raised NoReverseMatch, and "home" redirected to the home page."""
    proposal = _submit("mex", theme, "Enhanced cooperation between exporting and importing states")
    client.force_login(people["chair"])
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "action": "defer", "back": "x"},
    )
    assert response.status_code == 302 and response["Location"] == "x"
    assert Proposal.objects.get().status == ProposalStatus.DEFERRED


def test_a_refused_compose_or_insert_answers_422_and_keeps_the_text(client, people, theme):
    client.force_login(people["chair"])
    url = reverse("element_review", args=["bms7", theme.pk])
    typed = "Cooperation [between <b>exporting"
    response = client.post(url, {"action": "compose", "text": typed, "expected_text": THEME})
    assert response.status_code == 422
    assert f"{typed.replace('<', '&lt;').replace('>', '&gt;')}</textarea>" in response.text
    response = client.post(url, {"action": "insert", "new_kind": "theme", "new_text": "a ]"})
    assert response.status_code == 422
    theme.refresh_from_db()
    assert theme.text == THEME
    assert not Element.objects.filter(text="a ]").exists()


@pytest.mark.parametrize("number", ["²", "9" * 5000, "99999999999999999999", "-1", "1.0"])
def test_revision_and_item_numbers_in_the_query_are_read_safely(client, people, bms7, number):
    """``str.isdigit`` accepts "²" and 5,000 digits, which ``int`` refuses: both were 500s.
    (An address over 4,096 characters is now refused whole with 414, before any view.)"""
    client.force_login(people["chair"])
    expected = 414 if len(number) > 4_000 else 200
    assert client.get(reverse("compare", args=["bms7"]), {"from": number}).status_code == expected
    response = client.get(reverse("compilation", args=["bms7"]), {"item": number})
    assert response.status_code == expected


def test_a_nul_in_the_delegation_filter_is_no_500(client, people, bms7):
    """PostgreSQL refuses NUL in a query."""
    client.force_login(people["chair"])
    response = client.get(reverse("compilation", args=["bms7"]), {"delegation": "jpn\x00"})
    assert response.status_code == 200


def test_the_signatory_is_checked_and_normalised_like_the_cover_letter(client, people, bms7):
    """The signatory was stored as posted: over 300 characters it was a 500 (the column's
    length), and control or bidi-override characters went into the issued revision."""
    client.force_login(people["chair"])
    url = reverse("issue_revision", args=["bms7"])
    for signatory in ["x" * 301, "Martin \u202eKimani", "Martin\x00Kimani"]:
        response = client.post(
            url,
            {
                "cover_letter": "Excellency,",
                "signatory": signatory,
                "confirm": "1",
                **issue_form_fields(),
            },
        )
        assert response.status_code == 422
    assert not Revision.objects.filter(number=1).exists()
    response = client.post(
        url,
        {
            "cover_letter": "Excellency,",
            "signatory": " Martin Kimani\r\nChair ",
            "confirm": "1",
            **issue_form_fields(),
        },
    )
    assert response.status_code == 302
    assert Revision.objects.get(number=1).signatory == "Martin Kimani\nChair"


def test_a_conflict_says_which_pair_and_why_and_that_each_applies_alone(
    client, people, theme, round_1
):
    first = _submit("bra", theme, "Cooperation between producing and importing states")
    second = _submit("fra", theme, "Cooperation between supplying and importing states")
    client.force_login(people["chair"])
    response = client.post(
        reverse("element_review", args=["bms7", theme.pk]),
        {"action": "accept", "proposal": [first.public_id, second.public_id]},
    )
    assert response.status_code == 409
    html = response.text
    assert "The proposals of Brazil and France change the same words (“exporting”)" in html
    assert "Does not apply to the current text" not in html
    assert html.count("Applies alone; it would give:") == 2
    assert "Cooperation between producing and importing states" in html


def test_two_proposals_of_one_delegation_in_conflict_are_named_as_such(
    client, people, theme, round_1
):
    first = _submit("bra", theme, "Cooperation between producing and importing states")
    second = _submit("bra", theme, "Cooperation between supplying and importing states")
    client.force_login(people["chair"])
    response = client.post(
        reverse("element_review", args=["bms7", theme.pk]),
        {"action": "accept", "proposal": [first.public_id, second.public_id]},
    )
    assert "Two proposals of Brazil change the same words" in response.text
    assert "Brazil and Brazil" not in response.text
