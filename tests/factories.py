"""factory_boy factories for setting up users in each role and documents."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from drafting.access import roles
from drafting.models import DelegateProfile, Delegation, Document, Element, Meeting

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    # Hashed before the account is saved, once (saving it again wrote a second UPDATE and a
    # "password changed" audit row for every account): unusable unless a password is given,
    # as only users who sign in through a form need one.
    password = factory.django.Password(None)


def _with_role(user, role: str):
    user.groups.add(Group.objects.get(name=role))
    return user


def delegate_of(code: str, **kwargs):
    """A delegate of the delegation with this code (e.g. "jpn", "eu")."""
    user = _with_role(UserFactory(**kwargs), roles.DELEGATES)
    DelegateProfile.objects.create(user=user, delegation=Delegation.objects.get(code=code))
    return user


def chairs_office(**kwargs):
    return _with_role(UserFactory(**kwargs), roles.CHAIRS_OFFICE)


def secretariat(**kwargs):
    return _with_role(UserFactory(is_staff=True, **kwargs), roles.SECRETARIAT)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"meeting{n}")
    title = factory.Sequence(lambda n: f"Meeting number {n}")
    short_title = factory.Sequence(lambda n: f"M{n}")
    venue = "Geneva"
    start_date = datetime.date(2025, 3, 3)
    end_date = datetime.date(2025, 3, 7)
    symbol_prefix = factory.Sequence(lambda n: f"A/CONF.{n}/WP.1")

    @factory.post_generation
    def delegations(obj, create, extracted, **kwargs):
        """Every delegation takes part unless the test names the participants."""
        if not create:
            return
        from drafting.models import Participation

        chosen = Delegation.objects.all() if extracted is None else extracted
        Participation.objects.bulk_create(
            [Participation(meeting=obj, delegation=delegation) for delegation in chosen]
        )


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    meeting = factory.SubFactory(MeetingFactory)
    title = "Outcome document"


def add_elements(document: Document, *, agenda_items: int, themes_per_item: int) -> None:
    """A document of the given size: agenda items, each with bracketed themes."""
    for item_position in range(agenda_items):
        item = Element.objects.create(
            document=document,
            position=item_position,
            kind="agenda_item",
            text=f"[Agenda item {item_position}]",
        )
        for theme_position in range(themes_per_item):
            Element.objects.create(
                document=document,
                parent=item,
                position=theme_position,
                kind="theme",
                text=f"Theme {theme_position} [with brackets]",
            )


def issue_form_fields(slug: str = "bms7") -> dict[str, str]:
    """The hidden fields of the issue form as it would be shown now: the number it issues
    and the version of the working draft it shows."""
    from drafting.models import Document, Revision

    document = Document.objects.get(meeting__slug=slug)
    last = Revision.objects.filter(document=document).order_by("-number").first()
    return {
        "number": str(0 if last is None else last.number + 1),
        "draft_version": str(document.version),
    }


def designate_coordinator(meeting: Meeting, group_code: str, delegation_code: str):
    """The secretariat designates a delegation to speak for a group at a meeting."""
    from drafting.models import GroupCoordinator

    return GroupCoordinator.objects.create(
        meeting=meeting,
        group=Delegation.objects.get(code=group_code),
        delegation=Delegation.objects.get(code=delegation_code),
    )


def amendment(user, element, text, *, submit=True, **content):
    """``user``'s delegation proposes ``text`` for ``element`` (submitted unless told not to;
    ``content``: more of ``ProposalContent``, e.g. ``on_behalf_of``, ``co_sponsors``)."""
    import uuid

    from drafting.models import ProposalKind
    from drafting.services.proposals import ProposalContent, proposal_create

    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind=ProposalKind.AMEND, proposed_text=text, **content),
        idempotency_key=uuid.uuid4(),
        submit=submit,
    )


def revised(user, proposal, text, **kwargs):
    """``user``'s delegation revises ``proposal`` (read afresh) to the amendment ``text``, at
    the version it now has (``kwargs``: more of ``proposal_revise``, e.g. ``submit``)."""
    from drafting.models import ProposalKind
    from drafting.services.proposals import ProposalContent, proposal_revise

    proposal.refresh_from_db()
    return proposal_revise(
        user=user,
        proposal=proposal,
        content=ProposalContent(kind=ProposalKind.AMEND, proposed_text=text),
        expected_version=proposal.version,
        **kwargs,
    )


def viewer(user=None):
    """A test client of its own, signed in as ``user`` (signed out without one): several
    readers side by side, each with its own session and CSRF cookie."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def open_round_for_an_hour(document: Document, name: str = "Round 1"):
    """The secretariat opens a consultation round from an hour ago until an hour from now."""
    from django.utils import timezone

    from drafting.services.rounds import round_open

    now = timezone.now()
    return round_open(
        user=secretariat(),
        document=document,
        name=name,
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(hours=1),
    )
