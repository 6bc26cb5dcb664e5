"""Forms bind and clean what the user typed; the services decide what is allowed."""

import uuid
from typing import cast

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from drafting.models import DecisionReply, Delegation, ElementKind, ProposalKind, ProposalStatus
from drafting.models.meeting import GROUP_KINDS
from drafting.models.proposal import STANCE_CHOICES
from drafting.render import rendering
from drafting.services.cosponsorship import coordinated_groups
from drafting.services.proposals import INSERTABLE_KINDS, ProposalContent
from drafting.text import search as search_words
from drafting.text.validation import MAX_ELEMENT_TEXT, MAX_RATIONALE
from drafting.web import bounds, time_zones


class QuickSelectMultiple(forms.SelectMultiple):
    """A multiple select rendered by a Jinja2 macro (`rendering.select_multiple`): through
    Django's option templates, 200 delegations cost about 100 ms on every proposal form."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(item) for item in self.format_value(value)}
        # Jinja2's Markup, which Django's templates treat as safe through its __html__.
        return cast(
            SafeString, rendering.select_multiple(flatatt(final_attrs), self.choices, chosen)
        )


class CoSponsorsField(forms.ModelMultipleChoiceField):
    """Co-sponsors: States only. A group or organization sent anyway (the list does not offer
    them) is refused by name, not as an unknown choice."""

    def clean(self, value):
        numbers = (bounds.posted_number(str(item)) for item in (value or []))
        ids = [number for number in numbers if number is not None]
        groups = sorted(
            Delegation.objects.filter(pk__in=ids, kind__in=GROUP_KINDS).values_list(
                "short_name", flat=True
            )
        )
        if groups:
            raise forms.ValidationError(
                _(
                    "%(groups)s: groups of States and organizations cannot co-sponsor. Name "
                    "their member States, or ask the group's coordinator to propose on its "
                    "behalf."
                ),
                code="group",
                params={"groups": ", ".join(groups)},
            )
        return super().clean(value)


class ProposalForm(forms.Form):
    # What the delegate typed, shown when the element's text moved under it (views.proposals).
    typed_text = ""

    kind = forms.ChoiceField(
        label=_("What do you propose?"), choices=ProposalKind.choices, widget=forms.RadioSelect
    )
    proposed_text = forms.CharField(
        label=_("Proposed text"),
        required=False,
        strip=False,
        # A little above the limit, so the service can say how much too long it is.
        max_length=MAX_ELEMENT_TEXT * 2,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
        help_text=_("Put language that is not agreed in [square brackets]."),
    )
    new_element_kind = forms.ChoiceField(
        label=_("The new element is a"),
        required=False,
        choices=[("", "—")] + [(kind.value, kind.label) for kind in INSERTABLE_KINDS],
    )
    rationale = forms.CharField(
        label=_("Rationale or comment (optional)"),
        required=False,
        strip=False,
        max_length=MAX_RATIONALE * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    on_behalf_of = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Delegation.objects.none(),
        required=False,
        empty_label=_("my delegation only"),
    )
    co_sponsors = CoSponsorsField(
        label=_("Co-sponsors"),
        queryset=Delegation.objects.none(),
        required=False,
        widget=QuickSelectMultiple(attrs={"size": 6}),
        help_text=_(
            "Each is invited, and shown as co-sponsor only once it accepts. Hold Ctrl (or ⌘) "
            "to choose several."
        ),
    )
    # The element's text as the delegate saw it: compared and diffed against the text now, so
    # bounded like a text (a megabyte here held a worker and the element's lock for 20 s).
    base_text_seen = forms.CharField(
        required=False, strip=False, max_length=MAX_ELEMENT_TEXT * 2, widget=forms.HiddenInput
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    version = forms.IntegerField(
        required=False, min_value=0, max_value=2_147_483_647, widget=forms.HiddenInput
    )

    def __init__(self, *args, delegation: Delegation, meeting_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_id = meeting_id
        # Only the groups the secretariat designated this delegation to speak for.
        cast(forms.ModelChoiceField, self.fields["on_behalf_of"]).queryset = coordinated_groups(
            meeting_id=meeting_id, delegation=delegation
        )
        self.fields["on_behalf_of"].help_text = _(
            "Offered for the groups your delegation coordinates at this meeting."
        )
        cast(forms.ModelMultipleChoiceField, self.fields["co_sponsors"]).queryset = (
            Delegation.objects.filter(participations__meeting_id=meeting_id)
            .exclude(pk=delegation.pk)
            .exclude(kind__in=GROUP_KINDS)
            .order_by("name")
        )
        if not self.is_bound and "idempotency_key" not in self.initial:
            self.initial["idempotency_key"] = uuid.uuid4()

    def content(self) -> ProposalContent:
        data = self.cleaned_data
        return ProposalContent(
            kind=data["kind"],
            proposed_text=data.get("proposed_text") or "",
            rationale=data.get("rationale") or "",
            new_element_kind=data.get("new_element_kind") or "",
            on_behalf_of=data.get("on_behalf_of"),
            co_sponsors=list(data.get("co_sponsors") or []),
            base_text_seen=data.get("base_text_seen"),
        )

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for field_name, messages in problems.items():
            for message in messages:
                self.add_error(None if field_name not in self.fields else field_name, message)


class MarkForm(forms.Form):
    stance = forms.ChoiceField(label=_("Your delegation's position"), choices=STANCE_CHOICES)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=600)


def _in_current_zone(form: forms.Form) -> None:
    """Times are typed in the current zone (the meeting's: its pages activate it); each
    date-and-time label says which ("Deadline (Geneva time)")."""
    zone = time_zones.current_label()
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.label = _("%(label)s (%(zone)s)") % {"label": field.label, "zone": zone}


class RoundForm(forms.Form):
    """A round opens from a year ago to five years ahead and closes within five years
    (`drafting.web.bounds.round_date_problem`): a deadline of 9999-12-31 was stored as year 10000,
    which PostgreSQL cannot give back, and every page reading rounds failed."""

    name = forms.CharField(label=_("Name"), max_length=120)
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_current_zone(self)

    def clean_opens_at(self):
        opens_at = self.cleaned_data["opens_at"]
        problem = bounds.round_date_problem(opens_at, what="opening")
        if problem:
            raise forms.ValidationError(problem)
        return opens_at

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        problem = bounds.round_date_problem(deadline, what="deadline")
        if problem:
            raise forms.ValidationError(problem)
        return deadline


class ReopenForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("New deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_current_zone(self)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        # A deadline in the past is the service's to refuse ("must be in the future").
        problem = bounds.round_date_problem(deadline, what="deadline")
        if problem:
            raise forms.ValidationError(problem)
        return deadline


class SearchForm(forms.Form):
    """A search over one meeting: the words, and where to look (every filter optional).

    A GET form: the choices are the meeting's (agenda items, delegations), and a value not
    among them is an error beside its field, never a server error.
    """

    query = forms.CharField(
        label=_("Search for"),
        max_length=search_words.MAX_QUERY_LENGTH,
        required=False,
        help_text=_(
            'Words are found in any form ("weapon" finds "weapons"). Use "quotes" for a '
            "phrase, OR between alternatives, and a minus sign to leave a word out."
        ),
    )
    where = forms.ChoiceField(label=_("Look in"), required=False)
    agenda_item = forms.TypedChoiceField(
        label=_("Agenda item"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=_("Kind of element"), required=False)
    status = forms.ChoiceField(
        label=_("Status of the proposal"), required=False, help_text=_("Proposals only.")
    )
    delegation = forms.TypedChoiceField(
        label=_("Delegation"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Proposals made by it or on its behalf."),
    )

    def __init__(
        self,
        *args,
        agenda_items: list[tuple[int, str]],
        delegations: list[tuple[int, str]],
        reads_drafts: bool,
        own_drafts: bool,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        anywhere = [("", _("Anywhere"))]
        places = [
            ("draft", _("the working draft")),
            ("revisions", _("issued revisions")),
            ("proposals", _("proposals")),
        ]
        self._choose("where", [*anywhere, *(places if reads_drafts else places[1:2])])
        self._choose(
            "agenda_item",
            [
                ("", _("All")),
                *(
                    (pk, _("Agenda item %(label)s") % {"label": label.rstrip(".")})
                    for pk, label in agenda_items
                ),
            ],
        )
        self._choose("kind", [("", _("All")), *ElementKind.choices])
        hidden = {ProposalStatus.DISCARDED} | (set() if own_drafts else {ProposalStatus.DRAFT})
        self._choose(
            "status",
            [
                ("", _("All")),
                *((value, label) for value, label in ProposalStatus.choices if value not in hidden),
            ],
        )
        self._choose("delegation", [("", _("All")), *delegations])
        if not reads_drafts:
            for name in ("status", "delegation"):
                del self.fields[name]

    def _choose(self, name: str, choices: list) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


class DecisionReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your delegation's reply"),
        max_length=DecisionReply.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At most 1,000 characters."),
    )
