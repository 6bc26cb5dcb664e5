"""Proposals of delegations, their support and opposition, replies to decisions, the record
of each change to the working draft (`ElementChange`), and consultation rounds."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from drafting.render.presenters import MarkSummary
    from drafting.text.places import Place


class ConsultationRound(models.Model):
    """A window with a deadline for proposals. The chair's office may reopen it."""

    document = models.ForeignKey(
        "drafting.Document",
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("document"),
    )
    name = models.CharField(_("name"), max_length=120)
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("consultation round")
        verbose_name_plural = _("consultation rounds")
        ordering = ["document", "opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "name"], name="round_name_unique"),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opens_at")), name="round_deadline_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, at=None) -> bool:
        moment = at or timezone.now()
        return self.opens_at <= moment < self.deadline

    @property
    def has_closed(self) -> bool:
        return self.deadline <= timezone.now()


class ProposalKind(models.TextChoices):
    AMEND = "amend", _("amend the text")
    INSERT_AFTER = "insert_after", _("insert a new element after this one")
    FILL_PLACEHOLDER = "fill_placeholder", _("fill the empty bullet")
    DELETE = "delete", _("delete the element")
    ADD_BRACKETS = "add_brackets", _("add brackets")
    REMOVE_BRACKETS = "remove_brackets", _("remove brackets (agree the language)")
    COMMENT = "comment", _("comment without changing the text")


# The proposals that insert a new element (after this one, or in the empty bullet): their
# text is all new language, made against no base text.
INSERT_KINDS = frozenset({ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER})


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    DISCARDED = "discarded", _("discarded draft")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    ACCEPTED = "accepted", _("accepted")
    ACCEPTED_WITH_CHANGES = "accepted_with_changes", _("accepted with changes")
    REJECTED = "rejected", _("rejected")
    DEFERRED = "deferred", _("deferred")
    NEEDS_REBASE = "needs_rebase", _("needs rebase")


# Statuses of a proposal never submitted: its words are its delegation's alone, always (a
# discarded draft too: discarding never publishes).
PRIVATE_STATUSES = frozenset({ProposalStatus.DRAFT, ProposalStatus.DISCARDED})
# Statuses in which a proposal is visible beyond its own delegation.
VISIBLE_STATUSES = frozenset(ProposalStatus.values) - PRIVATE_STATUSES
# Statuses in which the chair's office has decided on it (and may have left a note).
DECIDED_STATUSES = frozenset(
    {
        ProposalStatus.ACCEPTED,
        ProposalStatus.ACCEPTED_WITH_CHANGES,
        ProposalStatus.REJECTED,
        ProposalStatus.DEFERRED,
    }
)
# Statuses in which the proposing delegation may still change it.
REVISABLE_STATUSES = frozenset(
    {ProposalStatus.DRAFT, ProposalStatus.SUBMITTED, ProposalStatus.NEEDS_REBASE}
)


class _ProposalHistory(HistoricalRecords):
    """The proposal's history, with its co-sponsors copied into each row: as
    django-simple-history does, but without reading them for the row of a proposal just
    created, which has none yet (they are added once it has an id; each addition writes a
    history row of its own, with them)."""

    def create_historical_record_m2ms(self, history_instance, instance) -> None:
        if history_instance.history_type == "+":
            return
        super().create_historical_record_m2ms(history_instance, instance)


