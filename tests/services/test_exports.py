"""Background PDF exports: progress, storage, recovery of jobs whose worker died."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from drafting.models import ExportJob, Revision, RevisionFile
from drafting.services.exports import export_job_request, export_jobs_recover
from tests.factories import delegate_of

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def zero(bms7):
    return Revision.objects.get(document=bms7.document, number=0)


def test_an_export_runs_reports_pages_and_stores_the_file(
    bms7, zero, django_capture_on_commit_callbacks
):
    user = delegate_of("jpn")
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_request(user=user, meeting=bms7, revision=zero, kind="revision")
    job.refresh_from_db()
    stored = RevisionFile.objects.get(revision=zero, kind="revision")
    assert job.status == "done" and job.attempts == 1
    assert job.pages_done == stored.pages >= 4
    assert job.heartbeat_at is not None and job.finished_at is not None
    again = export_job_request(user=user, meeting=bms7, revision=zero, kind="revision")
    assert again.status == "done"  # already stored: nothing to render again
    # Nor a row more: anyone's repeated requests for a stored file get the finished job.
    assert again.pk == job.pk
    assert ExportJob.objects.filter(revision=zero, kind="revision").count() == 1


def test_a_stored_file_without_a_finished_job_gets_one_done_job(bms7, zero):
    from drafting.exports import pdfs

    rendered = pdfs.render_pdf(bms7, zero)
    RevisionFile.objects.create(
        revision=zero,
        kind="revision",
        content=rendered.content,
        sha256=rendered.sha256,
        pages=rendered.pages,
    )
    user = delegate_of("jpn")
    first = export_job_request(user=user, meeting=bms7, revision=zero, kind="revision")
    second = export_job_request(user=user, meeting=bms7, revision=zero, kind="revision")
    assert first.status == "done" and second.pk == first.pk
    assert ExportJob.objects.filter(revision=zero).count() == 1


def test_a_stale_running_job_is_requeued_then_failed_after_three_attempts(
    bms7, zero, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(minutes=10)
    job = ExportJob.objects.create(
        revision=zero, kind="redline", status="running", attempts=1, heartbeat_at=old
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2
    dead = ExportJob.objects.create(
        revision=zero, kind="compilation", status="running", attempts=3, heartbeat_at=old
    )
    export_jobs_recover()
    dead.refresh_from_db()
    assert dead.status == "failed" and "stopped responding" in dead.error


def test_a_live_job_is_left_alone(bms7, zero):
    job = ExportJob.objects.create(
        revision=zero, kind="redline", status="running", attempts=1, heartbeat_at=timezone.now()
    )
    assert export_jobs_recover() == 0
    job.refresh_from_db()
    assert job.status == "running"


def test_the_progress_page_polls_then_offers_the_download(client, bms7, zero):
    job = ExportJob.objects.create(
        revision=zero,
        kind="revision",
        status="running",
        pages_done=3,
        pages_expected=6,
        heartbeat_at=timezone.now(),
    )
    url = reverse("export_status", args=["bms7", job.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "3 pages laid out" in page.text and 'data-hx-trigger="every 1s"' in page.text
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert (
        "<html" not in fragment.text
        and '<progress id="export-bar" max="100" value="50">' in fragment.text
    )
    ExportJob.objects.filter(pk=job.pk).update(status="done", pages_done=6)
    assert "Download the PDF" in client.get(url).text


def test_requesting_an_export_through_the_page(
    client, bms7, zero, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("export_request", args=["bms7", 0]), {"kind": "redline"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("export_status", args=["bms7", job.pk])
    assert (
        client.post(
            reverse("export_request", args=["bms7", 0]), {"kind": "compilation"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("export_request", args=["bms7", 0]), {"kind": "x"}).status_code == 404
    )


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_export(bms7):
    """The production path: the task is stored in the database and `db_worker` runs it."""
    from drafting.tasks import export_pdf

    zero = Revision.objects.get(document=bms7.document, number=0)
    job = ExportJob.objects.create(revision=zero, kind="redline")
    export_pdf.using(backend="database").enqueue(job.pk)
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}",
        "TASKS_BACKEND": "database",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--backend",
            "database",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    job.refresh_from_db()
    assert job.status == "done", (job.status, job.error, result.stderr[-2000:])
    assert RevisionFile.objects.filter(revision=zero, kind="redline").exists()


def test_a_fatal_weasyprint_error_marks_the_job_failed(bms7, zero, monkeypatch):
    """FatalURLFetchingError derives from BaseException; the job must not stay running."""
    from weasyprint.urls import FatalURLFetchingError

    from drafting.services import exports
    from drafting.tasks import _ProgressHandler

    def fatal(**kwargs):
        raise FatalURLFetchingError("stop")

    monkeypatch.setattr(exports, "revision_file_get_or_create", fatal)
    job = ExportJob.objects.create(revision=zero, kind="redline")
    with pytest.raises(FatalURLFetchingError):
        exports.export_job_run(job_id=job.pk, progress_handler=_ProgressHandler)
    job.refresh_from_db()
    assert job.status == "failed" and "FatalURLFetchingError" in job.error


def test_an_anonymous_get_of_a_pdf_not_stored_starts_its_job_and_never_renders_in_the_request(
    client, bms7, zero, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Regression: the PDF view laid out a missing redline in the web worker, so anyone could
    tie up workers with GETs. With the production task backend a GET starts (or joins) the
    export job and goes to its progress page; WeasyPrint runs only in the worker."""
    from drafting.exports import pdfs
    from drafting.models import AuditEvent
    from drafting.models.audit import AuditAction

    settings.TASKS = {**settings.TASKS, "default": settings.TASKS["database"]}

    def no_render(*args, **kwargs):
        raise AssertionError("a PDF was rendered in the request")

    monkeypatch.setattr(pdfs, "pdf_from_html", no_render)
    url = reverse("revision_pdf_kind", args=["bms7", 0, "redline"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
        second = client.get(url)
    job = ExportJob.objects.get(revision=zero, kind="redline")
    assert job.status == "queued" and job.requested_by is None
    progress = reverse("export_status", args=["bms7", job.pk])
    assert (first.status_code, first["Location"]) == (302, progress)
    assert (second.status_code, second["Location"]) == (302, progress)  # the same job
    # Asking again while it is on its way records nothing new.
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_REQUESTED).count() == 1
    assert not RevisionFile.objects.filter(revision=zero, kind="redline").exists()
    assert "Waiting for a worker" in client.get(progress).text


def test_a_get_serves_the_stored_pdf_once_its_job_has_made_it(
    client, bms7, zero, django_capture_on_commit_callbacks
):
    """The first GET starts the job and shows its progress; once the job has stored the file
    (here the immediate backend runs it when the request's work commits), GETs are served the
    stored bytes, and the progress page links to them."""
    url = reverse("revision_pdf_kind", args=["bms7", 0, "redline"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    assert first.status_code == 302
    assert (
        reverse("revision_pdf_kind", args=["bms7", 0, "redline"])
        in client.get(first["Location"]).text
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    stored = RevisionFile.objects.get(revision=zero, kind="redline")
    assert bytes(response.content) == bytes(stored.content)


def _propose(code: str, text: str):
    import uuid

    from drafting.models import Element
    from drafting.services.proposals import ProposalContent, proposal_create

    return proposal_create(
        user=delegate_of(code),
        element=Element.objects.get(text="Effective control over SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


def _made(client, url, capture):
    """GET a compilation PDF not stored yet: its job runs (immediate backend) and the GET
    after it serves the file."""
    with capture(execute=True):
        assert client.get(url).status_code == 302
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_a_compilation_pdf_is_of_a_moment_and_a_new_one_is_made_when_proposals_change(
    client, bms7, zero, open_round, django_capture_on_commit_callbacks
):
    """Regression: the compilation PDF was made once and served for ever: after a new
    proposal the PDF and a new export request both gave the old file ("1 proposal" with 2
    in the database), undated. Now each stored compilation is keyed by what it shows and
    says as of when (New York time); a change of content makes a new one, and the earlier
    ones stay downloadable, listed by time on the revision page."""
    from drafting.services.marks import mark_set
    from tests.pdf_text import flat, pdf_text

    client.force_login(delegate_of("jpn"))
    url = reverse("revision_pdf_kind", args=["bms7", 0, "compilation"])
    _propose("jpn", "Effective control over small arms")
    first = flat(pdf_text(_made(client, url, django_capture_on_commit_callbacks).content))
    assert "1 proposal," in first
    stored = RevisionFile.objects.get(revision=zero, kind="compilation")
    as_of = timezone.localtime(stored.as_of)
    assert str(as_of.tzinfo) == "America/New_York"
    assert f"As of {as_of:%-d %B %Y, %H:%M} (New York time)." in first
    assert client.get(url).content == bytes(stored.content)  # unchanged: the same file

    mexico = _propose("mex", "Effective control over all SALW")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 302  # not the old file: a new job
        job = export_job_request(
            user=delegate_of("jpn"), meeting=bms7, revision=zero, kind="compilation"
        )
        assert job.status == "queued" and job.content_key != stored.content_key
    second = flat(pdf_text(client.get(url).content))
    assert "2 proposals," in second and "Mexico" in second

    mark_set(user=delegate_of("ind"), proposal=mexico, stance="support")
    third = flat(pdf_text(_made(client, url, django_capture_on_commit_callbacks).content))
    assert "Supported by: India" in third

    made = list(RevisionFile.objects.filter(revision=zero, kind="compilation").order_by("as_of"))
    assert len(made) == 3 and len({f.content_key for f in made}) == 3
    page = client.get(reverse("revision_detail", args=["bms7", 0])).text
    assert "Compilation PDFs made: 3" in page
    for earlier in made:
        link = reverse("compilation_file", args=["bms7", 0, earlier.pk])
        assert link in page
        assert client.get(link).content == bytes(earlier.content)
    assert "1 proposal," in flat(
        pdf_text(client.get(reverse("compilation_file", args=["bms7", 0, made[0].pk])).content)
    )
    client.logout()
    assert client.get(reverse("compilation_file", args=["bms7", 0, made[0].pk])).status_code == 302
