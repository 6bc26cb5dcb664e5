"""Setting up a meeting in the browser: the secretariat's pages, refused to everyone else."""

import datetime

import pytest
from django.urls import reverse

from drafting.models import AuditAction, AuditEvent, Delegation, GroupCoordinator, Meeting
from tests.factories import chairs_office, delegate_of, secretariat


def _details(**changes):
    fields = {
        "title": "Eighth Biennial Meeting of States",
        "short_title": "BMS8",
        "slug": "",
        "symbol_prefix": "A/CONF.192/BMS/2026/WP.1",
        "venue": "Geneva",
        "start_date": "2026-06-08",
        "end_date": "2026-06-12",
        "chair": "Ambassador X",
        "time_zone": "Europe/Zurich",
    }
    return {**fields, **changes}


@pytest.fixture
def clerk_client(client, bms7):
    client.force_login(secretariat(username="clerk"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "delegate", "chair"])
def test_only_the_secretariat_reaches_the_setup_pages(client, bms7, who):
    if who == "delegate":
        client.force_login(delegate_of("jpn"))
    elif who == "chair":
        client.force_login(chairs_office())
    pages = [reverse("meeting_create"), reverse("meeting_setup", args=["bms7"])]
    for url in pages:
        for response in (client.get(url), client.post(url, _details())):
            if who == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("login"))
            else:
                assert response.status_code == 403
    post = client.post(
        reverse("meeting_setup", args=["bms7"]), {"section": "participants", "delegations": ["1"]}
    )
    assert post.status_code in {302, 403}
    assert not Meeting.objects.filter(slug="bms8").exists()
    assert Meeting.objects.get(slug="bms7").delegations.count() == Delegation.objects.count()


@pytest.mark.django_db
def test_create_derives_the_slug_and_leads_to_the_next_steps(clerk_client):
    response = clerk_client.post(reverse("meeting_create"), _details())
    assert response.status_code == 302
    meeting = Meeting.objects.get(slug="bms8")
    assert response["Location"] == reverse("meeting_setup", args=["bms8"])
    assert meeting.time_zone == "Europe/Zurich"
    page = clerk_client.get(response["Location"])
    html = page.content.decode()
    assert "Import the zero draft" in html
    assert "Invite focal points" in html
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_CREATED).count() == 1


