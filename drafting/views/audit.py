"""The secretariat's audit trail: every action, filterable, read-only."""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from drafting.access import permissions
from drafting.models import AuditAction, Delegation, Meeting
from drafting.selectors.audit import AuditFilters, audit_events, audit_meeting, element_labels
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

    def chosen_filters(self) -> AuditFilters | None:
        """The filters chosen: none for an empty form, ``None`` when they are invalid (then
        no event is listed)."""
        if not self.is_bound:
            return AuditFilters()
        if not self.is_valid():
            return None
        return AuditFilters(**self.cleaned_data)


@require_safe
@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Who did what, for which delegation, when and from where; newest first, 100 a page."""
    if not permissions.can_read_audit_trail(request.user):
        raise PermissionDenied
    meeting = audit_meeting(request.GET.get("meeting", ""))
    if meeting is not None:
        # Times are shown, and dates read, in the meeting's zone (the header says which).
        time_zones.activate_for(meeting)
    labels = element_labels(meeting)
    form = AuditFilterForm(request.GET or None, element_choices=list(labels.items()))
    events = audit_events(form.chosen_filters())
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
