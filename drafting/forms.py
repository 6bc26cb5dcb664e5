"""Forms bind and clean what the user typed; the services decide what is allowed."""

import uuid
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import Jinja2 as Jinja2FormRenderer
from django.utils.translation import gettext_lazy as _

from drafting import messages
from drafting.models import (
    INSERT_KINDS,
    DecisionReply,
    Delegation,
    Element,
    ElementKind,
    ProposalKind,
    ProposalStatus,
)
from drafting.models.meeting import GROUP_KINDS
from drafting.models.proposal import STANCE_CHOICES
from drafting.services.cosponsorship import coordinated_groups
from drafting.services.proposal_rules import new_element_kinds_for, proposal_kinds_for
from drafting.services.proposals import ProposalContent
from drafting.text import search as search_words
from drafting.text.validation import MAX_ELEMENT_TEXT, MAX_RATIONALE, TextProblem
from drafting.web import bounds, time_zones

# Django's own form templates in Jinja2 (django/forms/jinja2), for widgets of many options.
_JINJA2_FORMS = Jinja2FormRenderer()


class ManyOptionsSelect(forms.Select):
    """A select of some 200 options (every delegation), rendered through Django's Jinja2
    form templates: its Django-template ones render each option through an include, which
    made the invitation form's page take 190 ms, against 28 ms this way (the test client,
    the 2-core host). The markup is the same but for whitespace, and ``'`` written
    as ``&#39;`` rather than ``&#x27;``."""

    def _render(self, template_name, context, renderer=None):
        return super()._render(template_name, context, _JINJA2_FORMS)


class UncutTextField(forms.CharField):
    """A text bounded on the server only: a ``maxlength`` on the text box made the browser cut
    a longer paste without a word (at twice the limit, which the service then refused at
    the limit). Past ``max_length`` the form says by how much, and the text comes back whole
    (the page counts as the delegate types: ``data-char-count``)."""

    def __init__(self, *args, limit: int, **kwargs) -> None:
        self.limit = limit
        super().__init__(*args, max_length=limit * 2, **kwargs)
        # Said as the service says it, against the real limit, not the field's bound.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def validate(self, value) -> None:
        super().validate(value)
        if value and len(value) > (self.max_length or 0):
            raise forms.ValidationError(
                messages.text_problems(
                    [TextProblem("too_long", {"length": len(value), "limit": self.limit})]
                ),
                code="max_length",
            )


class ChosenDelegations(forms.MultipleHiddenInput):
    """The co-sponsors chosen: their ids only (the combobox in the template names them; the
    form's :meth:`ProposalForm.chosen_co_sponsors` reads their names)."""


class _PendingChoices(ModelChoiceIterator):
    """A :class:`ModelChoiceIterator` that asks its field for the queryset when iterated,
    not when made: made for the widget before the queryset is (:class:`PendingQueryset`)."""

    def __init__(self, field) -> None:
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class PendingQueryset:
    """For model choice fields whose queryset depends on the request: given with
    :meth:`queryset_when_used`, it is built when first used (choices listed, a value
    cleaned), not with the form: a submission naming no choice builds none."""

    iterator: type[ModelChoiceIterator] = _PendingChoices
    _make_queryset: "Callable[[], QuerySet] | None" = None

    def queryset_when_used(self, make_queryset: "Callable[[], QuerySet]") -> None:
        self._make_queryset = make_queryset
        # The widget lists this field's choices, not those of the declared field it was
        # copied from (declared without a queryset, which copying does not set again).
        field: Any = self
        field.widget.choices = field.choices

    def _get_queryset(self):
        make_queryset, self._make_queryset = self._make_queryset, None
        if make_queryset is not None:
            self._queryset = make_queryset()
        return self._queryset

    def _set_queryset(self, queryset) -> None:
        self._make_queryset = None
        django_field: Any = forms.ModelChoiceField  # its setter, untyped in the stubs
        django_field._set_queryset(self, queryset)

    queryset = property(_get_queryset, _set_queryset)


class GroupChoiceField(PendingQueryset, forms.ModelChoiceField):
    """A model choice whose queryset is built when used (:class:`PendingQueryset`)."""


class CoSponsorsField(PendingQueryset, forms.ModelMultipleChoiceField):
    """Co-sponsors: States only. A group or organization sent anyway (the list does not offer
    them) is refused by name, not as an unknown choice."""

    def clean(self, value):
        if not value and not self.required:
            return []  # none named: nothing to look up
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


# The co-sponsors' search box: what one name needs (the longest State's name is 56 characters),
# and for typing names without the list, separated by commas, a few dozen of them.
CO_SPONSOR_QUERY_MAX = 60
CO_SPONSOR_NAMES_MAX = 1_000
# The most co-sponsors one form names (a few dozen in practice; every State at most).
CO_SPONSORS_MAX = 200


