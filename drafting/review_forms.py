"""The forms of the chair's review page (`views.chair.element_review`): each binds what one
verb posts. The lengths and characters of texts and notes are the services' to check (one
set of rules, with their wording in `drafting.messages`); these forms find the proposals
chosen on the element, each at the version the page showed."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from drafting.models import Element, ElementKind, Proposal
from drafting.web.bounds import posted_number


def public_ids(values: list[str]) -> list[uuid.UUID]:
    """The well-formed proposal ids among those posted (a lookup by a malformed one raises)."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def as_read(proposal: Proposal, posted_version: str) -> None:
    """The version of the proposal the chair's page showed, when the form says: a decision
    is given to that text, and the service refuses it if the proposal was revised since."""
    version = posted_number(posted_version)
    if version is not None:
        proposal.version = version


class ReviewForm(forms.Form):
    """The proposals chosen on the element (ticked boxes named ``proposal``, each with the
    ``version-<id>`` the page showed) and the note to the delegations."""

    note = forms.CharField(required=False, strip=False)
    # The text the page showed the chair typing, given back when a write is refused.
    typed_field: str | None = None

    def __init__(self, data, *, element: Element) -> None:
        super().__init__(data)
        self.element = element
        self.proposals: list[Proposal] = []

    def clean(self):
        cleaned = super().clean()
        self.proposals = list(
            Proposal.objects.filter(
                element=self.element, public_id__in=public_ids(self.data.getlist("proposal"))
            ).select_related("delegation", "document")
        )
        for proposal in self.proposals:
            as_read(proposal, self.data.get(f"version-{proposal.public_id}", ""))
        return cleaned

    @property
    def typed(self) -> str | None:
        return self.data.get(self.typed_field, "") if self.typed_field else None


class OneProposalForm(ReviewForm):
    """Reject, defer or undo: one proposal at a time."""

    def clean(self):
        cleaned = super().clean()
        if len(self.proposals) != 1:
            raise forms.ValidationError(_("Choose one proposal."))
        return cleaned

    @property
    def proposal(self) -> Proposal:
        (proposal,) = self.proposals
        return proposal


class ComposeForm(ReviewForm):
    """The chair's own text for the element, and the text it was written from."""

    text = forms.CharField(required=False, strip=False)
    expected_text = forms.CharField(required=False, strip=False)
    typed_field = "text"


class StatusForm(ReviewForm):
    status = forms.CharField(required=False)
    # Re-opening agreed language is asked for explicitly (a box posting "1").
    reopen = forms.CharField(required=False)

    def clean_reopen(self) -> bool:
        return self.cleaned_data["reopen"] == "1"


# The kinds the review page offers to insert after an element, in the order offered.
INSERTABLE_KINDS = (
    ElementKind.THEME,
    ElementKind.SUBTHEME,
    ElementKind.PARAGRAPH,
    ElementKind.SECTION,
    ElementKind.AGENDA_ITEM,
    ElementKind.PLACEHOLDER,
)


class InsertForm(ReviewForm):
    new_kind = forms.CharField(required=False)
    new_text = forms.CharField(required=False, strip=False)
    typed_field = "new_text"