class Proposal(models.Model):
    """One delegation's change against one element of one base revision.

    ``patch`` is the diff-match-patch patch (``patch_toText``) from ``base_text`` to
    ``proposed_text``; for an insert the base text is empty. Each save is a version in the
    history.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(
        "drafting.Document",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("document"),
    )
    base_revision = models.ForeignKey(
        "drafting.Revision",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("base revision"),
    )
    round = models.ForeignKey(
        ConsultationRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("round"),
    )
    element = models.ForeignKey(
        "drafting.Element",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("element"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices)
    new_element_kind = models.CharField(
        _("kind of the new element"),
        max_length=20,
        blank=True,
        help_text=_("For an insertion: theme, sub-theme or paragraph."),
    )
    base_text = models.TextField(_("base text"), blank=True)
    proposed_text = models.TextField(_("proposed text"), blank=True)
    patch = models.TextField(_("patch"), blank=True)
    diff = models.JSONField(
        _("word diff"),
        default=list,
        blank=True,
        help_text=_(
            "The word-level diff from base to proposed text, as [operation, text] pairs; "
            "derived from the two texts and kept so that compilations need not recompute it."
        ),
    )
    rationale = models.TextField(_("rationale"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("author"),
    )
    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("delegation"),
    )
    on_behalf_of = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals_on_behalf",
        verbose_name=_("on behalf of"),
    )
    co_sponsors = models.ManyToManyField(
        "drafting.Delegation",
        blank=True,
        related_name="co_sponsored_proposals",
        verbose_name=_("co-sponsors"),
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    idempotency_key = models.UUIDField(_("idempotency key"), editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    withdrawn_after_deadline = models.BooleanField(
        _("withdrawn after the deadline"),
        default=False,
        help_text=_("Withdrawn when no consultation round was open (the chair was compiling)."),
    )
    decision_note = models.TextField(_("note to the delegation"), blank=True)
    reflected_in = models.ForeignKey(
        "drafting.Revision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_proposals",
        verbose_name=_("decided for revision"),
        help_text=_("The revision that first carried the chair's decision on it."),
    )
    history = _ProposalHistory(m2m_fields=[co_sponsors])
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str
    # Attached by the selectors that list proposals (drafting.selectors), not stored.
    mark_summary: "MarkSummary"
    named_co_sponsors: tuple[list[str], list[str]]  # (accepted, awaiting) short names
    place: "Place | None"  # where its element sits (render.page_cache.attach_places)
    reply: "DecisionReply | None"  # shown under the decision (selectors.attach_replies)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "idempotency_key"], name="proposal_idempotency_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ProposalKind.values), name="proposal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=False)
                | Q(status__in=[ProposalStatus.DRAFT, ProposalStatus.DISCARDED]),
                name="proposal_submitted_has_time",
            ),
        ]
        indexes = [
            # Open proposals per element (working draft, compilation) read from the index
            # alone.
            models.Index(
                fields=["document", "status", "element"], name="proposal_document_status_el"
            ),
            models.Index(fields=["delegation", "status"], name="proposal_delegation_status"),
            models.Index(fields=["element", "status"], name="proposal_element_status"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} · {self.get_kind_display()} · {self.get_status_display()}"

    @property
    def is_insert(self) -> bool:
        return self.kind in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}

    @property
    def changes_text(self) -> bool:
        return self.kind != ProposalKind.COMMENT

    def set_texts(self, base_text: str, proposed_text: str) -> None:
        """Set both texts with the patch and word diff derived from them (kept in step)."""
        from drafting.text import diff as text_diff

        self.base_text, self.proposed_text = base_text, proposed_text
        self.patch, segments = text_diff.patch_and_word_diff(base_text, proposed_text)
        self.diff = [[s.op, s.text] for s in segments]

    @property
    def diff_segments(self) -> list:
        """The stored word diff as segments (computed when missing, for old rows)."""
        from drafting.text import diff as text_diff

        if self.diff or not (self.base_text or self.proposed_text):
            return [text_diff.DiffSegment(op, text) for op, text in self.diff]
        return text_diff.word_diff(self.base_text, self.proposed_text)

    @property
    def is_draft(self) -> bool:
        return self.status == ProposalStatus.DRAFT

    @property
    def is_discarded(self) -> bool:
        return self.status == ProposalStatus.DISCARDED

    @property
    def is_private(self) -> bool:
        """Never submitted: seen by its own delegation only."""
        return self.status in PRIVATE_STATUSES

    @property
    def status_label(self) -> str:
        """The status as shown, "withdrawn after the deadline" included."""
        if self.status == ProposalStatus.WITHDRAWN and self.withdrawn_after_deadline:
            return str(_("withdrawn after the deadline"))
        return str(self.get_status_display())

    @property
    def reflection(self) -> str:
        """How the proposal fared in the revision that carried the decision on it."""
        if self.reflected_in_id is None:
            return ""
        reflections: dict[str, str] = {
            ProposalStatus.ACCEPTED: "reflected",
            ProposalStatus.ACCEPTED_WITH_CHANGES: "partly reflected",
        }
        return reflections.get(self.status, "not reflected")

    @property
    def reflection_label(self) -> str:
        """The reflection in words of the interface's language."""
        labels = {
            "reflected": _("reflected"),
            "partly reflected": _("partly reflected"),
            "not reflected": _("not reflected"),
        }
        return str(labels.get(self.reflection, ""))