@pytest.mark.django_db
def test_next_steps_link_to_the_import_and_invitation_pages_when_they_exist(clerk_client, settings):
    """On a server with the import and invitation pages, the next steps are links to them."""
    settings.ROOT_URLCONF = "tests.views.urls_next_steps"
    clerk_client.post(reverse("meeting_create"), _details())
    html = clerk_client.get(reverse("meeting_setup", args=["bms8"])).content.decode()
    assert f'href="{reverse("document_import", args=["bms8"])}"' in html
    assert f'href="{reverse("invitation_create", args=["bms8"])}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "bms7"}, "slug", "already has the address"),
        ({"slug": "Not a slug!"}, "slug", "lower-case letters"),
        ({"start_date": "9999-01-01", "end_date": "9999-01-02"}, "start_date", "must lie between"),
        ({"end_date": "2026-01-01"}, "end_date", "cannot come before"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"title": "x" * 501}, "title", "at most 500"),
    ],
)
def test_bad_details_come_back_beside_their_field(clerk_client, changes, field, message):
    response = clerk_client.post(reverse("meeting_create"), _details(**changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Meeting.objects.filter(short_title="BMS8").exists()


@pytest.mark.django_db
def test_time_zones_offer_the_un_venues_first(clerk_client):
    html = clerk_client.get(reverse("meeting_create")).content.decode()
    venues = html.index("United Nations venues")
    assert venues < html.index('value="Europe/Zurich"') < html.index("Every time zone")
    assert html.index('value="Africa/Nairobi"') < html.index("Every time zone")
    assert 'value="Asia/Tokyo"' in html


@pytest.mark.django_db
def test_copying_prefills_settings_and_copies_participants(clerk_client, bms7):
    eu = Delegation.objects.get(code="eu")
    GroupCoordinator.objects.create(meeting=bms7, group=eu, delegation=eu.members.first())
    page = clerk_client.get(reverse("meeting_create"), {"copy_from": "bms7"})
    assert page.context["form"].initial["symbol_prefix"] == bms7.symbol_prefix
    assert 'name="copy_from" value="bms7"' in page.content.decode()
    response = clerk_client.post(reverse("meeting_create"), {**_details(), "copy_from": "bms7"})
    assert response.status_code == 302
    copy = Meeting.objects.get(slug="bms8")
    assert copy.delegations.count() == bms7.delegations.count()
    assert copy.group_coordinators.get().delegation_id == eu.members.first().pk


@pytest.mark.django_db
def test_participants_and_coordinators_are_saved_from_the_setup_page(clerk_client):
    clerk_client.post(reverse("meeting_create"), _details())
    meeting = Meeting.objects.get(slug="bms8")
    url = reverse("meeting_setup", args=["bms8"])
    html = clerk_client.get(url).content.decode()
    assert "<legend>Member States</legend>" in html
    assert "<legend>Observer States</legend>" in html
    assert 'id="delegation-filter"' in html
    eu = Delegation.objects.get(code="eu")
    chosen = [str(pk) for pk in meeting.delegations.values_list("pk", flat=True)] + [str(eu.pk)]
    response = clerk_client.post(url, {"section": "participants", "delegations": chosen})
    assert response.status_code == 302
    assert meeting.delegations.filter(pk=eu.pk).exists()
    member = eu.members.order_by("name").first()
    response = clerk_client.post(url, {"section": "coordinators", f"group_{eu.pk}": member.pk})
    assert response.status_code == 302
    assert GroupCoordinator.objects.get(meeting=meeting, group=eu).delegation == member
    # A State not taking part is not offered, and refused if sent anyway.
    outsider = Delegation.objects.filter(groups=eu).exclude(pk=member.pk).order_by("name").first()
    clerk_client.post(
        url,
        {"section": "participants", "delegations": [c for c in chosen if c != str(outsider.pk)]},
    )
    response = clerk_client.post(url, {"section": "coordinators", f"group_{eu.pk}": outsider.pk})
    assert response.status_code == 400
    assert GroupCoordinator.objects.get(meeting=meeting, group=eu).delegation == member


@pytest.mark.django_db
def test_details_are_saved_and_a_new_slug_moves_the_page(clerk_client, bms7):
    url = reverse("meeting_setup", args=["bms7"])
    details = {
        "section": "details",
        "title": bms7.title,
        "short_title": bms7.short_title,
        "slug": "bms7-geneva",
        "symbol_prefix": bms7.symbol_prefix,
        "venue": "Geneva",
        "start_date": bms7.start_date.isoformat(),
        "end_date": bms7.end_date.isoformat(),
        "chair": bms7.chair,
        "time_zone": "Europe/Zurich",
    }
    response = clerk_client.post(url, details)
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_setup", args=["bms7-geneva"])
    bms7.refresh_from_db()
    assert (bms7.slug, bms7.time_zone) == ("bms7-geneva", "Europe/Zurich")
    assert "venue" in AuditEvent.objects.get(action=AuditAction.MEETING_CHANGED).summary


@pytest.mark.django_db
def test_the_home_page_offers_the_secretariat_to_set_up_a_meeting(client, clerk_client, bms7):
    Meeting.objects.create(
        slug="bms8",
        title="Eighth",
        short_title="BMS8",
        venue="Geneva",
        start_date=datetime.date(2026, 6, 8),
        end_date=datetime.date(2026, 6, 12),
        symbol_prefix="X",
    )
    html = clerk_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("meeting_create")}"' in html
    assert f'href="{reverse("meeting_setup", args=["bms8"])}"' in html
    # Each meeting's navigation leads the secretariat to its setup.
    rounds = clerk_client.get(reverse("rounds", args=["bms7"])).content.decode()
    assert f'href="{reverse("meeting_setup", args=["bms7"])}"' in rounds
    # A meeting without a document has no draft or revisions to link to yet.
    assert reverse("revision_list", args=["bms8"]) not in html
    assert client.get(reverse("working_draft", args=["bms8"])).status_code in {302, 404}
    clerk_client.logout()
    assert "Set up a meeting" not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_secretariat_no_longer_meets_a_dead_end(rf, bms7):
    """With no meeting at all, the secretariat is offered to set one up; others are told that
    none is set up yet."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = secretariat()
    html = render_to_string("drafting/home.html", {"meetings": []}, request=request)
    assert "Set up a meeting" in html
    assert "No meeting has been set up yet." not in html
    request.user = AnonymousUser()
    html = render_to_string("drafting/home.html", {"meetings": []}, request=request)
    assert "No meeting has been set up yet." in html
    assert "Set up a meeting" not in html


@pytest.mark.django_db
def test_setup_pages_ask_a_bounded_number_of_queries(clerk_client, django_assert_max_num_queries):
    eu = Delegation.objects.get(code="eu")
    bms7 = Meeting.objects.get(slug="bms7")
    GroupCoordinator.objects.create(meeting=bms7, group=eu, delegation=eu.members.first())
    for _ in range(5):
        clerk_client.post(reverse("meeting_create"), _details(slug="", short_title=f"M{_}"))
    with django_assert_max_num_queries(12):
        assert clerk_client.get(reverse("meeting_setup", args=["bms7"])).status_code == 200
    with django_assert_max_num_queries(8):
        assert clerk_client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(8):
        assert clerk_client.get(reverse("meeting_create")).status_code == 200
