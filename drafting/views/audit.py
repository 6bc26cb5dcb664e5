"""The secretariat's audit trail: every action, filterable, read-only."""

from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from drafting import selectors
from drafting.access import permissions
from drafting.models import AuditAction, AuditEvent, Delegation, Meeting
from drafting.text.snapshot import iter_elements
from drafting.web import bounds, time_zones

PAGE_SIZE = 100


class CodeChoiceField(forms.ModelChoiceField):
    """Chosen by a slug or code: anything that is not one (too long, a NUL that PostgreSQL
    refuses in a query) is an invalid choice before the database is asked."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not (
            isinstance(value, str) and len(value) <= 50 and slug_re.match(value)
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class AuditFilterForm(forms.Form):
    meeting = CodeChoiceField(
        label=_("Meeting"),
        queryset=Meeting.objects.order_by("short_title"),
        to_field_name="slug",
        required=False,
        empty_label=_("All meetings and sign-ins"),
    )
    user = forms.CharField(label=_("Username"), max_length=150, required=False)
    delegation = CodeChoiceField(
        label=_("Delegation"),
        queryset=Delegation.objects.order_by("short_name"),
        to_field_name="code",
        required=False,
        empty_label=_("All delegations"),
    )
    element = forms.TypedChoiceField(
        label=_("Element"), coerce=int, required=False, empty_value=None
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", _("All actions")), *AuditAction.choices],
        required=False,
    )
    since = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (date, inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, element_choices: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["element"]).choices = [
            ("", _("All elements")),
            *element_choices,
        ]

    def _bounded_date(self, name: str) -> Any:
        # Within bounds: "until" 9999-12-31 overflowed a day later (a 500).
        day = self.cleaned_data[name]
        problem = bounds.date_problem(day) if day else None
        if problem:
            raise forms.ValidationError(problem)
        return day

    def clean_since(self) -> Any:
        return self._bounded_date("since")

    def clean_until(self) -> Any:
        return self._bounded_date("until")


def _element_labels(meeting: Meeting | None) -> dict[int, str]:
    """Current labels of the meeting's elements ("12", "12 (b)"), in reading order."""
    # A meeting set up whose zero draft is not imported yet has no elements.
    document = getattr(meeting, "document", None) if meeting is not None else None
    if document is None:
        return {}
    snapshot = selectors.working_draft_snapshot(document)
    labels = {}
    for element, _depth in iter_elements(snapshot["elements"]):
        excerpt = " ".join(element["text"].split())[:50]
        labels[element["id"]] = (
            f"{element['label']} {excerpt}".strip() or f"{element['kind']} {element['id']}"
        )
    return labels


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_safe
@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Who did what, for which delegation, when and from where; newest first, 100 a page."""
    if not permissions.can_read_audit_trail(request.user):
        raise PermissionDenied
    meetings = list(Meeting.objects.select_related("document").order_by("short_title")[:2])
    chosen_slug = request.GET.get("meeting", "")
    meeting = next((m for m in meetings if m.slug == chosen_slug), None)
    if meeting is None and chosen_slug and len(chosen_slug) <= 50 and "\x00" not in chosen_slug:
        meeting = Meeting.objects.select_related("document").filter(slug=chosen_slug).first()
    if meeting is None and len(meetings) == 1:
        meeting = meetings[0]  # one meeting: its elements can be chosen without choosing it
    if meeting is not None:
        # Times are shown, and dates read, in the meeting's zone (the header says which).
        time_zones.activate_for(meeting)
    labels = _element_labels(meeting)
    form = AuditFilterForm(request.GET or None, element_choices=list(labels.items()))
    events = AuditEvent.objects.select_related("user", "delegation").order_by("-at", "-id")
    if form.is_valid():
        chosen = form.cleaned_data
        if chosen["meeting"]:
            events = events.filter(document__meeting=chosen["meeting"])
        if chosen["user"]:
            events = events.filter(username__iexact=chosen["user"].strip())
        if chosen["delegation"]:
            events = events.filter(delegation=chosen["delegation"])
        if chosen["element"]:
            events = events.filter(element_id=chosen["element"])
        if chosen["action"]:
            events = events.filter(action=chosen["action"])
        if chosen["since"]:
            events = events.filter(at__gte=_day_start(chosen["since"]))
        if chosen["until"]:
            events = events.filter(at__lt=_day_start(chosen["until"] + timedelta(days=1)))
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "drafting/audit_trail.html",
        {
            "form": form,
            "page": page,
            "element_labels": labels,
            "query": query.urlencode(),
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )
