"""What changed since a reader's visit is asked by the document's version (migration 0030
gives the rows written before it their versions, keeping what each visit would list)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from drafting import selectors
from drafting.models import Document, DraftVisit, Element, ElementChange, ElementKind
from drafting.services.elements import element_compose
from drafting.services.notifications import draft_seen
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


def _compose(element: Element, words: str) -> None:
    """The chair's office adds ``words`` to the element's text as it stands."""
    element.refresh_from_db()
    element_compose(
        user=chairs_office(),
        element=element,
        text=f"{element.text} {words}",
        expected_text=element.text,
    )


def test_each_change_is_numbered_with_the_version_its_write_made(bms7):
    first, second = Element.objects.filter(kind=ElementKind.THEME).order_by("pk")[:2]
    _compose(first, "[one]")
    _compose(second, "[two]")
    _compose(first, "[three]")
    versions = list(ElementChange.objects.order_by("pk").values_list("document_version", flat=True))
    document = Document.objects.get(pk=bms7.document.pk)
    assert versions == [document.version - 2, document.version - 1, document.version]


def test_the_migration_keeps_what_each_visit_lists(bms7):
    """Rows of the old code: changes and visits without versions, compared by time. Each
    visit lists afterwards what it listed by time, most recent first."""
    migration = importlib.import_module("drafting.migrations.0030_change_and_visit_versions")
    first, second, third = Element.objects.filter(kind=ElementKind.THEME).order_by("pk")[:3]
    japan, kenya, mexico, india = (delegate_of(code) for code in ("jpn", "ken", "mex", "ind"))
    document = bms7.document
    _compose(first, "[one]")
    _compose(second, "[two]")
    _compose(third, "[three]")
    made = list(ElementChange.objects.order_by("pk").values_list("made_at", flat=True))
    ElementChange.objects.update(document_version=0)
    moment = timedelta(microseconds=1)
    DraftVisit.objects.bulk_create(
        [
            DraftVisit(user=japan, document=document, seen_at=made[0] - moment, seen_version=0),
            DraftVisit(user=kenya, document=document, seen_at=made[2] + moment, seen_version=0),
            # Between the first change and the second (and at the second's very time).
            DraftVisit(user=mexico, document=document, seen_at=made[1], seen_version=0),
        ]
    )

    migration.versions_from_times(apps, None)

    document.refresh_from_db()
    versions = list(ElementChange.objects.order_by("pk").values_list("document_version", flat=True))
    assert versions == [document.version - 2, document.version - 1, document.version]

    def listed(user) -> list[int]:
        return selectors.elements_changed_since_last_visit(document, user.pk)

    assert listed(japan) == [third.pk, second.pk, first.pk]  # saw none: all, newest first
    assert listed(kenya) == []  # saw all
    assert listed(mexico) == [third.pk]  # as by time: made after the visit
    assert listed(india) == []  # no visit
    _compose(first, "[four]")  # a change after the migration
    document.refresh_from_db()
    assert listed(kenya) == [first.pk]


def test_the_version_seen_only_moves_forward(bms7):
    """A page read in one tab and recorded after a newer one, read in another, leaves the
    newer version: what the newer page showed is not listed again."""
    first, second = Element.objects.filter(kind=ElementKind.THEME).order_by("pk")[:2]
    japan = delegate_of("jpn")
    document = Document.objects.get(pk=bms7.document.pk)
    draft_seen(user=japan, document=document, saw_changes=False)  # the first visit
    _compose(first, "[one]")
    older = Document.objects.get(pk=document.pk)
    _compose(second, "[two]")
    newer = Document.objects.get(pk=document.pk)
    draft_seen(user=japan, document=newer, saw_changes=True)
    draft_seen(user=japan, document=older, saw_changes=True)
    assert DraftVisit.objects.get(user=japan).seen_version == newer.version
    assert selectors.elements_changed_since_last_visit(newer, japan.pk) == []
