"""What changed since a reader's visit is asked by the document's version (migration 0030
gives the rows written before it their versions, keeping what each visit would list)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from drafting import selectors
from drafting.models import Document, DraftVisit, Element, ElementChange, ElementKind
from drafting.services.elements import element_compose
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
    """Rows of the old code: changes and visits without versions, compared by time."""
    migration = importlib.import_module("drafting.migrations.0030_change_and_visit_versions")
    first, second = Element.objects.filter(kind=ElementKind.THEME).order_by("pk")[:2]
    japan, kenya, mexico = delegate_of("jpn"), delegate_of("ken"), delegate_of("mex")
    document = bms7.document
    _compose(first, "[one]")
    _compose(second, "[two]")
    made = list(ElementChange.objects.order_by("pk").values_list("made_at", flat=True))
    ElementChange.objects.update(document_version=0)
    DraftVisit.objects.bulk_create(
        [
            DraftVisit(user=japan, document=document, seen_at=made[0] - timedelta(seconds=1)),
            DraftVisit(user=kenya, document=document, seen_at=made[1] + timedelta(seconds=1)),
        ]
    )

    migration.versions_from_times(apps, None)

    document.refresh_from_db()
    assert set(ElementChange.objects.values_list("document_version", flat=True)) == {
        document.version
    }
    # Japan saw neither change: both are listed still. Kenya saw both: none is.
    assert set(selectors.elements_changed_since_last_visit(document, japan.pk)) == {
        first.pk,
        second.pk,
    }
    assert selectors.elements_changed_since_last_visit(document, kenya.pk) == []
    assert selectors.elements_changed_since_last_visit(document, mexico.pk) == []  # no visit
    _compose(first, "[three]")  # a change after the migration
    document.refresh_from_db()
    assert selectors.elements_changed_since_last_visit(document, kenya.pk) == [first.pk]
