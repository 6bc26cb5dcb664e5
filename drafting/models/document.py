"""The outcome document of a meeting: a tree of elements with footnotes."""

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from drafting.text.kinds import Kind, Status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class Document(models.Model):
    meeting = models.OneToOneField(
        "drafting.Meeting",
        on_delete=models.PROTECT,
        related_name="document",
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("title"), max_length=300)
    preamble = models.TextField(
        _("preamble"),
        blank=True,
        help_text=_("Note printed above the document, e.g. 'without prejudice'."),
    )
    version = models.PositiveBigIntegerField(
        _("version of the working draft"),
        default=0,
        editable=False,
        help_text=_(
            "Bumped by every write to the working draft or to decisions on its proposals "
            "(drafting.services.gate); the key of anything cached about them."
        ),
    )
    # The version counts writes; the history records the document's content.
    history = HistoricalRecords(excluded_fields=["version"])
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str
    skip_history_when_saving: bool  # set for a save that writes no history row

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class ElementKind(models.TextChoices):
    """The text core's :class:`Kind`, with labels (a test checks that they agree)."""

    AGENDA_ITEM = Kind.AGENDA_ITEM.value, _("agenda item")
    SECTION = Kind.SECTION.value, _("section")
    THEME = Kind.THEME.value, _("theme")
    SUBTHEME = Kind.SUBTHEME.value, _("sub-theme")
    PARAGRAPH = Kind.PARAGRAPH.value, _("paragraph")
    PLACEHOLDER = Kind.PLACEHOLDER.value, _("empty bullet")
    CHAPTER = Kind.CHAPTER.value, _("chapter")
    PREAMBULAR = Kind.PREAMBULAR.value, _("preambular paragraph")
    SUBPARAGRAPH = Kind.SUBPARAGRAPH.value, _("sub-paragraph")


class ElementStatus(models.TextChoices):
    """The text core's :class:`Status`, with labels (a test checks that they agree)."""

    PENDING = Status.PENDING.value, _("pending")
    AGREED = Status.AGREED.value, _("agreed ad referendum")
    DELETED = Status.DELETED.value, _("deleted")


class Element(models.Model):
    """One node of the working draft. Its label (number, letter, bullet) comes from position.

    Positions are unique among siblings. A placeholder is an empty bullet inviting proposals;
    its text is empty.
    """

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="elements", verbose_name=_("document")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=ElementKind.choices)
    unnumbered = models.BooleanField(
        _("unnumbered"),
        default=False,
        help_text=_("A section without a letter, e.g. 'The Way Forward'."),
    )
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ElementStatus.choices, default=ElementStatus.PENDING
    )
    provisional = models.BooleanField(
        _("inserted since the last revision"),
        default=False,
        help_text=_("Numbered “2 bis” until the next revision renumbers the document."),
    )
    retired = models.BooleanField(
        _("left out by a revision"),
        default=False,
        help_text=_(
            "Deleted, and a revision was issued since: no longer part of the text or of its "
            "numbering (its row and history are kept)."
        ),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("element")
        verbose_name_plural = _("elements")
        ordering = ["document", "parent_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "parent", "position"],
                condition=Q(parent__isnull=False),
                name="element_position_unique_in_parent",
            ),
            models.UniqueConstraint(
                fields=["document", "position"],
                condition=Q(parent__isnull=True),
                name="element_position_unique_at_top",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ElementKind.values), name="element_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ElementStatus.values), name="element_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ElementKind.PLACEHOLDER) | Q(text=""),
                name="element_placeholder_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}: {self.text[:60]}"


class Footnote(models.Model):
    """A footnote attached to an element; its number is derived in reading order."""

    element = models.ForeignKey(
        Element, on_delete=models.PROTECT, related_name="footnotes", verbose_name=_("element")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.TextField(_("text"))
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("footnote")
        verbose_name_plural = _("footnotes")
        ordering = ["element", "position"]
        constraints = [
            models.UniqueConstraint(fields=["element", "position"], name="footnote_position_unique")
        ]

    def __str__(self) -> str:
        return self.text[:60]