class ElementChangeAction(models.TextChoices):
    """What a change to the working draft did (``ElementChange.Action``)."""

    TEXT = "text", _("text changed")
    INSERT = "insert", _("element inserted")
    STATUS = "status", _("status changed")
    MOVE = "move", _("element moved")


class ElementChange(models.Model):
    """Provenance: one change to the working draft, who made it, and from which proposals.

    Written once, never edited: the record of why the text says what it says.
    """

    Action = ElementChangeAction

    document = models.ForeignKey(
        "drafting.Document",
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("document"),
    )
    element = models.ForeignKey(
        "drafting.Element",
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("element"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before_text = models.TextField(_("text before"), blank=True)
    after_text = models.TextField(_("text after"), blank=True)
    before_status = models.CharField(_("status before"), max_length=20, blank=True)
    after_status = models.CharField(_("status after"), max_length=20, blank=True)
    proposals = models.ManyToManyField(
        Proposal, blank=True, related_name="element_changes", verbose_name=_("source proposals")
    )
    is_chair_proposal = models.BooleanField(_("chair's proposal"), default=False)
    undoes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="undone_by",
        verbose_name=_("undoes"),
        help_text=_("The change whose effect this one takes back (a decision corrected)."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    document_version = models.PositiveBigIntegerField(
        _("version of the working draft"),
        editable=False,
        help_text=_(
            "The document's version this change made (drafting.services.gate): what a reader "
            "saw is said by the version read, as the time a change was made may be earlier "
            "than its commit."
        ),
    )

    class Meta:
        verbose_name = _("change to the working draft")
        verbose_name_plural = _("changes to the working draft")
        ordering = ["made_at", "id"]
        indexes = [
            # What the desk lists as new since the visit before (`selectors.desk`).
            models.Index(fields=["document", "made_at"], name="element_change_since"),
            # What changed in a draft since a reader's visit (`selectors.pages`).
            models.Index(fields=["document", "document_version"], name="element_change_version"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ElementChangeAction.values),
                name="element_change_action_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.element_id}"


class MarkStance(models.TextChoices):
    """A delegation's position on another's proposal, in the words delegations use, from the
    warmest to the coldest. The labels complete "Your delegation … this proposal"."""

    SUPPORT = "support", _("supports")
    CAN_ACCEPT = "can_accept", _("can accept")
    RESERVATION = "reservation", _("has a reservation on")
    OPPOSE = "oppose", _("opposes")


# The positions as offered in the form and named in lists ("Supported by:", ...).
STANCE_CHOICES = [
    (MarkStance.SUPPORT, _("support")),
    (MarkStance.CAN_ACCEPT, _("can accept")),
    (MarkStance.RESERVATION, _("reservation")),
    (MarkStance.OPPOSE, _("oppose")),
]


class ProposalMark(models.Model):
    """One delegation's position on a submitted proposal (one per delegation): support, can
    accept, reservation or oppose, with an optional note.

    A mark is given to a text: ``version`` is the proposal's version it was given to. When the
    proposing delegation revises the proposal, the mark stays "given to version N" and no
    longer counts as current until its delegation confirms it for the new version.
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="marks", verbose_name=_("proposal")
    )
    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        related_name="marks",
        verbose_name=_("delegation"),
    )
    stance = models.CharField(_("stance"), max_length=16, choices=MarkStance.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    version = models.PositiveIntegerField(
        _("given to version"), default=1, help_text=_("The proposal's version it was given to.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("support or opposition")
        verbose_name_plural = _("support and opposition")
        ordering = ["updated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "delegation"], name="mark_one_per_delegation"
            ),
            models.CheckConstraint(
                condition=Q(stance__in=MarkStance.values), name="mark_stance_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} {self.get_stance_display()} {self.proposal_id}"

    @property
    def supports(self) -> bool:
        return self.stance == MarkStance.SUPPORT


class DecisionReply(models.Model):
    """The proposing delegation's one reply to the chair's note on the decision on its
    proposal, shown under the decision. Written once, never edited (one per proposal)."""

    MAX_LENGTH = 1000

    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.CASCADE,
        related_name="decision_reply",
        verbose_name=_("proposal"),
    )
    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        related_name="decision_replies",
        verbose_name=_("delegation"),
    )
    decision_note = models.TextField(
        _("note replied to"), help_text=_("The chair's note as it read when the reply was made.")
    )
    text = models.CharField(_("reply"), max_length=MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("replied at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply to a decision")
        verbose_name_plural = _("replies to decisions")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="decision_reply_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} · {self.proposal_id}"
