"""Word and Akoma Ntoso files on the revision page: made by the export jobs, stored, served
as downloads; the public gets the revision and the redline, never a compilation; and on the
command line."""

import io

import docx
import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from drafting.models import Element, ExportJob, RevisionFile
from drafting.services.revisions import revision_issue
from tests import docx_text
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rev1(bms7):
    theme = Element.objects.get(text="Effective control over SALW")
    theme.text = "Effective [and transparent] control over SALW"
    theme.save(update_fields=["text"])
    return revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Sir,", export_pdf=False
    )


def downloaded(client, slug: str, number: int, kind: str):
    """Ask for the file on the revision page (POST), let the job run, follow to the file."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("export_request", args=[slug, number]), {"kind": kind})
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.filter(kind=kind).latest("pk")
    status = client.get(response["Location"])
    assert job.status == "done" or ExportJob.objects.get(pk=job.pk).status == "done"
    link = reverse("revision_file", args=[slug, number, kind])
    assert link in status.content.decode()
    return client.get(link)


def test_the_public_downloads_the_redline_as_tracked_changes(client, bms7, rev1):
    response = downloaded(client, bms7.slug, 1, "redline.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="A-CONF.192-BMS-2021-WP.1-Rev.1-redline.docx"'
    )
    content = response.content
    assert docx_text.change_authors(content) == {"Office of the Chair"}
    tracked = docx_text.body(content)
    accepted = docx_text.annex_texts(
        docx_text.settle(tracked, accept=True), docx_text.footnotes(content)
    )
    assert any("Effective [and transparent] control over SALW" in t for t in accepted)
    rejected = docx_text.annex_texts(
        docx_text.settle(tracked, accept=False), docx_text.footnotes(content)
    )
    assert any(t.endswith("\tEffective control over SALW") for t in rejected)
    assert RevisionFile.objects.filter(kind="redline.docx", revision=rev1).count() == 1


def test_the_public_gets_the_revision_and_its_akoma_ntoso(client, bms7, rev1):
    word = downloaded(client, bms7.slug, 1, "revision.docx")
    assert docx.Document(io.BytesIO(word.content)).paragraphs[0].text.endswith(rev1.symbol)
    xml = downloaded(client, bms7.slug, 1, "revision.akn")
    assert xml["Content-Type"] == "application/akn+xml"
    assert rev1.symbol.encode() in xml.content


def test_the_public_never_gets_a_compilation_in_word(client, bms7, rev1):
    response = client.post(
        reverse("export_request", args=[bms7.slug, 1]), {"kind": "compilation.docx"}
    )
    assert response.status_code == 403
    response = client.get(reverse("revision_file", args=[bms7.slug, 1, "compilation.docx"]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ExportJob.objects.filter(kind="compilation.docx").exists()
    client.force_login(delegate_of("jpn"))
    assert downloaded(client, bms7.slug, 1, "compilation.docx").status_code == 200


def test_an_unknown_kind_is_not_found(client, bms7, rev1):
    assert (
        client.get(reverse("revision_file", args=[bms7.slug, 1, "revision.odt"])).status_code == 404
    )


def test_the_revision_page_offers_the_word_files(client, bms7, rev1):
    page = client.get(reverse("revision_detail", args=[bms7.slug, 1])).content.decode()
    for kind in ("revision.docx", "redline.docx", "revision.akn"):
        assert f'value="{kind}"' in page
    assert 'value="compilation.docx"' not in page


def test_command_line_word_and_akoma_ntoso(bms7, rev1, tmp_path):
    targets = {
        "docx": ["--format", "docx"],
        "redline": ["--format", "docx", "--redline"],
        "against": ["--format", "docx", "--redline", "--against", "0"],
        "compilation": ["--format", "docx", "--compilation"],
        "akn": ["--format", "akn"],
    }
    for name, arguments in targets.items():
        call_command("export_revision", "bms7", "1", *arguments, "-o", str(tmp_path / name))
    assert (tmp_path / "redline").read_bytes() == (tmp_path / "against").read_bytes()
    assert (tmp_path / "docx").read_bytes().startswith(b"PK")
    assert b"<akomaNtoso" in (tmp_path / "akn").read_bytes()
