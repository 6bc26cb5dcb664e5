"""Receipts of write requests carried out, so that a retried request is not carried out twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WriteReceipt(models.Model):
    """One write request that was carried out, by the idempotency key of its form.

    Written in the same transaction as the write itself: it exists exactly when the write
    was committed. A request sent again with the same key (a retry after a dropped
    connection, the browser resending a form) finds the receipt and is not carried out a
    second time. A request may change several elements or none (a rejection), which is why
    the key lives here rather than on :class:`ElementChange`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.UUIDField(_("idempotency key"))
    action = models.CharField(_("action"), max_length=40)
    result = models.CharField(
        _("result"),
        max_length=200,
        blank=True,
        help_text=_("What the request made, e.g. the number of the revision it issued."),
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        verbose_name = _("write receipt")
        verbose_name_plural = _("write receipts")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="write_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
