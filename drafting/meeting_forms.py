"""Forms for setting up a meeting (the secretariat's): details, participants, coordinators.

Every field is bounded; the services (``drafting.services.meetings``) decide what is allowed.
"""

from collections import defaultdict
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from drafting.models import Delegation, DelegationKind, Meeting
from drafting.services.meetings import MeetingSetup, dates_problem, slug_problem
from drafting.web import bounds, time_zones


class MeetingSetupForm(forms.Form):
    title = forms.CharField(label=_("Full title"), max_length=500)
    short_title = forms.CharField(
        label=_("Short title"), max_length=100, help_text=_("For example “BMS8”.")
    )
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        required=False,
        help_text=_(
            "The meeting's part of every address (…/m/bms8/…): lower-case letters, digits "
            "and hyphens. Left empty, it is made from the short title."
        ),
    )
    symbol_prefix = forms.CharField(
        label=_("Document symbol prefix"),
        max_length=100,
        help_text=_("For example A/CONF.192/BMS/2021/WP.1"),
    )
    venue = forms.CharField(label=_("Venue"), max_length=200)
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.CharField(label=_("Chair"), max_length=300, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zones.zone_choices,
        initial="America/New_York",
        help_text=_("Deadlines are entered, and every time is shown, in this zone."),
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        # Given the real <input type="date"> format back after an error.
        for name in ("start_date", "end_date"):
            self.fields[name].widget.format = "%Y-%m-%d"

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        if not data.get("slug") and data.get("short_title"):
            data["slug"] = slugify(data["short_title"])[:40].strip("-")
        if "slug" in data:
            problem = slug_problem(data["slug"], today=today, meeting=self.meeting)
            if problem:
                self.add_error("slug", problem)
        if data.get("start_date") and data.get("end_date"):
            problem = dates_problem(data["start_date"], data["end_date"], today=today)
            if problem:
                self.add_error("end_date" if "last" in problem else "start_date", problem)
        return data

    def setup(self) -> MeetingSetup:
        data = self.cleaned_data
        return MeetingSetup(**{field: data[field] for field in MeetingSetup.__dataclass_fields__})


def setup_initial(meeting: Meeting) -> dict[str, Any]:
    """The form's values for an existing meeting (or one to copy from)."""
    return {field: getattr(meeting, field) for field in MeetingSetup.__dataclass_fields__}


class CopyFromForm(forms.Form):
    """Start from an earlier meeting: its settings fill the form, its participants and
    coordinators are copied when the new meeting is saved."""

    copy_from = forms.ModelChoiceField(
        label=_("Copy from an earlier meeting"),
        queryset=Meeting.objects.order_by("-start_date"),
        required=False,
        empty_label=_("none: start afresh"),
        to_field_name="slug",
        help_text=_(
            "Copies its time zone, venue, chair, symbol prefix, participating delegations and "
            "group coordinators; never its document or proposals."
        ),
    )


# Headings of the participants' fieldsets, in order.
KIND_HEADINGS = (
    (DelegationKind.MEMBER_STATE, _("Member States")),
    (DelegationKind.OBSERVER_STATE, _("Observer States")),
    (DelegationKind.GROUP, _("Groups of States")),
    (DelegationKind.IGO, _("Organizations")),
)


class ParticipantsForm(forms.Form):
    """Which delegations take part: checkboxes grouped by kind (rendered by the template)."""

    delegations = forms.ModelMultipleChoiceField(
        label=_("Participating delegations"),
        queryset=Delegation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("At least one delegation must take part.")},
    )

    def by_kind(self, all_delegations: list[Delegation], chosen: set[int]) -> list[Any]:
        """(kind, heading, [(delegation, checked)]) for the template, one fieldset a kind."""
        if self.is_bound:
            posted = self.data.getlist("delegations")  # type: ignore[attr-defined]
            numbers = (bounds.posted_number(str(pk)) for pk in posted)
            chosen = {number for number in numbers if number is not None}
        grouped: dict[str, list[tuple[Delegation, bool]]] = defaultdict(list)
        for delegation in all_delegations:
            grouped[delegation.kind].append((delegation, delegation.pk in chosen))
        return [
            (kind, heading, grouped[kind]) for kind, heading in KIND_HEADINGS if grouped.get(kind)
        ]


class CoordinatorsForm(forms.Form):
    """One select a participating group: the participating State members who may speak for it."""

    def __init__(
        self,
        *args: Any,
        groups: list[Delegation],
        taking_part: set[int],
        current: dict[int, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            members = [
                (member.pk, member.short_name)
                for member in group.members.all()
                if member.pk in taking_part and not member.is_group
            ]
            self.fields[f"group_{group.pk}"] = forms.TypedChoiceField(
                label=group.short_name,
                choices=[("", _("nobody designated")), *members],
                coerce=int,
                empty_value=None,
                required=False,
                initial=current.get(group.pk),
            )

    def coordinators(self) -> dict[int, Delegation | None]:
        """Group id → the chosen State (a stub with its id and name) or None."""
        names = {member.pk: member for group in self.groups for member in group.members.all()}
        return {
            group.pk: names.get(self.cleaned_data[f"group_{group.pk}"])
            if self.cleaned_data[f"group_{group.pk}"] is not None
            else None
            for group in self.groups
        }
