"""A revision shows what it is: deleted elements are out of the clean text (page, PDF,
JSON) and only in redlines, struck through and counted; statuses read as words."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from drafting.exports.pdfs import render_pdf
from drafting.models import Element, Revision
from drafting.services.elements import element_set_status
from drafting.services.revisions import revision_issue
from tests.factories import chairs_office
from tests.pdf_text import flat, pdf_text

pytestmark = pytest.mark.django_db

DELETED = "Regional and sub-regional cooperation"
AGREED = "Effective control over SALW"
EDITED = "Regional best practices"


@pytest.fixture
def rev1(bms7):
    """Rev.1 after the chair deleted a theme, agreed another and reworded a third."""
    chair = chairs_office()
    element_set_status(user=chair, element=Element.objects.get(text=DELETED), status="deleted")
    element_set_status(user=chair, element=Element.objects.get(text=AGREED), status="agreed_ad_ref")
    edited = Element.objects.get(text=EDITED)
    edited.text = "Regional good practices"
    edited.save(update_fields=["text"])
    return revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,", export_pdf=False
    )


def test_the_clean_revision_page_pdf_and_json_leave_the_deleted_theme_out(
    client, bms7, rev1, tmp_path
):
    """Regression: the deleted theme appeared, struck through, in Rev.1's page and PDF."""
    page = client.get(reverse("revision_detail", args=["bms7", 1])).text
    assert DELETED not in page and AGREED in page and "Regional good practices" in page
    assert 'class="status-badge deleted"' not in page
    text = flat(pdf_text(render_pdf(bms7, rev1).content))
    assert DELETED not in text and AGREED in text
    exported = json.loads(_export_json(1, tmp_path))

    def walk(elements):
        for element in elements:
            yield element
            yield from walk(element["children"])

    texts = {e["text"]: e for e in walk(exported["elements"])}
    assert DELETED not in texts and texts[AGREED]["status"] == "agreed_ad_ref"
    assert {e["status"] for e in texts.values()} <= {"pending", "agreed_ad_ref"}
    # The zero draft is as it was.
    assert DELETED in client.get(reverse("revision_detail", args=["bms7", 0])).text


def test_the_comparison_shows_the_deletion_struck_counted_and_statuses_in_words(client, bms7, rev1):
    """Regression: the comparison said "0 deleted" and "status: pending → agreed_ad_ref"."""
    page = client.get(reverse("compare", args=["bms7"]), {"from": 0, "to": 1}).text
    assert "1 deleted" in page and "1 changed" not in page  # the status and the wording: 2
    assert "2 changed" in page
    assert f"<del>{DELETED}</del>" in page
    assert "status: pending → agreed ad referendum" in page and "agreed_ad_ref" not in page
    redline = flat(pdf_text(render_pdf(bms7, rev1, "redline").content))
    assert "0 inserted, 2 changed, 1 deleted" in redline and DELETED in redline
    assert "[status: pending → agreed ad referendum]" in redline
    assert "agreed_ad_ref" not in redline


def test_changes_only_lists_the_changed_elements_with_where_they_sit(client, bms7, rev1):
    url = reverse("compare", args=["bms7"])
    whole = client.get(url, {"from": 0, "to": 1}).text
    assert 'href="?from=0&amp;to=1&amp;changes=only"' in whole and "Show changes only" in whole
    page = client.get(url, {"from": 0, "to": 1, "changes": "only"}).text
    assert page.count('class="redline-row') == 3
    assert DELETED in page and AGREED in page and "<del>best</del><ins>good</ins>" in page
    assert "Role of regional and sub-regional organizations" not in page  # unchanged
    assert '<span class="redline-context">1. \u203a c) \u203a</span>' in page
    assert 'href="?from=0&amp;to=1"' in page and "Show the whole text" in page


def _export_json(number: int, tmp_path) -> str:
    target = tmp_path / f"rev{number}.json"
    call_command("export_revision", "bms7", str(number), "--format", "json", "-o", str(target))
    return target.read_text(encoding="utf-8")


def test_revisions_are_numbered_without_what_was_deleted(client, bms7, tmp_path):
    """A deleted agenda item keeps its number, struck through, in the working draft until
    the next revision; the revision leaves it out (and what is under it) and numbers the
    rest again, and from then on so does the working draft."""
    chair = chairs_office()
    second = Element.objects.get(document=bms7.document, kind="agenda_item", position=1)
    element_set_status(user=chair, element=second, status="deleted")
    client.force_login(chair)
    draft = client.get(reverse("working_draft", args=["bms7"])).text
    assert f'id="e-{second.pk}"' in draft and '<span class="label">5.</span>' in draft
    revision = revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Excellency,", export_pdf=False
    )
    exported = json.loads(_export_json(revision.number, tmp_path))
    assert [e["label"] for e in exported["elements"]] == ["1.", "2.", "3.", "4."]
    assert second.pk not in {e["id"] for e in revision.snapshot["elements"]}
    assert Revision.objects.get(number=0).snapshot["elements"][4]["label"] == "5."
    draft = client.get(reverse("working_draft", args=["bms7"])).text
    assert f'id="e-{second.pk}"' not in draft and '<span class="label">5.</span>' not in draft
    assert '<span class="label">4.</span>' in draft
    since = client.get(reverse("compare", args=["bms7"]), {"from": 1, "to": "draft"}).text
    assert "0 inserted · 0 changed · 0 deleted" in since
    second.refresh_from_db()
    assert second.retired and second.history.first().history_change_reason.startswith(
        "Left out of Rev.1"
    )
