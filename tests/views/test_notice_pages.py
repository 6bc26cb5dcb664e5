"""In the app: the unread count in the navigation, e-mail preferences, and on the working
draft the elements changed since the reader's last visit."""

import pytest
from django.urls import reverse

from drafting.models import Delegation, DraftVisit, Element, MailPreference, Notification
from drafting.render import page_cache
from drafting.services.elements import element_compose
from tests.factories import chairs_office, delegate_of

THEME = "Effective control over SALW"


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn")


def _notices(bms7, count):
    Notification.objects.bulk_create(
        Notification(
            delegation=Delegation.objects.get(code="jpn"),
            document=bms7.document,
            kind="round",
            message=f"Notice {i}",
        )
        for i in range(count)
    )


def test_the_navigation_counts_unread_notices_until_the_list_is_seen(client, bms7, japan):
    client.force_login(japan)
    draft = reverse("working_draft", args=["bms7"])
    assert "unread-count" not in client.get(draft).text
    _notices(bms7, 3)
    page = client.get(draft).text
    assert '<span class="unread-count">3<span class="visually-hidden"> unread notices' in page
    listed = client.get(reverse("delegation_page", args=["bms7"])).text
    assert listed.count('class="new"') == 3
    assert "unread-count" not in listed
    assert "unread-count" not in client.get(draft).text
    _notices(bms7, 150)
    assert '<span class="unread-count">99+' in client.get(draft).text


def test_mail_preferences_are_saved_per_meeting_and_for_all(client, bms7, japan):
    client.force_login(japan)
    url = reverse("meeting_mail_preferences", args=["bms7"])
    page = client.get(url).text
    # A delegate who is not a focal point has a daily digest until they choose.
    assert 'value="digest" id="id_decision_1" required checked' in page
    choices = {
        "round": "off",
        "decision": "immediately",
        "revision": "digest",
        "cosponsorship": "off",
        "mark": "digest",
    }
    response = client.post(url, choices)
    assert response.status_code == 302
    saved = MailPreference.objects.get(user=japan, meeting=bms7)
    assert (saved.round, saved.decision) == ("off", "immediately")
    assert client.post(reverse("mail_preferences"), {**choices, "round": "never"}).status_code == (
        200
    )
    assert not MailPreference.objects.filter(user=japan, meeting__isnull=True).exists()


def test_only_delegates_have_mail_preferences(client, bms7):
    client.force_login(chairs_office())
    assert client.get(reverse("mail_preferences")).status_code == 403
    client.logout()
    assert client.get(reverse("mail_preferences")).status_code == 302


def test_the_working_draft_lists_what_changed_since_the_last_visit(client, bms7, japan):
    """The body is shared and cached; the list of changes is the reader's own, above it,
    each change linking to its element."""
    client.force_login(japan)
    draft = reverse("working_draft", args=["bms7"])
    assert "Changed since your last visit" not in client.get(draft).text  # first visit
    theme = Element.objects.get(text=THEME)
    element_compose(
        user=chairs_office(),
        element=theme,
        text="Effective [and accountable] control over SALW",
        expected_text=THEME,
    )
    page_cache.clear()
    page = client.get(draft).text
    assert "Changed since your last visit: 1 element" in page
    assert f'<a href="#e-{theme.pk}">' in page
    assert "Changed since your last visit" not in client.get(draft).text  # seen now
    # Another reader who never came gets no list, and the shared body is the same.
    other = delegate_of("jpn")
    client.force_login(other)
    assert "Changed since your last visit" not in client.get(draft).text


def test_reading_the_draft_again_with_nothing_changed_writes_nothing(client, bms7, japan):
    """The visit is recorded on the first view and moved only when the page listed changes:
    reading the draft again and again writes nothing, and a change is still listed once."""
    client.force_login(japan)
    draft = reverse("working_draft", args=["bms7"])
    client.get(draft)
    visit = DraftVisit.objects.get(user=japan)
    client.get(draft)
    assert DraftVisit.objects.get(user=japan).seen_at == visit.seen_at
    element_compose(
        user=chairs_office(),
        element=Element.objects.get(text=THEME),
        text="Effective [and accountable] control over SALW",
        expected_text=THEME,
    )
    assert "Changed since your last visit: 1 element" in client.get(draft).text
    moved = DraftVisit.objects.get(user=japan).seen_at
    assert moved > visit.seen_at
    assert "Changed since your last visit" not in client.get(draft).text
    assert DraftVisit.objects.get(user=japan).seen_at == moved
