"""The secretariat's audit trail: every action with who, delegation, what, when and from where;
filterable; read-only everywhere."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting.models import AuditAction, AuditEvent, Element
from drafting.services.decisions import proposal_accept, proposal_reject
from drafting.services.marks import mark_set
from tests.factories import amendment, chairs_office, delegate_of, secretariat


@pytest.fixture
def negotiated(bms7, open_round):
    japan = delegate_of("jpn", username="japan")
    mexico = delegate_of("mex", username="mexico")
    chair = chairs_office(username="chair")
    theme = Element.objects.get(text="Effective control over SALW")
    other = Element.objects.get(text="Regional roadmaps")
    first = amendment(japan, theme, "Effective [national] control over SALW")
    second = amendment(mexico, other, "Regional [and national] roadmaps")
    amendment(japan, other, "Regional [and subregional] roadmaps", submit=False)  # a draft
    mark_set(user=mexico, proposal=first, stance="support")
    proposal_accept(user=chair, proposals=[first])
    proposal_reject(user=chair, proposal=second, note="No consensus")
    return {"japan": japan, "mexico": mexico, "chair": chair, "theme": theme, "other": other}


@pytest.mark.django_db
def test_every_workflow_step_is_recorded_with_its_actor_and_delegation(negotiated):
    events = list(AuditEvent.objects.order_by("id").values_list("action", "username"))
    actions = [action for action, _user in events]
    for expected in (
        AuditAction.PROPOSAL_DRAFTED,
        AuditAction.PROPOSAL_SUBMITTED,
        AuditAction.MARK_SET,
        AuditAction.PROPOSAL_ACCEPTED,
        AuditAction.PROPOSAL_REJECTED,
        AuditAction.ROUND_OPENED,
    ):
        assert expected in actions, expected
    mark = AuditEvent.objects.get(action=AuditAction.MARK_SET)
    assert mark.username == "mexico"
    assert mark.delegation.code == "mex"  # the delegation that supported, not the author's
    accepted = AuditEvent.objects.get(action=AuditAction.PROPOSAL_ACCEPTED)
    assert accepted.username == "chair"
    assert accepted.delegation.code == "jpn"  # whose proposal the chair accepted
    assert accepted.element == negotiated["theme"]


@pytest.mark.django_db
def test_the_page_lists_who_what_when_and_from_where(client, negotiated):
    client.force_login(secretariat(username="clerk"))
    client.post(
        reverse("login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR="198.51.100.7"
    )
    response = client.get(reverse("audit_trail"))
    assert response.status_code == 200
    page = response.text
    assert "Proposal accepted" in page
    assert "Failed sign-in" in page
    assert "198.51.100.7" in page
    assert "Japan" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "expected", "absent"),
    [
        ({"user": "mexico"}, {AuditAction.MARK_SET}, {AuditAction.PROPOSAL_ACCEPTED}),
        ({"delegation": "jpn"}, {AuditAction.PROPOSAL_ACCEPTED}, {AuditAction.MARK_SET}),
        ({"action": "proposal_rejected"}, {AuditAction.PROPOSAL_REJECTED}, {AuditAction.MARK_SET}),
    ],
)
def test_filters_by_user_delegation_and_action(client, negotiated, filters, expected, absent):
    client.force_login(secretariat(username="clerk"))
    response = client.get(reverse("audit_trail"), filters)
    assert response.status_code == 200
    shown = {event.action for event in response.context["page"]}
    assert expected <= shown
    assert not (absent & shown)


@pytest.mark.django_db
def test_filters_by_element_and_date(client, negotiated):
    client.force_login(secretariat(username="clerk"))
    theme = negotiated["theme"]
    response = client.get(reverse("audit_trail"), {"element": theme.pk})
    assert {event.element_id for event in response.context["page"]} == {theme.pk}
    assert f'value="{theme.pk}" selected' in response.text
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = client.get(reverse("audit_trail"), {"since": tomorrow})
    assert list(later.context["page"]) == []
    today = client.get(reverse("audit_trail"), {"until": timezone.localdate().isoformat()})
    assert len(today.context["page"]) > 0


@pytest.mark.django_db
def test_a_bad_filter_is_explained_not_ignored(client, negotiated):
    client.force_login(secretariat(username="clerk"))
    response = client.get(reverse("audit_trail"), {"since": "yesterday-ish"})
    assert response.status_code == 422
    assert "Enter a valid date" in response.text


@pytest.mark.django_db
def test_the_page_does_a_bounded_number_of_queries(
    client, negotiated, django_assert_max_num_queries
):
    """Two hundred events or two thousand: the same handful of queries for a page of 100."""
    clerk = secretariat(username="clerk")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=AuditAction.SIGNED_IN,
            user=negotiated["japan"],
            username="japan",
            delegation=negotiated["japan"].delegate_profile.delegation,
            ip_address="192.0.2.1",
        )
        for _ in range(2000)
    )
    client.force_login(clerk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit_trail"))
    assert response.status_code == 200
    assert len(response.context["page"]) == 100


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["delegate", "chair"])
def test_only_the_secretariat_reads_the_audit_trail(client, bms7, who):
    user = delegate_of("jpn") if who == "delegate" else chairs_office()
    client.force_login(user)
    assert client.get(reverse("audit_trail")).status_code == 403


@pytest.mark.django_db
def test_nothing_in_the_interface_edits_or_deletes_history(client, negotiated):
    """The admin shows the audit trail without add, change or delete, and history has no
    "revert"; the audit page only reads (GET)."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)
    event = AuditEvent.objects.first()
    change = client.post(
        reverse("admin:drafting_auditevent_change", args=[event.pk]), {"summary": "rewritten"}
    )
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:drafting_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert client.get(reverse("admin:drafting_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.summary != "rewritten"
    element = negotiated["theme"]
    historical = element.history.earliest()
    revert = client.post(
        reverse("admin:drafting_element_simple_history", args=[element.pk, historical.history_id]),
        {"text": "Rewritten history"},
    )
    assert 'value="Revert' not in revert.text
    element.refresh_from_db()
    assert element.text != "Rewritten history"
    assert client.post(reverse("audit_trail")).status_code == 405
