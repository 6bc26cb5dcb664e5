"""A delegate's e-mail preferences: for every meeting, or for one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafting import selectors
from drafting.access import permissions
from drafting.models import MAIL_KINDS, MailPreference
from drafting.notice_forms import MailPreferenceForm
from drafting.services import notifications


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mail_preferences(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Choose how each kind of notice is e-mailed: for ``slug``'s meeting, or (no slug) for
    every meeting without a choice of its own. Delegates only: they receive the notices."""
    if not permissions.is_delegate(request.user):
        raise PermissionDenied
    meeting = selectors.meeting_with_document(slug) if slug is not None else None
    if request.method == "POST":
        form = MailPreferenceForm(request.POST)
        if form.is_valid():
            notifications.mail_preference_set(
                user=request.user, meeting=meeting, choices=form.choices()
            )
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect(request.path)
    else:
        form = MailPreferenceForm(initial=_current(request.user, meeting))
    return render(
        request,
        "drafting/mail_preferences.html",
        {"form": form, "meeting": meeting},
    )


def _current(user, meeting) -> dict[str, str]:
    """What the person chose for this meeting, else for every meeting, else the default."""
    chosen = MailPreference.objects.filter(user=user).filter(
        Q(meeting_id=getattr(meeting, "pk", None)) | Q(meeting__isnull=True)
    )
    preferences = {p.meeting_id: p for p in chosen}
    return {
        kind: notifications.frequency(
            preferences=preferences,
            is_focal_point=permissions.is_focal_point(user),
            meeting_id=getattr(meeting, "pk", None),
            kind=kind,
        )
        for kind in MAIL_KINDS
    }
