"""What a walk through the running app as each role found: pages that the HTML checker
refused, and flows that read wrong to the person using them."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Element
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of, designate_coordinator

pytestmark = pytest.mark.django_db

DATETIME = re.compile(r'<time datetime="([^"]*)"')
# HTML's valid global date and time: at most three digits after the second.
VALID = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:?\d\d)$")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _submitted(user, text="Effective control over [all] SALW"):
    return proposal_create(
        user=user,
        element=Element.objects.get(text="Effective control over SALW"),
        content=ProposalContent(kind="amend", proposed_text=text),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def test_times_are_valid_html_datetime_values(bms7, open_round):
    """Every <time datetime> on a delegation's page, a proposal's page and the rounds page is
    a value the HTML standard accepts: Django's date:'c' wrote microseconds
    ("19:34:30.988490-05:00"), which the Nu checker refused on every page with a time."""
    kenya = delegate_of("ken")
    proposal = _submitted(kenya)
    client = _client(kenya)
    pages = [
        reverse("delegation_page", args=[bms7.slug]),
        reverse("proposal_detail", args=[bms7.slug, proposal.public_id]),
        reverse("rounds", args=[bms7.slug]),
    ]
    seen = []
    for url in pages:
        html = client.get(url).content.decode()
        seen += DATETIME.findall(html)
    assert len(seen) >= 4
    for value in seen:
        assert VALID.match(value), value


def test_the_round_deadline_reads_new_york_time_then_the_readers_own(bms7, open_round):
    """My delegation said "open until 7 December, 19:34 EST (Dec 8, 12:34 AM UTC) (New York
    time)": the script put the reader's own time between the deadline and the words saying
    whose time it is. "(New York time)" is now inside the <time> the script writes after, and
    the page gives the script its label ("your time"), translated."""
    html = _client(delegate_of("ken")).get(reverse("delegation_page", args=[bms7.slug]))
    html = html.content.decode()
    assert re.search(r'data-local-time="your time">[^<]+ \(New York time\)</time>\.', html)
    rounds = _client(delegate_of("ken")).get(reverse("rounds", args=[bms7.slug]))
    assert 'data-local-time="your time"' in rounds.content.decode()


def test_a_text_composed_from_a_proposal_offers_to_undo_its_decision(bms7, open_round):
    """Composing a text that cites a proposal decides it (accepted with changes), as Accept
    does; Accept offered "Undo the decision on the proposal of Kenya" under its message,
    compose did not. It does now; a text the chair writes citing nothing offers none."""
    proposal = _submitted(delegate_of("ken"))
    chair = _client(chairs_office())
    url = reverse("element_review", args=[bms7.slug, proposal.element_id])
    text = proposal.element.text
    page = chair.post(
        url,
        {
            "action": "compose",
            "text": "Effective control over [all] SALW, [everywhere]",
            "expected_text": text,
            "proposal": [proposal.public_id],
            f"version-{proposal.public_id}": proposal.version,
        },
        follow=True,
    ).content.decode()
    assert "The new text is in the working draft." in page
    assert "Undo the decision on the proposal of Kenya" in page
    page = chair.post(
        url,
        {
            "action": "compose",
            "text": "Effective control over SALW",
            "expected_text": "Effective control over [all] SALW, [everywhere]",
        },
        follow=True,
    ).content.decode()
    assert "The new text is in the working draft." in page
    assert "Undo the decision on the proposal of" not in page


def test_a_draft_shows_no_support_and_opposition(bms7, open_round):
    """A draft, and a discarded one, is seen by its delegation alone: its page said
    "0 delegations support; 0 oppose." under a heading no one else could ever change. The
    panel is shown once the proposal is submitted."""
    kenya = delegate_of("ken")
    draft = proposal_create(
        user=kenya,
        element=Element.objects.get(text="Effective control over SALW"),
        content=ProposalContent(kind="amend", proposed_text="Effective control over [all] SALW"),
        idempotency_key=uuid.uuid4(),
        submit=False,
    )
    client = _client(kenya)
    url = reverse("proposal_detail", args=[bms7.slug, draft.public_id])
    assert "Positions of delegations" not in client.get(url).content.decode()
    client.post(
        reverse("proposal_action", args=[bms7.slug, draft.public_id, "discard"]),
        {"idempotency_key": uuid.uuid4()},
    )
    draft.refresh_from_db()
    assert draft.status == "discarded"
    assert "Positions of delegations" not in client.get(url).content.decode()
    submitted = _submitted(kenya)
    page = client.get(reverse("proposal_detail", args=[bms7.slug, submitted.public_id]))
    assert "0 delegations support" in page.content.decode()


def test_a_mark_given_to_an_earlier_version_is_confirmed_first(bms7, open_round):
    """After the proposer revised, the supporter's page showed the whole mark form, its
    primary button "Change our mark", and only below it that the mark no longer counts,
    with a second primary button "Support version 2 too". The notice and the one-step
    confirmation now come first, and the form is the secondary way."""
    from drafting.services.marks import mark_set
    from drafting.services.proposals import proposal_revise

    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    proposal = _submitted(kenya)
    mark_set(user=japan, proposal=proposal, stance="support", note="")
    proposal.refresh_from_db()
    proposal_revise(
        user=kenya,
        proposal=proposal,
        content=ProposalContent(kind="amend", proposed_text="Effective control over [most] SALW"),
        expected_version=proposal.version,
    )
    page = _client(japan).get(reverse("proposal_detail", args=[bms7.slug, proposal.public_id]))
    html = page.content.decode()
    assert html.index("Support version 2 too") < html.index("Change our mark")
    assert html.count('class="primary"') == 1
    assert '<button type="submit">Change our mark</button>' in html


def test_on_behalf_of_is_offered_only_to_a_group_coordinator(bms7, open_round):
    """Japan coordinates no group: its proposal form showed "On behalf of" with one choice,
    "my delegation only". The field is shown to a delegation the secretariat designated to
    speak for a group, and to no other."""
    url = reverse(
        "propose", args=[bms7.slug, Element.objects.get(text="Effective control over SALW").pk]
    )
    japan = _client(delegate_of("jpn")).get(url).content.decode()
    assert 'name="on_behalf_of"' not in japan
    assert 'name="co_sponsor_search"' in japan  # the co-sponsors' combobox
    designate_coordinator(bms7, "african-group", "ken")
    kenya = _client(delegate_of("ken")).get(url).content.decode()
    assert 'name="on_behalf_of"' in kenya
    assert "African Group" in kenya


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "status"),
    [
        ("POST", "/m/bms7/elements/7/propose/", "", b"x" * 300_000, "413"),
        ("GET", "/m/bms7/draft/", "q=" + "x" * 5_000, b"", "414"),
    ],
)
def test_a_body_or_address_too_large_is_answered_by_a_wsgi_server(
    settings, method, path, query, body, status
):
    """Through wsgiref, the server `bash .ci/demo` runs, a 300 KB form and a 5,000-character
    address were answered "500 A server error occurred": the 413/414 response carried
    "Connection: close", a hop-by-hop header WSGI forbids an application to set. They are
    answered with their own page now, a long address under its own heading ("Address too
    long", not "Too much sent at once")."""
    import io
    from wsgiref.handlers import SimpleHandler
    from wsgiref.util import setup_testing_defaults

    from django.core.wsgi import get_wsgi_application

    settings.ALLOWED_HOSTS = ["*"]
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    out, errors = io.BytesIO(), io.StringIO()
    SimpleHandler(environ["wsgi.input"], out, errors, environ).run(get_wsgi_application())
    head = out.getvalue().split(b"\r\n", 1)[0].decode()
    assert head.split(" ")[1] == status, (head, errors.getvalue()[-300:])
    heading = "Address too long" if status == "414" else "Too much sent at once"
    assert f"<h1>{heading}</h1>".encode() in out.getvalue()


def test_the_compilation_shows_the_note_given_with_a_decision(bms7, open_round):
    """The chair rejected Kenya's proposal "Not at this stage."; the compilation showed the
    card as rejected without the reason, which the delegation's own page gave. The card
    shows the note, escaped, and the note goes when the decision is undone."""
    proposal = _submitted(delegate_of("ken"))
    chair = _client(chairs_office())
    decide = reverse("quick_decision", args=[bms7.slug])
    chair.post(
        decide,
        {
            "proposal": proposal.public_id,
            "version": proposal.version,
            "action": "reject",
            "note": "Not at <this> stage.",
            "idempotency_key": uuid.uuid4(),
        },
    )
    compilation = reverse("compilation", args=[bms7.slug])
    html = chair.get(compilation).content.decode()
    assert (
        '<p class="muted decision-note">The chair&#x27;s note: Not at &lt;this&gt; stage.</p>'
        in html
    )
    chair.post(
        decide,
        {"proposal": proposal.public_id, "action": "undo", "idempotency_key": uuid.uuid4()},
    )
    assert "decision-note" not in chair.get(compilation).content.decode()


def test_the_audit_trail_names_account_fields_as_the_admin_does(bms7):
    """The secretariat read "secretariat: is_staff False → True" in the audit trail: a column
    name and Python's booleans. It reads "staff status no → yes"."""
    from drafting.models.audit import AuditAction, AuditEvent

    user = delegate_of("ken")
    user.is_staff = True
    user.save()
    event = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CHANGED).latest("id")
    assert event.summary.endswith(": staff status no → yes"), event.summary
