"""Forms for invitations: the invitation itself, and the invitee's account when accepting it.

Every field is bounded; the services (``drafting.services.invitations``) decide what is allowed.
"""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drafting.access import permissions
from drafting.forms import ManyOptionsSelect
from drafting.models import Delegation, InvitedRole
from drafting.views.accounts import MAX_PASSWORD, TokenForm


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=InvitedRole.choices)
    delegation = forms.ModelChoiceField(
        label=gettext_lazy("Delegation"),
        queryset=Delegation.objects.order_by("name"),
        required=False,
        widget=ManyOptionsSelect,
        help_text=gettext_lazy("For a focal point or a delegate: the delegation they act for."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not permissions.can_administer(actor):
            # A focal point invites delegates of its own delegation, and nothing else.
            own = permissions.delegation_of(actor)
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(InvitedRole.DELEGATE.value, InvitedRole.DELEGATE.label)]
            delegation = cast(forms.ModelChoiceField, self.fields["delegation"])
            delegation.queryset = (
                Delegation.objects.filter(pk=own.pk) if own else Delegation.objects.none()
            )
            delegation.initial = own
            delegation.empty_label = None


class AcceptForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        help_text=gettext_lazy("You sign in with it. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=MAX_PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        max_length=MAX_PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, account: Any = None, **kwargs: Any) -> None:
        """``account``: the existing account the invitation is for, if any; its username
        stays (shown, not asked), and only the password and the device change."""
        super().__init__(*args, **kwargs)
        self.email = email
        if account is not None:
            username = self.fields["username"]
            username.required = False
            username.disabled = True
            username.initial = account.get_username()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        for validator in User._meta.get_field("username").validators:
            validator(username)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = get_user_model()(username=cleaned.get("username", ""), email=self.email)
            try:
                validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def add_accept_problems(
    problems: dict[str, list[str]], form: AcceptForm, code_form: TokenForm | None
) -> None:
    """Put what the service refused (``InvitationInvalid.problems``, by field) on the forms:
    a code's problem on the code form when there is one, any other on the account form, on
    the field named when the form has it, else on the form as a whole."""
    for field, messages in problems.items():
        target: forms.Form = code_form if field == "token" and code_form else form
        for message in messages:
            target.add_error(field if field in target.fields else None, message)