class ProposalForm(forms.Form):
    """A proposal on one element: the kinds offered, and the kinds a new element may take,
    are the element's (``proposal_kinds_for``, ``new_element_kinds_for``).

    What depends on the element or the delegation (the kinds offered, the groups and the
    co-sponsors one may name) is set by ``__init__``, not declared: every form copies its
    declared fields, and copying choices and querysets only to replace them was a third of
    the copying, on every submission."""

    # What the delegate typed, shown when the element's text moved under it (views.proposals).
    typed_text = ""
    kind = forms.ChoiceField(label=_("What do you propose?"), widget=forms.RadioSelect)
    proposed_text = UncutTextField(
        label=_("Proposed text"),
        limit=MAX_ELEMENT_TEXT,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
        help_text=_(
            "Up to %(limit)s characters. Put language that is not agreed in [square brackets]."
        )
        % {"limit": f"{MAX_ELEMENT_TEXT:,}"},
    )
    new_element_kind = forms.ChoiceField(label=_("The new element is a"), required=False)
    rationale = UncutTextField(
        label=_("Rationale or comment"),
        limit=MAX_RATIONALE,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to %(limit)s characters; optional, except for a comment.")
        % {"limit": f"{MAX_RATIONALE:,}"},
    )
    on_behalf_of = GroupChoiceField(
        label=_("On behalf of"),
        queryset=None,
        required=False,
        empty_label=_("my delegation only"),
    )
    co_sponsors = CoSponsorsField(
        label=_("Co-sponsors"),
        queryset=None,
        required=False,
        widget=ChosenDelegations,
    )
    # The combobox's text box; without the script, names typed here separated by commas.
    co_sponsor_search = forms.CharField(
        label=_("Co-sponsors"),
        required=False,
        max_length=CO_SPONSOR_NAMES_MAX,
        help_text=_(
            "Each is invited, and shown as co-sponsor only once it accepts. Type part of a "
            "State's name and choose it from the list (or type whole names, separated by "
            "commas)."
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

    def __init__(
        self,
        *args,
        delegation: Delegation,
        meeting_id: int,
        element: Element,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.meeting_id = meeting_id
        self.element = element
        kinds = proposal_kinds_for(element)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind.value, kind.label) for kind in kinds
        ]
        inserted = new_element_kinds_for(
            element, kinds[0] if kinds[0] in INSERT_KINDS else ProposalKind.INSERT_AFTER
        )
        cast(forms.ChoiceField, self.fields["new_element_kind"]).choices = [
            (kind.value, kind.label) for kind in inserted
        ]
        self.inserts = bool(inserted)
        # Only the groups the secretariat designated this delegation to speak for. Both
        # querysets are built when used: a proposal on behalf of no group, naming no
        # co-sponsor, needs neither (building them was a tenth of a submission's time).
        cast(GroupChoiceField, self.fields["on_behalf_of"]).queryset_when_used(
            lambda: coordinated_groups(meeting_id=meeting_id, delegation=delegation)
        )
        self.fields["on_behalf_of"].help_text = _(
            "Offered for the groups your delegation coordinates at this meeting."
        )
        cast(CoSponsorsField, self.fields["co_sponsors"]).queryset_when_used(
            lambda: co_sponsor_candidates(meeting_id=meeting_id, delegation=delegation)
        )
        if not self.is_bound and "idempotency_key" not in self.initial:
            self.initial["idempotency_key"] = uuid.uuid4()

    @property
    def co_sponsor_candidates(self) -> "QuerySet[Delegation]":
        """Whom the delegation may name as co-sponsor (for the meeting and delegation)."""
        return cast(CoSponsorsField, self.fields["co_sponsors"]).queryset

    def clean_co_sponsors(self):
        chosen = list(self.cleaned_data.get("co_sponsors") or [])
        if len(chosen) > CO_SPONSORS_MAX:
            raise forms.ValidationError(
                _("Name at most %(count)s co-sponsors.") % {"count": CO_SPONSORS_MAX}
            )
        return chosen

    def clean(self):
        cleaned = super().clean()
        typed = [name.strip() for name in (cleaned.get("co_sponsor_search") or "").split(",")]
        typed = [name for name in typed if name]
        if typed:
            candidates = self.co_sponsor_candidates
            by_name = {
                spelling.casefold(): delegation
                for delegation in candidates.filter(_any_iexact(typed))
                for spelling in (delegation.name, delegation.short_name, delegation.code)
            }
            unknown = [name for name in typed if name.casefold() not in by_name]
            if unknown:
                self.add_error(
                    "co_sponsor_search",
                    _(
                        "%(names)s: not a State taking part in this meeting. Choose names from "
                        "the list (groups and organizations cannot co-sponsor)."
                    )
                    % {"names": ", ".join(f"“{name}”" for name in unknown)},
                )
            else:
                found = [by_name[name.casefold()] for name in typed]
                cleaned["co_sponsors"] = list(
                    dict.fromkeys([*cleaned.get("co_sponsors", []), *found])
                )
        return cleaned

    def chosen_co_sponsors(self) -> list[Delegation]:
        """The co-sponsors named so far, by name, for the combobox's chips: as sent (unknown
        ids dropped), else as given initially."""
        values = self["co_sponsors"].value() or []  # as sent, else as given initially
        ids = [bounds.posted_number(str(getattr(item, "pk", item))) for item in values]
        wanted = [pk for pk in ids if pk is not None][:CO_SPONSORS_MAX]
        if not wanted:
            return []
        return list(self.co_sponsor_candidates.filter(pk__in=wanted))

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


def add_problems(form: forms.Form, problems: dict[str, list[str]]) -> None:
    """A service's refusal (``ProposalInvalid.problems``) shown on the form: each message
    beside its field, or above the form for a field the form does not have."""
    for field_name, found in problems.items():
        for message in found:
            form.add_error(field_name if field_name in form.fields else None, message)


def _any_iexact(names: list[str]) -> Q:
    """Names typed in any case ("kenya"); a few dozen at most (the field's bound)."""
    query = Q(pk__in=[])
    for name in names[:CO_SPONSORS_MAX]:
        query |= Q(name__iexact=name) | Q(short_name__iexact=name) | Q(code__iexact=name)
    return query


def co_sponsor_candidates(*, meeting_id: int, delegation: Delegation):
    """Who ``delegation`` may name as co-sponsor at the meeting: the other States taking part
    (groups and organizations cannot co-sponsor), by name."""
    return (
        Delegation.objects.filter(participations__meeting_id=meeting_id)
        .exclude(pk=delegation.pk)
        .exclude(kind__in=GROUP_KINDS)
        .order_by("name")
    )


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
