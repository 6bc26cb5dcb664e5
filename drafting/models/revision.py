"""Numbered revisions: immutable snapshots of the whole document.

A revision is never edited and never deleted: ``save`` refuses an update and ``delete``
refuses outright. The audit trail of editable records lives in django-simple-history;
revisions are the official record, a different thing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drafting.text.snapshot import Snapshot, SnapshotElement


class RevisionImmutableError(Exception):
    """Raised on any attempt to change or remove an issued revision."""


class Revision(models.Model):
    document = models.ForeignKey(
        "drafting.Document",
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("document"),
    )
    number = models.PositiveIntegerField(_("number"), help_text=_("0 is the zero draft."))
    label = models.CharField(_("label"), max_length=40)
    symbol = models.CharField(_("document symbol"), max_length=120)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    SIGNATORY_MAX_LENGTH = 300
    signatory = models.CharField(
        _("signed by"),
        max_length=SIGNATORY_MAX_LENGTH,
        blank=True,
        help_text=_("Who signed the cover letter."),
    )
    cover_letter = models.TextField(_("cover letter"), blank=True)
    # Read back from JSON: kinds and statuses are the plain strings (see drafting.text.kinds).
    snapshot: models.JSONField[Snapshot, Snapshot] = models.JSONField(_("snapshot"))
    content_hash = models.CharField(_("content hash"), max_length=64)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=~Q(content_hash=""), name="revision_hash_present"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.label})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RevisionImmutableError("An issued revision cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RevisionImmutableError("An issued revision cannot be deleted.")

    @property
    def elements(self) -> list[SnapshotElement]:
        return self.snapshot["elements"]


class FileKind(models.TextChoices):
    """What a revision's file shows, and in what format (``RevisionFile.kind``,
    ``ExportJob.kind``): PDFs by the plain names, other formats by name.format."""

    REVISION = "revision", _("the revision")
    REDLINE = "redline", _("redline against the previous revision")
    COMPILATION = "compilation", _("compilation of proposals")
    # Word and Akoma Ntoso files (drafting.services.exports.OTHER_FORMATS).
    REVISION_DOCX = "revision.docx", _("the revision as a Word file")
    REDLINE_DOCX = "redline.docx", _("redline as a Word file with tracked changes")
    COMPILATION_DOCX = "compilation.docx", _("compilation as a Word file")
    REVISION_AKN = "revision.akn", _("the revision as Akoma Ntoso XML")


class ExportJobStatus(models.TextChoices):
    """Where an export job stands (``ExportJob.Status``)."""

    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class RevisionFile(models.Model):
    """A PDF of an issued revision, generated once and kept with its checksum.

    ``kind`` is revision, redline or compilation. The same revision always gives the same
    revision and redline bytes, so those are stored once (``content_key`` empty). A
    compilation shows the proposals made against the revision, which change: each is keyed
    by a digest of what it shows (``content_key``, see
    ``selectors.compilation.compilation_content_key``) and stamped with the moment it shows
    (``as_of``); a new one is made when that content changed, and the earlier ones stay.
    Files are only ever created, never changed.
    """

    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="files", verbose_name=_("revision")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FileKind.choices)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    pages = models.PositiveIntegerField(_("pages"))
    content_key = models.CharField(
        _("content key"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Compilations: a digest of the proposals, versions and marks shown."),
    )
    as_of = models.DateTimeField(
        _("as of"), null=True, blank=True, help_text=_("Compilations: the moment shown.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("revision PDF")
        verbose_name_plural = _("revision PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "kind", "content_key"], name="revision_file_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FileKind.values),
                name="revision_file_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revision} {self.kind}"


class ExportJob(models.Model):
    """A PDF export running in the background, with a heartbeat.

    A task whose worker was killed stays "running" for ever in the task backend; this record's
    heartbeat tells a stale job from a live one, so it can be re-queued or failed.
    """

    Status = ExportJobStatus

    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="export_jobs", verbose_name=_("revision")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FileKind.choices)
    # Compilations: the content the job was asked for, then the one it stored.
    content_key = models.CharField(_("content key"), max_length=64, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    step = models.CharField(_("step"), max_length=120, blank=True)
    pages_done = models.PositiveIntegerField(_("pages laid out"), default=0)
    pages_expected = models.PositiveIntegerField(_("pages expected"), default=1)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("PDF export")
        verbose_name_plural = _("PDF exports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportJobStatus.values),
                name="export_job_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.revision} {self.kind} {self.status}"

    @property
    def is_queued(self) -> bool:
        return self.status == ExportJobStatus.QUEUED

    @property
    def is_under_way(self) -> bool:
        """Queued or running: its page polls until it is done or failed."""
        return self.status in {ExportJobStatus.QUEUED, ExportJobStatus.RUNNING}

    @property
    def is_done(self) -> bool:
        return self.status == ExportJobStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == ExportJobStatus.FAILED

    @property
    def is_redline(self) -> bool:
        return self.kind == FileKind.REDLINE

    @property
    def is_compilation(self) -> bool:
        return self.kind == FileKind.COMPILATION

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(95, int(100 * self.pages_done / max(1, self.pages_expected)))
